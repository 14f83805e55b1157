"""Reports and saved workspaces (W&B "views") with the official libraries:
`wandb-workspaces` (`Report(...).save()`, `Report.from_url`,
`Workspace(...).save()`, `Workspace.from_url`, `Report.delete()`) and the
client's own `api.reports(path, name=)` / `BetaReport`.

The raw `upsertView` / `view` / `deleteView` answers are checked too: the
spec is stored byte for byte, errors name what is wrong, drafts stay their
author's, and access follows the project. The URLs the libraries print
answer (JSON until the web UI exists).
"""

from __future__ import annotations

import json

import pytest
import requests
import wandb

from conftest import ADMIN_KEY, use_global_credentials, wandb_env

try:
    import wandb_workspaces.reports.v2 as wr
    import wandb_workspaces.workspaces as ws
except ImportError:  # scripts/test installs it only for clients it supports
    wr = ws = None

needs_workspaces = pytest.mark.skipif(
    wr is None, reason=f"wandb-workspaces needs wandb>=0.28.2, this is {wandb.__version__}"
)

ENTITY = "admin"

UPSERT = """
mutation($id: ID, $entity: String, $project: String, $type: String, $name: String,
         $displayName: String, $description: String, $spec: String) {
  upsertView(input: {id: $id, entityName: $entity, projectName: $project, type: $type, name: $name,
                     displayName: $displayName, description: $description, spec: $spec,
                     createdUsing: WANDB_SDK}) {
    view { id name displayName type spec user { username } project { name entityName } }
    inserted
  }
}"""

VIEW = "query($id: ID!) { view(id: $id) { id name displayName description spec type updatedAt createdAt } }"
DELETE = "mutation($id: ID!, $d: Boolean) { deleteView(input: {id: $id, deleteDrafts: $d}) { success pendingDrafts } }"


def _ok(server, query, variables, key=ADMIN_KEY):
    resp = server.gql(query, variables, key=key)
    assert "errors" not in resp, resp
    return resp["data"]


def _error(server, query, variables, key=ADMIN_KEY) -> str:
    resp = server.gql(query, variables, key=key)
    assert resp.get("errors"), resp
    return resp["errors"][0]["message"]


def _project(server, name: str) -> str:
    server.upsert_run(ENTITY, name, "seed-run")
    return name


def _auth(key=ADMIN_KEY):
    import base64

    return {"Authorization": "Basic " + base64.b64encode(f"api:{key}".encode()).decode()}


@pytest.fixture()
def as_admin(server, tmp_path):
    """The libraries build their own `wandb.Api()` from the environment and
    wandb's global settings; point both at this server and key."""
    with wandb_env(server, tmp_path):
        use_global_credentials(server)
        yield


@needs_workspaces
def test_report_save_load_edit_list_and_delete(server, as_admin, start_run, unique):
    project = f"{unique}-reports"
    run = start_run(project, entity=ENTITY, config={"lr": 0.02})
    run.log({"loss": 1.0})
    run.finish()

    report = wr.Report(
        entity=ENTITY,
        project=project,
        title="Weekly",
        description="What we learned",
        blocks=[
            wr.H1("Results"),
            wr.P("Loss went down."),
            wr.PanelGrid(
                runsets=[wr.Runset(entity=ENTITY, project=project, filters="Config('lr') >= 0.01")],
                panels=[wr.LinePlot(x="Step", y=["loss"])],
            ),
        ],
    )
    report.save()
    assert report.id
    assert report.url == f"{server.url}/{ENTITY}/{project}/reports/Weekly--{report.id.rstrip('=')}"

    loaded = wr.Report.from_url(report.url)
    assert loaded.id == report.id
    assert loaded.title == "Weekly"
    assert loaded.description == "What we learned"
    assert [type(b).__name__ for b in loaded.blocks] == ["H1", "P", "PanelGrid"]
    assert loaded.blocks[2].runsets[0].project == project

    loaded.title = "Weekly (edited)"
    loaded.save()
    assert loaded.id == report.id  # changed, not copied

    api = server.api()
    reports = list(api.reports(f"{ENTITY}/{project}"))
    assert [r.display_name for r in reports] == ["Weekly (edited)"]
    listed = reports[0]
    assert listed.id == report.id
    assert listed.description == "What we learned"
    assert listed.user["username"] == ENTITY
    assert listed.created_at and listed.updated_at
    assert [b["type"] for b in listed.spec["blocks"]][1:4] == ["heading", "paragraph", "panel-grid"]
    by_name = list(api.reports(f"{ENTITY}/{project}", name=listed.name))
    assert [r.id for r in by_name] == [report.id]
    assert list(api.reports(f"{ENTITY}/{project}", name="no-such-report")) == []

    # `from_path` builds the report locally; its URL is the one above.
    assert listed.url == f"{server.url}/{ENTITY}/{project}/reports/Weekly-edited--{report.id.rstrip('=')}"

    assert loaded.delete() is True
    # (A fresh `Api`: each one caches the reports it listed.)
    assert list(server.api().reports(f"{ENTITY}/{project}")) == []
    assert _ok(server, VIEW, {"id": report.id})["view"] is None


@needs_workspaces
def test_workspace_save_and_load_from_its_url(server, as_admin, unique):
    project = _project(server, f"{unique}-ws")
    workspace = ws.Workspace(
        entity=ENTITY,
        project=project,
        name="My view",
        sections=[ws.Section(name="Loss", panels=[wr.LinePlot(y=["loss"])])],
    )
    workspace.save()
    assert workspace.url.startswith(f"{server.url}/{ENTITY}/{project}?nw=")

    loaded = ws.Workspace.from_url(workspace.url)
    assert loaded.name == "My view"
    assert [s.name for s in loaded.sections] == ["Loss"]

    # Saving again changes the same view.
    loaded.name = "My view, renamed"
    loaded.save()
    assert loaded.url == workspace.url
    views = _ok(
        server,
        'query($p: String!) { project(name: $p, entityName: "admin") { allViews(viewType: "project-view") '
        "{ edges { node { id displayName } } } } }",
        {"p": project},
    )["project"]["allViews"]["edges"]
    assert [v["node"]["displayName"] for v in views] == ["My view, renamed"]

    # Workspaces are not reports.
    assert list(server.api().reports(f"{ENTITY}/{project}")) == []


@needs_workspaces
def test_printed_urls_answer(server, as_admin, unique):
    project = _project(server, f"{unique}-urls")
    report = wr.Report(entity=ENTITY, project=project, title="A title", blocks=[wr.P("x")])
    report.save()
    got = requests.get(report.url, headers=_auth(), timeout=30)
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["type"] == "report"
    assert body["displayName"] == "A title"
    assert body["spec"]["blocks"][1]["type"] == "paragraph"

    # A browser without credentials is asked for them.
    anonymous = requests.get(report.url, timeout=30)
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Basic")

    workspace = ws.Workspace(entity=ENTITY, project=project, name="W", sections=[])
    workspace.save()
    got = requests.get(workspace.url, headers=_auth(), timeout=30)
    assert got.status_code == 200, got.text
    assert got.json()["type"] == "workspace"
    assert got.json()["displayName"] == "W"

    project_page = requests.get(f"{server.url}/{ENTITY}/{project}", headers=_auth(), timeout=30)
    assert project_page.status_code == 200
    assert project_page.json()["project"]["name"] == project

    missing = requests.get(f"{server.url}/{ENTITY}/{project}/reports/Gone--Vmlldzo5OTk5", headers=_auth(), timeout=30)
    assert missing.status_code == 404
    assert "No report" in missing.json()["error"]


def test_spec_is_stored_exactly_and_must_be_json(server, unique):
    project = _project(server, f"{unique}-spec")
    # Key order, spacing, escapes and big numbers survive byte for byte.
    spec = '{"z": 1,  "a": [1.0, 1e400, "\\u00e9\\n"], "n": 12345678901234567890}'
    made = _ok(server, UPSERT, {"entity": ENTITY, "project": project, "type": "runs", "name": "exact",
                                "displayName": "Exact", "spec": spec})["upsertView"]
    assert made["inserted"] is True
    assert made["view"]["spec"] == spec
    assert _ok(server, VIEW, {"id": made["view"]["id"]})["view"]["spec"] == spec

    message = _error(server, UPSERT, {"entity": ENTITY, "project": project, "type": "runs", "name": "bad",
                                      "displayName": "Bad", "spec": "{not json"})
    assert "not valid JSON" in message
    assert _error(server, UPSERT, {"entity": ENTITY, "project": project, "name": "nospec"}).startswith(
        "spec: a new view needs its spec"
    )
    # Nothing of the refused ones was stored.
    names = [r.name for r in server.api().reports(f"{ENTITY}/{project}")]
    assert names == ["exact"]

    # Upserting by name changes the view; a report never becomes a workspace.
    again = _ok(server, UPSERT, {"entity": ENTITY, "project": project, "type": "runs", "name": "exact",
                                 "spec": "[]"})["upsertView"]
    assert again["inserted"] is False
    assert again["view"]["id"] == made["view"]["id"]
    assert again["view"]["displayName"] == "Exact"
    assert "cannot become" in _error(server, UPSERT, {"id": made["view"]["id"], "type": "project-view"})
    assert "not a valid View id" in _error(server, VIEW, {"id": "nonsense"})
    assert _error(server, UPSERT, {"id": "Vmlldzo5OTk5OTk=", "spec": "{}"}).startswith("No view with id 999999")


def test_drafts_are_their_authors_alone(server, unique):
    project = _project(server, f"{unique}-drafts")
    published = _ok(server, UPSERT, {"entity": ENTITY, "project": project, "type": "runs", "name": "pub",
                                     "displayName": "Published", "spec": "{}"})["upsertView"]["view"]
    draft = server.gql(
        'mutation($p: String!, $parent: ID) { upsertView(input: {entityName: "admin", projectName: $p, '
        'type: "runs/draft", name: "pub-draft", spec: "{}", parentId: $parent}) { view { id type } inserted } }',
        {"p": project, "parent": published["id"]},
    )["data"]["upsertView"]["view"]
    assert draft["type"] == "runs/draft"

    # Drafts are not reports, and nobody else sees them.
    assert [r.display_name for r in server.api().reports(f"{ENTITY}/{project}")] == ["Published"]
    _, _, other_admin = server.new_user(admin=False)
    assert _ok(server, VIEW, {"id": draft["id"]}, key=other_admin)["view"] is None

    # Deleting a view with drafts asks first, then takes them along.
    assert _ok(server, DELETE, {"id": published["id"]})["deleteView"] == {"success": False, "pendingDrafts": True}
    assert _ok(server, VIEW, {"id": published["id"]})["view"] is not None
    assert _ok(server, DELETE, {"id": published["id"], "d": True})["deleteView"] == {
        "success": True,
        "pendingDrafts": False,
    }
    assert _ok(server, VIEW, {"id": draft["id"]})["view"] is None


def test_access_follows_the_project(server, unique):
    project = _project(server, f"{unique}-access")
    made = _ok(server, UPSERT, {"entity": ENTITY, "project": project, "type": "runs", "name": "mine",
                                "displayName": "Mine", "spec": "{}"})["upsertView"]["view"]
    username, _, key = server.new_user()

    # A private project's views are hidden from others, as the project is.
    assert _ok(server, VIEW, {"id": made["id"]}, key=key)["view"] is None
    assert "No project" in _error(server, UPSERT, {"entity": ENTITY, "project": project, "name": "theirs",
                                                   "spec": "{}"}, key=key)
    assert "No view with id" in _error(server, DELETE, {"id": made["id"], "d": True}, key=key)

    # Readers of a readable project read its reports but change none.
    _ok(server, 'mutation($p: String!) { upsertModel(input: {name: $p, entityName: "admin", access: "USER_READ"}) '
                "{ project { name } } }", {"p": project})
    assert _ok(server, VIEW, {"id": made["id"]}, key=key)["view"]["displayName"] == "Mine"
    assert [r.display_name for r in server.api(key).reports(f"{ENTITY}/{project}")] == ["Mine"]
    for query, variables in [
        (UPSERT, {"entity": ENTITY, "project": project, "name": "theirs", "spec": "{}"}),
        (UPSERT, {"id": made["id"], "displayName": "Hijacked"}),
        (DELETE, {"id": made["id"], "d": True}),
    ]:
        assert 'only members of "admin" may change it' in _error(server, query, variables, key=key)
    assert _ok(server, VIEW, {"id": made["id"]})["view"]["displayName"] == "Mine"

    # Their own project is theirs to report on; admin's view cannot move there.
    server.upsert_run(username, "own", "seed", key=key)
    theirs = _ok(server, UPSERT, {"entity": username, "project": "own", "name": "r", "spec": "{}"}, key=key)
    assert theirs["upsertView"]["view"]["user"]["username"] == username
    assert "cannot move" in _error(server, UPSERT, {"id": made["id"], "entity": username, "project": "own"})


def test_report_runs_of_a_section(server, unique):
    """`BetaReport.runs(section)` reads the legacy spec shape (`panelGroups`
    with `filters` trees); the runs come from the server's run search."""
    project = _project(server, f"{unique}-sections")
    for name, lr in [("low", 0.001), ("high", 0.1)]:
        server.upsert_run(ENTITY, project, name, config=json.dumps({"lr": {"value": lr}}))
    run_set = {
        "filters": {
            "op": "OR",
            "filters": [
                {"op": "AND", "filters": [{"key": {"section": "config", "name": "lr"}, "op": ">=", "value": 0.01}]}
            ],
        },
        "sort": {"key": {"section": "run", "name": "createdAt"}, "ascending": False},
        "selections": {"root": 1, "bounds": [], "tree": []},
    }
    spec = json.dumps({"panelGroups": [{"name": "S", "openRunSet": 0, "runSets": [run_set]}]})
    _ok(server, UPSERT, {"entity": ENTITY, "project": project, "name": "legacy", "displayName": "Legacy",
                         "spec": spec})
    (report,) = server.api().reports(f"{ENTITY}/{project}")
    section = report.sections[0]
    assert [r.id for r in report.runs(section, only_selected=False)] == ["high"]
