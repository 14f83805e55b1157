-- Integrations: where an entity's automations send what they do. Generic
-- webhooks only for now (`kind` leaves room for others). `secret_ref` and
-- `access_token_ref` name entity secrets; they are not secrets themselves.
CREATE TABLE integrations (
    id               INTEGER PRIMARY KEY,
    entity_id        INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('webhook')),
    name             TEXT NOT NULL,
    url              TEXT NOT NULL,
    secret_ref       TEXT,
    access_token_ref TEXT,
    created_by       INTEGER REFERENCES users(id) ON DELETE SET NULL,
    -- UNIX milliseconds.
    created_at       INTEGER NOT NULL,
    UNIQUE (entity_id, name)
);
