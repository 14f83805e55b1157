-- Runs started without a name get a generated display name that must not
-- repeat within the project; this index answers "is it taken?" without
-- scanning the project's runs.
CREATE INDEX runs_by_display_name ON runs(project_id, display_name);

-- Artifact versions with a TTL are deleted once created_at + ttl_seconds
-- has passed; the background sweep finds them through this index (the
-- query uses the same expression) without scanning every version.
CREATE INDEX artifacts_by_expiry ON artifacts(created_at + ttl_seconds)
    WHERE ttl_seconds IS NOT NULL;
