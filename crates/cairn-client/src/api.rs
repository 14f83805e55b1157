//! [`Api`]: the entry point, configured like `wandb.Api`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use crate::error::{Error, Result};
use crate::projects::{Project, ProjectData, Projects};
use crate::queries;
use crate::teams::Team;
use crate::transport::Transport;
use crate::users::{User, UserData};

/// A connection to a W&B-compatible server, like Python's `wandb.Api`.
/// Cheap to clone.
#[derive(Clone)]
pub struct Api {
    pub(crate) transport: Transport,
    entity: Option<String>,
    project: Option<String>,
    default_entity: Arc<Mutex<Option<String>>>,
}

/// Builds an [`Api`]; unset fields default from `WANDB_*` environment variables.
#[derive(Debug, Default)]
pub struct ApiBuilder {
    base_url: Option<String>,
    api_key: Option<String>,
    entity: Option<String>,
    project: Option<String>,
    timeout: Option<Duration>,
}

impl ApiBuilder {
    /// Server URL (default `WANDB_BASE_URL`, else `https://api.wandb.ai`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// API key (default `WANDB_API_KEY`).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Default entity (default `WANDB_ENTITY`).
    pub fn entity(mut self, entity: impl Into<String>) -> Self {
        self.entity = Some(entity.into());
        self
    }

    /// Default project (default `WANDB_PROJECT`).
    pub fn project(mut self, project: impl Into<String>) -> Self {
        self.project = Some(project.into());
        self
    }

    /// Per-request timeout (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Validate and build.
    pub fn build(self) -> Result<Api> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let base_url = self
            .base_url
            .or_else(|| env("WANDB_BASE_URL"))
            .unwrap_or_else(|| "https://api.wandb.ai".into())
            .trim_end_matches('/')
            .to_string();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(Error::Config(format!(
                "base URL {base_url:?} must start with http:// or https://"
            )));
        }
        let api_key = self
            .api_key
            .or_else(|| env("WANDB_API_KEY"))
            .ok_or_else(|| Error::Config("no API key: pass one or set WANDB_API_KEY".into()))?;
        check_api_key(&api_key)?;
        let http = reqwest::Client::builder()
            .timeout(self.timeout.unwrap_or(Duration::from_secs(30)))
            .user_agent(concat!("cairn-client/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Api {
            transport: Transport {
                http,
                base_url,
                api_key,
            },
            entity: self.entity.or_else(|| env("WANDB_ENTITY")),
            project: self.project.or_else(|| env("WANDB_PROJECT")),
            default_entity: Arc::default(),
        })
    }
}

/// Check a key's format the way the official client does: the part after
/// the first `-` must be 40+ letters, digits or underscores.
pub fn check_api_key(key: &str) -> Result<()> {
    let secret = key.split_once('-').map_or(key, |(_, s)| s);
    if key.is_empty() {
        return Err(Error::Config("the API key is empty".into()));
    }
    if !secret
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    {
        return Err(Error::Config(
            "the API key may only contain letters, digits and underscores".into(),
        ));
    }
    if secret.chars().count() < 40 {
        return Err(Error::Config(format!(
            "the API key must have 40+ characters after its prefix, it has {}",
            secret.chars().count()
        )));
    }
    Ok(())
}

#[derive(Deserialize)]
struct ViewerData {
    viewer: Option<UserData>,
}

#[derive(Deserialize)]
struct DefaultEntityData {
    viewer: Option<EntityOnly>,
}

#[derive(Deserialize)]
struct EntityOnly {
    entity: Option<String>,
}

#[derive(Deserialize)]
struct ResultWrapper<T> {
    result: Option<T>,
}

#[derive(Deserialize)]
struct CreatedUser {
    user: Option<UserData>,
}

#[derive(Deserialize)]
struct UsersData {
    users: Option<Edges<UserData>>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Edges<T> {
    pub(crate) edges: Vec<Edge<T>>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Edge<T> {
    pub(crate) node: Option<T>,
}

#[derive(Deserialize)]
struct ProjectResult {
    project: Option<ProjectData>,
    inserted: Option<bool>,
}

#[derive(Deserialize)]
struct ProjectQuery {
    project: Option<ProjectData>,
}

impl Api {
    /// Start building an `Api`.
    pub fn builder() -> ApiBuilder {
        ApiBuilder::default()
    }

    /// An `Api` configured entirely from `WANDB_*` environment variables.
    pub fn from_env() -> Result<Api> {
        ApiBuilder::default().build()
    }

    /// The server URL.
    pub fn base_url(&self) -> &str {
        &self.transport.base_url
    }

    /// The configured default project, if any.
    pub fn default_project(&self) -> Option<&str> {
        self.project.as_deref()
    }

    /// The caller (`api.viewer`).
    pub async fn viewer(&self) -> Result<User> {
        let data: ViewerData = self
            .transport
            .execute(queries::GET_VIEWER, json!({}))
            .await?;
        let viewer = data.viewer.ok_or_else(|| {
            Error::Unauthorized("the server does not recognise this API key".into())
        })?;
        Ok(User::new(self.clone(), viewer))
    }

    /// The caller's default entity (`api.default_entity`), cached.
    pub async fn default_entity(&self) -> Result<Option<String>> {
        if let Some(entity) = self.cached_default_entity() {
            return Ok(Some(entity));
        }
        let data: DefaultEntityData = self
            .transport
            .execute(queries::GET_DEFAULT_ENTITY, json!({}))
            .await?;
        let entity = data.viewer.and_then(|v| v.entity);
        if let Ok(mut cache) = self.default_entity.lock() {
            cache.clone_from(&entity);
        }
        Ok(entity)
    }

    /// Forget cached answers (`api.flush()`).
    pub fn flush(&self) {
        if let Ok(mut cache) = self.default_entity.lock() {
            *cache = None;
        }
    }

    /// Create a user (instance admins only).
    pub async fn create_user(&self, email: &str, admin: bool) -> Result<User> {
        let data: ResultWrapper<CreatedUser> = self
            .transport
            .execute(
                queries::CREATE_USER_FROM_ADMIN,
                json!({"email": email, "admin": admin}),
            )
            .await?;
        let user = data
            .result
            .and_then(|r| r.user)
            .ok_or_else(|| Error::Decode(format!("no user in the answer to creating {email:?}")))?;
        Ok(User::new(self.clone(), user))
    }

    /// The first user matching a username or email, if any (admins only).
    pub async fn user(&self, username_or_email: &str) -> Result<Option<User>> {
        Ok(self.users(username_or_email).await?.into_iter().next())
    }

    /// Users matching part of a username or email (admins only).
    pub async fn users(&self, query: &str) -> Result<Vec<User>> {
        let data: UsersData = self
            .transport
            .execute(queries::SEARCH_USERS, json!({"query": query}))
            .await?;
        Ok(data
            .users
            .map(|c| c.edges)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|e| e.node)
            .map(|u| User::new(self.clone(), u))
            .collect())
    }

    /// Create a team administered by `admin_username` (default: the caller).
    pub async fn create_team(&self, name: &str, admin_username: Option<&str>) -> Result<Team> {
        let _: serde_json::Value = self
            .transport
            .execute(
                queries::CREATE_TEAM,
                json!({"teamName": name, "teamAdminUserName": admin_username}),
            )
            .await?;
        self.team(name).await?.ok_or_else(|| Error::NotFound {
            what: "team",
            name: name.to_string(),
        })
    }

    /// A team, if it exists and the caller may see it.
    pub async fn team(&self, name: &str) -> Result<Option<Team>> {
        Team::load(self.clone(), name).await
    }

    /// Create a project in `entity`. Errors if it already exists.
    pub async fn create_project(&self, name: &str, entity: &str) -> Result<Project> {
        let data: ResultWrapper<ProjectResult> = self
            .transport
            .execute(
                queries::CREATE_PROJECT,
                json!({"input": {"name": name, "entityName": entity}}),
            )
            .await?;
        let result = data
            .result
            .ok_or_else(|| Error::Decode("no result in the answer to CreateProject".into()))?;
        if result.inserted == Some(false) {
            return Err(Error::Api(format!(
                "a project named {name:?} already exists in {entity:?}"
            )));
        }
        let created = result
            .project
            .ok_or_else(|| Error::Decode("no project in the answer to CreateProject".into()))?;
        // The creation answer has fewer fields than a project load.
        self.project(&created.name, Some(entity))
            .await?
            .ok_or_else(|| Error::NotFound {
                what: "project",
                name: format!("{entity}/{name}"),
            })
    }

    /// A project, if it exists and the caller may read it. The entity defaults
    /// to the configured one, then to the caller's default entity.
    pub async fn project(&self, name: &str, entity: Option<&str>) -> Result<Option<Project>> {
        let entity = self.resolve_entity(entity).await?;
        let data: ProjectQuery = self
            .transport
            .execute(
                queries::GET_PROJECT,
                json!({"name": name, "entity": entity}),
            )
            .await?;
        Ok(data.project.map(Project::from))
    }

    /// An entity's projects, fetched lazily `per_page` at a time.
    pub fn projects(&self, entity: Option<&str>, per_page: u32) -> Projects {
        Projects::new(self.clone(), entity.map(str::to_string), per_page)
    }

    pub(crate) async fn resolve_entity(&self, entity: Option<&str>) -> Result<String> {
        if let Some(entity) = entity.or(self.entity.as_deref()) {
            return Ok(entity.to_string());
        }
        self.default_entity().await?.ok_or_else(|| {
            Error::Config(
                "no entity given, none configured, and the server named no default".into(),
            )
        })
    }

    fn cached_default_entity(&self) -> Option<String> {
        self.default_entity.lock().ok().and_then(|c| c.clone())
    }

    /// A copy of this `Api` using another key.
    pub(crate) fn with_key(&self, key: &str) -> Result<Api> {
        check_api_key(key)?;
        let mut api = self.clone();
        api.transport.api_key = key.to_string();
        api.default_entity = Arc::default();
        Ok(api)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_format_matches_the_official_client() {
        assert!(check_api_key(&format!("cairn_ab-{}", "x".repeat(40))).is_ok());
        assert!(check_api_key(&"y".repeat(40)).is_ok());
        assert!(check_api_key("short-key").is_err());
        assert!(check_api_key(&format!("p-{}!", "x".repeat(40))).is_err());
        assert!(check_api_key("").is_err());
    }

    #[test]
    fn builder_trims_and_validates_the_url() {
        let key = format!("p-{}", "x".repeat(40));
        let api = Api::builder()
            .base_url("http://127.0.0.1:1/")
            .api_key(&key)
            .build()
            .unwrap();
        assert_eq!(api.base_url(), "http://127.0.0.1:1");
        let bad = Api::builder().base_url("ftp://x").api_key(&key).build();
        assert!(matches!(bad, Err(Error::Config(_))));
    }
}
