-- The last completed sshd login of each key on each instance, as the instance reports it
-- (docs/sshd.md): one row per (key, instance), overwritten by the next login there. The
-- instance's name is kept as it was, so the row still reads after the instance is deleted.
CREATE TABLE key_logins (
    key_pair_id    TEXT NOT NULL REFERENCES key_pairs (id) ON DELETE CASCADE,
    instance_id    TEXT NOT NULL,
    instance_name  TEXT NOT NULL,
    user_name      TEXT NOT NULL,
    client_address TEXT NOT NULL,
    logged_in_at   TEXT NOT NULL,
    PRIMARY KEY (key_pair_id, instance_id)
);
-- The newest of them, on the key itself, for the list's `last_login` order and its
-- `unused_for_days` filter. '' is "never": it sorts before every time on both backends
-- (a NULL would sort first on one and last on the other). The index carries `created_at`
-- too, so `unused_for_days` is counted from it alone (SQLite, 100,000 keys, 75,000 of them
-- unused: 290 ms reading rows, 13 ms not).
ALTER TABLE key_pairs ADD COLUMN last_login_at TEXT NOT NULL DEFAULT '';
ALTER TABLE key_pairs ADD COLUMN last_login_instance_id TEXT;
CREATE INDEX key_pairs_last_login ON key_pairs (last_login_at, id, created_at);
