-- Counters kept by triggers, so the quota check and an unfiltered list's total read one row
-- instead of counting 100,000 key pairs.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('key_pairs', (SELECT COUNT(*) FROM key_pairs));

CREATE TRIGGER key_pairs_counted_insert AFTER INSERT ON key_pairs
BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'key_pairs';
END;
CREATE TRIGGER key_pairs_counted_delete AFTER DELETE ON key_pairs
BEGIN
    UPDATE counters SET value = value - 1 WHERE name = 'key_pairs';
END;
