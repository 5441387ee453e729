//! Issue #13 item 2: the key policy. Admins set it; create and Modify refuse what breaks it
//! with `PolicyViolation` naming the field and the rule; keys registered before stay, marked
//! `allowed_by_policy: false`, and leave `authorized_keys` only when it is enforced at login.

mod common;

use common::{assert_invalid, assert_refused, bind_outcomes, ed25519_keys, ssh_keygen, App};
use keyrack_api::{AuditEntry, BindOutcome, ErrorCode, KeyPair, List, Policy, PolicyRule, Rule};
use reqwest::Method;
use serde_json::json;

fn rsa_key(bits: u32) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("rsa");
    ssh_keygen(&["-t", "rsa", "-b", &bits.to_string()], &file);
    std::fs::read_to_string(file.with_extension("pub")).expect("public key file")
}

fn ecdsa_key() -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("ecdsa");
    ssh_keygen(&["-t", "ecdsa", "-b", "256"], &file);
    std::fs::read_to_string(file.with_extension("pub")).expect("public key file")
}

fn in_days(days: u64) -> String {
    keyrack_server::clock::after(std::time::Duration::from_secs(days * 86_400)).to_string()
}

/// The refusal of a key that breaks the policy's `rule`.
fn refused(field: &str, rule: PolicyRule) -> ErrorCode {
    ErrorCode::PolicyViolation {
        field: field.into(),
        rule,
    }
}

#[tokio::test]
async fn the_policy_refuses_new_keys_marks_old_ones_and_is_enforced_when_asked() {
    let server = App::start(&[]).await;

    // The default allows what Keyrack accepts; everyone signed in reads it, admins change it.
    let r = server.get("/policy").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let policy: Policy = r.ok();
    assert_eq!(policy.min_rsa_bits, 2048);
    assert_eq!(policy.max_lifetime_days, None);
    assert!(!policy.enforce_on_login);
    assert_eq!(policy.allowed_algorithms.len(), 7);
    let viewer = server.viewer_token().await;
    let r = server.as_token(&viewer, Method::GET, "/policy", None).await;
    assert_eq!(r.status, 200, "{}", r.text);

    // Keys registered under the default.
    let old_rsa = server.create("old-rsa", &rsa_key(2048)).await;
    let old_ecdsa = server.create("old-ecdsa", &ecdsa_key()).await;
    let old_rsa_id = old_rsa.id.as_str().to_owned();
    assert!(old_rsa.allowed_by_policy);

    let strict = json!({
        "allowed_algorithms": ["ssh-ed25519", "ssh-rsa"],
        "min_rsa_bits": 3072,
        "max_lifetime_days": 90,
        "enforce_on_login": false,
    });
    let r = server
        .as_token(&viewer, Method::PUT, "/policy", Some(strict.clone()))
        .await;
    assert_refused(&r, ErrorCode::Forbidden);

    // A policy that cannot be kept is refused, naming the field and the rule.
    for (change, field, rule) in [
        (
            json!({"allowed_algorithms": []}),
            "allowed_algorithms",
            Rule::Required,
        ),
        (
            json!({"allowed_algorithms": ["ssh-ed25519", "ssh-dss"]}),
            "allowed_algorithms[1]",
            Rule::Format,
        ),
        (json!({"min_rsa_bits": 1024}), "min_rsa_bits", Rule::Range),
        (
            json!({"max_lifetime_days": 0}),
            "max_lifetime_days",
            Rule::Range,
        ),
    ] {
        let mut body = strict.clone();
        for (k, v) in change.as_object().expect("object") {
            body[k] = v.clone();
        }
        let r = server.api(Method::PUT, "/policy", Some(body)).await;
        assert_invalid(&r, field, rule);
    }
    let policy: Policy = server.get("/policy").await.ok();
    assert_eq!(policy.min_rsa_bits, 2048);

    let r = server
        .api(Method::PUT, "/policy", Some(strict.clone()))
        .await;
    // Raw JSON on purpose: the saved policy is echoed, and read back, as exactly the JSON
    // that was sent.
    assert_eq!((r.status, &r.body), (200, &strict), "{}", r.text);
    assert_eq!(server.get("/policy").await.body, strict);

    // New keys: type, RSA size and lifetime, each refused with its own rule.
    let keys = ed25519_keys(2);
    let create = |name: &str, key: &str, expires_at: Option<String>| {
        let mut body = json!({"name": name, "public_key": key});
        if let Some(at) = expires_at {
            body["expires_at"] = json!(at);
        }
        let server = &server;
        async move { server.post("/key-pairs", body).await }
    };
    let r = create("new", &keys[0], None).await;
    assert_refused(&r, refused("expires_at", PolicyRule::MaxLifetimeDays));
    assert!(r.text.contains("90 days"), "{}", r.text);
    let r = create("new", &keys[0], Some(in_days(91))).await;
    assert_refused(&r, refused("expires_at", PolicyRule::MaxLifetimeDays));
    let r = create("new", &ecdsa_key(), Some(in_days(30))).await;
    assert_refused(&r, refused("public_key", PolicyRule::AllowedAlgorithms));
    assert!(r.text.contains("ecdsa-sha2-nistp256"), "{}", r.text);
    let r = create("new", &rsa_key(2048), Some(in_days(30))).await;
    assert_refused(&r, refused("public_key", PolicyRule::MinRsaBits));
    assert!(r.text.contains("3072"), "{}", r.text);
    let r = create("new", &keys[0], Some(in_days(89))).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(r.ok::<KeyPair>().allowed_by_policy);
    assert_eq!(server.key_pairs("").await.total, 3);

    // Old keys stay, marked, in the list, the details and the export.
    let marks: Vec<(String, bool)> = server
        .key_pairs("sort=name")
        .await
        .items
        .into_iter()
        .map(|k| (k.name, k.allowed_by_policy))
        .collect();
    assert_eq!(
        marks,
        [
            ("new".to_owned(), true),
            ("old-ecdsa".to_owned(), false),
            ("old-rsa".to_owned(), false)
        ]
    );
    let id = old_ecdsa.id.as_str();
    let r = server.get(&format!("/key-pairs/{id}")).await;
    assert!(!r.ok::<KeyPair>().allowed_by_policy, "{}", r.text);
    let r = server.get("/key-pairs/export.csv?q=old-rsa").await;
    assert!(r
        .text
        .lines()
        .next()
        .expect("header")
        .contains("allowed_by_policy"));
    assert!(r.text.contains(",false,"), "{}", r.text);

    // Modify: a new expiry must fit the lifetime; never (null) is refused; an earlier date,
    // which retires the key sooner, is fine.
    let path = format!("/key-pairs/{old_rsa_id}");
    let modify = |change| server.api(Method::PATCH, &path, Some(change));
    let r = modify(json!({"expires_at": null})).await;
    assert_refused(&r, refused("expires_at", PolicyRule::MaxLifetimeDays));
    let r = modify(json!({"expires_at": in_days(400)})).await;
    assert_refused(&r, refused("expires_at", PolicyRule::MaxLifetimeDays));
    let r = modify(json!({"expires_at": in_days(10)})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!r.ok::<KeyPair>().allowed_by_policy);
    let r = modify(json!({"description": "kept"})).await;
    assert_eq!(
        r.status, 200,
        "a change that leaves the expiry alone: {}",
        r.text
    );

    // sshd still gets the old RSA key until the policy is enforced at login.
    let (host, agent) = server.register("host", "linux", "STOPPED").await;
    let host_id = host.id.as_str();
    let r = server.bind("bind", &old_rsa_id, &[host_id], false).await;
    assert_eq!(bind_outcomes(&r)[0], BindOutcome::Bound);
    let keys_path = format!("/instances/{host_id}/authorized_keys");
    let by_fingerprint = format!(
        "{keys_path}?fingerprint={}",
        old_rsa
            .fingerprint_sha256
            .as_str()
            .replace(':', "%3A")
            .replace('+', "%2B")
            .replace('/', "%2F")
    );
    for path in [&keys_path, &by_fingerprint] {
        let r = server.as_token(&agent, Method::GET, path, None).await;
        assert!(r.text.contains(&old_rsa_id), "{path}: {}", r.text);
    }
    let mut enforced = strict.clone();
    enforced["enforce_on_login"] = json!(true);
    let r = server.api(Method::PUT, "/policy", Some(enforced)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    for path in [&keys_path, &by_fingerprint] {
        let r = server.as_token(&agent, Method::GET, path, None).await;
        assert_eq!((r.status, r.text.as_str()), (200, ""), "{path}");
    }
    // Relaxing the policy brings the key back, without touching it.
    let r = server.allow_only_ed25519_and_rsa(true).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = server.as_token(&agent, Method::GET, &keys_path, None).await;
    assert!(r.text.contains(&old_rsa_id), "{}", r.text);

    // Each change of the policy is in the audit log.
    let r = server.get("/audit?limit=100").await;
    let puts = r
        .ok::<List<AuditEntry>>()
        .items
        .iter()
        .filter(|e| e.action == "PUT /api/v1/policy" && e.status == 200)
        .count();
    assert_eq!(puts, 3, "{}", r.text);
}

/// Issue #23 item 7: a saved policy the server cannot read (a newer server's body, a damaged
/// row) used to fall back to the default, which does not enforce anything at login. It now
/// fails closed: no bound key reaches sshd and no new key is registered, until an admin
/// saves a policy again.
#[tokio::test]
async fn an_unreadable_policy_fails_closed_at_login() {
    let server = App::start(&[]).await;
    let keys = ed25519_keys(2);
    let key = server.create("bound", &keys[0]).await;
    let key_id = key.id.as_str().to_owned();
    let (host, agent) = server.register("host", "linux", "STOPPED").await;
    let host_id = host.id.as_str().to_owned();
    let r = server.bind("bind", &key_id, &[&host_id], false).await;
    assert_eq!(bind_outcomes(&r)[0], BindOutcome::Bound);
    let keys_path = format!("/instances/{host_id}/authorized_keys");
    let r = server.as_token(&agent, Method::GET, &keys_path, None).await;
    assert!(r.text.contains(&key_id), "{}", r.text);

    // What a newer server might have saved: a field of a shape this one does not know.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(server.database_url().expect("database"))
        .await
        .expect("connect");
    sqlx::query(
        "INSERT INTO policy (id, body, updated_at) VALUES (1, $1, '2027-01-01T00:00:00.000Z') \
         ON CONFLICT (id) DO UPDATE SET body = excluded.body",
    )
    .bind(r#"{"allowed_algorithms": {"v2": ["ssh-ed25519"]}, "min_rsa_bits": 2048}"#)
    .execute(&pool)
    .await
    .expect("write an unreadable policy");
    pool.close().await;

    let r = server.as_token(&agent, Method::GET, &keys_path, None).await;
    assert_eq!((r.status, r.text.as_str()), (200, ""), "no key logs in");
    let r = server
        .post("/key-pairs", json!({"name": "new", "public_key": keys[1]}))
        .await;
    assert_refused(&r, refused("public_key", PolicyRule::AllowedAlgorithms));
    // The admin sees why on the Policy page, and saving a policy lifts it.
    let policy: Policy = server.get("/policy").await.ok();
    assert!(policy.allowed_algorithms.is_empty(), "{policy:?}");
    assert!(policy.enforce_on_login);
    let r = server
        .api(
            Method::PUT,
            "/policy",
            Some(json!({"allowed_algorithms": ["ssh-ed25519"], "min_rsa_bits": 2048})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = server.as_token(&agent, Method::GET, &keys_path, None).await;
    assert!(r.text.contains(&key_id), "{}", r.text);
}
