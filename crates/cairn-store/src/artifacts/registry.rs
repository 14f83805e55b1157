//! Registries: the organization's entity that owns them, their accepted
//! artifact types, deleting and renaming one, and the organization-wide
//! listings of registries, their collections and versions.
//!
//! A registry is a project of the organization's entity whose name starts
//! with the registry prefix; which of them a viewer sees is core's rule
//! (`cairn_core::registry`), bound into the SQL rather than written in it.
//! Each listing compiles the caller's filters (one per level) into one
//! statement and pages by row id, so the database does the filtering
//! however many registries, collections and versions exist.

use crate::filter::bind_each;
use async_trait::async_trait;
use cairn_core::registry::{REGISTRY_PREFIX, Visibility};
use cairn_core::store::{RegistrySearch, RegistryStore, StoreResult};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

use crate::filter::cursor::cursor_of;

use super::entries::digests_where;
use super::filter::{self, Scope};
use crate::{SqliteStore, backend, now};

/// Projects that are registries of the organization and visible to the
/// viewer: named with `cairn_core::registry::REGISTRY_PREFIX` and shown by
/// `cairn_core::registry::Visibility`. Binds: the organization's entity,
/// the prefix, then the visibility rule's values, as `bind_scope!` does.
const REGISTRY_SCOPE: &str = concat!(
    "p.entity_id = ? AND instr(p.name, ?) = 1 AND ",
    restricted_visible_sql!()
);

/// Bind [`REGISTRY_SCOPE`]'s parameters.
macro_rules! bind_scope {
    ($q:expr, $query:expr) => {{
        let q = $q.bind($query.org_entity_id).bind(REGISTRY_PREFIX);
        bind_visibility!(q, Visibility::of($query.viewer))
    }};
}

struct Filters {
    registry: filter::Condition,
    collection: filter::Condition,
    version: filter::Condition,
}

fn compile(query: &RegistrySearch) -> StoreResult<Filters> {
    Ok(Filters {
        registry: filter::compile(Scope::Registry, query.registry_filter.as_ref())?,
        collection: filter::compile(Scope::Collection, query.collection_filter.as_ref())?,
        version: filter::compile(Scope::Version, query.version_filter.as_ref())?,
    })
}

pub(super) async fn registry_ids(
    pool: &SqlitePool,
    query: &RegistrySearch,
) -> StoreResult<Vec<(i64, String)>> {
    let f = compile(query)?;
    let page = filter::paging(
        Scope::Registry,
        query.order.as_ref(),
        "p.id",
        query.after.as_deref(),
    )?;
    let sql = format!(
        "SELECT {} AS sort_key, p.id AS cursor_id FROM projects p \
         WHERE {REGISTRY_SCOPE} AND ({}) AND ({}) ORDER BY {} LIMIT ?",
        page.key, f.registry.sql, page.after.sql, page.order_by
    );
    let q = bind_scope!(sqlx::query(&sql), query);
    let q = bind_each!(q, &f.registry.binds);
    let rows = bind_each!(q, &page.after.binds)
        .bind(query.first)
        .fetch_all(pool)
        .await
        .map_err(backend)?;
    with_cursors(&rows)
}

/// Each row's id and the cursor just after it.
fn with_cursors(rows: &[SqliteRow]) -> StoreResult<Vec<(i64, String)>> {
    rows.iter()
        .map(|row| {
            let id: i64 = row.try_get("cursor_id")?;
            Ok((id, cursor_of(row)?))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(backend)
}

fn collections_sql(f: &Filters, select: &str, page: Option<&filter::Paging>) -> String {
    format!(
        "SELECT {select} FROM artifact_collections c JOIN projects p ON p.id = c.project_id \
         WHERE {REGISTRY_SCOPE} AND c.kind = 'PORTFOLIO' AND ({}) AND ({}){}",
        f.registry.sql,
        f.collection.sql,
        match page {
            Some(page) => format!(
                " AND ({}) ORDER BY {} LIMIT ?",
                page.after.sql, page.order_by
            ),
            None => String::new(),
        }
    )
}

pub(super) async fn collection_ids(
    pool: &SqlitePool,
    query: &RegistrySearch,
) -> StoreResult<Vec<(i64, String)>> {
    let f = compile(query)?;
    let page = filter::paging(
        Scope::Collection,
        query.order.as_ref(),
        "c.id",
        query.after.as_deref(),
    )?;
    let select = format!("{} AS sort_key, c.id AS cursor_id", page.key);
    let sql = collections_sql(&f, &select, Some(&page));
    let q = bind_scope!(sqlx::query(&sql), query);
    let q = bind_each!(q, &f.registry.binds);
    let q = bind_each!(q, &f.collection.binds);
    let rows = bind_each!(q, &page.after.binds)
        .bind(query.first)
        .fetch_all(pool)
        .await
        .map_err(backend)?;
    with_cursors(&rows)
}

pub(super) async fn collection_count(
    pool: &SqlitePool,
    query: &RegistrySearch,
) -> StoreResult<i64> {
    let f = compile(query)?;
    let sql = collections_sql(&f, "COUNT(*)", None);
    let q = bind_scope!(sqlx::query_scalar(&sql), query);
    let q = bind_each!(q, &f.registry.binds);
    bind_each!(q, &f.collection.binds)
        .fetch_one(pool)
        .await
        .map_err(backend)
}

pub(super) async fn membership_ids(
    pool: &SqlitePool,
    query: &RegistrySearch,
) -> StoreResult<Vec<(i64, String)>> {
    let f = compile(query)?;
    let page = filter::paging(
        Scope::Version,
        query.order.as_ref(),
        "m.id",
        query.after.as_deref(),
    )?;
    let sql = format!(
        "SELECT {} AS sort_key, m.id AS cursor_id \
         FROM artifact_memberships m JOIN artifacts a ON a.id = m.artifact_id \
         JOIN artifact_collections c ON c.id = m.collection_id \
         JOIN projects p ON p.id = c.project_id \
         WHERE {REGISTRY_SCOPE} AND c.kind = 'PORTFOLIO' AND ({}) AND ({}) AND ({}) \
         AND ({}) ORDER BY {} LIMIT ?",
        page.key, f.registry.sql, f.collection.sql, f.version.sql, page.after.sql, page.order_by
    );
    let q = bind_scope!(sqlx::query(&sql), query);
    let q = bind_each!(q, &f.registry.binds);
    let q = bind_each!(q, &f.collection.binds);
    let q = bind_each!(q, &f.version.binds);
    let rows = bind_each!(q, &page.after.binds)
        .bind(query.first)
        .fetch_all(pool)
        .await
        .map_err(backend)?;
    with_cursors(&rows)
}

#[async_trait]
impl RegistryStore for SqliteStore {
    async fn ensure_org_entity(
        &self,
        organization_id: i64,
        name: &str,
    ) -> StoreResult<(i64, String)> {
        let mut tx = self.write_tx().await?;
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT entity_id FROM organizations WHERE id = ?")
                .bind(organization_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(backend)?;
        if let Some(id) = existing {
            let name: String = sqlx::query_scalar("SELECT name FROM entities WHERE id = ?")
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .map_err(backend)?;
            return Ok((id, name));
        }
        for attempt in 1..100 {
            let candidate = if attempt == 1 {
                name.to_string()
            } else {
                format!("{name}-{attempt}")
            };
            let inserted = sqlx::query(
                "INSERT OR IGNORE INTO entities (name, is_team, organization_id, created_at) \
                 VALUES (?, 1, ?, ?)",
            )
            .bind(&candidate)
            .bind(organization_id)
            .bind(now())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if inserted.rows_affected() == 1 {
                let id = inserted.last_insert_rowid();
                sqlx::query("UPDATE organizations SET entity_id = ? WHERE id = ?")
                    .bind(id)
                    .bind(organization_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                tx.commit().await.map_err(backend)?;
                return Ok((id, candidate));
            }
        }
        Err(backend(format!(
            "no free entity name for the organization near {name:?}"
        )))
    }

    async fn registry_types(&self, project_id: i64) -> StoreResult<(bool, Vec<String>)> {
        let allow_all: bool =
            sqlx::query_scalar("SELECT allow_all_artifact_types FROM projects WHERE id = ?")
                .bind(project_id)
                .fetch_one(&self.pool)
                .await
                .map_err(backend)?;
        let types = sqlx::query_scalar(
            "SELECT name FROM registry_artifact_types WHERE project_id = ? ORDER BY name",
        )
        .bind(project_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        Ok((allow_all, types))
    }

    async fn set_registry_types(
        &self,
        project_id: i64,
        allow_all: bool,
        types: &[String],
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "UPDATE projects SET allow_all_artifact_types = ?, updated_at = ? WHERE id = ?",
        )
        .bind(allow_all)
        .bind(now())
        .bind(project_id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        for name in types {
            sqlx::query(
                "INSERT OR IGNORE INTO registry_artifact_types (project_id, name) VALUES (?, ?)",
            )
            .bind(project_id)
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)
    }

    async fn registry_ids(&self, query: &RegistrySearch) -> StoreResult<Vec<(i64, String)>> {
        registry_ids(&self.pool, query).await
    }

    async fn registry_collection_ids(
        &self,
        query: &RegistrySearch,
    ) -> StoreResult<Vec<(i64, String)>> {
        collection_ids(&self.pool, query).await
    }

    async fn registry_collection_count(&self, query: &RegistrySearch) -> StoreResult<i64> {
        collection_count(&self.pool, query).await
    }

    async fn registry_membership_ids(
        &self,
        query: &RegistrySearch,
    ) -> StoreResult<Vec<(i64, String)>> {
        membership_ids(&self.pool, query).await
    }

    async fn delete_project(&self, project_id: i64) -> StoreResult<Vec<String>> {
        let mut tx = self.write_tx().await?;
        let digests = digests_where(&mut tx, "c.project_id = ?", project_id).await?;
        sqlx::query("DELETE FROM projects WHERE id = ?")
            .bind(project_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(digests)
    }

    async fn rename_project(&self, project_id: i64, name: &str) -> StoreResult<()> {
        sqlx::query("UPDATE projects SET name = ?, updated_at = ? WHERE id = ?")
            .bind(name)
            .bind(now())
            .bind(project_id)
            .execute(&self.pool)
            .await
            .map_err(|e| {
                crate::conflict_or_backend(e, || {
                    format!("A project named {name:?} already exists.")
                })
            })?;
        Ok(())
    }
}
