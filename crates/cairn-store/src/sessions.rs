//! Browser sessions: stored by the SHA-256 of their token, looked up by it
//! with their user in one query.

use async_trait::async_trait;
use cairn_core::model::{User, UserId};
use cairn_core::session::StoredSession;
use cairn_core::store::{SessionStore, StoreResult};
use time::OffsetDateTime;

use crate::rows::{USER_COLUMNS, UserRow, timestamp};
use crate::{SqliteStore, backend, conflict_or_backend};

#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    user: UserRow,
    token_hash: String,
    user_id: i64,
    csrf: String,
    session_created_at: i64,
    expires_at: i64,
}

#[async_trait]
impl SessionStore for SqliteStore {
    async fn insert_session(&self, session: &StoredSession) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO web_sessions (token_hash, user_id, csrf, created_at, expires_at) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&session.token_hash)
        .bind(session.user_id)
        .bind(&session.csrf)
        .bind(session.created_at.unix_timestamp())
        .bind(session.expires_at.unix_timestamp())
        .execute(&self.writer)
        .await
        .map_err(|e| {
            conflict_or_backend(e, || "A session with this token already exists.".into())
        })?;
        Ok(())
    }

    async fn session_by_token_hash(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<(User, StoredSession)>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, s.token_hash, s.user_id, s.csrf, \
                    s.created_at AS session_created_at, s.expires_at \
             FROM web_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?"
        );
        let row: Option<SessionRow> = sqlx::query_as(&sql)
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        Ok(row.map(|r| {
            (
                User::from(r.user),
                StoredSession {
                    token_hash: r.token_hash,
                    user_id: r.user_id,
                    csrf: r.csrf,
                    created_at: timestamp(r.session_created_at),
                    expires_at: timestamp(r.expires_at),
                },
            )
        }))
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM web_sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.writer)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_sessions_of(&self, user_id: UserId) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM web_sessions WHERE user_id = ?")
            .bind(user_id)
            .execute(&self.writer)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected())
    }

    async fn delete_expired_sessions(&self, now: OffsetDateTime) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM web_sessions WHERE expires_at <= ?")
            .bind(now.unix_timestamp())
            .execute(&self.writer)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected())
    }
}
