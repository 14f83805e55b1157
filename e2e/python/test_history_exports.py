"""Columnar history (issue 17) through the official client.

A server of this module's own compacts quickly (every 100 ms, a running
run once 1,000 rows are due beyond its 1,000 newest), so the tests see
stopped runs fully compacted and running runs partly. Rows go in through
raw file_stream requests (wandb-core's wire format, thousands of rows in a
moment) and come back through `run.history`, `run.scan_history` (which in
0.31 reads the Parquet files wandb-core downloads, and the live tail
through GraphQL) and `run.download_history_exports`.

The crash test kills the server with SIGKILL while it compacts, again and
again, and then checks every acknowledged row is read back exactly once.
"""

from __future__ import annotations

import json
import math
import os
import random
import signal
import time
import uuid

import pytest
import requests
from conftest import CLIENT, client_since, start_server
from packaging.version import Version
from wandb.apis.public import IncompleteRunHistoryError

COMPACTION = ("--history-compaction-interval", "100", "--history-compact-every", "1000", "--history-export-delay", "0")

PARQUET_HISTORY = """query RunParquetHistory($entity: String!, $project: String!, $runName: String!, $liveKeys: [String!]!) {
  project(name: $project, entityName: $entity) { run(name: $runName) {
    parquetHistory(liveKeys: $liveKeys) { parquetUrls liveData } } } }"""


def row(step: int, nested: bool = False) -> dict:
    """A row with every kind of scalar the columns must keep: floats, ints,
    NaN and infinities, strings, and keys that come and go; with `nested`,
    nested dicts and media references too."""
    r = {
        "_step": step,
        "_runtime": step / 10,
        "_timestamp": 1.7e9 + step * 0.25,
        "loss": 1.0 / (step + 1),
        "epoch": step // 100,
        "note": f"s{step} \"quoted\" ü",
    }
    if step % 7 == 0:
        r["sparse"] = step * 1.5
    if step == 7:
        r["loss"] = float("nan")
    if step == 8:
        r["loss"] = float("inf")
    if step == 9:
        r["loss"] = float("-inf")
    if nested and step % 500 == 0:
        r["nested"] = {"a": [1, 2, {"b": None}], "c": "x"}
        r["image"] = {"_type": "image-file", "path": f"media/images/i_{step}.png", "sha256": "ab" * 32}
    return r


def log_rows(server, project: str, name: str, steps: range, finish: bool, nested: bool = False) -> list[dict]:
    rows = [row(s, nested) for s in steps]
    server.upsert_run("admin", project, name, state="running")
    chunk = 1000
    for i in range(0, len(rows), chunk):
        body = {"files": {"wandb-history.jsonl": {"offset": steps.start + i, "content": [json.dumps(r) for r in rows[i : i + chunk]]}}}
        resp = server.file_stream("admin", project, name, body)
        assert resp.status_code == 200, resp.text
    if finish:
        resp = server.file_stream("admin", project, name, {"complete": True, "exitcode": 0})
        assert resp.status_code == 200, resp.text
    return rows


def parquet_history(server, project: str, name: str, live_keys=("_step",)) -> dict:
    out = server.gql(PARQUET_HISTORY, {"entity": "admin", "project": project, "runName": name, "liveKeys": list(live_keys)})
    assert "errors" not in out, out
    return out["data"]["project"]["run"]["parquetHistory"]


def wait_for(server, project: str, name: str, done, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        ph = parquet_history(server, project, name)
        if done(ph):
            return ph
        assert time.monotonic() < deadline, f"compaction did not get there: {len(ph['parquetUrls'])} files, {len(ph['liveData'])} live rows"
        time.sleep(0.1)


def same(a, b, kinds: bool = True) -> bool:
    """Equal values, NaN equal to NaN; ints never equal to floats unless
    `kinds` is off (wandb-core writes a whole float such as 0.0 as `0`)."""
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) and not isinstance(b, bool):
        if kinds and type(a) is not type(b):
            return False
        return (math.isnan(a) and math.isnan(b)) if isinstance(a, float) and math.isnan(a) else a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], kinds) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y, kinds) for x, y in zip(a, b))
    return a == b


@pytest.fixture(scope="module")
def hx(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("cairn-hx"), args=COMPACTION)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def finished(hx):
    """A finished run of 2,500 rows, fully compacted."""
    project = "hx-" + uuid.uuid4().hex[:8]
    rows = log_rows(hx, project, "done", range(2500), finish=True)
    wait_for(hx, project, "done", lambda ph: ph["parquetUrls"] and not ph["liveData"])
    return project, rows


def test_a_finished_run_is_compacted_and_reads_back_the_same(hx, finished):
    project, rows = finished
    api = hx.api()
    run = api.run(f"admin/{project}/done")
    # Through GraphQL pages (every client version) and through Parquet (0.31).
    sampled = run.history(samples=5000, pandas=False)
    assert len(sampled) == len(rows)
    assert all(same(got, want) for got, want in zip(sampled, rows)), "history(samples) differs"
    paged = hx.gql(
        'query { project(name: "%s", entityName: "admin") { run(name: "done") { history(minStep: 995, maxStep: 1005, samples: 100) } } }' % project
    )["data"]["project"]["run"]["history"]
    assert [json.loads(r)["_step"] for r in paged] == list(range(995, 1005))
    keyed = run.history(keys=["sparse"], samples=50, pandas=False)
    assert 0 < len(keyed) <= 50 and all("sparse" in r for r in keyed)
    assert keyed[0]["_step"] == 0 and keyed[-1]["_step"] == 2499 // 7 * 7


@client_since("0.27.0", "scan_history through wandb-core's Parquet reader")
def test_scan_history_reads_the_parquet_files(hx, finished, tmp_path, monkeypatch):
    monkeypatch.setenv("WANDB_CACHE_DIR", str(tmp_path))
    project, rows = finished
    run = hx.api().run(f"admin/{project}/done")
    scanned = list(run.scan_history(use_cache=False))
    assert [r["_step"] for r in scanned] == list(range(2500))
    # A Parquet row has every column, null where the row had no value.
    for got, want in zip(scanned, rows):
        present = {k: v for k, v in got.items() if v is not None}
        assert same(present, want, kinds=False), (got, want)
    keyed = list(run.scan_history(keys=["loss"], page_size=333, use_cache=False))
    assert len(keyed) == 2500 and set(keyed[0]) == {"_step", "loss"}
    # Through Parquet NaN is a float; through sampledHistory pages (0.27,
    # whose reader gets no files) the string "NaN", as for any live run.
    assert math.isnan(float(keyed[7]["loss"])) and float(keyed[8]["loss"]) == math.inf
    part = list(run.scan_history(min_step=990, max_step=1010, use_cache=False))
    assert [r["_step"] for r in part] == list(range(990, 1010))


@client_since("0.30.0", "download_history_exports")
def test_download_history_exports_gets_the_files(hx, finished, tmp_path):
    project, _ = finished
    run = hx.api().run(f"admin/{project}/done")
    result = run.download_history_exports(tmp_path)
    assert result.contains_live_data is False and not result.errors
    assert result.paths
    for path in result.paths:
        assert path.name.startswith(f"admin_{project}_done_") and path.name.endswith(".runhistory.parquet")
        data = path.read_bytes()
        assert data[:4] == b"PAR1" and data[-4:] == b"PAR1"


def test_a_run_with_nested_values_is_compacted_but_read_through_pages(hx, tmp_path, monkeypatch):
    """Nested dicts and media references would come back from the
    client's Parquet reader as text: such a run hands out no files, and
    every row reads back as logged."""
    monkeypatch.setenv("WANDB_CACHE_DIR", str(tmp_path))
    project = "hx-" + uuid.uuid4().hex[:8]
    files = hx.data_dir / "blobs"
    before = len(list(files.rglob("*.parquet")))
    rows = log_rows(hx, project, "media", range(1200), finish=True, nested=True)
    deadline = time.monotonic() + 60
    while len(list(files.rglob("*.parquet"))) == before:
        assert time.monotonic() < deadline, "the run was not compacted"
        time.sleep(0.1)
    ph = parquet_history(hx, project, "media")
    assert ph["parquetUrls"] == [] and [r["_step"] for r in ph["liveData"]] == list(range(1200))
    run = hx.api().run(f"admin/{project}/media")
    got = list(run.scan_history()) if CLIENT >= Version("0.27.0") else run.history(samples=5000, pandas=False)
    assert len(got) == 1200 and all(same(g, w, kinds=False) for g, w in zip(got, rows))
    assert got[500]["image"]["_type"] == "image-file" and got[0]["nested"]["a"][2] == {"b": None}


def test_history_file_urls_are_signed_and_answer_ranges(hx, finished):
    project, _ = finished
    url = parquet_history(hx, project, "done")["parquetUrls"][0]
    head = requests.head(url, timeout=10)
    assert head.status_code == 200
    size = int(head.headers["Content-Length"])
    whole = requests.get(url, timeout=10)
    assert whole.status_code == 200 and len(whole.content) == size
    tail = requests.get(url, headers={"Range": "bytes=-8"}, timeout=10)
    assert tail.status_code == 206 and tail.content == whole.content[-8:]
    first = requests.get(url, headers={"Range": "bytes=0-0"}, timeout=10)
    assert first.status_code == 206 and first.headers["Content-Range"] == f"bytes 0-0/{size}"
    beyond = requests.get(url, headers={"Range": f"bytes={size}-"}, timeout=10)
    assert beyond.status_code == 416
    unsigned = url.split("?")[0]
    assert requests.get(unsigned, timeout=10).status_code in (401, 403)
    forged = url.replace("sig=", "sig=x")
    assert requests.get(forged, timeout=10).status_code in (401, 403)


def test_a_running_run_is_compacted_in_part_without_duplicates(hx, tmp_path, monkeypatch):
    monkeypatch.setenv("WANDB_CACHE_DIR", str(tmp_path))
    project = "hx-" + uuid.uuid4().hex[:8]
    rows = log_rows(hx, project, "live", range(5000), finish=False)
    ph = wait_for(hx, project, "live", lambda ph: ph["parquetUrls"] and len(ph["liveData"]) < 2000)
    live = [r["_step"] for r in ph["liveData"]]
    # The newest rows stay live, and the live part starts a block of 1,000
    # steps, so no page of a scan holds compacted and live rows.
    assert live and live[0] % 1000 == 0 and live == list(range(live[0], 5000))
    # A resent chunk (offset 0) must not bring compacted rows back.
    body = {"files": {"wandb-history.jsonl": {"offset": 0, "content": [json.dumps(r) for r in rows[:1000]]}}}
    assert hx.file_stream("admin", project, "live", body).status_code == 200
    assert [r["_step"] for r in parquet_history(hx, project, "live")["liveData"]] == live
    run = hx.api().run(f"admin/{project}/live")
    assert [r["_step"] for r in run.history(samples=10_000, pandas=False)] == list(range(5000))
    if CLIENT >= Version("0.27.0"):
        steps = [r["_step"] for r in run.scan_history(use_cache=False)]
        assert steps == list(range(5000))
    if CLIENT >= Version("0.30.0"):
        with pytest.raises(IncompleteRunHistoryError):
            run.download_history_exports(tmp_path / "strict")
        partial = run.download_history_exports(tmp_path / "partial", require_complete_history=False)
        assert partial.contains_live_data is True and partial.paths


def test_rewinding_a_compacted_run_keeps_the_rows_before_the_step(hx, finished):
    project = "hx-" + uuid.uuid4().hex[:8]
    log_rows(hx, project, "rw", range(1500), finish=True)
    wait_for(hx, project, "rw", lambda ph: ph["parquetUrls"] and not ph["liveData"])
    out = hx.gql(
        'mutation { rewindRun(input: {runName: "rw", entityName: "admin", projectName: "%s", metricName: "_step", metricValue: 599}) { rewoundRun { historyLineCount } } }'
        % project
    )
    assert "errors" not in out, out
    run = hx.api().run(f"admin/{project}/rw")
    assert [r["_step"] for r in run.history(samples=5000, pandas=False)] == list(range(600))


def test_every_acknowledged_row_survives_kill_9_during_compaction(tmp_path):
    data = tmp_path / "data"
    server = start_server(data, args=("--history-compaction-interval", "1000000"))
    project = "crash"
    expected = {}
    try:
        for i in range(8):
            name = f"r{i}"
            expected[name] = len(log_rows(server, project, name, range(3000), finish=True))
    finally:
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait()
    rng = random.Random(17)
    for _ in range(6):
        server = start_server(data, args=("--history-compaction-interval", "10", "--history-export-delay", "0"))
        time.sleep(rng.uniform(0.0, 0.4))
        os.kill(server.proc.pid, signal.SIGKILL)
        server.proc.wait()
    server = start_server(data, args=("--history-compaction-interval", "10", "--history-export-delay", "0"))
    try:
        for name, count in expected.items():
            wait_for(server, project, name, lambda ph: ph["parquetUrls"] and not ph["liveData"])
            got = server.gql(
                'query { project(name: "%s", entityName: "admin") { run(name: "%s") { history(samples: 10000) historyLineCount } } }'
                % (project, name)
            )["data"]["project"]["run"]
            steps = [json.loads(r)["_step"] for r in got["history"]]
            assert steps == list(range(count)), name
    finally:
        server.stop()
