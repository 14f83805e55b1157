//! Memberships: an artifact's places in collections (its version index
//! in each), the aliases that name them, and links into portfolios.
//!
//! An alias names one membership per collection at a time, so giving it
//! to a version takes it from whichever held it ([`give_aliases`]).

use crate::filter::bind_each;
use async_trait::async_trait;
use cairn_core::artifact::{
    Membership, VersionOrder, VersionPage, link_aliases, take_version_index,
};
use cairn_core::store::{MembershipStore, StoreError, StoreResult};
use sqlx::SqliteConnection;

use super::collections::{ensure_type, insert_collection, touch_collection};
use super::compile;
use super::filter::Scope;
use super::rows::{MEMBERSHIP_SELECT, MembershipRow};
use crate::automations::record_artifact_event;
use crate::{SqliteStore, backend, now};
use cairn_core::automation::EventType;

#[async_trait]
impl MembershipStore for SqliteStore {
    async fn membership_by_name(
        &self,
        collection_id: i64,
        version_or_alias: &str,
    ) -> StoreResult<Option<Membership>> {
        let row: Option<MembershipRow> = if let Some(index) =
            cairn_core::artifact::version_index(version_or_alias)
        {
            let sql =
                format!("{MEMBERSHIP_SELECT} WHERE m.collection_id = ? AND m.version_index = ?");
            sqlx::query_as(&sql)
                .bind(collection_id)
                .bind(index)
                .fetch_optional(&self.pool)
                .await
        } else {
            let sql = format!(
                "{MEMBERSHIP_SELECT} WHERE m.id = (SELECT membership_id FROM artifact_aliases \
                     WHERE collection_id = ? AND alias = ?)"
            );
            sqlx::query_as(&sql)
                .bind(collection_id)
                .bind(version_or_alias)
                .fetch_optional(&self.pool)
                .await
        }
        .map_err(backend)?;
        Ok(row.map(Into::into))
    }

    async fn membership_by_id(&self, id: i64) -> StoreResult<Option<Membership>> {
        let sql = format!("{MEMBERSHIP_SELECT} WHERE m.id = ?");
        let row: Option<MembershipRow> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        Ok(row.map(Into::into))
    }

    async fn memberships_of(&self, artifact_id: i64) -> StoreResult<Vec<Membership>> {
        let sql = format!("{MEMBERSHIP_SELECT} WHERE m.artifact_id = ? ORDER BY m.id");
        let rows: Vec<MembershipRow> = sqlx::query_as(&sql)
            .bind(artifact_id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn versions(
        &self,
        collection_id: i64,
        filter: Option<&cairn_core::filter::Filter>,
        order: VersionOrder,
        after: Option<i64>,
        first: i64,
    ) -> StoreResult<VersionPage> {
        let condition = compile(Scope::Version, filter)?;
        let (past, direction, start) = match order {
            VersionOrder::NewestFirst => ("<", "DESC", i64::MAX),
            VersionOrder::OldestFirst => (">", "ASC", -1),
        };
        let sql = format!(
            "{MEMBERSHIP_SELECT} JOIN artifacts a ON a.id = m.artifact_id \
             WHERE m.collection_id = ? AND ({}) AND m.version_index {past} ? \
             ORDER BY m.version_index {direction} LIMIT ?",
            condition.sql
        );
        let query = sqlx::query_as::<_, MembershipRow>(&sql).bind(collection_id);
        let rows = bind_each!(query, &condition.binds)
            .bind(after.unwrap_or(start))
            .bind(first + 1)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        let has_next_page = rows.len() as i64 > first;
        let mut versions = Vec::with_capacity(rows.len());
        for row in rows.into_iter().take(first as usize) {
            let membership = Membership::from(row);
            let artifact = self.existing_artifact(membership.artifact_id).await?;
            versions.push((membership, artifact));
        }
        Ok(VersionPage {
            versions,
            has_next_page,
        })
    }

    async fn version_count(
        &self,
        collection_id: i64,
        filter: Option<&cairn_core::filter::Filter>,
    ) -> StoreResult<i64> {
        let condition = compile(Scope::Version, filter)?;
        let sql = format!(
            "SELECT COUNT(*) FROM artifact_memberships m JOIN artifacts a ON a.id = m.artifact_id \
             WHERE m.collection_id = ? AND ({})",
            condition.sql
        );
        let query = sqlx::query_scalar(&sql).bind(collection_id);
        bind_each!(query, &condition.binds)
            .fetch_one(&self.pool)
            .await
            .map_err(backend)
    }

    async fn add_aliases(&self, membership_id: i64, aliases: &[String]) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        let collection_id: i64 =
            sqlx::query_scalar("SELECT collection_id FROM artifact_memberships WHERE id = ?")
                .bind(membership_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(backend)?;
        give_aliases(&mut tx, collection_id, membership_id, aliases).await?;
        record_artifact_event(&mut tx, EventType::AddArtifactAlias, membership_id, aliases).await?;
        tx.commit().await.map_err(backend)
    }

    async fn remove_aliases(&self, membership_id: i64, aliases: &[String]) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        for alias in aliases {
            sqlx::query("DELETE FROM artifact_aliases WHERE membership_id = ? AND alias = ?")
                .bind(membership_id)
                .bind(alias)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)
    }

    async fn link_artifact(
        &self,
        artifact_id: i64,
        project_id: i64,
        portfolio: &str,
        aliases: &[String],
    ) -> StoreResult<Membership> {
        let mut tx = self.write_tx().await?;
        let type_name: String = sqlx::query_scalar(
            "SELECT t.name FROM artifacts a JOIN artifact_types t ON t.id = a.type_id WHERE a.id = ?",
        )
        .bind(artifact_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?;
        let type_id = ensure_type(&mut tx, project_id, &type_name).await?;
        let existing: Option<(i64, i64, String)> = sqlx::query_as(
            "SELECT id, type_id, kind FROM artifact_collections WHERE project_id = ? AND name = ?",
        )
        .bind(project_id)
        .bind(portfolio)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        let collection_id = match existing {
            Some((_, _, kind)) if kind != "PORTFOLIO" => {
                return Err(StoreError::Conflict(format!(
                    "{portfolio:?} holds logged artifacts; link into a collection of its own name."
                )));
            }
            Some((_, existing_type, _)) if existing_type != type_id => {
                return Err(StoreError::Conflict(format!(
                    "The collection {portfolio:?} holds another type of artifact than {type_name:?}."
                )));
            }
            Some((id, _, _)) => id,
            None => {
                insert_collection(&mut tx, project_id, type_id, portfolio, "PORTFOLIO", None)
                    .await?
            }
        };
        let linked: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM artifact_memberships WHERE collection_id = ? AND artifact_id = ?",
        )
        .bind(collection_id)
        .bind(artifact_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        let membership_id = match linked {
            Some(id) => id,
            None => add_membership(&mut tx, collection_id, artifact_id).await?,
        };
        let all = link_aliases(aliases, linked.is_none());
        give_aliases(&mut tx, collection_id, membership_id, &all).await?;
        touch_collection(&mut tx, collection_id).await?;
        if linked.is_none() {
            record_artifact_event(&mut tx, EventType::LinkModel, membership_id, &all).await?;
        }
        record_artifact_event(&mut tx, EventType::AddArtifactAlias, membership_id, &all).await?;
        tx.commit().await.map_err(backend)?;
        self.membership_by_id(membership_id)
            .await?
            .ok_or_else(|| backend("membership vanished"))
    }

    async fn unlink_artifact(&self, artifact_id: i64, collection_id: i64) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        let membership: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM artifact_memberships WHERE artifact_id = ? AND collection_id = ? \
             AND collection_id IN (SELECT id FROM artifact_collections WHERE kind = 'PORTFOLIO')",
        )
        .bind(artifact_id)
        .bind(collection_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        let Some(membership_id) = membership else {
            return Ok(false);
        };
        // The event names the aliases the link had, so it is written first.
        let aliases: Vec<String> = sqlx::query_scalar(
            "SELECT alias FROM artifact_aliases WHERE membership_id = ? ORDER BY alias",
        )
        .bind(membership_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?;
        record_artifact_event(&mut tx, EventType::UnlinkArtifact, membership_id, &aliases).await?;
        sqlx::query("DELETE FROM artifact_memberships WHERE id = ?")
            .bind(membership_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(true)
    }
}

/// A new membership with the collection's next version index
/// (`cairn_core::artifact::take_version_index`). Call inside a write
/// transaction: that is what keeps two versions from taking one index.
pub(super) async fn add_membership(
    tx: &mut SqliteConnection,
    collection_id: i64,
    artifact_id: i64,
) -> StoreResult<i64> {
    // The numbering rule is core's; this transaction holds the write lock,
    // so nobody else reads the counter between these two statements.
    let counter: i64 =
        sqlx::query_scalar("SELECT next_index FROM artifact_collections WHERE id = ?")
            .bind(collection_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?;
    let (index, next) = take_version_index(counter);
    sqlx::query("UPDATE artifact_collections SET next_index = ?, updated_at = ? WHERE id = ?")
        .bind(next)
        .bind(now())
        .bind(collection_id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    sqlx::query_scalar(
        "INSERT INTO artifact_memberships (collection_id, artifact_id, version_index, created_at) \
         VALUES (?, ?, ?, ?) RETURNING id",
    )
    .bind(collection_id)
    .bind(artifact_id)
    .bind(index)
    .bind(now())
    .fetch_one(&mut *tx)
    .await
    .map_err(backend)
}

/// Give aliases to a membership, taking each from whichever version of the
/// collection held it.
pub(super) async fn give_aliases(
    tx: &mut SqliteConnection,
    collection_id: i64,
    membership_id: i64,
    aliases: &[String],
) -> StoreResult<()> {
    for alias in aliases {
        sqlx::query("DELETE FROM artifact_aliases WHERE collection_id = ? AND alias = ?")
            .bind(collection_id)
            .bind(alias)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        sqlx::query(
            "INSERT INTO artifact_aliases (collection_id, membership_id, alias) VALUES (?, ?, ?)",
        )
        .bind(collection_id)
        .bind(membership_id)
        .bind(alias)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    }
    Ok(())
}
