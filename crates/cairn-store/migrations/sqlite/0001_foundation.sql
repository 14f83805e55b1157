-- Users, API keys, organizations, entities (personal and team), membership,
-- invitations and projects. Timestamps are UNIX seconds (UTC).

CREATE TABLE organizations (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    email         TEXT UNIQUE COLLATE NOCASE,
    name          TEXT NOT NULL,
    admin         INTEGER NOT NULL DEFAULT 0,
    account_type  TEXT NOT NULL DEFAULT 'USER' CHECK (account_type IN ('USER', 'SERVICE')),
    created_at    INTEGER NOT NULL
);

-- Only the SHA-256 of a key is kept; `name` is the public prefix.
CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL UNIQUE,
    key_hash     TEXT NOT NULL UNIQUE,
    description  TEXT,
    created_at   INTEGER NOT NULL
);
CREATE INDEX api_keys_by_user ON api_keys(user_id);

-- An entity owns projects: a user's personal namespace or a team.
CREATE TABLE entities (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    is_team          INTEGER NOT NULL,
    organization_id  INTEGER NOT NULL REFERENCES organizations(id),
    created_at       INTEGER NOT NULL
);

CREATE TABLE memberships (
    entity_id   INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    admin       INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (entity_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships(user_id);

-- Invitations of emails that had no account when invited.
CREATE TABLE invites (
    id          INTEGER PRIMARY KEY,
    entity_id   INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    email       TEXT NOT NULL COLLATE NOCASE,
    admin       INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    UNIQUE (entity_id, email)
);
CREATE INDEX invites_by_email ON invites(email);

CREATE TABLE projects (
    id           INTEGER PRIMARY KEY,
    entity_id    INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    description  TEXT,
    access       TEXT NOT NULL,
    created_by   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (entity_id, name)
);
