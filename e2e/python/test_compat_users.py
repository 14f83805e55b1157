"""Users, teams, organizations and keys as W&B has them (issue 10).

`updateUser` and Cairn's `importApiKey` have no call in the official
client, so they are sent as raw GraphQL; their effect is then checked
through the official client (`viewer`, `default_entity`, `wandb.init`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import uuid

import pytest
import wandb
from conftest import ADMIN_KEY, ROOT

UPDATE_USER = """
mutation($input: UpdateUserInput!) {
  updateUser(input: $input) { user { id name username photoUrl entity defaultEntity { name } } }
}
"""

IMPORT_KEY = """
mutation($u: ID!, $k: String!) {
  importApiKey(input: {userId: $u, apiKey: $k}) { apiKey { id name description } }
}
"""


def user_id(server, username: str) -> str:
    data = server.gql("query($q: String) { users(query: $q) { edges { node { id username } } } }", {"q": username})
    [node] = [e["node"] for e in data["data"]["users"]["edges"] if e["node"]["username"] == username]
    return node["id"]


def team_with(server, admin_api, name: str, username: str):
    team = admin_api.create_team(name)
    assert team.invite(username) is True
    return team


def random_key(prefix: str | None = "local") -> str:
    """A key shaped like W&B Server's (`local-<40 hex>`) or W&B cloud's (40 hex)."""
    secret = hashlib.sha1(uuid.uuid4().bytes).hexdigest()
    return f"{prefix}-{secret}" if prefix else secret


def error_of(resp: dict) -> str:
    assert "errors" in resp, resp
    return resp["errors"][0]["message"]


# ----- viewer.teams ------------------------------------------------------------


def test_viewer_teams_lists_the_own_entity_and_the_teams(server, admin_api, unique):
    name, _, key = server.new_user()
    team_with(server, admin_api, unique, name)
    teams = server.api(key=key).viewer.teams
    assert teams == [name, unique]
    # As the SDK's own viewer query asks it (internal_api `viewer { teams … }`).
    resp = server.gql("{ viewer { entity teams { edges { node { name } } } } }", key=key)
    assert [e["node"]["name"] for e in resp["data"]["viewer"]["teams"]["edges"]] == [name, unique]


# ----- createTeam ---------------------------------------------------------------


def test_a_new_team_shows_its_members_straight_away(server, unique):
    name, _, key = server.new_user()
    api = server.api(key=key)
    team = api.create_team(unique)
    assert [m.username for m in team.members] == [name]
    assert team.members[0].admin is True
    # The createTeam answer itself carries the members, as GetTeamEntity asks them.
    resp = server.gql(
        "mutation($n: String!) { createTeam(input: {teamName: $n}) "
        "{ entity { id name available photoUrl limits members { username admin accountType } } } }",
        {"n": unique + "b"},
        key=key,
    )
    assert resp["data"]["createTeam"]["entity"]["members"] == [
        {"username": name, "admin": True, "accountType": "USER"}
    ]


# ----- updateUser ---------------------------------------------------------------


def test_a_user_changes_their_default_entity_and_runs_follow(server, admin_api, unique, start_run):
    name, _, key = server.new_user()
    team_with(server, admin_api, unique, name)
    assert server.api(key=key).default_entity == name

    resp = server.gql(UPDATE_USER, {"input": {"defaultEntity": unique}}, key=key)
    assert "errors" not in resp, resp
    assert resp["data"]["updateUser"]["user"]["entity"] == unique
    assert resp["data"]["updateUser"]["user"]["defaultEntity"] == {"name": unique}

    # A fresh client reads the new default entity from the viewer.
    api = server.api(key=key)
    assert api.default_entity == unique
    assert api.viewer.entity == unique
    # A run started without an entity goes to it.
    run = start_run("defaulted", key=key)
    run.log({"x": 1})
    run.finish()
    assert run.entity == unique
    assert [r.id for r in admin_api.runs(f"{unique}/defaulted")] == [run.id]

    # Back to the own entity.
    resp = server.gql(UPDATE_USER, {"input": {"defaultEntity": name}}, key=key)
    assert resp["data"]["updateUser"]["user"]["entity"] == name
    assert server.api(key=key).default_entity == name


def test_the_default_entity_must_be_one_the_user_belongs_to(server, admin_api, unique):
    name, _, key = server.new_user()
    other, _, _ = server.new_user()
    admin_api.create_team(unique)  # the user is not a member
    for entity in (unique, other, f"nobody-{unique}"):
        resp = server.gql(UPDATE_USER, {"input": {"defaultEntity": entity}}, key=key)
        assert "is not their own entity or one of their teams" in error_of(resp)
        assert resp["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert server.api(key=key).default_entity == name


def test_leaving_the_team_falls_back_to_the_own_entity(server, admin_api, unique):
    name, _, key = server.new_user()
    team = team_with(server, admin_api, unique, name)
    assert "errors" not in server.gql(UPDATE_USER, {"input": {"defaultEntity": unique}}, key=key)
    assert server.api(key=key).default_entity == unique
    team.load(force=True)
    [member] = [m for m in team.members if m.username == name]
    assert member.delete() is True
    assert server.api(key=key).default_entity == name


def test_profile_fields_are_changed_by_the_user_or_an_admin_only(server, unique):
    name, _, key = server.new_user()
    other, _, other_key = server.new_user()
    uid = user_id(server, name)

    resp = server.gql(
        UPDATE_USER,
        {"input": {"name": "Ada Lovelace", "photoUrl": "https://example.com/ada.png"}},
        key=key,
    )
    assert "errors" not in resp, resp
    user = server.api(key=key).viewer
    assert user.name == "Ada Lovelace"
    assert resp["data"]["updateUser"]["user"]["photoUrl"] == "https://example.com/ada.png"

    # Someone else may not, even naming the user by id.
    resp = server.gql(UPDATE_USER, {"input": {"id": uid, "name": "Mallory"}}, key=other_key)
    assert error_of(resp) == "Only instance admins can change another user's profile."
    assert resp["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    # Nor make themselves admin.
    resp = server.gql(UPDATE_USER, {"input": {"admin": True}}, key=other_key)
    assert resp["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert server.api(key=other_key).viewer.admin is False

    # The instance admin may, for anyone.
    resp = server.gql(UPDATE_USER, {"input": {"id": uid, "name": "Ada L."}})
    assert "errors" not in resp, resp
    assert server.api(key=key).viewer.name == "Ada L."

    # Bad values are refused clearly.
    for bad, message in (
        ({"name": "  "}, "A user's name must have 1 to"),
        ({"photoUrl": "javascript:alert(1)"}, "photoUrl must be an http(s) URL"),
        ({"id": "not-an-id"}, ""),
    ):
        resp = server.gql(UPDATE_USER, {"input": bad}, key=key)
        assert message in error_of(resp)


def test_an_admin_sets_another_users_default_entity(server, admin_api, unique):
    name, _, key = server.new_user()
    team_with(server, admin_api, unique, name)
    resp = server.gql(UPDATE_USER, {"input": {"id": user_id(server, name), "defaultEntity": unique}})
    assert "errors" not in resp, resp
    assert server.api(key=key).default_entity == unique


# ----- importApiKey ---------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["local", None])
def test_an_imported_key_authenticates_the_official_client(server, start_run, prefix):
    name, _, _ = server.new_user()
    key = random_key(prefix)
    resp = server.gql(IMPORT_KEY, {"u": user_id(server, name), "k": key})
    assert "errors" not in resp, resp
    record = resp["data"]["importApiKey"]["apiKey"]
    assert key not in str(record)  # the answer never repeats the key

    api = server.api(key=key)
    assert api.viewer.username == name
    assert record["name"] in api.viewer.api_keys
    run = start_run("imported", key=key)
    run.log({"x": 1})
    run.finish()
    assert run.entity == name

    # The key is stored only as its hash.
    assert server.data_dir is not None
    for path in server.data_dir.rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path
    assert not any(key in line for line in server.log)


def test_importing_keys_is_for_admins_and_refuses_bad_keys(server):
    name, _, user_key = server.new_user()
    uid = user_id(server, name)
    key = random_key()

    resp = server.gql(IMPORT_KEY, {"u": uid, "k": key}, key=user_key)
    assert error_of(resp) == "Only instance admins can import API keys."
    assert server.gql("{ viewer { id } }", key=key).get("data") is None

    assert "errors" not in server.gql(IMPORT_KEY, {"u": uid, "k": key})
    resp = server.gql(IMPORT_KEY, {"u": uid, "k": key})
    assert error_of(resp) == "This API key is already registered."
    assert resp["errors"][0]["extensions"]["code"] == "CONFLICT"
    # An existing key of another user, too.
    resp = server.gql(IMPORT_KEY, {"u": uid, "k": ADMIN_KEY})
    assert resp["errors"][0]["extensions"]["code"] == "CONFLICT"

    for bad, message in (
        ("local-" + "a" * 40, "does not look random"),
        ("local-" + "0123456789" * 4, "does not look random"),
        ("local-tooshort", "40+ characters"),
        ("short", "40+ characters"),
        ("local-" + "x" * 39 + "!", "letters, digits and underscores"),
        ("with space " + "f" * 40, "letters, digits and underscores"),
    ):
        resp = server.gql(IMPORT_KEY, {"u": uid, "k": bad})
        assert message in error_of(resp), (bad, resp)
        assert resp["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
        assert bad not in error_of(resp)


def test_cairn_key_import_reads_the_key_from_stdin(server):
    name, _, _ = server.new_user()
    key = random_key()
    binary = os.environ.get("CAIRN_BIN", str(ROOT / "target" / "debug" / "cairn"))
    env = dict(os.environ, WANDB_BASE_URL=server.url, WANDB_API_KEY=ADMIN_KEY)
    done = subprocess.run(
        [binary, "key", "import", "--user", name],
        input=key + "\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert f"for {name}" in done.stdout
    assert key not in done.stdout + done.stderr
    assert server.api(key=key).viewer.username == name

    # A non-admin is refused.
    _, _, user_key = server.new_user()
    env["WANDB_API_KEY"] = user_key
    done = subprocess.run(
        [binary, "key", "import", "--user", name],
        input=random_key() + "\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "Only instance admins" in done.stderr


# ----- organizations ----------------------------------------------------------------

CREATE_ORG = "mutation($n: String!) { createOrganization(input: {name: $n}) { organization { id name orgEntity { name } } } }"


def cairn_cli(server, *args: str, key: str = ADMIN_KEY, stdin: str | None = None) -> subprocess.CompletedProcess:
    binary = os.environ.get("CAIRN_BIN", str(ROOT / "target" / "debug" / "cairn"))
    env = dict(os.environ, WANDB_BASE_URL=server.url, WANDB_API_KEY=key)
    return subprocess.run(
        [binary, *args], input=stdin, env=env, capture_output=True, text=True, timeout=60
    )


def test_an_admin_creates_an_organization_with_its_own_registries(server, admin_api, unique, monkeypatch):
    # Clients before 0.27 create registries through a fresh `wandb.Api()`,
    # which takes its key from the environment.
    monkeypatch.setenv("WANDB_API_KEY", ADMIN_KEY)
    org = f"{unique}-lab"
    done = cairn_cli(server, "org", "create", org)
    assert done.returncode == 0, done.stderr
    assert f"created organization {org} (entity {org}-org)" in done.stdout

    # A user of the default organization only, and one added to the new one.
    outsider, _, outsider_key = server.new_user()
    insider, _, insider_key = server.new_user()
    assert admin_api.team(f"{org}-org").invite(insider) is True

    # Registries are per organization; the first one stays the default.
    admin_api.create_registry(f"{unique}-default", visibility="organization")
    admin_api.create_registry(f"{unique}-lab-open", visibility="organization", organization=org)
    admin_api.create_registry(f"{unique}-lab-closed", visibility="restricted", organization=org)
    mine = {"name": {"$regex": f"^{unique}-"}}
    assert [r.name for r in admin_api.registries(filter=mine)] == [f"{unique}-default"]
    assert sorted(r.name for r in admin_api.registries(organization=org, filter=mine)) == [
        f"{unique}-lab-closed",
        f"{unique}-lab-open",
    ]

    insider_api = server.api(key=insider_key)
    assert [r.name for r in insider_api.registries(organization=org, filter=mine)] == [f"{unique}-lab-open"]
    loaded = insider_api.registry(f"{unique}-lab-open", organization=org)
    assert loaded.organization == org
    assert loaded.full_name == f"wandb-registry-{unique}-lab-open"
    with pytest.raises(Exception):
        insider_api.registry(f"{unique}-lab-closed", organization=org).description
    # The insider still belongs to the default organization too.
    assert [r.name for r in insider_api.registries(filter=mine)] == [f"{unique}-default"]
    orgs = server.gql("{ viewer { organizations { name orgEntity { name } } } }", key=insider_key)
    assert [o["name"] for o in orgs["data"]["viewer"]["organizations"]] == ["cairn", org]

    # Someone outside the organization sees none of it.
    outsider_api = server.api(key=outsider_key)
    with pytest.raises(Exception):
        list(outsider_api.registries(organization=org, filter=mine))
    with pytest.raises(Exception):
        outsider_api.registry(f"{unique}-lab-open", organization=org).description
    assert server.gql("query($n: String) { organization(name: $n) { name } }", {"n": org}, key=outsider_key)[
        "data"
    ] == {"organization": None}
    orgs = server.gql("{ viewer { organizations { name } } }", key=outsider_key)
    assert [o["name"] for o in orgs["data"]["viewer"]["organizations"]] == ["cairn"]
    # Nor may they create a registry in it.
    with pytest.raises(Exception):
        outsider_api.create_registry(f"{unique}-sneaky", visibility="organization", organization=org)
    assert f"{unique}-sneaky" not in [r.name for r in admin_api.registries(organization=org, filter=mine)]


def test_organizations_are_created_by_admins_only_with_valid_unique_names(server, unique):
    _, _, key = server.new_user()
    resp = server.gql(CREATE_ORG, {"n": unique}, key=key)
    assert error_of(resp) == "Only instance admins can create organizations."
    done = cairn_cli(server, "org", "create", unique + "x", key=key)
    assert done.returncode != 0 and "Only instance admins can create organizations." in done.stderr

    resp = server.gql(CREATE_ORG, {"n": unique})
    assert resp["data"]["createOrganization"]["organization"]["orgEntity"] == {"name": f"{unique}-org"}
    for name, code in ((unique, "CONFLICT"), ("cairn", "CONFLICT"), ("bad name", "INVALID_INPUT")):
        resp = server.gql(CREATE_ORG, {"n": name})
        assert resp["errors"][0]["extensions"]["code"] == code, (name, resp)


def test_every_organization_has_the_core_registries(server, admin_api, start_run, unique, monkeypatch):
    """W&B's core registries, `model` and `dataset`, exist in every
    organization without anyone creating them, each taking its own type."""
    monkeypatch.setenv("WANDB_API_KEY", ADMIN_KEY)
    core = {"name": {"$in": ["model", "dataset"]}}
    assert sorted(r.name for r in admin_api.registries(filter=core)) == ["dataset", "model"]
    model = admin_api.registry("model")
    assert list(model.artifact_types) == ["model"]
    assert list(admin_api.registry("dataset").artifact_types) == ["dataset"]

    # Any member of the organization links into them straight away.
    name, _, key = server.new_user()
    run = start_run(unique, key=key, entity=name)
    art = wandb.Artifact(f"net-{unique}", "model")
    with art.new_file("w.bin") as f:
        f.write("weights")
    run.log_artifact(art)
    art.wait()
    run.link_artifact(art, f"wandb-registry-model/{unique}")
    table = wandb.Artifact(f"rows-{unique}", "dataset")
    with table.new_file("rows.csv") as f:
        f.write("a,b")
    run.log_artifact(table)
    table.wait()
    # The model registry takes models only.
    with pytest.raises(Exception, match="dataset"):
        run.link_artifact(table, f"wandb-registry-model/{unique}-rows")
    run.finish()
    linked = server.api(key=key).artifact(f"cairn-org/wandb-registry-model/{unique}:latest")
    assert linked.type == "model"

    # A new organization gets its own.
    org = f"{unique}-lab"
    assert cairn_cli(server, "org", "create", org).returncode == 0
    assert sorted(r.name for r in admin_api.registries(organization=org, filter=core)) == ["dataset", "model"]
