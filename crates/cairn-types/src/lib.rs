//! Wire-level forms that both ends of Cairn need: the server reads them
//! from the official client, and Cairn's own Rust client reads them back.
//!
//! The client must not link the server's layers (it is a library users
//! embed), and the server must not depend on the client, so what both need
//! lives here, once: W&B's relaxed JSON ([`relaxed`]), the two spellings of
//! an MD5 digest ([`digest`]) and the project-name prefix that makes a
//! project a registry ([`REGISTRY_PREFIX`]). Nothing here does I/O.
#![deny(missing_docs)]

pub mod digest;
pub mod relaxed;

/// Registries are projects named `wandb-registry-<name>` in an
/// organization's entity, as on W&B.
pub const REGISTRY_PREFIX: &str = "wandb-registry-";
