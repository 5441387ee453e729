//! Test harness: runs the real `keyrack-server` binary on a free port with a fresh database
//! (SQLite, or PostgreSQL with `KEYRACK_TEST_DATABASE=postgres`), and talks HTTP to it.

#![allow(dead_code)] // each test file uses a different part of the harness

pub mod browser;
pub mod database;
pub mod keyboard;

pub use database::TestDb;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::Value;

/// The admin token every test server registers with `--bootstrap-token`.
pub const TOKEN: &str = "kr_test-bootstrap-token-0123456789abcdef";

/// A running server, killed when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// Lines the server printed on stdout before it listened.
    pub banner: Vec<String>,
    /// Owns the database unless the test does.
    db: Option<TestDb>,
    client: reqwest::Client,
    token: String,
}

/// A response: status, headers and the body as JSON (or a JSON string of the text).
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    /// The header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `error.code` of an error body.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

/// Asserts a refusal in the API's error shape: this status, JSON, this `error.code`, a
/// non-empty message and a `details` object.
pub fn assert_error_shape(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(
        r.header("content-type"),
        Some("application/json"),
        "{}",
        r.text
    );
    let error = r.body["error"].as_object().expect("an error object");
    assert_eq!(error["code"], code, "{}", r.text);
    assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(error["details"].is_object());
}

impl Server {
    /// A server with a fresh database and the bootstrap token, plus `args`.
    pub async fn start(args: &[&str]) -> Self {
        let db = TestDb::new().await;
        let mut server = Self::spawn(db.url(), args, true).await;
        server.db = Some(db);
        server
    }

    /// A server on the given database.
    pub async fn spawn(database_url: &str, args: &[&str], bootstrap: bool) -> Self {
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
            "KEYRACK_KEY_PAIR_QUOTA",
            "KEYRACK_TRANSITION_DELAY_MS",
            "KEYRACK_RATE_LIMIT_PER_MINUTE",
            "KEYRACK_CORS_ORIGIN",
            "KEYRACK_REQUEST_TIMEOUT_SECS",
        ] {
            command.env_remove(var);
        }
        if bootstrap {
            command.args(["--bootstrap-token", TOKEN]);
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
        let token = banner
            .iter()
            .find_map(|l| l.strip_prefix("Admin token (shown once): "))
            .map_or_else(|| TOKEN.to_owned(), str::to_owned);
        let server = Self {
            child,
            base,
            banner,
            db: None,
            client: reqwest::Client::new(),
            token,
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

    /// Stops the server (SIGKILL: nothing gets a chance to flush, which is the point of the
    /// durability tests) and waits for it.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM, as a service manager stops a replica, and waits (at most 10 s) for the
    /// process to end; its exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -TERM {pid}");
        for _ in 0..200 {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the server did not stop within 10 s of SIGTERM");
    }

    /// The token this server accepts.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The database URL, when the server owns its database.
    pub fn database_url(&self) -> Option<&str> {
        self.db.as_ref().map(TestDb::url)
    }

    /// Any request; `path` is absolute (`/api/v1/…`, `/healthz`).
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<Body>,
    ) -> Resp {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        req = match body {
            Some(Body::Json(v)) => req.json(&v),
            Some(Body::Raw(text)) => req.header("content-type", "application/json").body(text),
            None => req,
        };
        let response = req.send().await.expect("request sent");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("response body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.clone()))
        };
        Resp {
            status,
            headers,
            body,
            text,
        }
    }

    /// An authorised request under `/api/v1`.
    pub async fn api(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        self.request(
            method,
            &format!("/api/v1{path}"),
            Some(&self.token),
            &[],
            body.map(Body::Json),
        )
        .await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.api(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.api(Method::POST, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.api(Method::DELETE, path, None).await
    }

    /// An authorised request with an `If-Match` header.
    pub async fn with_if_match(
        &self,
        method: Method,
        path: &str,
        if_match: &str,
        body: Value,
    ) -> Resp {
        self.request(
            method,
            &format!("/api/v1{path}"),
            Some(&self.token),
            &[("if-match", if_match)],
            Some(Body::Json(body)),
        )
        .await
    }

    /// Creates a key pair and returns it, asserting 201.
    pub async fn create(&self, name: &str, public_key: &str) -> Value {
        let r = self
            .post(
                "/key-pairs",
                serde_json::json!({ "name": name, "public_key": public_key }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.body
    }

    /// The demo key pair with this name.
    pub async fn key_named(&self, name: &str) -> Value {
        let r = self.get(&format!("/key-pairs?q={name}&limit=100")).await;
        r.body["items"]
            .as_array()
            .and_then(|items| items.iter().find(|k| k["name"] == name))
            .cloned()
            .unwrap_or_else(|| panic!("no key pair named {name}: {}", r.text))
    }
}

/// Server flags for quick power transitions: half a second, long enough for a test on a busy
/// machine to observe STOPPING or STARTING, short enough to wait for the end.
pub const FAST: &[&str] = &["--transition-delay-ms", "500"];

impl Server {
    /// Registers an instance and returns it with its agent token, asserting 201.
    pub async fn register(&self, name: &str, os: &str, state: &str) -> (Value, String) {
        let r = self
            .post(
                "/instances",
                serde_json::json!({
                    "name": name, "region": "test-region", "os": os, "state": state,
                    "private_ip": "10.9.0.1",
                }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let token = r.body["agent_token"]
            .as_str()
            .expect("agent token")
            .to_owned();
        (r.body["instance"].clone(), token)
    }

    /// Registers an instance and returns its id.
    pub async fn instance(&self, name: &str, os: &str, state: &str) -> String {
        let (instance, _) = self.register(name, os, state).await;
        instance["id"].as_str().expect("id").to_owned()
    }

    /// The instance's state now.
    pub async fn state_of(&self, id: &str) -> String {
        let r = self.get(&format!("/instances/{id}")).await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body["state"].as_str().expect("state").to_owned()
    }

    /// Waits (at most 5 s) until the instance is in `state`.
    pub async fn wait_for_state(&self, id: &str, state: &str) {
        for _ in 0..100 {
            if self.state_of(id).await == state {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "{id} never became {state}; it is {}",
            self.state_of(id).await
        );
    }

    /// `POST /key-pairs/{key}/bind` (or `unbind`) and the results array.
    pub async fn bind(&self, verb: &str, key: &str, ids: &[&str], force_stop: bool) -> Resp {
        self.post(
            &format!("/key-pairs/{key}/{verb}"),
            serde_json::json!({ "instance_ids": ids, "force_stop": force_stop }),
        )
        .await
    }

    /// A request with another token.
    pub async fn as_token(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Resp {
        self.request(
            method,
            &format!("/api/v1{path}"),
            Some(token),
            &[],
            body.map(Body::Json),
        )
        .await
    }

    /// Registers a viewer token straight in the database (there is no API for it yet).
    pub async fn viewer_token(&self) -> String {
        let url = self.database_url().expect("the server owns its database");
        let store = keyrack_server::Store::open(url)
            .await
            .expect("open the database");
        let token = "kr_test-viewer-token-0123456789abcdef";
        store
            .insert_token(&keyrack_server::store::NewToken {
                name: "viewer".into(),
                role: keyrack_server::store::Role::Viewer,
                sha256: keyrack_server::service::tokens::hash(token),
                instance_id: None,
            })
            .await
            .expect("insert the viewer token");
        store.close().await;
        token.to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A request body.
pub enum Body {
    Json(Value),
    Raw(String),
}

/// Fresh Ed25519 public keys, distinct on every call, made by `ssh-keygen`.
pub fn ed25519_keys(n: usize) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    (0..n)
        .map(|i| {
            let file = dir.path().join(format!("k{i}"));
            ssh_keygen(&["-t", "ed25519", "-C", &format!("test{i}@keyrack")], &file);
            std::fs::read_to_string(file.with_extension("pub")).expect("public key file")
        })
        .collect()
}

/// Runs `ssh-keygen -q -N '' <args> -f <file>`.
pub fn ssh_keygen(args: &[&str], file: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-N", ""])
        .args(args)
        .arg("-f")
        .arg(file)
        .stdout(Stdio::null())
        .status()
        .expect("run ssh-keygen");
    assert!(status.success(), "ssh-keygen {args:?} failed");
}

/// A fresh, valid Ed25519 public key as an OpenSSH line: the wire encoding is the string
/// "ssh-ed25519" and 32 key bytes, each with a 4-byte big-endian length.
pub fn random_ed25519_line(comment: &str) -> String {
    let mut key = [0u8; 32];
    getrandom::getrandom(&mut key).expect("random bytes");
    let mut blob = Vec::with_capacity(51);
    for part in [&b"ssh-ed25519"[..], &key[..]] {
        blob.extend_from_slice(&u32::try_from(part.len()).expect("short").to_be_bytes());
        blob.extend_from_slice(part);
    }
    format!("ssh-ed25519 {} {comment}", STANDARD.encode(blob))
}
