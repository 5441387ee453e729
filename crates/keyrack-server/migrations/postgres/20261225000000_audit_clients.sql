-- Who sent each audited request (the client's address), and how many requests an entry
-- stands for: requests refused without a valid token are counted per client and interval,
-- one entry each, so a flood of them cannot grow the log one row per request.
ALTER TABLE audit_log ADD COLUMN client TEXT COLLATE "C";
ALTER TABLE audit_log ADD COLUMN repeats BIGINT NOT NULL DEFAULT 1;
