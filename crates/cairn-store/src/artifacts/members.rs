//! Registry members: the users and teams holding a role in a project
//! (`project_members`). Who may change them is the domain's rule; this
//! module only stores and reads them.

use async_trait::async_trait;
use cairn_core::artifact::{RegistryMemberRef, RegistryRole};
use cairn_core::model::{Entity, EntityId, User, UserId};
use cairn_core::store::{RegistryMemberStore, StoreError, StoreResult};

use crate::rows::{EntityRow, USER_COLUMNS, UserRow};
use crate::{SqliteStore, backend, now};

const ENTITY_COLUMNS: &str = "e.id, e.name, e.is_team, e.organization_id, e.created_at";

#[derive(sqlx::FromRow)]
struct UserMemberRow {
    #[sqlx(flatten)]
    user: UserRow,
    role: String,
}

#[derive(sqlx::FromRow)]
struct TeamMemberRow {
    #[sqlx(flatten)]
    team: EntityRow,
    role: String,
}

fn role(name: &str) -> StoreResult<RegistryRole> {
    RegistryRole::parse(name)
        .ok_or_else(|| StoreError::backend(format!("unknown registry role {name:?} stored")))
}

/// The column and id a member reference matches.
fn column(member: RegistryMemberRef) -> (&'static str, i64) {
    match member {
        RegistryMemberRef::User(id) => ("user_id", id),
        RegistryMemberRef::Team(id) => ("team_id", id),
    }
}

#[async_trait]
impl RegistryMemberStore for SqliteStore {
    async fn team_by_id(&self, id: EntityId) -> StoreResult<Option<Entity>> {
        let sql =
            format!("SELECT {ENTITY_COLUMNS} FROM entities e WHERE e.id = ? AND e.is_team = 1");
        let row: Option<EntityRow> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        Ok(row.map(Entity::from))
    }

    async fn registry_user_members(
        &self,
        project_id: i64,
    ) -> StoreResult<Vec<(User, RegistryRole)>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, pm.role FROM project_members pm JOIN users u ON u.id = pm.user_id \
             WHERE pm.project_id = ? ORDER BY u.username"
        );
        let rows: Vec<UserMemberRow> = sqlx::query_as(&sql)
            .bind(project_id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.into_iter()
            .map(|r| Ok((User::from(r.user), role(&r.role)?)))
            .collect()
    }

    async fn registry_team_members(
        &self,
        project_id: i64,
    ) -> StoreResult<Vec<(Entity, RegistryRole)>> {
        let sql = format!(
            "SELECT {ENTITY_COLUMNS}, pm.role FROM project_members pm JOIN entities e ON e.id = pm.team_id \
             WHERE pm.project_id = ? ORDER BY e.name"
        );
        let rows: Vec<TeamMemberRow> = sqlx::query_as(&sql)
            .bind(project_id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.into_iter()
            .map(|r| Ok((Entity::from(r.team), role(&r.role)?)))
            .collect()
    }

    async fn add_registry_members(
        &self,
        project_id: i64,
        members: &[RegistryMemberRef],
        role: RegistryRole,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        for member in members {
            let (col, id) = column(*member);
            let sql = format!(
                "INSERT OR IGNORE INTO project_members (project_id, {col}, role, created_at) \
                 VALUES (?, ?, ?, ?)"
            );
            sqlx::query(&sql)
                .bind(project_id)
                .bind(id)
                .bind(role.as_str())
                .bind(now())
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)
    }

    async fn remove_registry_members(
        &self,
        project_id: i64,
        members: &[RegistryMemberRef],
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        for member in members {
            let (col, id) = column(*member);
            let sql = format!("DELETE FROM project_members WHERE project_id = ? AND {col} = ?");
            sqlx::query(&sql)
                .bind(project_id)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)
    }

    async fn set_registry_member_role(
        &self,
        project_id: i64,
        member: RegistryMemberRef,
        role: RegistryRole,
    ) -> StoreResult<bool> {
        let (col, id) = column(member);
        let sql = format!("UPDATE project_members SET role = ? WHERE project_id = ? AND {col} = ?");
        let done = sqlx::query(&sql)
            .bind(role.as_str())
            .bind(project_id)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected() > 0)
    }

    async fn registry_roles_of(
        &self,
        project_id: i64,
        user_id: UserId,
    ) -> StoreResult<Vec<RegistryRole>> {
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT pm.role FROM project_members pm WHERE pm.project_id = ?1 AND (pm.user_id = ?2 \
             OR pm.team_id IN (SELECT m.entity_id FROM memberships m WHERE m.user_id = ?2))",
        )
        .bind(project_id)
        .bind(user_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        names.iter().map(|n| role(n)).collect()
    }
}
