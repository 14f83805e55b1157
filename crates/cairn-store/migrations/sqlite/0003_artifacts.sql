-- Artifacts: types, collections (sequences and portfolios), versions,
-- memberships, aliases, tags, manifest entries, lineage, and the
-- content-addressed blobs their files are stored in. Registries are projects
-- of the organization's entity named `wandb-registry-<name>`.

-- The organization's own entity, which owns the registries.
ALTER TABLE organizations ADD COLUMN entity_id INTEGER REFERENCES entities(id);

-- Registry settings (and a last-change time every project can use).
ALTER TABLE projects ADD COLUMN updated_at INTEGER;
ALTER TABLE projects ADD COLUMN allow_all_artifact_types INTEGER NOT NULL DEFAULT 1;
UPDATE projects SET updated_at = created_at;

CREATE TABLE registry_artifact_types (
    project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    PRIMARY KEY (project_id, name)
) WITHOUT ROWID;

-- One row per distinct content, keyed by the base64 MD5 W&B uses as a file
-- digest. The bytes live in the blob store under `cas/<hex md5>`. A row
-- exists only once the bytes are durably stored.
CREATE TABLE artifact_blobs (
    md5         TEXT PRIMARY KEY,
    size        INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE artifact_types (
    id           INTEGER PRIMARY KEY,
    project_id   INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    description  TEXT,
    created_at   INTEGER NOT NULL,
    UNIQUE (project_id, name)
);

-- A SEQUENCE holds the versions logged under one name; a PORTFOLIO holds
-- versions linked into it (registry collections are portfolios).
CREATE TABLE artifact_collections (
    id           INTEGER PRIMARY KEY,
    project_id   INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    type_id      INTEGER NOT NULL REFERENCES artifact_types(id),
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('SEQUENCE', 'PORTFOLIO')),
    description  TEXT,
    -- The next version index to hand out; indexes are never reused.
    next_index   INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (project_id, name)
);
CREATE INDEX artifact_collections_by_type ON artifact_collections(type_id, id);

CREATE TABLE artifacts (
    id               INTEGER PRIMARY KEY,
    -- The sequence the artifact was logged into.
    sequence_id      INTEGER NOT NULL REFERENCES artifact_collections(id) ON DELETE CASCADE,
    type_id          INTEGER NOT NULL REFERENCES artifact_types(id),
    state            TEXT NOT NULL CHECK (state IN ('PENDING', 'COMMITTED')),
    -- Hex MD5 of the manifest's contents, as the client computes it.
    digest           TEXT NOT NULL,
    description      TEXT,
    metadata         TEXT NOT NULL DEFAULT '{}',
    client_id        TEXT UNIQUE,
    sequence_client_id TEXT,
    run_id           INTEGER REFERENCES runs(id) ON DELETE SET NULL,
    history_step     INTEGER,
    ttl_seconds      INTEGER,
    -- Base64 MD5 of the uploaded wandb_manifest.json (a blob).
    manifest_md5     TEXT,
    size             INTEGER NOT NULL DEFAULT 0,
    file_count       INTEGER NOT NULL DEFAULT 0,
    -- Aliases asked for at creation, given out at commit (JSON array).
    pending_aliases  TEXT NOT NULL DEFAULT '[]',
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX artifacts_by_sequence ON artifacts(sequence_id, id);
CREATE INDEX artifacts_by_run ON artifacts(run_id);

-- An artifact's place in a collection: its own sequence (set at commit) and
-- every portfolio it is linked into.
CREATE TABLE artifact_memberships (
    id             INTEGER PRIMARY KEY,
    collection_id  INTEGER NOT NULL REFERENCES artifact_collections(id) ON DELETE CASCADE,
    artifact_id    INTEGER NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
    version_index  INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    UNIQUE (collection_id, version_index),
    UNIQUE (artifact_id, collection_id)
);

-- An alias names at most one version of a collection.
CREATE TABLE artifact_aliases (
    id             INTEGER PRIMARY KEY,
    collection_id  INTEGER NOT NULL REFERENCES artifact_collections(id) ON DELETE CASCADE,
    membership_id  INTEGER NOT NULL REFERENCES artifact_memberships(id) ON DELETE CASCADE,
    alias          TEXT NOT NULL,
    UNIQUE (collection_id, alias)
);
CREATE INDEX artifact_aliases_by_membership ON artifact_aliases(membership_id);

CREATE TABLE artifact_tags (
    artifact_id  INTEGER NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    PRIMARY KEY (artifact_id, name)
) WITHOUT ROWID;
CREATE INDEX artifact_tags_by_name ON artifact_tags(name, artifact_id);

CREATE TABLE collection_tags (
    collection_id  INTEGER NOT NULL REFERENCES artifact_collections(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    PRIMARY KEY (collection_id, name)
) WITHOUT ROWID;
CREATE INDEX collection_tags_by_name ON collection_tags(name, collection_id);

-- Files of an artifact: staged by createArtifactFiles while it is pending,
-- replaced by the manifest's entries at commit. `ref` is set for reference
-- entries (bytes elsewhere); otherwise `digest` is the base64 MD5 that names
-- the blob, and the row keeps that blob alive.
CREATE TABLE artifact_entries (
    artifact_id        INTEGER NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
    path               TEXT NOT NULL,
    digest             TEXT NOT NULL,
    size               INTEGER,
    ref                TEXT,
    birth_artifact_id  TEXT,
    mimetype           TEXT,
    extra              TEXT,
    PRIMARY KEY (artifact_id, path)
) WITHOUT ROWID;
CREATE INDEX artifact_entries_by_digest ON artifact_entries(digest) WHERE ref IS NULL;

-- Lineage: runs that used an artifact as an input.
CREATE TABLE artifact_usage (
    run_id       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    artifact_id  INTEGER NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
    used_as      TEXT,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (run_id, artifact_id)
) WITHOUT ROWID;
CREATE INDEX artifact_usage_by_artifact ON artifact_usage(artifact_id, run_id);
CREATE INDEX artifacts_by_manifest ON artifacts(manifest_md5) WHERE manifest_md5 IS NOT NULL;
