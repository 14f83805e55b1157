-- Entity secrets (W&B's team secrets): values an entity's automations use,
-- such as a webhook's signing secret. Only sealed values are stored:
-- `ciphertext` (with its tag) and `nonce` of XChaCha20-Poly1305 under the
-- server's secrets key, bound to the entity and name (see
-- cairn_core::secret). Names are public to the entity's members.
CREATE TABLE entity_secrets (
    id         INTEGER PRIMARY KEY,
    entity_id  INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    ciphertext BLOB NOT NULL,
    nonce      BLOB NOT NULL,
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    -- UNIX milliseconds.
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (entity_id, name)
);
