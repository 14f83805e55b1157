-- Bytes are stored once for the whole instance, so knowing a digest must
-- not be enough to reference someone else's file. A staged entry is
-- `proven` once its uploader sent the bytes, or once the server saw that
-- the uploader may already read an entry with that digest. Unproven
-- entries are never listed, downloaded or committed. Rows from before this
-- rule were all either committed (checked then) or staged under the old
-- rule; both stay as they were.
ALTER TABLE artifact_entries ADD COLUMN proven INTEGER NOT NULL DEFAULT 1;
