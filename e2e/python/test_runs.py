"""Run logging with the official client, and reading runs back.

An unchanged training script (`wandb.init` / `run.log` / `run.summary` /
`run.config.update` / console output / `run.finish`) logs to Cairn, then
the Public API reads it back: `api.run`, `api.from_path`, history (sampled
and scanned), summary, config, files, console logs, system metrics, and
the Public API's own writes (`run.update`, `upload_file`, `delete`,
`api.create_run`).

`wandb.init` costs a wandb-core stream per run, so the one richly logged
run is made once per module and shared. Runs needing many history rows are
written with raw file_stream requests instead, which is what wandb-core
sends anyway.
"""

from __future__ import annotations

import contextlib
import json
import math
import sys
import time
import uuid

import pytest
import requests
import wandb
from packaging.version import Version

from conftest import ADMIN_KEY, CLIENT, client_since, wandb_env

# Steps logged by the shared run: 0..STEPS-1 without explicit step, then a
# jump to JUMP_STEP with an explicit `step=`.
STEPS = 120
JUMP_STEP = 500


def init_settings(server, root, **extra) -> wandb.Settings:
    """Settings for `wandb.init` against `server`. Passed explicitly because
    wandb ignores environment changes once its session has started."""
    return wandb.Settings(
        base_url=server.url,
        api_key=ADMIN_KEY,
        silent=True,
        root_dir=str(root),
        **extra,
    )


def fresh_api(server) -> wandb.Api:
    """A new `Api`: `api.run()` caches runs, so re-reads need a new one."""
    return server.api()


# How client versions differ in what a history scan yields (the server's
# answers are the same for all):
# - before 0.27.1, `scan_history(keys=...)` asks `sampledHistory` for exactly
#   the keys given, so its rows carry `_step` only if it was asked for; from
#   0.27.1 on the client asks for `_step` itself;
# - before 0.27.2 it asks for a page's worth of samples with `maxStep` = the
#   page's exclusive end, which W&B's server (and Cairn, as it) takes as
#   inclusive: a full page is one row too long, so it is downsampled and its
#   last row comes again at the start of the next, and a `max_step` given
#   may come too;
# - 0.27.1 up to 0.28.0 end a scan at the first page with no rows, even
#   when later steps have some.
SCAN_ADDS_STEP = CLIENT >= Version("0.27.1")
SCAN_PAGES_EXACTLY = CLIENT >= Version("0.27.2")
SCAN_STOPS_AT_EMPTY_PAGE = Version("0.27.1") <= CLIENT < Version("0.28.0")


def scan_keys(run, keys: list[str], **kwargs) -> list[dict]:
    """`run.scan_history(keys=keys, ...)` as rows that carry `_step`, in
    `[min_step, max_step)`. For clients with the quirks above, the rows are
    read in one page up to the run's end (asking for `_step` where the client
    does not) and cut to the range, after checking what the client yields
    when asked as given: only real rows, in step order, within
    `[min_step, max_step]`, with exactly the keys asked."""
    if SCAN_PAGES_EXACTLY:
        return list(run.scan_history(keys=keys, **kwargs))
    ask = keys if SCAN_ADDS_STEP else ["_step", *keys]
    whole = {k: v for k, v in kwargs.items() if k not in ("page_size", "max_step")}
    rows = list(run.scan_history(keys=ask, page_size=100_000, **whole))
    by_step = {r["_step"]: r for r in rows}
    as_given = list(run.scan_history(keys=ask, **kwargs))
    steps = [r["_step"] for r in as_given]
    assert steps == sorted(steps)
    assert all(by_step.get(r["_step"]) == r for r in as_given), as_given
    if kwargs.get("max_step") is not None:
        assert all(s <= kwargs["max_step"] for s in steps), steps
        rows = [r for r in rows if r["_step"] < kwargs["max_step"]]
    if not SCAN_ADDS_STEP:
        plain = list(run.scan_history(keys=keys, **kwargs))
        assert plain == [{k: r[k] for k in keys} for r in as_given]
    return rows


def scanned_steps(steps: list[int], page_size: int, min_step: int = 0, max_step: int | None = None) -> list[int]:
    """The steps a client's scan over rows at `steps` yields, page by page:
    all of them, except for clients that stop at the first empty page."""
    end = (max(steps) + 1) if max_step is None else max_step
    out: list[int] = []
    for start in range(min_step, end, page_size):
        page = [s for s in steps if start <= s < min(start + page_size, end)]
        if not page and SCAN_STOPS_AT_EMPTY_PAGE:
            break
        out += page
    return out


def console_lines(server, path: str) -> list[tuple[str, str]]:
    """A run's console lines as (content, level): through `Run.console_logs()`
    where the client has it (0.29.0+), else the server's raw `logLines`,
    the connection that method reads."""
    run = fresh_api(server).run(path)
    if hasattr(run, "console_logs"):
        return [(line.content, line.level) for line in run.console_logs()]
    entity, project, name = path.split("/")
    resp = server.gql(
        "query($e: String!, $p: String!, $r: String!) { project(name: $p, entityName: $e) "
        "{ run(name: $r) { logLines(first: 10000) { edges { node { line level } } } } } }",
        {"e": entity, "p": project, "r": name},
    )
    assert "errors" not in resp, resp
    return [(e["node"]["line"], e["node"]["level"]) for e in resp["data"]["project"]["run"]["logLines"]["edges"]]


def loss_at(step: int) -> float:
    return round(1.0 / (step + 1), 6)


@pytest.fixture(scope="module")
def logged(server, tmp_path_factory):
    """One run logged the way a training script does it. Returns
    (entity, project, run_id)."""
    project = "runs-" + uuid.uuid4().hex[:8]
    run_id = "abc" + uuid.uuid4().hex[:6]
    root = tmp_path_factory.mktemp("wandb-logged")
    with wandb_env(server, root):
        run = wandb.init(
            project=project,
            id=run_id,
            name="baseline lr=0.1",
            notes="first try",
            tags=["baseline", "resnet"],
            group="sweep-a",
            job_type="train",
            config={"lr": 0.1, "model": {"name": "resnet", "layers": [64, 128]}, "seed": 7},
            settings=init_settings(server, root, x_stats_sampling_interval=0.2),
        )
        try:
            assert run.id == run_id
            for step in range(STEPS):
                row = {"loss": loss_at(step), "acc": {"top1": step / STEPS, "top5": min(1.0, 2 * step / STEPS)}}
                if step % 10 == 0:
                    row["val_loss"] = loss_at(step) * 2
                run.log(row)
            run.log(
                {"loss": 0.001, "weird": float("nan"), "inf": float("inf"), "deep": {"n": float("nan"), "i": -math.inf}},
                step=JUMP_STEP,
            )
            print("hello from stdout")
            print("oops on stderr", file=sys.stderr)
            # (The client itself turns a NaN assigned to the summary into null;
            # NaN reaches the summary through `run.log` above.)
            run.summary["best"] = {"loss": 0.001, "epoch": 3, "pinf": math.inf, "ninf": -math.inf}
            run.summary["note"] = "done"
            run.config.update({"extra": {"dropout": 0.5, "aug": ["flip", "crop"]}})
            time.sleep(0.6)  # let the system monitor take a few samples
        finally:
            run.finish()
    return run.entity, project, run_id


def test_init_fields_round_trip(server, logged):
    entity, project, run_id = logged
    run = fresh_api(server).run(f"{entity}/{project}/{run_id}")
    assert run.id == run_id
    assert run.name == "baseline lr=0.1"
    assert run.display_name == "baseline lr=0.1"
    assert run.notes == "first try"
    assert sorted(run.tags) == ["baseline", "resnet"]
    assert run.group == "sweep-a"
    assert run.job_type == "train"
    assert run.state == "finished"
    assert run.entity == entity and run.project == project
    assert run.user.username == "admin"
    assert run.created_at and run.heartbeat_at >= run.created_at
    assert run.lastHistoryStep == JUMP_STEP


def test_from_path_reaches_the_same_run(server, logged):
    entity, project, run_id = logged
    api = fresh_api(server)
    for path in (f"{entity}/{project}/runs/{run_id}", f"{entity}/{project}/{run_id}"):
        run = api.from_path(path)
        assert run.id == run_id
        assert run.name == "baseline lr=0.1"


def test_config_round_trips_nested_values(server, logged):
    entity, project, run_id = logged
    run = fresh_api(server).run(f"{entity}/{project}/{run_id}")
    assert run.config == {
        "lr": 0.1,
        "model": {"name": "resnet", "layers": [64, 128]},
        "seed": 7,
        "extra": {"dropout": 0.5, "aug": ["flip", "crop"]},
    }
    # The stored document keeps W&B's {"key": {"value": ...}} shape.
    assert json.loads(run.json_config)["lr"]["value"] == 0.1


def test_summary_round_trips_nested_values_and_non_finite_numbers(server, logged):
    entity, project, run_id = logged
    summary = fresh_api(server).run(f"{entity}/{project}/{run_id}").summary
    assert summary["loss"] == 0.001
    assert math.isnan(summary["weird"])
    assert summary["inf"] == math.inf
    assert summary["_step"] == JUMP_STEP
    best = summary["best"]
    assert best["loss"] == 0.001 and best["epoch"] == 3
    assert best["pinf"] == math.inf and best["ninf"] == -math.inf
    assert math.isnan(summary["deep"]["n"]) and summary["deep"]["i"] == -math.inf
    assert summary["note"] == "done"
    assert dict(summary["acc"]) == {"top1": (STEPS - 1) / STEPS, "top5": 1.0}


def test_history_without_keys_returns_every_row_when_samples_suffice(server, logged):
    entity, project, run_id = logged
    rows = fresh_api(server).run(f"{entity}/{project}/{run_id}").history(samples=500, pandas=False)
    assert [r["_step"] for r in rows] == [*range(STEPS), JUMP_STEP]
    assert rows[3]["loss"] == loss_at(3)
    # Nested dicts come back nested, exactly as logged.
    assert rows[60]["acc"] == {"top1": 60 / STEPS, "top5": 1.0}
    assert math.isnan(rows[-1]["weird"]) and rows[-1]["inf"] == math.inf
    assert all("_runtime" in r and "_timestamp" in r for r in rows)


def test_sampled_history_is_bounded_spread_and_deterministic(server, logged):
    entity, project, run_id = logged
    run = fresh_api(server).run(f"{entity}/{project}/{run_id}")
    rows = run.history(samples=10, keys=["loss"], pandas=False)
    steps = [r["_step"] for r in rows]
    assert 2 <= len(rows) <= 10
    assert steps[0] == 0 and steps[-1] == JUMP_STEP, "first and last points are always kept"
    assert steps == sorted(steps) and len(set(steps)) == len(steps)
    assert all(set(r) == {"_step", "loss"} for r in rows)
    assert run.history(samples=10, keys=["loss"], pandas=False) == rows, "sampling is deterministic"


def test_sampled_history_of_a_sparse_key_only_returns_rows_having_it(server, logged):
    entity, project, run_id = logged
    run = fresh_api(server).run(f"{entity}/{project}/{run_id}")
    rows = run.history(samples=500, keys=["val_loss"], pandas=False)
    assert [r["_step"] for r in rows] == list(range(0, STEPS, 10))
    assert rows[2]["val_loss"] == loss_at(20) * 2
    few = run.history(samples=3, keys=["val_loss"], pandas=False)
    assert [r["_step"] for r in few][0] == 0 and few[-1]["_step"] == STEPS - 10
    assert len(few) <= 3


def test_scan_history_with_keys_and_step_range(server, logged):
    entity, project, run_id = logged
    run = fresh_api(server).run(f"{entity}/{project}/{run_id}")
    rows = scan_keys(run, ["loss"], min_step=100)
    assert [r["_step"] for r in rows] == [*range(100, STEPS), JUMP_STEP]
    assert rows[0]["loss"] == loss_at(100)
    window = scan_keys(run, ["loss"], min_step=10, max_step=20, page_size=3)
    assert [r["_step"] for r in window] == list(range(10, 20))
    sparse = scan_keys(run, ["val_loss"], page_size=4)
    # (`scan_keys` reads the rows of clients before 0.27.2 in one page.)
    pages = 4 if SCAN_PAGES_EXACTLY else STEPS
    assert [r["_step"] for r in sparse] == scanned_steps(list(range(0, STEPS, 10)), pages)
    # In pages that are never empty, every client sees every row.
    sparse = scan_keys(run, ["val_loss"], page_size=10)
    assert [r["_step"] for r in sparse] == list(range(0, STEPS, 10))


def test_scan_history_without_keys_returns_all_rows_in_step_order(server, logged):
    entity, project, run_id = logged
    run = fresh_api(server).run(f"{entity}/{project}/{run_id}")
    rows = list(run.scan_history(page_size=25))
    assert [r["_step"] for r in rows] == scanned_steps([*range(STEPS), JUMP_STEP], 25)
    assert rows[5]["acc"]["top1"] == 5 / STEPS
    rows = list(run.scan_history(page_size=JUMP_STEP + 1))
    assert [r["_step"] for r in rows] == [*range(STEPS), JUMP_STEP]


def test_files_and_console_output(server, logged, tmp_path):
    entity, project, run_id = logged
    run = fresh_api(server).run(f"{entity}/{project}/{run_id}")
    names = {f.name for f in run.files()}
    assert {"output.log", "config.yaml", "wandb-summary.json", "wandb-metadata.json", "requirements.txt"} <= names
    with run.file("output.log").download(root=str(tmp_path)) as f:
        text = f.read()
    assert "hello from stdout" in text
    assert "oops on stderr" in text
    lines = [content for content, _ in console_lines(server, f"{entity}/{project}/{run_id}")]
    assert any("hello from stdout" in c for c in lines)


@client_since("0.29.0", "Run.console_logs()")
def test_console_logs_tail(server, logged):
    entity, project, run_id = logged
    run = fresh_api(server).run(f"{entity}/{project}/{run_id}")
    lines = [line.content for line in run.console_logs()]
    tail = list(run.console_logs(last=1))
    assert len(tail) == 1 and tail[0].content == lines[-1]


def test_system_metrics_are_recorded(server, logged):
    entity, project, run_id = logged
    run = fresh_api(server).run(f"{entity}/{project}/{run_id}")
    assert any(k.startswith("system.") for k in run.system_metrics)
    events = run.history(stream="system", pandas=False)
    assert events, "the system stream has samples"
    assert all(any(k.startswith("system.") for k in e) for e in events)


def test_runs_listing_reads_the_logged_run(server, logged):
    entity, project, run_id = logged
    runs = fresh_api(server).runs(f"{entity}/{project}")
    assert len(runs) == 1
    (run,) = list(runs)
    assert run.id == run_id
    assert run.summary["note"] == "done"
    assert run.config["seed"] == 7


@pytest.mark.parametrize(
    "filters",
    [
        {"summary_metrics.loss": {"$lt": 0.01}},  # the summary wandb-core streamed
        {"summary_metrics.best.epoch": 3},
        {"config.model.name": "resnet"},  # the config wandb-core upserted
        {"config.extra.dropout": {"$gt": 0.1}},  # ... and updated mid-run
        {"tags": {"$in": ["resnet"]}},
        {"group": "sweep-a", "jobType": "train", "state": "finished"},
        {"display_name": {"$regex": "^baseline"}},
        {"username": "admin"},
    ],
    ids=str,
)
def test_the_logged_run_is_found_by_what_it_logged(server, logged, filters):
    entity, project, run_id = logged
    assert [r.id for r in fresh_api(server).runs(f"{entity}/{project}", filters=filters)] == [run_id]


def test_public_api_edits_persist(server, unique, tmp_path):
    api = fresh_api(server)
    created = api.create_run(project=unique, run_id="edit-me")
    assert created.id == "edit-me" and created.state == "running"
    run = api.run(f"admin/{unique}/edit-me")
    run.tags.append("best")
    run.name = "renamed"
    run.notes = "edited"
    run.group = "g2"
    run.job_type = "eval"
    run.config["lr"] = 0.02
    run.config["nested"] = {"a": [1, 2, {"b": None}]}
    run.summary["x"] = 1
    run.summary.update({"deep": {"k": [1.5, "s"]}})
    run.update()

    again = fresh_api(server).run(f"admin/{unique}/edit-me")
    assert again.tags == ["best"]
    assert again.name == "renamed"
    assert again.notes == "edited"
    assert again.group == "g2" and again.job_type == "eval"
    assert again.config == {"lr": 0.02, "nested": {"a": [1, 2, {"b": None}]}}
    assert again.summary["x"] == 1
    assert dict(again.summary["deep"]) == {"k": [1.5, "s"]}
    # The edits are searchable at once (the client re-encodes the config
    # as {"lr": {"value": 0.02, "desc": null}}).
    for filters in (
        {"tags": {"$in": ["best"]}},
        {"config.lr": 0.02},
        {"config.nested.a": {"$exists": True}},
        {"summary_metrics.x": {"$gte": 1}},
        {"summary_metrics.deep.k": {"$exists": True}},
        {"display_name": "renamed"},
        {"group": "g2", "jobType": "eval"},
    ):
        found = fresh_api(server).runs(f"admin/{unique}", filters=filters)
        assert [r.id for r in found] == ["edit-me"], filters


def test_create_run_without_id_and_from_path(server, unique):
    api = fresh_api(server)
    run = api.create_run(project=unique)
    assert run.id and len(run.id) >= 6
    same = fresh_api(server).from_path(f"admin/{unique}/runs/{run.id}")
    assert same.id == run.id and same.state == "running"


def test_upload_file_then_download(server, unique, tmp_path):
    api = fresh_api(server)
    api.create_run(project=unique, run_id="up")
    run = api.run(f"admin/{unique}/up")
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    payload = bytes(range(256)) * 100
    (src / "sub" / "weights.bin").write_bytes(payload)
    uploaded = run.upload_file(str(src / "sub" / "weights.bin"), root=str(src))
    assert uploaded.name == "sub/weights.bin"
    assert uploaded.size == len(payload)

    run = fresh_api(server).run(f"admin/{unique}/up")
    assert [f.name for f in run.files()] == ["sub/weights.bin"]
    out = tmp_path / "out"
    run.file("sub/weights.bin").download(root=str(out))
    assert (out / "sub" / "weights.bin").read_bytes() == payload


def test_upload_file_outside_root_is_stored_under_a_safe_name(server, unique, tmp_path):
    """The client turns `../x` into a safe name; whatever it sends, the
    stored name stays inside the run."""
    api = fresh_api(server)
    api.create_run(project=unique, run_id="up2")
    run = api.run(f"admin/{unique}/up2")
    (tmp_path / "outside.txt").write_text("hi")
    (tmp_path / "root").mkdir()
    # The upload succeeds; the client then looks the file up under its
    # unsanitised name ("../outside.txt"), finds nothing and raises.
    with contextlib.suppress(wandb.errors.CommError):
        run.upload_file(str(tmp_path / "outside.txt"), root=str(tmp_path / "root"))
    names = [f.name for f in fresh_api(server).run(f"admin/{unique}/up2").files()]
    assert len(names) == 1
    assert ".." not in names[0].split("/") and not names[0].startswith("/")


def test_delete_run_removes_it_and_its_files(server, unique, tmp_path):
    api = fresh_api(server)
    api.create_run(project=unique, run_id="doomed")
    api.create_run(project=unique, run_id="kept")
    run = api.run(f"admin/{unique}/doomed")
    (tmp_path / "f.txt").write_text("bye")
    file_url = run.upload_file(str(tmp_path / "f.txt"), root=str(tmp_path)).url
    run.delete()

    api = fresh_api(server)
    with pytest.raises(Exception, match="Could not find run"):
        api.run(f"admin/{unique}/doomed")
    assert [r.id for r in api.runs(f"admin/{unique}")] == ["kept"]
    resp = requests.get(file_url, headers=server.basic_auth(), timeout=10)
    assert resp.status_code == 404
    # The name is free again.
    assert api.create_run(project=unique, run_id="doomed").id == "doomed"
