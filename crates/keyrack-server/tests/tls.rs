//! HTTPS served by the server itself: `--tls-cert`/`--tls-key` (PEM), the
//! `Strict-Transport-Security` header that comes with it, the startup errors of a wrong
//! pair of flags or files (a key others may read included), the certificate read again on
//! SIGHUP, and the time limits on handshakes and request headers. The real binary, spoken to
//! over TLS with a test CA.

mod common;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::tls::TestTls;
use common::Server;
use reqwest::Method;

const HSTS: &str = "max-age=31536000";

#[tokio::test]
async fn https_answers_carry_hsts_and_plain_http_answers_do_not() {
    let tls = TestTls::new();
    let server = Server::start_tls(&[], &tls).await;
    assert!(
        server.base.starts_with("https://127.0.0.1:"),
        "the banner names the scheme served: {}",
        server.base
    );
    // Every answer: public, refused, authorised, unknown.
    for (path, token, status) in [
        ("/healthz", None, 200),
        ("/api/v1/openapi.json", None, 200),
        ("/api/v1/key-pairs", None, 401),
        ("/api/v1/key-pairs", Some(common::TOKEN), 200),
        ("/api/v1/nowhere", Some(common::TOKEN), 404),
    ] {
        let r = server.request(Method::GET, path, token, &[], None).await;
        assert_eq!(r.status, status, "{path}: {}", r.text);
        assert_eq!(
            r.header("strict-transport-security"),
            Some(HSTS),
            "{path} over HTTPS"
        );
    }
    // The port speaks TLS only, and only to clients that trust the certificate.
    let port = server.base.rsplit(':').next().expect("port");
    let plain = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await;
    assert!(plain.is_err(), "plain HTTP on the HTTPS port: {plain:?}");
    let untrusting = TestTls::new().client();
    let r = untrusting
        .get(format!("{}/healthz", server.base))
        .send()
        .await;
    assert!(r.is_err(), "a certificate of another CA must be refused");

    let plain = Server::start(&[]).await;
    assert!(
        plain.base.starts_with("http://127.0.0.1:"),
        "{}",
        plain.base
    );
    for path in ["/healthz", "/api/v1/key-pairs"] {
        let r = plain.request(Method::GET, path, None, &[], None).await;
        assert_eq!(
            r.header("strict-transport-security"),
            None,
            "{path} over plain HTTP"
        );
    }
}

#[tokio::test]
async fn https_stops_gracefully_on_sigterm() {
    let tls = TestTls::new();
    let mut server = Server::start_tls(&[], &tls).await;
    assert_eq!(server.get("/key-pairs").await.status, 200);
    let status = server.terminate();
    assert!(status.success(), "{status}");
}

#[test]
fn wrong_tls_flags_or_files_stop_the_start_before_the_database() {
    let tls = TestTls::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("keyrack.db");
    let missing = dir.path().join("missing.pem");
    let group_readable = dir.path().join("group-readable-key.pem");
    std::fs::copy(&tls.key, &group_readable).expect("copy the key");
    set_mode(&group_readable, 0o640);
    let path = |p: &Path| p.display().to_string();
    let both = |cert: &Path, key: &Path| {
        vec![
            "--tls-cert".to_owned(),
            path(cert),
            "--tls-key".to_owned(),
            path(key),
        ]
    };
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["--tls-cert".into(), path(&tls.cert)], "--tls-key"),
        (vec!["--tls-key".into(), path(&tls.key)], "--tls-cert"),
        (both(&missing, &tls.key), "--tls-cert"),
        (both(&tls.cert, &missing), "--tls-key"),
        // A certificate where the key should be.
        (both(&tls.cert, &tls.cert), "--tls-key"),
        // A key where the certificate should be.
        (both(&tls.key, &tls.key), "--tls-cert"),
        // A key its group may read.
        (both(&tls.cert, &group_readable), "chmod 600"),
        // Both readable, but the key is not the certificate's.
        (
            both(&tls.cert, &TestTls::new_in(dir.path()).key),
            "--tls-key",
        ),
    ];
    for (flags, named) in cases {
        let mut command = Command::new(env!("CARGO_BIN_EXE_keyrack-server"));
        command
            .args(["--listen", "127.0.0.1:0", "--database"])
            .arg(format!("sqlite://{}", db.display()))
            .args(&flags)
            .env("RUST_LOG", "warn");
        for (var, _) in std::env::vars() {
            if var.starts_with("KEYRACK_") {
                command.env_remove(var);
            }
        }
        let out = common::process::run_expecting_exit(command, &format!("{flags:?}"));
        let status = out.status;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!status.success(), "{flags:?}");
        assert!(
            stderr.contains(named),
            "{flags:?} must name {named}: {stderr}"
        );
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("listening on"),
            "{flags:?}"
        );
        assert!(!db.exists(), "{flags:?}: the database was touched");
    }
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(mode))
        .expect("chmod");
}

/// Issue #23: an expired certificate used to lock every agent out until a restart. After a
/// renewal, SIGHUP makes new connections get the new certificate, while a connection opened
/// before keeps working; a pair that does not load on SIGHUP leaves the one in use.
#[tokio::test]
async fn sighup_reads_a_renewed_certificate_without_dropping_connections() {
    let first = TestTls::new();
    // The server reads the files it was started with; a renewal rewrites them in place.
    let dir = tempfile::tempdir().expect("temp dir");
    let served = first.copy_to(dir.path());
    let server = Server::start_tls(&[], &served).await;
    let before = first.client();
    let get = |client: &reqwest::Client| {
        client
            .get(format!("{}/api/v1/key-pairs", server.base))
            .bearer_auth(common::TOKEN)
            .send()
    };
    assert_eq!(get(&before).await.expect("first").status(), 200);

    // A renewal by another CA, so that the certificate presented tells which is in use.
    let renewed = TestTls::new();
    std::fs::copy(&renewed.cert, &served.cert).expect("cert");
    std::fs::copy(&renewed.key, &served.key).expect("key");
    hang_up(&server);
    let after = renewed.client();
    let mut fresh = false;
    for _ in 0..50 {
        if get(&after).await.is_ok_and(|r| r.status() == 200) {
            fresh = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(fresh, "a new connection gets the renewed certificate");
    // `before` trusts only the first CA: it can only be answered on the connection it kept.
    assert_eq!(get(&before).await.expect("kept").status(), 200);

    // A broken renewal is refused on SIGHUP and the renewed certificate stays in use.
    std::fs::write(&served.cert, "not a certificate").expect("break the cert");
    hang_up(&server);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let newest = renewed.client();
    assert_eq!(get(&newest).await.expect("still served").status(), 200);
}

fn hang_up(server: &Server) {
    let sent = Command::new("kill")
        .args(["-HUP", &server.pid().to_string()])
        .status();
    assert!(sent.is_ok_and(|s| s.success()), "kill -HUP");
}

/// Issue #23: a client that opens a connection and never finishes its TLS handshake (10 s),
/// or its request headers (`--header-read-timeout-secs`), is dropped after the limit instead
/// of holding a socket forever.
#[tokio::test]
async fn silent_handshakes_and_slow_headers_are_cut_off() {
    let tls = TestTls::new();
    let https = Server::start_tls(&[], &tls).await;
    let http = Server::start(&["--header-read-timeout-secs", "2"]).await;
    let address = |server: &Server| server.base.rsplit("//").next().expect("address").to_owned();
    let (https_addr, http_addr) = (address(&https), address(&http));
    // Both clients in parallel: each waits out its limit.
    let silent = std::thread::spawn(move || closed_after(&https_addr, b""));
    let slow = std::thread::spawn(move || {
        closed_after(&http_addr, b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    });
    let (silent, slow) = (silent.join().expect("thread"), slow.join().expect("thread"));
    assert!(
        silent >= Duration::from_secs(9) && silent < Duration::from_secs(20),
        "a silent TLS client was dropped after {silent:?}"
    );
    assert!(
        slow >= Duration::from_millis(1_900) && slow < Duration::from_secs(8),
        "slow request headers were cut off after {slow:?}"
    );
    // Both servers still answer (new connections: the idle ones were closed too).
    for (server, client) in [(&https, tls.client()), (&http, reqwest::Client::new())] {
        let r = client
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            .expect("answer");
        assert_eq!(r.status(), 200);
    }
}

/// Connects, sends `first`, then nothing: how long until the server closes the connection.
fn closed_after(address: &str, first: &[u8]) -> Duration {
    let started = Instant::now();
    let mut stream = TcpStream::connect(address).expect("connect");
    stream.write_all(first).expect("send");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut buffer = [0_u8; 1024];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return started.elapsed(),
            // A 408 or an alert before the close is fine: wait for the close itself.
            Ok(_) => {}
        }
    }
}
