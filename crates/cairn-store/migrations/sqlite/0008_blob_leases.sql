-- Leases that keep garbage collection and uploads of one blob digest apart
-- across server processes (see cairn-core's content.rs). An upload holds a
-- lease (its own random holder id) from before it writes bytes until its
-- `artifact_blobs` row is recorded; a collection holds the 'collection'
-- lease from forgetting the row until the bytes are deleted. A lease past
-- `expires_at` (UNIX seconds) is dead: a crashed holder blocks nobody long.
CREATE TABLE blob_leases (
    md5         TEXT NOT NULL,
    holder      TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (md5, holder)
) WITHOUT ROWID;
