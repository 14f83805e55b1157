"""Launch with the official client: jobs (`create_job`, a run's own job,
`api.job`, `api.list_jobs`), run queues (`api.create_run_queue`,
`api.upsert_run_queue`, `api.run_queue`), `launch_add` and queued runs,
and the official `wandb launch-agent` running a local-process job end to
end.

The ordering, lease and concurrency tests speak the agent protocol
(`popFromRunQueue`, `ackRunQueueItem`) directly, so they can pop exactly
when they mean to and check the server's own answers.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import wandb

from conftest import ADMIN_KEY, start_server, use_global_credentials, wandb_env

ENTITY = "admin"
QUEUE_PROJECT = "model-registry"
EPOCHS = {"epochs": {"schema": {"type": "integer", "default": 3, "minimum": 1, "maximum": 100}}}

TRAIN = textwrap.dedent(
    """
    import argparse, wandb
    p = argparse.ArgumentParser(); p.add_argument("--epochs", type=int, default=1)
    a = p.parse_args()
    run = wandb.init(config={"epochs": a.epochs})
    for i in range(a.epochs):
        run.log({"loss": 1.0 / (i + 1)})
    run.finish()
    """
)


def _name(what: str) -> str:
    return f"launch-{what}-{os.getpid()}"


def _gql(server, query, variables=None, key=ADMIN_KEY):
    resp = server.gql(query, variables or {}, key=key)
    assert "errors" not in resp, resp
    return resp["data"]


def _error(server, query, variables=None, key=ADMIN_KEY) -> str:
    resp = server.gql(query, variables or {}, key=key)
    assert resp.get("errors"), resp
    return resp["errors"][0]["message"]


PUSH = (
    "mutation($e: String!, $p: String!, $q: String!, $s: JSONString!, $t: JSONString, $pr: Int) {"
    " pushToRunQueueByName(input: {entityName: $e, projectName: $p, queueName: $q, runSpec: $s,"
    " templateVariableValues: $t, priority: $pr}) { runQueueItemId runSpec } }"
)
POP = (
    "mutation($e: String!, $p: String!, $q: String!, $a: ID) { popFromRunQueue(input: {entityName: $e,"
    " projectName: $p, queueName: $q, launchAgentId: $a}) { runQueueItemId runSpec } }"
)
ITEMS = (
    "query($e: String!, $q: String!) { project(name: \"model-registry\", entityName: $e) {"
    " runQueue(name: $q) { runQueueItems(first: 1000) { edges { node { id state priority associatedRunId } } } } } }"
)


def _push(server, queue, spec=None, values=None, priority=None, key=ADMIN_KEY, entity=ENTITY):
    variables = {"e": entity, "p": QUEUE_PROJECT, "q": queue, "s": json.dumps(spec or {"entity": entity, "project": "p"})}
    if values is not None:
        variables["t"] = json.dumps(values)
    if priority is not None:
        variables["pr"] = priority
    return _gql(server, PUSH, variables, key=key)["pushToRunQueueByName"]


def _pop(server, queue, agent=None, key=ADMIN_KEY):
    return _gql(server, POP, {"e": ENTITY, "p": QUEUE_PROJECT, "q": queue, "a": agent}, key=key)["popFromRunQueue"]


def _items(server, queue, key=ADMIN_KEY) -> list[dict]:
    data = _gql(server, ITEMS, {"e": ENTITY, "q": queue}, key=key)
    return [e["node"] for e in data["project"]["runQueue"]["runQueueItems"]["edges"]]


def _raw_queue(server, name) -> None:
    """A queue made with the raw mutation (for a server of a test's own,
    which older clients' `Api` objects cannot be pointed at)."""
    _gql(
        server,
        'mutation($q: String!) { createRunQueue(input: {entityName: "admin", projectName: "model-registry", '
        "queueName: $q, access: PROJECT}) { queueID } }",
        {"q": name},
    )


def _queue(server, name, mode=None, config=None, templates=None) -> None:
    """A local-process queue made through the client's own path."""
    server.api().create_run_queue(
        name, "local-process", entity=ENTITY, prioritization_mode=mode, config=config or {}, template_variables=templates
    )


@pytest.fixture()
def job(server, tmp_path) -> str:
    """A code job `admin/<project>/trainer:latest` made by `create_job`."""
    from wandb.sdk.launch.create_job import create_job

    src = tmp_path / "src"
    src.mkdir()
    (src / "train.py").write_text(TRAIN)
    (src / "requirements.txt").write_text("wandb\n")
    project = _name("jobs")
    with wandb_env(server, tmp_path):
        use_global_credentials(server)
        artifact = create_job(
            path=str(src), job_type="code", entity=ENTITY, project=project, name="trainer", entrypoint="python train.py"
        )
    assert artifact is not None
    return f"{ENTITY}/{project}/trainer:latest"


def test_create_job_then_list_and_fetch_it(server, job, tmp_path):
    entity, project, _ = job.split("/")
    api = server.api()
    jobs = api.list_jobs(entity, project)
    names = [e["node"]["artifactSequence"]["name"] for page in jobs for e in page["edges"]]
    assert names == ["trainer"]
    aliases = [a["alias"] for page in jobs for e in page["edges"] for a in e["node"]["aliases"]]
    assert "latest" in aliases
    with wandb_env(server, tmp_path):
        fetched = api.job(job, path=str(tmp_path / "job"))
    assert fetched._entrypoint == ["python", "train.py"]
    assert (tmp_path / "job" / "wandb-job.json").exists()
    info = json.loads((tmp_path / "job" / "wandb-job.json").read_text())
    assert info["source_type"] == "artifact"
    assert (tmp_path / "job" / "requirements.frozen.txt").read_text().strip() == "wandb"
    assert api.list_jobs(entity, _name("no-such-project")) == []


def test_wandb_job_create_cli_makes_a_job(server, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "train.py").write_text(TRAIN)
    (src / "requirements.txt").write_text("wandb\n")
    project = _name("cli-job")
    env = dict(os.environ, WANDB_BASE_URL=server.url, WANDB_API_KEY=ADMIN_KEY, WANDB_DIR=str(tmp_path), WANDB_SILENT="true")
    done = subprocess.run(
        [sys.executable, "-m", "wandb", "job", "create", "code", str(src), "-e", ENTITY, "-p", project,
         "-n", "cli-trainer", "-E", "python train.py"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    jobs = server.api().list_jobs(ENTITY, project)
    assert [e["node"]["artifactSequence"]["name"] for page in jobs for e in page["edges"]] == ["cli-trainer"]


def test_a_run_with_its_program_gets_a_job(server, tmp_path):
    """With job creation on, the SDK logs a job for a run that knows its
    program and requirements."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "requirements.txt").write_text("wandb\n")
    project = _name("auto-job")
    (src / "main.py").write_text(textwrap.dedent(f"""
        import wandb
        run = wandb.init(entity="{ENTITY}", project="{project}", settings=wandb.Settings(disable_job_creation=False))
        run.log_code(".")
        run.log({{"loss": 1}})
        run.finish()
    """))
    env = dict(os.environ, WANDB_BASE_URL=server.url, WANDB_API_KEY=ADMIN_KEY, WANDB_DIR=str(tmp_path), WANDB_SILENT="true")
    done = subprocess.run([sys.executable, "main.py"], cwd=src, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    jobs = server.api().list_jobs(ENTITY, project)
    names = [e["node"]["artifactSequence"]["name"] for page in jobs for e in page["edges"]]
    assert len(names) == 1 and names[0].startswith("job-"), names


def test_create_and_read_a_queue(server):
    api = server.api()
    name = _name("read")
    queue = api.create_run_queue(
        name, "local-process", entity=ENTITY, prioritization_mode="V0",
        config={"args": ["--epochs", "{{epochs}}"]}, template_variables=EPOCHS,
    )
    assert queue.name == name
    rq = api.run_queue(ENTITY, name)
    assert rq.type == "local-process"
    assert rq.default_resource_config == {"resource_args": {"local-process": {"args": ["--epochs", "{{epochs}}"]}}}
    assert rq.template_variables == [{"name": "epochs", "schema": EPOCHS["epochs"]["schema"]}]
    assert rq.prioritization_mode == "V0"
    assert rq.access == "PROJECT"
    assert rq.items == []
    # The queue lives in the entity's launch project, as on W&B.
    listed = _gql(server, 'query { project(name: "model-registry", entityName: "admin") { runQueues { name access createdBy } } }')
    assert {"name": name, "access": "PROJECT", "createdBy": "admin"} in listed["project"]["runQueues"]
    # A second queue of the same name is refused, with the reason.
    message = _error(
        server,
        'mutation($q: String!) { createRunQueue(input: {entityName: "admin", projectName: "model-registry", '
        "queueName: $q, access: PROJECT}) { success queueID } }",
        {"q": name},
    )
    assert "already exists" in message


def test_upsert_changes_a_queue_and_reports_config_problems(server):
    api = server.api()
    name = _name("upsert")
    api.upsert_run_queue(name, {"args": ["--epochs", "{{epochs}}"]}, "local-process", entity=ENTITY, template_variables=EPOCHS)
    rq = api.run_queue(ENTITY, name)
    assert rq.type == "local-process" and rq.prioritization_mode == "DISABLED"
    api.upsert_run_queue(name, {"args": ["--lr", "0.1"]}, "local-process", entity=ENTITY, prioritization_mode="V0",
                         external_links={"docs": "https://example.com"})
    rq = api.run_queue(ENTITY, name)
    assert rq.default_resource_config == {"resource_args": {"local-process": {"args": ["--lr", "0.1"]}}}
    assert rq.template_variables == [] and rq.prioritization_mode == "V0"
    assert json.loads(rq.external_links) == {"links": [{"label": "docs", "url": "https://example.com"}]}
    # The server's own answer lists what is questionable without refusing it.
    data = _gql(
        server,
        "mutation($q: String!, $c: JSONString!) { upsertRunQueue(input: {entityName: \"admin\", projectName: "
        "\"model-registry\", queueName: $q, resourceType: \"local-process\", resourceConfig: $c}) "
        "{ success configSchemaValidationErrors } }",
        {"q": name, "c": json.dumps({"resource_args": {"local-process": {"args": ["{{nope}}"]}}})},
    )["upsertRunQueue"]
    assert data["success"] is True
    assert any("{{nope}} is used" in e for e in data["configSchemaValidationErrors"]), data
    # Malformed configurations and schemas are refused, naming the field.
    for config, templates, expected in [
        ("{not json", None, "config: not valid JSON"),
        (json.dumps({"resource_args": []}), None, "config.resource_args"),
        ("{}", json.dumps({"e": {"schema": {"type": "float"}}}), "templateVariables.e.schema.type"),
    ]:
        message = _error(
            server,
            "mutation($q: String!, $c: JSONString!, $t: JSONString) { upsertRunQueue(input: {entityName: \"admin\", "
            "projectName: \"model-registry\", queueName: $q, resourceType: \"local-process\", resourceConfig: $c, "
            "templateVariables: $t}) { success } }",
            {"q": name, "c": config, "t": templates},
        )
        assert expected in message, message
    message = _error(
        server,
        "mutation($q: String!) { upsertRunQueue(input: {entityName: \"admin\", projectName: \"model-registry\", "
        "queueName: $q, resourceType: \"slurm\", resourceConfig: \"{}\"}) { success } }",
        {"q": name},
    )
    assert "unknown resource type" in message


def test_launch_add_checks_template_variables(server, job):
    name = _name("templates")
    _queue(server, name, config={"args": ["--epochs", "{{epochs}}"]},
           templates={**EPOCHS, "opt": {"schema": {"type": "string", "enum": ["adam", "sgd"], "default": "adam"}}})
    spec = {"job": job, "entity": ENTITY, "project": "p"}
    for values, expected in [
        ({"epochs": 0}, "templateVariableValues.epochs: 0 is less than the minimum 1"),
        ({"epochs": 101}, "greater than the maximum 100"),
        ({"epochs": "five"}, "templateVariableValues.epochs: expected an integer"),
        ({"opt": "rmsprop"}, "templateVariableValues.opt: \"rmsprop\" is not one of"),
        ({"lr": 0.1}, "has no template variable \"lr\""),
    ]:
        message = _error(server, PUSH, {"e": ENTITY, "p": QUEUE_PROJECT, "q": name, "s": json.dumps(spec), "t": json.dumps(values)})
        assert expected in message, message
    for run_spec, expected in [
        ("[1]", "runSpec: expected a JSON object"),
        ("{nope", "runSpec: not valid JSON"),
        (json.dumps({"job": f"{ENTITY}/p/no-such-job:latest"}), "runSpec.job"),
    ]:
        message = _error(server, PUSH, {"e": ENTITY, "p": QUEUE_PROJECT, "q": name, "s": run_spec})
        assert expected in message, message
    assert "No run queue named" in _error(server, PUSH, {"e": ENTITY, "p": QUEUE_PROJECT, "q": "no-such-queue", "s": "{}"})
    assert "priority: 7 is out of range" in _error(
        server, PUSH, {"e": ENTITY, "p": QUEUE_PROJECT, "q": name, "s": json.dumps(spec), "pr": 7}
    )
    # Nothing was queued by any of those.
    assert _items(server, name) == []
    # Good values: defaults fill the rest, the queue's args are filled in.
    pushed = _push(server, name, spec, values={"epochs": 5})
    stored = json.loads(pushed["runSpec"])
    assert stored["resource"] == "local-process"
    assert stored["overrides"]["args"] == ["--epochs", "5"]


def test_launch_add_and_queued_run(server, job, tmp_path):
    from wandb.sdk.launch._launch_add import launch_add

    name = _name("add")
    _queue(server, name, config={"args": ["--epochs", "{{epochs}}"]}, templates=EPOCHS)
    with wandb_env(server, tmp_path):
        queued = launch_add(job=job, queue_name=name, entity=ENTITY, project="p", template_variables={"epochs": 5}, priority=1)
        assert queued.state == "pending"
        api = server.api()
        again = api.queued_run(ENTITY, "p", name, queued.id)
        assert again.state == "pending"
        assert [item.id for item in api.run_queue(ENTITY, name).items] == [queued.id]
        queued.delete()
    assert _items(server, name) == []
    with pytest.raises(Exception):
        with wandb_env(server, tmp_path):
            launch_add(job=job, queue_name=name, entity=ENTITY, project="p", template_variables={"epochs": 500})
    assert _items(server, name) == []


def test_priorities_then_fifo(server):
    v0 = _name("v0")
    _queue(server, v0, mode="V0")
    pushed = [(_push(server, v0, priority=p)["runQueueItemId"], p) for p in (3, 1, 2, 1, 0)]
    popped = [_pop(server, v0)["runQueueItemId"] for _ in pushed]
    expected = [pid for pid, _ in sorted(pushed, key=lambda item: item[1])]  # stable: FIFO within a priority
    assert popped == expected
    assert _pop(server, v0) is None
    fifo = _name("fifo")
    _queue(server, fifo)
    pushed = [_push(server, fifo, priority=p)["runQueueItemId"] for p in (3, 0, 2)]
    assert [_pop(server, fifo)["runQueueItemId"] for _ in pushed] == pushed


def test_ack_claims_once_and_fail_is_recorded(server):
    name = _name("ack")
    _queue(server, name)
    item = _push(server, name)["runQueueItemId"]
    assert _pop(server, name)["runQueueItemId"] == item
    ack = "mutation($i: ID!, $r: String!) { ackRunQueueItem(input: {runQueueItemId: $i, runName: $r}) { success } }"
    assert _gql(server, ack, {"i": item, "r": "run1"})["ackRunQueueItem"]["success"] is True
    assert _gql(server, ack, {"i": item, "r": "run2"})["ackRunQueueItem"]["success"] is False
    node = _items(server, name)[0]
    assert (node["state"], node["associatedRunId"]) == ("CLAIMED", "run1")
    fail = ("mutation($i: ID!) { failRunQueueItem(input: {runQueueItemId: $i, message: \"boom\", stage: \"run\","
            " filePaths: [\"error.log\"]}) { success } }")
    assert _gql(server, fail, {"i": item})["failRunQueueItem"]["success"] is True
    data = _gql(server, 'query($e: String!, $q: String!, $i: ID!) { project(name: "model-registry", entityName: $e) '
                "{ runQueue(name: $q) { runQueueItem(id: $i) { state error } } } }", {"e": ENTITY, "q": name, "i": item})
    got = data["project"]["runQueue"]["runQueueItem"]
    assert got["state"] == "FAILED"
    assert got["error"] == {"message": "boom", "stage": "run", "filePaths": ["error.log"]}


def test_concurrent_pops_hand_each_item_out_once(server):
    name = _name("concurrent")
    _queue(server, name)
    pushed = {_push(server, name)["runQueueItemId"] for _ in range(120)}
    popped: list[str] = []
    lock = threading.Lock()

    def agent() -> None:
        while True:
            item = _pop(server, name)
            if item is None:
                return
            with lock:
                popped.append(item["runQueueItemId"])

    with ThreadPoolExecutor(8) as pool:
        for f in [pool.submit(agent) for _ in range(8)]:
            f.result()
    assert len(popped) == len(pushed)
    assert set(popped) == pushed


def test_a_silent_agent_loses_its_lease(tmp_path):
    server = start_server(tmp_path / "data", args=("--launch-lease-timeout", "1"))
    try:
        name = _name("lease")
        _raw_queue(server, name)
        item = _push(server, name)["runQueueItemId"]
        assert _pop(server, name)["runQueueItemId"] == item
        assert _pop(server, name) is None
        assert _items(server, name)[0]["state"] == "LEASED"
        time.sleep(1.5)
        assert _items(server, name)[0]["state"] == "PENDING"
        assert _pop(server, name)["runQueueItemId"] == item
    finally:
        server.stop()


def test_outsiders_cannot_see_or_use_a_queue(server):
    name = _name("private")
    _queue(server, name)
    _push(server, name)
    _, _, outsider = server.new_user()
    data = server.gql(ITEMS, {"e": ENTITY, "q": name}, key=outsider)
    assert data.get("data", {}).get("project") is None, data
    assert "No run queue named" in _error(server, PUSH, {"e": ENTITY, "p": QUEUE_PROJECT, "q": name, "s": "{}"}, key=outsider)
    assert "No run queue named" in _error(server, POP, {"e": ENTITY, "p": QUEUE_PROJECT, "q": name}, key=outsider)
    assert len(_items(server, name)) == 1


def test_team_members_push_and_pop(server):
    team = f"lt{os.getpid()}"
    member, _, key = server.new_user()
    api = server.api()
    assert api.create_team(team).invite(member) is True
    api.create_run_queue("shared", "local-process", entity=team)
    push = _gql(server, PUSH, {"e": team, "p": QUEUE_PROJECT, "q": "shared", "s": json.dumps({"entity": team, "project": "p"})}, key=key)
    popped = _gql(server, POP, {"e": team, "p": QUEUE_PROJECT, "q": "shared"}, key=key)["popFromRunQueue"]
    assert popped["runQueueItemId"] == push["pushToRunQueueByName"]["runQueueItemId"]
    team_check = _gql(server, "query($e: String!) { entity(name: $e) { id isTeam } }", {"e": team}, key=key)
    assert team_check["entity"]["isTeam"] is True


def test_delete_queue(server):
    api = server.api()
    name = _name("delete")
    _queue(server, name)
    _push(server, name)
    rq = api.run_queue(ENTITY, name)
    rq.delete()
    data = _gql(server, 'query($q: String!) { project(name: "model-registry", entityName: "admin") { runQueue(name: $q) { id } } }', {"q": name})
    assert data["project"]["runQueue"] is None


def test_pushes_survive_a_kill_and_nothing_is_popped_twice(tmp_path):
    data_dir = tmp_path / "data"
    server = start_server(data_dir)
    name = _name("kill")
    _raw_queue(server, name)
    acknowledged: list[str] = []
    popped: list[str] = []
    stop = threading.Event()

    def pusher() -> None:
        while not stop.is_set():
            try:
                acknowledged.append(_push(server, name)["runQueueItemId"])
            except Exception:
                return

    def popper() -> None:
        while not stop.is_set():
            try:
                item = _pop(server, name)
            except Exception:
                return
            if item:
                popped.append(item["runQueueItemId"])

    threads = [threading.Thread(target=pusher), threading.Thread(target=pusher), threading.Thread(target=popper)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(timeout=30)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert acknowledged, "no push was acknowledged before the kill"
    server = start_server(data_dir)
    try:
        states = {n["id"]: n["state"] for n in _items(server, name)}
        assert set(acknowledged) <= set(states), "an acknowledged push was lost"
        for item in popped:
            assert states[item] == "LEASED"
        while (item := _pop(server, name)) is not None:
            popped.append(item["runQueueItemId"])
        assert len(popped) == len(set(popped)), "an item was handed out twice"
    finally:
        server.stop()


def test_launch_agent_runs_a_job_end_to_end(server, job, tmp_path):
    """`wandb launch-agent` (a subprocess, bounded in time) pops the item,
    downloads the job, runs `python train.py --epochs 5` as a local process
    whose run logs here, and the queued run follows it to the end."""
    from wandb.sdk.launch._launch_add import launch_add

    name = _name("agent")
    _queue(server, name, config={"args": ["--epochs", "{{epochs}}"]}, templates=EPOCHS)
    agent_dir = tmp_path / "agent"
    agent_dir.mkdir()
    env = dict(
        os.environ,
        WANDB_BASE_URL=server.url,
        WANDB_API_KEY=ADMIN_KEY,
        WANDB_DIR=str(agent_dir),
        # The job's `python` must be the one with this client installed.
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    agent = subprocess.Popen(
        [sys.executable, "-m", "wandb", "launch-agent", "-q", name, "-e", ENTITY],
        cwd=agent_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    output: list[str] = []
    threading.Thread(target=lambda: output.extend(agent.stdout), daemon=True).start()
    try:
        with wandb_env(server, tmp_path):
            queued = launch_add(job=job, queue_name=name, entity=ENTITY, project="p", template_variables={"epochs": 5})
            deadline = time.monotonic() + 180
            while True:
                state = [n for n in _items(server, name) if n["id"] == queued.id][0]["state"]
                assert state != "FAILED", "the job failed:\n" + "".join(output)
                if state == "FINISHED":
                    break
                assert time.monotonic() < deadline, "the queued run did not finish in time:\n" + "".join(output)
                time.sleep(0.5)
            run = queued.wait_until_finished()
            assert run.state == "finished"
            assert run.config["epochs"] == 5
            assert run.summary["loss"] == pytest.approx(0.2)
            assert queued.state == "finished"
        node = [n for n in _items(server, name) if n["id"] == queued.id][0]
        assert node["associatedRunId"] == run.id
        agents = _gql(server, 'query { entity(name: "admin") { launchAgents { id name agentStatus runQueues } } }')
        assert agents["entity"]["launchAgents"], agents
    finally:
        agent.send_signal(signal.SIGINT)
        try:
            agent.wait(timeout=30)
        except subprocess.TimeoutExpired:
            agent.kill()
            agent.wait(timeout=30)
