-- Hyperparameter sweeps: the sweep itself, the agents that work on it, and
-- every run the controller handed out. Runs stay ordinary runs; a run
-- belongs to a sweep through runs.sweep_name (the sweep's name in the
-- run's project), as on W&B.
CREATE TABLE sweeps (
    id            INTEGER PRIMARY KEY,
    project_id    INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    -- The sweep id users see and type ("ab12cd34"), unique in its project.
    name          TEXT NOT NULL,
    display_name  TEXT,
    description   TEXT,
    -- grid | random | bayes
    method        TEXT NOT NULL,
    -- RUNNING | PAUSED | FINISHED | CANCELED
    state         TEXT NOT NULL,
    -- The configuration exactly as the client sent it (YAML, or JSON).
    config        TEXT NOT NULL,
    -- From the config, kept as columns so SQL can rank runs: the metric's
    -- summary path (summary_metrics.<name>) and whether higher is better.
    metric_path   TEXT,
    maximize      INTEGER NOT NULL DEFAULT 0,
    -- How many runs the sweep will start in all (run_cap, grid size), when bounded.
    expected_runs INTEGER,
    created_by    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (project_id, name)
);

CREATE TABLE sweep_agents (
    id            INTEGER PRIMARY KEY,
    sweep_id      INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
    -- Short id, unique in its sweep (GraphQL Agent.name).
    name          TEXT NOT NULL,
    host          TEXT NOT NULL,
    user_id       INTEGER REFERENCES users(id) ON DELETE SET NULL,
    -- RUNNING | FINISHED
    state         TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    heartbeat_at  INTEGER NOT NULL,
    UNIQUE (sweep_id, name)
);

-- Every run the controller handed to an agent. `state`: assigned (sent,
-- not yet seen running), started (the run exists or its agent reported it),
-- expired (never started within the timeout; its grid point is free again).
CREATE TABLE sweep_runs (
    id           INTEGER PRIMARY KEY,
    sweep_id     INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
    run_name     TEXT NOT NULL,
    agent_id     INTEGER REFERENCES sweep_agents(id) ON DELETE SET NULL,
    -- The parameter values handed out, JSON object.
    params       TEXT NOT NULL,
    grid_index   INTEGER,
    state        TEXT NOT NULL,
    -- The controller decided the run should stop (early termination, cancel).
    stop         INTEGER NOT NULL DEFAULT 0,
    assigned_at  INTEGER NOT NULL,
    UNIQUE (sweep_id, run_name)
);
-- A grid point is handed out at most once while it is live: two agents
-- asking at the same moment can never both get it.
CREATE UNIQUE INDEX sweep_runs_grid ON sweep_runs(sweep_id, grid_index)
    WHERE grid_index IS NOT NULL AND state <> 'expired';
CREATE INDEX sweep_runs_by_agent ON sweep_runs(agent_id);

-- A sweep's runs, for counts, best values and the controller.
CREATE INDEX runs_by_sweep ON runs(project_id, sweep_name) WHERE sweep_name IS NOT NULL;
