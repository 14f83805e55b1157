-- How a pending version's manifest relates to other versions, as the client
-- declares it in createArtifactManifest:
--   FULL        the manifest lists every entry (the common case);
--   INCREMENTAL the manifest adds to (and overrides) `base_artifact_id`'s
--               entries: `Artifact(..., incremental=True)`, incremental tables;
--   PATCH       each of several runs sharing `distributed_id` uploads the
--               entries it wrote; the server merges them as they arrive
--               (`run.upsert_artifact` / `run.finish_artifact`).
ALTER TABLE artifacts ADD COLUMN manifest_kind TEXT NOT NULL DEFAULT 'FULL';
ALTER TABLE artifacts ADD COLUMN base_artifact_id INTEGER REFERENCES artifacts (id) ON DELETE SET NULL;
ALTER TABLE artifacts ADD COLUMN distributed_id TEXT;
-- Runs of one distributed version find its pending row by sequence and id.
CREATE INDEX artifacts_distributed ON artifacts (sequence_id, distributed_id)
    WHERE distributed_id IS NOT NULL;
