"""Artifact TTLs, with the official client: a version whose `ttl` has run
out is deleted by the server's background sweep (as on W&B), with the
blobs no other version uses; versions without a TTL, or with one still
running, stay.

The server here has a sweep interval of one second
(`--artifact-ttl-sweep-interval 1`), so the test waits a few seconds, not
minutes.
"""

from __future__ import annotations

import datetime
import hashlib
import time

import pytest
import wandb
from wandb.errors import CommError

from conftest import start_server, wandb_env
from test_runs import init_settings

ENTITY = "admin"


@pytest.fixture
def ttl_server(tmp_path):
    server = start_server(tmp_path / "data", args=("--artifact-ttl-sweep-interval", "1"))
    yield server
    server.stop()


def log(server, root, project, name, files: dict[str, bytes], ttl=None):
    src = root / f"src-{name}-{len(list(root.iterdir()))}"
    src.mkdir(parents=True)
    art = wandb.Artifact(name, type="dataset")
    for rel, data in files.items():
        (src / rel).write_bytes(data)
        art.add_file(str(src / rel), name=rel)
    if ttl is not None:
        art.ttl = ttl
    with wandb_env(server, root):
        run = wandb.init(project=project, settings=init_settings(server, root))
        run.log_artifact(art).wait()
        run.finish()


def blob(server, data: bytes) -> list:
    md5 = hashlib.md5(data).hexdigest()
    shard = server.data_dir / "blobs" / "data" / "cas" / md5[:2]
    return sorted(shard.glob(f"{md5}.*")) + sorted(shard.glob(md5))


def gone(api_factory, path) -> bool:
    try:
        api_factory().artifact(path)
    except CommError:
        return True
    return False


def test_expired_versions_are_deleted_with_their_own_blobs(ttl_server, tmp_path, unique):
    shared, own = f"shared {unique}".encode(), f"own {unique}".encode()
    log(ttl_server, tmp_path, unique, "keep", {"s.txt": shared})
    log(ttl_server, tmp_path, unique, "later", {"l.txt": b"later"}, ttl=datetime.timedelta(days=1))
    log(
        ttl_server, tmp_path, unique, "short", {"s.txt": shared, "o.txt": own},
        ttl=datetime.timedelta(seconds=2),
    )
    api = ttl_server.api
    assert api().artifact(f"{ENTITY}/{unique}/short:v0").ttl == datetime.timedelta(seconds=2)
    assert blob(ttl_server, own)
    # The sweep runs every second; the version expires two seconds after
    # its creation. Wait for it (bounded), then check what it took along.
    deadline = time.monotonic() + 60
    while not gone(api, f"{ENTITY}/{unique}/short:v0"):
        assert time.monotonic() < deadline, "the expired version was never deleted"
        time.sleep(0.2)
    # Its own blob went; the one another version uses stayed.
    assert blob(ttl_server, own) == []
    assert blob(ttl_server, shared)
    kept = api().artifact(f"{ENTITY}/{unique}/keep:v0")
    assert kept.ttl is None
    assert api().artifact(f"{ENTITY}/{unique}/later:v0").ttl == datetime.timedelta(days=1)
    # The server's own answer: no version left in the expired collection.
    resp = ttl_server.gql(
        "query($p: String!) { project(name: $p, entityName: \"admin\") "
        "{ artifactCollection(name: \"short\") { artifacts { edges { node { id } } } } } }",
        {"p": unique},
    )
    assert "errors" not in resp, resp
    collection = resp["data"]["project"]["artifactCollection"]
    assert collection is None or collection["artifacts"]["edges"] == []
    assert "deleted artifact versions whose TTL ran out" in "".join(ttl_server.log)
