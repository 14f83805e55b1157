"""Fixtures: a real `cairn server` on a free loopback port with a temp data dir.

The official `wandb` client talks to it unchanged: scripts/test runs this
suite once per supported client version (see `CLIENT_VERSIONS` there), each
from its own virtualenv. The server binary comes from `CAIRN_BIN` (default:
target/debug/cairn, built by scripts/test).
"""

from __future__ import annotations

import base64
import contextlib
import gc
import hashlib
import json
import os
import re
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
import wandb
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
# The official client this run of the suite uses.
CLIENT = Version(wandb.__version__)


@pytest.fixture(autouse=True)
def no_cycle_collection_during_a_test():
    """Collect reference cycles between tests, never during one.

    wandb 0.27's public `Api` cleans up through a finalizer that waits on
    the client's asyncio thread; when cyclic garbage collection happens to
    run that finalizer *on* that thread (seen once in CI, in a sweep agent
    test), the thread waits on itself and the test hangs for ever. Between
    tests the finalizers run on the main thread, as they should (one
    collection after each test: the next test starts on a clean heap).
    """
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


def client_since(version: str, what: str):
    """Mark a test that uses a client feature first shipped in `version`
    (`what` names it): older clients do not have it at all, so the test
    cannot run there. Only for features absent from the client, never for
    server behaviour that differs."""
    return pytest.mark.skipif(
        CLIENT < Version(version),
        reason=f"wandb {wandb.__version__} has no {what} (added in {version})",
    )
# What the session server lets webhook integrations call.
WEBHOOK_ALLOW = "hooks.example.com,127.0.0.1:9"
# Fixed, and random enough for the server's check on chosen admin keys.
ADMIN_KEY = "admin-b7eJDUaF7hEarVSYMyBOqlm6qEDqRWy67J8SUT0FpVJI"


class CairnServer:
    def __init__(self, proc: subprocess.Popen, url: str):
        self.proc = proc
        self.url = url
        self.log: list[str] = []
        self.data_dir: Path | None = None

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

    def basic_auth(self, key: str = ADMIN_KEY) -> dict[str, str]:
        return {"Authorization": "Basic " + base64.b64encode(f"api:{key}".encode()).decode()}

    def upsert_run(self, entity: str, project: str, name: str, key: str = ADMIN_KEY, **fields) -> dict:
        """Create or change a run with one raw `upsertBucket`, the cheap way to
        make many runs. `fields` are UpsertBucketInput fields (`config` and
        `summaryMetrics` may be dicts; they are JSON-encoded here)."""
        for doc in ("config", "summaryMetrics"):
            if isinstance(fields.get(doc), dict):
                fields[doc] = json.dumps(fields[doc])
        resp = self.gql(
            "mutation($input: UpsertBucketInput!) { upsertBucket(input: $input) "
            "{ bucket { id name displayName state createdAt heartbeatAt historyLineCount } inserted } }",
            {"input": {"entityName": entity, "modelName": project, "name": name, **fields}},
            key=key,
        )
        assert "errors" not in resp, resp
        return resp["data"]["upsertBucket"]["bucket"]

    def file_stream(
        self, entity: str, project: str, run: str, body: dict | bytes, key: str = ADMIN_KEY
    ) -> requests.Response:
        """POST one raw file_stream request, as wandb-core does."""
        url = f"{self.url}/files/{entity}/{project}/{run}/file_stream"
        if isinstance(body, (bytes, str)):
            return requests.post(url, data=body, headers=self.basic_auth(key), timeout=60)
        return requests.post(url, json=body, headers=self.basic_auth(key), timeout=60)

    def stop(self) -> None:
        """SIGTERM, and wait for a clean exit."""
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)

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


def client_graphql(api: wandb.Api, query: str, variables: dict) -> dict:
    """Send a GraphQL document through the official client's own transport:
    the wandb-core sidecar where the client has it (0.27+), else the Public
    API's GraphQL client."""
    service = getattr(api, "_service_api", None)
    if service is not None and hasattr(service, "execute_graphql"):
        return service.execute_graphql(query, variables)
    from wandb_gql import gql

    return api.client.execute(gql(query), variable_values=variables)


def start_server(
    data_dir: Path,
    *,
    args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> CairnServer:
    """Start `cairn server` on a free loopback port with `data_dir`.

    The server's log is drained by a thread (so it never blocks on a full
    pipe) and kept in `CairnServer.log` for failure messages. Used by the
    session `server` fixture and by tests that need a server of their own
    (kill -9, short run timeouts).
    """
    binary = os.environ.get("CAIRN_BIN", str(ROOT / "target" / "debug" / "cairn"))
    full_env = dict(os.environ, CAIRN_ADMIN_API_KEY=ADMIN_KEY, RUST_LOG="info", NO_COLOR="1")
    full_env.update(env or {})
    proc = subprocess.Popen(
        [binary, "server", "--listen", "127.0.0.1:0", "--data-dir", str(data_dir), *args],
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = None
    log: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        log.append(line)
        m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        if m:
            url = m.group(1)
            break
    if url is None:
        proc.kill()
        raise RuntimeError(f"cairn server did not start (exit code {proc.wait()}):\n{''.join(log)}")
    # Keep draining the log so the server never blocks on a full pipe.
    threading.Thread(target=lambda: log.extend(proc.stdout), daemon=True).start()
    server = CairnServer(proc, url)
    server.log = log
    server.data_dir = Path(data_dir)
    return server


@contextlib.contextmanager
def wandb_env(server: CairnServer, wandb_dir: Path, key: str = ADMIN_KEY):
    """Environment for `wandb.init` against `server`: base URL, key, quiet,
    online, files under `wandb_dir`. Restores the previous values after."""
    wanted = {
        "WANDB_BASE_URL": server.url,
        "WANDB_API_KEY": key,
        "WANDB_SILENT": "true",
        "WANDB_DIR": str(wandb_dir),
        "WANDB_MODE": None,
        "WANDB_RUN_ID": None,
        "WANDB_RESUME": None,
        "WANDB_PROJECT": None,
        "WANDB_ENTITY": None,
    }
    saved = {k: os.environ.get(k) for k in wanted}
    for k, v in wanted.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def use_global_credentials(server: CairnServer, key: str = ADMIN_KEY) -> None:
    """Point wandb's process-wide settings at `server` with `key`, for library
    code that reads them instead of its arguments (`create_job`,
    `wandb-workspaces`): they keep the key of whichever run came first,
    another user's in the full suite. Unlike `wandb.teardown()`, this keeps
    the process's service connection, which session-wide `Api` objects go
    on using."""
    wandb.setup(wandb.Settings(api_key=key, base_url=server.url))


class Receiver:
    """A webhook receiver on a free loopback port that keeps every request
    (path, headers, raw body). `status` is what it answers (set it to 500
    to play a receiver that is down)."""

    def __init__(self):
        import http.server

        self.requests: list[dict] = []
        self.status = 200
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    status = receiver.status
                    receiver.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body, "status": status}
                    )
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def received(self, path: str) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if r["path"] == path]

    def wait_for(self, path: str, count: int = 1, timeout: float = 30.0) -> list[dict]:
        """The requests to `path` once there are `count` of them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.received(path)
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"{len(self.received(path))} of {count} deliveries to {path} arrived")


@pytest.fixture(scope="session")
def receiver() -> Receiver:
    return RECEIVER


# Started before the session server, whose allow-list names its port.
RECEIVER = Receiver()


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> CairnServer:
    # Webhook integrations need targets the operator allows (test_integrations),
    # and deliveries a receiver (test_automation_deliveries).
    allow = f"{WEBHOOK_ALLOW},127.0.0.1:{RECEIVER.port}"
    server = start_server(tmp_path_factory.mktemp("cairn-data"), env={"CAIRN_WEBHOOK_ALLOW": allow})
    os.environ["WANDB_BASE_URL"] = server.url
    # Downloads without an explicit root (`artifact.get(...)`) and the
    # client's file cache stay out of the checkout and the home directory.
    os.environ["WANDB_ARTIFACT_DIR"] = str(tmp_path_factory.mktemp("wandb-artifacts"))
    os.environ["WANDB_CACHE_DIR"] = str(tmp_path_factory.mktemp("wandb-cache"))
    yield server
    server.proc.terminate()
    server.proc.wait(timeout=30)


@pytest.fixture
def admin_api(server) -> wandb.Api:
    """A fresh `Api` per test: `wandb.agent` ends with `wandb.teardown()`,
    which stops the service connection every existing `Api` uses."""
    return server.api()


@pytest.fixture
def unique():
    """A unique name prefix, so tests sharing one server never collide."""
    return "t" + uuid.uuid4().hex[:8]


@pytest.fixture
def start_run(server, tmp_path):
    """`start_run(project, **init_kwargs)` starts a `wandb.init` run against
    the session server (files under this test's tmp dir) and returns it; runs
    still open at the end of the test are finished."""
    runs: list = []
    counter = iter(range(1_000_000))

    def start(project: str, key: str = ADMIN_KEY, **kwargs):
        root = tmp_path / f"wandb-{next(counter)}"
        root.mkdir()
        settings = wandb.Settings(base_url=server.url, api_key=key, silent=True, root_dir=str(root))
        with wandb_env(server, root, key=key):
            run = wandb.init(project=project, settings=settings, **kwargs)
        runs.append(run)
        return run

    yield start
    for run in runs:
        with contextlib.suppress(Exception):
            run.finish()


@pytest.fixture
def cas_path(server):
    """`cas_path(data)` is the file where the session server keeps the
    artifact bytes `data` (`<data dir>/blobs/data/cas/<md5[:2]>/<md5>.<random>`:
    each upload writes a key of its own), or a path that does not exist if
    none is stored."""

    def path(data: bytes) -> Path:
        md5 = hashlib.md5(data).hexdigest()
        shard = server.data_dir / "blobs" / "data" / "cas" / md5[:2]
        found = sorted(shard.glob(f"{md5}.*")) + sorted(shard.glob(md5))
        assert len(found) <= 1, f"one stored copy per digest: {found}"
        return found[0] if found else shard / md5

    return path
