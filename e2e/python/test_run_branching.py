"""Run names, forking and rewinding, with the official client.

- A run started without `name=` gets a display name from the server
  (`adjective-noun-N`, N the project's run count, as on W&B); the client
  shows it as `run.name` and `api.runs` lists it; resuming keeps it.
- `wandb.init(fork_from="src?_step=N")`: the client sends the branch point
  in the new run's config (`_wandb.branch_point`); the fork's history is the
  parent's up to step N, then its own from N+1.
- `wandb.init(id=src, resume_from="src?_step=N")`: the client first sends
  `rewindRun(metricName: "_step", metricValue: N)`; history after N is gone
  and the run continues at N+1.
"""

from __future__ import annotations

import json
import re

import wandb

from conftest import ADMIN_KEY, wandb_env
from test_runs import init_settings

ENTITY = "admin"
NAME = re.compile(r"^[a-z]+-[a-z]+-(\d+)$")


def log_steps(server, tmp_path, project, run_id, values, **init):
    """A `wandb.init` run logging `x` = each of `values`, one step each."""
    root = tmp_path / f"w-{run_id}-{len(list(tmp_path.iterdir()))}"
    root.mkdir()
    with wandb_env(server, root):
        run = wandb.init(project=project, id=run_id, settings=init_settings(server, root), **init)
        name = run.name
        for v in values:
            run.log({"x": v})
        run.finish()
    return name


def steps_and_x(api, project, run_id):
    run = api.run(f"{ENTITY}/{project}/{run_id}")
    return [(row["_step"], row["x"]) for row in run.scan_history(keys=["_step", "x"])], run


def test_an_unnamed_run_gets_a_readable_name_that_resume_keeps(server, tmp_path, unique):
    name = log_steps(server, tmp_path, unique, "first", [1])
    assert NAME.match(name), name
    assert name.endswith("-1"), "the project's first run is numbered 1"
    listed = {r.id: r.name for r in server.api().runs(f"{ENTITY}/{unique}")}
    assert listed == {"first": name}
    # Resuming sends no display name: the generated one stays.
    again = log_steps(server, tmp_path, unique, "first", [2], resume="must")
    assert again == name
    # A name the user gives is kept as given.
    assert log_steps(server, tmp_path, unique, "second", [1], name="mine") == "mine"
    listed = {r.id: r.name for r in server.api().runs(f"{ENTITY}/{unique}")}
    assert listed == {"first": name, "second": "mine"}


def test_generated_names_are_numbered_and_unique_in_a_project(server, unique):
    names = [server.upsert_run(ENTITY, unique, f"r{i}")["displayName"] for i in range(40)]
    assert [int(NAME.match(n).group(1)) for n in names] == list(range(1, 41)), names
    assert len(set(names)) == len(names)
    # Updating a run never renames it.
    assert server.upsert_run(ENTITY, unique, "r0", notes="x")["displayName"] == names[0]


def test_fork_from_starts_with_the_parents_history(server, tmp_path, unique):
    log_steps(server, tmp_path, unique, "src", range(10), config={"a": 1})
    log_steps(
        server, tmp_path, unique, "fork", [100, 101, 102], fork_from="src?_step=4", config={"b": 2}
    )
    api = server.api()
    rows, fork = steps_and_x(api, unique, "fork")
    assert rows == [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 100), (6, 101), (7, 102)]
    sampled = [(r["_step"], r["x"]) for r in fork.history(samples=100, pandas=False)]
    assert sampled == rows
    assert fork.summary["x"] == 102
    assert fork.config["b"] == 2
    # The parent is untouched.
    assert steps_and_x(api, unique, "src")[0] == [(i, i) for i in range(10)]
    # The server's own answer: the fork's keys count the copied rows.
    keys = server.gql(
        "query($p: String!) { project(name: $p, entityName: \"admin\") "
        "{ run(name: \"fork\") { historyKeys historyLineCount } } }",
        {"p": unique},
    )
    assert "errors" not in keys, keys
    run = keys["data"]["project"]["run"]
    assert run["historyKeys"]["lastStep"] == 7
    assert run["historyKeys"]["keys"]["x"]["typeCounts"] == [{"type": "number", "count": 8}]
    # The client's own lines: the fork's file_stream offsets start at 0.
    assert run["historyLineCount"] == 3


def test_fork_from_an_unknown_run_is_refused(server, unique):
    config = {"_wandb": {"value": {"branch_point": {"step": 3, "run_id": "nope"}}}}
    resp = server.gql(
        "mutation($input: UpsertBucketInput!) { upsertBucket(input: $input) { bucket { id } } }",
        {"input": {"entityName": ENTITY, "modelName": unique, "name": "f", "config": json.dumps(config)}},
    )
    assert "nope" in resp["errors"][0]["message"], resp
    assert list(server.api().runs(f"{ENTITY}/{unique}")) == []


def test_resume_from_rewinds_and_continues(server, tmp_path, unique):
    log_steps(server, tmp_path, unique, "src", range(10))
    name = log_steps(server, tmp_path, unique, "src", [200, 201], resume_from="src?_step=6")
    api = server.api()
    rows, run = steps_and_x(api, unique, "src")
    assert rows == [(i, i) for i in range(7)] + [(7, 200), (8, 201)]
    assert run.name == name
    assert run.summary["x"] == 201
    assert run.lastHistoryStep == 8


def test_rewind_run_answers_and_errors(server, unique):
    server.upsert_run(ENTITY, unique, "r", summaryMetrics={"x": 9, "best": 1})
    lines = [{"_step": i, "x": i} for i in range(10)] + [{"_step": 10, "late": "a"}]
    body = {"files": {"wandb-history.jsonl": {"offset": 0, "content": [json.dumps(l) for l in lines]}}}
    assert server.file_stream(ENTITY, unique, "r", body).status_code == 200
    rewind = (
        "mutation($m: String!, $v: Float!, $p: String) { rewindRun(input: {runName: \"r\", "
        "entityName: \"admin\", projectName: $p, metricName: $m, metricValue: $v}) "
        "{ rewoundRun { name displayName config project { name entity { name } } historyLineCount } } }"
    )
    resp = server.gql(rewind, {"m": "_step", "v": 3, "p": unique})
    assert "errors" not in resp, resp
    rewound = resp["data"]["rewindRun"]["rewoundRun"]
    assert rewound["historyLineCount"] == 4
    assert rewound["project"] == {"name": unique, "entity": {"name": ENTITY}}
    run = server.api().run(f"{ENTITY}/{unique}/r")
    assert [r["_step"] for r in run.scan_history()] == [0, 1, 2, 3]
    # History keys take their last remaining value; keys logged only after
    # the step are gone; entries not from history stay.
    assert run.summary["x"] == 3
    assert run.summary["best"] == 1
    assert "late" not in run.summary
    for metric, value, words in [("loss", 1, "loss"), ("_step", -1, "non-negative")]:
        resp = server.gql(rewind, {"m": metric, "v": value, "p": unique})
        assert words in resp["errors"][0]["message"], resp
    resp = server.gql(rewind, {"m": "_step", "v": 1, "p": "no-such-project"})
    assert resp["errors"], resp


def test_rewind_run_needs_write_access(server, unique):
    server.upsert_run(ENTITY, unique, "r")
    _, _, key = server.new_user()
    resp = server.gql(
        "mutation { rewindRun(input: {runName: \"r\", entityName: \"admin\", projectName: \"%s\", "
        "metricName: \"_step\", metricValue: 0}) { rewoundRun { name } } }" % unique,
        key=key,
    )
    assert resp["errors"], resp
    assert resp.get("data") is None or resp["data"]["rewindRun"] is None
