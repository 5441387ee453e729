//! The real `keyrack-server` binary on a free port, spoken to over HTTP.

use std::future::Future;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{Harness, Request, Resp, TestDb, Transport, TOKEN};

/// A running server process, killed when dropped.
pub struct Process {
    child: Child,
    /// `http://127.0.0.1:<port>` (`https://` with `--tls-cert`).
    pub base: String,
    /// Lines the server printed on stdout before it listened.
    pub banner: Vec<String>,
    client: reqwest::Client,
    /// Holds the first admin token's file on PostgreSQL (on SQLite it goes beside the
    /// database, in the test's own directory).
    _scratch: tempfile::TempDir,
}

impl Transport for Process {
    fn send(&self, req: Request) -> impl Future<Output = Result<Resp, String>> + Send {
        let (parts, body) = req.into_parts();
        let mut req = self
            .client
            .request(parts.method, format!("{}{}", self.base, parts.uri))
            .headers(parts.headers);
        if let Some(body) = body {
            req = req.body(body);
        }
        async move {
            let response = req.send().await.map_err(|e| e.to_string())?;
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = response.bytes().await.map_err(|e| e.to_string())?;
            Ok(Resp::new(status, headers, &bytes))
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Process {
    /// SIGKILL, and waits.
    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `command` (the server binary, configured), which must stop by itself within 20 s
/// because it refuses to start: what it printed and how it exited. If it keeps running it
/// is killed and the test fails, naming `what`.
pub fn run_expecting_exit(mut command: Command, what: &str) -> std::process::Output {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("start keyrack-server");
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: the server started instead of refusing to");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

/// The tests' HTTP client: idle connections are dropped before the server's own idle limit
/// (`--header-read-timeout-secs`, 30 s) closes them, so a test that pauses never reuses one
/// the server just closed.
pub fn pooled_client() -> reqwest::ClientBuilder {
    reqwest::Client::builder().pool_idle_timeout(std::time::Duration::from_secs(20))
}

impl Harness<Process> {
    /// A server with a fresh database and the bootstrap token, plus `args`.
    pub async fn start(args: &[&str]) -> Self {
        let db = TestDb::new().await;
        let mut server = Self::spawn(db.url(), args, true).await;
        server.db = Some(db);
        server
    }

    /// A server on the given database.
    pub async fn spawn(database_url: &str, args: &[&str], bootstrap: bool) -> Self {
        Self::spawn_with(
            database_url,
            args,
            bootstrap,
            pooled_client().build().expect("HTTP client"),
        )
        .await
    }

    /// A server serving HTTPS (`--tls-cert`/`--tls-key` of `tls`) with a fresh database and
    /// the bootstrap token, plus `args`; its client trusts `tls`'s CA.
    pub async fn start_tls(args: &[&str], tls: &super::tls::TestTls) -> Self {
        let db = TestDb::new().await;
        let cert = tls.cert.display().to_string();
        let key = tls.key.display().to_string();
        let mut all = vec!["--tls-cert", cert.as_str(), "--tls-key", key.as_str()];
        all.extend_from_slice(args);
        let mut server = Self::spawn_with(db.url(), &all, true, tls.client()).await;
        server.db = Some(db);
        server
    }

    /// [`Self::spawn`] with the HTTP client tests use to talk to it.
    pub async fn spawn_with(
        database_url: &str,
        args: &[&str],
        bootstrap: bool,
        client: reqwest::Client,
    ) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_keyrack-server"));
        command
            .args(["--listen", "127.0.0.1:0", "--database", database_url])
            .args(args)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for var in [
            "KEYRACK_LISTEN",
            "KEYRACK_DATABASE_URL",
            "KEYRACK_DIST",
            "KEYRACK_DEMO",
            "KEYRACK_BOOTSTRAP_TOKEN",
            "KEYRACK_BOOTSTRAP_TOKEN_FILE",
            "KEYRACK_ADMIN_TOKEN_FILE",
            "KEYRACK_KEY_PAIR_QUOTA",
            "KEYRACK_TRANSITION_DELAY_MS",
            "KEYRACK_RATE_LIMIT_PER_MINUTE",
            "KEYRACK_CORS_ORIGIN",
            "KEYRACK_REQUEST_TIMEOUT_SECS",
            "KEYRACK_AGENT_RATE_LIMIT_PER_MINUTE",
            "KEYRACK_AGENT_REPORT_RATE_LIMIT_PER_MINUTE",
            "KEYRACK_UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE",
            "KEYRACK_TRUSTED_PROXY",
            "KEYRACK_AUDIT_RETENTION_DAYS",
            "KEYRACK_AUDIT_REFUSAL_INTERVAL_SECS",
            "KEYRACK_TLS_CERT",
            "KEYRACK_TLS_KEY",
            "KEYRACK_HEADER_READ_TIMEOUT_SECS",
        ] {
            command.env_remove(var);
        }
        if bootstrap {
            command.args(["--bootstrap-token", TOKEN]);
        }
        let scratch = tempfile::tempdir().expect("temp dir");
        if database_url.starts_with("postgres") && !args.contains(&"--admin-token-file") {
            command
                .arg("--admin-token-file")
                .arg(scratch.path().join("initial-admin-token"));
        }
        let mut child = command.spawn().expect("start keyrack-server");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        // Keep draining stdout for the server's whole life so it never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut banner = Vec::new();
        let base = loop {
            let line = rx
                .recv_timeout(Duration::from_secs(20))
                .expect("the server printed its listen URL in time");
            if let Some(url) = line.split("listening on ").nth(1) {
                break url.trim().to_owned();
            }
            banner.push(line);
        };
        // A new database without a bootstrap token: the first admin token is in a file.
        let token = banner
            .iter()
            .find_map(|l| l.strip_prefix("Admin token written to "))
            .map_or_else(
                || TOKEN.to_owned(),
                |file| {
                    std::fs::read_to_string(file.trim())
                        .expect("the admin token file")
                        .trim()
                        .to_owned()
                },
            );
        let server = Self {
            transport: Process {
                child,
                base,
                banner,
                client,
                _scratch: scratch,
            },
            token,
            db: None,
        };
        server.wait_healthy().await;
        server
    }

    async fn wait_healthy(&self) {
        for _ in 0..100 {
            if let Ok(r) = self
                .client
                .get(format!("{}/healthz", self.base))
                .send()
                .await
            {
                if r.status().is_success() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server never became healthy");
    }

    /// The server's process id.
    #[allow(dead_code)]
    pub fn pid(&self) -> u32 {
        self.transport.child.id()
    }

    /// Stops the server (SIGKILL: nothing gets a chance to flush, which is the point of the
    /// durability tests) and waits for it.
    pub fn stop(&mut self) {
        self.transport.stop();
    }

    /// Sends SIGTERM, as a service manager stops a replica, and waits (at most 10 s) for the
    /// process to end; its exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let child = &mut self.transport.child;
        let pid = child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -TERM {pid}");
        for _ in 0..200 {
            if let Some(status) = child.try_wait().expect("wait") {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the server did not stop within 10 s of SIGTERM");
    }
}
