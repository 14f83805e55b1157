"""Fixtures: a real `cairn server` on a free loopback port with a temp data dir.

The official `wandb==0.31.0` client talks to it unchanged. The server binary
comes from `CAIRN_BIN` (default: target/debug/cairn, built by scripts/test).
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import threading
import uuid
from pathlib import Path

import pytest
import requests
import wandb

ROOT = Path(__file__).resolve().parents[2]
ADMIN_KEY = "admin-" + "k" * 44


class CairnServer:
    def __init__(self, proc: subprocess.Popen, url: str):
        self.proc = proc
        self.url = url

    def gql(self, query: str, variables: dict | None = None, key: str = ADMIN_KEY) -> dict:
        """A raw GraphQL call, for set-up steps the official client cannot express."""
        auth = base64.b64encode(f"api:{key}".encode()).decode()
        resp = requests.post(
            f"{self.url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Basic {auth}"},
            timeout=30,
        )
        return resp.json()

    def api(self, key: str = ADMIN_KEY) -> wandb.Api:
        return wandb.Api(overrides={"base_url": self.url}, api_key=key)

    def new_user(self, admin: bool = False) -> tuple[str, str, str]:
        """Create a user and a key for them; returns (username, email, key)."""
        email = f"u{uuid.uuid4().hex[:10]}@example.com"
        created = self.gql(
            "mutation($e: String!, $a: Boolean) { createUser(input: {email: $e, admin: $a}) { user { id username } } }",
            {"e": email, "a": admin},
        )
        user = created["data"]["createUser"]["user"]
        key = self.gql(
            "mutation($u: ID) { generateApiKey(input: {userId: $u, description: \"test\"}) { apiKey { name } } }",
            {"u": user["id"]},
        )["data"]["generateApiKey"]["apiKey"]["name"]
        return user["username"], email, key


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> CairnServer:
    binary = os.environ.get("CAIRN_BIN", str(ROOT / "target" / "debug" / "cairn"))
    data_dir = tmp_path_factory.mktemp("cairn-data")
    env = dict(os.environ, CAIRN_ADMIN_API_KEY=ADMIN_KEY, RUST_LOG="info", NO_COLOR="1")
    proc = subprocess.Popen(
        [binary, "server", "--listen", "127.0.0.1:0", "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = None
    assert proc.stdout is not None
    for line in proc.stdout:
        m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        if m:
            url = m.group(1)
            break
    if url is None:
        proc.kill()
        raise RuntimeError(f"cairn server did not start (exit code {proc.wait()})")
    # Keep draining the log so the server never blocks on a full pipe.
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    os.environ["WANDB_BASE_URL"] = url
    yield CairnServer(proc, url)
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="session")
def admin_api(server) -> wandb.Api:
    return server.api()


@pytest.fixture
def unique():
    """A unique name prefix, so tests sharing one server never collide."""
    return "t" + uuid.uuid4().hex[:8]
