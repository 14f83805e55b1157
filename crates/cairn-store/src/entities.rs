//! Organizations, entities, team membership and invitations.

use async_trait::async_trait;
use cairn_core::model::{Entity, EntityId, Invite, Member, Organization, User, UserId};
use cairn_core::store::{EntityStore, StoreResult};

use crate::rows::{EntityRow, InviteRow, USER_COLUMNS, UserRow};
use crate::{SqliteStore, backend, conflict_or_backend, now};

const ENTITY_COLUMNS: &str = "e.id, e.name, e.is_team, e.organization_id, e.created_at";

#[derive(sqlx::FromRow)]
struct MemberRow {
    #[sqlx(flatten)]
    user: UserRow,
    member_admin: bool,
}

/// Whether entity `e` is a team: organizations' entities are teams in the
/// table but not here.
const IS_TEAM: &str = "e.is_team = 1 \
    AND e.id NOT IN (SELECT entity_id FROM organizations WHERE entity_id IS NOT NULL)";

#[async_trait]
impl EntityStore for SqliteStore {
    async fn ensure_default_organization(&self, name: &str) -> StoreResult<i64> {
        sqlx::query("INSERT OR IGNORE INTO organizations (name, created_at) VALUES (?, ?)")
            .bind(name)
            .bind(now())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        sqlx::query_scalar("SELECT id FROM organizations WHERE name = ?")
            .bind(name)
            .fetch_one(&self.pool)
            .await
            .map_err(backend)
    }

    async fn create_organization(&self, name: &str) -> StoreResult<i64> {
        sqlx::query_scalar(
            "INSERT INTO organizations (name, created_at) VALUES (?, ?) RETURNING id",
        )
        .bind(name)
        .bind(now())
        .fetch_one(&self.pool)
        .await
        .map_err(|e| {
            conflict_or_backend(e, || {
                format!("An organization named {name:?} already exists.")
            })
        })
    }

    async fn organizations(&self) -> StoreResult<Vec<Organization>> {
        let rows: Vec<(i64, String, i64, String)> = sqlx::query_as(
            "SELECT o.id, o.name, e.id, e.name FROM organizations o \
             JOIN entities e ON e.id = o.entity_id ORDER BY o.id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        Ok(rows
            .into_iter()
            .map(|(id, name, entity_id, entity_name)| Organization {
                id,
                name,
                entity_id,
                entity_name,
            })
            .collect())
    }

    async fn create_team(
        &self,
        name: &str,
        organization_id: i64,
        admin: UserId,
    ) -> StoreResult<Entity> {
        let mut tx = self.write_tx().await?;
        let created_at = now();
        let sql = format!(
            "INSERT INTO entities (name, is_team, organization_id, created_at) \
             VALUES (?, 1, ?, ?) RETURNING {}",
            ENTITY_COLUMNS.replace("e.", "")
        );
        let row: EntityRow = sqlx::query_as(&sql)
            .bind(name)
            .bind(organization_id)
            .bind(created_at)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                conflict_or_backend(e, || {
                    format!("The name {name:?} is already taken by a team or user.")
                })
            })?;
        let entity = Entity::from(row);
        sqlx::query(
            "INSERT INTO memberships (entity_id, user_id, admin, created_at) VALUES (?, ?, 1, ?)",
        )
        .bind(entity.id)
        .bind(admin)
        .bind(created_at)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(entity)
    }

    async fn entity_by_name(&self, name: &str) -> StoreResult<Option<Entity>> {
        let sql = format!("SELECT {ENTITY_COLUMNS} FROM entities e WHERE e.name = ?");
        let row: Option<EntityRow> = sqlx::query_as(&sql)
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        Ok(row.map(Entity::from))
    }

    async fn entity_by_id(&self, id: EntityId) -> StoreResult<Option<Entity>> {
        let sql = format!("SELECT {ENTITY_COLUMNS} FROM entities e WHERE e.id = ?");
        let row: Option<EntityRow> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        Ok(row.map(Entity::from))
    }

    async fn teams_of(&self, user_id: UserId) -> StoreResult<Vec<Entity>> {
        let sql = format!(
            "SELECT {ENTITY_COLUMNS} FROM entities e JOIN memberships m ON m.entity_id = e.id \
             WHERE m.user_id = ? AND {IS_TEAM} ORDER BY e.name"
        );
        let rows: Vec<EntityRow> = sqlx::query_as(&sql)
            .bind(user_id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        Ok(rows.into_iter().map(Entity::from).collect())
    }

    async fn teams(&self, limit: i64) -> StoreResult<Vec<Entity>> {
        let sql = format!(
            "SELECT {ENTITY_COLUMNS} FROM entities e WHERE {IS_TEAM} ORDER BY e.name LIMIT ?"
        );
        let rows: Vec<EntityRow> = sqlx::query_as(&sql)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        Ok(rows.into_iter().map(Entity::from).collect())
    }

    async fn members(&self, entity_id: EntityId) -> StoreResult<Vec<Member>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, m.admin AS member_admin FROM memberships m \
             JOIN users u ON u.id = m.user_id WHERE m.entity_id = ? ORDER BY m.created_at, u.id"
        );
        let joined: Vec<MemberRow> = sqlx::query_as(&sql)
            .bind(entity_id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        let pending: Vec<InviteRow> = sqlx::query_as(
            "SELECT id, entity_id, email, admin, created_at FROM invites WHERE entity_id = ? ORDER BY id",
        )
        .bind(entity_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        // Pending invitations first, then members by joining order: the
        // official client takes `members[-1]` as the account it just added.
        Ok(pending
            .into_iter()
            .map(|r| Member::Pending(r.into()))
            .chain(joined.into_iter().map(|r| Member::Joined {
                user: User::from(r.user),
                admin: r.member_admin,
            }))
            .collect())
    }

    async fn membership(&self, entity_id: EntityId, user_id: UserId) -> StoreResult<Option<bool>> {
        sqlx::query_scalar("SELECT admin FROM memberships WHERE entity_id = ? AND user_id = ?")
            .bind(entity_id)
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)
    }

    async fn add_member(
        &self,
        entity_id: EntityId,
        user_id: UserId,
        admin: bool,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO memberships (entity_id, user_id, admin, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(entity_id)
        .bind(user_id)
        .bind(admin)
        .bind(now())
        .execute(&self.pool)
        .await
        .map_err(|e| conflict_or_backend(e, || "That user is already a member.".to_string()))?;
        Ok(())
    }

    async fn set_member_admin(
        &self,
        entity_id: EntityId,
        user_id: UserId,
        admin: bool,
    ) -> StoreResult<bool> {
        let done =
            sqlx::query("UPDATE memberships SET admin = ? WHERE entity_id = ? AND user_id = ?")
                .bind(admin)
                .bind(entity_id)
                .bind(user_id)
                .execute(&self.pool)
                .await
                .map_err(backend)?;
        Ok(done.rows_affected() > 0)
    }

    async fn remove_member(&self, entity_id: EntityId, user_id: UserId) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM memberships WHERE entity_id = ? AND user_id = ?")
            .bind(entity_id)
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected() > 0)
    }

    async fn create_invite(
        &self,
        entity_id: EntityId,
        email: &str,
        admin: bool,
    ) -> StoreResult<Invite> {
        let row: InviteRow = sqlx::query_as(
            "INSERT INTO invites (entity_id, email, admin, created_at) VALUES (?, ?, ?, ?) \
             RETURNING id, entity_id, email, admin, created_at",
        )
        .bind(entity_id)
        .bind(email)
        .bind(admin)
        .bind(now())
        .fetch_one(&self.pool)
        .await
        .map_err(|e| conflict_or_backend(e, || format!("{email:?} has already been invited.")))?;
        Ok(row.into())
    }

    async fn delete_invite(&self, entity_id: EntityId, invite_id: i64) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM invites WHERE entity_id = ? AND id = ?")
            .bind(entity_id)
            .bind(invite_id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected() > 0)
    }
}
