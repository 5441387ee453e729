//! HTTPS served by the server itself: `--tls-cert`/`--tls-key` (PEM), the
//! `Strict-Transport-Security` header that comes with it, and the startup errors of a wrong
//! pair of flags or files. The real binary, spoken to over TLS with a test CA.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
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
    let path = |p: &Path| p.display().to_string();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["--tls-cert".into(), path(&tls.cert)], "--tls-key"),
        (vec!["--tls-key".into(), path(&tls.key)], "--tls-cert"),
        (
            vec![
                "--tls-cert".into(),
                path(&missing),
                "--tls-key".into(),
                path(&tls.key),
            ],
            "--tls-cert",
        ),
        (
            vec![
                "--tls-cert".into(),
                path(&tls.cert),
                "--tls-key".into(),
                path(&missing),
            ],
            "--tls-key",
        ),
        // A certificate where the key should be.
        (
            vec![
                "--tls-cert".into(),
                path(&tls.cert),
                "--tls-key".into(),
                path(&tls.cert),
            ],
            "--tls-key",
        ),
        // A key where the certificate should be.
        (
            vec![
                "--tls-cert".into(),
                path(&tls.key),
                "--tls-key".into(),
                path(&tls.key),
            ],
            "--tls-cert",
        ),
        // Both readable, but the key is not the certificate's.
        (
            vec![
                "--tls-cert".into(),
                path(&tls.cert),
                "--tls-key".into(),
                path(&TestTls::new_in(dir.path()).key),
            ],
            "--tls-key",
        ),
    ];
    for (flags, named) in cases {
        let mut command = Command::new(env!("CARGO_BIN_EXE_keyrack-server"));
        command
            .args(["--listen", "127.0.0.1:0", "--database"])
            .arg(format!("sqlite://{}", db.display()))
            .args(&flags)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (var, _) in std::env::vars() {
            if var.starts_with("KEYRACK_") {
                command.env_remove(var);
            }
        }
        let mut child = command.spawn().expect("start keyrack-server");
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{flags:?}: the server started anyway");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let out = child.wait_with_output().expect("output");
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
