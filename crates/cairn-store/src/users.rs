//! Users, and the personal entity each person gets.

use async_trait::async_trait;
use cairn_core::model::{AccountType, NewUser, User, UserId, UserUpdate};
use cairn_core::store::{StoreResult, UserStore};

use crate::rows::{USER_COLUMNS, UserRow};
use crate::{SqliteStore, backend, conflict_or_backend, now};

#[async_trait]
impl UserStore for SqliteStore {
    async fn create_user(&self, user: NewUser, organization_id: i64) -> StoreResult<User> {
        let mut tx = self.write_tx().await?;
        let created_at = now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, email, name, admin, account_type, created_at) \
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&user.username)
        .bind(&user.email)
        .bind(&user.name)
        .bind(user.admin)
        .bind(user.account_type.as_str())
        .bind(created_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            conflict_or_backend(e, || {
                format!(
                    "A user with username {:?} or email {:?} already exists.",
                    user.username,
                    user.email.as_deref().unwrap_or("")
                )
            })
        })?;
        if user.account_type == AccountType::User {
            let entity_id: i64 = sqlx::query_scalar(
                "INSERT INTO entities (name, is_team, organization_id, created_at) \
                 VALUES (?, 0, ?, ?) RETURNING id",
            )
            .bind(&user.username)
            .bind(organization_id)
            .bind(created_at)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                conflict_or_backend(e, || {
                    format!("The name {:?} is already taken by a team.", user.username)
                })
            })?;
            sqlx::query(
                "INSERT INTO memberships (entity_id, user_id, admin, created_at) VALUES (?, ?, 1, ?)",
            )
            .bind(entity_id)
            .bind(id)
            .bind(created_at)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        if let Some(email) = &user.email {
            // Pending invitations for this address become memberships.
            sqlx::query(
                "INSERT OR IGNORE INTO memberships (entity_id, user_id, admin, created_at) \
                 SELECT entity_id, ?, admin, ? FROM invites WHERE email = ?",
            )
            .bind(id)
            .bind(created_at)
            .bind(email)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            sqlx::query("DELETE FROM invites WHERE email = ?")
                .bind(email)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(User {
            id,
            username: user.username,
            email: user.email,
            name: user.name,
            admin: user.admin,
            account_type: user.account_type,
            photo_url: None,
            default_entity: None,
            created_at: time::OffsetDateTime::from_unix_timestamp(created_at)
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
            deactivated_at: None,
        })
    }

    async fn any_user(&self) -> StoreResult<bool> {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users)")
            .fetch_one(&self.pool)
            .await
            .map_err(backend)
    }

    async fn first_admin(&self) -> StoreResult<Option<UserId>> {
        sqlx::query_scalar("SELECT id FROM users WHERE admin = 1 ORDER BY id LIMIT 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)
    }

    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<User>> {
        self.user_where(UserKey::Id(id)).await
    }

    async fn user_by_username(&self, username: &str) -> StoreResult<Option<User>> {
        self.user_where(UserKey::Username(username)).await
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        self.user_where(UserKey::Email(email)).await
    }

    async fn search_users(&self, query: &str, limit: i64) -> StoreResult<Vec<User>> {
        let pattern = format!("%{}%", escape_like(query));
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u \
             WHERE u.username LIKE ?1 ESCAPE '\\' OR u.email LIKE ?1 ESCAPE '\\' OR u.name LIKE ?1 ESCAPE '\\' \
             ORDER BY (u.username = ?2 OR u.email = ?2) DESC, u.username \
             LIMIT ?3"
        );
        let rows: Vec<UserRow> = sqlx::query_as(&sql)
            .bind(pattern)
            .bind(query)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        Ok(rows.into_iter().map(User::from).collect())
    }

    async fn update_user(&self, id: UserId, update: &UserUpdate) -> StoreResult<Option<User>> {
        let changed = sqlx::query(
            "UPDATE users SET \
               name = COALESCE(?, name), \
               photo_url = CASE WHEN ? THEN ? ELSE photo_url END, \
               default_entity_id = COALESCE(?, default_entity_id), \
               admin = COALESCE(?, admin) \
             WHERE id = ?",
        )
        .bind(&update.name)
        .bind(update.photo_url.is_some())
        .bind(update.photo_url.clone().flatten())
        .bind(update.default_entity_id)
        .bind(update.admin)
        .bind(id)
        .execute(&self.writer)
        .await
        .map_err(backend)?
        .rows_affected();
        if changed == 0 {
            return Ok(None);
        }
        self.user_by_id(id).await
    }

    async fn password_hash(&self, id: UserId) -> StoreResult<Option<String>> {
        let hash: Option<Option<String>> =
            sqlx::query_scalar("SELECT password_hash FROM users WHERE id = ?")
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
        Ok(hash.flatten())
    }

    async fn set_password_hash(&self, id: UserId, hash: Option<&str>) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
            .bind(hash)
            .bind(id)
            .execute(&self.writer)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected() > 0)
    }

    async fn set_deactivated(
        &self,
        id: UserId,
        at: Option<time::OffsetDateTime>,
    ) -> StoreResult<Option<User>> {
        // Deactivating twice keeps the first date.
        let changed = sqlx::query(
            "UPDATE users SET deactivated_at = CASE WHEN ?1 IS NULL THEN NULL \
               ELSE COALESCE(deactivated_at, ?1) END \
             WHERE id = ?2",
        )
        .bind(at.map(time::OffsetDateTime::unix_timestamp))
        .bind(id)
        .execute(&self.writer)
        .await
        .map_err(backend)?
        .rows_affected();
        if changed == 0 {
            return Ok(None);
        }
        self.user_by_id(id).await
    }
}

/// The unique keys a user can be looked up by.
enum UserKey<'a> {
    Id(i64),
    Username(&'a str),
    Email(&'a str),
}

impl SqliteStore {
    async fn user_where(&self, key: UserKey<'_>) -> StoreResult<Option<User>> {
        let column = match key {
            UserKey::Id(_) => "u.id",
            UserKey::Username(_) => "u.username",
            UserKey::Email(_) => "u.email",
        };
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE {column} = ?");
        let query = sqlx::query_as::<_, UserRow>(&sql);
        let query = match key {
            UserKey::Id(id) => query.bind(id),
            UserKey::Username(s) | UserKey::Email(s) => query.bind(s),
        };
        let row = query.fetch_optional(&self.pool).await.map_err(backend)?;
        Ok(row.map(User::from))
    }
}

/// Escape `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
