//! Issue #13 item 3: last logins. An instance's agent token reports a completed login of a
//! key bound to it; the key then carries `last_login`, its details list the last login per
//! instance, the list sorts by it and finds keys unused for a number of days, and the export
//! has it. Anything else is refused, naming the field and the rule, and records nothing.
//! (That only a completed sshd login is reported is `tests/sshd.rs`'s to prove.)

mod common;

use common::{assert_invalid, assert_invalid_field, assert_refused, ed25519_keys, App};
use keyrack_api::{ErrorCode, KeyLogin, KeyLogins, KeyPair, List, Rule};
use reqwest::Method;
use serde_json::{json, Value};

/// `ssh-keygen -l`'s fingerprint of a key, as the API serves it.
fn fingerprint(key: &KeyPair) -> String {
    key.fingerprint_sha256.clone()
}

fn report(fingerprint: &str, user: &str, address: &str) -> Value {
    json!({"fingerprint": fingerprint, "user": user, "client_address": address})
}

fn names(page: &List<KeyPair>) -> Vec<String> {
    page.items.iter().map(|k| k.name.clone()).collect()
}

#[tokio::test]
async fn an_instance_reports_a_login_of_a_bound_key_and_nothing_else() {
    let server = App::start(&["--transition-delay-ms", "500"]).await;
    let keys = ed25519_keys(4);
    let used = server.create("used", &keys[0]).await;
    let other = server.create("other", &keys[1]).await;
    let unbound = server.create("unbound", &keys[2]).await;
    let elsewhere = server.create("elsewhere", &keys[3]).await;
    let used_id = used.id.as_str().to_owned();
    let (web, web_token) = server.register("web-01", "linux", "RUNNING").await;
    let (db, db_token) = server.register("db-01", "linux", "RUNNING").await;
    let (web_id, db_id) = (web.id.as_str().to_owned(), db.id.as_str().to_owned());
    for key in [&used, &other] {
        let r = server.bind("bind", &key.id, &[&web_id, &db_id], true).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let used = server.key_pair(&used_id).await.expect("the key pair");
    assert_eq!(used.last_login, None, "a new key never logged in");
    let r = server
        .bind("bind", elsewhere.id.as_str(), &[&db_id], true)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let logins = |id: &str| format!("/instances/{id}/logins");

    // The instance's agent reports a login; the answer is what was recorded.
    let r = server
        .as_token(
            &web_token,
            Method::POST,
            &logins(&web_id),
            Some(report(&fingerprint(&used), "root", "::ffff:203.0.113.7")),
        )
        .await;
    let first: KeyLogin = r.ok();
    assert_eq!(first.instance_id, web_id);
    assert_eq!(first.instance_name, "web-01");
    assert_eq!(first.user, "root");
    assert_eq!(first.client_address, "203.0.113.7", "canonical form");

    let key = server.key_pair(&used_id).await.expect("the key pair");
    assert_eq!(key.last_login.as_ref(), Some(&first));
    assert_eq!(key.version, used.version, "a login is not an edit");

    // A later login elsewhere becomes the key's last; the details keep one per instance.
    let r = server
        .as_token(
            &db_token,
            Method::POST,
            &logins(&db_id),
            Some(report(&fingerprint(&used), "deploy", "10.0.0.9")),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let last = server
        .key_pair(&used_id)
        .await
        .expect("the key pair")
        .last_login
        .expect("a login");
    assert_eq!(
        (last.instance_name.as_str(), last.user.as_str()),
        ("db-01", "deploy")
    );
    let r = server.get(&format!("/key-pairs/{used_id}/logins")).await;
    let per_instance: Vec<(String, String)> = r
        .ok::<KeyLogins>()
        .items
        .into_iter()
        .map(|l| (l.instance_name, l.user))
        .collect();
    assert_eq!(
        per_instance,
        [
            ("db-01".into(), "deploy".into()),
            ("web-01".into(), "root".into())
        ]
    );
    let r = server.get(&format!("/key-pairs/{}/logins", other.id)).await;
    assert!(r.ok::<KeyLogins>().items.is_empty(), "{}", r.text);

    // Refused, and nothing recorded: a key bound nowhere, a key bound to another instance
    // only, another instance's path, a person's token, fields that break their rules.
    for key in [&unbound, &elsewhere] {
        let r = server
            .as_token(
                &web_token,
                Method::POST,
                &logins(&web_id),
                Some(report(&fingerprint(key), "root", "10.0.0.1")),
            )
            .await;
        assert!(
            matches!(r.refusal().code, ErrorCode::KeyPairNotFound { .. }),
            "{}",
            r.text
        );
    }
    let r = server
        .as_token(
            &web_token,
            Method::POST,
            &logins(&db_id),
            Some(report(&fingerprint(&other), "root", "10.0.0.1")),
        )
        .await;
    assert_refused(&r, ErrorCode::Forbidden);
    let r = server
        .post(
            &logins(&web_id),
            report(&fingerprint(&other), "root", "10.0.0.1"),
        )
        .await;
    assert_refused(&r, ErrorCode::Forbidden);
    for (body, field, rule) in [
        (
            report("SHA256:short", "root", "10.0.0.1"),
            "fingerprint",
            Rule::Format,
        ),
        (
            report(&fingerprint(&other), "root;rm", "10.0.0.1"),
            "user",
            Rule::Charset,
        ),
        (
            report(&fingerprint(&other), "", "10.0.0.1"),
            "user",
            Rule::Length,
        ),
        (
            report(&fingerprint(&other), "root", "web-01"),
            "client_address",
            Rule::Format,
        ),
    ] {
        let r = server
            .as_token(&web_token, Method::POST, &logins(&web_id), Some(body))
            .await;
        assert_invalid(&r, field, rule);
    }
    for key in [&other, &unbound, &elsewhere] {
        let key = server.key_pair(&key.id).await.expect("the key pair");
        assert_eq!(key.last_login, None, "{key:?}");
    }
    let r = server.get("/key-pairs/skey-00000000/logins").await;
    assert_refused(
        &r,
        ErrorCode::KeyPairNotFound {
            id: "skey-00000000".into(),
        },
    );

    // The list sorts by it: most recent first puts keys that never logged in last; the
    // other way round, they come first.
    let page = server.key_pairs("sort=-last_login").await;
    assert_eq!(names(&page)[0], "used");
    let last = page.items[0].last_login.as_ref().expect("a login");
    assert_eq!(last.instance_name, "db-01");
    let page = server.key_pairs("sort=last_login").await;
    assert_eq!(names(&page).last().map(String::as_str), Some("used"));

    // The export carries it.
    let r = server.get("/key-pairs/export.csv?q=used").await;
    let mut lines = r.text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let row: Vec<&str> = lines.next().expect("row").split(',').collect();
    let cell = |name: &str| row[header.iter().position(|h| *h == name).expect(name)];
    assert_eq!(cell("last_login_instance_name"), "db-01", "{}", r.text);
    assert_eq!(cell("last_login_user"), "deploy");
    assert_eq!(cell("last_login_client_address"), "10.0.0.9");

    // A key with logins is deleted like any other once unbound (its logins go with it).
    let r = server
        .bind("unbind", &used_id, &[&web_id, &db_id], true)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = server.delete(&format!("/key-pairs/{used_id}")).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = server.get(&format!("/key-pairs/{used_id}/logins")).await;
    assert_eq!(r.status, 404);
}

/// The demo's keys were made days ago and some logged in (see `demo.rs`): web-prod 3 hours
/// ago, ci-deploy 50 hours ago, db-admin 40 days ago; bastion (60 days old), backup-agent (30)
/// and legacy-ops (400) never.
#[tokio::test]
async fn unused_for_days_finds_keys_neither_made_nor_used_lately() {
    let server = App::start(&["--demo"]).await;
    let page = server.key_pairs("unused_for_days=90&sort=name").await;
    assert_eq!(names(&page), ["legacy-ops"]);
    assert_eq!(page.total, 1);
    let page = server.key_pairs("unused_for_days=35&sort=name").await;
    assert_eq!(names(&page), ["bastion", "db-admin", "legacy-ops"]);
    assert_eq!(page.total, 3);
    // With the other filters, and in the other order.
    let page = server
        .key_pairs("unused_for_days=35&tag=team&sort=-name")
        .await;
    assert_eq!(names(&page), ["db-admin", "bastion"]);
    assert_eq!(page.total, 2);
    // Only web-prod logged in within a day.
    let page = server.key_pairs("unused_for_days=1").await;
    assert_eq!(page.total, 5);

    let page = server.key_pairs("sort=-last_login").await;
    assert_eq!(names(&page)[..3], ["web-prod", "ci-deploy", "db-admin"]);
    let web = server.key_named("web-prod").await;
    let last = web.last_login.expect("a login");
    assert_eq!(last.instance_name, "web-gz-01");

    for bad in ["0", "3651", "ninety"] {
        let r = server
            .get(&format!("/key-pairs?unused_for_days={bad}"))
            .await;
        assert_invalid_field(&r, "unused_for_days");
    }
}
