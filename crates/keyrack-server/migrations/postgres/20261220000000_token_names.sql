-- Names of valid admin and viewer tokens are unique, ASCII letters compared
-- case-insensitively: lower() under the "C" collation folds only A–Z, exactly as SQLite's
-- lower() does. Agent tokens are exempt: they are named after their instance and made with it.

-- Existing duplicates first, so this cannot fail on a database in use: every valid
-- admin/viewer token whose name an older valid one already has gets its id appended.
UPDATE tokens SET name = name || ' (' || id || ')'
WHERE revoked_at IS NULL AND role <> 'agent'
  AND EXISTS (
      SELECT 1 FROM tokens AS older
      WHERE older.revoked_at IS NULL AND older.role <> 'agent'
        AND lower(older.name COLLATE "C") = lower(tokens.name COLLATE "C")
        AND (older.created_at < tokens.created_at
             OR (older.created_at = tokens.created_at AND older.id < tokens.id))
  );

-- The store reads this index's name in the violation (store.rs, TOKEN_NAME_INDEX).
CREATE UNIQUE INDEX tokens_active_name ON tokens (lower(name COLLATE "C"))
    WHERE revoked_at IS NULL AND role <> 'agent';
