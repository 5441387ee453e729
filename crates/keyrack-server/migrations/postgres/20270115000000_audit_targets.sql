-- What a write touched beyond its one target: the ids an import created or a batch delete
-- deleted (space-separated), and for an export the filter it ran with.
ALTER TABLE audit_log ADD COLUMN targets TEXT COLLATE "C";
ALTER TABLE audit_log ADD COLUMN detail TEXT;
