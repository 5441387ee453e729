-- Keyrack's schema. Timestamps are RFC 3339 UTC text with millisecond precision, so they sort
-- as text and read the same in SQLite and PostgreSQL.

-- Bearer tokens: only the SHA-256 of each token is kept.
CREATE TABLE tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'viewer', 'agent')),
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT
);

CREATE TABLE key_pairs (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    -- Names are unique case-insensitively; the constraint lives on the folded copy.
    name_lower         TEXT NOT NULL UNIQUE,
    description        TEXT NOT NULL DEFAULT '',
    public_key         TEXT NOT NULL,
    comment            TEXT NOT NULL DEFAULT '',
    algorithm          TEXT NOT NULL,
    bits               INTEGER NOT NULL,
    fingerprint_sha256 TEXT NOT NULL UNIQUE,
    fingerprint_md5    TEXT NOT NULL,
    origin             TEXT NOT NULL CHECK (origin IN ('generated', 'imported')),
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX key_pairs_created_at ON key_pairs (created_at);

CREATE TABLE key_pair_tags (
    key_pair_id TEXT NOT NULL REFERENCES key_pairs (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (key_pair_id, key)
);
CREATE INDEX key_pair_tags_key_value ON key_pair_tags (key, value);

CREATE TABLE regions (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0
);

-- updated_at and version are there for start/stop and binding, which change instances.
CREATE TABLE instances (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    region     TEXT NOT NULL REFERENCES regions (id),
    os         TEXT NOT NULL CHECK (os IN ('linux', 'windows')),
    state      TEXT NOT NULL CHECK (state IN ('RUNNING', 'STOPPED', 'STARTING', 'STOPPING')),
    private_ip TEXT NOT NULL,
    public_ip  TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX instances_region ON instances (region);

-- RESTRICT: a bound key pair cannot disappear underneath an instance, whatever the code does.
CREATE TABLE instance_keys (
    instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    key_pair_id TEXT NOT NULL REFERENCES key_pairs (id) ON DELETE RESTRICT,
    bound_at    TEXT NOT NULL,
    PRIMARY KEY (instance_id, key_pair_id)
);
CREATE INDEX instance_keys_key_pair ON instance_keys (key_pair_id);

CREATE TABLE images (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    region     TEXT NOT NULL REFERENCES regions (id),
    created_at TEXT NOT NULL
);

CREATE TABLE image_keys (
    image_id    TEXT NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    key_pair_id TEXT NOT NULL REFERENCES key_pairs (id) ON DELETE RESTRICT,
    PRIMARY KEY (image_id, key_pair_id)
);
CREATE INDEX image_keys_key_pair ON image_keys (key_pair_id);
