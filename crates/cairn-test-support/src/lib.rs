//! Test harness: a real Cairn server on `127.0.0.1:0` with a temporary data
//! directory, and a `cairn_client::Api` signed in as its admin.
//!
//! Every test gets its own server and database, so tests run in parallel.
//! Servers keep the production defaults, including the limit on failed
//! authentications (every test client is 127.0.0.1); a test that fails more
//! key checks than that on one server raises `auth_failure_limit` through
//! [`TestServer::start_with`].

pub mod tfevents;

use std::path::{Path, PathBuf};

use cairn_client::Api;
use tempfile::TempDir;

/// The admin key every test server is created with: fixed, and random
/// enough for the server's check on chosen keys.
pub const ADMIN_KEY: &str = "admin-xApEXD6xzZ7PmM6L2G5hTTXzMIJ3oVxOVWqf2PF2kGmF";

/// A running server; stopped when dropped.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The instance admin's key.
    pub admin_key: String,
    /// A client signed in as the admin.
    pub api: Api,
    /// The server's domain service (same database), for operations no
    /// HTTP route offers yet.
    cairn: cairn_core::Cairn,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    data_dir: PathBuf,
    /// The temporary directory holding `data_dir`, when the server owns it.
    _temp: Option<TempDir>,
}

impl TestServer {
    /// Start a fresh server.
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    /// Start a fresh server, adjusting its configuration first.
    pub async fn start_with(adjust: impl FnOnce(&mut cairn_server::Config)) -> TestServer {
        let temp = tempfile::tempdir().expect("temp dir");
        // A directory the server creates, as it would in production.
        let mut server = Self::start_in(&temp.path().join("data"), adjust).await;
        server._temp = Some(temp);
        server
    }

    /// Start a server on `data_dir` (created if missing), which the caller
    /// owns and may reuse for a second start.
    pub async fn start_in(
        data_dir: &Path,
        adjust: impl FnOnce(&mut cairn_server::Config),
    ) -> TestServer {
        let mut config = cairn_server::Config::new(data_dir);
        config.admin_api_key = Some(ADMIN_KEY.to_string());
        adjust(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("listener address");
        let server = cairn_server::Server::start(&config)
            .await
            .expect("server starts");
        let cairn = server.cairn();
        let task = tokio::spawn(server.serve(listener, std::future::pending()));
        let base_url = format!("http://{addr}");
        TestServer {
            api: Api::builder()
                .base_url(&base_url)
                .api_key(ADMIN_KEY)
                .build()
                .expect("client"),
            admin_key: ADMIN_KEY.to_string(),
            base_url,
            cairn,
            task,
            data_dir: config.data_dir,
            _temp: None,
        }
    }

    /// The server's domain service, sharing its database: for domain
    /// operations no HTTP route offers yet (the web UI's sign-in).
    pub fn cairn(&self) -> &cairn_core::Cairn {
        &self.cairn
    }

    /// The server's data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// A client using another key.
    pub fn api_with_key(&self, key: &str) -> Api {
        Api::builder()
            .base_url(&self.base_url)
            .api_key(key)
            .build()
            .expect("client")
    }

    /// Create a user and a key for them; returns the user, a client signed
    /// in as them, and their key.
    pub async fn new_user(&self, email: &str) -> (cairn_client::User, Api, String) {
        let mut user = self
            .api
            .create_user(email, false)
            .await
            .expect("create user");
        let key = user.generate_api_key(Some("test")).await.expect("key");
        (user, self.api_with_key(&key), key)
    }

    /// POST a `file_stream` body (what `wandb.log` sends) for the run at
    /// `entity/project/run` with the admin key; panics unless it is taken.
    pub async fn file_stream(&self, run_path: &str, body: serde_json::Value) {
        let response = reqwest::Client::new()
            .post(format!("{}/files/{run_path}/file_stream", self.base_url))
            .basic_auth("api", Some(&self.admin_key))
            .json(&body)
            .send()
            .await
            .expect("file_stream request");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert!(
            status.is_success(),
            "file_stream {run_path}: {status} {text}"
        );
    }

    /// Create the run `entity/project/run` (as the admin) and end it with
    /// `exitcode`, as the official client's last `file_stream` does.
    pub async fn finish_run(&self, entity: &str, project: &str, run: &str, exitcode: i64) {
        let made = self
            .raw_graphql(
                &self.admin_key,
                serde_json::json!({
                    "query": "mutation($e: String, $p: String, $r: String) { upsertBucket(input: {entityName: $e, modelName: $p, name: $r}) { bucket { id } } }",
                    "variables": {"e": entity, "p": project, "r": run},
                }),
            )
            .await;
        assert!(made["errors"].is_null(), "upsertBucket {run}: {made}");
        self.file_stream(
            &format!("{entity}/{project}/{run}"),
            serde_json::json!({"complete": true, "exitcode": exitcode}),
        )
        .await;
    }

    /// Send raw GraphQL with `key`, for requests the client does not make.
    pub async fn raw_graphql(&self, key: &str, body: serde_json::Value) -> serde_json::Value {
        reqwest::Client::new()
            .post(format!("{}/graphql", self.base_url))
            .basic_auth("api", Some(key))
            .json(&body)
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json answer")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
