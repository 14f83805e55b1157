//! The run-logging wire protocol as `wandb-core` speaks it: `upsertBucket`,
//! the file_stream endpoint, and run-file uploads and downloads through
//! signed URLs. Raw HTTP on purpose: these are the requests the official
//! client sends, byte for byte in shape.

use cairn_test_support::{ADMIN_KEY, TestServer};
use serde_json::{Value, json};

/// Create run `name` in `admin/logging`; returns its GraphQL id.
async fn create_run(server: &TestServer, name: &str) -> String {
    let answer = server
        .raw_graphql(
            ADMIN_KEY,
            json!({
                "query": "mutation($name: String, $config: JSONString) { upsertBucket(input: {name: $name, modelName: \"logging\", entityName: \"admin\", config: $config}) { bucket { id name } inserted } }",
                "variables": { "name": name, "config": "{\"lr\": {\"value\": 0.1}, \"_wandb\": {\"value\": {\"t\": {\"1\": [1]}}}}" },
            }),
        )
        .await;
    assert_eq!(answer["data"]["upsertBucket"]["inserted"], true, "{answer}");
    answer["data"]["upsertBucket"]["bucket"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// POST a file_stream body for `admin/logging/<run>`.
async fn stream(server: &TestServer, key: Option<&str>, run: &str, body: Value) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!(
            "{}/files/admin/logging/{run}/file_stream",
            server.base_url
        ))
        .json(&body);
    if let Some(key) = key {
        request = request.basic_auth("api", Some(key));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn history(offset: i64, lines: &[&str]) -> Value {
    json!({ "files": { "wandb-history.jsonl": { "offset": offset, "content": lines } } })
}

/// Query fields of `admin/logging/<run>`.
async fn run_fields(server: &TestServer, run: &str, fields: &str) -> Value {
    let answer = server
        .raw_graphql(
            ADMIN_KEY,
            json!({ "query": format!("{{ project(name: \"logging\", entityName: \"admin\") {{ run(name: \"{run}\") {{ {fields} }} }} }}") }),
        )
        .await;
    assert!(answer["errors"].is_null(), "{answer}");
    answer["data"]["project"]["run"].clone()
}

#[tokio::test]
async fn a_run_streams_history_summary_console_and_finishes() {
    let server = TestServer::start().await;
    create_run(&server, "r1").await;
    let (status, answer) = stream(
        &server,
        Some(ADMIN_KEY),
        "r1",
        json!({ "files": {
            "wandb-history.jsonl": { "offset": 0, "content": [
                "{\"_step\": 0, \"loss\": 1.5, \"_runtime\": 1.0}",
                "{\"_step\": 1, \"loss\": NaN, \"acc\": {\"top1\": 0.5}}",
            ]},
            "wandb-summary.json": { "offset": 0, "content": ["{\"loss\": NaN, \"best\": Infinity}"] },
            "output.log": { "offset": 0, "content": ["2026-11-23T10:00:00.000000 hello", "2026-11-23T10:00:00.000001 ERROR boom"] },
            "wandb-events.jsonl": { "offset": 0, "content": ["{\"system.cpu\": 12.5, \"_runtime\": 1}"] },
        }}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer.get("stopped"), None);

    let run = run_fields(
        &server,
        "r1",
        "state historyLineCount logLineCount eventsLineCount summaryMetrics systemMetrics historyKeys history(minStep: 0, maxStep: 10, samples: 10) logLines(first: 10) { edges { node { number level line } } }",
    )
    .await;
    assert_eq!(run["state"], "running");
    assert_eq!(run["historyLineCount"], 2);
    assert_eq!(run["logLineCount"], 2);
    assert_eq!(run["eventsLineCount"], 1);
    // Stored exactly as sent: NaN and Infinity survive.
    assert_eq!(run["summaryMetrics"], "{\"loss\": NaN, \"best\": Infinity}");
    assert_eq!(
        run["history"][1],
        "{\"_step\": 1, \"loss\": NaN, \"acc\": {\"top1\": 0.5}}"
    );
    assert_eq!(run["historyKeys"]["lastStep"], 1);
    assert_eq!(
        run["historyKeys"]["keys"]["loss"]["typeCounts"][0],
        json!({ "type": "number", "count": 2 })
    );
    assert_eq!(
        run["systemMetrics"],
        "{\"system.cpu\": 12.5, \"_runtime\": 1}"
    );
    let lines = &run["logLines"]["edges"];
    assert_eq!(lines[0]["node"]["line"], "hello");
    assert_eq!(lines[1]["node"]["level"], "error");
    assert_eq!(lines[1]["node"]["line"], "boom");

    let (status, _) = stream(
        &server,
        Some(ADMIN_KEY),
        "r1",
        json!({ "complete": true, "exitcode": 0 }),
    )
    .await;
    assert_eq!(status, 200);
    let run = run_fields(&server, "r1", "state exitcode").await;
    assert_eq!(run, json!({ "state": "finished", "exitcode": 0 }));
}

#[tokio::test]
async fn resent_lines_replace_instead_of_duplicating() {
    let server = TestServer::start().await;
    create_run(&server, "r1").await;
    let lines = ["{\"_step\": 0, \"a\": 1}", "{\"_step\": 1, \"a\": 2}"];
    for _ in 0..3 {
        let (status, _) = stream(&server, Some(ADMIN_KEY), "r1", history(0, &lines)).await;
        assert_eq!(status, 200);
    }
    let (status, _) = stream(
        &server,
        Some(ADMIN_KEY),
        "r1",
        history(2, &["{\"_step\": 2, \"a\": 3}"]),
    )
    .await;
    assert_eq!(status, 200);
    let run = run_fields(
        &server,
        "r1",
        "historyLineCount historyKeys history(minStep: 0, maxStep: 100, samples: 100)",
    )
    .await;
    assert_eq!(run["historyLineCount"], 3);
    assert_eq!(run["history"].as_array().unwrap().len(), 3);
    assert_eq!(
        run["historyKeys"]["keys"]["a"]["typeCounts"][0]["count"], 3,
        "resends are not counted twice"
    );
}

#[tokio::test]
async fn a_malformed_line_rejects_the_whole_request() {
    let server = TestServer::start().await;
    create_run(&server, "r1").await;
    let (status, answer) = stream(
        &server,
        Some(ADMIN_KEY),
        "r1",
        history(0, &["{\"_step\": 0, \"a\": 1}", "{not json"]),
    )
    .await;
    assert_eq!(status, 400);
    let message = answer["error"].as_str().unwrap();
    assert!(
        message.contains("wandb-history.jsonl line 1"),
        "the error names the file and line: {message}"
    );
    let run = run_fields(&server, "r1", "historyLineCount").await;
    assert_eq!(
        run["historyLineCount"], 0,
        "nothing of a rejected request is kept"
    );

    let (status, answer) = stream(&server, Some(ADMIN_KEY), "r1", json!([1, 2])).await;
    assert_eq!(status, 400, "{answer}");
    let (status, answer) = stream(
        &server,
        Some(ADMIN_KEY),
        "r1",
        history(-1, &["{\"_step\": 0}"]),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("negative"));
}

#[tokio::test]
async fn streaming_needs_a_key_and_a_run_the_caller_may_write() {
    let server = TestServer::start().await;
    create_run(&server, "r1").await;
    let body = history(0, &["{\"_step\": 0}"]);
    let (status, _) = stream(&server, None, "r1", body.clone()).await;
    assert_eq!(status, 401);
    let (status, answer) = stream(&server, Some(ADMIN_KEY), "missing", body.clone()).await;
    assert_eq!(status, 404);
    assert!(answer["error"].as_str().unwrap().contains("upsertBucket"));

    let (_, _, outsider) = server.new_user("outsider@example.com").await;
    let (status, _) = stream(&server, Some(&outsider), "r1", body).await;
    assert_eq!(
        status, 404,
        "a private project's runs are invisible to outsiders"
    );
}

#[tokio::test]
async fn a_stopped_run_is_told_to_stop_and_failures_keep_their_exit_code() {
    let server = TestServer::start().await;
    let id = create_run(&server, "r1").await;
    let answer = server
        .raw_graphql(
            ADMIN_KEY,
            json!({ "query": "mutation($id: ID!) { stopRun(input: {id: $id}) { success } }", "variables": { "id": id } }),
        )
        .await;
    assert_eq!(answer["data"]["stopRun"]["success"], true, "{answer}");
    let (status, answer) = stream(&server, Some(ADMIN_KEY), "r1", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(answer["stopped"], true);

    let (_, _) = stream(
        &server,
        Some(ADMIN_KEY),
        "r1",
        json!({ "complete": true, "exitcode": 3 }),
    )
    .await;
    let run = run_fields(&server, "r1", "state exitcode").await;
    assert_eq!(run, json!({ "state": "failed", "exitcode": 3 }));
}

#[tokio::test]
async fn resume_status_reports_counts_tail_and_telemetry() {
    let server = TestServer::start().await;
    create_run(&server, "r1").await;
    stream(
        &server,
        Some(ADMIN_KEY),
        "r1",
        history(
            0,
            &[
                "{\"_step\": 0, \"_runtime\": 1}",
                "{\"_step\": 1, \"_runtime\": 2}",
            ],
        ),
    )
    .await;
    let answer = server
        .raw_graphql(
            ADMIN_KEY,
            json!({
                "query": "query RunResumeStatus($project: String, $entity: String, $name: String!) { model(name: $project, entityName: $entity) { id name entity { id name } bucket(name: $name, missingOk: true) { id name historyLineCount logLineCount eventsLineCount historyTail eventsTail config wandbConfig(keys: [\"t\"]) } } }",
                "variables": { "project": "logging", "entity": "admin", "name": "r1" },
            }),
        )
        .await;
    let bucket = &answer["data"]["model"]["bucket"];
    assert_eq!(bucket["historyLineCount"], 2, "{answer}");
    let tail: Vec<String> = serde_json::from_str(bucket["historyTail"].as_str().unwrap()).unwrap();
    assert_eq!(tail, ["{\"_step\": 1, \"_runtime\": 2}"]);
    let telemetry: Value = serde_json::from_str(bucket["wandbConfig"].as_str().unwrap()).unwrap();
    assert_eq!(telemetry, json!({ "t": { "1": [1] } }));

    let missing = server
        .raw_graphql(
            ADMIN_KEY,
            json!({
                "query": "query($name: String!) { model(name: \"logging\", entityName: \"admin\") { bucket(name: $name, missingOk: true) { id } } }",
                "variables": { "name": "nope" },
            }),
        )
        .await;
    assert_eq!(missing["data"]["model"]["bucket"], Value::Null);
}

#[tokio::test]
async fn run_files_upload_through_signed_urls_and_download_byte_identical() {
    let server = TestServer::start().await;
    create_run(&server, "r1").await;
    let answer = server
        .raw_graphql(
            ADMIN_KEY,
            json!({
                "query": "mutation($files: [String!]!) { createRunFiles(input: {entityName: \"admin\", projectName: \"logging\", runName: \"r1\", files: $files}) { runID uploadHeaders files { name uploadUrl } } }",
                "variables": { "files": ["media/a b.bin", "config.yaml"] },
            }),
        )
        .await;
    let files = answer["data"]["createRunFiles"]["files"]
        .as_array()
        .unwrap();
    let upload_url = files[0]["uploadUrl"].as_str().unwrap();
    assert!(
        upload_url.starts_with(&server.base_url),
        "absolute URL: {upload_url}"
    );

    // wandb-core PUTs without credentials: the signature is the permission.
    let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let http = reqwest::Client::new();
    let put = http
        .put(upload_url)
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    // The signature covers the method and the path.
    let tampered = upload_url.replace("a%20b.bin", "other.bin");
    let put = http.put(&tampered).body("x").send().await.unwrap();
    assert_eq!(put.status(), 403);
    let get_with_put_signature = http.get(upload_url).send().await.unwrap();
    assert_eq!(get_with_put_signature.status(), 403);

    let run = run_fields(
        &server,
        "r1",
        "fileCount files(names: [\"media/a b.bin\"]) { edges { node { id name sizeBytes md5 directUrl url } } }",
    )
    .await;
    assert_eq!(run["fileCount"], 1);
    let node = &run["files"]["edges"][0]["node"];
    assert_eq!(node["sizeBytes"], 200_000);
    let direct = node["directUrl"].as_str().unwrap();
    let got = http.get(direct).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().as_ref(), bytes.as_slice());

    // Without a signature, credentials work and are required.
    let plain = format!("{}/files/admin/logging/r1/media/a%20b.bin", server.base_url);
    assert_eq!(http.get(&plain).send().await.unwrap().status(), 401);
    let authed = http
        .get(&plain)
        .basic_auth("api", Some(ADMIN_KEY))
        .send()
        .await
        .unwrap();
    assert_eq!(authed.status(), 200);

    // Deleting the file removes it.
    let id = node["id"].as_str().unwrap();
    let answer = server
        .raw_graphql(
            ADMIN_KEY,
            json!({ "query": "mutation($f: [ID!]!) { deleteFiles(input: {files: $f}) { success } }", "variables": { "f": [id] } }),
        )
        .await;
    assert_eq!(answer["data"]["deleteFiles"]["success"], true, "{answer}");
    assert_eq!(http.get(direct).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn file_names_that_escape_the_run_are_refused() {
    let server = TestServer::start().await;
    create_run(&server, "r1").await;
    for bad in ["../../etc/passwd", "/abs/path", "a/../../b", ""] {
        let answer = server
            .raw_graphql(
                ADMIN_KEY,
                json!({
                    "query": "mutation($files: [String!]!) { createRunFiles(input: {entityName: \"admin\", projectName: \"logging\", runName: \"r1\", files: $files}) { runID } }",
                    "variables": { "files": [bad] },
                }),
            )
            .await;
        let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("is not allowed"), "{bad:?}: {answer}");
    }
    // Straight to the upload route, with credentials.
    let put = reqwest::Client::new()
        .put(format!(
            "{}/files/admin/logging/r1/a%2F..%2F..%2Fx",
            server.base_url
        ))
        .basic_auth("api", Some(ADMIN_KEY))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 400);
}

#[tokio::test]
async fn oversized_stream_bodies_are_refused_with_413() {
    let server = TestServer::start().await;
    create_run(&server, "r1").await;
    let line = format!("{{\"_step\": 0, \"blob\": \"{}\"}}", "x".repeat(1 << 20));
    let lines: Vec<&str> = std::iter::repeat_n(line.as_str(), 70).collect();
    let (status, _) = stream(&server, Some(ADMIN_KEY), "r1", history(0, &lines)).await;
    assert_eq!(status, 413);
}

#[tokio::test]
async fn deleting_a_run_removes_its_history_and_files() {
    let server = TestServer::start().await;
    let id = create_run(&server, "r1").await;
    stream(
        &server,
        Some(ADMIN_KEY),
        "r1",
        history(0, &["{\"_step\": 0}"]),
    )
    .await;
    let answer = server
        .raw_graphql(
            ADMIN_KEY,
            json!({ "query": "mutation($id: ID!) { deleteRun(input: {id: $id}) { clientMutationId } }", "variables": { "id": id } }),
        )
        .await;
    assert!(answer["errors"].is_null(), "{answer}");
    let answer = server
        .raw_graphql(
            ADMIN_KEY,
            json!({ "query": "{ project(name: \"logging\", entityName: \"admin\") { run(name: \"r1\") { id } } }" }),
        )
        .await;
    assert_eq!(answer["data"]["project"]["run"], Value::Null);
    let (status, _) = stream(
        &server,
        Some(ADMIN_KEY),
        "r1",
        history(1, &["{\"_step\": 1}"]),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn history_streams_as_json_lines_with_ranges_and_keys() {
    let server = TestServer::start().await;
    create_run(&server, "r1").await;
    let lines: Vec<String> = (0..12_000)
        .map(|i| {
            if i % 2 == 0 {
                format!("{{\"_step\": {i}, \"loss\": {i}, \"even\": true}}")
            } else {
                format!("{{\"_step\": {i}, \"loss\": NaN}}")
            }
        })
        .collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (status, _) = stream(&server, Some(ADMIN_KEY), "r1", history(0, &refs)).await;
    assert_eq!(status, 200);

    let get = |query: &'static str, key: Option<&'static str>| {
        let url = format!(
            "{}/cairn/v1/runs/admin/logging/r1/history{query}",
            server.base_url
        );
        async move {
            let mut request = reqwest::Client::new().get(url);
            if let Some(key) = key {
                request = request.basic_auth("api", Some(key));
            }
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let (status, all) = get("", Some(ADMIN_KEY)).await;
    assert_eq!(status, 200);
    let all: Vec<&str> = all.lines().collect();
    assert_eq!(all.len(), 12_000, "every row, across several chunks");
    assert_eq!(all, refs, "rows come back exactly as sent, in step order");

    let (_, range) = get("?min_step=100&max_step=105", Some(ADMIN_KEY)).await;
    assert_eq!(range.lines().collect::<Vec<_>>(), refs[100..105]);

    let (_, projected) = get("?keys=_step,even&max_step=6", Some(ADMIN_KEY)).await;
    let rows: Vec<Value> = projected
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        rows,
        vec![
            json!({"_step": 0, "even": true}),
            json!({"_step": 2, "even": true}),
            json!({"_step": 4, "even": true}),
        ],
        "only rows having every key, projected onto them"
    );

    let (status, _) = get("", None).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_silent_run_is_marked_crashed_and_revives_when_it_streams_again() {
    let server = TestServer::start_with(|config| {
        config.run_timeout = std::time::Duration::from_millis(600);
    })
    .await;
    create_run(&server, "r1").await;
    stream(
        &server,
        Some(ADMIN_KEY),
        "r1",
        history(0, &["{\"_step\": 0}"]),
    )
    .await;
    let mut state = String::new();
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        state = run_fields(&server, "r1", "state").await["state"]
            .as_str()
            .unwrap()
            .to_string();
        if state == "crashed" {
            break;
        }
    }
    assert_eq!(state, "crashed");
    stream(
        &server,
        Some(ADMIN_KEY),
        "r1",
        history(1, &["{\"_step\": 1}"]),
    )
    .await;
    assert_eq!(run_fields(&server, "r1", "state").await["state"], "running");
}

#[tokio::test]
async fn many_runs_starting_at_once_in_a_new_project_all_succeed() {
    let server = TestServer::start().await;
    let starts = (0..16).map(|i| {
        server.raw_graphql(
            ADMIN_KEY,
            json!({
                "query": "mutation($name: String) { upsertBucket(input: {name: $name, modelName: \"fresh-sweep\", entityName: \"admin\"}) { bucket { id } inserted } }",
                "variables": { "name": format!("run{i}") },
            }),
        )
    });
    for answer in futures_util::future::join_all(starts).await {
        assert_eq!(answer["data"]["upsertBucket"]["inserted"], true, "{answer}");
    }
}

/// `run.alert(...)` as wandb-core sends it.
async fn alert(server: &TestServer, key: &str) -> Value {
    server
        .raw_graphql(
            key,
            json!({
                "query": "mutation NotifyScriptableRunAlert($entityName: String!, $projectName: String!, $runName: String!, $title: String!, $text: String!, $severity: AlertSeverity = INFO, $waitDuration: Duration) { notifyScriptableRunAlert(input: {entityName: $entityName, projectName: $projectName, runName: $runName, title: $title, text: $text, severity: $severity, waitDuration: $waitDuration}) { success } }",
                "variables": { "entityName": "admin", "projectName": "logging", "runName": "r1", "title": "t", "text": "x", "severity": "WARN", "waitDuration": 60000 },
            }),
        )
        .await
}

#[tokio::test]
async fn alerts_are_accepted_for_runs_the_caller_may_write() {
    let server = TestServer::start().await;
    create_run(&server, "r1").await;
    let answer = alert(&server, ADMIN_KEY).await;
    assert_eq!(
        answer["data"]["notifyScriptableRunAlert"]["success"], true,
        "{answer}"
    );
    let (_, _, outsider) = server.new_user("alerter@example.com").await;
    let answer = alert(&server, &outsider).await;
    assert!(answer["errors"][0]["message"].is_string(), "{answer}");
}

/// PUT to `url` over a bare connection: `headers` (each ending in CRLF),
/// then `body` as is; returns the status line and the body of the answer,
/// or panics if none comes within 10 s.
async fn raw_put(url: &str, headers: &str, body: &[u8]) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut tcp = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!("PUT {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{headers}\r\n");
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(body).await.unwrap();
    let mut answer = Vec::new();
    let read = tcp.read_to_end(&mut answer);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), read)
        .await
        .expect("an answer");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.lines().next().unwrap_or_default().to_string();
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// PUT `chunks` to `url` in chunked encoding (no `Content-Length`), the
/// way a client streaming a file of unknown size sends it.
async fn put_chunked(url: &str, chunks: &[&[u8]]) -> (String, String) {
    let mut body = Vec::new();
    for chunk in chunks {
        body.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        body.extend_from_slice(chunk);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"0\r\n\r\n");
    raw_put(url, "Transfer-Encoding: chunked\r\n", &body).await
}

// Regression: a 100 MB PUT to a run file's URL was stored whole, whatever
// its size.
#[tokio::test]
async fn run_files_over_the_size_limit_are_refused_with_413_and_nothing_is_stored() {
    let server = TestServer::start_with(|c| c.max_run_file_bytes = 1000).await;
    create_run(&server, "r1").await;
    let answer = server
        .raw_graphql(
            ADMIN_KEY,
            json!({
                "query": "mutation { createRunFiles(input: {entityName: \"admin\", projectName: \"logging\", runName: \"r1\", files: [\"ckpt.bin\"]}) { files { uploadUrl } } }",
            }),
        )
        .await;
    let url = answer["data"]["createRunFiles"]["files"][0]["uploadUrl"]
        .as_str()
        .unwrap()
        .to_string();
    let http = reqwest::Client::new();

    // At the limit: stored.
    let put = http.put(&url).body(vec![1u8; 1000]).send().await.unwrap();
    assert_eq!(put.status(), 200);

    // Over it, with Content-Length: refused before the body is read.
    let put = http.put(&url).body(vec![2u8; 1001]).send().await.unwrap();
    assert_eq!(put.status(), 413);
    let body: Value = put.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["message"],
        "The run file \"ckpt.bin\" is 1001 bytes; the limit is 1000 bytes (--max-run-file-size).",
        "{body}"
    );

    // A declared length over the limit is answered at once: the server
    // does not wait for a body that never comes.
    let (status, body) = raw_put(&url, "Content-Length: 1000000000000\r\n", b"").await;
    assert!(status.contains(" 413 "), "{status}");
    assert!(body.contains("is 1000000000000 bytes"), "{body}");

    // Over it, streamed without a length: refused once the limit is passed.
    let (status, body) = put_chunked(&url, &[&[3u8; 600], &[3u8; 600]]).await;
    assert!(status.contains(" 413 "), "{status}");
    assert!(
        body.contains("is more than 1000 bytes; the limit is 1000 bytes (--max-run-file-size)"),
        "{body}"
    );
    // Streamed within the limit: stored.
    let (status, _) = put_chunked(&url, &[&[4u8; 500], &[4u8; 500]]).await;
    assert!(status.contains(" 200 "), "{status}");

    // The refused uploads left the last stored version alone, and no
    // partial file behind.
    let run = run_fields(
        &server,
        "r1",
        "files(names: [\"ckpt.bin\"]) { edges { node { sizeBytes directUrl } } }",
    )
    .await;
    let node = &run["files"]["edges"][0]["node"];
    assert_eq!(node["sizeBytes"], 1000);
    let bytes = http
        .get(node["directUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), &[4u8; 1000][..]);
    let tmp = server.data_dir().join("blobs/tmp");
    let left: usize = std::fs::read_dir(&tmp)
        .unwrap()
        .map(|shard| std::fs::read_dir(shard.unwrap().path()).unwrap().count())
        .sum();
    assert_eq!(left, 0, "no temporary file is left behind");
}

#[tokio::test]
async fn run_files_larger_than_the_request_body_limit_are_accepted_up_to_their_own_limit() {
    // The 64 MiB default for request bodies is for GraphQL and file_stream;
    // run files (checkpoints saved with `run.save`) have their own limit.
    let server = TestServer::start_with(|c| c.max_body_bytes = 1000).await;
    create_run(&server, "r1").await;
    let put = reqwest::Client::new()
        .put(format!(
            "{}/files/admin/logging/r1/big.bin",
            server.base_url
        ))
        .basic_auth("api", Some(ADMIN_KEY))
        .body(vec![5u8; 5000])
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
}
