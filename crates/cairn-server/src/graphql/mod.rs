//! The W&B-compatible GraphQL API.
//!
//! Types and field names follow W&B's schema (the official client's queries
//! are validated against this schema, so names, nullability and `__typename`s
//! matter). `query.rs` and `mutation.rs` are the roots; `types/` holds one
//! module per object; resolvers only translate between the wire and
//! `cairn_core::Cairn`. The schema's SDL is committed at
//! `schema/cairn.graphql` and a test fails when it drifts.

mod ids;
mod mutation;
mod query;
mod scalars;
mod types;

use async_graphql::{EmptySubscription, Schema};
use cairn_core::{Actor, Cairn};

pub use mutation::Mutation;
pub use query::Query;

/// The executable schema.
pub type CairnSchema = Schema<Query, Mutation, EmptySubscription>;

/// Build the schema. Per-request data (the [`Actor`]) is attached by the
/// router; the [`Cairn`] service is shared.
pub fn schema(cairn: Cairn) -> CairnSchema {
    Schema::build(Query, Mutation, EmptySubscription)
        .data(cairn)
        // The official client declares these in variable types of operations
        // we may not serve yet; registering them keeps the names stable.
        .register_output_type::<scalars::Int64>()
        .register_output_type::<scalars::Duration>()
        .register_output_type::<scalars::Json>()
        .limit_depth(32)
        .limit_complexity(20_000)
        .finish()
}

/// The schema in SDL form, as committed in `schema/cairn.graphql`.
pub fn sdl() -> String {
    schema_without_data().sdl()
}

fn schema_without_data() -> CairnSchema {
    Schema::build(Query, Mutation, EmptySubscription)
        .register_output_type::<scalars::Int64>()
        .register_output_type::<scalars::Duration>()
        .register_output_type::<scalars::Json>()
        .finish()
}

/// The caller of the current request.
pub(crate) fn actor<'a>(ctx: &async_graphql::Context<'a>) -> &'a Actor {
    ctx.data_unchecked::<Actor>()
}

/// The domain service.
pub(crate) fn cairn<'a>(ctx: &async_graphql::Context<'a>) -> &'a Cairn {
    ctx.data_unchecked::<Cairn>()
}
