//! One GraphQL round trip: auth headers, status handling, error mapping.

use base64::Engine;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result};

/// The HTTP side of an [`crate::Api`].
#[derive(Clone)]
pub(crate) struct Transport {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    pub(crate) api_key: String,
}

impl Transport {
    /// Send `query` with `variables`; decode `data` into `T`.
    pub(crate) async fn execute<T: DeserializeOwned>(
        &self,
        query: &str,
        variables: Value,
    ) -> Result<T> {
        let operation = operation_name(query);
        let response = self
            .http
            .post(format!("{}/graphql", self.base_url))
            .header("Authorization", self.basic_auth())
            .header("Use-Admin-Privileges", "true")
            .json(&serde_json::json!({
                "query": query,
                "variables": variables,
                "operationName": operation,
            }))
            .send()
            .await?;
        let status = response.status();
        let body = response.text().await?;
        decode_response(status.as_u16(), &body)
    }
}

impl Transport {
    /// The `Authorization` header value: Basic `api:KEY`.
    pub(crate) fn basic_auth(&self) -> String {
        let auth =
            base64::engine::general_purpose::STANDARD.encode(format!("api:{}", self.api_key));
        format!("Basic {auth}")
    }

    /// `url` made absolute: server-relative URLs (`/files/…`) are on the
    /// server.
    pub(crate) fn absolute(&self, url: &str) -> String {
        if url.starts_with('/') {
            format!("{}{url}", self.base_url)
        } else {
            url.to_string()
        }
    }

    /// `PUT` `body` (`size` bytes) to a signed upload URL with the extra
    /// headers the server asked for (`"Name: value"` strings): run files,
    /// artifact files and parts all upload this way.
    pub(crate) async fn put_upload(
        &self,
        url: &str,
        headers: &[String],
        body: reqwest::Body,
        size: u64,
    ) -> Result<()> {
        let mut request = self
            .http
            .put(self.absolute(url))
            .timeout(crate::files::TRANSFER_TIMEOUT)
            .header("Content-Length", size)
            .body(body);
        for header in headers {
            if let Some((key, value)) = header.split_once(':') {
                request = request.header(key.trim(), value.trim());
            }
        }
        check_status(request.send().await?).await?;
        Ok(())
    }

    /// Whether `url` points at this server (and may see the API key).
    pub(crate) fn is_own(&self, url: &str) -> bool {
        url.strip_prefix(&self.base_url)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }
}

/// A non-GraphQL answer (file transfers): the response if its status is a
/// success, else a typed error.
pub(crate) async fn check_status(response: reqwest::Response) -> Result<reqwest::Response> {
    let status = response.status().as_u16();
    if (200..300).contains(&status) {
        return Ok(response);
    }
    let body = response.text().await.unwrap_or_default();
    let message = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| {
            v.get("error")
                .or_else(|| v.get("message"))
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| body.chars().take(500).collect());
    Err(match status {
        401 => Error::Unauthorized(message),
        _ => Error::Http {
            status,
            body: message,
        },
    })
}

/// Turn an HTTP answer into data or a typed error.
pub(crate) fn decode_response<T: DeserializeOwned>(status: u16, body: &str) -> Result<T> {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let messages = parsed
        .as_ref()
        .and_then(|v| v.get("errors"))
        .and_then(Value::as_array)
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e.get("message").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join("; ")
        })
        .filter(|m| !m.is_empty());
    if status == 401 {
        return Err(Error::Unauthorized(
            messages.unwrap_or_else(|| "the server refused the API key".into()),
        ));
    }
    if !(200..300).contains(&status) {
        return Err(Error::Http {
            status,
            body: messages.unwrap_or_else(|| body.chars().take(500).collect()),
        });
    }
    if let Some(messages) = messages {
        return Err(Error::Api(messages));
    }
    let data = parsed
        .and_then(|mut v| v.get_mut("data").map(Value::take))
        .ok_or_else(|| Error::Decode("the answer has no \"data\"".into()))?;
    serde_json::from_value(data).map_err(|e| Error::Decode(e.to_string()))
}

fn operation_name(query: &str) -> Option<&str> {
    let rest = query
        .trim_start()
        .strip_prefix("query")
        .or_else(|| query.trim_start().strip_prefix("mutation"))?;
    let name: &str = rest.trim_start().split(['(', '{', ' ']).next()?;
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_statuses_and_errors() {
        let ok: Value = decode_response(200, r#"{"data":{"x":1}}"#).unwrap();
        assert_eq!(ok["x"], 1);
        let err = decode_response::<Value>(
            200,
            r#"{"data":null,"errors":[{"message":"a"},{"message":"b"}]}"#,
        );
        assert!(matches!(err, Err(Error::Api(m)) if m == "a; b"));
        let err = decode_response::<Value>(401, r#"{"errors":[{"message":"unauthorized"}]}"#);
        assert!(matches!(err, Err(Error::Unauthorized(m)) if m == "unauthorized"));
        let err = decode_response::<Value>(502, "bad gateway");
        assert!(matches!(err, Err(Error::Http { status: 502, .. })));
        assert!(matches!(
            decode_response::<Value>(200, "{}"),
            Err(Error::Decode(_))
        ));
    }

    #[test]
    fn finds_operation_names() {
        assert_eq!(
            operation_name("query GetViewer {\n viewer { id } }"),
            Some("GetViewer")
        );
        assert_eq!(
            operation_name("mutation CreateTeam($a: String) {}"),
            Some("CreateTeam")
        );
        assert_eq!(operation_name("{ viewer { id } }"), None);
    }
}
