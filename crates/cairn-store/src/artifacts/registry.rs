//! Organization-wide listings: registries, their collections and versions.
//!
//! A registry is a project of the organization's entity whose name starts
//! with `wandb-registry-`. Each listing compiles the caller's filters (one
//! per level) into one statement and pages by row id, so the database does
//! the filtering however many registries, collections and versions exist.

use cairn_core::store::{RegistrySearch, StoreResult};
use sqlx::SqlitePool;

use super::filter::{self, Scope};
use crate::backend;

/// Projects that are registries of the organization and visible to the
/// viewer: not `RESTRICTED`, or created by them, or with them (or one of
/// their teams) among the members. Binds: the organization's entity, then
/// the viewer (NULL sees all) four times, as `bind_scope!` does. (sqlx numbers
/// plain `?`s from the first argument whatever `?NNN`s stand before them,
/// so the viewer cannot be one numbered parameter.)
const REGISTRY_SCOPE: &str = concat!(
    "p.entity_id = ? AND substr(p.name, 1, 15) = 'wandb-registry-' AND ",
    restricted_visible_sql!()
);

/// Bind [`REGISTRY_SCOPE`]'s parameters.
macro_rules! bind_scope {
    ($q:expr, $query:expr) => {{
        let viewer = $query.viewer;
        $q.bind($query.org_entity_id)
            .bind(viewer)
            .bind(viewer)
            .bind(viewer)
            .bind(viewer)
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
) -> StoreResult<Vec<i64>> {
    let f = compile(query)?;
    let sql = format!(
        "SELECT p.id FROM projects p WHERE {REGISTRY_SCOPE} AND ({}) AND p.id > ? \
         ORDER BY p.id LIMIT ?",
        f.registry.sql
    );
    let q = bind_scope!(sqlx::query_scalar(&sql), query);
    bind_each!(q, &f.registry.binds)
        .bind(query.after.unwrap_or(0))
        .bind(query.first)
        .fetch_all(pool)
        .await
        .map_err(backend)
}

fn collections_sql(f: &Filters, select: &str, page: bool) -> String {
    format!(
        "SELECT {select} FROM artifact_collections c JOIN projects p ON p.id = c.project_id \
         WHERE {REGISTRY_SCOPE} AND c.kind = 'PORTFOLIO' AND ({}) AND ({}){}",
        f.registry.sql,
        f.collection.sql,
        if page {
            " AND c.id > ? ORDER BY c.id LIMIT ?"
        } else {
            ""
        }
    )
}

pub(super) async fn collection_ids(
    pool: &SqlitePool,
    query: &RegistrySearch,
) -> StoreResult<Vec<i64>> {
    let f = compile(query)?;
    let sql = collections_sql(&f, "c.id", true);
    let q = bind_scope!(sqlx::query_scalar(&sql), query);
    let q = bind_each!(q, &f.registry.binds);
    bind_each!(q, &f.collection.binds)
        .bind(query.after.unwrap_or(0))
        .bind(query.first)
        .fetch_all(pool)
        .await
        .map_err(backend)
}

pub(super) async fn collection_count(
    pool: &SqlitePool,
    query: &RegistrySearch,
) -> StoreResult<i64> {
    let f = compile(query)?;
    let sql = collections_sql(&f, "COUNT(*)", false);
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
) -> StoreResult<Vec<i64>> {
    let f = compile(query)?;
    let sql = format!(
        "SELECT m.id FROM artifact_memberships m JOIN artifacts a ON a.id = m.artifact_id \
         JOIN artifact_collections c ON c.id = m.collection_id \
         JOIN projects p ON p.id = c.project_id \
         WHERE {REGISTRY_SCOPE} AND c.kind = 'PORTFOLIO' AND ({}) AND ({}) AND ({}) \
         AND m.id > ? ORDER BY m.id LIMIT ?",
        f.registry.sql, f.collection.sql, f.version.sql
    );
    let q = bind_scope!(sqlx::query_scalar(&sql), query);
    let q = bind_each!(q, &f.registry.binds);
    let q = bind_each!(q, &f.collection.binds);
    bind_each!(q, &f.version.binds)
        .bind(query.after.unwrap_or(0))
        .bind(query.first)
        .fetch_all(pool)
        .await
        .map_err(backend)
}
