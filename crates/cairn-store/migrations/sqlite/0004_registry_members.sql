-- Registry members: users and teams given a role in one project (W&B's
-- `createProjectMembers`). A RESTRICTED registry is visible to its creator,
-- instance admins and these members; the role decides what they may do.

CREATE TABLE project_members (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    -- Exactly one of user_id and team_id is set.
    user_id     INTEGER REFERENCES users(id) ON DELETE CASCADE,
    team_id     INTEGER REFERENCES entities(id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer', 'restricted_viewer')),
    created_at  INTEGER NOT NULL,
    CHECK ((user_id IS NULL) <> (team_id IS NULL))
);
CREATE UNIQUE INDEX project_members_user ON project_members(project_id, user_id)
    WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX project_members_team ON project_members(project_id, team_id)
    WHERE team_id IS NOT NULL;
CREATE INDEX project_members_by_user ON project_members(user_id) WHERE user_id IS NOT NULL;
CREATE INDEX project_members_by_team ON project_members(team_id) WHERE team_id IS NOT NULL;
