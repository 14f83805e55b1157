#!/usr/bin/env python3
"""Time the official client's `run.scan_history()` against a release server.

Usage (from the checkout, after `cargo build --release -p cairn-cli`):

    .venv/bin/python scripts/measure-official-scan.py [--steps 100000] [--metrics 10]

Logs one run of `--steps` rows x `--metrics` random floats through raw
`file_stream` requests (as wandb-core sends them), finishes it, and scans
it with `wandb==0.31`'s `Run.scan_history()` twice: on a server that never
compacts (every row comes from `HistoryPage` GraphQL pages) and on one that
compacts at once (the rows come from the Parquet file `parquetHistory`
lists, read by wandb-core's bundled reader). Each scan is timed end to end
in Python, and the server's CPU time during it is read from /proc, so the
report shows how much of the time is the server's. Figures go into
BENCHMARKS.md by hand; this is not part of the test suite.
"""

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "e2e" / "python"))
os.environ.setdefault("CAIRN_BIN", str(ROOT / "target" / "release" / "cairn"))

from conftest import start_server  # noqa: E402  (path set above)

import wandb  # noqa: E402

PROJECT = "scan"


def server_cpu(pid: int) -> float:
    """User + system seconds the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def log_run(server, name: str, steps: int, metrics: int) -> None:
    server.upsert_run("admin", PROJECT, name)
    rng = random.Random(7)
    batch = 2000
    for offset in range(0, steps, batch):
        lines = [
            json.dumps(
                {"_step": s, "_runtime": s * 0.01, "_timestamp": 1.7e9 + s * 0.01}
                | {f"m{m}": rng.random() for m in range(metrics)}
            )
            for s in range(offset, min(offset + batch, steps))
        ]
        resp = server.file_stream(
            "admin", PROJECT, name, {"files": {"wandb-history.jsonl": {"offset": offset, "content": lines}}}
        )
        resp.raise_for_status()
    server.file_stream("admin", PROJECT, name, {"complete": True, "exitcode": 0}).raise_for_status()


def wait_compacted(server, name: str) -> None:
    query = (
        '{ project(name: "%s", entityName: "admin") { run(name: "%s") '
        '{ parquetHistory(liveKeys: ["_step"]) { parquetUrls liveData } } } }' % (PROJECT, name)
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        ph = server.gql(query)["data"]["project"]["run"]["parquetHistory"]
        if ph["parquetUrls"] and not ph["liveData"]:
            return
        time.sleep(0.1)
    raise SystemExit(f"{name} was not compacted in time")


def scan(server, name: str, steps: int, keys) -> tuple[float, float]:
    run = server.api().run(f"admin/{PROJECT}/{name}")
    cpu = server_cpu(server.proc.pid)
    start = time.perf_counter()
    rows = 0
    for _ in run.scan_history(keys=keys, page_size=1000, use_cache=False):
        rows += 1
    elapsed = time.perf_counter() - start
    if rows != steps:
        raise SystemExit(f"scan_history gave {rows} rows, not {steps}")
    return elapsed, server_cpu(server.proc.pid) - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--metrics", type=int, default=10)
    args = parser.parse_args()
    print(f"wandb {wandb.__version__}, {args.steps} rows x {args.metrics} metrics")
    cases = [
        ("row store (HistoryPage pages)", ["--history-compaction-interval", "3600000"], False),
        ("compacted (parquetHistory + file)", ["--history-export-delay", "0"], True),
    ]
    for label, flags, compact in cases:
        with tempfile.TemporaryDirectory() as data:
            server = start_server(Path(data), args=tuple(flags))
            try:
                log_run(server, "r", args.steps, args.metrics)
                if compact:
                    wait_compacted(server, "r")
                for keys in (None, ["m0"]):
                    elapsed, cpu = scan(server, "r", args.steps, keys)
                    what = "all keys" if keys is None else "keys=['m0']"
                    print(
                        f"{label}, {what}: {args.steps / elapsed:,.0f} rows/s "
                        f"({elapsed:.2f} s; server CPU {cpu:.2f} s)"
                    )
            finally:
                server.stop()


if __name__ == "__main__":
    main()
