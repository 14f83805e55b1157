-- Views: W&B's reports (type `runs`, drafts `runs/draft`) and saved
-- workspaces (`project-view`). The spec is the client's JSON document,
-- stored exactly as sent. A draft belongs to the published view it was
-- made from (`parent_id`) and goes when that view is deleted.
CREATE TABLE views (
    id            INTEGER PRIMARY KEY,
    project_id    INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id       INTEGER REFERENCES users(id) ON DELETE SET NULL,
    type          TEXT NOT NULL,
    name          TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    description   TEXT NOT NULL,
    spec          TEXT NOT NULL,
    parent_id     INTEGER REFERENCES views(id) ON DELETE CASCADE,
    created_using TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (project_id, type, name)
);

-- Listings page newest first within a project.
CREATE INDEX views_project ON views (project_id, id);
CREATE INDEX views_parent ON views (parent_id) WHERE parent_id IS NOT NULL;
