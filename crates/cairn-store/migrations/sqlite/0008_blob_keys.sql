-- Where each blob's bytes are. Every upload writes its bytes under a key
-- of its own (`cas/<2 hex>/<32 hex>.<random>`) and records it here with
-- the row, if the row is new; a collection deletes the row and then
-- exactly the key it names (see cairn-core's content.rs for why this
-- keeps uploads and collections of one digest apart across processes).
-- NULL is the one key per digest that blobs stored before this migration
-- use, `cas/<2 hex>/<32 hex>`, so old data needs no rewrite.
ALTER TABLE artifact_blobs ADD COLUMN key TEXT;
