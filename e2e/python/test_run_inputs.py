"""Bad input to the run endpoints gets a clear error and changes nothing.

Covers file_stream bodies (malformed JSON, bad lines, oversized lines and
bodies, unknown runs, missing credentials), run upserts (bad config,
state, names), and run-file names (path traversal, absolute paths) on
both `createRunFiles` and the upload/download URLs. The official client
sanitises file names itself, so the hostile names are sent raw.
"""

from __future__ import annotations

import json
import math

import pytest
import requests

from test_runs import console_lines

@pytest.fixture
def run(server, unique):
    """A fresh run `admin/<unique>/r`; returns its project."""
    server.upsert_run("admin", unique, "r", state="running")
    return unique


def _history_count(server, project, name="r"):
    return server.api().run(f"admin/{project}/{name}")._attrs["historyLineCount"]


def _history(lines, offset=0):
    return {"files": {"wandb-history.jsonl": {"offset": offset, "content": lines}}}


# ---------------------------------------------------------------- file_stream


def test_a_body_that_is_not_json_is_a_400(server, run):
    resp = server.file_stream("admin", run, "r", b"{not json")
    assert resp.status_code == 400
    assert "not valid" in resp.json()["error"]


def test_a_bad_history_line_rejects_the_whole_request_and_names_the_line(server, run):
    lines = [json.dumps({"_step": 0, "x": 1}), json.dumps({"_step": 1, "x": 2}), "[1, 2]"]
    resp = server.file_stream("admin", run, "r", _history(lines, offset=5))
    assert resp.status_code == 400
    message = resp.json()["error"]
    assert "wandb-history.jsonl" in message and "line 7" in message, message
    assert _history_count(server, run) == 0, "nothing of a rejected request is stored"

    resp = server.file_stream("admin", run, "r", _history(["{oops"]))
    assert resp.status_code == 400 and "not valid JSON" in resp.json()["error"]
    resp = server.file_stream("admin", run, "r", _history([json.dumps({"_step": "three"})]))
    assert resp.status_code == 400 and "_step" in resp.json()["error"]
    resp = server.file_stream("admin", run, "r", _history([json.dumps({"_step": 1})], offset=-1))
    assert resp.status_code == 400 and "offset" in resp.json()["error"]
    bad_summary = {"files": {"wandb-summary.json": {"offset": 0, "content": ["[]"]}}}
    resp = server.file_stream("admin", run, "r", bad_summary)
    assert resp.status_code == 400 and "wandb-summary.json" in resp.json()["error"]
    assert _history_count(server, run) == 0


def test_an_oversized_line_is_refused_with_the_limit(server, run):
    small = json.dumps({"_step": 0, "x": 1})
    huge = json.dumps({"_step": 1, "blob": "x" * (11 << 20)})
    resp = server.file_stream("admin", run, "r", _history([small, huge]))
    assert resp.status_code == 400
    message = resp.json()["error"]
    assert "line 1" in message and "limit" in message, message
    assert _history_count(server, run) == 0


def test_an_oversized_body_is_a_413(server, run):
    lines = [json.dumps({"_step": i, "blob": "y" * (1 << 20)}) for i in range(70)]
    resp = server.file_stream("admin", run, "r", _history(lines))
    assert resp.status_code == 413
    assert "limit" in resp.text
    assert _history_count(server, run) == 0


def test_streaming_to_an_unknown_run_is_a_404(server, run):
    resp = server.file_stream("admin", run, "ghost", _history([json.dumps({"_step": 0})]))
    assert resp.status_code == 404
    assert "upsertBucket" in resp.json()["error"]


def test_streaming_needs_credentials_and_membership(server, run):
    url = f"{server.url}/files/admin/{run}/r/file_stream"
    assert requests.post(url, json=_history([json.dumps({"_step": 0})]), timeout=10).status_code == 401
    _, _, outsider_key = server.new_user()
    resp = server.file_stream("admin", run, "r", _history([json.dumps({"_step": 0})]), key=outsider_key)
    assert resp.status_code in (403, 404), resp.text
    assert _history_count(server, run) == 0


def test_a_resent_request_is_stored_once(server, run):
    body = _history([json.dumps({"_step": s, "x": s}) for s in range(3)])
    for _ in range(2):
        assert server.file_stream("admin", run, "r", body).status_code == 200
    rows = list(server.api().run(f"admin/{run}/r").scan_history())
    assert [r["_step"] for r in rows] == [0, 1, 2]
    assert _history_count(server, run) == 3


def test_console_lines_may_be_rewritten_in_place(server, run):
    """Progress bars: wandb-core resends an earlier offset with new text."""

    def log(offset, lines):
        body = {"files": {"output.log": {"offset": offset, "content": lines}}}
        assert server.file_stream("admin", run, "r", body).status_code == 200

    log(0, ["2026-01-01T00:00:00.000000 start", "2026-01-01T00:00:01.000000 progress 10%"])
    log(1, ["2026-01-01T00:00:02.000000 progress 100%", "2026-01-01T00:00:03.000000 ERROR boom"])
    lines = console_lines(server, f"admin/{run}/r")
    assert [content for content, _ in lines] == ["start", "progress 100%", "boom"]
    assert lines[2][1] == "error"


def test_preempting_stop_and_exit_codes_reach_the_run(server, run):
    api = server.api()
    assert server.file_stream("admin", run, "r", {"preempting": True}).status_code == 200
    assert api.run(f"admin/{run}/r").state == "preempting"
    public_run = server.api().run(f"admin/{run}/r")
    if hasattr(public_run, "stop"):
        public_run.stop()
    else:
        # Before 0.28.1 the client has no `Run.stop()`: send the request it sends.
        resp = server.gql(
            "mutation($id: ID!) { stopRun(input: {id: $id}) { success } }", {"id": public_run._attrs["id"]}
        )
        assert resp["data"]["stopRun"]["success"] is True, resp
    answer = server.file_stream("admin", run, "r", {})
    assert answer.status_code == 200 and answer.json().get("stopped") is True
    done = server.file_stream("admin", run, "r", {"complete": True, "exitcode": 137})
    assert done.status_code == 200
    assert server.api().run(f"admin/{run}/r").state == "failed"


def test_streaming_to_a_deleted_run_is_a_404(server, run):
    server.api().run(f"admin/{run}/r").delete()
    resp = server.file_stream("admin", run, "r", _history([json.dumps({"_step": 0})]))
    assert resp.status_code == 404


def test_an_oversized_graphql_request_is_a_413(server, unique):
    server.api().create_project(unique, "admin")
    resp = requests.post(
        f"{server.url}/graphql",
        json={
            "query": UPSERT,
            "variables": {
                "input": {
                    "entityName": "admin",
                    "modelName": unique,
                    "name": "big",
                    "config": json.dumps({"blob": {"value": "z" * (70 << 20)}}),
                }
            },
        },
        headers=server.basic_auth(),
        timeout=60,
    )
    assert resp.status_code == 413
    assert "limit" in resp.text
    assert [r.id for r in server.api().runs(f"admin/{unique}")] == []


# ---------------------------------------------------------------- upserts


UPSERT = (
    "mutation($input: UpsertBucketInput!) { upsertBucket(input: $input) { bucket { id name } } }"
)


@pytest.mark.parametrize(
    "fields, named",
    [
        ({"name": "a/b"}, "a/b"),
        ({"name": "../up"}, "../up"),
        ({"name": "r", "config": "[1, 2]"}, "config"),
        ({"name": "r", "config": "{oops"}, "config"),
        ({"name": "r", "summaryMetrics": "7"}, "summary"),
        ({"name": "r", "state": "exploded"}, "exploded"),
    ],
)
def test_bad_upserts_are_refused_with_a_clear_error(server, unique, fields, named):
    resp = server.gql(UPSERT, {"input": {"entityName": "admin", "modelName": unique, **fields}})
    assert "errors" in resp, resp
    assert named in resp["errors"][0]["message"], resp


def test_config_and_summary_keep_nan_and_infinity_exactly(server, unique):
    """The client writes non-finite numbers as bare NaN/Infinity tokens;
    they are stored and read back as such."""
    config = '{"lr": {"value": NaN}, "clip": {"value": Infinity}, "nested": {"value": {"low": -Infinity, "ok": 1.5}}}'
    summary = '{"loss": NaN, "deep": {"a": [1, Infinity, {"b": -Infinity}]}, "s": "NaN"}'
    server.upsert_run("admin", unique, "nan", config=config, summaryMetrics=summary)
    raw = server.gql(
        '{ project(name: "%s", entityName: "admin") { run(name: "nan") { config summaryMetrics } } }' % unique
    )["data"]["project"]["run"]
    assert raw["config"] == config
    assert raw["summaryMetrics"] == summary

    run = server.api().run(f"admin/{unique}/nan")
    assert math.isnan(run.config["lr"]) and run.config["clip"] == math.inf
    assert run.config["nested"] == {"low": -math.inf, "ok": 1.5}
    assert math.isnan(run.summary["loss"])
    assert run.summary["s"] == "NaN", "a string stays a string"
    assert list(run.summary["deep"]["a"])[:2] == [1, math.inf]


# ---------------------------------------------------------------- file names

CREATE_RUN_FILES = """
mutation($e: String!, $p: String!, $r: String!, $files: [String!]!) {
  createRunFiles(input: {entityName: $e, projectName: $p, runName: $r, files: $files}) {
    runID uploadHeaders files { name uploadUrl }
  }
}
"""


@pytest.mark.parametrize(
    "name",
    ["../escape.txt", "a/../../escape.txt", "/etc/passwd", "./x", "a//b", "a\\b", "..", ""],
)
def test_hostile_file_names_are_refused_by_create_run_files(server, run, name):
    resp = server.gql(CREATE_RUN_FILES, {"e": "admin", "p": run, "r": "r", "files": ["ok.txt", name]})
    assert "errors" in resp, resp
    message = resp["errors"][0]["message"]
    assert "not allowed" in message and json.dumps(name) in message, message


@pytest.mark.parametrize(
    "encoded",
    ["%2e%2e/escape.txt", "%2e%2e%2f%2e%2e%2fescape.txt", "a/%2e%2e/%2e%2e/escape.txt", "%2fetc%2fpasswd", "a%5cb"],
)
def test_hostile_file_names_in_upload_urls_are_refused(server, run, encoded):
    url = f"{server.url}/files/admin/{run}/r/{encoded}"
    put = requests.put(url, data=b"evil", headers=server.basic_auth(), timeout=10)
    assert put.status_code == 400, (put.status_code, put.text)
    assert "not allowed" in put.json()["error"]
    get = requests.get(url, headers=server.basic_auth(), timeout=10)
    assert get.status_code == 400, (get.status_code, get.text)
    assert [f.name for f in server.api().run(f"admin/{run}/r").files()] == []
    # Nothing was written anywhere under the data directory.
    assert not [p for p in server.data_dir.rglob("*") if p.name in ("escape.txt", "passwd", "a\\b")]


def test_nested_and_unicode_names_work(server, run, tmp_path):
    names = ["media/images/a b.png", "ünï/cödé.txt", "deep/er/still/x.json"]
    resp = server.gql(CREATE_RUN_FILES, {"e": "admin", "p": run, "r": "r", "files": names})
    assert "errors" not in resp, resp
    for i, f in enumerate(resp["data"]["createRunFiles"]["files"]):
        assert f["name"] == names[i]
        # The signed URL needs no credentials (wandb-core sends none).
        assert requests.put(f["uploadUrl"], data=f"content {i}".encode(), timeout=10).status_code == 200
    run_obj = server.api().run(f"admin/{run}/r")
    assert sorted(f.name for f in run_obj.files()) == sorted(names)
    run_obj.file("ünï/cödé.txt").download(root=str(tmp_path))
    assert (tmp_path / "ünï" / "cödé.txt").read_text() == "content 1"


def test_upload_urls_need_a_valid_signature_or_credentials(server, run):
    resp = server.gql(CREATE_RUN_FILES, {"e": "admin", "p": run, "r": "r", "files": ["f.txt"]})
    url = resp["data"]["createRunFiles"]["files"][0]["uploadUrl"]
    tampered = url.replace("sig=", "sig=x")
    assert requests.put(tampered, data=b"x", timeout=10).status_code in (401, 403)
    bare = url.split("?")[0]
    assert requests.put(bare, data=b"x", timeout=10).status_code == 401
    assert requests.put(bare, data=b"x", headers={"Authorization": "Basic " + "bm9ib2R5OnNlY3JldA=="}, timeout=10).status_code == 401
    assert [f.name for f in server.api().run(f"admin/{run}/r").files()] == []
