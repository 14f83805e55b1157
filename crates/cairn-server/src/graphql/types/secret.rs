//! `Secret`: the name of an entity secret (W&B's team secrets), as W&B's
//! web app lists them (`entity { secrets { entityId name createdAt } }`).
//! There is no field for the value: values never leave the server.

use async_graphql::Object;
use cairn_core::secret::SecretInfo;

use crate::graphql::scalars::DateTime;

/// One of an entity's secrets, by name.
pub struct SecretObject(pub SecretInfo);

#[Object(name = "Secret")]
impl SecretObject {
    /// The entity's row id.
    async fn entity_id(&self) -> async_graphql::Result<i32> {
        i32::try_from(self.0.entity_id)
            .map_err(|_| async_graphql::Error::new("The entity id does not fit an Int."))
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}
