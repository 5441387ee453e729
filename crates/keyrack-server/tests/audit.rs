//! The audit log, in process: every write, refused ones included, with who, what, when and
//! the outcome.

mod common;

use common::{assert_invalid_field, assert_refused, ed25519_keys, App, Resp, TOKEN};
use keyrack_api::{AuditEntry, CreatedToken, ErrorCode, List, TokenRole};
use reqwest::Method;
use serde_json::json;

/// `GET /audit{query}`, asserting 200: the answer, for its text.
async fn audit_resp(server: &App, query: &str) -> Resp {
    let r = server.get(&format!("/audit{query}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r
}

/// `GET /audit{query}`, asserting 200: the page.
async fn audit(server: &App, query: &str) -> List<AuditEntry> {
    audit_resp(server, query).await.ok()
}

#[tokio::test]
async fn writes_are_recorded_with_actor_and_outcome_and_filters_work() {
    let server = App::start(&["--transition-delay-ms", "100"]).await;
    let viewer = server.viewer_token().await;
    let keys = ed25519_keys(2);
    let started = audit(&server, "?limit=100").await.total;

    // Success: created, with the new id as target.
    let key = server.create("audited", &keys[0]).await;
    let id = key.id.as_str().to_owned();
    // Refusals: viewer (403), no token (401), duplicate (409), stale If-Match (412), 413.
    let r = server
        .as_token(
            &viewer,
            Method::POST,
            "/key-pairs",
            Some(json!({"name": "v", "public_key": keys[1]})),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = server
        .request(
            Method::DELETE,
            &format!("/api/v1/key-pairs/{id}"),
            None,
            &[],
            None,
        )
        .await;
    assert_eq!(r.status, 401);
    // Without a valid token a refusal is counted, and written when the interval ends.
    server.flush_refusals().await;
    let r = server
        .post(
            "/key-pairs",
            json!({"name": "AUDITED", "public_key": keys[1]}),
        )
        .await;
    assert_eq!(r.status, 409);
    let r = server
        .with_if_match(
            Method::PATCH,
            &format!("/key-pairs/{id}"),
            "\"99\"",
            json!({"description": "x"}),
        )
        .await;
    assert_eq!(r.status, 412);
    let r = server
        .with_if_match(
            Method::PATCH,
            &format!("/key-pairs/{id}"),
            "\"1\"",
            json!({"description": "ok"}),
        )
        .await;
    assert_eq!(r.status, 200);
    // Reads are not recorded.
    for _ in 0..3 {
        assert_eq!(server.get(&format!("/key-pairs/{id}")).await.status, 200);
        assert_eq!(server.get("/key-pairs").await.status, 200);
    }

    let r = audit_resp(&server, "?limit=100").await;
    let body: List<AuditEntry> = r.ok();
    assert_eq!(body.total, started + 6, "{}", r.text);
    let all = body.items;
    // Newest first.
    let ids: Vec<i64> = all.iter().map(|e| e.id).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    assert!(!r.text.contains(TOKEN) && !r.text.contains(&viewer));
    assert!(!r.text.contains("ssh-ed25519"), "bodies are never recorded");

    let newest = &all[0];
    assert_eq!(newest.action, "PATCH /api/v1/key-pairs/{id}");
    assert_eq!(newest.target.as_deref(), Some(id.as_str()));
    assert_eq!(newest.status, 200);
    assert_eq!(newest.error_code, None);
    assert_eq!(newest.actor_name.as_deref(), Some("bootstrap"));
    assert_eq!(newest.actor_role, Some(TokenRole::Admin));
    assert!(newest
        .actor_id
        .as_deref()
        .is_some_and(|a| a.starts_with("tok-")));
    assert!(newest.at.as_str().ends_with('Z'));

    let stale = &all[1];
    assert_eq!(
        (stale.status, stale.error_code.as_deref()),
        (412, Some("PreconditionFailed"))
    );
    let dup = &all[2];
    assert_eq!(
        (dup.status, dup.error_code.as_deref()),
        (409, Some("KeyPairNameDuplicate"))
    );
    let anon = &all[3];
    assert_eq!(anon.status, 401);
    assert_eq!(anon.actor_id, None);
    assert_eq!(anon.action, "DELETE /api/v1/key-pairs/{id}");
    assert_eq!(anon.repeats, 1);
    // Counted refusals name no target: an attacker's path is not worth keeping.
    assert_eq!(anon.target, None);
    let refused = &all[4];
    assert_eq!(refused.status, 403);
    assert_eq!(refused.error_code.as_deref(), Some("Forbidden"));
    assert_eq!(refused.actor_role, Some(TokenRole::Viewer));
    assert_eq!(refused.actor_name.as_deref(), Some("viewer"));
    let created = &all[5];
    assert_eq!(created.action, "POST /api/v1/key-pairs");
    assert_eq!(created.status, 201);
    assert_eq!(created.target.as_deref(), Some(id.as_str()));

    // Filters.
    let count = |page: List<AuditEntry>| page.total;
    assert_eq!(count(audit(&server, "?actor=viewer").await), 1);
    let admin_id = newest.actor_id.as_deref().expect("actor id");
    let by_id = audit(&server, &format!("?actor={admin_id}&limit=100")).await;
    assert!(by_id
        .items
        .iter()
        .all(|e| e.actor_id.as_deref() == Some(admin_id)));
    assert_eq!(count(audit(&server, &format!("?target={id}")).await), 3);
    assert_eq!(count(audit(&server, "?action=patch").await), 2);
    assert_eq!(
        count(audit(&server, "?action=PATCH&outcome=success").await),
        1
    );
    assert_eq!(count(audit(&server, "?outcome=403").await), 1);
    assert_eq!(count(audit(&server, "?outcome=Forbidden").await), 1);
    let failures = audit(&server, "?outcome=failure&limit=100").await;
    assert!(failures.total >= 4);
    assert!(failures.items.iter().all(|e| e.status >= 400));
    assert_eq!(
        count(audit(&server, "?since=2999-01-01T00:00:00Z").await),
        0
    );
    assert_eq!(
        count(audit(&server, "?until=2000-01-01T00:00:00Z").await),
        0
    );
    let since = created.at.as_str();
    assert_eq!(
        count(audit(&server, &format!("?since={since}&target={id}")).await),
        3
    );
    let page = audit(&server, "?limit=2&offset=1").await;
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.items[0].id, all[1].id);
    for bad in [
        "?outcome=meh",
        "?since=yesterday",
        "?limit=0",
        "?limit=101",
        "?offset=-1",
    ] {
        let r = server.get(&format!("/audit{bad}")).await;
        let field = bad[1..].split('=').next().expect("a name");
        assert_invalid_field(&r, field);
    }
}

#[tokio::test]
async fn only_admins_read_the_audit_log() {
    let server = App::start(&[]).await;
    let viewer = server.viewer_token().await;
    let (_, agent) = server.register("audit-host", "linux", "STOPPED").await;
    for token in [&viewer, &agent] {
        let r = server.as_token(token, Method::GET, "/audit", None).await;
        assert_refused(&r, ErrorCode::Forbidden);
    }
    let r = server
        .request(Method::GET, "/api/v1/audit", None, &[], None)
        .await;
    assert_eq!(r.status, 401);
    // Token management is audited too, and the instance registration above.
    let r = server
        .post("/tokens", json!({"name": "t", "role": "viewer"}))
        .await;
    assert_eq!(r.status, 201);
    let created: CreatedToken = r.ok();
    let log = audit_resp(&server, "?action=tokens").await;
    let body: List<AuditEntry> = log.ok();
    assert_eq!(body.total, 1);
    assert_eq!(body.items[0].target, Some(created.info.id));
    assert!(!log.text.contains(&created.token));
    assert_eq!(
        audit(&server, "?action=POST /api/v1/instances").await.total,
        1
    );
}
