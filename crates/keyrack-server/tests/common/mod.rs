//! Test harness: a Keyrack server with a fresh database (SQLite, or PostgreSQL with
//! `KEYRACK_TEST_DATABASE=postgres`), and the requests tests send it.
//!
//! Two ways to run the server, behind the same requests and the same [`Resp`]:
//! - [`App`] builds the router in this process, as the binary does (`startup::prepare` on
//!   the same flags), and drives it with `oneshot`: no process, no socket. For the API's rules
//!   and error codes.
//! - [`Server`] runs the real `keyrack-server` binary on a free port and talks HTTP to it. For
//!   what needs a real process: the browser, sshd, restarts, kills, disconnects, the CLI.

#![allow(dead_code)] // each test file uses a different part of the harness

pub mod axe;
pub mod browser;
pub mod database;
pub mod in_process;
pub mod keyboard;
pub mod pg_cluster;
pub mod process;
pub mod requests;
pub mod steps;
pub mod tls;
pub mod words;

pub use database::TestDb;
pub use in_process::InProcess;
pub use process::Process;

use std::future::Future;
use std::ops::Deref;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use keyrack_api::{
    ApiError, BindRequest, BindResponse, CreateInstance, CreateKeyPair, CreatedInstance, ErrorBody,
    ErrorCode, Instance, InstanceState, KeyPair, List, Rule,
};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// The admin token every test server registers with `--bootstrap-token`: random (made with
/// `openssl rand -hex 24`), as the server requires of a bootstrap token.
pub const TOKEN: &str = "kr_d74676340657afa444c2c9e57deb14a4fe975c38fc14afc3";

/// The real binary, spawned.
pub type Server = Harness<Process>;

/// The router, in this process.
pub type App = Harness<InProcess>;

/// A server with the requests tests send it. Derefs to its transport, for what only one kind
/// has (`server.base` of a spawned one).
pub struct Harness<T> {
    /// Declared first so it is dropped first: the server stops before its database goes.
    transport: T,
    token: String,
    /// Owns the database unless the test does.
    db: Option<TestDb>,
}

/// A request as tests build it: a path and query for a URI, the body if any.
pub type Request = axum::http::Request<Option<Vec<u8>>>;

/// How a request reaches the server.
pub trait Transport {
    /// Sends `req` and reads the whole answer; the error says why no answer came.
    fn send(&self, req: Request) -> impl Future<Output = Result<Resp, String>> + Send;
}

impl<T> Deref for Harness<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.transport
    }
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
    fn new(status: StatusCode, headers: HeaderMap, bytes: &[u8]) -> Self {
        let text = String::from_utf8_lossy(bytes).into_owned();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.clone()))
        };
        Self {
            status: status.as_u16(),
            headers,
            body,
            text,
        }
    }

    /// The header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as `T`, asserting a 2xx.
    pub fn ok<T: DeserializeOwned>(&self) -> T {
        self.decode()
            .unwrap_or_else(|e| panic!("refused ({}): {e:?}", self.status))
    }

    /// The refusal, as `keyrack-api`'s [`ApiError`]; panics on a 2xx or on a body that is
    /// not an error body.
    pub fn refusal(&self) -> ApiError {
        match self.decode::<serde::de::IgnoredAny>() {
            Ok(_) => panic!("a {} answer, not a refusal: {}", self.status, self.text),
            Err(error) => error,
        }
    }

    /// The body as `T` on a 2xx, else the refusal as `keyrack-api`'s [`ApiError`]; panics on
    /// a body that is neither.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        if (200..300).contains(&self.status) {
            Ok(
                serde_json::from_value(self.body.clone()).unwrap_or_else(|e| {
                    panic!(
                        "a {} answer that is not the expected type ({e}): {}",
                        self.status, self.text
                    )
                }),
            )
        } else {
            let body: ErrorBody = serde_json::from_value(self.body.clone()).unwrap_or_else(|e| {
                panic!(
                    "a {} answer that is not an error body ({e}): {}",
                    self.status, self.text
                )
            });
            Err(body.error)
        }
    }
}

/// Asserts a refusal: exactly `code`, details included, with the status the API gives that
/// code, in the API's error shape (JSON, a message for people, a `details` object). Returns the refusal for further checks.
pub fn assert_refused(r: &Resp, code: ErrorCode) -> ApiError {
    assert_eq!(r.status, code.status(), "{}", r.text);
    assert_eq!(
        r.header("content-type"),
        Some("application/json"),
        "{}",
        r.text
    );
    // The wire shape: `details` is an object even for a code without details.
    assert!(r.body["error"]["details"].is_object(), "{}", r.text);
    let error = r.refusal();
    assert_eq!(error.code, code, "{}", r.text);
    assert!(!error.message.is_empty(), "{}", r.text);
    error
}

/// Asserts an `InvalidParameter` refusal naming `field` and `rule`.
pub fn assert_invalid(r: &Resp, field: &str, rule: Rule) -> ApiError {
    assert_refused(
        r,
        ErrorCode::InvalidParameter {
            field: field.into(),
            rule,
        },
    )
}

/// Asserts an `InvalidParameter` refusal naming `field`, whatever the rule; returns the rule.
pub fn assert_invalid_field(r: &Resp, field: &str) -> Rule {
    assert_eq!(r.status, 400, "{}", r.text);
    match r.refusal().code {
        ErrorCode::InvalidParameter { field: named, rule } if named == field => rule,
        other => panic!("not InvalidParameter on {field}: {other:?}"),
    }
}

/// A request body.
pub enum Body {
    Json(Value),
    Raw(String),
}

/// The request as reqwest would send it: the path and query spelled as the `url` crate
/// spells them (a space in the query becomes `%20`), the bearer token, `headers`, and a JSON
/// body with its content type.
pub fn build_request(
    method: Method,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<Body>,
) -> Request {
    let url = reqwest::Url::parse(&format!("http://localhost{path}")).expect("a valid path");
    let target = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    let mut req = axum::http::Request::builder().method(method).uri(target);
    if let Some(token) = token {
        req = req.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let body = match body {
        Some(Body::Json(v)) => {
            if !req
                .headers_ref()
                .is_some_and(|h| h.contains_key(CONTENT_TYPE))
            {
                req = req.header(CONTENT_TYPE, "application/json");
            }
            Some(serde_json::to_vec(&v).expect("JSON"))
        }
        Some(Body::Raw(text)) => {
            req = req.header(CONTENT_TYPE, "application/json");
            Some(text.into_bytes())
        }
        None => None,
    };
    req.body(body).expect("a valid request")
}

impl<T: Transport> Harness<T> {
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
        let what = format!("{method} {path}");
        self.transport
            .send(build_request(method, path, token, headers, body))
            .await
            .unwrap_or_else(|e| panic!("{what}: no answer: {e}"))
    }

    /// An authorised request under `/api/v1`.
    pub async fn api(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        self.as_token(&self.token, method, path, body).await
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

    /// A request under `/api/v1` with another token.
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

    /// Creates a key pair and returns it, asserting 201.
    pub async fn create(&self, name: &str, public_key: &str) -> KeyPair {
        let r = self
            .post(
                "/key-pairs",
                serde_json::json!({ "name": name, "public_key": public_key }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.decode().expect("a key pair")
    }

    /// The demo key pair with this name.
    pub async fn key_named(&self, name: &str) -> KeyPair {
        self.key_pairs(&format!("q={name}&limit=100"))
            .await
            .items
            .into_iter()
            .find(|k| k.name == name)
            .unwrap_or_else(|| panic!("no key pair named {name}"))
    }

    /// `GET /instances/{id}`, asserting 200.
    pub async fn instance_of(&self, id: &str) -> Instance {
        self.get(&format!("/instances/{id}")).await.ok()
    }

    /// `GET /instances?{query}`, asserting 200.
    pub async fn instances(&self, query: &str) -> List<Instance> {
        let r = self.get(&format!("/instances?{query}")).await;
        assert_eq!(r.status, 200, "{query}: {}", r.text);
        r.decode().expect("a page of instances")
    }

    /// `GET /key-pairs?{query}`, asserting 200.
    pub async fn key_pairs(&self, query: &str) -> List<KeyPair> {
        let r = self.get(&format!("/key-pairs?{query}")).await;
        assert_eq!(r.status, 200, "{query}: {}", r.text);
        r.decode().expect("a page of key pairs")
    }

    /// Registers an instance and returns it with its agent token, asserting 201.
    pub async fn register(&self, name: &str, os: &str, state: &str) -> (Instance, String) {
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
        let created: CreatedInstance = r.ok();
        (created.instance, created.agent_token)
    }

    /// Registers an instance and returns its id.
    pub async fn instance(&self, name: &str, os: &str, state: &str) -> String {
        self.register(name, os, state).await.0.id
    }

    /// The instance's state now.
    pub async fn state_of(&self, id: &str) -> InstanceState {
        let r = self.get(&format!("/instances/{id}")).await;
        r.ok::<Instance>().state
    }

    /// Waits (at most 5 s) until the instance is in `state`.
    pub async fn wait_for_state(&self, id: &str, state: InstanceState) {
        for _ in 0..100 {
            if self.state_of(id).await == state {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "{id} never became {state:?}; it is {:?}",
            self.state_of(id).await
        );
    }

    /// `POST /key-pairs/{key}/bind` (or `unbind`): the answer.
    pub async fn bind(&self, verb: &str, key: &str, ids: &[&str], force_stop: bool) -> Resp {
        self.post(
            &format!("/key-pairs/{key}/{verb}"),
            serde_json::json!({ "instance_ids": ids, "force_stop": force_stop }),
        )
        .await
    }

    /// Registers a viewer token named `viewer` straight in the database, as `keyrack-server
    /// token create` does (so it is not in the audit log).
    pub async fn viewer_token(&self) -> String {
        let url = self.database_url().expect("the server owns its database");
        let store = keyrack_server::Store::open(url)
            .await
            .expect("open the database");
        let created = keyrack_server::service::tokens::create(
            &store,
            keyrack_api::CreateToken {
                name: "viewer".into(),
                role: keyrack_api::TokenRole::Viewer,
            },
        )
        .await
        .expect("create the viewer token");
        store.close().await;
        created.token
    }
}

/// Typed calls: `keyrack-api` types in and out, the refusal as an [`ApiError`].
impl<T: Transport> Harness<T> {
    /// An authorised call under `/api/v1` with an optional JSON body.
    pub async fn call<B: Serialize, R: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<R, ApiError> {
        let body = body.map(|b| serde_json::to_value(b).expect("a JSON body"));
        self.api(method, path, body).await.decode()
    }

    /// `POST /key-pairs`.
    pub async fn create_key_pair(&self, req: &CreateKeyPair) -> Result<KeyPair, ApiError> {
        self.call(Method::POST, "/key-pairs", Some(req)).await
    }

    /// `GET /key-pairs/{id}`.
    pub async fn key_pair(&self, id: &str) -> Result<KeyPair, ApiError> {
        self.call(Method::GET, &format!("/key-pairs/{id}"), None::<&()>)
            .await
    }

    /// `POST /instances`.
    pub async fn register_instance(
        &self,
        req: &CreateInstance,
    ) -> Result<CreatedInstance, ApiError> {
        self.call(Method::POST, "/instances", Some(req)).await
    }

    /// `POST /key-pairs/{id}/bind` (or `unbind`, with `verb`).
    pub async fn bind_key_pair(
        &self,
        verb: &str,
        id: &str,
        req: &BindRequest,
    ) -> Result<BindResponse, ApiError> {
        self.call(Method::POST, &format!("/key-pairs/{id}/{verb}"), Some(req))
            .await
    }
}

/// Server flags for quick power transitions: half a second, long enough for a test on a busy
/// machine to observe STOPPING or STARTING, short enough to wait for the end.
pub const FAST: &[&str] = &["--transition-delay-ms", "500"];

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

/// Tags from `(key, value)` pairs.
pub fn tags(pairs: &[(&str, &str)]) -> Vec<keyrack_api::Tag> {
    pairs
        .iter()
        .map(|(key, value)| keyrack_api::Tag {
            key: (*key).into(),
            value: (*value).into(),
        })
        .collect()
}

/// The outcome for each instance of a bind or unbind answer, asserting 200.
pub fn bind_outcomes(r: &Resp) -> Vec<keyrack_api::BindOutcome> {
    r.ok::<BindResponse>()
        .results
        .into_iter()
        .map(|result| result.outcome)
        .collect()
}
