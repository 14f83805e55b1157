"""Sweeps with the official client: `wandb.sweep`, `wandb.agent(function=…)`,
the `wandb agent` / `wandb sweep` CLI as subprocesses, and `api.sweep`.

The controller runs in the server. Most tests drive it through the official
client end to end; the concurrency, timeout and early-termination tests
speak the agent protocol (`createAgent`, `agentHeartbeat`) directly, so
they can heartbeat many agents at once or log exactly the history a
decision depends on, and check the server's own answers.

The in-process agent heartbeats every 5 s; clients that let tests shorten
that (`HEARTBEAT_SLEEP_SECONDS`, 0.28+) get 0.2 s here, so the suite stays
quick. Nothing else of the client is changed.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import wandb
import yaml

from conftest import ADMIN_KEY, start_server, wandb_env

try:  # the in-process agent's heartbeat pause (0.28+ lets tests shorten it)
    from wandb.agents import pyagent

    if hasattr(pyagent.Agent, "HEARTBEAT_SLEEP_SECONDS"):
        pyagent.Agent.HEARTBEAT_SLEEP_SECONDS = 0.2
except ImportError:  # pragma: no cover
    pass

ENTITY = "admin"


def _project(name: str) -> str:
    return f"sweeps-{name}-{os.getpid()}"


def _gql(server, query, variables=None, key=ADMIN_KEY):
    resp = server.gql(query, variables or {}, key=key)
    assert "errors" not in resp, resp
    return resp["data"]


def _create_sweep(server, project: str, config: dict | str, key=ADMIN_KEY) -> dict:
    text = config if isinstance(config, str) else yaml.safe_dump(config)
    data = _gql(
        server,
        "mutation($c: String, $p: String) { upsertSweep(input: {config: $c, projectName: $p, entityName: \"admin\"}) "
        "{ sweep { id name } configValidationWarnings } }",
        {"c": text, "p": project},
        key=key,
    )
    return data["upsertSweep"]["sweep"]


def _create_agent(server, project: str, sweep: str) -> str:
    data = _gql(
        server,
        "mutation($p: String, $s: String!) { createAgent(input: {host: \"test-host\", projectName: $p, entityName: \"admin\", sweep: $s}) { agent { id } } }",
        {"p": project, "s": sweep},
    )
    return data["createAgent"]["agent"]["id"]


def _heartbeat(server, agent: str, running: list[str] = ()) -> list[dict]:
    data = _gql(
        server,
        "mutation($id: ID!, $rs: JSONString) { agentHeartbeat(input: {id: $id, metrics: \"{}\", runState: $rs}) { agent { id } commands } }",
        {"id": agent, "rs": json.dumps({r: True for r in running})},
    )
    return json.loads(data["agentHeartbeat"]["commands"])


def _sweep_state(api, project: str, sweep_id: str) -> str:
    return api.sweep(f"{ENTITY}/{project}/{sweep_id}").state


def _train(metric_of):
    """A training function for `wandb.agent`: logs the metric three times."""

    def train():
        run = wandb.init()
        params = dict(run.config)
        value = metric_of(params)
        for step in range(3):
            run.log({"val_loss": value + (2 - step) * 0.01, "step": step})
        run.finish()

    return train


def test_grid_sweep_runs_every_combination_once_and_finishes(server, tmp_path):
    project = _project("grid")
    config = {
        "method": "grid",
        "metric": {"name": "val_loss", "goal": "minimize"},
        "parameters": {
            "batch": {"values": [16, 32]},
            "opt": {"parameters": {"name": {"values": ["adam", "sgd"]}, "momentum": {"value": 0.9}}},
        },
    }
    with wandb_env(server, tmp_path):
        sweep_id = wandb.sweep(config, project=project, entity=ENTITY)
        # No count: the agent runs until the grid is exhausted, then the
        # server tells it to exit.
        wandb.agent(
            sweep_id,
            function=_train(lambda p: p["batch"] / 100 + (0.0 if p["opt"]["name"] == "adam" else 0.5)),
            project=project,
            entity=ENTITY,
        )
    api = server.api()
    sweep = api.sweep(f"{ENTITY}/{project}/{sweep_id}")
    assert sweep.state == "FINISHED"
    assert sweep.expected_run_count == 4
    runs = list(api.runs(f"{ENTITY}/{project}", filters={"sweep": sweep_id}))
    combos = sorted((r.config["batch"], r.config["opt"]["name"], r.config["opt"]["momentum"]) for r in runs)
    assert combos == [(16, "adam", 0.9), (16, "sgd", 0.9), (32, "adam", 0.9), (32, "sgd", 0.9)]
    assert all(r.sweep_name == sweep_id for r in runs)
    best = sweep.best_run()
    assert best.config["batch"] == 16 and best.config["opt"]["name"] == "adam"
    assert math.isclose(sweep.best_loss, 0.16)
    assert sweep.config["method"] == "grid"
    assert len(sweep.runs) == 4


def test_random_sweep_samples_every_distribution_within_bounds_up_to_run_cap(server, tmp_path):
    project = _project("random")
    config = {
        "method": "random",
        "metric": {"name": "val_loss", "goal": "minimize"},
        "run_cap": 3,
        "parameters": {
            "lr": {"distribution": "log_uniform_values", "min": 1e-5, "max": 1e-1},
            "layers": {"min": 1, "max": 4},
            "dropout": {"min": 0.0, "max": 0.5},
            "q": {"distribution": "q_uniform", "min": 0, "max": 10, "q": 2},
            "act": {"values": ["relu", "gelu"], "probabilities": [0.5, 0.5]},
            "fixed": {"value": "yes"},
            "noise": {"distribution": "normal", "mu": 0, "sigma": 1},
            "b": {"distribution": "beta", "a": 2, "b": 5},
        },
    }
    with wandb_env(server, tmp_path):
        sweep_id = wandb.sweep(config, project=project, entity=ENTITY)
        wandb.agent(sweep_id, function=_train(lambda p: p["dropout"]), project=project, entity=ENTITY)
    api = server.api()
    runs = list(api.runs(f"{ENTITY}/{project}", filters={"sweep": sweep_id}))
    assert len(runs) == 3
    for run in runs:
        c = run.config
        assert 1e-5 <= c["lr"] <= 1e-1
        assert isinstance(c["layers"], int) and 1 <= c["layers"] <= 4
        assert isinstance(c["dropout"], float) and 0.0 <= c["dropout"] <= 0.5
        assert c["q"] % 2 == 0 and 0 <= c["q"] <= 10
        assert c["act"] in ("relu", "gelu")
        assert c["fixed"] == "yes"
        assert isinstance(c["noise"], float)
        assert 0.0 <= c["b"] <= 1.0
    sweep = api.sweep(f"{ENTITY}/{project}/{sweep_id}")
    assert sweep.state == "FINISHED"
    assert sweep.expected_run_count == 3


def test_bayes_sweep_runs_with_count(server, tmp_path):
    project = _project("bayes")
    config = {
        "method": "bayes",
        "metric": {"name": "val_loss", "goal": "minimize"},
        "parameters": {
            "x": {"min": -5.0, "max": 10.0},
            "y": {"min": 0.0, "max": 15.0},
        },
    }
    with wandb_env(server, tmp_path):
        sweep_id = wandb.sweep(config, project=project, entity=ENTITY)
        wandb.agent(sweep_id, function=_train(lambda p: (p["x"] - 1) ** 2 + (p["y"] - 2) ** 2), count=4,
                    project=project, entity=ENTITY)
    api = server.api()
    runs = list(api.runs(f"{ENTITY}/{project}", filters={"sweep": sweep_id}))
    assert len(runs) == 4
    assert all(-5.0 <= r.config["x"] <= 10.0 and 0.0 <= r.config["y"] <= 15.0 for r in runs)
    sweep = api.sweep(f"{ENTITY}/{project}/{sweep_id}")
    # count only bounds this agent: the sweep itself goes on.
    assert sweep.state == "RUNNING"
    assert sweep.expected_run_count is None
    best = min(r.summary["val_loss"] for r in runs)
    assert math.isclose(sweep.best_loss, best)


TRAIN_PY = textwrap.dedent(
    """
    import argparse, sys, wandb
    p = argparse.ArgumentParser()
    p.add_argument("--a", type=int)
    p.add_argument("--b", type=str)
    args = p.parse_args()
    run = wandb.init()
    run.log({"val_loss": args.a + (0.5 if args.b == "y" else 0.0)})
    run.summary["argv"] = " ".join(sys.argv[1:])
    run.finish()
    """
)


def _cli_env(server, tmp_path: Path) -> dict:
    # The agent starts runs with `python` (W&B's `${interpreter}`): this
    # interpreter, the one with the client installed.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return dict(
        os.environ,
        PATH=path,
        WANDB_BASE_URL=server.url,
        WANDB_API_KEY=ADMIN_KEY,
        WANDB_SILENT="true",
        WANDB_DIR=str(tmp_path),
    )


def _wandb_cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from wandb.cli.cli import cli; cli()", *args]


def test_cli_sweep_and_two_parallel_agents_share_one_grid(server, tmp_path):
    project = _project("cli")
    (tmp_path / "train.py").write_text(TRAIN_PY)
    (tmp_path / "sweep.yaml").write_text(
        yaml.safe_dump(
            {
                "program": "train.py",
                "method": "grid",
                "metric": {"name": "val_loss", "goal": "minimize"},
                "parameters": {"a": {"values": [1, 2]}, "b": {"values": ["x", "y"]}},
            }
        )
    )
    env = _cli_env(server, tmp_path)
    out = subprocess.run(
        _wandb_cli("sweep", "--project", project, "--entity", ENTITY, "sweep.yaml"),
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    [sweep] = server.api().project(project, entity=ENTITY).sweeps()
    sweep_id = sweep.id
    agents = [
        subprocess.Popen(
            _wandb_cli("agent", f"{ENTITY}/{project}/{sweep_id}"),
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        for _ in range(2)
    ]
    for agent in agents:
        output, _ = agent.communicate(timeout=240)
        assert agent.returncode == 0, output
    api = server.api()
    runs = list(api.runs(f"{ENTITY}/{project}", filters={"sweep": sweep_id}))
    assert sorted(r.summary["argv"] for r in runs) == [
        "--a=1 --b=x", "--a=1 --b=y", "--a=2 --b=x", "--a=2 --b=y",
    ]
    assert _sweep_state(api, project, sweep_id) == "FINISHED"


@pytest.mark.parametrize(
    "flag, state", [("--pause", "PAUSED"), ("--stop", "FINISHED"), ("--cancel", "CANCELED")]
)
def test_cli_changes_sweep_state(server, tmp_path, flag, state):
    project = _project("state")
    sweep = _create_sweep(server, project, {"method": "random", "parameters": {"a": {"values": [1, 2]}}})
    env = _cli_env(server, tmp_path)
    out = subprocess.run(
        _wandb_cli("sweep", flag, f"{ENTITY}/{project}/{sweep['name']}"),
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert _sweep_state(server.api(), project, sweep["name"]) == state
    if flag == "--pause":
        out = subprocess.run(
            _wandb_cli("sweep", "--resume", f"{ENTITY}/{project}/{sweep['name']}"),
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
        )
        assert out.returncode == 0, out.stdout + out.stderr
        assert _sweep_state(server.api(), project, sweep["name"]) == "RUNNING"


def test_agent_protocol_follows_the_sweep_state(server):
    project = _project("protocol")
    sweep = _create_sweep(server, project, {"method": "random", "parameters": {"a": {"values": [1, 2]}}, "program": "t.py"})
    agent = _create_agent(server, project, sweep["name"])
    [command] = _heartbeat(server, agent)
    assert command["type"] == "run" and command["program"] == "t.py"
    assert command["args"]["a"]["value"] in (1, 2)
    run_id = command["run_id"]
    # Busy agents get no second run.
    assert _heartbeat(server, agent, [run_id]) == []

    def set_state(state):
        _gql(server, "mutation($id: ID, $s: String) { upsertSweep(input: {id: $id, state: $s}) { sweep { state } } }",
             {"id": sweep["id"], "s": state})

    set_state("PAUSED")
    assert _heartbeat(server, agent) == []  # paused: nothing new
    set_state("RUNNING")
    assert _heartbeat(server, agent)[0]["type"] == "run"
    set_state("CANCELED")
    assert _heartbeat(server, agent, [run_id]) == [{"type": "stop", "run_id": run_id}, {"type": "exit"}]
    # A stopped sweep lets running runs finish, then lets the agent go.
    other = _create_sweep(server, project, {"method": "random", "parameters": {"a": {"values": [1]}}})
    agent = _create_agent(server, project, other["name"])
    run_id = _heartbeat(server, agent)[0]["run_id"]
    _gql(server, "mutation($id: ID) { upsertSweep(input: {id: $id, state: \"FINISHED\"}) { sweep { state } } }",
         {"id": other["id"]})
    assert _heartbeat(server, agent, [run_id]) == []
    assert _heartbeat(server, agent) == [{"type": "exit"}]


def test_many_agents_heartbeating_at_once_never_share_a_grid_point(server):
    project = _project("race")
    points = 24
    sweep = _create_sweep(server, project, {"method": "grid", "parameters": {"i": {"values": list(range(points))}}})
    agents = [_create_agent(server, project, sweep["name"]) for _ in range(32)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda a: _heartbeat(server, a), agents))
    runs = [c for cmds in answers for c in cmds if c["type"] == "run"]
    exits = [c for cmds in answers for c in cmds if c["type"] == "exit"]
    assert sorted(c["args"]["i"]["value"] for c in runs) == list(range(points))
    assert len(exits) == len(agents) - points
    data = _gql(server, "query($p: String!, $s: String!) { project(name: $p, entityName: \"admin\") { sweep(sweepName: $s) { runCountExpected agents { edges { node { totalRuns state } } } } } }",
                {"p": project, "s": sweep["name"]})
    assert data["project"]["sweep"]["runCountExpected"] == points
    assert sum(e["node"]["totalRuns"] for e in data["project"]["sweep"]["agents"]["edges"]) == points


@pytest.fixture(scope="module")
def quick_start_server(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("cairn-sweep-timeout"), env={"CAIRN_SWEEP_RUN_START_TIMEOUT": "1"})
    yield server
    server.stop()


def test_a_run_that_never_starts_is_handed_to_another_agent(quick_start_server):
    server = quick_start_server
    project = _project("timeout")
    sweep = _create_sweep(server, project, {"method": "grid", "parameters": {"i": {"values": [7]}}})
    first = _create_agent(server, project, sweep["name"])
    second = _create_agent(server, project, sweep["name"])
    [given] = _heartbeat(server, first)
    # The only grid point is out: the second agent has nothing (yet).
    assert _heartbeat(server, second) == [{"type": "exit"}]
    second = _create_agent(server, project, sweep["name"])
    time.sleep(2.5)
    # The first agent's run never showed up: its point goes to another agent.
    [again] = _heartbeat(server, second)
    assert again["type"] == "run" and again["args"] == given["args"]
    assert again["run_id"] != given["run_id"]


def test_a_started_run_is_not_handed_out_again(quick_start_server):
    server = quick_start_server
    project = _project("started")
    sweep = _create_sweep(server, project, {"method": "grid", "parameters": {"i": {"values": [1]}}})
    agent = _create_agent(server, project, sweep["name"])
    [given] = _heartbeat(server, agent)
    server.upsert_run(ENTITY, project, given["run_id"], sweep=sweep["name"])
    time.sleep(2.5)
    other = _create_agent(server, project, sweep["name"])
    assert _heartbeat(server, other) == [{"type": "exit"}]


def _log_history(server, project: str, run: str, values: list[float]):
    lines = [json.dumps({"_step": i, "val_loss": v}) for i, v in enumerate(values)]
    resp = server.file_stream(ENTITY, project, run, {"files": {"wandb-history.jsonl": {"offset": 0, "content": lines}}})
    assert resp.status_code == 200, resp.text


def test_hyperband_stops_a_poor_run(server):
    project = _project("hyperband")
    sweep = _create_sweep(server, project, {
        "method": "random",
        "metric": {"name": "val_loss", "goal": "minimize"},
        "parameters": {"a": {"values": [1, 2, 3]}},
        "early_terminate": {"type": "hyperband", "min_iter": 2, "eta": 2},
    })
    agents = [_create_agent(server, project, sweep["name"]) for _ in range(4)]
    run_ids = [_heartbeat(server, a)[0]["run_id"] for a in agents]
    for run_id in run_ids:
        server.upsert_run(ENTITY, project, run_id, sweep=sweep["name"])
    good = [[0.5, 0.4, 0.3], [0.6, 0.5, 0.4], [0.55, 0.45, 0.35]]
    for run_id, values in zip(run_ids[:3], good):
        _log_history(server, project, run_id, values)
    _log_history(server, project, run_ids[3], [5.0, 4.0, 3.0])
    # The poor run is past the first milestone and worse than the cut-off.
    assert _heartbeat(server, agents[3], [run_ids[3]]) == [{"type": "stop", "run_id": run_ids[3]}]
    # The best run goes on.
    assert _heartbeat(server, agents[0], [run_ids[0]]) == []


@pytest.mark.parametrize(
    "config, field",
    [
        ({"method": "nope", "parameters": {"a": {"values": [1]}}}, "method"),
        ({"method": "bayes", "parameters": {"a": {"min": 0.0, "max": 1.0}}}, "metric"),
        ({"method": "random", "parameters": {"lr": {"min": 0.5, "max": 0.1}}}, "lr"),
        ({"method": "grid", "parameters": {"lr": {"min": 0.1, "max": 0.5}}}, "lr"),
        ({"method": "random", "parameters": {"lr": {"distribution": "log_uniform_values", "min": -1.0, "max": 1.0}}}, "lr"),
    ],
)
def test_bad_configs_get_a_clear_error_naming_the_field_and_create_nothing(server, tmp_path, config, field):
    project = _project("invalid")
    resp = server.gql(
        "mutation($c: String, $p: String) { upsertSweep(input: {config: $c, projectName: $p, entityName: \"admin\"}) { sweep { name } } }",
        {"c": yaml.safe_dump(config), "p": project},
    )
    assert "errors" in resp, resp
    message = resp["errors"][0]["message"]
    assert field in message, message
    with wandb_env(server, tmp_path):
        with pytest.raises(Exception) as raised:
            wandb.sweep(config, project=project, entity=ENTITY)
    assert field in str(raised.value)
    data = _gql(server, "query($p: String!) { project(name: $p, entityName: \"admin\") { totalSweeps } }", {"p": project})
    assert data["project"] is None or data["project"]["totalSweeps"] == 0


def test_malformed_yaml_is_refused_with_its_position(server):
    resp = server.gql(
        "mutation($c: String) { upsertSweep(input: {config: $c, projectName: \"p-yaml\", entityName: \"admin\"}) { sweep { name } } }",
        {"c": "method: grid\nparameters: [unclosed\n"},
    )
    assert "errors" in resp and "line" in resp["errors"][0]["message"], resp


def test_public_api_reads_sweeps(server, tmp_path):
    project = _project("api")
    config = {"method": "random", "metric": {"name": "val_loss", "goal": "maximize"}, "run_cap": 2,
              "parameters": {"a": {"values": [1, 2, 3]}}}
    with wandb_env(server, tmp_path):
        sweep_id = wandb.sweep(config, project=project, entity=ENTITY)
        wandb.agent(sweep_id, function=_train(lambda p: float(p["a"])), project=project, entity=ENTITY)
    api = server.api()
    sweep = api.sweep(f"{ENTITY}/{project}/{sweep_id}")
    assert sweep.id == sweep_id and sweep.entity == ENTITY and sweep.project == project
    assert sweep.url.endswith(f"/{ENTITY}/{project}/sweeps/{sweep_id}")
    assert sweep.config["metric"]["goal"] == "maximize"
    runs = list(api.runs(f"{ENTITY}/{project}", filters={"sweep": sweep_id}))
    assert len(runs) == 2
    best = sweep.best_run()
    assert best.summary["val_loss"] == max(r.summary["val_loss"] for r in runs)
    assert math.isclose(sweep.best_loss, best.summary["val_loss"])
    by_path = api.from_path(f"{ENTITY}/{project}/sweeps/{sweep_id}")
    assert by_path.id == sweep_id
    listed = list(api.project(project, entity=ENTITY).sweeps())
    assert [s.id for s in listed] == [sweep_id]
    # A run knows its sweep, and listings can load it.
    run = api.run(f"{ENTITY}/{project}/{runs[0].id}")
    assert run.sweep is not None and run.sweep.id == sweep_id
    with_sweeps = list(api.runs(f"{ENTITY}/{project}", include_sweeps=True))
    assert {r.sweep.id for r in with_sweeps} == {sweep_id}
    # The agent that ran them, and its runs.
    [agent] = sweep.agents()
    assert agent.state == "FINISHED" and agent.totalRuns == 2
    assert sorted(r.id for r in agent.runs()) == sorted(r.id for r in runs)
    assert sweep.agent(agent.name).id == agent.id
    # A missing sweep is an error, not a crash.
    with pytest.raises(Exception):
        api.sweep(f"{ENTITY}/{project}/nosuchsw")


def test_readers_read_sweeps_only_writers_control_them(server):
    project = _project("access")
    sweep = _create_sweep(server, project, {"method": "random", "parameters": {"a": {"values": [1]}}})
    _, _, outsider = server.new_user()
    resp = server.gql(
        "mutation($id: ID) { upsertSweep(input: {id: $id, state: \"PAUSED\"}) { sweep { state } } }",
        {"id": sweep["id"]}, key=outsider,
    )
    assert "errors" in resp, resp
    resp = server.gql(
        "mutation($s: String!, $p: String) { createAgent(input: {host: \"h\", projectName: $p, entityName: \"admin\", sweep: $s}) { agent { id } } }",
        {"s": sweep["name"], "p": project}, key=outsider,
    )
    assert "errors" in resp, resp
    assert _sweep_state(server.api(), project, sweep["name"]) == "RUNNING"
