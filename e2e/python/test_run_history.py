"""History at scale, read back through the official client.

Rows are written with raw file_stream requests (the exact wire format
wandb-core uses, but thousands of rows in a fraction of a second), then
read with `run.history(samples=…)`, `run.history(keys=…)` and
`run.scan_history(…)`.

Sampling contract: at most `samples` rows, spread over the step range,
always the first and the last point, and the same answer every time.
"""

from __future__ import annotations

import json
import uuid

import pytest

from test_runs import scan_keys

N_DENSE = 5000
SPARSE_EVERY = 7
N_GAPPY = 1200
GAP = 3


def _rows(steps, extra=lambda step: {}):
    return [
        json.dumps({"_step": s, "_runtime": s / 10, "_timestamp": 1.7e9 + s, "loss": 1 / (s + 1), **extra(s)})
        for s in steps
    ]


@pytest.fixture(scope="module")
def history_runs(server):
    """A project with three runs: `dense` (steps 0..4999, a `sparse` key on
    every 7th row), `gappy` (steps 0, 3, 6, …), `empty` (no rows)."""
    project = "hist-" + uuid.uuid4().hex[:8]
    dense = _rows(range(N_DENSE), lambda s: {"sparse": s} if s % SPARSE_EVERY == 0 else {})
    gappy = _rows(range(0, N_GAPPY * GAP, GAP))
    for name, rows in (("dense", dense), ("gappy", gappy), ("empty", [])):
        server.upsert_run("admin", project, name, state="running")
        # Two requests, to also exercise offsets.
        half = len(rows) // 2
        for offset, chunk in ((0, rows[:half]), (half, rows[half:])):
            if chunk:
                body = {"files": {"wandb-history.jsonl": {"offset": offset, "content": chunk}}}
                resp = server.file_stream("admin", project, name, body)
                assert resp.status_code == 200, resp.text
    return project


def _run(server, project, name):
    return server.api().run(f"admin/{project}/{name}")


def _check_sample(steps, all_steps, samples):
    """At most `samples`, not absurdly fewer, first and last kept, sorted,
    no duplicates, and no gap much wider than an even spread would leave."""
    assert len(steps) <= samples
    assert len(steps) >= min(len(all_steps), samples) * 0.9
    assert steps[0] == all_steps[0] and steps[-1] == all_steps[-1]
    assert steps == sorted(set(steps))
    assert set(steps) <= set(all_steps)
    positions = [all_steps.index(s) for s in steps]
    ideal = (len(all_steps) - 1) / (samples - 1)
    assert max(b - a for a, b in zip(positions, positions[1:])) <= 2 * ideal + 1


def test_counts_and_last_step(server, history_runs):
    run = _run(server, history_runs, "dense")
    assert run._attrs["historyLineCount"] == N_DENSE
    assert run.lastHistoryStep == N_DENSE - 1
    assert _run(server, history_runs, "gappy").lastHistoryStep == (N_GAPPY - 1) * GAP


@pytest.mark.parametrize("samples", [2, 10, 500, 4999])
def test_sampled_history_with_keys_is_bounded_and_spread(server, history_runs, samples):
    run = _run(server, history_runs, "dense")
    rows = run.history(samples=samples, keys=["loss"], pandas=False)
    _check_sample([r["_step"] for r in rows], list(range(N_DENSE)), samples)
    assert all(set(r) == {"_step", "loss"} for r in rows)
    # (Exact values are checked in test_history_values_round_trip_exactly.)
    assert all(r["loss"] == pytest.approx(1 / (r["_step"] + 1), rel=1e-12) for r in rows)


def test_sampled_history_without_keys_is_bounded_and_spread(server, history_runs):
    run = _run(server, history_runs, "dense")
    rows = run.history(samples=300, pandas=False)
    _check_sample([r["_step"] for r in rows], list(range(N_DENSE)), 300)
    # Whole rows come back.
    assert {"_step", "_runtime", "_timestamp", "loss"} <= set(rows[0])


def test_default_history_samples_500(server, history_runs):
    rows = _run(server, history_runs, "dense").history(pandas=False)
    _check_sample([r["_step"] for r in rows], list(range(N_DENSE)), 500)


def test_sampling_is_deterministic(server, history_runs):
    first = _run(server, history_runs, "dense").history(samples=77, keys=["loss"], pandas=False)
    again = server.api().run(f"admin/{history_runs}/dense").history(samples=77, keys=["loss"], pandas=False)
    assert first == again
    assert _run(server, history_runs, "dense").history(samples=77, pandas=False) == server.api().run(
        f"admin/{history_runs}/dense"
    ).history(samples=77, pandas=False)


def test_more_samples_than_rows_returns_every_row(server, history_runs):
    rows = _run(server, history_runs, "gappy").history(samples=N_GAPPY + 100, keys=["loss"], pandas=False)
    assert [r["_step"] for r in rows] == list(range(0, N_GAPPY * GAP, GAP))


def test_sampling_a_sparse_key(server, history_runs):
    run = _run(server, history_runs, "dense")
    having = list(range(0, N_DENSE, SPARSE_EVERY))
    rows = run.history(samples=100, keys=["sparse"], pandas=False)
    _check_sample([r["_step"] for r in rows], having, 100)
    assert all(r["sparse"] == r["_step"] for r in rows)
    # Asking for two keys returns rows having both.
    both = run.history(samples=50, keys=["loss", "sparse"], pandas=False)
    _check_sample([r["_step"] for r in both], having, 50)
    assert all(set(r) == {"_step", "loss", "sparse"} for r in both)


def test_sampling_non_contiguous_steps(server, history_runs):
    rows = _run(server, history_runs, "gappy").history(samples=100, keys=["loss"], pandas=False)
    _check_sample([r["_step"] for r in rows], list(range(0, N_GAPPY * GAP, GAP)), 100)


def test_history_of_a_run_without_rows(server, history_runs):
    run = _run(server, history_runs, "empty")
    assert run.history(samples=10, keys=["loss"], pandas=False) == []
    assert run.history(samples=10, pandas=False) == []


def test_scan_history_of_a_run_without_rows(server, history_runs):
    run = _run(server, history_runs, "empty")
    assert list(run.scan_history()) == []
    assert list(run.scan_history(keys=["loss"])) == []


def test_history_values_round_trip_exactly(server, history_runs):
    """Every read path returns the numbers exactly as logged (the dense
    run logged loss = 1/(step+1), written by Python's shortest repr)."""
    run = _run(server, history_runs, "dense")
    paths = {
        "history(samples)": run.history(samples=N_DENSE, pandas=False),
        "history(keys)": run.history(samples=N_DENSE, keys=["loss"], pandas=False),
        "scan_history()": list(run.scan_history()),
        "scan_history(keys)": scan_keys(run, ["loss"]),
    }
    for path, rows in paths.items():
        assert len(rows) == N_DENSE, path
        wrong = [(r["_step"], r["loss"]) for r in rows if r["loss"] != 1 / (r["_step"] + 1)]
        assert not wrong, f"{path}: {len(wrong)} rows changed, e.g. {wrong[:3]}"


def test_scan_history_returns_every_row_in_order(server, history_runs):
    run = _run(server, history_runs, "dense")
    rows = list(run.scan_history())
    assert [r["_step"] for r in rows] == list(range(N_DENSE))
    assert rows[4321]["loss"] == 1 / 4322


def test_scan_history_step_range_and_keys(server, history_runs):
    run = _run(server, history_runs, "dense")
    rows = scan_keys(run, ["loss"], min_step=1234, max_step=4321, page_size=500)
    assert [r["_step"] for r in rows] == list(range(1234, 4321))
    assert all(set(r) == {"_step", "loss"} for r in rows)
    sparse = scan_keys(run, ["sparse"], min_step=100, page_size=64)
    assert [r["_step"] for r in sparse] == [s for s in range(0, N_DENSE, SPARSE_EVERY) if s >= 100]
    # A max_step beyond the end is clamped; min_step beyond it yields nothing.
    assert [r["_step"] for r in scan_keys(run, ["loss"], min_step=N_DENSE - 3, max_step=10**9)] == [
        N_DENSE - 3,
        N_DENSE - 2,
        N_DENSE - 1,
    ]
    assert list(run.scan_history(keys=["loss"], min_step=N_DENSE + 10)) == []


def test_scan_history_of_non_contiguous_steps(server, history_runs):
    run = _run(server, history_runs, "gappy")
    rows = scan_keys(run, ["loss"], min_step=31, max_step=62, page_size=4)
    assert [r["_step"] for r in rows] == list(range(33, 62, GAP))


def _sampled_history_raw(server, project, spec):
    return server.gql(
        "query($p: String!, $s: [JSONString!]!) { project(name: $p, entityName: \"admin\") "
        "{ run(name: \"dense\") { sampledHistory(specs: $s) } } }",
        {"p": project, "s": [json.dumps(spec)]},
    )


def test_sample_counts_out_of_range_are_refused_with_a_clear_error(server, history_runs):
    for samples in (0, -5, 10**9):
        resp = _sampled_history_raw(server, history_runs, {"keys": ["loss"], "samples": samples})
        assert "errors" in resp, resp
        assert "samples" in resp["errors"][0]["message"], resp


def test_malformed_history_specs_are_refused_with_a_clear_error(server, history_runs):
    for spec, word in (({"keys": "loss"}, "keys"), ({"keys": ["loss"], "samples": "many"}, "samples")):
        resp = _sampled_history_raw(server, history_runs, spec)
        assert "errors" in resp, resp
        assert word in resp["errors"][0]["message"], resp
