"""Crashed runs and resuming, with the official client.

A training script is SIGKILLed (with its wandb-core) while its run is
live: the run never finishes, and what the server acknowledged stays.
`wandb.init(id=…, resume="must")` then picks the run up where it stopped;
`resume="allow"` creates or continues; `"must"` for an unknown run and
`"never"` for an existing one fail.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
import wandb

from conftest import ADMIN_KEY, wandb_env
from test_runs import init_settings

CRASH_ROWS = 12

CHILD = r"""
import sys, time
import wandb

base_url, key, root, project, run_id, n = sys.argv[1:7]
run = wandb.init(
    project=project,
    id=run_id,
    config={"lr": 0.5, "arch": {"depth": 3}},
    tags=["crashy"],
    settings=wandb.Settings(
        base_url=base_url, api_key=key, silent=True, root_dir=root,
        x_file_stream_transmit_interval=1.0,
    ),
)
for i in range(int(n)):
    run.log({"loss": 1 / (i + 1), "i": i})
print("logged every row", flush=True)
while True:
    time.sleep(1)
"""


def _run_attrs(server, path):
    """The run as the server has it now (a fresh Api: `api.run` caches)."""
    return server.api().run(path)


@pytest.fixture(scope="module")
def crashed(server, tmp_path_factory):
    """A run whose script and wandb-core were SIGKILLed after the server
    had acknowledged CRASH_ROWS rows. Returns what the server held then."""
    root = tmp_path_factory.mktemp("wandb-crash")
    project = "crash-" + uuid.uuid4().hex[:8]
    run_id = "crash" + uuid.uuid4().hex[:6]
    path = f"admin/{project}/{run_id}"
    script = root / "train.py"
    script.write_text(CHILD)
    # A clean environment: in particular no WANDB_SERVICE, which this
    # process sets once its own wandb-core runs and which would make the
    # script use (and not take down) this process's wandb-core.
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_")}
    child = subprocess.Popen(
        [sys.executable, str(script), server.url, ADMIN_KEY, str(root), project, run_id, str(CRASH_ROWS)],
        env=env,
        start_new_session=True,  # its own process group: wandb-core dies with it
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert child.poll() is None, child.stdout.read()
            try:
                run = _run_attrs(server, path)
                if run._attrs["historyLineCount"] >= CRASH_ROWS:
                    break
            except (ValueError, wandb.errors.CommError):
                pass  # not created yet
            assert time.monotonic() < deadline, "the script's rows never reached the server"
            time.sleep(0.2)
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    time.sleep(0.5)  # nothing more arrives
    run = _run_attrs(server, path)
    return {
        "path": path,
        "project": project,
        "run_id": run_id,
        "root": root,
        "state": run.state,
        "steps": [r["_step"] for r in run.scan_history()],
        "config": run.config,
        "tags": run.tags,
    }


def test_a_killed_script_leaves_an_unfinished_run_with_its_rows(crashed):
    assert crashed["state"] in ("running", "crashed")
    assert crashed["steps"] == list(range(CRASH_ROWS))
    assert crashed["config"] == {"lr": 0.5, "arch": {"depth": 3}}
    assert crashed["tags"] == ["crashy"]


def test_resume_must_continues_a_crashed_run(server, crashed):
    with wandb_env(server, crashed["root"]):
        run = wandb.init(
            project=crashed["project"],
            id=crashed["run_id"],
            resume="must",
            settings=init_settings(server, crashed["root"]),
        )
        try:
            assert run.resumed
            assert run.starting_step == CRASH_ROWS, "the client continues after the last acknowledged step"
            assert run.config["lr"] == 0.5 and run.config["arch"] == {"depth": 3}
            for i in range(CRASH_ROWS, CRASH_ROWS + 5):
                run.log({"loss": 1 / (i + 1), "i": i})
            run.summary["resumed"] = True
        finally:
            run.finish()
    after = _run_attrs(server, crashed["path"])
    assert after.state == "finished"
    rows = list(after.scan_history())
    assert [r["_step"] for r in rows] == list(range(CRASH_ROWS + 5))
    assert [r["i"] for r in rows] == list(range(CRASH_ROWS + 5))
    assert after._attrs["historyLineCount"] == CRASH_ROWS + 5
    assert after.config == {"lr": 0.5, "arch": {"depth": 3}}
    assert after.tags == ["crashy"]
    assert after.summary["resumed"] is True
    assert after.summary["i"] == CRASH_ROWS + 4


def test_resume_allow_creates_then_continues(server, tmp_path, unique):
    with wandb_env(server, tmp_path):
        first = wandb.init(project=unique, id="allow1", resume="allow", settings=init_settings(server, tmp_path))
        try:
            assert not first.resumed
            for i in range(3):
                first.log({"x": i})
        finally:
            first.finish()
        second = wandb.init(project=unique, id="allow1", resume="allow", settings=init_settings(server, tmp_path))
        try:
            assert second.resumed
            assert second.starting_step == 3
            second.log({"x": 3})
            second.log({"x": 4})
        finally:
            second.finish()
    run = _run_attrs(server, f"admin/{unique}/allow1")
    assert [(r["_step"], r["x"]) for r in run.scan_history()] == [(i, i) for i in range(5)]
    assert run.state == "finished"
    assert [r.id for r in server.api().runs(f"admin/{unique}")] == ["allow1"]


def test_resume_must_for_an_unknown_run_fails_and_creates_nothing(server, tmp_path, unique):
    server.api().create_project(unique, "admin")
    with wandb_env(server, tmp_path):
        with pytest.raises(Exception):
            wandb.init(project=unique, id="nope", resume="must", settings=init_settings(server, tmp_path))
    assert [r.id for r in server.api().runs(f"admin/{unique}")] == []


def test_resume_never_for_an_existing_run_fails(server, crashed, tmp_path):
    with wandb_env(server, tmp_path):
        with pytest.raises(Exception):
            wandb.init(
                project=crashed["project"],
                id=crashed["run_id"],
                resume="never",
                settings=init_settings(server, tmp_path),
            )
