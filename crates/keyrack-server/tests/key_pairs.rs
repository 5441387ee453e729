//! Key-pair endpoints, in process: every rule and error code of `docs/rules.md` and the
//! OpenAPI document.

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::{
    assert_invalid, assert_refused, bind_outcomes, ed25519_keys, random_ed25519_line, tags, App,
};
use keyrack_api::{
    ApiError, BindOutcome, CreateKeyPair, ErrorCode, KeyPair, KeyRefusal, List, Origin, Rule,
    Timestamp,
};
use reqwest::Method;
use serde_json::{json, Value};

const CERT: &str = include_str!("fixtures/ed25519-cert.pub");
const DSA: &str = include_str!("fixtures/dsa.pub");
const RSA_1024: &str = include_str!("fixtures/rsa1024.pub");
const PRIVATE_KEY: &str = include_str!("fixtures/private_ed25519");

#[tokio::test]
async fn create_answers_201_with_the_parsed_key() {
    let server = App::start(&[]).await;
    let key = &ed25519_keys(1)[0];
    let r = server
        .post(
            "/key-pairs",
            json!({
                "name": "Web-Prod_01",
                "description": "Ключ для 生产",
                "public_key": format!("  {key}  "),
                "tags": [{"key": "env", "value": "prod"}, {"key": "团队", "value": ""}],
                "origin": "generated",
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let k = &r.body;
    let id = k["id"].as_str().expect("id");
    assert!(id.starts_with("skey-") && id.len() == 13, "{id}");
    assert!(id[5..]
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase()));
    assert_eq!(
        r.header("location"),
        Some(format!("/api/v1/key-pairs/{id}").as_str())
    );
    assert_eq!(r.header("etag"), Some("\"1\""));
    let mut parts = key.split_whitespace();
    let normalised = format!(
        "{} {}",
        parts.next().expect("type"),
        parts.next().expect("blob")
    );
    assert_eq!(k["public_key"], normalised.as_str());
    assert_eq!(k["comment"], "test0@keyrack");
    assert_eq!(k["algorithm"], "ssh-ed25519");
    assert_eq!(k["bits"], 256);
    assert_eq!(k["origin"], "generated");
    assert_eq!(k["name"], "Web-Prod_01");
    assert_eq!(k["description"], "Ключ для 生产");
    assert_eq!(
        k["tags"],
        json!([{"key": "env", "value": "prod"}, {"key": "团队", "value": ""}])
    );
    assert_eq!(k["instance_ids"], json!([]));
    assert_eq!(k["image_ids"], json!([]));
    assert_eq!(k["version"], 1);
    assert!(k["fingerprint_sha256"]
        .as_str()
        .expect("sha")
        .starts_with("SHA256:"));
    assert!(k["fingerprint_md5"]
        .as_str()
        .expect("md5")
        .starts_with("MD5:"));
    let created = k["created_at"].as_str().expect("created_at");
    assert!(created.ends_with('Z') && created.len() == 24, "{created}");
    assert_eq!(k["updated_at"], k["created_at"]);

    let got = server.get(&format!("/key-pairs/{id}")).await;
    assert_eq!(got.status, 200);
    assert_eq!(&got.body, k);
    assert_eq!(got.header("etag"), Some("\"1\""));

    // Origin defaults to imported.
    let key2 = &ed25519_keys(1)[0];
    assert_eq!(server.create("second", key2).await.origin, Origin::Imported);
}

#[tokio::test]
async fn every_field_rule_is_refused_naming_field_and_rule() {
    let server = App::start(&[]).await;
    let key = ed25519_keys(1).remove(0);
    let many_tags: Vec<Value> = (0..51).map(|i| json!({"key": format!("k{i}")})).collect();
    let cases: Vec<(Value, &str, Rule)> = vec![
        (json!({"name": ""}), "name", Rule::Required),
        (json!({"name": "x".repeat(65)}), "name", Rule::Length),
        (json!({"name": "has space"}), "name", Rule::Charset),
        (json!({"name": "ключ"}), "name", Rule::Charset),
        (json!({"name": "-lead"}), "name", Rule::FirstChar),
        (
            json!({"description": "é".repeat(256)}),
            "description",
            Rule::Length,
        ),
        (
            json!({"description": "line\nbreak"}),
            "description",
            Rule::ControlChar,
        ),
        (
            json!({"description": "evil\u{202E}txt"}),
            "description",
            Rule::BidiOverride,
        ),
        (
            json!({"description": "zero\u{200B}width"}),
            "description",
            Rule::InvisibleChar,
        ),
        (
            json!({"description": "mark\u{200F}"}),
            "description",
            Rule::BidiOverride,
        ),
        (json!({"name": "web\u{202E}01"}), "name", Rule::BidiOverride),
        (
            json!({"name": "web\u{FEFF}01"}),
            "name",
            Rule::InvisibleChar,
        ),
        (
            json!({"tags": [{"key": "env\u{200B}", "value": "prod"}]}),
            "tags[0].key",
            Rule::InvisibleChar,
        ),
        (
            json!({"tags": [{"key": "env", "value": "pr\u{200D}od"}]}),
            "tags[0].value",
            Rule::InvisibleChar,
        ),
        (
            json!({"tags": [{"key": "env", "value": "\u{2066}prod"}]}),
            "tags[0].value",
            Rule::BidiOverride,
        ),
        (
            json!({"tags": [{"key": "env\u{1B}[1m", "value": ""}]}),
            "tags[0].key",
            Rule::ControlChar,
        ),
        (
            json!({"tags": [{"key": "", "value": "v"}]}),
            "tags[0].key",
            Rule::Required,
        ),
        (
            json!({"tags": [{"key": "k".repeat(128)}]}),
            "tags[0].key",
            Rule::Length,
        ),
        (
            json!({"tags": [{"key": "a", "value": "v".repeat(256)}]}),
            "tags[0].value",
            Rule::Length,
        ),
        (
            json!({"tags": [{"key": "a!"}]}),
            "tags[0].key",
            Rule::Charset,
        ),
        (
            json!({"tags": [{"key": "a", "value": "x;y"}]}),
            "tags[0].value",
            Rule::Charset,
        ),
        (
            json!({"tags": [{"key": "KeyRack:owner"}]}),
            "tags[0].key",
            Rule::Reserved,
        ),
        (
            json!({"tags": [{"key": "env"}, {"key": "env"}]}),
            "tags[1].key",
            Rule::Unique,
        ),
        (json!({"tags": many_tags}), "tags", Rule::Count),
    ];
    for (overrides, field, rule) in cases {
        let mut body = json!({"name": "valid", "public_key": key});
        for (k, v) in overrides.as_object().expect("object") {
            body[k] = v.clone();
        }
        let r = server.post("/key-pairs", body).await;
        assert_invalid(&r, field, rule);
    }
    // Nothing was created by any refused request.
    assert_eq!(server.key_pairs("").await.total, 0);
}

#[tokio::test]
async fn every_public_key_refusal_has_its_reason() {
    let server = App::start(&[]).await;
    let good = ed25519_keys(1).remove(0);
    let cases: Vec<(String, KeyRefusal)> = vec![
        (DSA.to_owned(), KeyRefusal::Dsa),
        (RSA_1024.to_owned(), KeyRefusal::RsaTooShort),
        (CERT.to_owned(), KeyRefusal::Certificate),
        (PRIVATE_KEY.to_owned(), KeyRefusal::PrivateKey),
        (
            format!("from=\"10.0.0.1\",no-pty {good}"),
            KeyRefusal::Options,
        ),
        ("this is not a key".to_owned(), KeyRefusal::Malformed),
        ("ssh-ed25519 AAAA!!!!".to_owned(), KeyRefusal::Malformed),
        (format!("{good}\n{good}"), KeyRefusal::MultipleKeys),
        ("   ".to_owned(), KeyRefusal::Empty),
        ("a".repeat(16 * 1024 + 1), KeyRefusal::TooLarge),
    ];
    for (public_key, reason) in cases {
        let r = server
            .post("/key-pairs", json!({"name": "k", "public_key": public_key}))
            .await;
        assert_refused(&r, public_key_invalid(reason));
    }
    // A private key pasted by mistake is never echoed back, not even in part.
    let r = server
        .post(
            "/key-pairs",
            json!({"name": "k", "public_key": PRIVATE_KEY}),
        )
        .await;
    let secret_line = PRIVATE_KEY.lines().nth(1).expect("key body");
    assert!(!r.text.contains(secret_line), "{}", r.text);
    assert!(!r.text.contains(&secret_line[..20]), "{}", r.text);
}

#[tokio::test]
async fn duplicates_and_quota_are_conflicts() {
    let server = App::start(&["--key-pair-quota", "2"]).await;
    let keys = ed25519_keys(3);
    let first = server.create("Alpha", &keys[0]).await;

    let r = server
        .post(
            "/key-pairs",
            json!({"name": "aLPHA", "public_key": keys[1]}),
        )
        .await;
    assert_refused(&r, ErrorCode::name_duplicate("aLPHA"));

    let r = server
        .post("/key-pairs", json!({"name": "beta", "public_key": keys[0]}))
        .await;
    let first_id = first.id.as_str();
    assert_refused(&r, ErrorCode::public_key_duplicate(first_id, "Alpha"));

    server.create("beta", &keys[1]).await;
    let r = server
        .post(
            "/key-pairs",
            json!({"name": "gamma", "public_key": keys[2]}),
        )
        .await;
    assert_refused(&r, ErrorCode::KeyPairLimitExceeded { quota: 2 });

    // Renaming onto another key's name (in any case) is a duplicate too.
    let id = first.id.as_str();
    let r = server
        .api(
            Method::PATCH,
            &format!("/key-pairs/{id}"),
            Some(json!({"name": "BETA"})),
        )
        .await;
    assert_refused(&r, ErrorCode::name_duplicate("BETA"));
    // A change of case of its own name is not.
    let r = server
        .api(
            Method::PATCH,
            &format!("/key-pairs/{id}"),
            Some(json!({"name": "ALPHA"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn list_filters_sorts_and_pages() {
    let server = App::start(&[]).await;
    let keys = ed25519_keys(4);
    let names = ["delta-web", "alpha-db", "Charlie-web", "bravo"];
    let mut created = Vec::new();
    for (name, key) in names.iter().zip(&keys) {
        created.push(server.create(name, key).await);
    }
    let tag = |id: &str, tags: Value| {
        let path = format!("/key-pairs/{id}/tags");
        (path, json!({ "tags": tags }))
    };
    for (i, tags) in [
        json!([{"key": "env", "value": "prod"}]),
        json!([{"key": "env", "value": "dev"}]),
        json!([{"key": "env", "value": "prod"}, {"key": "team", "value": "x:y"}]),
    ]
    .into_iter()
    .enumerate()
    {
        let (path, body) = tag(&created[i].id, tags);
        assert_eq!(server.api(Method::PUT, &path, Some(body)).await.status, 200);
    }
    let names_of =
        |page: List<KeyPair>| -> Vec<String> { page.items.into_iter().map(|k| k.name).collect() };
    let times_of = |page: List<KeyPair>| -> Vec<Timestamp> {
        page.items.into_iter().map(|k| k.created_at).collect()
    };

    assert_eq!(server.key_pairs("").await.total, 4);
    assert_eq!(
        names_of(server.key_pairs("sort=name").await),
        ["alpha-db", "bravo", "Charlie-web", "delta-web"]
    );
    assert_eq!(
        names_of(server.key_pairs("sort=-name").await),
        ["delta-web", "Charlie-web", "bravo", "alpha-db"]
    );
    let times = times_of(server.key_pairs("sort=created_at").await);
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    let desc = times_of(server.key_pairs("sort=-created_at").await);
    assert!(desc.windows(2).all(|w| w[0] >= w[1]), "{desc:?}");

    // q: name substring, case-insensitive; id substring; fingerprint exact and prefix.
    assert_eq!(
        names_of(server.key_pairs("q=WEB&sort=name").await),
        ["Charlie-web", "delta-web"]
    );
    let id = created[3].id.as_str();
    assert_eq!(
        names_of(server.key_pairs(&format!("q={}", &id[2..])).await),
        ["bravo"]
    );
    let fp = created[1].fingerprint_sha256.as_str();
    let enc = |s: &str| {
        s.replace('+', "%2B")
            .replace('/', "%2F")
            .replace(':', "%3A")
    };
    assert_eq!(
        names_of(server.key_pairs(&format!("q={}", enc(fp))).await),
        ["alpha-db"]
    );
    let page = server.key_pairs(&format!("q={}", enc(&fp[..20]))).await;
    assert_eq!(names_of(page), ["alpha-db"], "{fp}");
    let md5 = created[1].fingerprint_md5.as_str();
    assert_eq!(
        names_of(server.key_pairs(&format!("q={}", enc(md5))).await),
        ["alpha-db"]
    );
    assert_eq!(server.key_pairs("q=nothing-matches").await.total, 0);
    // Short text, the middle of a name, a fingerprint without its prefix, MD5 in lower case
    // and without its prefix, and LIKE's wildcards taken literally.
    // Two characters also match within a random id: ~2% of runs give one a "ta".
    let mut with_ta: Vec<&str> = created
        .iter()
        .filter(|k| k.name.to_lowercase().contains("ta") || k.id.contains("ta"))
        .map(|k| k.name.as_str())
        .collect();
    with_ta.sort_by_key(|name| name.to_lowercase());
    assert!(with_ta.contains(&"delta-web"));
    assert_eq!(names_of(server.key_pairs("q=ta&sort=name").await), with_ta);
    assert_eq!(
        names_of(server.key_pairs("q=a-W&sort=name").await),
        ["delta-web"]
    );
    let bare = fp.strip_prefix("SHA256:").expect("SHA256:");
    assert_eq!(
        names_of(server.key_pairs(&format!("q={}", enc(&bare[..8]))).await),
        ["alpha-db"]
    );
    let lower_md5 = md5.to_lowercase();
    assert_eq!(
        names_of(
            server
                .key_pairs(&format!("q={}", enc(&lower_md5[..14])))
                .await
        ),
        ["alpha-db"]
    );
    let bare_md5 = md5.strip_prefix("MD5:").expect("MD5:");
    assert_eq!(
        names_of(
            server
                .key_pairs(&format!("q={}", enc(&bare_md5[..11])))
                .await
        ),
        ["alpha-db"]
    );
    for wildcard in ["%25", "_", "%25web"] {
        assert_eq!(
            server.key_pairs(&format!("q={wildcard}")).await.total,
            0,
            "{wildcard}"
        );
    }
    // Pages past the middle are read from the end: the same rows in the same order.
    let all = names_of(server.key_pairs("sort=name&limit=100").await);
    for offset in 0..4 {
        let page = server
            .key_pairs(&format!("sort=name&offset={offset}&limit=1"))
            .await;
        assert_eq!(names_of(page), [all[offset].clone()], "offset {offset}");
        let page = server
            .key_pairs(&format!("sort=-name&offset={offset}&limit=3"))
            .await;
        let mut expected: Vec<String> = all.iter().rev().skip(offset).take(3).cloned().collect();
        expected.truncate(3);
        assert_eq!(names_of(page), expected, "offset {offset} descending");
    }

    // tag=key and tag=key:value (split at the first colon).
    assert_eq!(server.key_pairs("tag=env").await.total, 3);
    assert_eq!(
        names_of(server.key_pairs("tag=env:prod&sort=name").await),
        ["Charlie-web", "delta-web"]
    );
    assert_eq!(
        names_of(server.key_pairs("tag=team:x:y").await),
        ["Charlie-web"]
    );
    assert_eq!(server.key_pairs("tag=env:staging").await.total, 0);

    // Paging keeps the total.
    let page = server.key_pairs("sort=name&offset=1&limit=2").await;
    assert_eq!(page.total, 4);
    assert_eq!(names_of(page), ["bravo", "Charlie-web"]);
    assert_eq!(names_of(server.key_pairs("offset=10").await).len(), 0);
    assert_eq!(names_of(server.key_pairs("limit=100").await).len(), 4);

    for (query, field, rule) in [
        ("limit=101", "limit", Rule::Range),
        ("limit=0", "limit", Rule::Range),
        ("limit=-1", "limit", Rule::Format),
        ("limit=ten", "limit", Rule::Format),
        ("offset=-5", "offset", Rule::Format),
        ("sort=size", "sort", Rule::Format),
        ("tag=", "tag", Rule::Format),
    ] {
        let r = server.get(&format!("/key-pairs?{query}")).await;
        assert_invalid(&r, field, rule);
    }
}

#[tokio::test]
async fn patch_and_tags_honour_if_match_and_bump_the_version() {
    let server = App::start(&[]).await;
    let key = server.create("orig", &ed25519_keys(1)[0]).await;
    let path = format!("/key-pairs/{}", key.id.as_str());

    let r = server
        .with_if_match(
            Method::PATCH,
            &path,
            "\"1\"",
            json!({"description": "now described"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.ok::<KeyPair>().version, 2);
    assert_eq!(r.ok::<KeyPair>().name, "orig");
    assert_eq!(r.ok::<KeyPair>().description, "now described");
    assert_eq!(r.header("etag"), Some("\"2\""));
    assert!(r.ok::<KeyPair>().updated_at >= key.updated_at);

    // A stale version is refused and changes nothing.
    let r = server
        .with_if_match(Method::PATCH, &path, "\"1\"", json!({"name": "lost"}))
        .await;
    assert_refused(&r, ErrorCode::PreconditionFailed { current_version: 2 });
    assert_eq!(server.get(&path).await.ok::<KeyPair>().name, "orig");

    // A bare version works too; no If-Match means "any version".
    let r = server
        .with_if_match(
            Method::PATCH,
            &path,
            "2",
            json!({"name": "renamed", "description": ""}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.ok::<KeyPair>().version, 3);
    assert_eq!(r.ok::<KeyPair>().description, "");
    let r = server
        .api(Method::PATCH, &path, Some(json!({"name": "again"})))
        .await;
    assert_eq!(r.ok::<KeyPair>().version, 4);

    let r = server
        .with_if_match(Method::PATCH, &path, "\"x\"", json!({"name": "bad-etag"}))
        .await;
    assert_invalid(&r, "If-Match", Rule::Format);

    // PATCH rules: at least one field, each field's rule.
    let r = server.api(Method::PATCH, &path, Some(json!({}))).await;
    assert_invalid(&r, "name", Rule::Required);
    let r = server
        .api(Method::PATCH, &path, Some(json!({"name": "no spaces"})))
        .await;
    assert_invalid(&r, "name", Rule::Charset);

    // Tags are replaced as a whole, in order, with If-Match.
    let tags_path = format!("{path}/tags");
    let r = server
        .with_if_match(
            Method::PUT,
            &tags_path,
            "\"4\"",
            json!({"tags": [{"key": "b", "value": "2"}, {"key": "a", "value": "1"}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.ok::<KeyPair>().tags, tags(&[("b", "2"), ("a", "1")]));
    assert_eq!(r.ok::<KeyPair>().version, 5);
    assert_eq!(r.header("etag"), Some("\"5\""));
    let r = server
        .api(
            Method::PUT,
            &tags_path,
            Some(json!({"tags": [{"key": "c", "value": ""}]})),
        )
        .await;
    assert_eq!(r.ok::<KeyPair>().tags, tags(&[("c", "")]));
    let r = server
        .with_if_match(Method::PUT, &tags_path, "\"5\"", json!({"tags": []}))
        .await;
    assert_refused(&r, ErrorCode::PreconditionFailed { current_version: 6 });
    let r = server
        .api(
            Method::PUT,
            &tags_path,
            Some(json!({"tags": [{"key": "keyrack:x"}]})),
        )
        .await;
    assert_invalid(&r, "tags[0].key", Rule::Reserved);
    assert_eq!(
        server.get(&path).await.ok::<KeyPair>().tags,
        tags(&[("c", "")])
    );

    // Unknown ids.
    for r in [
        server.get("/key-pairs/skey-00000000").await,
        server
            .api(
                Method::PATCH,
                "/key-pairs/skey-00000000",
                Some(json!({"name": "x"})),
            )
            .await,
        server
            .api(
                Method::PUT,
                "/key-pairs/nope/tags",
                Some(json!({"tags": []})),
            )
            .await,
        server.delete("/key-pairs/skey-00000000").await,
    ] {
        assert!(
            matches!(r.refusal().code, ErrorCode::KeyPairNotFound { .. }),
            "{}",
            r.text
        );
        assert_eq!(r.status, 404);
    }
}

#[tokio::test]
async fn delete_refuses_referenced_keys_and_batch_delete_reports_each() {
    let server = App::start(&["--demo"]).await;
    let web = server.key_named("web-prod").await;
    let bastion = server.key_named("bastion").await;
    let ci = server.key_named("ci-deploy").await;
    let backup = server.key_named("backup-agent").await;
    let legacy = server.key_named("legacy-ops").await;
    let id = |k: &KeyPair| k.id.clone();

    let r = server.delete(&format!("/key-pairs/{}", id(&web))).await;
    assert_refused(
        &r,
        ErrorCode::KeyPairInUse {
            instance_ids: web.instance_ids.clone(),
        },
    );
    assert!(!web.instance_ids.is_empty());

    let r = server.delete(&format!("/key-pairs/{}", id(&bastion))).await;
    assert_refused(
        &r,
        ErrorCode::KeyPairReferencedByImage {
            image_ids: bastion.image_ids.clone(),
        },
    );

    // Bound and referenced by an image: the binding is reported first.
    assert!(!ci.image_ids.is_empty());
    let r = server.delete(&format!("/key-pairs/{}", id(&ci))).await;
    assert!(
        matches!(r.refusal().code, ErrorCode::KeyPairInUse { .. }),
        "{}",
        r.text
    );

    let r = server.delete(&format!("/key-pairs/{}", id(&legacy))).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert!(r.text.is_empty());
    assert_eq!(
        server
            .get(&format!("/key-pairs/{}", id(&legacy)))
            .await
            .status,
        404
    );
    let r = server.delete(&format!("/key-pairs/{}", id(&legacy))).await;
    assert_refused(&r, ErrorCode::KeyPairNotFound { id: id(&legacy) });

    let r = server
        .post(
            "/key-pairs/batch-delete",
            json!({"ids": [id(&web), "skey-zzzzzzzz", id(&backup), id(&bastion), id(&backup)]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!({"results": [
            {"id": id(&web), "name": "web-prod", "outcome": "in_use", "instance_ids": web.instance_ids},
            {"id": "skey-zzzzzzzz", "outcome": "not_found"},
            {"id": id(&backup), "name": "backup-agent", "outcome": "deleted"},
            {"id": id(&bastion), "name": "bastion", "outcome": "referenced_by_image", "image_ids": bastion.image_ids},
        ]})
    );
    assert_eq!(
        server
            .get(&format!("/key-pairs/{}", id(&backup)))
            .await
            .status,
        404
    );
    assert_eq!(
        server.get(&format!("/key-pairs/{}", id(&web))).await.status,
        200
    );

    for (body, rule) in [
        (json!({"ids": []}), Rule::Required),
        (
            json!({"ids": (0..101).map(|i| format!("skey-{i:08}")).collect::<Vec<_>>()}),
            Rule::Count,
        ),
    ] {
        let r = server.post("/key-pairs/batch-delete", body).await;
        assert_invalid(&r, "ids", rule);
    }
}

/// The code of a refusal, as the wire spells it.
fn code_of(error: &ApiError) -> Value {
    serde_json::to_value(error).expect("JSON")["code"].take()
}

#[tokio::test]
async fn typed_calls_round_trip_the_api_types() {
    let server = App::start(&[]).await;
    let keys = ed25519_keys(2);
    let req = CreateKeyPair {
        name: "typed".into(),
        description: "from keyrack-api types".into(),
        public_key: keys[0].clone(),
        tags: Vec::new(),
        origin: Origin::Generated,
        expires_at: None,
    };
    let created = server.create_key_pair(&req).await.expect("created");
    assert_eq!(created.name, "typed");
    assert_eq!(created.description, "from keyrack-api types");
    assert_eq!(created.origin, Origin::Generated);
    assert_eq!(server.key_pair(&created.id).await, Ok(created));

    let duplicate = CreateKeyPair {
        public_key: keys[1].clone(),
        ..req
    };
    let refused = server.create_key_pair(&duplicate).await;
    assert_eq!(
        refused.as_ref().map_err(code_of),
        Err(json!("KeyPairNameDuplicate"))
    );
    let missing = server.key_pair("skey-00000000").await;
    assert_eq!(
        missing.as_ref().map_err(code_of),
        Err(json!("KeyPairNotFound"))
    );
}

/// An `ssh-rsa` OpenSSH line with e = 65537 and an odd modulus of exactly `bits` bits, built
/// from the wire format (RFC 4253 §6.6) rather than generated, which takes minutes at this size.
fn rsa_line(bits: usize) -> String {
    let mut n = vec![0xA5u8; bits.div_ceil(8)];
    let top = bits - (n.len() - 1) * 8; // bits used in the first byte, 1–8
    n[0] = (0x80 >> (8 - top)) | 1;
    if let Some(last) = n.last_mut() {
        *last |= 1;
    }
    if n[0] & 0x80 != 0 {
        n.insert(0, 0); // an mpint is signed
    }
    let mut blob = Vec::new();
    for part in [&b"ssh-rsa"[..], &[1, 0, 1], &n] {
        blob.extend_from_slice(&u32::try_from(part.len()).expect("short").to_be_bytes());
        blob.extend_from_slice(part);
    }
    format!("ssh-rsa {} huge@keyrack", STANDARD.encode(blob))
}

#[tokio::test]
async fn rsa_keys_over_16384_bits_are_refused_with_their_size() {
    let server = App::start(&[]).await;
    let r = server
        .post(
            "/key-pairs",
            json!({"name": "huge", "public_key": rsa_line(16_400)}),
        )
        .await;
    let refusal = assert_refused(&r, public_key_invalid(KeyRefusal::RsaTooLong));
    assert_eq!(
        refusal.message,
        "This RSA key has 16400 bits; at most 16384 are accepted (OpenSSH refuses larger keys)"
    );
    assert_eq!(server.key_pairs("").await.total, 0);
    // OpenSSH's largest is accepted.
    let k = server.create("largest", &rsa_line(16_384)).await;
    assert_eq!(k.bits, 16_384, "{k:?}");
    assert_eq!(k.algorithm, keyrack_api::KeyAlgorithm::Rsa);
}

#[tokio::test]
async fn imported_comments_are_stored_without_control_bidi_or_invisible_characters() {
    let server = App::start(&[]).await;
    let req = CreateKeyPair {
        name: "laptop".into(),
        description: String::new(),
        public_key: random_ed25519_line(
            "\u{202E}gpj.exe\u{1B}[2J\u{1B}]0;owned\u{7}me\u{200B}@\u{FEFF}host\u{9B}",
        ),
        tags: Vec::new(),
        origin: Origin::Imported,
        expires_at: None,
    };
    let created = server.create_key_pair(&req).await.expect("created");
    assert_eq!(created.comment, "gpj.exe[2J]0;ownedme@host");
    assert_eq!(
        server.key_pair(&created.id).await.map(|k| k.comment),
        Ok("gpj.exe[2J]0;ownedme@host".to_owned())
    );
    // The same key's other fields are still refused, not cleaned.
    let refused = server
        .create_key_pair(&CreateKeyPair {
            name: "laptop2".into(),
            description: "\u{202E}".into(),
            public_key: random_ed25519_line("x"),
            ..req
        })
        .await;
    assert_eq!(
        refused.map_err(|e| e.code),
        Err(ErrorCode::InvalidParameter {
            field: "description".into(),
            rule: Rule::BidiOverride,
        })
    );
}

/// Issue #13: `expires_at` on create and Modify, read in any offset and stored as UTC,
/// refused with the field and the rule when malformed (or, for a new key, already past);
/// the `status` filter and its totals; an expired key leaves `authorized_keys` and comes
/// back when its date is cleared.
#[tokio::test]
async fn expiry_is_validated_stored_filtered_and_enforced() {
    let server = App::start(common::FAST).await;
    let keys = ed25519_keys(4);
    let in_30_days = keyrack_server::clock::after(std::time::Duration::from_secs(30 * 86_400));
    // The same instant written with a +08:00 offset.
    let offset = in_30_days
        .time()
        .to_offset(time::UtcOffset::from_hms(8, 0, 0).expect("offset"));
    let r = server
        .post(
            "/key-pairs",
            json!({"name": "later", "public_key": keys[0], "expires_at": offset
                .format(&time::format_description::well_known::Rfc3339)
                .expect("formats")}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let created: KeyPair = r.ok();
    assert_eq!(created.expires_at, Some(in_30_days.clone()));
    let later = created.id;
    let never = server.create("never", &keys[1]).await;
    assert_eq!(never.expires_at, None);
    let soon = server.create("soon", &keys[2]).await;
    let soon_id = soon.id.as_str();
    let gone = server.create("gone", &keys[3]).await;
    let gone_id = gone.id.as_str();

    for (bad, rule) in [
        (json!("tomorrow"), Rule::Format),
        (json!("2027-02-30T00:00:00Z"), Rule::Format),
        (json!("2020-01-01T00:00:00Z"), Rule::Range),
    ] {
        let r = server
            .post(
                "/key-pairs",
                json!({"name": "refused", "public_key": random_ed25519_line("x"), "expires_at": bad}),
            )
            .await;
        assert_invalid(&r, "expires_at", rule);
    }
    // Not a string at all: the body is refused, naming the field.
    let r = server
        .post(
            "/key-pairs",
            json!({"name": "refused", "public_key": random_ed25519_line("x"), "expires_at": 20270101}),
        )
        .await;
    let refusal = assert_refused(&r, ErrorCode::InvalidRequest);
    assert!(refusal.message.contains("expires_at"), "{}", r.text);
    assert_eq!(server.key_pairs("").await.total, 4);

    // Modify: a time three days ahead (expiring), a past one (expired at once: Modify may
    // retire a key), then the list by status.
    let patch = |id: &str, body: Value| {
        let path = format!("/key-pairs/{id}");
        let server = &server;
        async move { server.api(Method::PATCH, &path, Some(body)).await }
    };
    let in_3_days = keyrack_server::clock::after(std::time::Duration::from_secs(3 * 86_400));
    let r = patch(soon_id, json!({"expires_at": in_3_days})).await;
    let soon: KeyPair = r.ok();
    assert_eq!(soon.expires_at, Some(in_3_days));
    assert_eq!(soon.name, "soon", "absent fields are kept");
    let r = patch(gone_id, json!({"expires_at": "2020-01-01T00:00:00+00:00"})).await;
    assert_eq!(
        r.ok::<KeyPair>().expires_at.as_ref().map(Timestamp::as_str),
        Some("2020-01-01T00:00:00.000Z")
    );
    let r = patch(gone_id, json!({"expires_at": "soon"})).await;
    assert_invalid(&r, "expires_at", Rule::Format);

    let names = |page: &List<KeyPair>| -> Vec<String> {
        let mut names: Vec<String> = page.items.iter().map(|k| k.name.clone()).collect();
        names.sort();
        names
    };
    for (query, expected) in [
        ("status=active", vec!["later", "never", "soon"]),
        ("status=expiring", vec!["soon"]),
        ("status=expired", vec!["gone"]),
        ("status=expired&q=gon", vec!["gone"]),
        ("status=active&q=gon", vec![]),
        ("status=active&sort=name&limit=2&offset=2", vec!["soon"]),
    ] {
        let page = server.key_pairs(query).await;
        assert_eq!(names(&page), expected, "{query}");
        if !query.contains("limit") {
            assert_eq!(page.total, expected.len() as u64, "{query}");
        } else {
            assert_eq!(page.total, 3, "{query}");
        }
    }
    let r = server.get("/key-pairs?status=soon").await;
    assert_invalid(&r, "status", Rule::Format);

    // sshd never gets an expired key, by list or by fingerprint.
    let (host, agent) = server.register("host", "linux", "STOPPED").await;
    let host_id = host.id.as_str();
    for id in [gone_id, later.as_str()] {
        let r = server.bind("bind", id, &[host_id], false).await;
        assert_eq!(bind_outcomes(&r)[0], BindOutcome::Bound);
    }
    let path = format!("/instances/{host_id}/authorized_keys");
    let by_fingerprint = format!(
        "{path}?fingerprint={}",
        gone.fingerprint_sha256
            .as_str()
            .replace(':', "%3A")
            .replace('+', "%2B")
            .replace('/', "%2F")
    );
    let r = server.as_token(&agent, Method::GET, &path, None).await;
    assert!(
        r.text.contains(&later) && !r.text.contains(gone_id),
        "{}",
        r.text
    );
    let r = server
        .as_token(&agent, Method::GET, &by_fingerprint, None)
        .await;
    assert_eq!((r.status, r.text.as_str()), (200, ""));

    // Clearing the date (null) brings it back; an empty change is still refused.
    let r = patch(gone_id, json!({"expires_at": null})).await;
    assert_eq!(r.ok::<KeyPair>().expires_at, None);
    let r = server.as_token(&agent, Method::GET, &path, None).await;
    assert!(r.text.contains(gone_id), "{}", r.text);
    let r = server
        .as_token(&agent, Method::GET, &by_fingerprint, None)
        .await;
    assert!(r.text.contains(gone_id), "{}", r.text);
    let r = patch(gone_id, json!({})).await;
    assert_invalid(&r, "name", Rule::Required);
}

/// Issue #13: the export of a filtered view, every page of it, as JSON (each key pair as the
/// API serves it) and CSV (formulas defused); a viewer may export; a bad filter is a 400.
#[tokio::test]
async fn exports_hold_every_key_of_the_filtered_view() {
    // 502 creates in a second or two: no rate limit (0 turns it off).
    let server = App::start(&["--rate-limit-per-minute", "0"]).await;
    // More than one page of the export (500 a query), so the pages join correctly.
    for n in 0..502 {
        let tags = if n % 2 == 0 {
            json!([{"key": "env", "value": "prod"}, {"key": "team", "value": "a=b"}])
        } else {
            json!([])
        };
        let r = server
            .post(
                "/key-pairs",
                json!({
                    "name": format!("k{n:03}"),
                    "description": if n == 7 { "=HYPERLINK(\"http://x\")" } else { "plain, \"quoted\"; -1" },
                    "public_key": random_ed25519_line(&format!("c{n}")),
                    "tags": tags,
                }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }

    let r = server
        .get("/key-pairs/export.json?tag=env%3Aprod&sort=name")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"keyrack-key-pairs.json\"")
    );
    let exported: Vec<KeyPair> = serde_json::from_str(&r.text).expect("key pairs");
    assert_eq!(exported.len(), 251);
    let names: Vec<&str> = exported.iter().map(|k| k.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(names, sorted, "in the view's order, each once");
    let first = server.key_pairs("tag=env%3Aprod&sort=name&limit=1").await;
    assert_eq!(exported[0], first.items[0], "as the API serves it");

    let viewer = server.viewer_token().await;
    let r = server
        .as_token(&viewer, Method::GET, "/key-pairs/export.csv", None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    let mut reader = csv::Reader::from_reader(r.text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header[..3], ["id", "name", "description"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    assert_eq!(rows.len(), 502);
    let column = |name: &str| header.iter().position(|h| h == name).expect(name);
    let row = |name: &str| {
        rows.iter()
            .find(|r| &r[column("name")] == name)
            .expect(name)
    };
    assert_eq!(
        &row("k007")[column("description")],
        "'=HYPERLINK(\"http://x\")"
    );
    assert_eq!(&row("k001")[column("description")], "plain, \"quoted\"; -1");
    assert_eq!(&row("k002")[column("tags")], "env=prod\nteam=a=b");
    assert!(row("k002")[column("public_key")].starts_with("ssh-ed25519 "));

    let r = server.get("/key-pairs/export.csv?status=expired").await;
    assert_eq!(r.text.lines().count(), 1, "the header alone: {}", r.text);
    let r = server.get("/key-pairs/export.json?status=soon").await;
    assert_invalid(&r, "status", Rule::Format);
    let r = server.get("/key-pairs/export.json?tag=%3Ax").await;
    assert_invalid(&r, "tag", Rule::Format);
}

/// `PublicKeyInvalid` for `reason`.
fn public_key_invalid(reason: KeyRefusal) -> ErrorCode {
    ErrorCode::PublicKeyInvalid {
        field: "public_key".into(),
        reason,
    }
}
