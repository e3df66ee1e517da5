-- Version 21: result_assets.storage_path is no longer always the deterministic key (issue 23). A set whose
-- deterministic keys hold other bytes (a reprocess or retry of the same template version under another model) is
-- written to generation keys beside the set its rows name, <type>.<generation>.<ext> in the same
-- <md5[0:2]>/<md5>/<template>-v<version>/ folder, and the rows switch to it in the transaction that records it.
-- Readers take the key from the row, never rebuild it. Only the column's comment changes: no data, no lock.
--
-- Citus: a comment on the distributed table's coordinator table, as V13's.

COMMENT ON COLUMN result_assets.storage_path IS 'Object URI in the processed bucket (or the archive copy while archived): <md5[0:2]>/<md5>/<template>-v<version>/<type>.<ext> for the first set written, <type>.<generation>.<ext> in the same folder for a rewrite with other bytes (the generation: 16 hex digits of the SHA-256 of the set); read it from here, never rebuild it';
