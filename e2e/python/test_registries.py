"""Registries with the official client: create, load, edit and delete a
registry, link artifact versions into it, edit its collections, and search
registries, collections and versions with MongoDB-style filters.

A Cairn instance is one organization; its registries are the org entity's
`wandb-registry-<name>` projects. Registries are organization-wide, so each
test names its registries after its `unique` prefix and filters by it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import wandb
from wandb.errors import CommError

from conftest import client_since

ENTITY = "admin"


def log(start_run, tmp_path: Path, project: str, name: str, data: bytes, *, type="model", aliases=None, tags=None):
    """Log a one-file artifact from a run of its own; returns it as logged."""
    src = tmp_path / f"{name}-{len(list(tmp_path.iterdir()))}.bin"
    src.write_bytes(data)
    art = wandb.Artifact(name, type=type)
    art.add_file(str(src), name="weights.bin")
    run = start_run(project)
    logged = run.log_artifact(art, aliases=aliases, tags=tags)
    logged.wait()
    run.finish()
    return logged


def test_create_load_edit_and_delete_a_registry(server, unique):
    api = server.api()
    created = api.create_registry(
        f"{unique}-models",
        visibility="organization",
        description="production models",
        artifact_types=["model"],
    )
    assert created.name == f"{unique}-models"
    assert created.full_name == f"wandb-registry-{unique}-models"
    assert created.description == "production models"
    assert created.visibility == "organization"
    assert list(created.artifact_types) == ["model"]
    assert created.allow_all_artifact_types is False

    loaded = server.api().registry(f"{unique}-models")
    assert loaded.full_name == f"wandb-registry-{unique}-models"
    assert loaded.organization == created.organization
    assert loaded.description == "production models"

    loaded.description = "models we ship"
    loaded.artifact_types.append("checkpoint")
    loaded.save()
    again = server.api().registry(f"{unique}-models")
    assert again.description == "models we ship"
    assert sorted(again.artifact_types) == ["checkpoint", "model"]

    with pytest.raises(Exception):
        api.create_registry(f"{unique}-models", visibility="organization")

    again.delete()
    with pytest.raises(Exception):
        server.api().registry(f"{unique}-models").description


def test_link_a_version_into_a_registry_and_use_it_from_there(server, start_run, unique, tmp_path):
    api = server.api()
    registry = api.create_registry(f"{unique}-reg", visibility="organization")
    org_entity = registry.entity
    target = f"wandb-registry-{unique}-reg/my-model"

    v0 = log(start_run, tmp_path, unique, "weights", b"first weights")
    v1 = log(start_run, tmp_path, unique, "weights", b"second weights")
    linked0 = v0.link(target, aliases=["staging"])
    assert linked0.is_link
    assert linked0.version == "v0"
    linked1 = v1.link(target, aliases=["prod"])
    assert linked1.version == "v1"

    fetched = server.api().artifact(f"{org_entity}/{target}:prod")
    assert fetched.version == "v1"
    assert fetched.is_link
    assert fetched.source_artifact.qualified_name == f"{ENTITY}/{unique}/weights:v1"
    assert set(fetched.aliases) >= {"prod", "latest"}
    assert server.api().artifact(f"{org_entity}/{target}:staging").version == "v0"

    # Linking the same version again only adds the aliases.
    again = v1.link(target, aliases=["best"])
    assert again.version == "v1"
    assert sorted(a.version for a in api.artifacts("model", f"{org_entity}/{target}")) == ["v0", "v1"]

    source = server.api().artifact(f"{ENTITY}/{unique}/weights:v1")
    assert [a.qualified_name for a in source.linked_artifacts] == [f"{org_entity}/{target}:v1"]

    # A consumer uses the registry name and gets the linked bytes.
    run = start_run(unique)
    used = run.use_artifact(f"{org_entity}/{target}:best")
    path = Path(used.download(root=str(tmp_path / "dl")))
    run.finish()
    assert (path / "weights.bin").read_bytes() == b"second weights"

    # Unlinking removes the version from the registry only.
    fetched.unlink()
    assert not server.api().artifact_exists(f"{org_entity}/{target}:v1")
    assert server.api().artifact_exists(f"{ENTITY}/{unique}/weights:v1")


def test_a_registry_refuses_types_it_does_not_accept(server, start_run, unique, tmp_path):
    api = server.api()
    api.create_registry(f"{unique}-only-models", visibility="organization", artifact_types=["model"])
    dataset = log(start_run, tmp_path, unique, "ds", b"rows", type="dataset")
    with pytest.raises((CommError, ValueError)):
        dataset.link(f"wandb-registry-{unique}-only-models/data")


def test_edit_a_registry_collections_description_and_tags(server, start_run, unique, tmp_path):
    api = server.api()
    registry = api.create_registry(f"{unique}-edit", visibility="organization")
    art = log(start_run, tmp_path, unique, "weights", b"edit the collection")
    art.link(f"wandb-registry-{unique}-edit/classifier")

    path = f"{registry.entity}/wandb-registry-{unique}-edit/classifier"
    collection = api.artifact_collection("model", path)
    assert collection.is_sequence() is False
    collection.description = "the cat classifier"
    collection.tags = ["prod", "vision"]
    collection.save()

    again = server.api().artifact_collection("model", path)
    assert again.description == "the cat classifier"
    assert sorted(again.tags) == ["prod", "vision"]

    again.tags = ["vision"]
    again.save()
    assert server.api().artifact_collection("model", path).tags == ["vision"]

    # A project's own collection (a sequence) is edited the same way.
    own = api.artifact_collection("model", f"{ENTITY}/{unique}/weights")
    assert own.is_sequence() is True
    own.description = "raw weights"
    own.tags = ["raw"]
    own.save()
    own_again = server.api().artifact_collection("model", f"{ENTITY}/{unique}/weights")
    assert own_again.description == "raw weights" and own_again.tags == ["raw"]


def test_restricted_registries_are_hidden_from_other_members(server, start_run, unique, tmp_path):
    api = server.api()
    api.create_registry(f"{unique}-open", visibility="organization")
    restricted = api.create_registry(f"{unique}-closed", visibility="restricted")
    _, _, key = server.new_user()
    member = server.api(key=key)

    mine = {"name": {"$regex": f"^{unique}-"}}
    assert [r.name for r in member.registries(filter=mine)] == [f"{unique}-open"]
    assert sorted(r.name for r in api.registries(filter=mine)) == [f"{unique}-closed", f"{unique}-open"]
    with pytest.raises(ValueError):
        member.registry(f"{unique}-closed")

    # Any member of the organization links into an organization registry.
    run = start_run(f"{unique}-mine", key=key)
    path = tmp_path / "m.bin"
    path.write_bytes(b"member model")
    art = wandb.Artifact("m", type="model")
    art.add_file(str(path))
    logged = run.log_artifact(art)
    logged.wait()
    run.finish()
    assert logged.link(f"wandb-registry-{unique}-open/c").version == "v0"
    with pytest.raises(CommError):
        logged.link(f"wandb-registry-{unique}-closed/c")

    restricted.visibility = "organization"
    restricted.save()
    assert sorted(r.name for r in member.registries(filter=mine)) == [f"{unique}-closed", f"{unique}-open"]
    assert member.registry(f"{unique}-closed").visibility == "organization"


def test_members_of_a_restricted_registry_see_it_and_act_per_role(server, start_run, unique, tmp_path):
    api = server.api()
    registry = api.create_registry(f"{unique}-team", visibility="restricted")
    org_entity = registry.entity
    target = f"wandb-registry-{unique}-team/models"
    log(start_run, tmp_path, unique, "shared", b"shared weights").link(target)

    username, email, key = server.new_user()
    member = server.api(key=key)
    mine = {"name": {"$regex": f"^{unique}-"}}
    assert list(member.registries(filter=mine)) == []
    with pytest.raises(ValueError):
        member.registry(f"{unique}-team")

    # Added, they see the registry and use what is linked into it.
    registry.add_members(api.user(email))
    assert [(m.user.username, m.role) for m in registry.user_members()] == [(username, "member")]
    assert registry.team_members() == []
    assert [r.name for r in member.registries(filter=mine)] == [f"{unique}-team"]
    assert member.registry(f"{unique}-team").visibility == "restricted"
    run = start_run(f"{unique}-member", key=key)
    used = run.use_artifact(f"{org_entity}/{target}:v0")
    path = Path(used.download(root=str(tmp_path / "dl")))
    assert (path / "weights.bin").read_bytes() == b"shared weights"
    own = tmp_path / "own.bin"
    own.write_bytes(b"member weights")
    art = wandb.Artifact("own", type="model")
    art.add_file(str(own))
    logged = run.log_artifact(art)
    logged.wait()
    run.finish()
    assert logged.link(target).version == "v1"

    # A viewer reads but does not link.
    registry.update_member(registry.user_members()[0].user, role="viewer")
    assert [m.role for m in registry.user_members()] == ["viewer"]
    assert member.artifact(f"{org_entity}/{target}:v1").version == "v1"
    with pytest.raises(CommError):
        logged.link(f"{target}-other")

    # Removed, it is hidden again.
    registry.remove_members(api.user(email))
    assert registry.user_members() == []
    assert list(member.registries(filter=mine)) == []
    with pytest.raises(ValueError):
        member.registry(f"{unique}-team")


def test_a_team_added_to_a_restricted_registry_shares_it_with_its_members(server, unique):
    api = server.api()
    registry = api.create_registry(f"{unique}-teamreg", visibility="restricted")
    _, email, key = server.new_user()
    team = api.create_team(f"{unique}-t", admin_username="admin")
    assert team.invite(email) is True
    mine = {"name": {"$regex": f"^{unique}-"}}
    assert list(server.api(key=key).registries(filter=mine)) == []

    registry.add_members(team)
    assert [(m.team.name, m.role) for m in registry.team_members()] == [(f"{unique}-t", "member")]
    assert [r.name for r in server.api(key=key).registries(filter=mine)] == [f"{unique}-teamreg"]
    registry.update_member(team, role="viewer")
    assert [m.role for m in registry.team_members()] == ["viewer"]
    registry.remove_members(team)
    assert registry.team_members() == []
    assert list(server.api(key=key).registries(filter=mine)) == []


def test_only_registry_admins_change_its_members(server, unique):
    api = server.api()
    registry = api.create_registry(f"{unique}-guarded", visibility="restricted")
    _, email, key = server.new_user()
    _, other_email, _ = server.new_user()
    registry.add_members(api.user(email))
    as_member = server.api(key=key).registry(f"{unique}-guarded")
    with pytest.raises(Exception, match="only its admins"):
        as_member.add_members(api.user(other_email))
    with pytest.raises(Exception, match="only its admins"):
        as_member.update_member(api.user(email), role="admin")

    # An admin member may.
    registry.update_member(api.user(email), role="admin")
    as_member.add_members(api.user(other_email))
    assert sorted(m.role for m in registry.user_members()) == ["admin", "member"]
    with pytest.raises(Exception, match="Unknown registry role"):
        registry.update_member(api.user(other_email), role="owner")


# ------------------------------------------------------------------ search


@pytest.fixture
def populated(server, start_run, unique, tmp_path):
    """Two registries, `<u>-model` and `<u>-data`, with collections and
    versions to search:

    - `<u>-model/classifier` (tag `prod`): v0 (tag `prod`, metadata acc=0.7),
      v1 (alias `best`), v2
    - `<u>-model/detector` (no tags): v0
    - `<u>-data/images` (tag `prod`): v0 (alias `best`)
    """
    api = server.api()
    api.create_registry(f"{unique}-model", visibility="organization", description="models")
    api.create_registry(f"{unique}-data", visibility="organization", description="datasets")

    def version(name, data, type="model", tags=None):
        return log(start_run, tmp_path, unique, name, data, type=type, tags=tags)

    c0 = version("cls", b"cls 0", tags=["prod"])
    c0.metadata["acc"] = 0.7
    c0.save()
    c1 = version("cls", b"cls 1")
    c2 = version("cls", b"cls 2")
    d0 = version("det", b"det 0")
    i0 = version("img", b"img 0", type="dataset")
    c0.link(f"wandb-registry-{unique}-model/classifier")
    c1.link(f"wandb-registry-{unique}-model/classifier", aliases=["best"])
    c2.link(f"wandb-registry-{unique}-model/classifier")
    d0.link(f"wandb-registry-{unique}-model/detector")
    i0.link(f"wandb-registry-{unique}-data/images", aliases=["best"])

    entity = api.registry(f"{unique}-model").entity
    for reg, coll, typ in ((f"{unique}-model", "classifier", "model"), (f"{unique}-data", "images", "dataset")):
        collection = api.artifact_collection(typ, f"{entity}/wandb-registry-{reg}/{coll}")
        collection.tags = ["prod"]
        collection.save()
    return unique


def test_search_registries_by_name(server, populated):
    u = populated
    api = server.api()
    assert sorted(r.name for r in api.registries(filter={"name": {"$regex": f"^{u}-"}})) == [
        f"{u}-data",
        f"{u}-model",
    ]
    assert [r.name for r in api.registries(filter={"name": {"$regex": f"{u}-mod"}})] == [f"{u}-model"]
    assert [r.name for r in api.registries(filter={"name": f"{u}-data"})] == [f"{u}-data"]
    assert [
        r.name
        for r in api.registries(filter={"$and": [{"name": {"$regex": u}}, {"description": "datasets"}]})
    ] == [f"{u}-data"]


def test_search_collections_across_registries(server, populated):
    u = populated
    api = server.api()
    mine = api.registries(filter={"name": {"$regex": f"^{u}-"}})
    assert sorted(c.name for c in mine.collections()) == ["classifier", "detector", "images"]
    assert sorted(c.name for c in mine.collections(filter={"tag": "prod"})) == ["classifier", "images"]
    models = api.registries(filter={"name": {"$regex": f"{u}-model"}})
    assert [c.name for c in models.collections(filter={"tag": "prod"})] == ["classifier"]
    assert [c.name for c in models.collections(filter={"name": {"$regex": "^det"}})] == ["detector"]


def test_search_versions_by_tag_or_alias(server, populated):
    u = populated
    api = server.api()
    found = (
        api.registries(filter={"name": {"$regex": f"{u}-model"}})
        .collections(filter={"tag": "prod"})
        .versions(filter={"$or": [{"tag": "prod"}, {"alias": "best"}]})
    )
    assert sorted((v.collection.name, v.version) for v in found) == [
        ("classifier", "v0"),
        ("classifier", "v1"),
    ]
    everywhere = api.registries(filter={"name": {"$regex": f"^{u}-"}}).versions(
        filter={"alias": "best"}
    )
    assert sorted((v.collection.name, v.version) for v in everywhere) == [
        ("classifier", "v1"),
        ("images", "v0"),
    ]
    by_metadata = api.registries(filter={"name": {"$regex": f"^{u}-"}}).versions(
        filter={"metadata.acc": {"$gt": 0.5}}
    )
    assert [(v.collection.name, v.version) for v in by_metadata] == [("classifier", "v0")]
    registry = api.registry(f"{u}-model")
    assert sorted(v.version for v in registry.versions()) == ["v0", "v0", "v1", "v2"]
    assert [c.name for c in registry.collections(filter={"tag": "prod"})] == ["classifier"]


# `order=` on registries and their collections: the client sends W&B's
# `+name`, `-created_at`, `+updated_at`, … (argument added in 0.28).
@client_since("0.28.2", "order= on api.registries() and .collections()")
def test_registries_and_collections_in_the_order_asked(server, populated):
    u = populated
    api = server.api()
    mine = {"name": {"$regex": f"^{u}-"}}
    assert [r.name for r in api.registries(filter=mine, order="name")] == [f"{u}-data", f"{u}-model"]
    assert [r.name for r in api.registries(filter=mine, order="-name")] == [f"{u}-model", f"{u}-data"]
    assert [r.name for r in api.registries(filter=mine, order="created_at")] == [f"{u}-model", f"{u}-data"]
    # Pages of one: the keyset cursor follows the order.
    assert [r.name for r in api.registries(filter=mine, order="-name", per_page=1)] == [
        f"{u}-model",
        f"{u}-data",
    ]
    registries = api.registries(filter=mine)
    assert [c.name for c in registries.collections(order="name")] == ["classifier", "detector", "images"]
    assert [c.name for c in registries.collections(order="-name", per_page=1)] == [
        "images",
        "detector",
        "classifier",
    ]
    assert [c.name for c in registries.collections(order="-created_at")] == ["images", "detector", "classifier"]


def test_registry_listings_refuse_an_unknown_order(server, populated):
    """The server's answer: an order the listing cannot take is a GraphQL
    error naming it (the client checks the names first, so raw queries)."""
    org = server.api().registry(f"{populated}-model").organization
    for field, args in (
        ("projects", ""),
        ("artifactCollections", ""),
        ("artifactMemberships", ""),
    ):
        resp = server.gql(
            "query($o: String!, $ord: String) { organization(name: $o) { orgEntity { "
            + field
            + "(order: $ord"
            + args
            + ") { edges { node { __typename } } } } } }",
            {"o": org, "ord": "-bogus_field"},
        )
        assert "bogus_field" in resp["errors"][0]["message"], (field, resp)


def test_registry_versions_in_the_order_asked(server, populated):
    """Versions take W&B's advanced-search orders (`artifact_created_at`,
    `artifact_size`, `acm_created_at`), asked here with raw queries: the
    client sends `order` only to servers with ClickHouse-backed search."""
    u = populated
    org = server.api().registry(f"{u}-model").organization
    query = (
        "query($o: String!, $ord: String, $after: String, $first: Int) { organization(name: $o) { orgEntity { "
        "artifactMemberships(projectFilters: $pf, order: $ord, after: $after, first: $first) "
        "{ pageInfo { endCursor hasNextPage } edges { cursor node { versionIndex artifactCollection { name } } } } } } }"
    ).replace("$first: Int)", "$first: Int, $pf: JSONString)")

    def listed(order, first=100):
        out, after = [], None
        while True:
            resp = server.gql(
                query,
                {"o": org, "ord": order, "after": after, "first": first,
                 "pf": '{"name": {"$regex": "^%s-"}}' % u},
            )
            assert "errors" not in resp, resp
            page = resp["data"]["organization"]["orgEntity"]["artifactMemberships"]
            out += [(e["node"]["artifactCollection"]["name"], e["node"]["versionIndex"]) for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                return out
            after = page["pageInfo"]["endCursor"]

    linked = [("classifier", 0), ("classifier", 1), ("classifier", 2), ("detector", 0), ("images", 0)]
    assert listed(None) == linked
    assert listed("+acm_created_at") == linked
    assert listed("-acm_created_at", first=2) == linked[::-1]
    assert listed("+artifact_created_at", first=1) == linked
    assert listed("-artifact_size", first=2) == linked[::-1]
