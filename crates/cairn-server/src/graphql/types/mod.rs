//! GraphQL object types, one module per W&B type.

pub(crate) mod artifact;
mod entity;
pub(crate) mod file;
pub(crate) mod integration;
pub mod launch;
pub(crate) mod organization;
pub(crate) mod page;
mod project;
mod registry_member;
pub(crate) mod run;
mod secret;
mod server_info;
pub(crate) mod sweep;
pub(crate) mod trigger;
mod user;
pub(crate) mod view;

pub use entity::{EntityObject, InviteObject};
pub use page::PageInfo;
pub use project::{ProjectConnection, ProjectEdge, ProjectObject};
pub use run::RunObject;
pub use server_info::ServerInfo;
pub use user::{ApiKeyObject, UserConnection, UserObject, user_edge};
