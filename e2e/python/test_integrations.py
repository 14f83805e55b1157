"""Integrations through the official client: a generic webhook made with the
client's own `CreateGenericWebhookIntegration` operation and input model
(no public `Api` method makes one), then listed by `api.integrations`,
`api.webhook_integrations` and `api.slack_integrations`, which page through
`IntegrationsByEntity`. The server's own answers are checked too: the
operator's allow-list (the session server allows `conftest.WEBHOOK_ALLOW`),
bad names and URLs, and who may make one.

They use the session server: clients before 0.28 send every `Api`'s
requests to the server of the process's first one."""

from __future__ import annotations

import pytest
from conftest import client_graphql
from wandb.apis.public import Api


@pytest.fixture
def api(server) -> Api:
    return server.api()


def create_webhook(api: Api, entity: str, name: str, url: str):
    """What the client's `CreateGenericWebhookIntegration` sends, built with
    its own input model, through its own transport."""
    from wandb.automations._generated import (
        CREATE_GENERIC_WEBHOOK_INTEGRATION_GQL,
        CreateGenericWebhookIntegrationInput,
    )

    payload = CreateGenericWebhookIntegrationInput(entity_name=entity, name=name, url_endpoint=url)
    variables = {"input": payload.model_dump(by_alias=True, exclude_none=True)}
    return client_graphql(api, CREATE_GENERIC_WEBHOOK_INTEGRATION_GQL, variables)


def test_webhooks_are_made_and_listed_by_the_client(server, api, unique):
    team = f"{unique}-hooks"
    api.create_team(team, admin_username="admin")
    made = create_webhook(api, team, "eval on link", "https://hooks.example.com/eval")
    # Clients before 0.31 send the field without the `result` alias.
    integration = (made.get("result") or made["createGenericWebhookIntegration"])["integration"]
    assert integration["__typename"] == "GenericWebhookIntegration"
    assert integration["name"] == "eval on link"
    assert integration["urlEndpoint"] == "https://hooks.example.com/eval"
    # Enough for more than one page of the client's paginator.
    for i in range(3):
        create_webhook(api, team, f"hook-{i}", f"http://127.0.0.1:9/h{i}")

    hooks = list(api.webhook_integrations(entity=team, per_page=2))
    assert [h.name for h in hooks] == ["eval on link", "hook-0", "hook-1", "hook-2"]
    assert hooks[0].url_endpoint == "https://hooks.example.com/eval"
    assert hooks[0].id == integration["id"]
    assert [i.name for i in api.integrations(entity=team)] == [h.name for h in hooks]
    assert list(api.slack_integrations(entity=team)) == []
    # Another entity has its own.
    api.create_team(f"{unique}-other", admin_username="admin")
    assert list(api.webhook_integrations(entity=f"{unique}-other")) == []


CREATE = (
    "mutation($t: String!, $n: String!, $u: String!) { createGenericWebhookIntegration("
    "input: {entityName: $t, name: $n, urlEndpoint: $u}) { integration { id } } }"
)
DELETE = "mutation($id: ID!) { deleteIntegration(input: {id: $id}) { success } }"


def test_the_server_refuses_what_it_must(server, api, unique):
    team = f"{unique}-strict"
    api.create_team(team, admin_username="admin")
    # Not on the operator's allow-list, or on the right host but not port.
    for url in ("https://internal.example.com/x", "http://127.0.0.1:8080/x", "http://169.254.169.254/"):
        answer = server.gql(CREATE, {"t": team, "n": "x", "u": url})
        assert "--webhook-allow" in answer["errors"][0]["message"], answer
    # Names and URLs the client would refuse, the server refuses too.
    for name, url, says in (
        ("bad;name", "https://hooks.example.com/", "integration name"),
        ("ok", "ftp://hooks.example.com/", "http:// or https://"),
        ("ok", "https://user:pw@hooks.example.com/", "credentials"),
    ):
        answer = server.gql(CREATE, {"t": team, "n": name, "u": url})
        assert says in answer["errors"][0]["message"], answer
    # A name is unique within the entity.
    create_webhook(api, team, "once", "https://hooks.example.com/1")
    again = server.gql(CREATE, {"t": team, "n": "once", "u": "https://hooks.example.com/2"})
    assert "already exists" in again["errors"][0]["message"], again

    # A member who is not the team's admin may list but not make or delete.
    username, _, key = server.new_user()
    api.team(team).invite(username)
    member = server.api(key=key)
    assert [h.name for h in member.webhook_integrations(entity=team)] == ["once"]
    refused = server.gql(CREATE, {"t": team, "n": "mine", "u": "https://hooks.example.com/m"}, key=key)
    assert "Only an admin" in refused["errors"][0]["message"], refused
    hook_id = next(iter(api.webhook_integrations(entity=team))).id
    denied = server.gql(DELETE, {"id": hook_id}, key=key)
    assert "Only an admin" in denied["errors"][0]["message"], denied
    # An outsider does not see them at all: the team is not there for them
    # (so the client's paginator raises, as it does for a missing entity).
    _, _, outsider_key = server.new_user()
    hidden = server.gql(
        "query($t: String!) { entity(name: $t) { integrations { edges { node { __typename } } } } }",
        {"t": team},
        key=outsider_key,
    )
    assert hidden["data"]["entity"] is None, hidden
    with pytest.raises(ValueError):
        list(server.api(key=outsider_key).webhook_integrations(entity=team))
    # The admin deletes it.
    done = server.gql(DELETE, {"id": hook_id})
    assert done["data"]["deleteIntegration"]["success"] is True
    assert list(api.webhook_integrations(entity=team)) == []
