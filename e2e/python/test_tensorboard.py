"""`cairn sync-tensorboard`: TensorBoard logs written by tensorboardX (and a
TF2-style tensor scalar written as raw protobufs) imported by the `cairn`
CLI, then read back with the official client's `wandb.Api()`.

This is Cairn's replacement for `Api.sync_tensorboard`, which is broken in
wandb 0.31.0 (`ModuleNotFoundError: wandb.sync`).
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image
from tensorboardX import SummaryWriter
from tensorboardX.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2
from tensorboardX.record_writer import RecordWriter

from conftest import ADMIN_KEY, ROOT

T0 = 1_700_000_000.0
STEPS = 6


def cairn(server, *args: str) -> subprocess.CompletedProcess:
    binary = os.environ.get("CAIRN_BIN", str(ROOT / "target" / "debug" / "cairn"))
    env = dict(os.environ, WANDB_BASE_URL=server.url, WANDB_API_KEY=ADMIN_KEY)
    env.pop("WANDB_ENTITY", None)
    env.pop("WANDB_PROJECT", None)
    return subprocess.run([binary, *args], env=env, capture_output=True, text=True, timeout=120)


def record_offsets(data: bytes) -> list[int]:
    """Where each TFRecord starts in `data`."""
    offsets, at = [], 0
    while at + 12 <= len(data):
        offsets.append(at)
        (length,) = struct.unpack("<Q", data[at : at + 8])
        at += 12 + length + 4
    return offsets


def write_corpus(root: Path) -> dict:
    """Several run directories of every kind the importer reads; returns
    what was written, for the checks."""
    image = np.zeros((3, 8, 12), dtype=np.float32)  # CHW: 12 wide, 8 high
    image[0, :, :6] = 1.0
    train = SummaryWriter(str(root / "train"))
    for step in range(STEPS):
        t = T0 + step
        train.add_scalar("loss", 1.0 / (step + 1), step, walltime=t)
        train.add_scalars("pair", {"sin": float(np.sin(step)), "cos": float(np.cos(step))}, step, walltime=t)
    train.add_histogram("weights", np.arange(100, dtype=np.float64), 2, walltime=T0 + 2)
    train.add_text("notes", "hello from *tensorboardX*", 3, walltime=T0 + 3)
    train.add_image("sample", image, 4, walltime=T0 + 4)
    train.close()

    # TF2 style: 0-d tensors from the "scalars" plugin, one in float_val
    # and one as little-endian tensor_content.
    tf2 = root / "tf2"
    tf2.mkdir()
    writer = RecordWriter(str(tf2 / "events.out.tfevents.1700000000.tf2"))
    writer.write(event_pb2.Event(wall_time=T0, file_version="brain.Event:2").SerializeToString())
    meta = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"))
    for step in range(STEPS):
        acc = tensor_pb2.TensorProto(
            dtype=types_pb2.DT_FLOAT, tensor_shape=tensor_shape_pb2.TensorShapeProto(), float_val=[0.5 + step / 16]
        )
        lr = tensor_pb2.TensorProto(
            dtype=types_pb2.DT_DOUBLE,
            tensor_shape=tensor_shape_pb2.TensorShapeProto(),
            tensor_content=struct.pack("<d", 0.1 / (step + 1)),
        )
        summary = summary_pb2.Summary(
            value=[
                summary_pb2.Summary.Value(tag="acc", metadata=meta, tensor=acc),
                summary_pb2.Summary.Value(tag="lr", metadata=meta, tensor=lr),
            ]
        )
        writer.write(event_pb2.Event(wall_time=T0 + 1 + step, step=step, summary=summary).SerializeToString())
    writer.close()

    # A run whose third scalar record is damaged.
    broken = SummaryWriter(str(root / "broken"))
    for step in range(STEPS):
        broken.add_scalar("loss", float(step), step, walltime=T0 + step)
    broken.close()
    (path,) = (root / "broken").glob("*tfevents*")
    data = bytearray(path.read_bytes())
    offsets = record_offsets(bytes(data))
    damaged = offsets[3]  # record 0 is the file version: this is step 2
    data[damaged + 14] ^= 0xFF
    path.write_bytes(bytes(data))
    return {"broken_file": path, "broken_offset": damaged}


def test_sync_tensorboard_imports_logs_the_official_client_reads(server, admin_api, tmp_path, unique):
    logs = tmp_path / "logs"
    written = write_corpus(logs)
    done = cairn(server, "sync-tensorboard", str(logs), "--project", unique)
    assert done.returncode == 0, done.stderr
    # The damaged record is reported with its file and byte offset.
    assert f"{written['broken_file']}: at byte {written['broken_offset']}" in done.stderr, done.stderr
    assert len(done.stdout.splitlines()) == 5, done.stdout

    entity = admin_api.default_entity
    runs = {run.display_name: run for run in admin_api.runs(f"{entity}/{unique}")}
    assert sorted(runs) == ["broken", "tf2", "train", "train/pair/cos", "train/pair/sin"]
    assert all(run.state == "finished" for run in runs.values())

    train = runs["train"]
    rows = list(train.scan_history())
    assert [row["_step"] for row in rows] == list(range(STEPS))
    assert abs(rows[1]["loss"] - 0.5) < 1e-6
    assert rows[1]["_timestamp"] == T0 + 1
    assert rows[0]["_runtime"] >= 0
    hist = rows[2]["weights"]
    assert hist["_type"] == "histogram"
    assert len(hist["bins"]) == len(hist["values"]) + 1
    assert sum(hist["values"]) == 100
    assert rows[3]["notes/text_summary"] == "hello from *tensorboardX*"
    image = rows[4]["sample"]
    assert image["_type"] == "image-file" and image["format"] == "png"
    assert (image["width"], image["height"]) == (12, 8)
    assert image["path"].startswith("media/images/sample_4_") and image["path"].endswith(".png")

    # `run.history()` (sampled) agrees.
    sampled = train.history(samples=100, keys=["loss"], pandas=False)
    assert [row["_step"] for row in sampled] == list(range(STEPS))
    assert abs(sampled[-1]["loss"] - 1 / STEPS) < 1e-6

    # Summary: the last value of each key.
    assert train.summary["_step"] == STEPS - 1
    assert abs(train.summary["loss"] - 1 / STEPS) < 1e-6
    assert train.summary["notes/text_summary"] == "hello from *tensorboardX*"

    # The image is a run file with the digest and size the row records, a
    # real PNG of the size written; the event file is a run file too.
    names = {f.name for f in train.files()}
    assert image["path"] in names
    assert any("tfevents" in name for name in names)
    saved = train.file(image["path"]).download(root=str(tmp_path / "dl"), replace=True)
    saved.close()
    data = (tmp_path / "dl" / image["path"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == image["sha256"]
    assert len(data) == image["size"]
    assert Image.open(io.BytesIO(data)).size == (12, 8)

    # add_scalars: one run per series, the key is the main tag.
    sin = list(runs["train/pair/sin"].scan_history())
    assert [round(row["pair"], 5) for row in sin] == [round(float(np.sin(s)), 5) for s in range(STEPS)]

    tf2 = list(runs["tf2"].scan_history())
    assert [row["acc"] for row in tf2] == [0.5 + s / 16 for s in range(STEPS)]
    assert [row["lr"] for row in tf2] == [0.1 / (s + 1) for s in range(STEPS)]
    assert runs["tf2"].summary["acc"] == 0.5 + (STEPS - 1) / 16

    broken = [row["_step"] for row in runs["broken"].scan_history()]
    assert broken == [s for s in range(STEPS) if s != 2]

    # Importing again updates the same runs: no new runs, no duplicate rows.
    again = cairn(server, "sync-tensorboard", str(logs), "--project", unique)
    assert again.returncode == 0, again.stderr
    assert again.stdout == done.stdout
    runs_after = list(admin_api.runs(f"{entity}/{unique}"))
    assert len(runs_after) == 5
    assert len(list(admin_api.run(f"{entity}/{unique}/{train.id}").scan_history())) == STEPS


def test_a_run_id_names_a_single_run_directory(server, admin_api, tmp_path, unique):
    logs = tmp_path / "logs"
    for name in ("a", "b"):
        writer = SummaryWriter(str(logs / name))
        writer.add_scalar("x", 1.0, 0, walltime=T0)
        writer.close()
    refused = cairn(server, "sync-tensorboard", str(logs), "--project", unique, "--run-id", "one")
    assert refused.returncode != 0
    assert "2 TensorBoard runs" in refused.stderr
    done = cairn(server, "sync-tensorboard", str(logs / "a"), "--project", unique, "--run-id", "one")
    assert done.returncode == 0, done.stderr
    run = admin_api.run(f"{admin_api.default_entity}/{unique}/one")
    assert run.display_name == "a"
    assert [row["x"] for row in run.scan_history()] == [1.0]
