//! Registries: [`Registry`], the lazy [`Registries`] pager and its
//! organization-wide collection and version searches
//! (`api.registries(filter).collections(…)` / `.versions(…)`).
//!
//! Registries belong to the organization, not to a team: they are projects
//! named `wandb-registry-<name>` in the organization's own entity. The
//! organization is found as the Python client finds it — from the caller's
//! default entity through `FetchOrgInfoFromEntity` — and filters are sent
//! as compact JSON strings with registry names given their prefix.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::api::Api;
use crate::artifacts::{
    Artifact, ArtifactCollection, CollectionData, CountedConnection, MembershipData, NameOnly,
    REGISTRY_PREFIX,
};
use crate::error::{Error, Result};
use crate::pager::{Connection, Counted, Page, PageSource, Pager};
use crate::queries;

/// An organization as an artifact path names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OrgInfo {
    /// The organization's display name.
    pub(crate) org_name: String,
    /// The entity that owns its registries.
    pub(crate) entity_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrgData {
    name: String,
    org_entity: Option<NameOnly>,
}

impl OrgData {
    fn info(self) -> Option<OrgInfo> {
        Some(OrgInfo {
            entity_name: self.org_entity?.name,
            org_name: self.name,
        })
    }
}

impl Api {
    /// The organization of `non_org_entity`, checked against
    /// `org_or_entity` (an organization or org-entity name) when given,
    /// as Python's `resolve_org_entity_name`.
    pub(crate) async fn resolve_org(
        &self,
        non_org_entity: &str,
        org_or_entity: Option<&str>,
    ) -> Result<OrgInfo> {
        #[derive(Deserialize)]
        struct Payload {
            entity: Option<EntityOrgs>,
        }
        #[derive(Deserialize)]
        struct EntityOrgs {
            organization: Option<OrgData>,
            user: Option<UserOrgs>,
        }
        #[derive(Deserialize)]
        struct UserOrgs {
            #[serde(default)]
            organizations: Vec<OrgData>,
        }
        let data: Payload = self
            .transport
            .execute(
                queries::FETCH_ORG_INFO_FROM_ENTITY,
                json!({"entity": non_org_entity}),
            )
            .await?;
        let entity = data.entity.ok_or_else(|| Error::NotFound {
            what: "entity",
            name: non_org_entity.to_string(),
        })?;
        let matches = |info: &OrgInfo| {
            org_or_entity.is_none_or(|o| o == info.org_name || o == info.entity_name)
        };
        if let Some(info) = entity.organization.and_then(OrgData::info)
            && matches(&info)
        {
            return Ok(info);
        }
        let orgs: Vec<OrgInfo> = entity
            .user
            .map(|u| u.organizations)
            .unwrap_or_default()
            .into_iter()
            .filter_map(OrgData::info)
            .collect();
        if let Some(info) = orgs.iter().find(|i| matches(i)) {
            return Ok(info.clone());
        }
        Err(Error::Config(match org_or_entity {
            Some(org) => format!(
                "{non_org_entity:?} belongs to no organization named {org:?}; \
                 name the right organization in the path"
            ),
            None => format!("unable to find the organization of entity {non_org_entity:?}"),
        }))
    }

    /// The caller's organization name, as `fetch_org_from_settings_or_entity`.
    async fn default_org(&self) -> Result<OrgInfo> {
        let entity = self.resolve_entity(None).await?;
        self.resolve_org(&entity, None).await
    }

    /// The organization's registries matching a MongoDB-style filter over
    /// `name`, `description`, `created_at`, … (`api.registries(filter)`).
    /// Registry names in equality and `$in` operands get the
    /// `wandb-registry-` prefix, as Python adds it.
    pub fn registries(&self, filter: Option<Value>) -> Registries {
        Registries::new(RegistryPages {
            api: self.clone(),
            org: None,
            filter: filter.map(|f| prefix_registry_names(&f)),
            per_page: 100,
        })
    }
}

/// Give registry names in a filter their `wandb-registry-` prefix: plain
/// values and `$eq`/`$ne`/`$in`/`$nin` operands of `name`, recursing
/// through `$and`/`$or`/`$nor`; `$regex` stays as written.
pub(crate) fn prefix_registry_names(filter: &Value) -> Value {
    fn prefix(v: &Value) -> Value {
        match v {
            Value::String(s) if !s.starts_with(REGISTRY_PREFIX) => {
                Value::String(format!("{REGISTRY_PREFIX}{s}"))
            }
            Value::Array(items) => Value::Array(items.iter().map(prefix).collect()),
            other => other.clone(),
        }
    }
    match filter {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let value = match (key.as_str(), value) {
                        ("$and" | "$or" | "$nor", Value::Array(items)) => {
                            Value::Array(items.iter().map(prefix_registry_names).collect())
                        }
                        ("name", Value::Object(ops)) => Value::Object(
                            ops.iter()
                                .map(|(op, operand)| {
                                    let operand = match op.as_str() {
                                        "$eq" | "$ne" | "$in" | "$nin" => prefix(operand),
                                        _ => operand.clone(),
                                    };
                                    (op.clone(), operand)
                                })
                                .collect(),
                        ),
                        ("name", plain) => prefix(plain),
                        (_, other) => other.clone(),
                    };
                    (key.clone(), value)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Compact JSON, as Python sends filters (`separators=(",", ":")`).
fn filter_string(filter: &Option<Value>) -> Option<String> {
    filter.as_ref().map(Value::to_string)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegistryData {
    id: String,
    internal_id: Option<String>,
    name: String,
    entity: Option<RegistryEntity>,
    description: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
    access: Option<String>,
    allow_all_artifact_types: Option<bool>,
    artifact_types: Option<crate::api::Edges<NameOnly>>,
}

#[derive(Debug, Clone, Deserialize)]
struct RegistryEntity {
    name: String,
    organization: Option<NameOnly>,
}

/// A registry, like Python's `Registry`.
#[derive(Clone)]
pub struct Registry {
    api: Api,
    org: String,
    data: RegistryData,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("name", &self.name())
            .finish_non_exhaustive()
    }
}

impl Registry {
    /// Opaque id.
    pub fn id(&self) -> &str {
        &self.data.id
    }

    /// Name without the `wandb-registry-` prefix (`model`).
    pub fn name(&self) -> &str {
        self.data
            .name
            .strip_prefix(REGISTRY_PREFIX)
            .unwrap_or(&self.data.name)
    }

    /// The project name behind it (`wandb-registry-model`).
    pub fn full_name(&self) -> &str {
        &self.data.name
    }

    /// The organization's entity that owns it.
    pub fn entity(&self) -> &str {
        self.data.entity.as_ref().map_or("", |e| e.name.as_str())
    }

    /// The organization.
    pub fn organization(&self) -> &str {
        self.data
            .entity
            .as_ref()
            .and_then(|e| e.organization.as_ref())
            .map_or(self.org.as_str(), |o| o.name.as_str())
    }

    /// Description.
    pub fn description(&self) -> Option<&str> {
        self.data.description.as_deref()
    }

    /// Creation time as the server wrote it.
    pub fn created_at(&self) -> Option<&str> {
        self.data.created_at.as_deref()
    }

    /// Last change, as the server wrote it.
    pub fn updated_at(&self) -> Option<&str> {
        self.data.updated_at.as_deref()
    }

    /// `organization` (anyone in it may read) or `restricted`.
    pub fn visibility(&self) -> &str {
        match self.data.access.as_deref() {
            Some("RESTRICTED") => "restricted",
            _ => "organization",
        }
    }

    /// Whether any artifact type may be linked in.
    pub fn allow_all_artifact_types(&self) -> bool {
        self.data.allow_all_artifact_types.unwrap_or(true)
    }

    /// The artifact types it accepts.
    pub fn artifact_types(&self) -> Vec<String> {
        self.data
            .artifact_types
            .iter()
            .flat_map(|c| &c.edges)
            .filter_map(|e| e.node.as_ref())
            .map(|t| t.name.clone())
            .collect()
    }

    fn own_filter(&self) -> Value {
        match self
            .data
            .internal_id
            .as_deref()
            .and_then(|i| i.parse::<i64>().ok())
        {
            Some(id) => json!({"id": id}),
            None => json!({"name": self.data.name}),
        }
    }

    /// Its collections matching `filter`.
    pub fn collections(&self, filter: Option<Value>) -> RegistryCollections {
        RegistryCollections::new(RegistryCollectionPages {
            api: self.api.clone(),
            org: Some(self.org.clone()),
            registry_filter: Some(self.own_filter()),
            collection_filter: filter,
            per_page: 100,
        })
    }

    /// Its versions matching `filter`.
    pub fn versions(&self, filter: Option<Value>) -> RegistryVersions {
        RegistryVersions::new(RegistryVersionPages {
            api: self.api.clone(),
            org: Some(self.org.clone()),
            registry_filter: Some(self.own_filter()),
            artifact_filter: filter,
            per_page: 100,
        })
    }
}

/// The organization's registries, fetched a page at a time.
pub type Registries = Pager<RegistryPages>;

/// The [`PageSource`] behind [`Registries`]: `FetchRegistries`.
pub struct RegistryPages {
    api: Api,
    org: Option<String>,
    filter: Option<Value>,
    per_page: u32,
}

async fn org_name(api: &Api, org: &mut Option<String>) -> Result<String> {
    if let Some(org) = org {
        return Ok(org.clone());
    }
    let found = api.default_org().await?.org_name;
    *org = Some(found.clone());
    Ok(found)
}

impl PageSource for RegistryPages {
    type Item = Registry;

    async fn fetch(&mut self, cursor: Option<&str>) -> Result<Page<Registry>> {
        let org = org_name(&self.api, &mut self.org).await?;
        #[derive(Deserialize)]
        struct Payload {
            organization: Option<Org>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Org {
            org_entity: Option<Projects>,
        }
        #[derive(Deserialize)]
        struct Projects {
            projects: Option<Connection<RegistryData>>,
        }
        let data: Payload = self
            .api
            .transport
            .execute(
                queries::FETCH_REGISTRIES,
                json!({
                    "organization": org, "filters": filter_string(&self.filter),
                    "cursor": cursor, "perPage": self.per_page,
                }),
            )
            .await?;
        match data
            .organization
            .and_then(|o| o.org_entity)
            .and_then(|e| e.projects)
        {
            Some(conn) => conn.into_page(None, |data| {
                Ok(Registry {
                    api: self.api.clone(),
                    org: org.clone(),
                    data,
                })
            }),
            None => Ok(Page::last(None)),
        }
    }
}

impl Pager<RegistryPages> {
    /// Collections of these registries matching `filter`
    /// (`registries.collections(filter)`).
    pub fn collections(&self, filter: Option<Value>) -> RegistryCollections {
        let source = self.source();
        RegistryCollections::new(RegistryCollectionPages {
            api: source.api.clone(),
            org: source.org.clone(),
            registry_filter: source.filter.clone(),
            collection_filter: filter,
            per_page: 100,
        })
    }

    /// Versions in these registries matching `filter`
    /// (`registries.versions(filter)`).
    pub fn versions(&self, filter: Option<Value>) -> RegistryVersions {
        let source = self.source();
        RegistryVersions::new(RegistryVersionPages {
            api: source.api.clone(),
            org: source.org.clone(),
            registry_filter: source.filter.clone(),
            artifact_filter: filter,
            per_page: 100,
        })
    }
}

/// Registry collections, fetched a page at a time; [`len`](Pager::len) is
/// how many match.
pub type RegistryCollections = Pager<RegistryCollectionPages>;

/// The [`PageSource`] behind [`RegistryCollections`]: `RegistryCollections`.
pub struct RegistryCollectionPages {
    api: Api,
    org: Option<String>,
    registry_filter: Option<Value>,
    collection_filter: Option<Value>,
    per_page: u32,
}

impl PageSource for RegistryCollectionPages {
    type Item = ArtifactCollection;

    async fn fetch(&mut self, cursor: Option<&str>) -> Result<Page<ArtifactCollection>> {
        let org = org_name(&self.api, &mut self.org).await?;
        let listing: Option<(String, CountedConnection<CollectionData>)> = org_listing(
            &self.api,
            queries::REGISTRY_COLLECTIONS,
            json!({
                "organization": org,
                "registryFilter": filter_string(&self.registry_filter),
                "collectionFilter": filter_string(&self.collection_filter),
                "cursor": cursor, "perPage": self.per_page,
            }),
        )
        .await?;
        match listing {
            Some((entity, conn)) => conn
                .into_page(|data| Ok(ArtifactCollection::new(self.api.clone(), &entity, "", data))),
            None => Ok(Page::last(Some(0))),
        }
    }
}

impl Counted for RegistryCollectionPages {}

/// Registry versions, fetched a page at a time.
pub type RegistryVersions = Pager<RegistryVersionPages>;

/// The [`PageSource`] behind [`RegistryVersions`]: `RegistryVersions`.
pub struct RegistryVersionPages {
    api: Api,
    org: Option<String>,
    registry_filter: Option<Value>,
    artifact_filter: Option<Value>,
    per_page: u32,
}

impl PageSource for RegistryVersionPages {
    type Item = Artifact;

    async fn fetch(&mut self, cursor: Option<&str>) -> Result<Page<Artifact>> {
        let org = org_name(&self.api, &mut self.org).await?;
        let listing: Option<(String, Connection<MembershipData>)> = org_listing(
            &self.api,
            queries::REGISTRY_VERSIONS,
            json!({
                "organization": org,
                "registryFilter": filter_string(&self.registry_filter),
                "artifactFilter": filter_string(&self.artifact_filter),
                "cursor": cursor, "perPage": self.per_page,
            }),
        )
        .await?;
        let Some((entity, conn)) = listing else {
            return Ok(Page::last(None));
        };
        let mut page = conn.into_page(None, |m| {
            Artifact::from_membership(self.api.clone(), &entity, "", m)
        })?;
        Ok(Page {
            items: page.items.drain(..).flatten().collect(),
            end_cursor: page.end_cursor,
            has_next_page: page.has_next_page,
            total: None,
        })
    }
}

/// Run an organization-wide listing (`organization { orgEntity { name
/// artifactCollections | artifactMemberships } }`): the organization
/// entity's name and the listing, if the organization and listing exist.
async fn org_listing<T: DeserializeOwned>(
    api: &Api,
    query: &str,
    variables: Value,
) -> Result<Option<(String, T)>> {
    #[derive(Deserialize)]
    struct Payload<T> {
        organization: Option<Org<T>>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Org<T> {
        org_entity: Option<OrgEntity<T>>,
    }
    #[derive(Deserialize)]
    struct OrgEntity<T> {
        name: String,
        #[serde(alias = "artifactCollections", alias = "artifactMemberships")]
        listing: Option<T>,
    }
    let data: Payload<T> = api.transport.execute(query, variables).await?;
    Ok(data
        .organization
        .and_then(|o| o.org_entity)
        .and_then(|e| Some((e.name, e.listing?))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_names_get_their_prefix_like_python() {
        assert_eq!(
            prefix_registry_names(&json!({"name": "model"})),
            json!({"name": "wandb-registry-model"})
        );
        assert_eq!(
            prefix_registry_names(&json!({"name": {"$in": ["a", "b"]}})),
            json!({"name": {"$in": ["wandb-registry-a", "wandb-registry-b"]}})
        );
        assert_eq!(
            prefix_registry_names(&json!({"name": {"$regex": "model"}})),
            json!({"name": {"$regex": "model"}})
        );
        assert_eq!(
            prefix_registry_names(&json!({"$or": [{"name": "x"}, {"description": "y"}]})),
            json!({"$or": [{"name": "wandb-registry-x"}, {"description": "y"}]})
        );
    }
}
