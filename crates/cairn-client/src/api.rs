//! [`Api`]: the entry point, configured like `wandb.Api`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use crate::digests::DigestCache;
use crate::error::{Error, Result};
use crate::filters::Filter;
use crate::projects::{Project, ProjectData, ProjectPages, Projects};
use crate::queries;
use crate::runs::{Run, RunPages, Runs, parse_run_path};
use crate::teams::Team;
use crate::transport::Transport;
use crate::users::{User, UserData};

/// A connection to a W&B-compatible server, like Python's `wandb.Api`.
/// Cheap to clone.
#[derive(Clone)]
pub struct Api {
    pub(crate) transport: Transport,
    pub(crate) entity: Option<String>,
    pub(crate) project: Option<String>,
    default_entity: Arc<Mutex<Option<String>>>,
    /// Digests of local files already hashed (see `digests.rs`).
    pub(crate) digests: Arc<DigestCache>,
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
            digests: Arc::default(),
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
struct CreatedOrganization {
    organization: Option<Organization>,
}

/// An organization, as `createOrganization` answers it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    /// Opaque id.
    pub id: String,
    /// Its name (what `registries(organization=…)` takes).
    pub name: String,
    /// Its entity, the owner of its registries.
    pub org_entity: Option<OrgEntity>,
}

/// The entity of an [`Organization`].
#[derive(Debug, Clone, Deserialize)]
pub struct OrgEntity {
    /// The entity's name (`<organization>-org`); add members to it to add
    /// them to the organization.
    pub name: String,
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

    /// Set the password the person `username` signs in to the web UI
    /// with, or clear it with `None` (Cairn extension, instance admins
    /// only). Every browser session of theirs ends either way; their API
    /// keys are unaffected.
    pub async fn set_user_password(&self, username: &str, password: Option<&str>) -> Result<()> {
        let _: serde_json::Value = self
            .transport
            .execute(
                queries::SET_USER_PASSWORD,
                json!({"username": username, "password": password}),
            )
            .await?;
        Ok(())
    }

    /// Deactivate (`active: false`) or reactivate the user `username`
    /// (Cairn extension, instance admins only, never themselves). A
    /// deactivated user's data stays; their keys and sessions are refused.
    pub async fn set_user_active(&self, username: &str, active: bool) -> Result<()> {
        let _: serde_json::Value = self
            .transport
            .execute(
                queries::SET_USER_ACTIVE,
                json!({"username": username, "active": active}),
            )
            .await?;
        Ok(())
    }

    /// Create a further organization with its own entity and registries
    /// (Cairn extension, instance admins only).
    pub async fn create_organization(&self, name: &str) -> Result<Organization> {
        let data: ResultWrapper<CreatedOrganization> = self
            .transport
            .execute(queries::CREATE_ORGANIZATION, json!({"name": name}))
            .await?;
        data.result.and_then(|r| r.organization).ok_or_else(|| {
            Error::Decode("no organization in the answer to CreateOrganization".into())
        })
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
        Projects::new(ProjectPages::new(
            self.clone(),
            entity.map(str::to_string),
            per_page,
        ))
    }

    /// A project's runs matching `filters`, in `order` (`+created_at` when
    /// `None`; `-summary_metrics.loss`, `+config.lr`, …), fetched lazily
    /// `per_page` at a time. `path` is `entity/project`, or `project` in
    /// the default entity. `filters` is a [`Filter`] or raw JSON.
    pub fn runs(
        &self,
        path: &str,
        filters: impl Into<Filter>,
        order: Option<&str>,
        per_page: u32,
    ) -> Runs {
        let path = path.trim_matches('/');
        let (entity, project) = match path.split_once('/') {
            Some((entity, project)) => (Some(entity.to_string()), project),
            None => (None, path),
        };
        let project = match project {
            "" => self.project.as_deref().unwrap_or("uncategorized"),
            p => p,
        };
        Runs::new(RunPages::new(
            self.clone(),
            entity.filter(|e| !e.is_empty()),
            project.to_string(),
            filters.into(),
            order,
            per_page,
        ))
    }

    /// A run by path: `entity/project/run_id` (also `entity/project/runs/id`,
    /// `entity/project:id`; `project/id` and `id` use the configured entity
    /// and project). `NotFound` if it does not exist or is hidden.
    pub async fn run(&self, path: &str) -> Result<Run> {
        let (entity, project, id) = parse_run_path(path)?;
        let entity = self.resolve_entity(entity.as_deref()).await?;
        let project = project
            .or_else(|| self.project.clone())
            .ok_or_else(|| Error::Config(format!("invalid run path {path:?}: no project")))?;
        Run::load(self.clone(), &entity, &project, &id).await
    }

    /// Create a run in state `running` (`api.create_run`); `run_id`
    /// defaults to a fresh random id. Like Python this is an upsert: an
    /// existing run of that id is returned, set to `running`.
    pub async fn create_run(
        &self,
        project: &str,
        entity: Option<&str>,
        run_id: Option<&str>,
    ) -> Result<Run> {
        self.create_run_in_state(project, entity, run_id, "running")
            .await
    }

    /// [`Api::create_run`] with another state (`pending`, for runs that
    /// will be resumed later).
    pub async fn create_run_in_state(
        &self,
        project: &str,
        entity: Option<&str>,
        run_id: Option<&str>,
        state: &str,
    ) -> Result<Run> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Payload {
            upsert_bucket: Option<Upserted>,
        }
        #[derive(Deserialize)]
        struct Upserted {
            bucket: Option<Created>,
        }
        #[derive(Deserialize)]
        struct Created {
            name: String,
        }
        let entity = self.resolve_entity(entity).await?;
        let run_id = run_id.map_or_else(random_run_id, str::to_string);
        let data: Payload = self
            .transport
            .execute(
                queries::CREATE_RUN,
                json!({"project": project, "entity": entity, "name": run_id, "state": state}),
            )
            .await?;
        let name = data
            .upsert_bucket
            .and_then(|u| u.bucket)
            .map(|b| b.name)
            .ok_or_else(|| Error::Decode("no run in the answer to UpsertBucket".into()))?;
        Run::load(self.clone(), &entity, project, &name).await
    }

    /// A project or a run, from a path as the W&B app shows them
    /// (`api.from_path`): `project`, `entity/project`,
    /// `entity/project/run_id` or `entity/project/runs/run_id`.
    pub async fn from_path(&self, path: &str) -> Result<FromPath> {
        let trimmed = path.trim_matches(|c| c == '/' || c == ' ');
        let parts: Vec<&str> = trimmed.split('/').collect();
        let project = |name: &str, entity: Option<&str>| {
            let (name, entity) = (name.to_string(), entity.map(str::to_string));
            async move {
                let found = self.project(&name, entity.as_deref()).await?;
                found.map(FromPath::Project).ok_or_else(|| Error::NotFound {
                    what: "project",
                    name: entity.map_or(name.clone(), |e| format!("{e}/{name}")),
                })
            }
        };
        match parts.as_slice() {
            [name] if !name.is_empty() => project(name, None).await,
            [entity, name] => project(name, Some(entity)).await,
            [_, _, _] => Ok(FromPath::Run(Box::new(self.run(trimmed).await?))),
            [_, _, kind, _] if kind.starts_with("run") => {
                Ok(FromPath::Run(Box::new(self.run(trimmed).await?)))
            }
            [_, _, "reports", slug] => match self.report(slug).await? {
                Some(report) => Ok(FromPath::Report(Box::new(report))),
                None => Err(Error::NotFound {
                    what: "report",
                    name: trimmed.to_string(),
                }),
            },
            _ => Err(Error::Config(format!(
                "invalid path {path:?}: use ENTITY/PROJECT, ENTITY/PROJECT/runs/ID or \
                 ENTITY/PROJECT/reports/TITLE--ID (sweeps are not supported yet)"
            ))),
        }
    }

    /// Send a mutation whose answer is `result { success }` (the
    /// official client's alias); an error naming `what` unless it says
    /// `success: true`.
    pub(crate) async fn expect_success(
        &self,
        document: &str,
        variables: serde_json::Value,
        what: impl FnOnce() -> String,
    ) -> Result<()> {
        #[derive(serde::Deserialize)]
        struct Data {
            result: Option<Done>,
        }
        #[derive(serde::Deserialize)]
        struct Done {
            success: bool,
        }
        let data: Data = self.transport.execute(document, variables).await?;
        match data.result {
            Some(Done { success: true }) => Ok(()),
            _ => Err(Error::Api(format!("the server did not {}", what()))),
        }
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

/// `entity/project` or `project` (in the default entity).
pub(crate) fn split_project(path: &str) -> (Option<String>, String) {
    match path.trim_matches('/').split_once('/') {
        Some((e, p)) => (Some(e.to_string()), p.to_string()),
        None => (None, path.trim_matches('/').to_string()),
    }
}

/// What [`Api::from_path`] found.
#[derive(Debug)]
pub enum FromPath {
    /// A project.
    Project(Project),
    /// A run.
    Run(Box<Run>),
    /// A report (`entity/project/reports/Title--ID`).
    Report(Box<crate::Report>),
}

/// A fresh 8-character run id from `[a-z0-9]`, as W&B makes them. Std's
/// per-instance random hash keys are randomness enough for an id.
fn random_run_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    let mut bits = hasher.finish();
    (0..8)
        .map(|_| {
            let c = ALPHABET[(bits % ALPHABET.len() as u64) as usize] as char;
            bits /= ALPHABET.len() as u64;
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_run_ids_look_like_wandb_ones() {
        let a = random_run_id();
        assert_eq!(a.len(), 8);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
        assert_ne!(a, random_run_id());
    }

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
