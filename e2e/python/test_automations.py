"""Automations through the official client's `wandb.automations` and its
`Api` methods: created on a project, a collection and a team, listed by
entity (server-side name filter), without an entity (the client walks the
viewer's projects), updated with their filters intact, and deleted. The
server's own answers are checked too: HTTP 409 for a taken name and 404 for
a missing automation (the client tells them apart only by status), and the
filter text read back.

They use the session server: clients before 0.28 send every `Api`'s
requests to the server of the process's first one."""

from __future__ import annotations

import json

import pytest
import requests
import wandb
from conftest import ADMIN_KEY, CLIENT, client_graphql, client_since
from packaging.version import Version
from test_integrations import create_webhook
from wandb.apis.public import Api


@pytest.fixture
def api(server) -> Api:
    return server.api()


@pytest.fixture
def team(api, unique, start_run) -> str:
    """A team with a project `p` (one run) and a model collection."""
    name = f"{unique}-auto"
    api.create_team(name, admin_username="admin")
    with start_run(entity=name, project="p") as run:
        art = wandb.Artifact("clf", type="model")
        with art.new_file("w.txt") as f:
            f.write("weights")
        run.log_artifact(art)
    return name


def integration_id(api: Api, team: str, name: str) -> str:
    made = create_webhook(api, team, name, "https://hooks.example.com/x")
    return (made.get("result") or made["createGenericWebhookIntegration"])["integration"]["id"]


def test_automations_are_created_listed_updated_and_deleted(server, api, team):
    from wandb.automations import (
        ArtifactEvent,
        DoNothing,
        OnAddArtifactAlias,
        OnCreateArtifact,
        OnLinkArtifact,
        OnRunMetric,
        OnRunState,
        RunEvent,
        SendWebhook,
    )

    integration_id(api, team, "eval hook")
    hook = next(h for h in api.webhook_integrations(entity=team) if h.name == "eval hook")
    project = api.project("p", entity=team)
    collection = api.artifact_collection("model", f"{team}/p/clf")

    loss = api.create_automation(
        OnRunMetric(scope=project, filter=RunEvent.metric("loss").avg(5) > 0.5)
        >> SendWebhook.from_integration(hook, payload={"run": "${run_name}"}),
        name="loss-too-high",
        description="avg(loss) over 5 > 0.5",
    )
    assert loss.name == "loss-too-high"
    assert loss.description == "avg(loss) over 5 > 0.5"
    assert loss.enabled is True
    assert loss.action.request_payload == {"run": "${run_name}"}
    assert loss.action.integration.id == hook.id
    assert loss.event.filter.metric.threshold_filter.window == 5
    # wandb-core before 0.27 knows no AUTOMATION_EVENT_RUN_STATE feature,
    # so those clients refuse run-state automations before asking.
    run_state = CLIENT >= Version("0.27.0")
    if run_state:
        api.create_automation(
            OnRunState(scope=project, filter=RunEvent.state.in_(["failed", "finished"]))
            >> DoNothing(),
            name="run-done",
        )
    link = api.create_automation(
        OnLinkArtifact(scope=collection, filter=ArtifactEvent.alias.eq("prod")) >> DoNothing(),
        name="on-prod-link",
    )
    api.create_automation(OnCreateArtifact(scope=collection) >> DoNothing(), name="on-create")
    api.create_automation(
        OnAddArtifactAlias(scope=project, filter=ArtifactEvent.alias.matches_regex("^prod"))
        >> SendWebhook.from_integration(hook),
        name="alias-hook",
    )

    made = {"loss-too-high", "on-prod-link", "on-create", "alias-hook"}
    # The pinned client's wandb-core knows AUTOMATION_EVENT_RUN_METRIC_ZSCORE.
    if CLIENT >= Version("0.31.0"):
        z = api.create_automation(
            OnRunMetric(scope=project, filter=abs(RunEvent.metric("loss").zscore(20)) > 2.5) >> DoNothing(),
            name="loss-outlier",
        )
        assert z.event.filter.metric.zscore_filter.window == 20
        made.add("loss-outlier")
    names = {a.name for a in api.automations(entity=team, per_page=2)}
    assert names == made | ({"run-done"} if run_state else set())
    assert [a.name for a in api.automations(entity=team, name="on-create")] == ["on-create"]
    got = api.automation(name="loss-too-high", entity=team)
    assert got.id == loss.id
    # Without an entity the client walks the viewer's projects.
    assert any(a.name == "on-prod-link" for a in api.automations())

    # The link filter round-trips: read back wrapped, sent back unwrapped.
    saved = api.automation(name="on-prod-link", entity=team)
    assert saved.event.filter == link.event.filter
    turned_off = api.update_automation(saved, enabled=False)
    assert turned_off.enabled is False
    assert turned_off.event.filter == link.event.filter
    got.enabled = False
    upd = api.update_automation(got, description="disabled for now")
    assert upd.enabled is False and upd.description == "disabled for now"
    assert upd.event.filter == got.event.filter
    upd2 = api.update_automation(
        upd, event=OnRunMetric(scope=project, filter=RunEvent.metric("loss") >= 2)
    )
    assert upd2.event.filter.metric.threshold_filter.cmp == "$gte"

    # A taken name: the client recognises the server's 409.
    with pytest.raises(wandb.errors.CommError, match="exists"):
        api.create_automation(OnCreateArtifact(scope=collection) >> DoNothing(), name="on-create")
    same = api.create_automation(
        OnCreateArtifact(scope=collection) >> DoNothing(), name="on-create", fetch_existing=True
    )
    assert same.name == "on-create"

    assert api.delete_automation(upd2) is True
    assert api.delete_automation(api.automation(name="alias-hook", entity=team).id) is True
    # A missing automation: the client recognises the server's 404.
    with pytest.raises(wandb.errors.CommError, match="not found"):
        api.update_automation(upd2, enabled=True)
    left = made - {"loss-too-high", "alias-hook"} | ({"run-done"} if run_state else set())
    assert {a.name for a in api.automations(entity=team)} == left


@client_since("0.29.0", "automations listed by the server per entity (QUERY_AUTOMATIONS_ON_ENTITY)")
def test_a_team_scope_reads_back_as_the_team(api, team):
    from wandb.automations import DoNothing, OnRunState, RunEvent
    from wandb.automations.scopes import TeamScope

    entity = client_graphql(api, "query($n: String!) { entity(name: $n) { id entityType } }", {"n": team})["entity"]
    assert entity["entityType"] == "team"
    made = api.create_automation(
        OnRunState(scope=TeamScope(id=entity["id"], name=team), filter=RunEvent.state == "failed")
        >> DoNothing(),
        name="team-failed",
    )
    assert made.scope.name == team
    assert [a.name for a in api.automations(entity=team, name="team-failed")] == ["team-failed"]


def graphql(server, query: str, variables: dict, key: str = ADMIN_KEY) -> requests.Response:
    return requests.post(
        f"{server.url}/graphql",
        json={"query": query, "variables": variables},
        auth=("api", key),
        timeout=30,
    )


CREATE = """mutation($input: CreateFilterTriggerInput!) {
  createFilterTrigger(input: $input) {
    trigger { id name event: triggeringCondition { ... on FilterEventTriggeringCondition { eventType filter } } }
  }
}"""


def test_the_servers_own_answers(server, api, team):
    project_id = api.project("p", entity=team).id
    link_filter = '{"$or":[{"$and":[{"alias":{"$eq":"prod"}}]}]}'
    variables = {
        "input": {
            "name": "raw",
            "enabled": True,
            "scopeType": "PROJECT",
            "scopeID": project_id,
            "triggeringEventType": "LINK_MODEL",
            "eventFilter": link_filter,
            "triggeredActionType": "NO_OP",
            "triggeredActionConfig": {"noOpActionInput": {"noOp": True}},
        }
    }
    first = graphql(server, CREATE, variables)
    assert first.status_code == 200, first.text
    trigger = first.json()["data"]["createFilterTrigger"]["trigger"]
    # Artifact filters are read back wrapped, exactly.
    assert json.loads(trigger["event"]["filter"]) == {"filter": json.loads(link_filter)}
    assert trigger["event"]["eventType"] == "LINK_MODEL"

    again = graphql(server, CREATE, variables)
    assert again.status_code == 409, again.text
    assert "already exists" in again.json()["errors"][0]["message"]

    gone = graphql(
        server,
        "mutation($i: UpdateFilterTriggerInput!) { updateFilterTrigger(input: $i) { trigger { id } } }",
        {"i": {"id": "VHJpZ2dlcjo5OTk5OTk=", "enabled": False}},
    )
    assert gone.status_code == 404, gone.text

    # Bad input names the field, with a 200 like any other GraphQL error.
    bad = dict(variables["input"], name="bad", eventFilter='{"version": {"$eq": 1}}')
    answer = graphql(server, CREATE, {"input": bad})
    assert answer.status_code == 200
    assert "version" in answer.json()["errors"][0]["message"]
    wrong_scope = dict(variables["input"], name="bad", triggeringEventType="CREATE_ARTIFACT")
    answer = graphql(server, CREATE, {"input": wrong_scope})
    assert "scope" in answer.json()["errors"][0]["message"]
