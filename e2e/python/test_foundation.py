"""Users, API keys, teams and projects through the official wandb client."""

from __future__ import annotations

import pytest
import wandb
from packaging.version import Version

from conftest import ADMIN_KEY, CLIENT, client_since


def test_health_endpoints(server):
    import requests

    assert requests.get(f"{server.url}/healthz", timeout=10).status_code == 200
    assert requests.get(f"{server.url}/ready", timeout=10).status_code == 200
    assert requests.post(f"{server.url}/sdk/otel/v1/metrics", data=b"\x00", timeout=10).status_code == 200


def test_admin_login_viewer_and_default_entity(admin_api):
    viewer = admin_api.viewer
    assert viewer.username == "admin"
    assert viewer.admin is True
    assert admin_api.default_entity == "admin"
    # Listings show key names, never the secret.
    assert "admin" in viewer.api_keys
    assert ADMIN_KEY not in viewer.api_keys


def test_wrong_key_is_refused(server):
    bad_key = "nobody-" + "x" * 45
    with pytest.raises(wandb.errors.AuthenticationError) as refused:
        server.api(key=bad_key)
    # From 0.28.2 the client shows the server's words; before, its own, with
    # the server's answer as the cause (the 401 itself before 0.27.1).
    chain, cause = [], refused.value
    while cause is not None:
        chain.append(str(cause))
        cause = cause.__cause__ or cause.__context__
    if CLIENT >= Version("0.28.2"):
        assert "unauthorized" in chain[0], chain
    else:
        assert chain[0] == "An error occurred while verifying the API key.", chain
        server_said = "unauthorized" if CLIENT >= Version("0.27.1") else "401"
        assert any(server_said in c for c in chain[1:]), chain
    # The server's own answer to that key.
    import requests

    resp = requests.post(
        f"{server.url}/graphql", json={"query": "{ viewer { id } }"}, headers=server.basic_auth(bad_key), timeout=10
    )
    assert resp.status_code == 401
    assert "unauthorized" in resp.json()["errors"][0]["message"]


def test_unauthenticated_graphql_gets_401(server):
    import requests

    resp = requests.post(f"{server.url}/graphql", json={"query": "{ viewer { id } }"}, timeout=10)
    assert resp.status_code == 401
    assert "unauthorized" in resp.json()["errors"][0]["message"]


def test_create_user_then_find_them(admin_api, unique):
    user = admin_api.create_user(f"{unique}@example.com")
    assert user.username == unique
    assert user.email == f"{unique}@example.com"
    assert user.admin is False

    found = admin_api.user(f"{unique}@example.com")
    assert found is not None and found.username == unique
    assert admin_api.user(unique).email == f"{unique}@example.com"
    assert [u.username for u in admin_api.users(unique)] == [unique]
    assert admin_api.user(f"nobody-{unique}") is None


def test_duplicate_and_invalid_users_are_refused(admin_api, unique):
    admin_api.create_user(f"{unique}@example.com")
    with pytest.raises(Exception, match="already exists"):
        admin_api.create_user(f"{unique}@example.com")
    with pytest.raises(Exception, match="not a valid email"):
        admin_api.create_user("not-an-email")


def test_generate_use_and_revoke_a_key(server, admin_api):
    viewer = admin_api.viewer
    secret = viewer.generate_api_key("laptop")
    assert secret and "-" in secret and len(secret.split("-", 1)[1]) >= 40

    # The new key works, and the listing shows its name, not the secret.
    assert server.api(key=secret).viewer.username == "admin"
    reloaded = server.api().viewer
    name = secret.split("-", 1)[0]
    assert name in reloaded.api_keys
    assert secret not in reloaded.api_keys

    assert reloaded.delete_api_key(name) is True
    with pytest.raises(wandb.errors.AuthenticationError):
        server.api(key=secret)


def test_deleting_an_unknown_key_name_raises_value_error(admin_api):
    with pytest.raises(ValueError):
        admin_api.viewer.delete_api_key("no-such-key")


def test_non_admins_cannot_use_admin_operations(server, unique):
    username, _, key = server.new_user()
    api = server.api(key=key)
    assert api.viewer.username == username
    assert api.viewer.admin is False
    with pytest.raises(Exception, match="Only instance admins"):
        api.create_user(f"{unique}@example.com")
    with pytest.raises(Exception, match="Only instance admins"):
        api.users("admin")
    with pytest.raises(Exception, match="Only instance admins"):
        api.user("admin")


def test_users_manage_their_own_keys_only(server):
    _, _, alice_key = server.new_user()
    _, _, bob_key = server.new_user()
    alice = server.api(key=alice_key).viewer
    bob = server.api(key=bob_key).viewer
    new_secret = alice.generate_api_key("ci")
    assert server.api(key=new_secret).viewer.username == alice.username
    # Bob cannot revoke Alice's key even knowing its id.
    alice_reloaded = server.api(key=alice_key).viewer
    key_id = alice_reloaded._attrs["apiKeys"]["edges"][-1]["node"]["id"]
    denied = server.gql(
        "mutation($id: String!) { deleteApiKey(input: {id: $id}) { success } }",
        {"id": key_id},
        key=bob_key,
    )
    assert "No API key" in denied["errors"][0]["message"]
    assert server.api(key=new_secret).viewer.username == alice.username
    assert bob.api_keys and not set(bob.api_keys) & set(alice_reloaded.api_keys)


def test_team_create_invite_and_members(server, admin_api, unique):
    member_name, member_email, member_key = server.new_user()
    other_name, _, _ = server.new_user()

    team = admin_api.create_team(unique, admin_username="admin")
    assert team.name == unique
    assert [m.username for m in team.members] == ["admin"]

    assert team.invite(member_email) is True
    assert team.invite(other_name, admin=True) is True
    refused = [member_email, f"ghost-{unique}"]  # already a member; unknown username
    if CLIENT >= Version("0.27.1"):
        for who in refused:
            assert team.invite(who) is False
    else:
        # Before 0.27.1, Team.invite returns False only for an HTTP error
        # status; Cairn answers GraphQL errors with 200, so the client
        # raises the server's refusal instead.
        for who, words in zip(refused, ("already a member", "No user")):
            with pytest.raises(Exception, match=words):
                team.invite(who)
    assert team.invite(f"later-{unique}@example.com") is True  # pending invite

    team.load(force=True)
    by_name = {m.username: m for m in team.members if m.username}
    assert set(by_name) == {"admin", member_name, other_name}
    assert by_name[other_name].admin is True
    pending = [m for m in team.members if m.pending]
    assert [m.email for m in pending] == [f"later-{unique}@example.com"]

    # The member sees the team among theirs.
    assert unique in server.api(key=member_key).viewer.teams
    # A pending invite turns into membership when the user is created.
    later = admin_api.create_user(f"later-{unique}@example.com")
    assert unique in admin_api.user(later.username).teams


def test_service_account_key_is_shown_once_and_works(server, admin_api, unique):
    team = admin_api.create_team(unique)
    account = team.create_service_account("CI runner")
    assert account is not None
    assert account.account_type == "SERVICE"
    assert account.api_key, "the new account's key is shown on creation"
    assert server.api(key=account.api_key).viewer.username == account.username
    # Shown once: a later load does not reveal it again.
    team.load(force=True)
    assert all(m.api_key is None for m in team.members)


@client_since("0.27.0", "ServiceApi.execute_graphql")
def test_bad_team_names_and_duplicates(admin_api, unique):
    with pytest.raises(Exception, match="contains ' '"):
        admin_api._service_api.execute_graphql(
            __import__("wandb.apis._generated", fromlist=["CREATE_TEAM_GQL"]).CREATE_TEAM_GQL,
            {"teamName": "bad name", "teamAdminUserName": None},
        )
    admin_api.create_team(unique)
    with pytest.raises(Exception, match="already taken"):
        admin_api._service_api.execute_graphql(
            __import__("wandb.apis._generated", fromlist=["CREATE_TEAM_GQL"]).CREATE_TEAM_GQL,
            {"teamName": unique, "teamAdminUserName": None},
        )


def test_projects_create_list_paginate_and_load(admin_api, unique):
    admin_api.create_team(unique)
    names = [f"p{i}" for i in range(5)]
    for name in names:
        admin_api.create_project(name, unique)
    listed = admin_api.projects(unique, per_page=2)
    assert [p.name for p in listed] == names
    project = admin_api.project("p3", unique)
    assert project.name == "p3" and project.entity == unique
    # The id is base64("Project:<n>"), which the client decodes.
    assert base64_decode(project.id).startswith("Project:")


def test_projects_are_private_to_their_entity(server, admin_api, unique):
    _, _, outsider_key = server.new_user()
    admin_api.create_team(unique)
    admin_api.create_project("secret", unique)
    outsider = server.api(key=outsider_key)
    assert [p.name for p in outsider.projects(unique)] == []
    with pytest.raises(ValueError):
        outsider.project("secret", unique).id
    # A team the outsider is not in answers like one that does not exist.
    with pytest.raises(Exception, match=f'No team or user named "{unique}" exists'):
        outsider.create_project("intrusion", unique)


def test_users_create_projects_in_their_own_entity(server):
    username, _, key = server.new_user()
    api = server.api(key=key)
    api.create_project("mine", username)
    assert [p.name for p in api.projects()] == ["mine"]
    with pytest.raises(Exception) as refused:
        api.create_project("a/b", username)
    # Before 0.27.1 the client's error text is the repr of the GraphQL error.
    if CLIENT < Version("0.27.1"):
        message = __import__("ast").literal_eval(str(refused.value))["message"]
    else:
        message = str(refused.value)
    assert "contains '/'" in message, message


def base64_decode(s: str) -> str:
    import base64

    return base64.b64decode(s).decode()
