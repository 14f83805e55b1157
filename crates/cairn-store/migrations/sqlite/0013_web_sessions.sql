-- Signing in to the web UI.
--
-- A person's password, as an Argon2id PHC string (cairn_core::password);
-- NULL when they have none (API keys still work). Never selected with the
-- rest of a user's columns.
ALTER TABLE users ADD COLUMN password_hash TEXT;

-- When an instance admin deactivated the account (UNIX seconds); NULL while
-- it is active. A deactivated user's keys and sessions are refused.
ALTER TABLE users ADD COLUMN deactivated_at INTEGER;

-- Browser sessions. Only the SHA-256 of the cookie's token is kept; the
-- CSRF token is stored as it is (it is worthless without the cookie).
-- Expired rows are ignored when read and deleted by sign-ins and the
-- server's background sweep, through the expiry index.
CREATE TABLE web_sessions (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX web_sessions_by_user ON web_sessions(user_id);
CREATE INDEX web_sessions_by_expiry ON web_sessions(expires_at);
