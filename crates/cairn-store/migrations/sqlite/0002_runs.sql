-- Runs and what they log: history rows, system-metric events, console lines
-- and files. Run timestamps are UNIX milliseconds (UTC) so that runs created
-- within one second still order by creation.

CREATE TABLE runs (
    id                  INTEGER PRIMARY KEY,
    project_id          INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    -- The run id the client chose ("abc123"); W&B calls it the bucket name.
    name                TEXT NOT NULL,
    display_name        TEXT,
    description         TEXT,
    notes               TEXT,
    group_name          TEXT,
    job_type            TEXT,
    -- running | finished | failed | crashed | preempting | preempted | pending | killed
    state               TEXT NOT NULL DEFAULT 'running',
    host                TEXT,
    program             TEXT,
    commit_hash         TEXT,
    repo                TEXT,
    sweep_name          TEXT,
    user_id             INTEGER REFERENCES users(id) ON DELETE SET NULL,
    -- W&B's config document: {"key": {"value": v, "desc": d}, "_wandb": {...}}.
    config              TEXT NOT NULL DEFAULT '{}',
    -- The latest complete summary object.
    summary             TEXT NOT NULL DEFAULT '{}',
    -- The latest system-metrics sample.
    system_metrics      TEXT NOT NULL DEFAULT '{}',
    -- JSON array of strings.
    tags                TEXT NOT NULL DEFAULT '[]',
    history_line_count  INTEGER NOT NULL DEFAULT 0,
    events_line_count   INTEGER NOT NULL DEFAULT 0,
    log_line_count      INTEGER NOT NULL DEFAULT 0,
    last_step           INTEGER,
    exitcode            INTEGER,
    -- Set by stopRun; the next file_stream answer tells the client to stop.
    stop_requested      INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    heartbeat_at        INTEGER NOT NULL,
    UNIQUE (project_id, name)
);
CREATE INDEX runs_by_created ON runs(project_id, created_at, id);
CREATE INDEX runs_by_heartbeat ON runs(project_id, heartbeat_at, id);
CREATE INDEX runs_running ON runs(state, heartbeat_at) WHERE state = 'running';

-- Every scalar leaf of a run's config values (under `config.`) and summary
-- (under `summary_metrics.`), one row each: filters and ordering on them use
-- the index instead of parsing each run's JSON. `val` has no declared type,
-- so SQLite keeps each value's own type (INTEGER/REAL for numbers and
-- booleans, TEXT for strings, NULL for JSON null) and orders numbers before
-- text, as the search compiler relies on.
CREATE TABLE run_fields (
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    project_id  INTEGER NOT NULL,
    val,
    PRIMARY KEY (run_id, path)
) WITHOUT ROWID;
CREATE INDEX run_fields_by_value ON run_fields(project_id, path, val);

-- One row per line of wandb-history.jsonl; `line` is its offset. Rows are
-- kept exactly as the client sent them (NaN/Infinity spelled as it spells
-- them), `step` is their `_step`.
CREATE TABLE run_history (
    run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    line    INTEGER NOT NULL,
    step    INTEGER NOT NULL,
    row     TEXT NOT NULL,
    PRIMARY KEY (run_id, line)
) WITHOUT ROWID;
CREATE INDEX run_history_by_step ON run_history(run_id, step);

-- The keys seen in a run's history and how often, for historyKeys and for
-- answering sampled history without scanning rows.
CREATE TABLE run_history_keys (
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    -- JSON type name as W&B reports it: number, string, bool, map, …
    value_type TEXT NOT NULL,
    count      INTEGER NOT NULL,
    PRIMARY KEY (run_id, key, value_type)
) WITHOUT ROWID;

-- wandb-events.jsonl: system metrics.
CREATE TABLE run_events (
    run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    line    INTEGER NOT NULL,
    row     TEXT NOT NULL,
    PRIMARY KEY (run_id, line)
) WITHOUT ROWID;

-- output.log: console lines; a later request may rewrite a line.
CREATE TABLE run_log_lines (
    run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    line     INTEGER NOT NULL,
    content  TEXT NOT NULL,
    PRIMARY KEY (run_id, line)
) WITHOUT ROWID;

-- Files uploaded for a run. Bytes live in the blob store under
-- runs/<run id>/<name>; a row exists once an upload completed.
CREATE TABLE run_files (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    size_bytes  INTEGER NOT NULL,
    md5         TEXT NOT NULL,
    mimetype    TEXT,
    updated_at  INTEGER NOT NULL,
    UNIQUE (run_id, name)
);

-- Secrets the server generates for itself (the URL-signing key).
CREATE TABLE server_secrets (
    name   TEXT PRIMARY KEY,
    value  BLOB NOT NULL
);
