//! The HTTP edge: auth, error shapes, routing, OpenAPI, the SPA and the read-only fleet
//! endpoints, in process; the admin token's banner, durability across restarts and the
//! database URLs the binary refuses, against the real binary.

mod common;

use common::{assert_invalid, assert_refused, ed25519_keys, App, Body, Server, TestDb, TOKEN};
use keyrack_api::{ErrorCode, Image, InstanceState, KeyPair, List, Os, Region, Rule};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn every_api_route_needs_a_valid_bearer_token() {
    let server = App::start(&["--demo"]).await;
    let routes = [
        (Method::GET, "/api/v1/key-pairs"),
        (Method::POST, "/api/v1/key-pairs"),
        (Method::GET, "/api/v1/key-pairs/skey-00000000"),
        (Method::PATCH, "/api/v1/key-pairs/skey-00000000"),
        (Method::DELETE, "/api/v1/key-pairs/skey-00000000"),
        (Method::PUT, "/api/v1/key-pairs/skey-00000000/tags"),
        (Method::POST, "/api/v1/key-pairs/batch-delete"),
        (Method::GET, "/api/v1/regions"),
        (Method::GET, "/api/v1/instances"),
        (Method::GET, "/api/v1/images"),
        (Method::POST, "/api/v1/images"),
        (Method::DELETE, "/api/v1/images/img-00000000"),
        (Method::POST, "/api/v1/instances"),
        (Method::GET, "/api/v1/instances/ins-00000000"),
        (Method::DELETE, "/api/v1/instances/ins-00000000"),
        (Method::POST, "/api/v1/instances/ins-00000000/start"),
        (Method::POST, "/api/v1/instances/ins-00000000/stop"),
        (
            Method::GET,
            "/api/v1/instances/ins-00000000/authorized_keys",
        ),
        (Method::POST, "/api/v1/key-pairs/skey-00000000/bind"),
        (Method::POST, "/api/v1/key-pairs/skey-00000000/unbind"),
    ];
    for (method, path) in routes {
        for token in [None, Some("wrong"), Some("")] {
            let r = server
                .request(
                    method.clone(),
                    path,
                    token,
                    &[],
                    Some(Body::Json(json!({}))),
                )
                .await;
            assert_refused(&r, ErrorCode::Unauthorized);
            assert_eq!(r.header("www-authenticate"), Some("Bearer"));
        }
        let r = server
            .request(
                method.clone(),
                path,
                None,
                &[("authorization", &format!("Basic {TOKEN}"))],
                None,
            )
            .await;
        assert_eq!(r.status, 401, "{method} {path}");
    }
    // The scheme is case-insensitive.
    let r = server
        .request(
            Method::GET,
            "/api/v1/regions",
            None,
            &[("authorization", &format!("bearer {TOKEN}"))],
            None,
        )
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn a_random_admin_token_is_written_to_a_file_on_first_start() {
    // Random, as a bootstrap token must be (`openssl rand -hex 24`).
    const SCRIPTED: &str = "kr_scripted_5f0c9e2b7a41d8363e9b1f7c02a64d85e1b3c7f9";
    let db = TestDb::new().await;
    let url = db.url().to_owned();
    let mut first = Server::spawn(&url, &[], false).await;
    // stdout says where the token is, never the token itself (the harness reads the file).
    assert!(
        first
            .banner
            .iter()
            .any(|l| l.starts_with("Admin token written to ")),
        "{:?}",
        first.banner
    );
    let old = first.token().to_owned();
    assert!(old.starts_with("kr_") && old.len() > 40, "{old}");
    assert!(
        first.banner.iter().all(|l| !l.contains(&old)),
        "{:?}",
        first.banner
    );
    assert_eq!(first.get("/regions").await.status, 200);
    first.stop();

    // Restarted: no new token, the old one still works; a bootstrap token is added once.
    let second = Server::spawn(&url, &["--bootstrap-token", SCRIPTED], false).await;
    assert!(
        second.banner.iter().all(|l| !l.contains("Admin token")),
        "{:?}",
        second.banner
    );
    let r = second
        .request(Method::GET, "/api/v1/regions", Some(&old), &[], None)
        .await;
    assert_eq!(r.status, 200);
    let r = second
        .request(Method::GET, "/api/v1/regions", Some(SCRIPTED), &[], None)
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn malformed_requests_and_unknown_routes_get_the_standard_error_shape() {
    let server = App::start(&[]).await;
    for body in [
        "{not json",
        "[]",
        "",
        "{\"name\": 5, \"public_key\": \"x\"}",
        "{\"name\": \"x\"}",
    ] {
        let r = server.post_raw("/api/v1/key-pairs", body).await;
        assert_refused(&r, ErrorCode::InvalidRequest);
    }
    // No JSON content type.
    let r = server
        .request(
            Method::POST,
            "/api/v1/key-pairs/batch-delete",
            Some(TOKEN),
            &[("content-type", "text/plain")],
            None,
        )
        .await;
    assert_refused(&r, ErrorCode::InvalidRequest);

    for path in [
        "/api/v1/nope",
        "/api/v1",
        "/api/v2/key-pairs",
        "/api",
        "/api/v1/key-pairs/x/y/z",
    ] {
        let r = server
            .request(Method::GET, path, Some(TOKEN), &[], None)
            .await;
        assert_refused(&r, ErrorCode::NotFound { id: None });
    }
    // Without --dist, other paths are 404 too.
    let r = server.request(Method::GET, "/keys", None, &[], None).await;
    assert_refused(&r, ErrorCode::NotFound { id: None });

    for (method, path) in [
        (Method::DELETE, "/api/v1/key-pairs"),
        (Method::POST, "/api/v1/regions"),
        (Method::GET, "/api/v1/key-pairs/batch-delete"),
        (Method::POST, "/api/v1/key-pairs/skey-00000000"),
    ] {
        let r = server.request(method, path, Some(TOKEN), &[], None).await;
        assert_refused(&r, ErrorCode::MethodNotAllowed);
    }

    let r = server
        .request(Method::GET, "/healthz", None, &[], None)
        .await;
    assert_eq!((r.status, r.text.as_str()), (200, "ok"));

    // An oversized body is refused before it is parsed. Over a socket the server then closes
    // the connection unread, so such a request must not stay in a client's pool, and the body
    // stays small enough for the socket buffers to take it whole.
    let huge = json!({"name": "x", "public_key": "a".repeat(300 * 1024)}).to_string();
    let r = server.post_raw_closing("/api/v1/key-pairs", huge).await;
    assert_refused(&r, ErrorCode::PayloadTooLarge);
}

#[tokio::test]
async fn openapi_document_is_public_and_lists_the_api() {
    let server = App::start(&[]).await;
    let r = server
        .request(Method::GET, "/api/v1/openapi.json", None, &[], None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Raw JSON on purpose: the OpenAPI document is a wire format of its own, not a Keyrack type.
    let doc = &r.body;
    assert!(
        doc["openapi"]
            .as_str()
            .expect("version")
            .starts_with("3.1."),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().expect("paths");
    for path in [
        "/api/v1/key-pairs",
        "/api/v1/key-pairs/{id}",
        "/api/v1/key-pairs/{id}/tags",
        "/api/v1/key-pairs/batch-delete",
        "/api/v1/regions",
        "/api/v1/instances",
        "/api/v1/images",
        "/api/v1/images/{id}",
        "/api/v1/instances/{id}",
        "/api/v1/instances/{id}/start",
        "/api/v1/instances/{id}/stop",
        "/api/v1/instances/{id}/authorized_keys",
        "/api/v1/key-pairs/{id}/bind",
        "/api/v1/key-pairs/{id}/unbind",
    ] {
        assert!(paths.contains_key(path), "{path} missing");
    }
    assert!(doc["paths"]["/api/v1/instances"]["post"].is_object());
    assert!(doc["paths"]["/api/v1/images"]["post"].is_object());
    assert!(
        doc["paths"]["/api/v1/instances/{id}/authorized_keys"]["get"]["responses"]["200"]
            ["content"]["text/plain"]
            .is_object(),
        "authorized_keys is text/plain"
    );
    let params = doc["paths"]["/api/v1/instances/{id}/authorized_keys"]["get"]["parameters"]
        .as_array()
        .expect("authorized_keys parameters");
    let fingerprint = params
        .iter()
        .find(|p| p["name"] == "fingerprint")
        .expect("the fingerprint parameter");
    assert_eq!(fingerprint["in"], "query", "{fingerprint}");
    assert_ne!(fingerprint["required"], true, "{fingerprint}");
    assert_eq!(
        fingerprint["schema"]["pattern"], "^SHA256:[A-Za-z0-9+/]{43}$",
        "{fingerprint}"
    );
    // Issue #13: the expiry in every key-pair shape, and the status filter.
    let schemas = &doc["components"]["schemas"];
    for shape in ["KeyPair", "CreateKeyPair", "UpdateKeyPair"] {
        assert!(
            schemas[shape]["properties"]["expires_at"].is_object(),
            "{shape}: {}",
            schemas[shape]
        );
    }
    assert_eq!(
        schemas["KeyStatus"]["enum"],
        json!(["active", "expiring", "expired"]),
        "{}",
        schemas["KeyStatus"]
    );
    let list_params = doc["paths"]["/api/v1/key-pairs"]["get"]["parameters"]
        .as_array()
        .expect("list parameters");
    assert!(
        list_params.iter().any(|p| p["name"] == "status"),
        "{list_params:?}"
    );
    for schema in [
        "BindRequest",
        "BindResponse",
        "CreateInstance",
        "CreatedInstance",
        "CreateImage",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} missing"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    assert!(doc["components"]["schemas"]["KeyPair"].is_object());
    let params = &doc["paths"]["/api/v1/key-pairs"]["get"]["parameters"];
    assert!(params
        .as_array()
        .expect("params")
        .iter()
        .all(|p| p["in"] == "query"));
}

#[tokio::test]
async fn demo_fleet_is_listed() {
    let server = App::start(&["--demo"]).await;
    let regions = server.get("/regions").await;
    assert_eq!(regions.status, 200);
    let regions: List<Region> = regions.ok();
    assert_eq!(regions.total, 3);
    assert_eq!(
        regions.items[0],
        Region {
            id: "ap-guangzhou".into(),
            name: "South China (Guangzhou)".into()
        }
    );

    let all = server.instances("limit=100").await;
    assert_eq!(all.total, 12);
    let items = &all.items;
    assert!(items.iter().any(|i| i.os == Os::Windows));
    assert!(items.iter().any(|i| i.state == InstanceState::Running));
    assert!(items.iter().any(|i| i.state == InstanceState::Stopped));

    let stopped = server
        .instances("state=STOPPED&region=ap-shanghai")
        .await
        .items;
    assert!(!stopped.is_empty());
    assert!(stopped
        .iter()
        .all(|i| i.state == InstanceState::Stopped && i.region == "ap-shanghai"));
    let page = server.instances("limit=5&offset=10").await;
    assert_eq!((page.total, page.items.len()), (12, 2));
    let by_ip = server.instances("q=10.0.2.21").await;
    assert_eq!(by_ip.items[0].name, "db-gz-01");
    let by_name = server.instances("q=WEB-GZ").await;
    assert_eq!(by_name.total, 3);
    assert_eq!(field_of(&server.get("/instances?state=ON").await), "state");
    assert_eq!(
        field_of(&server.get("/instances?limit=1000").await),
        "limit"
    );

    // Bindings agree from both sides.
    let web = server.key_named("web-prod").await;
    for id in &web.instance_ids {
        let instance = items
            .iter()
            .find(|i| i.id == *id)
            .expect("bound instance listed");
        assert!(instance.key_ids.contains(&web.id));
    }
    let images: List<Image> = server.get("/images").await.ok();
    assert_eq!(images.total, 2);
    let bastion = server.key_named("bastion").await;
    let image = images
        .items
        .iter()
        .find(|i| i.key_ids.contains(&bastion.id))
        .expect("an image carrying bastion");
    assert_eq!(bastion.image_ids, std::slice::from_ref(&image.id));
    assert!(image.id.starts_with("img-"));
}

#[tokio::test]
async fn data_survives_a_restart_and_demo_is_seeded_once() {
    // On SQLite, in folders that do not exist yet.
    let db = TestDb::at("nested/dir/keyrack.db").await;
    let url = db.url().to_owned();
    let mut server = Server::spawn(&url, &["--demo"], true).await;
    let created = server.create("survivor", &ed25519_keys(1)[0]).await;
    let id = created.id.as_str().to_owned();
    let r = server
        .api(
            Method::PUT,
            &format!("/key-pairs/{id}/tags"),
            Some(json!({"tags": [{"key": "k", "value": "v"}]})),
        )
        .await;
    assert_eq!(r.status, 200);
    let before: KeyPair = server.get(&format!("/key-pairs/{id}")).await.ok();
    server.stop();

    let server = Server::spawn(&url, &["--demo"], true).await;
    let after = server.get(&format!("/key-pairs/{id}")).await;
    assert_eq!(after.status, 200, "{}", after.text);
    assert_eq!(after.ok::<KeyPair>(), before);
    assert_eq!(server.get("/regions").await.ok::<List<Region>>().total, 3);
    assert_eq!(server.key_pairs("").await.total, 7);
}

#[tokio::test]
async fn spa_deep_links_get_index_html() {
    let dist = tempfile::tempdir().expect("temp dir");
    let index = "<!doctype html><title>Keyrack</title><div id=app></div>";
    std::fs::write(dist.path().join("index.html"), index).expect("write index");
    std::fs::write(dist.path().join("app.js"), "console.log(1)").expect("write js");
    let dist_arg = dist.path().display().to_string();
    let server = App::start(&["--dist", &dist_arg]).await;

    for path in [
        "/",
        "/keys",
        "/keys/skey-abc12345",
        "/instances",
        "/sign-in",
        "/images?page=2",
    ] {
        let r = server.request(Method::GET, path, None, &[], None).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.text, index, "{path}");
        assert!(r
            .header("content-type")
            .is_some_and(|c| c.starts_with("text/html")));
    }
    let js = server
        .request(Method::GET, "/app.js", None, &[], None)
        .await;
    assert_eq!((js.status, js.text.as_str()), (200, "console.log(1)"));
    // The API is not shadowed by the SPA fallback.
    let r = server
        .request(Method::GET, "/api/v1/nope", Some(TOKEN), &[], None)
        .await;
    assert_refused(&r, ErrorCode::NotFound { id: None });
    let r = server
        .request(Method::GET, "/api/v1/regions", None, &[], None)
        .await;
    assert_refused(&r, ErrorCode::Unauthorized);
}

#[test]
fn a_database_url_the_server_cannot_serve_stops_it_with_a_clear_error() {
    for url in [
        "mysql://root@127.0.0.1/keyrack",
        "data/keyrack.db",
        "file:///var/lib/keyrack.db",
    ] {
        let cwd = tempfile::tempdir().expect("temp dir");
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_keyrack-server"))
            .current_dir(cwd.path())
            .args(["--listen", "127.0.0.1:0", "--database", url])
            .env_remove("KEYRACK_DATABASE_URL")
            .env("RUST_LOG", "error")
            .output()
            .expect("run keyrack-server");
        assert!(!out.status.success(), "{url} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("unsupported database URL")
                && stderr.contains("postgres://USER[:PASSWORD]@HOST[:PORT]/DB"),
            "{url}: {stderr}"
        );
        let left: Vec<_> = std::fs::read_dir(cwd.path()).expect("cwd").collect();
        assert!(left.is_empty(), "{url} left files behind: {left:?}");
    }
}

#[tokio::test]
async fn a_nul_character_anywhere_is_refused_naming_where() {
    // PostgreSQL cannot store U+0000 in text; both backends refuse it alike, before the
    // database sees it, and after the token is checked.
    let server = App::start(&[]).await;
    let r = server
        .post_raw(
            "/api/v1/key-pairs/batch-delete",
            r#"{"ids": ["skey-aaaaaaaa", "x\u0000y"]}"#.to_owned(),
        )
        .await;
    assert_invalid(&r, "ids[1]", Rule::ControlChar);
    let r = server.get("/key-pairs/skey-%00").await;
    assert_eq!(field_of(&r), "path");
    let r = server.get("/key-pairs?limit=5&q=a%00b").await;
    assert_eq!(field_of(&r), "q");
    // Without a valid token it is the usual 401.
    let r = server
        .request(Method::GET, "/api/v1/key-pairs?q=%00", None, &[], None)
        .await;
    assert_eq!(r.status, 401);
}

/// The field an `InvalidParameter` refusal names.
fn field_of(r: &common::Resp) -> String {
    match r.refusal().code {
        ErrorCode::InvalidParameter { field, .. } => field,
        other => panic!("not InvalidParameter: {other:?}"),
    }
}
