-- Columnar history (issue 17). A run's older history rows are compacted
-- into Parquet files kept in the blob store; each file is one segment.
-- A segment holds the run's rows with lines first_line..=last_line, which
-- were deleted from run_history in the transaction that added the segment,
-- so every row is in exactly one place.
CREATE TABLE run_history_segments (
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    -- Order of compaction, never reused: the position of the file in
    -- parquetHistory's list is its rank by seq.
    seq        INTEGER NOT NULL,
    first_line INTEGER NOT NULL,
    last_line  INTEGER NOT NULL,
    row_count  INTEGER NOT NULL,
    min_step   INTEGER NOT NULL,
    max_step   INTEGER NOT NULL,
    blob_key   TEXT NOT NULL,
    bytes      INTEGER NOT NULL,
    -- 1 when every column is a scalar one (no JSON-text columns for
    -- objects, lists or mixed values): only then is the file handed to the
    -- official client, whose reader would give such values back as text.
    exportable INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

-- The last line compacted (NULL: none). Lines at or below it are in
-- segments; a resent file_stream chunk never writes them back.
ALTER TABLE runs ADD COLUMN history_compacted_through INTEGER;
-- How many of the run's rows are in segments.
ALTER TABLE runs ADD COLUMN history_compacted_rows INTEGER NOT NULL DEFAULT 0;

-- Blob keys of segments that were replaced or dropped (rewinds, deleted
-- runs): deleted from the blob store by the compaction worker, after the
-- transaction that stopped referring to them.
CREATE TABLE history_blob_garbage (
    blob_key   TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER run_history_segments_garbage AFTER DELETE ON run_history_segments
BEGIN
    INSERT OR IGNORE INTO history_blob_garbage (blob_key, created_at)
    VALUES (OLD.blob_key, CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;

-- The runs with history lines not compacted yet (all running runs, and
-- stopped ones until the worker gets to them).
CREATE INDEX runs_history_live ON runs(id)
    WHERE history_line_count - 1 > COALESCE(history_compacted_through, -1);
