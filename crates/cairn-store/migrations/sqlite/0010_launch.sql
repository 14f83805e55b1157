-- W&B Launch: run queues, the default resource configurations they point
-- at, the items pushed onto them, and the agents that pop them. Queues
-- live in a project of their entity (`model-registry` by default, as on
-- W&B), so access to a queue is access to that project.
CREATE TABLE launch_resource_configs (
    id                 INTEGER PRIMARY KEY,
    entity_id          INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    -- local-process | local-container | kubernetes | sagemaker | gcp-vertex
    resource           TEXT NOT NULL,
    -- {"resource_args": {"<resource>": {...}}}, JSON, with {{var}} templates.
    config             TEXT NOT NULL,
    -- {"<name>": {"schema": {...}}}, JSON.
    template_variables TEXT NOT NULL,
    created_at         INTEGER NOT NULL
);

CREATE TABLE run_queues (
    id                  INTEGER PRIMARY KEY,
    project_id          INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    -- PROJECT | USER
    access              TEXT NOT NULL,
    -- DISABLED | V0
    prioritization_mode TEXT NOT NULL,
    resource_config_id  INTEGER REFERENCES launch_resource_configs(id) ON DELETE SET NULL,
    -- {"links": [{"label", "url"}]}, JSON.
    external_links      TEXT NOT NULL,
    created_by          INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at          INTEGER NOT NULL,
    UNIQUE (project_id, name)
);

CREATE TABLE launch_agents (
    id            INTEGER PRIMARY KEY,
    entity_id     INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    project_id    INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    -- Short id; the agent logs its own run under it.
    name          TEXT NOT NULL UNIQUE,
    hostname      TEXT NOT NULL,
    -- JSON list of the run queue ids it polls.
    queue_ids     TEXT NOT NULL,
    agent_config  TEXT,
    version       TEXT,
    -- POLLING | RUNNING | KILLED | … as the agent reports it.
    status        TEXT NOT NULL,
    stop_polling  INTEGER NOT NULL DEFAULT 0,
    created_by    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL,
    heartbeat_at  INTEGER NOT NULL
);

-- One pushed run. `state`: PENDING (waiting), LEASED (popped, not yet
-- acknowledged; back to PENDING when the lease expires), CLAIMED (its
-- agent acknowledged it and named the run), FAILED (its agent reported a
-- failure). FINISHED is not stored: a CLAIMED item reads as FINISHED or
-- FAILED once its run has ended.
CREATE TABLE run_queue_items (
    id                       INTEGER PRIMARY KEY,
    queue_id                 INTEGER NOT NULL REFERENCES run_queues(id) ON DELETE CASCADE,
    -- The run spec with the queue's resource and resource args applied, JSON.
    run_spec                 TEXT NOT NULL,
    template_variable_values TEXT,
    -- 0 (critical) … 3 (low); popped lowest first in V0 queues.
    priority                 INTEGER NOT NULL,
    state                    TEXT NOT NULL,
    -- Where the run goes (from the run spec), to read its state.
    run_entity               TEXT,
    run_project              TEXT,
    associated_run_id        TEXT,
    launch_agent_id          INTEGER REFERENCES launch_agents(id) ON DELETE SET NULL,
    leased_at                INTEGER,
    -- {"message", "stage", "filePaths"} of a failure; JSON list of warnings.
    error                    TEXT,
    warnings                 TEXT,
    created_by               INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at               INTEGER NOT NULL,
    updated_at               INTEGER NOT NULL
);

-- Popping reads the oldest pending item of the highest priority.
CREATE INDEX run_queue_items_pending
    ON run_queue_items (queue_id, priority, id) WHERE state = 'PENDING';
CREATE INDEX run_queue_items_by_queue ON run_queue_items (queue_id, id);
-- Lease expiry looks only at leased items.
CREATE INDEX run_queue_items_leased
    ON run_queue_items (queue_id, leased_at) WHERE state = 'LEASED';
