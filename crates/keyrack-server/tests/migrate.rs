//! `keyrack-server migrate-to`: a SQLite database copied into an empty PostgreSQL one answers
//! the API exactly as before, row for row; a non-empty or wrong target is refused.

mod common;

use keyrack_api::{BindOutcome, InstanceState};
use std::process::Output;

use common::{bind_outcomes, ed25519_keys, Server, TestDb};
use reqwest::Method;
use serde_json::json;
use sqlx::{Connection, Executor};

/// The API reads compared before and after the move.
const READS: &[&str] = &[
    "/key-pairs?limit=100",
    "/key-pairs?limit=100&offset=1000",
    "/instances?limit=100",
    "/images",
    "/regions",
    "/tokens",
    "/audit?limit=100",
    "/audit?limit=100&offset=600",
    "/policy",
    "/key-pairs?sort=-last_login&limit=100",
];

/// Rows added straight into SQLite, so each copied table spans more than one page.
const BULK_KEY_PAIRS: usize = 1_100;
const BULK_AUDIT_ENTRIES: usize = 600;

/// Every table with its primary key, to compare both databases row by row.
const TABLES: &[(&str, &str)] = &[
    ("regions", "id"),
    ("key_pairs", "id"),
    ("key_pair_tags", "key_pair_id, key"),
    ("instances", "id"),
    ("instance_keys", "instance_id, key_pair_id"),
    ("images", "id"),
    ("image_keys", "image_id, key_pair_id"),
    ("tokens", "id"),
    ("audit_log", "id"),
    ("counters", "name"),
    ("policy", "id"),
    ("key_logins", "key_pair_id, instance_id"),
];

/// `migrate-to` with the target in `KEYRACK_MIGRATE_TO_URL`, where a URL with a password
/// goes.
fn migrate_to(source: &str, target: &str) -> Output {
    migrate_to_with(source, &[], &[("KEYRACK_MIGRATE_TO_URL", target)])
}

/// `keyrack-server --database SOURCE migrate-to ARGS…` with `env`.
fn migrate_to_with(source: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_keyrack-server"));
    command
        .args(["--database", source, "migrate-to"])
        .args(args)
        .env_remove("KEYRACK_DATABASE_URL")
        .env_remove("KEYRACK_MIGRATE_TO_URL")
        .env("RUST_LOG", "info");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("run keyrack-server migrate-to")
}

/// Every row of every table, each column as text (NULL as `None`), in primary key order.
/// The PostgreSQL schema sorts its keys with COLLATE "C", SQLite's byte order.
async fn dump(url: &str) -> Vec<(String, Vec<Vec<Option<String>>>)> {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("connect");
    let mut out = Vec::new();
    for (table, key) in TABLES {
        let columns: Vec<String> = if url.starts_with("sqlite") {
            sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .fetch_all(&mut conn)
                .await
                .expect("columns")
        } else {
            sqlx::query_scalar(
                "SELECT column_name::text FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name = $1",
            )
            .bind(*table)
            .fetch_all(&mut conn)
            .await
            .expect("columns")
        };
        let mut columns = columns;
        // The two schemas add columns in different orders.
        columns.sort();
        let select = columns
            .iter()
            .map(|c| format!("CAST(t.{c} AS TEXT)"))
            .collect::<Vec<_>>()
            .join(", ");
        // Qualified, so the order is the stored column's, not the text it was cast to.
        let order = key
            .split(", ")
            .map(|k| format!("t.{k}"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(&format!("SELECT {select} FROM {table} t ORDER BY {order}"))
            .fetch_all(&mut conn)
            .await
            .expect("rows");
        let rows = rows
            .iter()
            .map(|row| {
                use sqlx::Row;
                (0..columns.len())
                    .map(|i| row.try_get::<Option<String>, _>(i).expect("text"))
                    .collect()
            })
            .collect();
        out.push(((*table).to_owned(), rows));
    }
    conn.close().await.ok();
    out
}

/// Adds key pairs (with a tag each) and audit entries directly, as a big deployment has.
async fn add_bulk_rows(sqlite_url: &str) {
    let mut conn = sqlx::SqliteConnection::connect(sqlite_url)
        .await
        .expect("open SQLite");
    let bulk_key_pairs = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {BULK_KEY_PAIRS}) \
         INSERT INTO key_pairs (id, name, name_lower, description, public_key, comment, \
         algorithm, bits, fingerprint_sha256, fingerprint_md5, origin, created_at, \
         updated_at, version) \
         SELECT printf('skey-b%07d', i), printf('Bulk-%04d', i), printf('bulk-%04d', i), \
         'loaded', printf('ssh-ed25519 AAAAbulk%07d', i), '', 'ssh-ed25519', 256, \
         printf('SHA256:bulk%07d', i), printf('MD5:bulk%07d', i), 'imported', \
         printf('2025-06-01T%02d:%02d:%02d.000Z', i / 3600, i / 60 % 60, i % 60), \
         printf('2025-07-01T00:00:%02d.000Z', i % 60), 1 + i % 3 FROM n"
    );
    let bulk_audit_entries = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {BULK_AUDIT_ENTRIES}) \
         INSERT INTO audit_log (at, actor_id, actor_name, actor_role, action, target, \
         status, error_code) \
         SELECT printf('2025-08-01T00:%02d:%02d.000Z', i / 60 % 60, i % 60), NULL, NULL, \
         NULL, 'DELETE /api/v1/key-pairs/{{id}}', printf('skey-x%07d', i), 401, \
         'Unauthorized' FROM n"
    );
    let statements = [
        (bulk_key_pairs.as_str(), "bulk key pairs"),
        (
            "INSERT INTO key_pair_tags (key_pair_id, position, key, value) \
             SELECT id, 0, 'bulk', name FROM key_pairs WHERE id LIKE 'skey-b%'",
            "bulk tags",
        ),
        // The store keeps this count with every write it makes; rows written behind its back
        // must keep it too.
        (
            "UPDATE counters SET value = (SELECT COUNT(*) FROM key_pairs) WHERE name = 'key_pairs'",
            "count the bulk key pairs",
        ),
        (
            r#"INSERT INTO policy (id, body, updated_at) VALUES (1, '{"allowed_algorithms":["ssh-ed25519","ssh-rsa"],"min_rsa_bits":4096,"max_lifetime_days":null,"enforce_on_login":true}', '2026-12-01T00:00:00.000Z')"#,
            "a key policy",
        ),
        (bulk_audit_entries.as_str(), "bulk audit entries"),
    ];
    for (sql, what) in statements {
        conn.execute(sql).await.expect(what);
    }
    conn.close().await.ok();
}

#[tokio::test]
async fn a_sqlite_database_moves_to_postgres_exactly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = format!("sqlite://{}", dir.path().join("keyrack.db").display());
    let pg = TestDb::postgres().await;

    // A lived-in SQLite deployment: demo data, key pairs with tags, a binding, a power cycle,
    // tokens created and revoked, refused writes in the audit log.
    // The seeded audit entries are dated 2025: keep them (the default retention is 400 days).
    let mut old = Server::spawn(
        &sqlite,
        &[
            "--demo",
            "--transition-delay-ms",
            "100",
            "--audit-retention-days",
            "36500",
        ],
        true,
    )
    .await;
    let keys = ed25519_keys(3);
    for (i, key) in keys.iter().enumerate() {
        let r = old
            .post(
                "/key-pairs",
                json!({
                    "name": format!("Moved-{i}"),
                    "description": "comes along",
                    "public_key": key,
                    "tags": [{"key": "env", "value": "prod"}, {"key": "团队", "value": ""}],
                }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let bound = old.key_named("Moved-0").await;
    let bound_id = bound.id.as_str();
    let instance = old.instance("moving-box", "linux", "STOPPED").await;
    let r = old.bind("bind", bound_id, &[&instance], false).await;
    assert_eq!(bind_outcomes(&r)[0], BindOutcome::Bound);
    let r = old
        .api(Method::POST, &format!("/instances/{instance}/start"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    old.wait_for_state(&instance, InstanceState::Running).await;
    let r = old
        .post("/tokens", json!({"name": "reader", "role": "viewer"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let reader = r.body["id"].as_str().expect("id").to_owned();
    assert_eq!(old.delete(&format!("/tokens/{reader}")).await.status, 204);
    let r = old
        .post("/tokens", json!({"name": "ops", "role": "admin"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = old.post("/key-pairs", json!({"name": "Moved-0"})).await;
    assert!(r.status >= 400, "a refusal is audited too: {}", r.text);
    add_bulk_rows(&sqlite).await;

    let mut before = Vec::new();
    for path in READS {
        let r = old.get(path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        before.push(r);
    }
    let key_pairs = before[0].body["total"].as_u64().expect("total");
    assert!(key_pairs > 1_100, "{key_pairs}");
    let last_audit_id = before[6].body["items"][0]["id"].as_i64().expect("id");
    old.terminate();

    // The move.
    let out = migrate_to(&sqlite, pg.url());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let summary = |table: &str| {
        stderr.lines().find_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            (words.len() == 2 && words[0] == table).then(|| words[1].parse::<u64>().ok())?
        })
    };
    assert_eq!(summary("key_pairs"), Some(key_pairs), "{stderr}");
    assert_eq!(summary("regions"), Some(4), "{stderr}");
    assert!(out.stdout.is_empty(), "the summary goes to stderr");
    let (from, to) = (dump(&sqlite).await, dump(pg.url()).await);
    for ((table, old_rows), (_, new_rows)) in from.iter().zip(&to) {
        assert_eq!(old_rows.len(), new_rows.len(), "{table}: rows");
        for (old_row, new_row) in old_rows.iter().zip(new_rows) {
            assert_eq!(old_row, new_row, "{table}: row for row");
        }
    }

    // The PostgreSQL server answers exactly as the SQLite one did.
    let new = Server::spawn(pg.url(), &["--audit-retention-days", "36500"], true).await;
    for (path, old_answer) in READS.iter().zip(&before) {
        let r = new.get(path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        assert_eq!(r.body, old_answer.body, "{path}");
        assert_eq!(r.text, old_answer.text, "{path}");
    }

    // A second move into the now-used database is refused, and changes nothing.
    let again = migrate_to(&sqlite, pg.url());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(!again.status.success());
    assert!(
        stderr.contains("cannot migrate: the target database is not empty")
            && stderr.contains(&format!("key_pairs: {key_pairs}")),
        "{stderr}"
    );
    assert_eq!(new.key_pairs("limit=1").await.total, key_pairs);

    // Life goes on: the counter is right (quota, totals) and audit ids continue.
    let fresh = ed25519_keys(1);
    let created = new.create("after-the-move", &fresh[0]).await;
    let r = new.get("/key-pairs?limit=1").await;
    assert_eq!(r.body["total"], key_pairs + 1);
    assert_eq!(r.body["items"][0]["id"], created.id);
    let r = new.get("/audit?limit=1").await;
    assert_eq!(r.body["items"][0]["id"], last_audit_id + 1, "{}", r.text);
    assert_eq!(r.body["items"][0]["target"], created.id);
}

#[tokio::test]
async fn wrong_backends_and_missing_sources_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = format!("sqlite://{}", dir.path().join("keyrack.db").display());
    let target = dir.path().join("target.db");

    // Into SQLite: refused before the target file is made.
    let out = migrate_to(&sqlite, &format!("sqlite://{}", target.display()));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("the target database must be postgres://"),
        "{stderr}"
    );
    assert!(!target.exists());

    // From PostgreSQL: refused without connecting anywhere.
    let pg = TestDb::postgres().await;
    let out = migrate_to(pg.url(), pg.url());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("the source database (--database) must be sqlite://"),
        "{stderr}"
    );

    // A mistyped source is not a new, empty database to copy.
    let out = migrate_to(&sqlite, pg.url());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("no database file at"), "{stderr}");
    assert!(!dir.path().join("keyrack.db").exists());
    let mut conn = sqlx::PgConnection::connect(pg.url())
        .await
        .expect("connect");
    let tables: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .fetch_one(&mut conn)
    .await
    .expect("count");
    assert_eq!(tables, 0, "the target was not touched");
    conn.close().await.ok();
}

/// A target URL with a password never goes on the command line (others can read it in
/// `ps`): refused there, read from `KEYRACK_MIGRATE_TO_URL` or `--url-file`; and `--help`
/// never shows the database URL's value from the environment.
#[tokio::test]
async fn a_password_never_goes_on_the_command_line_or_into_help() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = format!("sqlite://{}", dir.path().join("keyrack.db").display());
    let with_password = "postgres://keyrack:s3cret@127.0.0.1:9/keyrack";
    let out = migrate_to_with(&sqlite, &[with_password], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("holds a password")
            && stderr.contains("KEYRACK_MIGRATE_TO_URL")
            && stderr.contains("--url-file"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret"), "{stderr}");
    assert!(
        !dir.path().join("keyrack.db").exists(),
        "nothing was opened"
    );

    // From a file or the environment the same URL is taken: the run goes on to the source,
    // which does not exist here.
    let file = dir.path().join("target-url");
    std::fs::write(&file, format!("{with_password}\n")).expect("write");
    for out in [
        migrate_to_with(&sqlite, &["--url-file", file.to_str().expect("UTF-8")], &[]),
        migrate_to(&sqlite, with_password),
    ] {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(stderr.contains("no database file at"), "{stderr}");
        assert!(!stderr.contains("s3cret"), "{stderr}");
    }
    // Without any target.
    let out = migrate_to_with(&sqlite, &[], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("migrate-to needs the target URL"),
        "{stderr}"
    );

    let help = std::process::Command::new(env!("CARGO_BIN_EXE_keyrack-server"))
        .arg("--help")
        .env("KEYRACK_DATABASE_URL", with_password)
        .env("KEYRACK_BOOTSTRAP_TOKEN", "s3cret-bootstrap")
        .output()
        .expect("--help");
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(help.status.success());
    assert!(text.contains("KEYRACK_DATABASE_URL"), "{text}");
    assert!(!text.contains("s3cret"), "{text}");
}

/// The token-names migration makes names of valid admin and viewer tokens unique: on a
/// database that already holds duplicates (as one made before it may) it renames the later
/// ones instead of failing, leaves revoked and agent tokens alone, and from then on the
/// database refuses a duplicate. On the backend `KEYRACK_TEST_DATABASE` names.
#[tokio::test]
async fn the_token_names_migration_renames_existing_duplicates_then_enforces_uniqueness() {
    use common::database::Backend;
    use sqlx::migrate::Migrator;

    const TOKEN_NAMES: i64 = 20_261_220_000_000;
    let db = TestDb::new().await;
    let (dir, url) = match db.backend() {
        Backend::Sqlite => ("migrations/sqlite", format!("{}?mode=rwc", db.url())),
        Backend::Postgres => ("migrations/postgres", db.url().to_owned()),
    };
    let mut before = Migrator::new(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
        .await
        .expect("read the migrations");
    assert!(
        before.migrations.iter().any(|m| m.version == TOKEN_NAMES),
        "the migration exists for this backend"
    );
    before.migrations = before
        .migrations
        .iter()
        .filter(|m| m.version < TOKEN_NAMES)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&url).await.expect("connect");
    before.run(&mut conn).await.expect("the earlier migrations");
    let rows = [
        (
            "tok-a0000001",
            "ops",
            "admin",
            "2026-01-01T00:00:00.000Z",
            None,
        ),
        (
            "tok-a0000002",
            "OPS",
            "viewer",
            "2026-01-02T00:00:00.000Z",
            None,
        ),
        (
            "tok-a0000003",
            "ops",
            "viewer",
            "2026-01-02T00:00:00.000Z",
            None,
        ),
        (
            "tok-a0000004",
            "ops",
            "admin",
            "2025-12-01T00:00:00.000Z",
            Some("2026-01-05T00:00:00.000Z"),
        ),
        (
            "tok-a0000005",
            "ops",
            "agent",
            "2025-12-02T00:00:00.000Z",
            None,
        ),
        (
            "tok-a0000006",
            "Ключ",
            "viewer",
            "2026-01-03T00:00:00.000Z",
            None,
        ),
        (
            "tok-a0000007",
            "ключ",
            "viewer",
            "2026-01-04T00:00:00.000Z",
            None,
        ),
        (
            "tok-a0000008",
            "ci",
            "viewer",
            "2026-01-04T00:00:00.000Z",
            None,
        ),
    ];
    for (id, name, role, created_at, revoked_at) in rows {
        sqlx::query(
            "INSERT INTO tokens (id, name, role, token_sha256, created_at, revoked_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(name)
        .bind(role)
        .bind(format!("hash-of-{id}"))
        .bind(created_at)
        .bind(revoked_at)
        .execute(&mut conn)
        .await
        .expect("insert a token");
    }
    conn.close().await.ok();

    let store = keyrack_server::Store::open(db.url()).await.expect("open");
    store
        .migrate()
        .await
        .expect("the token-names migration applies");
    let names: Vec<(String, String)> = store
        .list_tokens()
        .await
        .expect("list")
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let expected = [
        ("tok-a0000001", "ops"),
        ("tok-a0000002", "OPS (tok-a0000002)"),
        ("tok-a0000003", "ops (tok-a0000003)"),
        ("tok-a0000004", "ops"),
        ("tok-a0000005", "ops"),
        ("tok-a0000006", "Ключ"),
        ("tok-a0000007", "ключ"),
        ("tok-a0000008", "ci"),
    ];
    for (id, name) in expected {
        assert!(
            names.iter().any(|(i, n)| i == id && n == name),
            "{id} should be named {name:?}: {names:?}"
        );
    }
    // From now on the database itself refuses a duplicate, whatever the case of A–Z.
    let refused = keyrack_server::service::tokens::create(
        &store,
        keyrack_api::CreateToken {
            name: "Ops".into(),
            role: keyrack_api::TokenRole::Viewer,
        },
    )
    .await
    .expect_err("a duplicate name");
    assert_eq!(
        refused.to_api_error().code,
        keyrack_api::ErrorCode::token_name_duplicate("Ops")
    );
    store.close().await;
}
