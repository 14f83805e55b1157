//! The two wire calls the workloads make: GraphQL and `file_stream`, with
//! Basic auth `api:KEY` as the official client sends it.
//!
//! Every call checks its answer (status 200, no GraphQL `errors`), so a
//! benchmark never reports the speed of failing requests.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

/// Per-request timeout: generous, but a hung server still ends the run.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// A client for one server.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: String,
    key: String,
}

impl Client {
    /// A client for `base_url`, signed in with `key`.
    pub fn new(base_url: &str, key: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .no_proxy()
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Self {
            http,
            base_url: base_url.to_string(),
            key: key.to_string(),
        })
    }

    /// Run a GraphQL operation; returns its `data`.
    pub async fn gql(&self, query: &str, variables: Value) -> anyhow::Result<Value> {
        let (body, _, _) = self.gql_raw(query, variables).await?;
        let mut answer: Value =
            serde_json::from_slice(&body).context("a GraphQL answer is not JSON")?;
        if let Some(errors) = answer.get("errors") {
            bail!("GraphQL errors: {errors}");
        }
        Ok(answer["data"].take())
    }

    /// Run a GraphQL operation and return the raw answer, with the time
    /// until its headers arrived (the server builds a GraphQL answer whole
    /// before it sends headers, so that is its think time) and the total.
    pub async fn gql_raw(
        &self,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<(Vec<u8>, Duration, Duration)> {
        let start = Instant::now();
        let resp = self
            .http
            .post(format!("{}/graphql", self.base_url))
            .basic_auth("api", Some(&self.key))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .context("GraphQL request failed")?;
        let headers = start.elapsed();
        let status = resp.status();
        let body = read_all(resp)
            .await
            .context("cannot read a GraphQL answer")?;
        if status != reqwest::StatusCode::OK {
            bail!(
                "GraphQL answered {status}: {}",
                String::from_utf8_lossy(&body)
            );
        }
        Ok((body, headers, start.elapsed()))
    }

    /// POST one prepared `file_stream` body for `entity/project/run`.
    pub async fn file_stream(
        &self,
        entity: &str,
        project: &str,
        run: &str,
        body: Vec<u8>,
    ) -> anyhow::Result<()> {
        let resp = self
            .http
            .post(format!(
                "{}/files/{entity}/{project}/{run}/file_stream",
                self.base_url
            ))
            .basic_auth("api", Some(&self.key))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .context("file_stream request failed")?;
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        if status != reqwest::StatusCode::OK {
            bail!("file_stream for {run} answered {status}: {text}");
        }
        Ok(())
    }

    /// GET a Cairn REST path; returns the response (status 200 checked)
    /// as soon as its headers arrived, and the time that took.
    pub async fn get(&self, path: &str) -> anyhow::Result<(reqwest::Response, Duration)> {
        let start = Instant::now();
        let resp = self
            .http
            .get(format!("{}{path}", self.base_url))
            .basic_auth("api", Some(&self.key))
            .send()
            .await
            .with_context(|| format!("GET {path} failed"))?;
        let headers = start.elapsed();
        let status = resp.status();
        if status != reqwest::StatusCode::OK {
            let body = resp.text().await.unwrap_or_default();
            bail!("GET {path} answered {status}: {body}");
        }
        Ok((resp, headers))
    }

    /// Create (or touch) run `name` in `entity/project` with `upsertBucket`.
    pub async fn upsert_run(&self, entity: &str, project: &str, name: &str) -> anyhow::Result<()> {
        self.gql(
            "mutation($input: UpsertBucketInput!) { upsertBucket(input: $input) { bucket { id } } }",
            json!({ "input": { "name": name, "modelName": project, "entityName": entity } }),
        )
        .await
        .with_context(|| format!("cannot create run {entity}/{project}/{name}"))?;
        Ok(())
    }
}

/// A whole body, read chunk by chunk into one buffer. (`Response::bytes`
/// was measured about twice as slow on multi-MB bodies.)
async fn read_all(mut resp: reqwest::Response) -> anyhow::Result<Vec<u8>> {
    let mut body = Vec::with_capacity(resp.content_length().unwrap_or(0) as usize);
    while let Some(chunk) = resp.chunk().await? {
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
