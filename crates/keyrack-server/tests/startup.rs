//! Starting the real binary: how strong a bootstrap token must be and where it may come from,
//! and the modes of what the server writes to disk (the SQLite database and its directory,
//! the first admin token). These are SQLite files whatever `KEYRACK_TEST_DATABASE` says: the
//! checks run before any database is opened, and only SQLite has files.

mod common;

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Command, ExitStatus};

use common::Server;
use reqwest::Method;

/// From `openssl rand -base64 32`.
const STRONG: &str = "Jc8r0bJ2p6m3F/1pQ0bq3Yk9XzVh+LxN4w7aTgE5dKs=";

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn sqlite_url(db: &Path) -> String {
    format!("sqlite://{}", db.display())
}

/// Runs the binary on `database` with `args` (and `env`) and expects it to stop by itself
/// within 20 s: its exit status and stderr. Panics if it is still running (it started).
fn start_expecting_exit(
    database: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> (ExitStatus, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_keyrack-server"));
    command
        .args(["--listen", "127.0.0.1:0", "--database", database])
        .args(args)
        .env("RUST_LOG", "warn")
        .env("NO_COLOR", "1")
        .env_remove("KEYRACK_BOOTSTRAP_TOKEN")
        .env_remove("KEYRACK_BOOTSTRAP_TOKEN_FILE")
        .env_remove("KEYRACK_ADMIN_TOKEN_FILE")
        .env_remove("KEYRACK_DATABASE_URL")
        .env_remove("KEYRACK_LISTEN")
        .envs(env.iter().copied());
    let out = common::process::run_expecting_exit(command, &format!("keyrack-server {args:?}"));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status, stderr)
}

/// A refused start: non-zero, the advice on stderr, and no database made.
fn assert_refused(args: &[&str], env: &[(&str, &str)], why: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("data/keyrack.db");
    let (status, stderr) = start_expecting_exit(&sqlite_url(&db), args, env);
    assert!(!status.success(), "{args:?}: {status}\n{stderr}");
    for needed in [
        "the bootstrap token is too weak",
        why,
        "at least 32 characters and 128 bits of estimated entropy",
        "openssl rand -base64 32",
        "--bootstrap-token-file",
    ] {
        assert!(
            stderr.contains(needed),
            "{args:?}: no {needed:?} in\n{stderr}"
        );
    }
    assert!(!db.exists(), "a refused start made {}", db.display());
}

#[test]
fn a_short_bootstrap_token_stops_the_server() {
    assert_refused(&["--bootstrap-token", "dev"], &[], "it has 3 characters");
    // From the environment, the same rule.
    assert_refused(
        &[],
        &[("KEYRACK_BOOTSTRAP_TOKEN", "dev")],
        "it has 3 characters",
    );
}

#[test]
fn a_long_but_predictable_bootstrap_token_stops_the_server() {
    let repeated = "password".repeat(4);
    assert_eq!(repeated.len(), 32);
    assert_refused(
        &["--bootstrap-token", &repeated],
        &[],
        "bits of estimated entropy",
    );
    let same = "a".repeat(40);
    assert_refused(
        &[],
        &[("KEYRACK_BOOTSTRAP_TOKEN", same.as_str())],
        "about 0 bits of estimated entropy",
    );
}

#[test]
fn a_weak_token_in_the_bootstrap_file_stops_the_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("token");
    std::fs::write(&file, "dev\n").expect("write");
    let file = file.to_str().expect("utf-8 path");
    assert_refused(
        &["--bootstrap-token-file", file],
        &[],
        "it has 3 characters",
    );
}

#[test]
fn the_two_bootstrap_flags_exclude_each_other() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("token");
    std::fs::write(&file, STRONG).expect("write");
    let (status, stderr) = start_expecting_exit(
        &sqlite_url(&dir.path().join("keyrack.db")),
        &[
            "--bootstrap-token",
            STRONG,
            "--bootstrap-token-file",
            file.to_str().expect("utf-8 path"),
        ],
        &[],
    );
    assert!(!status.success(), "{status}");
    assert!(stderr.contains("cannot be used with"), "{stderr}");
}

#[tokio::test]
async fn a_strong_bootstrap_token_is_accepted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = sqlite_url(&dir.path().join("keyrack.db"));
    let server = Server::spawn(&url, &["--bootstrap-token", STRONG], false).await;
    let r = server
        .request(Method::GET, "/api/v1/key-pairs", Some(STRONG), &[], None)
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    // With a bootstrap token, no other admin token is made.
    assert!(!dir.path().join("initial-admin-token").exists());
}

#[tokio::test]
async fn the_bootstrap_token_can_come_from_a_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("bootstrap-token");
    std::fs::write(&file, format!("{STRONG}\n")).expect("write");
    let url = sqlite_url(&dir.path().join("keyrack.db"));
    let file = file.to_str().expect("utf-8 path");
    let server = Server::spawn(&url, &["--bootstrap-token-file", file], false).await;
    // The final newline is not part of the token.
    let r = server
        .request(Method::GET, "/api/v1/key-pairs", Some(STRONG), &[], None)
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

#[tokio::test]
async fn a_new_sqlite_database_its_directory_and_the_first_admin_token_are_private() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let db = data.join("keyrack.db");
    let mut server = Server::spawn(&sqlite_url(&db), &[], false).await;

    assert_eq!(mode(&data), 0o700, "the data directory");
    for file in ["keyrack.db", "keyrack.db-wal", "keyrack.db-shm"] {
        assert_eq!(mode(&data.join(file)), 0o600, "{file}");
    }

    // The first admin token: in a 0600 file beside the database; stdout says where, only.
    let token_file = data.join("initial-admin-token");
    assert_eq!(mode(&token_file), 0o600, "the admin token file");
    let token = std::fs::read_to_string(&token_file).expect("read the token");
    let token = token.trim();
    assert!(token.starts_with("kr_") && token.len() > 40, "{token}");
    let announced = server
        .banner
        .iter()
        .find_map(|l| l.strip_prefix("Admin token written to "))
        .unwrap_or_else(|| panic!("no admin token line in {:?}", server.banner));
    assert_eq!(Path::new(announced.trim()), token_file);
    assert!(
        server.banner.iter().all(|l| !l.contains(token)),
        "{:?}",
        server.banner
    );
    let r = server
        .request(Method::GET, "/api/v1/key-pairs", Some(token), &[], None)
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    server.stop();

    // Files others could read are made private again on the next start.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let server = Server::spawn(&sqlite_url(&db), &[], false).await;
    assert_eq!(mode(&db), 0o600, "the database after a restart");
    assert!(
        server.banner.iter().all(|l| !l.contains("Admin token")),
        "no second admin token: {:?}",
        server.banner
    );
}
