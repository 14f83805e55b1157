"""Integrations through the official client: a generic webhook made with the
client's own `CreateGenericWebhookIntegration` operation and input model
(no public `Api` method makes one), then listed by `api.integrations`,
`api.webhook_integrations` and `api.slack_integrations`, which page through
`IntegrationsByEntity`. The server's own answers are checked too: the
operator's allow-list, bad names and URLs, and who may make one."""

from __future__ import annotations

import pytest
import wandb
from conftest import ADMIN_KEY, client_graphql, start_server
from wandb.apis.public import Api

ALLOWED = "hooks.example.com,127.0.0.1:9"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("cairn-data"), env={"CAIRN_WEBHOOK_ALLOW": ALLOWED})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def api(server) -> Api:
    return wandb.Api(overrides={"base_url": server.url}, api_key=ADMIN_KEY)


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


def test_webhooks_are_made_and_listed_by_the_client(server, api):
    api.create_team("hooks-team", admin_username="admin")
    made = create_webhook(api, "hooks-team", "eval on link", "https://hooks.example.com/eval")
    # Clients before 0.31 send the field without the `result` alias.
    integration = (made.get("result") or made["createGenericWebhookIntegration"])["integration"]
    assert integration["__typename"] == "GenericWebhookIntegration"
    assert integration["name"] == "eval on link"
    assert integration["urlEndpoint"] == "https://hooks.example.com/eval"
    # Enough for more than one page of the client's paginator.
    for i in range(3):
        create_webhook(api, "hooks-team", f"hook-{i}", f"http://127.0.0.1:9/h{i}")

    hooks = list(api.webhook_integrations(entity="hooks-team", per_page=2))
    assert [h.name for h in hooks] == ["eval on link", "hook-0", "hook-1", "hook-2"]
    assert hooks[0].url_endpoint == "https://hooks.example.com/eval"
    assert hooks[0].id == integration["id"]
    assert [i.name for i in api.integrations(entity="hooks-team")] == [h.name for h in hooks]
    assert list(api.slack_integrations(entity="hooks-team")) == []
    # Another entity has its own.
    assert list(api.webhook_integrations(entity="admin")) == []


def test_the_server_refuses_what_it_must(server, api):
    api.create_team("strict-team", admin_username="admin")
    # Not on the operator's allow-list, or on the right host but not port.
    for url in ("https://internal.example.com/x", "http://127.0.0.1:8080/x", "http://169.254.169.254/"):
        answer = server.gql(
            "mutation($u: String!) { createGenericWebhookIntegration(input: {entityName: \"strict-team\", name: \"x\", urlEndpoint: $u}) { integration { id } } }",
            {"u": url},
        )
        assert "--webhook-allow" in answer["errors"][0]["message"], answer
    # Names and URLs the client would refuse, the server refuses too.
    for name, url, says in (
        ("bad;name", "https://hooks.example.com/", "integration name"),
        ("ok", "ftp://hooks.example.com/", "http:// or https://"),
        ("ok", "https://user:pw@hooks.example.com/", "credentials"),
    ):
        answer = server.gql(
            "mutation($n: String!, $u: String!) { createGenericWebhookIntegration(input: {entityName: \"strict-team\", name: $n, urlEndpoint: $u}) { integration { id } } }",
            {"n": name, "u": url},
        )
        assert says in answer["errors"][0]["message"], answer
    # A name is unique within the entity.
    create_webhook(api, "strict-team", "once", "https://hooks.example.com/1")
    again = server.gql(
        "mutation { createGenericWebhookIntegration(input: {entityName: \"strict-team\", name: \"once\", urlEndpoint: \"https://hooks.example.com/2\"}) { integration { id } } }"
    )
    assert "already exists" in again["errors"][0]["message"], again

    # A member who is not the team's admin may list but not make or delete.
    username, email, key = server.new_user()
    api.team("strict-team").invite(username)
    member = wandb.Api(overrides={"base_url": server.url}, api_key=key)
    assert [h.name for h in member.webhook_integrations(entity="strict-team")] == ["once"]
    refused = server.gql(
        "mutation { createGenericWebhookIntegration(input: {entityName: \"strict-team\", name: \"mine\", urlEndpoint: \"https://hooks.example.com/m\"}) { integration { id } } }",
        key=key,
    )
    assert "Only an admin" in refused["errors"][0]["message"], refused
    hook_id = next(iter(api.webhook_integrations(entity="strict-team"))).id
    denied = server.gql("mutation($id: ID!) { deleteIntegration(input: {id: $id}) { success } }", {"id": hook_id}, key=key)
    assert "Only an admin" in denied["errors"][0]["message"], denied
    # An outsider does not see them at all: the team is not there for them
    # (so the client's paginator raises, as it does for a missing entity).
    _, _, outsider_key = server.new_user()
    hidden = server.gql('{ entity(name: "strict-team") { integrations { edges { node { __typename } } } } }', key=outsider_key)
    assert hidden["data"]["entity"] is None, hidden
    outsider = wandb.Api(overrides={"base_url": server.url}, api_key=outsider_key)
    with pytest.raises(ValueError):
        list(outsider.webhook_integrations(entity="strict-team"))
    # The admin deletes it.
    done = server.gql("mutation($id: ID!) { deleteIntegration(input: {id: $id}) { success } }", {"id": hook_id})
    assert done["data"]["deleteIntegration"]["success"] is True
    assert list(api.webhook_integrations(entity="strict-team")) == []
