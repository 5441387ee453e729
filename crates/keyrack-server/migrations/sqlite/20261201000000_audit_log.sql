-- The audit log: every write the API answered, refused ones included. Who (the token's id,
-- name and role at the time, NULL without a valid token), what (method + route template +
-- target id), when, and the outcome (status and error code). Never bodies, never tokens.
-- actor_id is not a foreign key: the log outlives the tokens it names.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor_id    TEXT,
    actor_name  TEXT,
    actor_role  TEXT,
    action      TEXT NOT NULL,
    target      TEXT,
    status      INTEGER NOT NULL,
    error_code  TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_id);
CREATE INDEX audit_log_target ON audit_log (target);
