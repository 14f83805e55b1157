"""Nothing acknowledged is lost, and silent runs are marked crashed.

These tests run servers of their own (not the session one): one is
SIGKILLed while history streams in and restarted on the same data
directory; another runs with `--run-timeout 1` so a silent run turns
`crashed` within a couple of seconds.

Rows are sent as raw file_stream requests, exactly as wandb-core sends
them (`{"files": {"wandb-history.jsonl": {"offset": N, "content": [...]}}}`),
so the test knows precisely which requests got a 200.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests

from conftest import start_server
from test_runs import console_lines

BATCH = 25


def _row(run: str, step: int) -> dict:
    return {"_step": step, "_runtime": step / 100, "_timestamp": 1.7e9 + step, "loss": 1 / (step + 1), "run": run, "pad": "p" * 200}


def _body(run: str, offset: int, n: int = BATCH) -> dict:
    lines = [json.dumps(_row(run, s)) for s in range(offset, offset + n)]
    return {
        "files": {
            "wandb-history.jsonl": {"offset": offset, "content": lines},
            "wandb-summary.json": {"offset": 0, "content": [json.dumps({"last_step": offset + n - 1})]},
            "output.log": {"offset": offset // BATCH, "content": [f"2026-01-01T00:00:00.000000 batch {offset // BATCH}"]},
        }
    }


def test_kill_9_loses_no_acknowledged_row(tmp_path):
    data_dir = tmp_path / "data"
    server = start_server(data_dir)
    restarted = None
    try:
        for run in ("fg", "bg"):
            server.upsert_run("admin", "durable", run, state="running")

        acked = {"bg": 0}
        stop = threading.Event()
        errors: list[str] = []

        def background_writer():
            """Keeps posting to `bg` until the server dies under it."""
            session = requests.Session()
            offset = 0
            while not stop.is_set():
                try:
                    resp = session.post(
                        f"{server.url}/files/admin/durable/bg/file_stream",
                        json=_body("bg", offset),
                        headers=server.basic_auth(),
                        timeout=30,
                    )
                except requests.RequestException:
                    return  # the server was killed mid-request
                if resp.status_code != 200:
                    errors.append(f"{resp.status_code} {resp.text}")
                    return
                offset += BATCH
                acked["bg"] = offset

        writer = threading.Thread(target=background_writer, daemon=True)
        writer.start()
        fg_offset = 0
        while fg_offset < 40 * BATCH or acked["bg"] < 40 * BATCH:
            resp = server.file_stream("admin", "durable", "fg", _body("fg", fg_offset))
            assert resp.status_code == 200, resp.text
            fg_offset += BATCH
            assert fg_offset < 2000 * BATCH, "the background writer made no progress"
        # SIGKILL right after a 200, while the other thread is still posting.
        server.proc.kill()
        server.proc.wait(timeout=30)
        stop.set()
        writer.join(timeout=30)
        assert not errors, errors
        bg_acked = acked["bg"]
        assert bg_acked >= 40 * BATCH

        restarted = start_server(data_dir)
        api = restarted.api()

        fg = api.run("admin/durable/fg")
        assert fg._attrs["historyLineCount"] == fg_offset
        fg_rows = list(fg.scan_history())
        assert [r["_step"] for r in fg_rows] == list(range(fg_offset))
        assert fg_rows == [_row("fg", s) for s in range(fg_offset)], "rows come back exactly as sent"
        assert fg.summary["last_step"] == fg_offset - 1
        assert fg._attrs["state"] == "running"

        bg = api.run("admin/durable/bg")
        stored = bg._attrs["historyLineCount"]
        # The request in flight at the kill may or may not have committed,
        # but never in part.
        assert stored in (bg_acked, bg_acked + BATCH), (stored, bg_acked)
        bg_rows = list(bg.scan_history())
        assert bg_rows == [_row("bg", s) for s in range(stored)]

        # The client resends what it has no answer for; a resend stores
        # nothing twice.
        resp = restarted.file_stream("admin", "durable", "bg", _body("bg", bg_acked))
        assert resp.status_code == 200, resp.text
        bg = restarted.api().run("admin/durable/bg")
        assert bg._attrs["historyLineCount"] == bg_acked + BATCH
        assert [r["_step"] for r in bg.scan_history()] == list(range(bg_acked + BATCH))
        lines = [content for content, _ in console_lines(restarted, "admin/durable/bg")]
        assert lines == [f"batch {i}" for i in range((bg_acked + BATCH) // BATCH)]
    finally:
        server.stop()
        if restarted:
            restarted.stop()


@pytest.fixture(scope="module")
def quick_timeout_server(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("cairn-timeout"), args=("--run-timeout", "1"))
    yield server
    server.stop()


def _state(server, run: str) -> str:
    return server.api().run(f"admin/silent/{run}").state


def _wait_for_state(server, run: str, state: str, seconds: float = 10) -> str:
    deadline = time.monotonic() + seconds
    while (current := _state(server, run)) != state and time.monotonic() < deadline:
        time.sleep(0.2)
    return current


def test_a_silent_run_is_marked_crashed_and_revives_when_it_streams(quick_timeout_server):
    server = quick_timeout_server
    server.upsert_run("admin", "silent", "quiet", state="running")
    assert server.file_stream("admin", "silent", "quiet", _body("quiet", 0)).status_code == 200
    assert _wait_for_state(server, "quiet", "crashed") == "crashed"
    # Its data is untouched.
    run = server.api().run("admin/silent/quiet")
    assert [r["_step"] for r in run.scan_history()] == list(range(BATCH))
    # It streams again (e.g. after a network outage, or a resume): running.
    assert server.file_stream("admin", "silent", "quiet", _body("quiet", BATCH)).status_code == 200
    assert _state(server, "quiet") == "running"
    # And it finishes normally.
    done = server.file_stream("admin", "silent", "quiet", {"complete": True, "exitcode": 0})
    assert done.status_code == 200
    assert _state(server, "quiet") == "finished"


def test_finished_and_failed_runs_are_never_marked_crashed(quick_timeout_server):
    server = quick_timeout_server
    for run, exitcode in (("ok", 0), ("bad", 3)):
        server.upsert_run("admin", "silent", run, state="running")
        resp = server.file_stream("admin", "silent", run, {**_body(run, 0), "complete": True, "exitcode": exitcode})
        assert resp.status_code == 200
    time.sleep(2.5)
    assert _state(server, "ok") == "finished"
    assert _state(server, "bad") == "failed"


def test_a_heartbeat_keeps_a_run_alive(quick_timeout_server):
    server = quick_timeout_server
    server.upsert_run("admin", "silent", "beating", state="running")
    for _ in range(6):
        assert server.file_stream("admin", "silent", "beating", {}).status_code == 200
        time.sleep(0.4)
        assert _state(server, "beating") == "running"
