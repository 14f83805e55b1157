//! Projects.

use async_trait::async_trait;
use cairn_core::model::{EntityId, NewProject, Project, UserId};
use cairn_core::registry::Visibility;
use cairn_core::store::{ProjectStore, StoreResult};

use crate::rows::{PROJECT_COLUMNS, ProjectRow};
use crate::{SqliteStore, backend, conflict_or_backend, now};

#[async_trait]
impl ProjectStore for SqliteStore {
    async fn create_project(&self, project: NewProject) -> StoreResult<Project> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO projects (entity_id, name, description, access, created_by, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(project.entity_id)
        .bind(&project.name)
        .bind(&project.description)
        .bind(&project.access)
        .bind(project.created_by)
        .bind(now())
        .bind(now())
        .fetch_one(&self.pool)
        .await
        .map_err(|e| {
            conflict_or_backend(e, || {
                format!("A project named {:?} already exists there.", project.name)
            })
        })?;
        self.existing_project(id).await
    }

    async fn update_project(
        &self,
        id: i64,
        description: Option<&str>,
        access: Option<&str>,
    ) -> StoreResult<Project> {
        sqlx::query(
            "UPDATE projects SET description = COALESCE(?, description), \
             access = COALESCE(?, access), updated_at = ? WHERE id = ?",
        )
        .bind(description)
        .bind(access)
        .bind(now())
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        self.existing_project(id).await
    }

    async fn project_by_name(
        &self,
        entity_id: EntityId,
        name: &str,
    ) -> StoreResult<Option<Project>> {
        let sql = format!(
            "SELECT {PROJECT_COLUMNS} FROM projects p JOIN entities e ON e.id = p.entity_id \
             WHERE p.entity_id = ? AND p.name = ?"
        );
        let row: Option<ProjectRow> = sqlx::query_as(&sql)
            .bind(entity_id)
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        Ok(row.map(Project::from))
    }

    async fn list_projects(
        &self,
        entity_id: EntityId,
        public_only: bool,
        viewer: Option<UserId>,
        after_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Project>> {
        let sql = format!(
            "SELECT {PROJECT_COLUMNS} FROM projects p JOIN entities e ON e.id = p.entity_id \
             WHERE p.entity_id = ? AND p.id > ? AND (? = 0 OR p.access LIKE 'USER\\_%' ESCAPE '\\') \
             AND {} ORDER BY p.id LIMIT ?",
            restricted_visible_sql!()
        );
        let query = sqlx::query_as(&sql)
            .bind(entity_id)
            .bind(after_id.unwrap_or(0))
            .bind(public_only);
        let rows: Vec<ProjectRow> = bind_visibility!(query, Visibility::of(viewer))
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        Ok(rows.into_iter().map(Project::from).collect())
    }

    async fn member_projects(
        &self,
        user: UserId,
        after_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Project>> {
        let sql = format!(
            "SELECT {PROJECT_COLUMNS} FROM projects p JOIN entities e ON e.id = p.entity_id \
             WHERE p.entity_id IN (SELECT entity_id FROM memberships WHERE user_id = ?) \
             AND p.id > ? AND {} ORDER BY p.id LIMIT ?",
            restricted_visible_sql!()
        );
        let query = sqlx::query_as(&sql).bind(user).bind(after_id.unwrap_or(0));
        let rows: Vec<ProjectRow> = bind_visibility!(query, Visibility::of(Some(user)))
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        Ok(rows.into_iter().map(Project::from).collect())
    }

    async fn project_by_id(&self, id: i64) -> StoreResult<Option<Project>> {
        let sql = format!(
            "SELECT {PROJECT_COLUMNS} FROM projects p JOIN entities e ON e.id = p.entity_id WHERE p.id = ?"
        );
        let row: Option<ProjectRow> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        Ok(row.map(Project::from))
    }
}

impl SqliteStore {
    async fn existing_project(&self, id: i64) -> StoreResult<Project> {
        self.project_by_id(id)
            .await?
            .ok_or_else(|| backend(format!("project {id} vanished")))
    }
}
