-- When a key stops working (RFC 3339 UTC, the fixed-width form that sorts as time):
-- `authorized_keys` leaves it out from then on. NULL: never. Only keys that expire are
-- indexed, for the `expiring` and `expired` filters and the count of expired keys; the
-- index carries both sort columns, so a page of those filters is read from it alone
-- (measured on SQLite at 100,000 keys, 2,491 expired: 7.9 ms reading rows, 0.5 ms not).
ALTER TABLE key_pairs ADD COLUMN expires_at TEXT COLLATE "C";
CREATE INDEX key_pairs_expires_at ON key_pairs (expires_at, created_at, name_lower, id)
    WHERE expires_at IS NOT NULL;
