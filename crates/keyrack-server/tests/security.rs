//! Tokens over the API, security headers, the body limit, the rate limit and CORS, in
//! process; the token CLI and a request timed out on a real socket, against the real binary.

mod common;

use keyrack_api::{ErrorCode, Rule};
use std::io::{Read, Write};
use std::process::Command;
use std::time::Duration;

use common::{assert_invalid, assert_refused, ed25519_keys, App, Resp, Server, TestDb, TOKEN};
use reqwest::Method;
use serde_json::json;

/// Runs `keyrack-server <args> --database <url>`; (success, stdout, stderr).
fn cli(url: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_keyrack-server"))
        .args(args)
        .args(["--database", url])
        .env_remove("KEYRACK_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run keyrack-server");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The id of the token named `name` in `token list` output.
fn id_in_list(list: &str, name: &str) -> String {
    list.lines()
        .find(|l| l.trim_end().ends_with(&format!("  {name}")))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no token named {name} in:\n{list}"))
        .to_owned()
}

#[tokio::test]
async fn token_cli_creates_lists_and_revokes_and_revocation_needs_no_restart() {
    let db = TestDb::new().await;
    let url = db.url().to_owned();

    let (ok, stdout, stderr) = cli(
        &url,
        &["token", "create", "--role", "viewer", "--name", "ci-reader"],
    );
    assert!(ok, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "stdout is the token alone: {stdout:?}");
    let viewer = lines[0].to_owned();
    assert!(viewer.starts_with("kr_") && viewer.len() > 40, "{viewer}");

    let (ok, stdout, _) = cli(
        &url,
        &["token", "create", "--role", "admin", "--name", "ops"],
    );
    assert!(ok);
    let admin = stdout.trim().to_owned();

    let (ok, list, stderr) = cli(&url, &["token", "list"]);
    assert!(ok, "{stderr}");
    assert!(
        list.contains("ci-reader") && list.contains("viewer") && list.contains("admin"),
        "{list}"
    );
    assert!(
        !list.contains(&viewer) && !list.contains(&admin),
        "the list never shows a token"
    );
    let viewer_id = id_in_list(&list, "ci-reader");
    assert!(viewer_id.starts_with("tok-"), "{viewer_id}");

    // Roles are limited to admin and viewer; unknown ids are an error.
    let (ok, _, _) = cli(&url, &["token", "create", "--role", "agent", "--name", "x"]);
    assert!(!ok);
    let (ok, _, stderr) = cli(&url, &["token", "revoke", "tok-nothere0"]);
    assert!(!ok, "{stderr}");

    // The server on the same database accepts both tokens with their roles.
    let server = Server::spawn(&url, &[], false).await;
    let r = server
        .as_token(&viewer, Method::GET, "/key-pairs", None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let keys = ed25519_keys(1);
    let body = json!({"name": "k1", "public_key": keys[0]});
    let r = server
        .as_token(&viewer, Method::POST, "/key-pairs", Some(body.clone()))
        .await;
    assert_refused(&r, ErrorCode::Forbidden);
    let r = server
        .as_token(&admin, Method::POST, "/key-pairs", Some(body))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);

    // Revoked while the server runs: refused from the next request on.
    let (ok, _, stderr) = cli(&url, &["token", "revoke", &viewer_id]);
    assert!(ok, "{stderr}");
    let r = server
        .as_token(&viewer, Method::GET, "/key-pairs", None)
        .await;
    assert_refused(&r, ErrorCode::Unauthorized);
    let (_, list, _) = cli(&url, &["token", "list"]);
    let line = list
        .lines()
        .find(|l| l.starts_with(&viewer_id))
        .expect("listed");
    assert!(!line.contains("  -  "), "revoked time shown: {line}");
    let r = server
        .as_token(&admin, Method::GET, "/key-pairs", None)
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn the_last_admin_token_cannot_be_revoked() {
    let server = App::start(&[]).await;
    let r = server.get("/tokens").await;
    let bootstrap = r.body["items"][0]["id"].as_str().expect("id").to_owned();

    // The only admin token: revoking it would lock every admin out.
    let r = server.delete(&format!("/tokens/{bootstrap}")).await;
    assert_refused(&r, ErrorCode::LastAdminToken);
    assert_eq!(server.get("/me").await.status, 200, "still valid");

    // A viewer does not count as an admin.
    let r = server
        .post("/tokens", json!({"name": "reader", "role": "viewer"}))
        .await;
    assert_eq!(r.status, 201);
    let r = server.delete(&format!("/tokens/{bootstrap}")).await;
    assert_refused(&r, ErrorCode::LastAdminToken);

    // With a second admin, either may go, but not both.
    let r = server
        .post("/tokens", json!({"name": "ops", "role": "admin"}))
        .await;
    let (ops, ops_id) = (
        r.body["token"].as_str().expect("token").to_owned(),
        r.body["id"].as_str().expect("id").to_owned(),
    );
    let r = server.delete(&format!("/tokens/{bootstrap}")).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_refused(&server.get("/me").await, ErrorCode::Unauthorized);
    let r = server
        .as_token(&ops, Method::DELETE, &format!("/tokens/{ops_id}"), None)
        .await;
    assert_refused(&r, ErrorCode::LastAdminToken);
    // Revoking an already revoked token stays a quiet success.
    let r = server
        .as_token(&ops, Method::DELETE, &format!("/tokens/{bootstrap}"), None)
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
}

#[tokio::test]
async fn admins_manage_tokens_over_the_api() {
    let server = App::start(&[]).await;
    let r = server
        .post("/tokens", json!({"name": "dashboard", "role": "viewer"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let token = r.body["token"].as_str().expect("token").to_owned();
    let id = r.body["id"].as_str().expect("id").to_owned();
    assert_eq!(r.body["role"], "viewer");
    assert_eq!(r.body["revoked_at"], serde_json::Value::Null);
    assert_eq!(
        r.header("location"),
        Some(format!("/api/v1/tokens/{id}").as_str())
    );

    let r = server.get("/tokens").await;
    assert_eq!(r.status, 200);
    assert!(
        !r.text.contains(&token),
        "a listed token never shows the token"
    );
    assert!(!r.text.contains(TOKEN));
    let items = r.body["items"].as_array().expect("items");
    assert!(items
        .iter()
        .any(|t| t["id"] == id.as_str() && t["name"] == "dashboard"));
    assert!(items
        .iter()
        .any(|t| t["name"] == "bootstrap" && t["role"] == "admin"));

    // Each token can ask who it is; the console uses this to offer only what the role may do.
    let r = server.as_token(&token, Method::GET, "/me", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["id"], id.as_str());
    assert_eq!(r.body["name"], "dashboard");
    assert_eq!(r.body["role"], "viewer");
    assert!(!r.text.contains(&token), "/me never shows the token");
    let r = server.get("/me").await;
    assert_eq!(r.body["role"], "admin");
    assert_eq!(r.body["name"], "bootstrap");
    let r = server
        .as_token("not-a-token", Method::GET, "/me", None)
        .await;
    assert_refused(&r, ErrorCode::Unauthorized);

    // A viewer may neither list nor make nor revoke tokens.
    for (method, path, body) in [
        (Method::GET, "/tokens", None),
        (
            Method::POST,
            "/tokens",
            Some(json!({"name": "x", "role": "admin"})),
        ),
        (Method::DELETE, &*format!("/tokens/{id}"), None),
    ] {
        let r = server.as_token(&token, method, path, body).await;
        assert_refused(&r, ErrorCode::Forbidden);
    }

    // Bad input.
    let r = server
        .post("/tokens", json!({"name": "a", "role": "agent"}))
        .await;
    assert_invalid(&r, "role", Rule::Format);
    let r = server
        .post("/tokens", json!({"name": "  ", "role": "viewer"}))
        .await;
    assert_invalid(&r, "name", Rule::Required);
    let r = server
        .post("/tokens", json!({"name": "x".repeat(65), "role": "viewer"}))
        .await;
    assert_invalid(&r, "name", Rule::Length);
    let r = server
        .post("/tokens", json!({"name": "a", "role": "root"}))
        .await;
    assert_refused(&r, ErrorCode::InvalidRequest);

    // Revocation: at once, idempotent, 404 for unknown ids.
    let r = server.delete(&format!("/tokens/{id}")).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = server
        .as_token(&token, Method::GET, "/key-pairs", None)
        .await;
    assert_refused(&r, ErrorCode::Unauthorized);
    let r = server.as_token(&token, Method::GET, "/me", None).await;
    assert_refused(&r, ErrorCode::Unauthorized);
    let r = server.delete(&format!("/tokens/{id}")).await;
    assert_eq!(r.status, 204);
    let r = server.delete("/tokens/tok-nothere0").await;
    assert_refused(
        &r,
        ErrorCode::NotFound {
            id: Some("tok-nothere0".into()),
        },
    );
    let r = server.get("/tokens").await;
    let revoked = r.body["items"]
        .as_array()
        .and_then(|items| items.iter().find(|t| t["id"] == id.as_str()).cloned())
        .expect("still listed");
    assert!(revoked["revoked_at"].is_string());

    // Documented.
    let r = server
        .request(Method::GET, "/api/v1/openapi.json", None, &[], None)
        .await;
    let paths = &r.body["paths"];
    assert!(paths["/api/v1/tokens"]["get"].is_object());
    assert!(paths["/api/v1/tokens"]["post"].is_object());
    assert!(paths["/api/v1/tokens/{id}"]["delete"].is_object());
    assert!(paths["/api/v1/audit"]["get"].is_object());
}

#[tokio::test]
async fn token_names_are_clean_text_and_unique_among_valid_admin_and_viewer_tokens() {
    let server = App::start(&[]).await;
    // Refused naming the field and the rule.
    for (name, rule) in [
        ("ops\u{202E}gnp", Rule::BidiOverride),
        ("\u{2067}ops", Rule::BidiOverride),
        ("ops\u{200F}", Rule::BidiOverride),
        ("o\u{200B}ps", Rule::InvisibleChar),
        ("ops\u{FEFF}", Rule::InvisibleChar),
        ("ops\u{1B}[31m", Rule::ControlChar),
        ("ops\u{9B}", Rule::ControlChar),
    ] {
        let r = server
            .post("/tokens", json!({"name": name, "role": "viewer"}))
            .await;
        let refusal = assert_invalid(&r, "name", rule);
        assert!(refusal.message.starts_with("name: "), "{}", r.text);
    }

    // Unique among valid admin and viewer tokens, ASCII letters case-insensitively.
    let r = server
        .post("/tokens", json!({"name": "dashboard", "role": "viewer"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let dashboard = r.body["id"].as_str().expect("id").to_owned();
    for (name, role) in [
        ("dashboard", "viewer"),
        ("Dashboard", "admin"),
        ("  DASHBOARD ", "viewer"),
        ("bootstrap", "viewer"),
    ] {
        let r = server
            .post("/tokens", json!({"name": name, "role": role}))
            .await;
        assert_refused(&r, ErrorCode::token_name_duplicate(name.trim()));
    }
    // Beyond ASCII, letters are compared as they are, on both backends alike.
    for name in ["Ключ", "ключ"] {
        let r = server
            .post("/tokens", json!({"name": name, "role": "viewer"}))
            .await;
        assert_eq!(r.status, 201, "{name}: {}", r.text);
    }
    // The CLI (`keyrack-server token create`) goes through the same service.
    let refused = keyrack_server::service::tokens::create(
        &server.store,
        keyrack_api::CreateToken {
            name: "DashBoard".into(),
            role: keyrack_api::TokenRole::Admin,
        },
    )
    .await
    .expect_err("a duplicate name");
    assert_eq!(
        refused.to_api_error().code,
        keyrack_api::ErrorCode::token_name_duplicate("DashBoard")
    );
    // A revoked token's name is free again.
    let r = server.delete(&format!("/tokens/{dashboard}")).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = server
        .post("/tokens", json!({"name": "Dashboard", "role": "viewer"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);

    // Agent tokens are exempt, and registering instances never collides with them.
    for _ in 0..2 {
        let (_, agent_token) = server.register("web", "linux", "RUNNING").await;
        assert!(!agent_token.is_empty());
    }

    // A bootstrap token whose name is taken (here: a second, rotated bootstrap token) is
    // registered under the next free name, and only once.
    let store = &server.store;
    // Strong tokens: the bootstrap rule refuses weak ones.
    const ROTATED: &str = "kr_9f4c1e7a2b8d6035c1f7e9a4b2d8c6e0f3a5b7c9d1e2f4a6b8c0d2e4f6a8b0c2";
    const THIRD: &str = "kr_3b7e1a9c5d2f8e4a6c0b9d7f1e3a5c8b2d4f6e8a0c1b3d5f7e9a2c4b6d8f0e1";
    let service =
        |token| keyrack_server::service::tokens::bootstrap(store, Some(token), |_| Ok(()));
    for token in [ROTATED, ROTATED, THIRD] {
        assert_eq!(service(token).await.ok(), Some(false));
    }
    let r = server.get("/tokens").await;
    let mut names: Vec<&str> = r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|t| t["role"] == "admin" && t["revoked_at"].is_null())
        .filter_map(|t| t["name"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["bootstrap", "bootstrap (2)", "bootstrap (3)"]);
    let r = server.as_token(ROTATED, Method::GET, "/me", None).await;
    assert_eq!(r.body["name"], "bootstrap (2)", "{}", r.text);
}

const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
                   object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

fn assert_hardened(r: &Resp, what: &str) {
    assert_eq!(r.header("content-security-policy"), Some(CSP), "{what}");
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{what}");
    assert_eq!(
        r.header("access-control-allow-origin"),
        None,
        "{what}: no CORS by default"
    );
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_bodies_are_limited() {
    let server = App::start(&[]).await;
    let origin = [("origin", "https://evil.example")];
    let cases: Vec<(&str, Resp)> = vec![
        (
            "healthz",
            server
                .request(Method::GET, "/healthz", None, &origin, None)
                .await,
        ),
        (
            "openapi",
            server
                .request(Method::GET, "/api/v1/openapi.json", None, &origin, None)
                .await,
        ),
        (
            "list",
            server
                .request(Method::GET, "/api/v1/key-pairs", Some(TOKEN), &origin, None)
                .await,
        ),
        (
            "401",
            server
                .request(Method::GET, "/api/v1/key-pairs", None, &origin, None)
                .await,
        ),
        (
            "404",
            server
                .request(Method::GET, "/api/v1/nothing", Some(TOKEN), &origin, None)
                .await,
        ),
        (
            "non-api 404",
            server
                .request(Method::GET, "/keys", None, &origin, None)
                .await,
        ),
        (
            "405",
            server
                .request(Method::PUT, "/api/v1/regions", Some(TOKEN), &origin, None)
                .await,
        ),
        (
            "preflight",
            server
                .request(
                    Method::OPTIONS,
                    "/api/v1/key-pairs",
                    None,
                    &[
                        ("origin", "https://evil.example"),
                        ("access-control-request-method", "POST"),
                    ],
                    None,
                )
                .await,
        ),
    ];
    for (what, r) in &cases {
        assert_hardened(r, what);
    }

    // 65 KiB is over the 64 KiB limit: 413 with the JSON error (and the headers).
    let huge = json!({"name": "x", "public_key": "a".repeat(65 * 1024)}).to_string();
    let r = server.post_raw_closing("/api/v1/key-pairs", huge).await;
    assert_refused(&r, ErrorCode::PayloadTooLarge);
    assert_hardened(&r, "413");
    // Just under the limit is read and judged on its merits.
    let big = json!({"name": "x", "public_key": "a".repeat(60 * 1024)}).to_string();
    let r = server.post_raw("/api/v1/key-pairs", big).await;
    assert_refused(
        &r,
        ErrorCode::PublicKeyInvalid {
            field: "public_key".into(),
            reason: keyrack_api::KeyRefusal::TooLarge,
        },
    );
}

/// Issue #23 item 2: query strings are read in linear time and bounded, and refused naming
/// the parameter and the rule before any other work (even before the token is looked at);
/// hostile JSON bodies within the size limit are refused as cheaply.
#[tokio::test]
async fn hostile_queries_and_bodies_are_refused_naming_the_rule() {
    let server = App::start(&[]).await;
    let get = |path: String, token: Option<&'static str>| {
        let server = &server;
        async move { server.request(Method::GET, &path, token, &[], None).await }
    };
    // 9,000 distinct names in 64 KB: refused at the 65th parameter.
    let hostile: Vec<String> = (0..9_000).map(|i| format!("n{i}=")).collect();
    let hostile = hostile.join("&");
    assert!(
        (60_000..65_536).contains(&hostile.len()),
        "{}",
        hostile.len()
    );
    for token in [Some(TOKEN), None] {
        let r = get(format!("/api/v1/key-pairs?{hostile}"), token).await;
        assert_invalid(&r, "query", Rule::Count);
    }
    let many: Vec<String> = (0..64).map(|i| format!("n{i}=1")).collect();
    let r = get(format!("/api/v1/key-pairs?{}", many.join("&")), Some(TOKEN)).await;
    assert_eq!(r.status, 200, "64 parameters are fine: {}", r.text);

    let r = get("/api/v1/key-pairs?limit=5&limit=6".into(), Some(TOKEN)).await;
    let refusal = assert_invalid(&r, "limit", Rule::Unique);
    assert_eq!(refusal.message, "limit: limit may appear only once");

    let r = get(
        format!("/api/v1/instances?q={}", "x".repeat(257)),
        Some(TOKEN),
    )
    .await;
    assert_invalid(&r, "q", Rule::Length);
    let r = get(
        format!("/api/v1/key-pairs?q={}", "x".repeat(256)),
        Some(TOKEN),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // JSON nested past serde_json's depth limit, and an array of 6,000 ids where 100 are
    // allowed, both within the 64 KiB limit: 400s naming what is wrong, never a 500 or a
    // crash.
    let nested = format!("{{\"ids\":{}{}}}", "[".repeat(30_000), "]".repeat(30_000));
    let r = server
        .post_raw("/api/v1/key-pairs/batch-delete", nested)
        .await;
    assert_refused(&r, ErrorCode::InvalidRequest);
    let ids: Vec<String> = (0..6_000).map(|i| format!("\"k{i}\"")).collect();
    let body = format!("{{\"ids\":[{}]}}", ids.join(","));
    assert!(body.len() < 64 * 1024, "{} bytes", body.len());
    let r = server
        .post_raw("/api/v1/key-pairs/batch-delete", body)
        .await;
    assert_invalid(&r, "ids", Rule::Count);
}

#[tokio::test]
async fn a_request_that_takes_too_long_gets_a_json_503() {
    let server = Server::start(&["--request-timeout-secs", "1"]).await;
    let addr = server.base.trim_start_matches("http://").to_owned();
    // A body that never finishes arriving: the handler waits for it until the timeout.
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        write!(
            stream,
            "POST /api/v1/key-pairs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\
             Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"name\""
        )
        .expect("write");
        let mut buf = vec![0u8; 4096];
        let n = stream
            .read(&mut buf)
            .expect("an answer before the body ends");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    })
    .await
    .expect("join");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("\"code\":\"RequestTimeout\""), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("content-security-policy"),
        "{answer}"
    );
}

#[tokio::test]
async fn the_rate_limit_is_per_token_with_retry_after() {
    let server = App::start(&["--rate-limit-per-minute", "60"]).await;
    let viewer = server.viewer_token().await;
    // 60 a minute means bursts of 6: a quick burst of 20 runs out.
    let mut limited = None;
    for _ in 0..20 {
        let r = server.get("/regions").await;
        if r.status == 429 {
            limited = Some(r);
            break;
        }
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let r = limited.expect("a burst of 20 gets a 429");
    let ErrorCode::RateLimited { retry_after_secs } = r.refusal().code else {
        panic!("not RateLimited: {}", r.text)
    };
    let retry: u64 = r
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After seconds");
    assert_eq!(retry, retry_after_secs);
    assert!((1..=60).contains(&retry), "{retry}");
    assert_hardened(&r, "429");
    // Another token has its own budget; anonymous endpoints are not limited.
    let r = server
        .as_token(&viewer, Method::GET, "/regions", None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = server
        .request(Method::GET, "/healthz", None, &[], None)
        .await;
    assert_eq!(r.status, 200);
    // After Retry-After the token works again.
    tokio::time::sleep(Duration::from_secs(retry)).await;
    let r = server.get("/regions").await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn cors_allows_exactly_the_configured_origin() {
    let origin = "https://console.example.com";
    let server = App::start(&["--cors-origin", origin]).await;
    let r = server
        .request(
            Method::GET,
            "/api/v1/regions",
            Some(TOKEN),
            &[("origin", origin)],
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), Some(origin));
    assert_eq!(r.header("content-security-policy"), Some(CSP));
    let r = server
        .request(
            Method::OPTIONS,
            "/api/v1/key-pairs/skey-00000000",
            None,
            &[
                ("origin", origin),
                ("access-control-request-method", "PATCH"),
                (
                    "access-control-request-headers",
                    "authorization,if-match,content-type",
                ),
            ],
            None,
        )
        .await;
    assert!(r.status < 300, "{}", r.status);
    assert_eq!(r.header("access-control-allow-origin"), Some(origin));
    let r = server
        .request(
            Method::GET,
            "/api/v1/regions",
            Some(TOKEN),
            &[("origin", "https://evil.example")],
            None,
        )
        .await;
    assert_eq!(r.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn api_answers_are_never_cached() {
    let server = App::start(&[]).await;
    let no_store = |r: &Resp, what: &str| {
        assert_eq!(r.header("cache-control"), Some("no-store"), "{what}");
    };
    // Answers that carry a secret: a new token, an instance's agent token, authorized_keys.
    let r = server
        .post("/tokens", json!({"name": "cached?", "role": "viewer"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    no_store(&r, "POST /tokens");
    let r = server
        .post(
            "/instances",
            json!({"name": "c", "region": "r", "os": "linux", "private_ip": "10.0.0.9"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    no_store(&r, "POST /instances");
    let id = r.body["instance"]["id"].as_str().expect("id").to_owned();
    let agent = r.body["agent_token"]
        .as_str()
        .expect("agent token")
        .to_owned();
    let r = server
        .as_token(
            &agent,
            Method::GET,
            &format!("/instances/{id}/authorized_keys"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    no_store(&r, "authorized_keys");
    // And every other API answer, refusals included.
    no_store(&server.get("/key-pairs").await, "GET /key-pairs");
    let r = server
        .request(Method::GET, "/api/v1/key-pairs", None, &[], None)
        .await;
    assert_eq!(r.status, 401);
    no_store(&r, "401");
    let r = server.get("/no-such-thing").await;
    assert_eq!(r.status, 404);
    no_store(&r, "404");
}
