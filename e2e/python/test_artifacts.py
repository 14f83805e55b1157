"""Artifacts with the official client: log, use, download, look up, edit,
delete, and the server's content store underneath.

A training script logs an artifact (`wandb.Artifact` + `add_dir` /
`add_file` / `add_reference` + `run.log_artifact`), another run uses and
downloads it, and the Public API finds it by name, alias, type, collection
and tag, edits it and deletes it. Identical bytes are stored once under
`<data dir>/blobs/data/cas/` and collected when nothing uses them any more.

Every test uses its own project, so they run in parallel on one server.
"""

from __future__ import annotations

import datetime
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import wandb
from packaging.version import Version
from wandb.errors import CommError

from conftest import ADMIN_KEY, CLIENT

ENTITY = "admin"


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def log(start_run, project, name, files: dict[str, bytes], tmp_path, *, aliases=None, tags=None, **art_kwargs):
    """Log one artifact of `files` (name → bytes) from a run of its own;
    returns (run id, the logged artifact as the run saw it after upload)."""
    src = tmp_path / f"src-{name}-{hashlib.md5(repr(sorted(files.items())).encode()).hexdigest()[:8]}"
    art = wandb.Artifact(name, type=art_kwargs.pop("type", "dataset"), **art_kwargs)
    for rel, data in files.items():
        art.add_file(str(write(src / rel, data)), name=rel)
    run = start_run(project)
    logged = run.log_artifact(art, aliases=aliases, tags=tags)
    logged.wait()
    run.finish()
    return run.id, logged


# ------------------------------------------------------------ log and download


def test_log_a_directory_a_renamed_file_and_a_reference_then_download_them(
    server, start_run, unique, tmp_path
):
    data = tmp_path / "data"
    write(data / "train.csv", b"a,b\n1,2\n")
    write(data / "nested" / "labels.txt", b"cat\ndog\n")
    extra = write(tmp_path / "x.csv", b"x\n42\n")
    referenced = write(tmp_path / "outside" / "ref.bin", bytes(range(256)))

    run = start_run(unique, job_type="prep")
    art = wandb.Artifact(
        "ds", type="dataset", description="raw data", metadata={"rows": 1, "source": "unit"}
    )
    art.add_dir(str(data))
    art.add_file(str(extra), name="extra/x.csv")
    art.add_reference(referenced.as_uri(), name="ref/ref.bin")
    run.log_artifact(art, aliases=["best"], tags=["raw"])
    run.finish()

    api = server.api()
    stored = api.artifact(f"{ENTITY}/{unique}/ds:best", type="dataset")
    assert stored.version == "v0"
    assert stored.type == "dataset"
    assert stored.description == "raw data"
    assert stored.metadata == {"rows": 1, "source": "unit"}
    assert set(stored.aliases) == {"best", "latest"}
    assert stored.tags == ["raw"]
    assert sorted(stored.manifest.entries) == [
        "extra/x.csv",
        "nested/labels.txt",
        "ref/ref.bin",
        "train.csv",
    ]
    assert stored.manifest.entries["ref/ref.bin"].ref == referenced.as_uri()
    # `size` counts references too (`storageBytes` would not).
    assert stored.size == len(b"a,b\n1,2\n") + len(b"cat\ndog\n") + len(b"x\n42\n") + 256
    assert stored.file_count == 4

    consumer = start_run(unique, job_type="train")
    used = consumer.use_artifact("ds:best")
    path = Path(used.download(root=str(tmp_path / "download")))
    consumer.finish()
    assert (path / "train.csv").read_bytes() == b"a,b\n1,2\n"
    assert (path / "nested" / "labels.txt").read_bytes() == b"cat\ndog\n"
    assert (path / "extra" / "x.csv").read_bytes() == b"x\n42\n"
    assert (path / "ref" / "ref.bin").read_bytes() == bytes(range(256))
    assert used.verify(root=str(path)) is None

    # The Public API downloads too, file by file.
    one = Path(stored.get_entry("extra/x.csv").download(root=str(tmp_path / "one")))
    assert one.read_bytes() == b"x\n42\n"


def test_the_public_api_finds_artifacts_by_name_type_collection_and_tag(
    server, start_run, unique, tmp_path
):
    log(start_run, unique, "ds", {"a.txt": b"one"}, tmp_path, tags=["raw"])
    log(start_run, unique, "ds", {"a.txt": b"two"}, tmp_path)
    log(start_run, unique, "ds", {"a.txt": b"three"}, tmp_path, tags=["raw"], aliases=["best"])
    log(start_run, unique, "weights", {"w.bin": b"\x00\x01"}, tmp_path, type="model")
    api = server.api()
    project = f"{ENTITY}/{unique}"

    assert api.artifact(f"{project}/ds:v1", type="dataset").version == "v1"
    assert api.artifact(f"{project}/ds:latest").version == "v2"
    assert api.artifact(f"{project}/ds:best").version == "v2"
    assert api.artifact_exists(f"{project}/ds:v2")
    assert not api.artifact_exists(f"{project}/ds:v9")
    assert not api.artifact_exists(f"{project}/nothing:v0")
    assert api.artifact_collection_exists(f"{project}/ds", "dataset")
    assert not api.artifact_collection_exists(f"{project}/ds", "model")
    assert not api.artifact_collection_exists(f"{project}/nothing", "dataset")

    assert sorted(t.name for t in api.artifact_types(project)) == ["dataset", "model"]
    assert api.artifact_type("dataset", project).name == "dataset"
    assert [c.name for c in api.artifact_type("model", project).collections()] == ["weights"]
    assert [c.name for c in api.artifact_collections(project, "dataset")] == ["ds"]

    collection = api.artifact_collection("dataset", f"{project}/ds")
    assert collection.name == "ds" and collection.type == "dataset"
    assert sorted(a.version for a in collection.artifacts()) == ["v0", "v1", "v2"]

    versions = api.artifacts("dataset", f"{project}/ds", per_page=50)
    assert sorted(a.version for a in versions) == ["v0", "v1", "v2"]
    tagged = api.artifacts("dataset", f"{project}/ds", per_page=50, tags=["raw"])
    assert sorted(a.version for a in tagged) == ["v0", "v2"]
    paged = api.artifacts("dataset", f"{project}/ds", per_page=1)
    assert sorted(a.version for a in paged) == ["v0", "v1", "v2"]
    assert sorted(a.version for a in api.artifact_versions("dataset", f"{project}/ds")) == [
        "v0",
        "v1",
        "v2",
    ]


# ------------------------------------------------------------------ versions


def test_aliases_move_to_the_newest_version_and_name_one_version(
    server, start_run, unique, tmp_path
):
    log(start_run, unique, "ds", {"a.txt": b"first"}, tmp_path, aliases=["best"])
    log(start_run, unique, "ds", {"a.txt": b"second"}, tmp_path, aliases=["best"])
    api = server.api()

    v0 = api.artifact(f"{ENTITY}/{unique}/ds:v0")
    v1 = api.artifact(f"{ENTITY}/{unique}/ds:v1")
    assert v0.aliases == []
    assert set(v1.aliases) == {"latest", "best"}
    assert api.artifact(f"{ENTITY}/{unique}/ds:best").version == "v1"
    assert api.artifact(f"{ENTITY}/{unique}/ds:latest").version == "v1"

    # Giving v0 an alias by hand takes it from v1.
    v0.aliases.append("best")
    v0.save()
    assert api.artifact(f"{ENTITY}/{unique}/ds:best").version == "v0"
    assert api.artifact(f"{ENTITY}/{unique}/ds:v1").aliases == ["latest"]


def test_logging_identical_content_twice_returns_the_existing_version(
    server, start_run, unique, tmp_path
):
    _, first = log(start_run, unique, "ds", {"a.txt": b"same", "b.txt": b"bytes"}, tmp_path)
    _, again = log(start_run, unique, "ds", {"a.txt": b"same", "b.txt": b"bytes"}, tmp_path)
    assert first.version == again.version == "v0"
    assert first.digest == again.digest
    api = server.api()
    assert [a.version for a in api.artifacts("dataset", f"{ENTITY}/{unique}/ds")] == ["v0"]
    assert not api.artifact_exists(f"{ENTITY}/{unique}/ds:v1")


def test_edit_aliases_tags_description_and_metadata_then_save(server, start_run, unique, tmp_path):
    log(start_run, unique, "ds", {"a.txt": b"edit me"}, tmp_path, tags=["raw"], metadata={"k": 0})
    api = server.api()
    art = api.artifact(f"{ENTITY}/{unique}/ds:v0")
    art.aliases.append("prod")
    art.tags.append("v2-data")
    art.metadata["k"] = 1
    art.metadata["nested"] = {"x": [1, 2]}
    art.description = "edited"
    art.ttl = None
    art.save()

    again = server.api().artifact(f"{ENTITY}/{unique}/ds:prod")
    assert again.version == "v0"
    assert set(again.aliases) == {"latest", "prod"}
    assert sorted(again.tags) == ["raw", "v2-data"]
    assert again.metadata == {"k": 1, "nested": {"x": [1, 2]}}
    assert again.description == "edited"

    again.aliases.remove("prod")
    again.tags.remove("raw")
    again.save()
    third = server.api().artifact(f"{ENTITY}/{unique}/ds:v0")
    assert third.aliases == ["latest"]
    assert third.tags == ["v2-data"]
    assert not server.api().artifact_exists(f"{ENTITY}/{unique}/ds:prod")


# ------------------------------------------------------------------- lineage


def test_lineage_logged_by_used_by_and_a_runs_artifacts(server, start_run, unique, tmp_path):
    producer_id, _ = log(start_run, unique, "ds", {"a.txt": b"lineage"}, tmp_path)
    consumer = start_run(unique)
    consumer.use_artifact(f"{ENTITY}/{unique}/ds:latest")
    consumer.finish()

    api = server.api()
    art = api.artifact(f"{ENTITY}/{unique}/ds:v0")
    assert art.logged_by().id == producer_id
    assert [r.id for r in art.used_by()] == [consumer.id]
    producer = api.run(f"{ENTITY}/{unique}/{producer_id}")
    assert [a.name for a in producer.logged_artifacts()] == ["ds:v0"]
    assert list(producer.used_artifacts()) == []
    user = api.run(f"{ENTITY}/{unique}/{consumer.id}")
    assert [a.name for a in user.used_artifacts()] == ["ds:v0"]
    assert list(user.logged_artifacts()) == []


# -------------------------------------------------------- content store and GC


def test_identical_bytes_in_two_artifacts_are_stored_once_and_collected_with_the_last_user(
    server, start_run, unique, tmp_path, cas_path
):
    shared = f"shared bytes {unique}".encode()
    only_a = f"only in a {unique}".encode()
    only_b = f"only in b {unique}".encode()
    log(start_run, unique, "a", {"shared.txt": shared, "own.txt": only_a}, tmp_path)
    log(start_run, unique, "b", {"copy/shared.txt": shared, "own.txt": only_b}, tmp_path)
    for data in (shared, only_a, only_b):
        assert cas_path(data).read_bytes() == data
    # One file per content, whichever artifacts and names use it.
    shared_md5 = hashlib.md5(shared).hexdigest()
    copies = [
        p
        for p in (server.data_dir / "blobs").rglob("*")
        if p.name == shared_md5 or p.name.startswith(f"{shared_md5}.")
    ]
    assert copies == [cas_path(shared)]

    api = server.api()
    api.artifact(f"{ENTITY}/{unique}/a:v0").delete(delete_aliases=True)
    assert not api.artifact_exists(f"{ENTITY}/{unique}/a:v0")
    assert not cas_path(only_a).exists(), "bytes nothing uses any more are removed"
    assert cas_path(shared).exists(), "bytes another artifact uses stay"
    b = server.api().artifact(f"{ENTITY}/{unique}/b:v0")
    path = Path(b.download(root=str(tmp_path / "b")))
    assert (path / "copy" / "shared.txt").read_bytes() == shared

    b.delete(delete_aliases=True)
    assert not cas_path(shared).exists()
    assert not cas_path(only_b).exists()


def test_deleting_a_version_with_aliases_needs_delete_aliases(server, start_run, unique, tmp_path):
    log(start_run, unique, "ds", {"a.txt": b"v0"}, tmp_path)
    log(start_run, unique, "ds", {"a.txt": b"v1"}, tmp_path, aliases=["best"])
    api = server.api()
    v0 = api.artifact(f"{ENTITY}/{unique}/ds:v0")
    v0.delete()  # no aliases left on v0: fine
    v1 = api.artifact(f"{ENTITY}/{unique}/ds:v1")
    with pytest.raises(CommError):
        v1.delete()
    assert api.artifact_exists(f"{ENTITY}/{unique}/ds:v1")
    v1.delete(delete_aliases=True)
    assert not api.artifact_exists(f"{ENTITY}/{unique}/ds:v1")
    assert not api.artifact_exists(f"{ENTITY}/{unique}/ds:best")


# ---------------------------------------------------------------- bad inputs


def test_unknown_artifacts_and_wrong_types_are_clear_errors(server, start_run, unique, tmp_path):
    log(start_run, unique, "ds", {"a.txt": b"typed"}, tmp_path)
    api = server.api()
    with pytest.raises(CommError, match="ds:v7"):
        api.artifact(f"{ENTITY}/{unique}/ds:v7")
    with pytest.raises(CommError):
        api.artifact(f"{ENTITY}/{unique}/missing:latest")
    with pytest.raises(CommError):
        api.artifact(f"{ENTITY}/no-such-project-{unique}/ds:latest")
    # The client checks the type itself (a ValueError it re-raises as CommError),
    # quoting the types from 0.28.1 on.
    q = "'" if CLIENT >= Version("0.28.1") else ""
    with pytest.raises(CommError, match=f"type {q}model{q} specified but this artifact is of type {q}dataset{q}$"):
        api.artifact(f"{ENTITY}/{unique}/ds:v0", type="model")
    with pytest.raises(CommError):
        api.artifact_collection("dataset", f"{ENTITY}/{unique}/missing")

    # The same name with another type in the same project is refused.
    run = start_run(unique)
    art = wandb.Artifact("ds", type="model")
    art.add_file(str(write(tmp_path / "m.bin", b"m")))
    with pytest.raises(Exception, match="(?i)type"):
        run.log_artifact(art).wait()
    run.finish()


def test_a_manifest_entry_that_escapes_the_artifact_is_refused(server, unique):
    """The client never writes such a manifest; a hand-made upload gets an error."""
    resp = server.gql(
        """mutation($input: CreateArtifactInput!) { createArtifact(input: $input) {
               artifact { id state } } }""",
        {
            "input": {
                "entityName": ENTITY,
                "projectName": unique,
                "artifactTypeName": "dataset",
                "artifactCollectionName": "evil",
                "digest": "d" * 32,
                "digestAlgorithm": "MANIFEST_MD5",
                "enableDigestDeduplication": True,
            }
        },
    )
    assert "errors" not in resp, resp
    artifact_id = resp["data"]["createArtifact"]["artifact"]["id"]
    for bad in ("../escape.txt", "/etc/passwd", "a/../../b"):
        resp = server.gql(
            """mutation($input: CreateArtifactFilesInput!) { createArtifactFiles(input: $input) {
                   files { edges { node { id uploadUrl } } } } }""",
            {
                "input": {
                    "storageLayout": "V2",
                    "artifactFiles": [
                        {"artifactID": artifact_id, "name": bad, "md5": "1B2M2Y8AsgTpgAmY7PhCfg=="}
                    ],
                }
            },
        )
        assert "errors" in resp, (bad, resp)
        assert "is not allowed" in resp["errors"][0]["message"], resp


def test_download_urls_of_deleted_artifacts_stop_working(server, start_run, unique, tmp_path):
    data = f"soon gone {unique}".encode()
    log(start_run, unique, "ds", {"a.txt": data}, tmp_path)
    api = server.api()
    art = api.artifact(f"{ENTITY}/{unique}/ds:v0")
    (file,) = art.files()
    url = file.direct_url
    assert url and requests.get(url, timeout=30).content == data
    art.delete(delete_aliases=True)
    assert requests.get(url, timeout=30).status_code in (403, 404, 410)


# ------------------------------------------------------- drafts and listings


def test_a_new_draft_of_a_version_keeps_what_it_does_not_change(server, start_run, unique, tmp_path):
    log(start_run, unique, "ds", {"keep.txt": b"kept", "drop.txt": b"dropped"}, tmp_path)
    v0 = server.api().artifact(f"{ENTITY}/{unique}/ds:v0")
    draft = v0.new_draft()
    draft.remove("drop.txt")
    draft.add_file(str(write(tmp_path / "new.txt", b"added")), name="new.txt")
    run = start_run(unique)
    run.log_artifact(draft).wait()
    run.finish()

    api = server.api()
    v1 = api.artifact(f"{ENTITY}/{unique}/ds:latest")
    assert v1.version == "v1"
    assert sorted(v1.manifest.entries) == ["keep.txt", "new.txt"]
    path = Path(v1.download(root=str(tmp_path / "v1")))
    assert (path / "keep.txt").read_bytes() == b"kept"
    assert (path / "new.txt").read_bytes() == b"added"
    assert not (path / "drop.txt").exists()
    assert sorted(api.artifact(f"{ENTITY}/{unique}/ds:v0").manifest.entries) == ["drop.txt", "keep.txt"]


def test_list_files_and_download_part_of_an_artifact(server, start_run, unique, tmp_path):
    files = {f"imgs/{i:02}.bin": bytes([i]) * (i + 1) for i in range(12)}
    files["labels.csv"] = b"id,label\n"
    log(start_run, unique, "ds", files, tmp_path)
    art = server.api().artifact(f"{ENTITY}/{unique}/ds:v0")

    listed = art.files(per_page=5)
    assert len(listed) == 13
    assert sorted(f.name for f in listed) == sorted(files)
    assert [f.name for f in art.files(names=["labels.csv"])] == ["labels.csv"]
    assert {f.name: f.size for f in art.files()}["imgs/03.bin"] == 4

    path = Path(art.download(root=str(tmp_path / "part"), path_prefix="imgs/0"))
    got = sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())
    assert got == [f"imgs/{i:02}.bin" for i in range(10)]
    assert (path / "imgs" / "07.bin").read_bytes() == bytes([7]) * 8
    assert art.get_path("labels.csv").download(root=str(tmp_path / "one"))


def test_deleting_a_collection_deletes_its_versions_and_their_bytes(
    server, start_run, unique, tmp_path, cas_path
):
    first, second = f"first {unique}".encode(), f"second {unique}".encode()
    log(start_run, unique, "ds", {"a.txt": first}, tmp_path)
    log(start_run, unique, "ds", {"a.txt": second}, tmp_path, aliases=["best"])
    api = server.api()
    api.artifact_collection("dataset", f"{ENTITY}/{unique}/ds").delete()
    assert not server.api().artifact_collection_exists(f"{ENTITY}/{unique}/ds", "dataset")
    assert not server.api().artifact_exists(f"{ENTITY}/{unique}/ds:v0")
    assert not cas_path(first).exists() and not cas_path(second).exists()


# ------------------------------------------------------------------- access


def test_other_users_cannot_read_or_change_private_artifacts(server, start_run, unique, tmp_path):
    log(start_run, unique, "ds", {"a.txt": b"private"}, tmp_path, aliases=["best"])
    _, _, key = server.new_user()
    outsider = server.api(key=key)
    assert not outsider.artifact_exists(f"{ENTITY}/{unique}/ds:v0")
    with pytest.raises(CommError):
        outsider.artifact(f"{ENTITY}/{unique}/ds:v0")

    # Even with the artifact's id in hand, writes are refused.
    art = server.api().artifact(f"{ENTITY}/{unique}/ds:v0")
    for mutation, variables in (
        (
            "mutation($id: ID!) { deleteArtifact(input: {artifactID: $id, deleteAliases: true}) { artifact { id } } }",
            {"id": art.id},
        ),
        (
            "mutation($id: ID!) { updateArtifact(input: {artifactID: $id, description: \"mine\"}) { artifact { id } } }",
            {"id": art.id},
        ),
    ):
        resp = server.gql(mutation, variables, key=key)
        assert resp.get("errors"), resp
    again = server.api().artifact(f"{ENTITY}/{unique}/ds:best")
    assert again.description is None


# ------------------------------------------------------------ richer flows


def test_wandb_objects_inputs_and_links_made_inside_a_run(server, start_run, unique, tmp_path):
    server.api().create_registry(f"{unique}-inrun", visibility="organization")
    run = start_run(unique)
    table = wandb.Artifact("tab", type="dataset")
    table.add(wandb.Table(columns=["a", "b"], data=[[1, "x"], [2, "y"]]), "my_table")
    run.log_artifact(table)
    model = wandb.Artifact("mdl", type="model")
    model.add_file(str(write(tmp_path / "m.bin", b"model bytes")))
    run.link_artifact(model, f"wandb-registry-{unique}-inrun/best-model", aliases=["candidate"])
    # Using an artifact that was never logged logs it, as this run's input.
    given = wandb.Artifact("given", type="dataset")
    given.add_file(str(write(tmp_path / "in.txt", b"input")))
    run.use_artifact(given)
    run.finish()

    reader = start_run(unique)
    assert reader.use_artifact("tab:latest").get("my_table").data == [[1, "x"], [2, "y"]]
    linked = reader.use_artifact(f"wandb-registry-{unique}-inrun/best-model:candidate")
    assert (Path(linked.download(root=str(tmp_path / "m"))) / "m.bin").read_bytes() == b"model bytes"
    reader.finish()

    api = server.api()
    logger = api.run(f"{ENTITY}/{unique}/{run.id}")
    # A used draft is the user's, not the run's output: the client logs it
    # without a run (`userCreated`), then marks it used.
    assert sorted(a.name for a in logger.logged_artifacts()) == ["mdl:v0", "tab:v0"]
    assert [a.name for a in logger.used_artifacts()] == ["given:v0"]
    assert api.artifact(f"{ENTITY}/{unique}/given:v0").logged_by() is None
    assert api.artifact(f"{ENTITY}/{unique}/mdl:v0").linked_artifacts[0].aliases.count("candidate") == 1


def test_concurrent_runs_logging_one_name_get_distinct_versions(server, unique, tmp_path):
    """Four processes log different content to `ds` at once: four versions,
    numbered v0..v3 without gaps or repeats, and one `latest`."""
    script = tmp_path / "log_one.py"
    script.write_text(
        "import sys, wandb\n"
        "i, url, key, project, root = sys.argv[1:]\n"
        "open(f'{root}/f{i}.txt', 'w').write(f'content {i}')\n"
        "run = wandb.init(project=project, settings=wandb.Settings(base_url=url, api_key=key, silent=True, root_dir=root))\n"
        "art = wandb.Artifact('ds', type='dataset')\n"
        "art.add_file(f'{root}/f{i}.txt', name='f.txt')\n"
        "run.log_artifact(art).wait()\n"
        "run.finish()\n"
    )
    procs = []
    for i in range(4):
        root = tmp_path / f"p{i}"
        root.mkdir()
        procs.append(
            subprocess.Popen(
                [sys.executable, str(script), str(i), server.url, ADMIN_KEY, unique, str(root)],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    for p in procs:
        out, _ = p.communicate(timeout=120)
        assert p.returncode == 0, out

    api = server.api()
    versions = list(api.artifacts("dataset", f"{ENTITY}/{unique}/ds"))
    assert sorted(a.version for a in versions) == ["v0", "v1", "v2", "v3"]
    assert sum("latest" in a.aliases for a in versions) == 1
    contents = set()
    for a in versions:
        path = Path(a.download(root=str(tmp_path / "dl" / a.version)))
        contents.add((path / "f.txt").read_text())
    assert contents == {f"content {i}" for i in range(4)}


def test_ttl_description_and_collection_rename(server, start_run, unique, tmp_path):
    log(start_run, unique, "ds", {"a.txt": b"ttl"}, tmp_path)
    api = server.api()
    art = api.artifact(f"{ENTITY}/{unique}/ds:v0")
    art.ttl = datetime.timedelta(days=3)
    art.save()
    assert server.api().artifact(f"{ENTITY}/{unique}/ds:v0").ttl == datetime.timedelta(days=3)

    collection = api.artifact_collection("dataset", f"{ENTITY}/{unique}/ds")
    collection.name = "renamed"
    collection.save()
    api = server.api()
    assert api.artifact(f"{ENTITY}/{unique}/renamed:v0").version == "v0"
    assert not api.artifact_collection_exists(f"{ENTITY}/{unique}/ds", "dataset")


def test_http_and_directory_references_round_trip(server, start_run, unique, tmp_path):
    """References are kept as pointers (no bytes uploaded) and fetched from
    where they point on download: here an HTTP URL of the server itself and
    a `file://` directory."""
    write(tmp_path / "refdir" / "a.txt", b"A")
    write(tmp_path / "refdir" / "sub" / "b.txt", b"B")
    run = start_run(unique)
    art = wandb.Artifact("refs", type="dataset")
    art.add_reference(f"{server.url}/healthz", name="health.txt")
    art.add_reference((tmp_path / "refdir").as_uri(), name="dir")
    run.log_artifact(art).wait()
    run.finish()

    stored = server.api().artifact(f"{ENTITY}/{unique}/refs:v0")
    assert {path: e.ref for path, e in stored.manifest.entries.items()} == {
        "health.txt": f"{server.url}/healthz",
        "dir/a.txt": (tmp_path / "refdir" / "a.txt").as_uri(),
        "dir/sub/b.txt": (tmp_path / "refdir" / "sub" / "b.txt").as_uri(),
    }
    assert sorted(f.name for f in stored.files()) == ["dir/a.txt", "dir/sub/b.txt", "health.txt"]
    path = Path(stored.download(root=str(tmp_path / "dl")))
    assert (path / "health.txt").read_bytes() == requests.get(f"{server.url}/healthz", timeout=30).content
    assert (path / "dir" / "sub" / "b.txt").read_bytes() == b"B"


def test_many_files_and_many_collections_page_through(server, start_run, unique, tmp_path):
    files = {f"many/{i:04}.txt": str(i).encode() for i in range(1500)}
    log(start_run, unique, "many", files, tmp_path)
    for i in range(5):
        log(start_run, unique, f"c{i}", {"x.txt": f"c{i}".encode()}, tmp_path, type="col")

    api = server.api()
    art = api.artifact(f"{ENTITY}/{unique}/many:v0")
    assert art.file_count == 1500
    assert len(art.files()) == 1500
    path = Path(art.download(root=str(tmp_path / "dl")))
    assert sorted(p.name for p in (path / "many").iterdir()) == sorted(Path(k).name for k in files)
    assert (path / "many" / "1499.txt").read_bytes() == b"1499"

    collections = api.artifact_collections(f"{ENTITY}/{unique}", "col", per_page=2)
    assert len(collections) == 5
    assert sorted(c.name for c in collections) == [f"c{i}" for i in range(5)]
    assert sorted(t.name for t in api.artifact_types(f"{ENTITY}/{unique}")) == ["col", "dataset"]
