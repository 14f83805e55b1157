"""Automations acting: an official-client run and artifact make events, and
the server POSTs them to a receiver started by the test (`conftest.Receiver`,
loopback only, allowed by the session server's `--webhook-allow`).

- An alias added by the client → one webhook with the template filled, an
  idempotency key and a signature the receiver can check with the secret.
- A run that fails → a run-state automation's webhook, once.
- A receiver that is down → retried, then delivered when it is back.
- A target the allow-list does not name cannot be made an integration at
  all (test_integrations), and nothing is ever sent to one.

They use the session server: clients before 0.28 send every `Api`'s
requests to the server of the process's first one."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
import wandb
from conftest import CLIENT, client_since, start_server
from packaging.version import Version
from wandb.apis.public import Api


@pytest.fixture
def api(server) -> Api:
    return server.api()


def make_hook(server, team: str, name: str, url: str, secret: str | None = None) -> str:
    """A webhook integration (and its signing secret), as the team admin."""
    if secret is not None:
        answer = server.gql(
            "mutation($t: String!, $v: String!) { insertSecret(input: {entityName: $t, secretName: \"HOOK_KEY\", secretValue: $v}) { success } }",
            {"t": team, "v": secret},
        )
        assert answer["data"]["insertSecret"]["success"], answer
    answer = server.gql(
        "mutation($t: String!, $n: String!, $u: String!, $s: String) { createGenericWebhookIntegration(input: {entityName: $t, name: $n, urlEndpoint: $u, secretRef: $s}) { integration { ... on GenericWebhookIntegration { id } } } }",
        {"t": team, "n": name, "u": url, "s": "HOOK_KEY" if secret else None},
    )
    return answer["data"]["createGenericWebhookIntegration"]["integration"]["id"]


def verify(request: dict, secret: str) -> dict:
    """Check the signature as a receiver would; the parsed body."""
    headers = {k.lower(): v for k, v in request["headers"].items()}
    stamp = headers["x-cairn-timestamp"]
    expected = hmac.new(secret.encode(), stamp.encode() + b"." + request["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-cairn-signature"], f"sha256={expected}")
    assert abs(time.time() - int(stamp)) < 300
    body = json.loads(request["body"])
    assert headers["x-cairn-delivery"] == body["idempotency_key"]
    return body


def test_an_alias_added_calls_the_webhook_signed(server, api, unique, receiver, start_run):
    from wandb.automations import ArtifactEvent, OnAddArtifactAlias, SendWebhook

    team = f"{unique}-deliver"
    api.create_team(team, admin_username="admin")
    make_hook(server, team, "eval", f"{receiver.url}/{unique}/alias", secret="s3cret")
    hook = next(h for h in api.webhook_integrations(entity=team) if h.name == "eval")
    api.create_project("p", team)
    project = api.project("p", entity=team)
    api.create_automation(
        OnAddArtifactAlias(scope=project, filter=ArtifactEvent.alias.eq("production"))
        >> SendWebhook.from_integration(
            hook, payload={"version": "${artifact_version_string}", "event": "${event_type}"}
        ),
        name="on-production",
    )
    with start_run(entity=team, project="p") as run:
        art = wandb.Artifact("clf", type="model")
        with art.new_file("w.txt") as f:
            f.write("weights")
        run.log_artifact(art, aliases=["staging"])
    # "staging" and "latest" do not pass the filter; "production" does.
    version = api.artifact(f"{team}/p/clf:v0")
    version.aliases.append("production")
    version.save()

    [request] = receiver.wait_for(f"/{unique}/alias")
    body = verify(request, "s3cret")
    assert body["version"] == f"{team}/p/clf:v0"
    assert body["event"] == "ADD_ARTIFACT_ALIAS"
    # Nothing else arrives for it.
    time.sleep(1.5)
    assert len(receiver.received(f"/{unique}/alias")) == 1


@pytest.mark.skipif(CLIENT < Version("0.27.0"), reason="wandb-core before 0.27 knows no run-state automations")
def test_a_failed_run_calls_the_webhook_once(server, api, unique, receiver, start_run):
    from wandb.automations import OnRunState, RunEvent, SendWebhook

    team = f"{unique}-fail"
    api.create_team(team, admin_username="admin")
    make_hook(server, team, "pager", f"{receiver.url}/{unique}/failed")
    hook = next(h for h in api.webhook_integrations(entity=team) if h.name == "pager")
    api.create_project("p", team)
    api.create_automation(
        OnRunState(scope=api.project("p", entity=team), filter=RunEvent.state == "failed")
        >> SendWebhook.from_integration(hook, payload={"run": "${run_name}", "state": "${run_state}"}),
        name="on-failure",
    )
    ok = start_run(entity=team, project="p", name="fine")
    ok.finish()
    bad = start_run(entity=team, project="p", name="broken")
    bad.finish(exit_code=1)

    [request] = receiver.wait_for(f"/{unique}/failed")
    body = json.loads(request["body"])
    assert body["run"] == "broken"
    assert body["state"] == "failed"
    time.sleep(1.5)
    assert len(receiver.received(f"/{unique}/failed")) == 1


def test_a_receiver_that_is_down_gets_it_later(server, api, unique, receiver, start_run):
    from wandb.automations import OnCreateArtifact, SendWebhook

    team = f"{unique}-retry"
    api.create_team(team, admin_username="admin")
    make_hook(server, team, "flaky", f"{receiver.url}/{unique}/down")
    hook = next(h for h in api.webhook_integrations(entity=team) if h.name == "flaky")
    with start_run(entity=team, project="p") as run:
        art = wandb.Artifact("data", type="dataset")
        with art.new_file("d.txt") as f:
            f.write("rows")
        run.log_artifact(art)
    collection = api.artifact_collection("dataset", f"{team}/p/data")
    api.create_automation(OnCreateArtifact(scope=collection) >> SendWebhook.from_integration(hook), name="on-data")

    receiver.status = 503
    try:
        with start_run(entity=team, project="p") as run:
            art = wandb.Artifact("data", type="dataset")
            with art.new_file("d.txt") as f:
                f.write("more rows")
            run.log_artifact(art)
        receiver.wait_for(f"/{unique}/down", count=2)
    finally:
        receiver.status = 200
    got = receiver.wait_for(f"/{unique}/down", count=3)
    # Every attempt carried the same idempotency key; the last one landed.
    keys = {{k.lower(): v for k, v in r["headers"].items()}["x-cairn-delivery"] for r in got}
    assert len(keys) == 1
    assert got[-1]["status"] == 200
    assert json.loads(got[-1]["body"])["artifact_version"] == "v1"


PROJECT_ID = 'query { project(entityName: "admin", name: "outbox") { id } }'
HOOK = """mutation($u: String!) { createGenericWebhookIntegration(input: {entityName: "admin", name: "crash hook", urlEndpoint: $u}) {
  integration { ... on GenericWebhookIntegration { id } } } }"""
TRIGGER = """mutation($input: CreateFilterTriggerInput!) { createFilterTrigger(input: $input) { trigger { id } } }"""
LOG = """query { entity(name: "admin") { triggers(filters: "{\\"name\\": \\"on-crash-test\\"}") {
  edges { node { deliveryLog { outcome status idempotencyKey } } } } } }"""


def test_an_event_committed_before_a_kill_9_is_delivered_once_after_restart(tmp_path, receiver):
    """The first server never looks at its outbox (its worker's interval is
    an hour); it commits the event and is killed. The second, on the same
    data, delivers it, once."""
    allow = {"CAIRN_WEBHOOK_ALLOW": f"127.0.0.1:{receiver.port}"}
    first = start_server(tmp_path / "data", env={**allow, "CAIRN_AUTOMATION_INTERVAL": "3600000"})
    second = None
    path = f"/outbox-{tmp_path.name}"
    try:
        first.upsert_run("admin", "outbox", "doomed", state="running")
        project = first.gql(PROJECT_ID)["data"]["project"]["id"]
        hook = first.gql(HOOK, {"u": receiver.url + path})["data"]["createGenericWebhookIntegration"]["integration"]["id"]
        made = first.gql(
            TRIGGER,
            {
                "input": {
                    "name": "on-crash-test",
                    "scopeType": "PROJECT",
                    "scopeID": project,
                    "triggeringEventType": "RUN_STATE",
                    "eventFilter": json.dumps({"run_filter": "{\"$and\":[]}", "run_state_filter": {"states": ["FAILED"]}}),
                    "triggeredActionType": "GENERIC_WEBHOOK",
                    "triggeredActionConfig": {"genericWebhookActionInput": {"integrationID": hook}},
                }
            },
        )
        assert made["data"]["createFilterTrigger"]["trigger"]["id"], made
        done = first.file_stream("admin", "outbox", "doomed", {"complete": True, "exitcode": 1})
        assert done.status_code == 200
        time.sleep(1)
        assert receiver.received(path) == []
        first.proc.kill()
        first.proc.wait(timeout=30)

        second = start_server(tmp_path / "data", env=allow)
        [request] = receiver.wait_for(path)
        body = json.loads(request["body"])
        assert body["run_id"] == "doomed"
        assert body["run_state"] == "failed"
        time.sleep(2)
        assert len(receiver.received(path)) == 1
        log = second.gql(LOG)["data"]["entity"]["triggers"]["edges"][0]["node"]["deliveryLog"]
        assert [(line["outcome"], line["status"]) for line in log] == [("delivered", 200)]
    finally:
        for server in (first, second):
            if server is not None and server.proc.poll() is None:
                server.proc.terminate()
                server.proc.wait(timeout=30)


def test_a_metric_crossing_its_threshold_notifies_once(server, api, unique, receiver, start_run):
    from wandb.automations import OnRunMetric, RunEvent, SendWebhook

    team = f"{unique}-metric"
    api.create_team(team, admin_username="admin")
    make_hook(server, team, "alarm", f"{receiver.url}/{unique}/loss")
    hook = next(h for h in api.webhook_integrations(entity=team) if h.name == "alarm")
    api.create_project("p", team)
    api.create_automation(
        OnRunMetric(scope=api.project("p", entity=team), filter=RunEvent.metric("loss") > 10)
        >> SendWebhook.from_integration(
            hook, payload={"run": "${run_name}", "loss": "${metric_value}", "text": "loss is ${metric_value}"}
        ),
        name="loss-exploded",
    )
    run = start_run(entity=team, project="p", name="diverging")
    for loss in (1, 2, 3, 11, 12, 13, 14):
        run.log({"loss": loss, "acc": 0.5})
    run.finish()

    [request] = receiver.wait_for(f"/{unique}/loss")
    body = json.loads(request["body"])
    assert body == {
        "run": "diverging",
        "loss": 11,
        "text": "loss is 11",
        "idempotency_key": body["idempotency_key"],
    }
    time.sleep(1.5)
    assert len(receiver.received(f"/{unique}/loss")) == 1


SLACK = """mutation($t: String!, $n: String!, $u: String!, $c: String!) {
  createSlackWebhookIntegration(input: {entityName: $t, name: $n, urlEndpoint: $u, channelName: $c}) {
    integration { ... on SlackIntegration { id channelName } } } }"""


def test_a_notification_goes_to_a_slack_webhook(server, api, unique, receiver, start_run):
    from wandb.automations import OnRunMetric, RunEvent, SendNotification

    team = f"{unique}-slack"
    api.create_team(team, admin_username="admin")
    made = server.gql(SLACK, {"t": team, "n": "alerts", "u": f"{receiver.url}/{unique}/slack", "c": "#ml-alerts"})
    assert made["data"]["createSlackWebhookIntegration"]["integration"]["channelName"] == "#ml-alerts", made
    [slack] = list(api.slack_integrations(entity=team))
    assert slack.channel_name == "#ml-alerts"
    api.create_project("p", team)
    api.create_automation(
        OnRunMetric(scope=api.project("p", entity=team), filter=RunEvent.metric("loss") > 10)
        >> SendNotification.from_integration(
            slack, title="Loss at ${metric_value}", text="run ${run_name} diverged", level="ERROR"
        ),
        name="loss-page",
    )
    # Read back with its Slack integration and texts.
    saved = api.automation(name="loss-page", entity=team)
    assert saved.action.integration.id == slack.id
    assert (saved.action.title, saved.action.message, saved.action.severity.value) == (
        "Loss at ${metric_value}",
        "run ${run_name} diverged",
        "ERROR",
    )
    run = start_run(entity=team, project="p", name="exploding")
    for loss in (3, 30):
        run.log({"loss": loss})
    run.finish()

    [request] = receiver.wait_for(f"/{unique}/slack")
    assert json.loads(request["body"]) == {"text": ":rotating_light: *Loss at 30*\nrun exploding diverged"}


@client_since("0.27.0", "tag and unlink automation events")
def test_tag_and_unlink_events_reach_their_automations(server, api, unique, receiver, start_run):
    from wandb.automations import (
        ArtifactEvent,
        OnAddArtifactTag,
        OnAddCollectionTag,
        OnUnlinkArtifact,
        SendWebhook,
    )

    team = f"{unique}-tags"
    api.create_team(team, admin_username="admin")
    paths = {kind: f"/{unique}/{kind}" for kind in ("tag", "ctag", "unlink")}
    for kind, path in paths.items():
        make_hook(server, team, kind, receiver.url + path)
    hooks = {h.name: h for h in api.webhook_integrations(entity=team)}
    with start_run(entity=team, project="p") as run:
        art = wandb.Artifact("clf", type="model")
        with art.new_file("w.txt") as f:
            f.write("weights")
        run.log_artifact(art)
    version = api.artifact(f"{team}/p/clf:v0")
    version.link(f"{team}/p/picked")
    collection = api.artifact_collection("model", f"{team}/p/clf")
    picked = api.artifact_collection("model", f"{team}/p/picked")
    payload = {"event": "${event_type}", "tag": "${tag}", "collection": "${artifact_collection_name}"}
    api.create_automation(
        OnAddArtifactTag(scope=collection, filter=ArtifactEvent.tag.eq("reviewed"))
        >> SendWebhook.from_integration(hooks["tag"], payload=payload),
        name="on-reviewed",
    )
    api.create_automation(
        OnAddCollectionTag(scope=collection) >> SendWebhook.from_integration(hooks["ctag"], payload=payload),
        name="on-collection-tag",
    )
    api.create_automation(
        OnUnlinkArtifact(scope=picked) >> SendWebhook.from_integration(hooks["unlink"], payload=payload),
        name="on-unlink",
    )

    version = api.artifact(f"{team}/p/clf:v0")
    version.tags.append("draft")  # does not pass the filter
    version.save()
    version = api.artifact(f"{team}/p/clf:v0")
    version.tags.append("reviewed")
    version.save()
    collection = api.artifact_collection("model", f"{team}/p/clf")
    collection.tags = ["production"]
    collection.save()
    api.artifact(f"{team}/p/picked:v0").unlink()

    [tagged] = receiver.wait_for(paths["tag"])
    assert json.loads(tagged["body"])["tag"] == "reviewed"
    [ctag] = receiver.wait_for(paths["ctag"])
    assert json.loads(ctag["body"])["event"] == "ADD_COLLECTION_TAG"
    assert json.loads(ctag["body"])["tag"] == "production"
    [unlinked] = receiver.wait_for(paths["unlink"])
    assert json.loads(unlinked["body"])["collection"] == "picked"


ALERTS_TO = """mutation($id: ID) { setAlertIntegration(input: {integrationID: $id}) {
  success integration { ... on GenericWebhookIntegration { name } } } }"""


def test_run_alerts_go_to_the_users_alert_webhook_within_their_wait(server, unique, receiver, start_run):
    """`run.alert` (wandb-core's NotifyScriptableRunAlert): the sender's
    chosen integration gets it, once per title per `wait_duration`."""
    username, _, key = server.new_user()
    path = f"/{unique}/alerts"
    hook = make_hook_as(server, key, username, "my alerts", receiver.url + path)
    chosen = server.gql(ALERTS_TO, {"id": hook}, key=key)
    assert chosen["data"]["setAlertIntegration"]["integration"] == {"name": "my alerts"}, chosen

    run = start_run(project="alerting", key=key, name="noisy")
    run.alert(title="Diverged", text="loss > 10", level=wandb.AlertLevel.ERROR)
    run.alert(title="Diverged", text="again, within the minute")  # dropped: same title
    # 1 ms: the client takes 0 for its default minute.
    run.alert(title="Slow", text="step time doubled", level="WARN", wait_duration=0.001)
    run.alert(title="Slow", text="and again", level="WARN", wait_duration=0.001)
    run.finish()

    got = receiver.wait_for(path, count=3)
    time.sleep(1.5)
    bodies = sorted(
        (json.loads(r["body"]) for r in receiver.received(path)), key=lambda b: (b["title"], b["text"])
    )
    assert [(b["title"], b["text"], b["severity"]) for b in bodies] == [
        ("Diverged", "loss > 10", "ERROR"),
        ("Slow", "and again", "WARN"),
        ("Slow", "step time doubled", "WARN"),
    ]
    assert {b["run_name"] for b in bodies} == {"noisy"}
    assert {b["event_type"] for b in bodies} == {"RUN_ALERT"}
    assert len(got) == 3


def make_hook_as(server, key: str, entity: str, name: str, url: str) -> str:
    answer = server.gql(
        "mutation($t: String!, $n: String!, $u: String!) { createGenericWebhookIntegration(input: {entityName: $t, name: $n, urlEndpoint: $u}) { integration { ... on GenericWebhookIntegration { id } } } }",
        {"t": entity, "n": name, "u": url},
        key=key,
    )
    return answer["data"]["createGenericWebhookIntegration"]["integration"]["id"]
