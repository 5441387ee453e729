-- Scale: 100,000 key pairs.

-- The number of key pairs, kept by the store in the same transaction as each insert and
-- delete, so the quota check and an unfiltered list's total read one row instead of counting
-- every key pair.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('key_pairs', (SELECT COUNT(*) FROM key_pairs));

-- Pages in creation order: the id breaks ties inside the index, so no sort is needed.
DROP INDEX key_pairs_created_at;
CREATE INDEX key_pairs_created_at ON key_pairs (created_at, id);
-- MD5 fingerprint prefixes (SHA-256 ones use the UNIQUE index).
CREATE INDEX key_pairs_fingerprint_md5 ON key_pairs (fingerprint_md5);
-- A tag filter reads the matching key pair ids from the index alone.
DROP INDEX key_pair_tags_key_value;
CREATE INDEX key_pair_tags_key_value ON key_pair_tags (key, value, key_pair_id);

-- Substrings of names and ids: a trigram index (FTS5), kept in step by triggers. Searches of
-- three characters or more use it; shorter ones scan.
CREATE VIRTUAL TABLE key_pairs_search USING fts5(
    name_lower, id, content = 'key_pairs', content_rowid = 'rowid', tokenize = 'trigram'
);
INSERT INTO key_pairs_search (rowid, name_lower, id) SELECT rowid, name_lower, id FROM key_pairs;
CREATE TRIGGER key_pairs_search_insert AFTER INSERT ON key_pairs BEGIN
    INSERT INTO key_pairs_search (rowid, name_lower, id) VALUES (new.rowid, new.name_lower, new.id);
END;
CREATE TRIGGER key_pairs_search_delete AFTER DELETE ON key_pairs BEGIN
    INSERT INTO key_pairs_search (key_pairs_search, rowid, name_lower, id)
        VALUES ('delete', old.rowid, old.name_lower, old.id);
END;
CREATE TRIGGER key_pairs_search_update AFTER UPDATE OF name_lower ON key_pairs BEGIN
    INSERT INTO key_pairs_search (key_pairs_search, rowid, name_lower, id)
        VALUES ('delete', old.rowid, old.name_lower, old.id);
    INSERT INTO key_pairs_search (rowid, name_lower, id) VALUES (new.rowid, new.name_lower, new.id);
END;

-- Instances are listed by region, then name: the index gives that order without a sort.
DROP INDEX instances_region;
CREATE INDEX instances_region ON instances (region, name, id);
