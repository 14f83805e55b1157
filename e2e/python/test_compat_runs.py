"""Run-side wire compatibility with every supported official client.

- Run ids W&B accepts but Cairn's name alphabet did not (`a-=1`): the run
  works everywhere (`wandb.init`, file_stream, file uploads, `api.run`,
  resume); ids that would break a path stay refused.
- `stopRun` takes W&B's name-bearing run id (`Run:v1:<run>:<project>:<entity>`)
  as well as Cairn's own.
- Deleting a run that is already gone answers success, as W&B does.
- `serverInfo.latestLocalVersionInfo`, asked for by the client's server-info
  probe (0.26's `InternalApi.viewer_server_info`).
- The `Sweep` type: older clients look up the sweep of every run that names
  one while listing runs, and failed with `Unknown type "Sweep"`.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess

import pytest
import requests
import wandb

from conftest import ROOT, client_graphql, client_since, wandb_env
from test_runs import init_settings

EQ_ID = "random-run-id-=1234567-seed-0"


def wandb_run_id(entity: str, project: str, run: str) -> str:
    """A run's GraphQL id the way W&B's server encodes it."""
    return base64.b64encode(f"Run:v1:{run}:{project}:{entity}".encode()).decode()


# --- run ids -------------------------------------------------------------


def test_a_run_id_with_equals_works_everywhere(server, tmp_path, unique):
    files = tmp_path / "files"
    files.mkdir()
    (files / "notes.txt").write_text("equals")
    with wandb_env(server, tmp_path):
        run = wandb.init(project=unique, id=EQ_ID, settings=init_settings(server, tmp_path))
        try:
            assert run.id == EQ_ID
            for i in range(3):
                run.log({"x": i})
            run.save(str(files / "notes.txt"), base_path=str(files), policy="now")
        finally:
            run.finish()
        again = wandb.init(project=unique, id=EQ_ID, resume="must", settings=init_settings(server, tmp_path))
        try:
            assert again.resumed and again.starting_step == 3
            again.log({"x": 3})
        finally:
            again.finish()

    read = server.api().run(f"admin/{unique}/{EQ_ID}")
    assert read.id == EQ_ID and read.state == "finished"
    assert [(r["_step"], r["x"]) for r in read.scan_history()] == [(i, i) for i in range(4)]
    notes = [f for f in read.files() if f.name == "notes.txt"]
    assert len(notes) == 1
    notes[0].download(root=str(tmp_path / "down"), replace=True)
    assert (tmp_path / "down" / "notes.txt").read_text() == "equals"
    assert [r.id for r in server.api().runs(f"admin/{unique}")] == [EQ_ID]


def test_run_ids_wandb_accepts_are_accepted_and_path_breakers_refused(server, unique):
    accepted = ["a=b", "x+y@z~w", "50%off", "-dash-first", ".dot-first", "a..b", "ünï"]
    for name in accepted:
        assert server.upsert_run("admin", unique, name)["name"] == name
    listed = {r.id for r in server.api().runs(f"admin/{unique}")}
    assert listed == set(accepted)
    # The Public API finds each by path (file_stream URLs are percent-encoded).
    for name in accepted:
        assert server.api().run(f"admin/{unique}/{name}").id == name

    upsert = (
        "mutation($input: UpsertBucketInput!) { upsertBucket(input: $input) { bucket { name } } }"
    )
    for bad, why in [("a/b", "'/'"), ("a\\b", "'\\\\'"), ("a\nb", "'\\n'"), ("..", "'.' or '..'"), ("", "empty")]:
        resp = server.gql(upsert, {"input": {"entityName": "admin", "modelName": unique, "name": bad}})
        assert resp["data"] is None or resp["data"]["upsertBucket"] is None, (bad, resp)
        message = resp["errors"][0]["message"]
        assert "run id" in message and why in message, (bad, message)
        assert resp["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert {r.id for r in server.api().runs(f"admin/{unique}")} == set(accepted)


def test_file_stream_to_a_run_id_with_equals_takes_a_percent_encoded_path(server, unique):
    server.upsert_run("admin", unique, EQ_ID)
    url = f"{server.url}/files/admin/{unique}/random-run-id-%3D1234567-seed-0/file_stream"
    body = {"files": {"wandb-history.jsonl": {"offset": 0, "content": [json.dumps({"_step": 0, "y": 7})]}}}
    resp = requests.post(url, json=body, headers=server.basic_auth(), timeout=30)
    assert resp.status_code == 200, resp.text
    rows = list(server.api().run(f"admin/{unique}/{EQ_ID}").scan_history())
    assert [(r["_step"], r["y"]) for r in rows] == [(0, 7)]


# --- stopRun -------------------------------------------------------------

STOP = "mutation StopRun($id: ID!) { stopRun(input: {id: $id}) { success } }"
STOPPED = "query($p: String!, $r: String!) { project(name: $p, entityName: \"admin\") { run(name: $r) { stopped } } }"


def _stopped(server, project, run) -> bool:
    return server.gql(STOPPED, {"p": project, "r": run})["data"]["project"]["run"]["stopped"]


def test_stop_run_takes_wandbs_run_id(server, unique):
    server.upsert_run("admin", unique, "stopme")
    assert not _stopped(server, unique, "stopme")
    api = server.api()
    answer = client_graphql(api, STOP, {"id": wandb_run_id("admin", unique, "stopme")})
    assert answer["stopRun"]["success"] is True
    assert _stopped(server, unique, "stopme")


@client_since("0.28.1", "Run.stop()")
def test_public_run_stop_with_wandbs_run_id(server, unique):
    server.upsert_run("admin", unique, "stopme2")
    run = server.api().run(f"admin/{unique}/stopme2")
    # A run handle carrying the id W&B's server would have handed out.
    run._attrs["id"] = wandb_run_id("admin", unique, "stopme2")
    run.stop()
    assert _stopped(server, unique, "stopme2")


def test_stop_run_with_a_wandb_id_of_an_unknown_run_is_not_found(server, unique):
    server.upsert_run("admin", unique, "here")
    resp = server.gql(STOP, {"id": wandb_run_id("admin", unique, "not-here")})
    assert resp["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    resp = server.gql(STOP, {"id": base64.b64encode(b"Run:v1:only-two").decode()})
    assert resp["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


# --- deleteRun -----------------------------------------------------------

DELETE = "mutation DeleteRun($id: ID!) { deleteRun(input: {id: $id}) { clientMutationId } }"


def test_deleting_an_already_deleted_run_succeeds(server, unique):
    server.upsert_run("admin", unique, "gone")
    server.upsert_run("admin", unique, "kept")
    run = server.api().run(f"admin/{unique}/gone")
    run.delete()
    # The same handle again: the run is gone, and that is what was asked.
    run.delete()
    assert [r.id for r in server.api().runs(f"admin/{unique}")] == ["kept"]
    # The server's own answer: no error, a payload.
    resp = server.gql(DELETE, {"id": run._attrs["id"]})
    assert "errors" not in resp, resp
    assert resp["data"]["deleteRun"] == {"clientMutationId": None}
    # So for W&B's id form of a run that is gone.
    resp = server.gql(DELETE, {"id": wandb_run_id("admin", unique, "gone")})
    assert "errors" not in resp, resp
    # A malformed id is still an error.
    resp = server.gql(DELETE, {"id": "not-a-run-id"})
    assert resp["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


def test_deleting_a_run_by_wandbs_id(server, unique):
    server.upsert_run("admin", unique, "bywb")
    answer = client_graphql(server.api(), DELETE, {"id": wandb_run_id("admin", unique, "bywb")})
    assert answer["deleteRun"] == {"clientMutationId": None}
    assert [r.id for r in server.api().runs(f"admin/{unique}")] == []


def test_a_run_others_may_read_but_not_change_is_not_deleted(server, unique):
    _, _, key = server.new_user()
    made = server.gql(
        'mutation($p: String!) { upsertModel(input: {name: $p, entityName: "admin", access: "USER_READ"}) { project { name } } }',
        {"p": unique},
    )
    assert "errors" not in made, made
    server.upsert_run("admin", unique, "mine")
    # The other user sees it.
    assert server.api(key).run(f"admin/{unique}/mine").id == "mine"
    run_id = server.api().run(f"admin/{unique}/mine")._attrs["id"]
    resp = server.gql(DELETE, {"id": run_id}, key=key)
    assert "errors" in resp, resp
    assert [r.id for r in server.api().runs(f"admin/{unique}")] == ["mine"]


def test_deleting_a_run_one_cannot_see_is_an_error_even_by_name(server, unique):
    """Idempotence covers runs that are gone, not runs hidden from the caller,
    so deleteRun never tells an outsider whether a private run exists."""
    _, _, key = server.new_user()
    server.upsert_run("admin", unique, "private")
    run_id = server.api().run(f"admin/{unique}/private")._attrs["id"]
    for id_ in (run_id, wandb_run_id("admin", unique, "private"), wandb_run_id("admin", unique, "nothing")):
        resp = server.gql(DELETE, {"id": id_}, key=key)
        assert resp["errors"][0]["extensions"]["code"] == "NOT_FOUND", resp
    assert [r.id for r in server.api().runs(f"admin/{unique}")] == ["private"]


# --- serverInfo ----------------------------------------------------------

VERSION_INFO = "{ serverInfo { latestLocalVersionInfo { outOfDate latestVersionString versionOnThisInstanceString } } }"


def test_server_info_reports_cairns_version(server):
    resp = server.gql(VERSION_INFO)
    assert "errors" not in resp, resp
    info = resp["data"]["serverInfo"]["latestLocalVersionInfo"]
    assert info["outOfDate"] is False
    assert info["versionOnThisInstanceString"] == info["latestVersionString"]
    assert info["versionOnThisInstanceString"] in server_version(server)


def server_version(server) -> str:
    """What `cairn --version` prints for the binary under test."""
    binary = os.environ.get("CAIRN_BIN", str(ROOT / "target" / "debug" / "cairn"))
    return subprocess.run(
        [binary, "--version"], capture_output=True, text=True, check=True
    ).stdout


def test_the_clients_server_info_probe_gets_an_answer(server, tmp_path):
    """Clients up to 0.29 probe with `InternalApi.viewer_server_info` (wandb
    login, wandb verify, the local-server version check); from 0.30 the
    client no longer ships that module."""
    internal = pytest.importorskip("wandb.sdk.internal.internal_api")
    with wandb_env(server, tmp_path):
        api = internal.Api()
        viewer, info = api.viewer_server_info()
    assert viewer["username"] == "admin"
    assert info["latestLocalVersionInfo"]["outOfDate"] is False
    assert info["latestLocalVersionInfo"]["versionOnThisInstanceString"]


# --- sweeps --------------------------------------------------------------


def test_listing_runs_that_name_a_sweep(server, unique):
    server.upsert_run("admin", unique, "s1", sweep="sw1")
    server.upsert_run("admin", unique, "s2", sweep="sw1")
    server.upsert_run("admin", unique, "plain")
    runs = list(server.api().runs(f"admin/{unique}", order="+created_at"))
    assert [r.id for r in runs] == ["s1", "s2", "plain"]
    assert [r.sweep_name for r in runs] == ["sw1", "sw1", None]
    # No sweep objects exist yet: the client gets none.
    assert all(r.sweep is None for r in runs)


SWEEP_FIELDS = "id name displayName method state description bestLoss config createdAt updatedAt runCount runCountExpected"


def test_sweep_fields_answer_no_sweeps(server, unique):
    server.upsert_run("admin", unique, "s1", sweep="sw1")
    resp = server.gql(
        f"""query($p: String!) {{ project(name: $p, entityName: "admin") {{
            sweep(sweepName: "sw1") {{ {SWEEP_FIELDS} }}
            totalSweeps
            sweeps(first: 10) {{ pageInfo {{ endCursor hasNextPage }} edges {{ node {{ {SWEEP_FIELDS} }} }} }}
            run(name: "s1") {{ sweepName sweep {{ id name }} }}
        }} }}""",
        {"p": unique},
    )
    assert "errors" not in resp, resp
    project = resp["data"]["project"]
    assert project["sweep"] is None
    assert project["totalSweeps"] == 0
    assert project["sweeps"] == {"pageInfo": {"endCursor": None, "hasNextPage": False}, "edges": []}
    assert project["run"] == {"sweepName": "sw1", "sweep": None}
