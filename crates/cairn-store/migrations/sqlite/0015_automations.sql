-- Automations (W&B's triggers), the events they watch for, and the
-- deliveries of their actions.

-- Integrations gain a second kind: a Slack incoming webhook (`slack`), which
-- notifications are sent to with Slack's payload, and its channel's name.
-- SQLite cannot change a CHECK, so the table is rebuilt (nothing refers to
-- it yet).
CREATE TABLE integrations_new (
    id               INTEGER PRIMARY KEY,
    entity_id        INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('webhook', 'slack')),
    name             TEXT NOT NULL,
    url              TEXT NOT NULL,
    secret_ref       TEXT,
    access_token_ref TEXT,
    created_by       INTEGER REFERENCES users(id) ON DELETE SET NULL,
    -- UNIX milliseconds.
    created_at       INTEGER NOT NULL,
    -- `slack` only: the channel the webhook posts to, for display.
    channel_name     TEXT,
    UNIQUE (entity_id, name)
);
INSERT INTO integrations_new (id, entity_id, kind, name, url, secret_ref, access_token_ref,
                              created_by, created_at)
    SELECT id, entity_id, kind, name, url, secret_ref, access_token_ref, created_by, created_at
    FROM integrations;
DROP TABLE integrations;
ALTER TABLE integrations_new RENAME TO integrations;

-- A trigger belongs to the entity of its scope. `scope_id` is the row id of
-- the project, collection or entity; `project_id` / `collection_id` repeat
-- it (or the collection's project) so that deleting the scope deletes the
-- trigger and events find their triggers by index. `action` is the JSON of
-- `cairn_core::automation::Action`; its integration is also a column, so
-- that an integration in use cannot be deleted.
CREATE TABLE triggers (
    id             INTEGER PRIMARY KEY,
    entity_id      INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    project_id     INTEGER REFERENCES projects(id) ON DELETE CASCADE,
    collection_id  INTEGER REFERENCES artifact_collections(id) ON DELETE CASCADE,
    scope_kind     TEXT NOT NULL CHECK (scope_kind IN ('PROJECT', 'ARTIFACT_COLLECTION', 'ENTITY')),
    scope_id       INTEGER NOT NULL,
    name           TEXT NOT NULL,
    description    TEXT,
    enabled        INTEGER NOT NULL,
    event_type     TEXT NOT NULL,
    event_filter   TEXT NOT NULL,
    action         TEXT NOT NULL,
    integration_id INTEGER REFERENCES integrations(id),
    created_by     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    -- UNIX milliseconds.
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (entity_id, name)
);
CREATE INDEX triggers_by_project ON triggers (project_id, event_type);
CREATE INDEX triggers_by_scope ON triggers (scope_kind, scope_id, event_type);
CREATE INDEX triggers_by_integration ON triggers (integration_id);

-- The outbox: what happened, written in the same transaction as the change
-- that caused it, and only when an enabled trigger of the entity watches
-- for that event type. `payload` is the JSON the action templates read.
-- `matched` turns 1 once the worker has made its deliveries.
CREATE TABLE automation_events (
    id            INTEGER PRIMARY KEY,
    entity_id     INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    project_id    INTEGER,
    collection_id INTEGER,
    event_type    TEXT NOT NULL,
    payload       TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    matched       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX automation_events_unmatched ON automation_events (matched, id);

-- One trigger acting on one event, or a run alert going to its user's alert
-- integration (exactly one of the two). `idempotency_key` goes out with
-- every attempt so that a receiver can drop a repeat. A worker claims a
-- delivery by setting `lease_until`; nobody else attempts it before then.
CREATE TABLE automation_deliveries (
    id              INTEGER PRIMARY KEY,
    trigger_id      INTEGER REFERENCES triggers(id) ON DELETE CASCADE,
    alert_integration_id INTEGER REFERENCES integrations(id) ON DELETE CASCADE,
    event_id        INTEGER NOT NULL REFERENCES automation_events(id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL UNIQUE,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until     INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (trigger_id, event_id),
    CHECK ((trigger_id IS NULL) <> (alert_integration_id IS NULL))
);
CREATE INDEX automation_deliveries_due ON automation_deliveries (state, next_attempt_at);

-- Every attempt, kept per trigger (the newest few hundred; see the store);
-- a run alert's have no trigger.
CREATE TABLE automation_attempts (
    id          INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES automation_deliveries(id) ON DELETE CASCADE,
    trigger_id  INTEGER REFERENCES triggers(id) ON DELETE CASCADE,
    attempted_at INTEGER NOT NULL,
    status      INTEGER,
    outcome     TEXT NOT NULL,
    error       TEXT,
    elapsed_ms  INTEGER NOT NULL,
    response    TEXT
);
CREATE INDEX automation_attempts_by_trigger ON automation_attempts (trigger_id, id);

-- Run alerts (`run.alert`): a title may alert again for a run once its
-- `wait_duration` has passed (`next_at`, UNIX milliseconds).
CREATE TABLE run_alerts (
    run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    title   TEXT NOT NULL,
    next_at INTEGER NOT NULL,
    PRIMARY KEY (run_id, title)
);

-- Where a user's run alerts go: an integration of one of their entities.
ALTER TABLE users ADD COLUMN alert_integration_id INTEGER
    REFERENCES integrations(id) ON DELETE SET NULL;
