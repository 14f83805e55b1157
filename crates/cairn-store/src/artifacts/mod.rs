//! Artifacts: one module per concern, each implementing one of the
//! artifact traits of `cairn_core::store`: `collections.rs` (types and
//! collections), `versions.rs` (an artifact from pending to deleted),
//! `memberships.rs` (versions in collections, aliases, links), `entries.rs`
//! (manifest entries and blob rows), `lineage.rs` (runs that logged and
//! used artifacts), `registry.rs` and `members.rs` (registries). `rows.rs`
//! maps rows to domain records and `filter.rs` compiles listing filters.
//!
//! Every change that must be all-or-nothing (a commit hands out a version
//! index, moves `latest` and replaces staged entries with the manifest's) is
//! one `BEGIN IMMEDIATE` transaction on the writer connection, so concurrent
//! commits to one collection serialize instead of racing for an index.

mod collections;
mod entries;
mod filter;
mod lineage;
mod members;
mod memberships;
mod registry;
mod rows;
mod versions;

use cairn_core::filter::Filter;
use cairn_core::store::StoreResult;
use filter::Scope;

/// Compile an optional filter (`None` matches everything).
fn compile(scope: Scope, filter: Option<&Filter>) -> StoreResult<filter::Condition> {
    Ok(filter::compile(scope, filter)?)
}
