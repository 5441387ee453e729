//! The server's link to PostgreSQL, against a cluster of the test's own whose certificate a
//! test CA signed for `localhost`. TLS: `verify-full` encrypts every connection of the
//! server; a wrong host name, an unknown CA and `--database-require-tls` with a weaker mode
//! each stop the start with a clear message; a host that is not loopback below `verify-full`
//! starts with a warning. Losing it: `/readyz` says so, requests answer 503, not 500, and all
//! comes back when the database does.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::pg_cluster::{new_ca, PgCluster};
use common::{random_ed25519_line, Server, TOKEN};
use serde_json::json;
use sqlx::{Connection, Executor, PgConnection};

/// A cluster serving a certificate for `localhost`, and a database `keyrack` on it.
async fn cluster() -> PgCluster {
    let cluster = PgCluster::start_tls(&["localhost"]);
    let admin = cluster.url("localhost", "postgres", &cluster.verify_full());
    let mut conn = PgConnection::connect(&admin)
        .await
        .expect("the admin connection over verify-full");
    conn.execute("CREATE DATABASE keyrack")
        .await
        .expect("create the database");
    conn.close().await.ok();
    cluster
}

/// What a start of the server binary came to: whether it listened, and all it logged (it is
/// stopped as soon as it listens, or after 30 s).
struct Start {
    listened: bool,
    success: bool,
    stderr: String,
}

fn start(args: &[&str], env: &[(&str, &str)]) -> Start {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("stderr.log");
    let mut command = Command::new(env!("CARGO_BIN_EXE_keyrack-server"));
    command
        .args(["--listen", "127.0.0.1:0", "--bootstrap-token", TOKEN])
        .arg("--admin-token-file")
        .arg(dir.path().join("admin-token"))
        .args(args)
        .env_remove("KEYRACK_DATABASE_URL")
        .env_remove("KEYRACK_DATABASE_REQUIRE_TLS")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).expect("log file"));
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("start keyrack-server");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut listened = false;
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(30)) {
        if line.contains("listening on") {
            listened = true;
            break;
        }
    }
    let _ = child.kill();
    let status = child.wait().expect("wait");
    Start {
        listened,
        success: status.success(),
        stderr: std::fs::read_to_string(&log).unwrap_or_default(),
    }
}

fn assert_refused(start: &Start, words: &[&str]) {
    assert!(!start.listened, "it started: {}", start.stderr);
    assert!(!start.success, "{}", start.stderr);
    for w in words {
        assert!(start.stderr.contains(w), "{w:?} not in: {}", start.stderr);
    }
}

#[tokio::test]
async fn verify_full_encrypts_every_connection_of_the_server() {
    let cluster = cluster().await;
    let url = cluster.url("localhost", "keyrack", &cluster.verify_full());
    let server = Server::spawn(
        &url,
        &[
            "--rate-limit-per-minute",
            "0",
            "--database-max-connections",
            "4",
        ],
        true,
    )
    .await;
    // Enough at once that the pool opens several connections.
    let mut creates = Vec::new();
    for n in 0..12 {
        let name = format!("tls-{n}");
        let body = json!({"name": name, "public_key": random_ed25519_line(&name)});
        creates.push(server.post("/key-pairs", body));
    }
    for r in futures_util::future::join_all(creates).await {
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let list = server.get("/key-pairs?limit=100").await;
    assert_eq!(list.body["total"], 12, "{}", list.text);

    let admin = cluster.url("localhost", "postgres", &cluster.verify_full());
    let mut conn = PgConnection::connect(&admin).await.expect("admin");
    let rows: Vec<(i32, bool, Option<String>)> = sqlx::query_as(
        "SELECT pid, ssl, version FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) \
         WHERE datname = 'keyrack'",
    )
    .fetch_all(&mut conn)
    .await
    .expect("pg_stat_ssl");
    conn.close().await.ok();
    println!("the server's connections: {rows:?}");
    assert!(!rows.is_empty(), "the server holds connections");
    for (pid, ssl, version) in &rows {
        assert!(*ssl, "backend {pid} of the server is not encrypted");
        assert!(
            version.as_deref().is_some_and(|v| v.starts_with("TLS")),
            "{version:?}"
        );
    }
}

#[tokio::test]
async fn verify_full_stops_the_start_on_a_wrong_name_or_an_unknown_ca() {
    let cluster = cluster().await;

    // The certificate names localhost; reached as 127.0.0.1 it does not match.
    let by_address = cluster.url("127.0.0.1", "keyrack", &cluster.verify_full());
    let refused = start(&["--database", &by_address], &[]);
    assert_refused(
        &refused,
        &["certificate of 127.0.0.1 is not valid for the name 127.0.0.1"],
    );

    // The right name, but the CA given is not the one that signed it.
    let (other_ca, _) = new_ca("Some other CA");
    let dir = tempfile::tempdir().expect("temp dir");
    let other = dir.path().join("other-ca.pem");
    std::fs::write(&other, other_ca).expect("write");
    let unknown_ca = cluster.url(
        "localhost",
        "keyrack",
        &format!("sslmode=verify-full&sslrootcert={}", other.display()),
    );
    let refused = start(&["--database", &unknown_ca], &[]);
    assert_refused(
        &refused,
        &["not signed by a CA this server trusts", "sslrootcert"],
    );

    // verify-ca should skip the name, but sqlx 0.8.6 forgives only rustls' old
    // `NotValidForName`, and rustls 0.23.46 reports `NotValidForNameContext`: verify-ca
    // checks the name too, stricter than libpq (docs/deploy.md says so). Should this start
    // passing, sqlx changed: update the docs.
    let verify_ca = cluster.url(
        "127.0.0.1",
        "keyrack",
        &format!("sslmode=verify-ca&sslrootcert={}", cluster.ca.display()),
    );
    assert_refused(
        &start(&["--database", &verify_ca], &[]),
        &["not valid for the name 127.0.0.1"],
    );
    let verify_ca = cluster.url(
        "localhost",
        "keyrack",
        &format!("sslmode=verify-ca&sslrootcert={}", cluster.ca.display()),
    );
    let started = start(&["--database", &verify_ca], &[]);
    assert!(started.listened, "{}", started.stderr);
}

#[tokio::test]
async fn require_tls_refuses_an_unchecked_certificate() {
    let cluster = cluster().await;
    let require = cluster.url("localhost", "keyrack", "sslmode=require");
    let refused = start(&["--database", &require, "--database-require-tls"], &[]);
    assert_refused(
        &refused,
        &["--database-require-tls", "sslmode=require", "verify-full"],
    );
    let refused = start(
        &["--database", &require],
        &[("KEYRACK_DATABASE_REQUIRE_TLS", "true")],
    );
    assert_refused(&refused, &["--database-require-tls"]);
    // Nothing was created: the refusal comes before connecting.
    let admin = cluster.url("localhost", "keyrack", &cluster.verify_full());
    let mut conn = PgConnection::connect(&admin).await.expect("admin");
    let tables: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .fetch_one(&mut conn)
    .await
    .expect("count");
    assert_eq!(tables, 0);
    conn.close().await.ok();

    // verify-full passes, and so does require with a root certificate (run as verify-ca).
    let full = cluster.url("localhost", "keyrack", &cluster.verify_full());
    let started = start(&["--database", &full, "--database-require-tls"], &[]);
    assert!(started.listened, "{}", started.stderr);
    let require_with_ca = cluster.url(
        "localhost",
        "keyrack",
        &format!("sslmode=require&sslrootcert={}", cluster.ca.display()),
    );
    let started = start(
        &["--database", &require_with_ca, "--database-require-tls"],
        &[],
    );
    assert!(started.listened, "{}", started.stderr);
    // …and then checks the CA, as libpq does: another CA is refused.
    let (other_ca, _) = new_ca("Some other CA");
    let other = cluster.dir().join("other-ca.pem");
    std::fs::write(&other, other_ca).expect("write");
    let require_other = cluster.url(
        "localhost",
        "keyrack",
        &format!("sslmode=require&sslrootcert={}", other.display()),
    );
    assert_refused(
        &start(&["--database", &require_other], &[]),
        &["not signed by a CA this server trusts"],
    );
}

/// How the warning about an unprotected database connection begins.
const WARNING: &str = "the database connection to";

/// A name of this machine that resolves to loopback without being `localhost` or a literal
/// address: the machine's host name, on the machines this project runs on.
fn loopback_alias() -> Option<String> {
    use std::net::ToSocketAddrs;
    let name = std::fs::read_to_string("/etc/hostname")
        .ok()?
        .trim()
        .to_owned();
    let resolves_to_loopback = (name.as_str(), 5432)
        .to_socket_addrs()
        .ok()?
        .all(|a| a.ip().is_loopback());
    (!name.is_empty() && name != "localhost" && resolves_to_loopback).then_some(name)
}

#[tokio::test]
async fn a_host_that_is_not_loopback_below_verify_full_is_warned_about() {
    let cluster = cluster().await;
    // Loopback, whatever the mode: no warning.
    for host in ["localhost", "127.0.0.1"] {
        let url = cluster.url(host, "keyrack", "sslmode=require");
        let started = start(&["--database", &url], &[]);
        assert!(started.listened, "{}", started.stderr);
        assert!(!started.stderr.contains(WARNING), "{}", started.stderr);
    }
    let Some(alias) = loopback_alias() else {
        println!("skipped the warning: this machine's host name does not resolve to loopback");
        return;
    };
    let url = cluster.url(&alias, "keyrack", "sslmode=require");
    let started = start(&["--database", &url], &[]);
    assert!(started.listened, "{}", started.stderr);
    let warnings: Vec<&str> = started
        .stderr
        .lines()
        .filter(|l| l.contains(WARNING))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", started.stderr);
    assert!(
        warnings[0].contains("WARN")
            && warnings[0].contains(&format!("{WARNING} {alias} (sslmode=require)"))
            && warnings[0].contains("certificate is not checked")
            && warnings[0].contains("verify-full"),
        "{}",
        warnings[0]
    );
    // verify-full to the same host is not warned about (the certificate names localhost, so
    // it cannot connect; the warning, or its absence, comes first).
    let url = cluster.url(&alias, "keyrack", &cluster.verify_full());
    let refused = start(&["--database", &url], &[]);
    assert!(!refused.stderr.contains(WARNING), "{}", refused.stderr);
}

#[tokio::test]
async fn readyz_follows_the_database_and_requests_answer_503_while_it_is_gone() {
    let cluster = cluster().await;
    let url = cluster.url("localhost", "keyrack", &cluster.verify_full());
    let server = Server::spawn(&url, &["--rate-limit-per-minute", "0"], true).await;
    let status = |path: &'static str| {
        let server = &server;
        async move {
            server
                .request(reqwest::Method::GET, path, None, &[], None)
                .await
        }
    };
    let ready = status("/readyz").await;
    assert_eq!((ready.status, ready.text.as_str()), (200, "ready"));
    let created = server
        .create("before", &random_ed25519_line("before"))
        .await;

    cluster.stop();
    let started = std::time::Instant::now();
    let not_ready = status("/readyz").await;
    println!(
        "/readyz answered {} in {:?}",
        not_ready.status,
        started.elapsed()
    );
    common::assert_refused(&not_ready, keyrack_api::ErrorCode::DatabaseUnavailable);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        status("/healthz").await.status,
        200,
        "the process itself serves"
    );
    let r = server.get("/key-pairs?limit=5").await;
    common::assert_refused(&r, keyrack_api::ErrorCode::DatabaseUnavailable);
    assert!(r.text.contains("may have completed"), "{}", r.text);

    cluster.start();
    let mut back = false;
    for _ in 0..50 {
        if status("/readyz").await.status == 200 {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(back, "/readyz never recovered");
    let id = created.id.as_str();
    let r = server.get(&format!("/key-pairs/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    server.create("after", &random_ed25519_line("after")).await;
}
