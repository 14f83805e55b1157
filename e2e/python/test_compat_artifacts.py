"""Artifact wire compatibility with every supported official client.

- `createArtifact` types `digestAlgorithm` as W&B's `ArtifactDigestAlgorithm`
  (0.31's public-API path, e.g. `create_job`, declares the enum), and
  `createArtifactFiles` takes `ArtifactStorageLayout` (clients up to 0.28
  declare it as a variable; without it every upload failed).
- `artifacts(order=...)` comes back in the order asked.
- Linking into a project that does not exist yet creates it (the legacy
  `model-registry`, any portfolio path), as W&B does.
- Incremental versions keep their base's entries; incremental tables read
  back whole.
- Distributed versions (`upsert_artifact` from several runs, then
  `finish_artifact`) end with every part's files.
- A storage region the server does not have is refused before anything is
  stored.
- `api.artifacts(..., tags=[...])` returns the tagged versions.
"""

from __future__ import annotations

import uuid

import pytest
import wandb

from conftest import ADMIN_KEY, client_since



def log(start_run, project: str, name: str, files: dict[str, str], type_: str = "dataset", **kwargs):
    """Log one version of `name` with `files` from a fresh run; returns it."""
    run = start_run(project)
    art = wandb.Artifact(name, type_, **kwargs)
    for path, text in files.items():
        with art.new_file(path) as f:
            f.write(text)
    run.log_artifact(art)
    art.wait()
    run.finish()
    return art


def file_names(api: wandb.Api, path: str) -> list[str]:
    return sorted(f.name for f in api.artifact(path).files())


def test_the_schema_carries_the_wandb_enum_types(server):
    """The variable types the official clients declare are W&B's own."""
    resp = server.gql(
        "query { a: __type(name: \"ArtifactDigestAlgorithm\") { enumValues { name } } "
        "b: __type(name: \"ArtifactStorageLayout\") { enumValues { name } } }"
    )
    assert "errors" not in resp, resp
    assert {v["name"] for v in resp["data"]["a"]["enumValues"]} == {"MANIFEST_MD5", "MANIFEST_XXH128"}
    assert {v["name"] for v in resp["data"]["b"]["enumValues"]} == {"V1", "V2"}
    # As 0.26–0.28 send it: the layout as a declared enum variable.
    bad = server.gql(
        "mutation($f: [CreateArtifactFileSpecInput!]!, $l: ArtifactStorageLayout!) "
        "{ createArtifactFiles(input: {artifactFiles: $f, storageLayout: $l}) { files { edges { node { name } } } } }",
        {"f": [], "l": "V3"},
    )
    assert "errors" in bad and "V3" in bad["errors"][0]["message"], bad


@client_since("0.28.0", "Api.artifacts(order=...)")
def test_artifacts_come_back_in_the_order_asked(server, admin_api, start_run, unique):
    for i in range(3):
        log(start_run, unique, "ordered", {"x.txt": str(i)})
    path = f"admin/{unique}/ordered"
    assert [a.version for a in admin_api.artifacts("dataset", path)] == ["v2", "v1", "v0"]
    assert [a.version for a in admin_api.artifacts("dataset", path, order="version_index")] == ["v0", "v1", "v2"]
    assert [a.version for a in admin_api.artifacts("dataset", path, order="+version_index")] == ["v0", "v1", "v2"]
    assert [a.version for a in admin_api.artifacts("dataset", path, order="-created_at")] == ["v2", "v1", "v0"]
    # Oldest first, one version a page: the cursor walks forwards.
    assert [a.version for a in admin_api.artifacts("dataset", path, order="version_index", per_page=1)] == [
        "v0",
        "v1",
        "v2",
    ]
    # The server refuses an order it cannot give, in words.
    resp = server.gql(
        "query($p: String!) { project(entityName: \"admin\", name: $p) { artifactType(name: \"dataset\") "
        "{ artifactCollection(name: \"ordered\") { artifacts(order: \"size\") { edges { version } } } } } }",
        {"p": unique},
    )
    assert "Cannot order versions by" in resp["errors"][0]["message"], resp


def test_linking_into_a_missing_project_creates_it(server, admin_api, start_run, unique):
    run = start_run(unique)
    art = wandb.Artifact(f"m-{unique}", "model")
    with art.new_file("w.bin") as f:
        f.write("weights")
    run.log_artifact(art)
    art.wait()
    # The legacy model registry, a project that exists in no entity yet.
    run.link_artifact(art, f"{unique}-model-registry/best")
    run.finish()
    linked = admin_api.artifact(f"admin/{unique}-model-registry/best:latest")
    assert file_names(admin_api, f"admin/{unique}-model-registry/best:latest") == ["w.bin"]
    assert linked.type == "model"
    # Through the public API too, into another new project.
    admin_api.artifact(f"admin/{unique}/m-{unique}:v0").link(f"admin/{unique}-portfolio/picked")
    assert admin_api.artifact(f"admin/{unique}-portfolio/picked:latest").digest == linked.digest
    assert f"{unique}-portfolio" in [p.name for p in admin_api.projects("admin")]


def test_linking_never_creates_a_registry(server, admin_api, start_run, unique):
    run = start_run(unique)
    art = wandb.Artifact(f"m-{unique}", "model")
    with art.new_file("w.bin") as f:
        f.write("weights")
    run.log_artifact(art)
    art.wait()
    run.finish()
    resp = server.gql(
        "mutation($a: ID!) { linkArtifact(input: {artifactID: $a, artifactPortfolioName: \"x\", "
        "entityName: \"cairn-org\", projectName: \"wandb-registry-nosuch\"}) { versionIndex } }",
        {"a": admin_api.artifact(f"admin/{unique}/m-{unique}:v0").id},
    )
    assert "errors" in resp and "No registry" in resp["errors"][0]["message"], resp


def test_an_incremental_version_keeps_the_earlier_entries(admin_api, start_run, unique):
    log(start_run, unique, "grow", {"a.txt": "1", "b.txt": "2"})
    log(start_run, unique, "grow", {"c.txt": "3", "b.txt": "22"}, incremental=True)
    path = f"admin/{unique}/grow"
    assert file_names(admin_api, f"{path}:v1") == ["a.txt", "b.txt", "c.txt"]
    assert file_names(admin_api, f"{path}:v0") == ["a.txt", "b.txt"]
    # The manifest a download reads lists every entry, the new bytes winning.
    root = admin_api.artifact(f"{path}:v1").download()
    assert open(f"{root}/a.txt").read() == "1"
    assert open(f"{root}/b.txt").read() == "22"
    assert open(f"{root}/c.txt").read() == "3"


def test_an_incremental_table_reads_back_whole(admin_api, start_run, unique):
    run = start_run(unique)
    table = wandb.Table(columns=["i"], log_mode="INCREMENTAL")
    for i in range(3):
        table.add_data(i)
        run.log({"tab": table})
    run_id = run.id
    run.finish()
    arts = list(admin_api.run(f"admin/{unique}/{run_id}").logged_artifacts())
    assert [a.version for a in arts] == ["v0", "v1", "v2"]
    newest = admin_api.artifact(f"{arts[-1].entity}/{arts[-1].project}/{arts[-1].name.split(':')[0]}:latest")
    # Each version adds one increment to its base's: the newest holds all.
    entries = list(newest.manifest.entries)
    assert len(entries) == 3, entries
    # Reading the last increment reads every increment of its artifact.
    last = max(entries, key=lambda k: int(k.split("-")[0]) if k.split("-")[0].isdigit() else -1)
    got = newest.get(last[: -len(".table.json")])
    assert sorted(row[0] for row in got.data) == [0, 1, 2]


def test_a_distributed_version_ends_with_every_parts_files(admin_api, start_run, unique):
    distributed_id = uuid.uuid4().hex
    for i in range(3):
        run = start_run(unique)
        art = wandb.Artifact("shards", "dataset")
        with art.new_file(f"part-{i}.txt") as f:
            f.write(f"part {i}")
        run.upsert_artifact(art, distributed_id=distributed_id)
        run.finish()
    run = start_run(unique)
    art = wandb.Artifact("shards", "dataset")
    run.finish_artifact(art, distributed_id=distributed_id)
    art.wait()
    run.finish()
    path = f"admin/{unique}/shards"
    assert file_names(admin_api, f"{path}:latest") == ["part-0.txt", "part-1.txt", "part-2.txt"]
    # One version, not one per run.
    assert [a.version for a in admin_api.artifacts("dataset", path)] == ["v0"]
    root = admin_api.artifact(f"{path}:v0").download()
    assert open(f"{root}/part-1.txt").read() == "part 1"


def test_an_unavailable_storage_region_is_refused(server, admin_api, start_run, unique):
    with pytest.raises((ValueError, wandb.errors.CommError), match="Storage region"):
        log(start_run, unique, "regional", {"x": "1"}, storage_region="mars-north-1")
    # Nothing was stored under that name.
    resp = server.gql(
        "query($p: String!) { project(entityName: \"admin\", name: $p) { artifactType(name: \"dataset\") "
        "{ artifactCollection(name: \"regional\") { id } } } }",
        {"p": unique},
    )
    assert "errors" not in resp, resp
    project = resp["data"]["project"]
    assert project is None or project["artifactType"] is None or project["artifactType"]["artifactCollection"] is None
    # The server's own answer, in words.
    raw = server.gql(
        "mutation($p: String!) { createArtifact(input: {artifactTypeName: \"dataset\", artifactCollectionName: \"r\", "
        "entityName: \"admin\", projectName: $p, digest: \"00\", storageRegion: \"mars-north-1\"}) { artifact { id } } }",
        {"p": unique},
    )
    assert "not available on this server" in raw["errors"][0]["message"], raw
    # The default region is this server's.
    log(start_run, unique, "regional", {"x": "1"}, storage_region="default")
    assert file_names(admin_api, f"admin/{unique}/regional:v0") == ["x"]


def test_artifacts_filtered_by_tags(admin_api, start_run, unique):
    for i in range(3):
        log(start_run, unique, "tagged", {"x": str(i)})
    for version, tags in (("v0", ["gold"]), ("v2", ["gold", "big"])):
        art = admin_api.artifact(f"admin/{unique}/tagged:{version}")
        art.tags = tags
        art.save()
    path = f"admin/{unique}/tagged"
    assert sorted(a.version for a in admin_api.artifacts("dataset", path, tags=["gold"])) == ["v0", "v2"]
    assert [a.version for a in admin_api.artifacts("dataset", path, tags=["gold", "big"])] == ["v2"]
    assert [a.version for a in admin_api.artifacts("dataset", path, tags="big")] == ["v2"]


def test_create_job_makes_a_job_artifact(server, admin_api, tmp_path, unique, monkeypatch):
    """`create_job` creates its version through the Public API's artifact
    path, which 0.31 declares with `$digestAlgorithm: ArtifactDigestAlgorithm!`
    (it failed with `Unknown type "ArtifactDigestAlgorithm"`)."""
    from wandb.sdk.launch.create_job import create_job

    src = tmp_path / "src"
    src.mkdir()
    (src / "train.py").write_text("print('training')\n")
    (src / "requirements.txt").write_text("wandb\n")
    monkeypatch.setenv("WANDB_API_KEY", ADMIN_KEY)
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    monkeypatch.setenv("WANDB_SILENT", "true")
    created = create_job(
        path=str(src), job_type="code", entity="admin", project=unique, name="trainer", entrypoint="python train.py"
    )
    assert created is not None
    job = admin_api.artifact(f"admin/{unique}/trainer:latest")
    assert job.type == "job"
    assert "wandb-job.json" in [f.name for f in job.files()]
