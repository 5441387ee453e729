-- The admins' key policy: one row (id 1), its body the JSON of `keyrack_api::Policy`, read
-- whole by every create, import, Modify and `authorized_keys` answer (a primary-key probe).
-- No row: the default policy, which allows what Keyrack accepts at all.
CREATE TABLE policy (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
