-- Runs started without a name get a generated display name that must not
-- repeat within the project; this index answers "is it taken?" without
-- scanning the project's runs.
CREATE INDEX runs_by_display_name ON runs(project_id, display_name);
