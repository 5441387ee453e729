//! Bind and unbind, in process: every outcome and limit of `docs/rules.md`, force_stop,
//! and the delete protection that bindings give.

mod common;

use common::{assert_invalid, assert_refused, bind_outcomes, ed25519_keys, App, FAST};
use keyrack_api::{
    BindOutcome, BindResponse, ErrorCode, Instance, InstanceState, KeyPair, Rule,
    BIND_INSTANCES_MAX, KEYS_PER_INSTANCE_MAX,
};
use reqwest::Method;
use serde_json::json;

/// Each instance's outcome, in the answer's order.
fn outcomes(r: &common::Resp) -> Vec<(String, BindOutcome)> {
    r.ok::<BindResponse>()
        .results
        .into_iter()
        .map(|result| (result.instance_id, result.outcome))
        .collect()
}

fn pairs(expected: &[(&str, BindOutcome)]) -> Vec<(String, BindOutcome)> {
    expected
        .iter()
        .map(|(id, outcome)| ((*id).to_owned(), *outcome))
        .collect()
}

/// The state reported for the `i`th instance of a bind or unbind answer.
fn state_in(r: &common::Resp, i: usize) -> Option<InstanceState> {
    r.ok::<BindResponse>().results[i].state
}

/// A server with short transitions and one key pair, `k`; its id.
async fn with_one_key() -> (App, String) {
    let server = App::start(FAST).await;
    let key = server.create("k", &ed25519_keys(1)[0]).await;
    (server, key.id)
}

#[tokio::test]
async fn bind_reports_every_outcome_in_input_order() {
    let server = App::start(FAST).await;
    let keys = ed25519_keys(KEYS_PER_INSTANCE_MAX + 1);
    let key = server.create("the-key", &keys[0]).await;
    let key_id = key.id.as_str();
    let stopped = server.instance("stopped", "linux", "STOPPED").await;
    let running = server.instance("running", "linux", "RUNNING").await;
    let windows = server.instance("windows", "windows", "STOPPED").await;
    let full = server.instance("full", "linux", "STOPPED").await;
    for (i, other) in keys[1..].iter().enumerate() {
        let other = server.create(&format!("filler-{i}"), other).await;
        let r = server
            .bind("bind", other.id.as_str(), &[&full], false)
            .await;
        assert_eq!(outcomes(&r), pairs(&[(&full, BindOutcome::Bound)]));
    }

    let asked: [&str; 6] = [&running, &stopped, "ins-nothere", &windows, &full, &stopped];
    let r = server.bind("bind", key_id, &asked, false).await;
    assert_eq!(
        outcomes(&r),
        pairs(&[
            (&running, BindOutcome::InstanceRunning),
            (&stopped, BindOutcome::Bound),
            ("ins-nothere", BindOutcome::NotFound),
            (&windows, BindOutcome::OsUnsupported),
            (&full, BindOutcome::KeyLimit),
        ]),
        "a repeated id is reported once, at its first place"
    );
    assert_eq!(state_in(&r, 0), Some(InstanceState::Running));
    assert_eq!(state_in(&r, 1), None, "{}", r.text);

    // The key pair and the instance agree, and the key pair's version moved.
    let after = server.get(&format!("/key-pairs/{key_id}")).await;
    let after_key: KeyPair = after.ok();
    assert_eq!(after_key.instance_ids, [stopped.as_str()]);
    assert_eq!(after_key.version, 2);
    assert_eq!(after.header("etag"), Some("\"2\""));
    let instance = server.instance_of(&stopped).await;
    assert_eq!(instance.key_ids, [key_id]);
    assert_eq!(instance.state, InstanceState::Stopped);
    let full_instance = server.instance_of(&full).await;
    assert_eq!(full_instance.key_ids.len(), KEYS_PER_INSTANCE_MAX);

    // Binding again changes nothing, not even the version.
    let again = server.bind("bind", key_id, &[&stopped], false).await;
    assert_eq!(
        outcomes(&again),
        pairs(&[(&stopped, BindOutcome::AlreadyBound)])
    );
    assert_eq!(
        server.key_pair(key_id).await.expect("the key pair").version,
        2
    );
    // Nor is a full instance's limit lifted by force_stop, and it is not restarted for it.
    let forced = server.bind("bind", key_id, &[&full], true).await;
    assert_eq!(outcomes(&forced), pairs(&[(&full, BindOutcome::KeyLimit)]));
}

#[tokio::test]
async fn unbind_reports_every_outcome() {
    let (server, key_id) = with_one_key().await;
    let key_id = key_id.as_str();
    let a = server.instance("a", "linux", "STOPPED").await;
    let b = server.instance("b", "linux", "STOPPED").await;
    let never = server.instance("never", "linux", "STOPPED").await;
    let windows = server.instance("w", "windows", "RUNNING").await;
    let r = server.bind("bind", key_id, &[&a, &b], false).await;
    assert_eq!(
        outcomes(&r),
        pairs(&[(&a, BindOutcome::Bound), (&b, BindOutcome::Bound)])
    );
    // b starts: it is bound, but no longer stopped.
    let started = server
        .api(Method::POST, &format!("/instances/{b}/start"), None)
        .await;
    assert_eq!(started.ok::<Instance>().state, InstanceState::Starting);

    let asked: [&str; 5] = [&a, &b, &never, &windows, "ins-zzzzzzzz"];
    let r = server.bind("unbind", key_id, &asked, false).await;
    assert_eq!(
        outcomes(&r),
        pairs(&[
            (&a, BindOutcome::Unbound),
            (&b, BindOutcome::InstanceRunning),
            (&never, BindOutcome::NotBound),
            (&windows, BindOutcome::OsUnsupported),
            ("ins-zzzzzzzz", BindOutcome::NotFound),
        ])
    );
    assert_eq!(state_in(&r, 1), Some(InstanceState::Starting));
    let key = server.key_pair(key_id).await.expect("the key pair");
    assert_eq!(key.instance_ids, [b.as_str()]);
    assert_eq!(key.version, 3, "bind and unbind each bump it once");
    assert!(server.instance_of(&a).await.key_ids.is_empty());

    server.wait_for_state(&b, InstanceState::Running).await;
    let r = server.bind("unbind", key_id, &[&b], false).await;
    assert_eq!(state_in(&r, 0), Some(InstanceState::Running));
    // Unbinding again is not_bound; a missing key pair is a 404 for the whole call.
    let r = server.bind("unbind", key_id, &[&a], false).await;
    assert_eq!(outcomes(&r), pairs(&[(&a, BindOutcome::NotBound)]));
    for verb in ["bind", "unbind"] {
        let r = server.bind(verb, "skey-00000000", &[&a], false).await;
        assert_refused(
            &r,
            ErrorCode::KeyPairNotFound {
                id: "skey-00000000".into(),
            },
        );
    }
}

#[tokio::test]
async fn force_stop_stops_changes_and_starts_again() {
    let (server, key_id) = with_one_key().await;
    let key_id = key_id.as_str();
    let running = server.instance("running", "linux", "RUNNING").await;
    let stopped = server.instance("stopped", "linux", "STOPPED").await;
    let stopping = server.instance("stopping", "linux", "RUNNING").await;
    let r = server
        .api(Method::POST, &format!("/instances/{stopping}/stop"), None)
        .await;
    assert_eq!(r.ok::<Instance>().state, InstanceState::Stopping);

    // Without force_stop a transitional instance is refused with its state too.
    let r = server.bind("bind", key_id, &[&stopping], false).await;
    assert_eq!(bind_outcomes(&r)[0], BindOutcome::InstanceRunning);
    assert_eq!(state_in(&r, 0), Some(InstanceState::Stopping));

    let started = std::time::Instant::now();
    let r = server
        .bind("bind", key_id, &[&running, &stopped, &stopping], true)
        .await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "the call does not wait for shutdowns"
    );
    assert_eq!(
        outcomes(&r),
        pairs(&[
            (&running, BindOutcome::Bound),
            (&stopped, BindOutcome::Bound),
            (&stopping, BindOutcome::Bound)
        ])
    );
    // The running one was stopped, changed and is starting again; the stopped one never
    // moved; the stopping one stays down.
    assert_eq!(server.state_of(&running).await, InstanceState::Starting);
    assert_eq!(server.state_of(&stopped).await, InstanceState::Stopped);
    assert_eq!(server.state_of(&stopping).await, InstanceState::Stopped);
    server
        .wait_for_state(&running, InstanceState::Running)
        .await;
    assert_eq!(server.instance_of(&running).await.key_ids, [key_id]);

    let r = server.bind("unbind", key_id, &[&running], true).await;
    assert_eq!(outcomes(&r), pairs(&[(&running, BindOutcome::Unbound)]));
    assert_eq!(server.state_of(&running).await, InstanceState::Starting);
    server
        .wait_for_state(&running, InstanceState::Running)
        .await;
    let key = server.key_pair(key_id).await.expect("the key pair");
    let mut expected = vec![stopped, stopping];
    expected.sort();
    assert_eq!(key.instance_ids, expected, "sorted by id");
}

#[tokio::test]
async fn instance_count_is_limited_per_call() {
    let (server, key_id) = with_one_key().await;
    let key_id = key_id.as_str();
    let real = server.instance("real", "linux", "STOPPED").await;

    let mut ids: Vec<String> = (0..BIND_INSTANCES_MAX - 1)
        .map(|i| format!("ins-{i:08}"))
        .collect();
    ids.push(real.clone());
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    for verb in ["bind", "unbind"] {
        let r = server.bind(verb, key_id, &refs, false).await;
        let results = outcomes(&r);
        assert_eq!(results.len(), BIND_INSTANCES_MAX);
        assert_eq!(
            results.last(),
            Some(&(
                real.clone(),
                if verb == "bind" {
                    BindOutcome::Bound
                } else {
                    BindOutcome::Unbound
                }
            ))
        );
        assert!(results[..BIND_INSTANCES_MAX - 1]
            .iter()
            .all(|(_, outcome)| *outcome == BindOutcome::NotFound));
    }

    let mut too_many = refs.clone();
    too_many.push(&real);
    for (ids, rule) in [(too_many, Rule::Count), (Vec::new(), Rule::Required)] {
        for verb in ["bind", "unbind"] {
            let r = server.bind(verb, key_id, &ids, false).await;
            assert_invalid(&r, "instance_ids", rule);
        }
    }
    let r = server
        .post(
            &format!("/key-pairs/{key_id}/bind"),
            json!({"force_stop": true}),
        )
        .await;
    assert_refused(&r, ErrorCode::InvalidRequest);
    assert!(server
        .key_pair(key_id)
        .await
        .expect("the key pair")
        .instance_ids
        .is_empty());
}

#[tokio::test]
async fn sixteen_keys_per_instance_at_most() {
    let server = App::start(FAST).await;
    let keys = ed25519_keys(KEYS_PER_INSTANCE_MAX + 1);
    let target = server.instance("target", "linux", "STOPPED").await;
    let mut ids = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let key = server.create(&format!("key-{i:02}"), key).await;
        ids.push(key.id.as_str().to_owned());
    }
    for (i, id) in ids.iter().enumerate() {
        let r = server.bind("bind", id, &[&target], false).await;
        let expected = if i < KEYS_PER_INSTANCE_MAX {
            BindOutcome::Bound
        } else {
            BindOutcome::KeyLimit
        };
        assert_eq!(outcomes(&r)[0].1, expected, "key {i}");
    }
    let target_now = server.instance_of(&target).await;
    assert_eq!(target_now.key_ids.len(), KEYS_PER_INSTANCE_MAX);
    // The 17th key pair's call changed nothing, so its version did not move.
    let last = server
        .key_pair(&ids[KEYS_PER_INSTANCE_MAX])
        .await
        .expect("the key pair");
    assert_eq!(last.version, 1);
    assert!(last.instance_ids.is_empty());
    // Making room lets it in.
    let r = server.bind("unbind", &ids[0], &[&target], false).await;
    assert_eq!(outcomes(&r)[0].1, BindOutcome::Unbound);
    let r = server
        .bind("bind", &ids[KEYS_PER_INSTANCE_MAX], &[&target], false)
        .await;
    assert_eq!(outcomes(&r)[0].1, BindOutcome::Bound);
}

#[tokio::test]
async fn bindings_and_images_protect_key_pairs_from_delete() {
    let server = App::start(FAST).await;
    let keys = ed25519_keys(3);
    let bound = server.create("bound", &keys[0]).await;
    let baked = server.create("baked", &keys[1]).await;
    let free = server.create("free", &keys[2]).await;
    let (bound_id, baked_id, free_id) = (bound.id.as_str(), baked.id.as_str(), free.id.as_str());
    let web = server.instance("web", "linux", "STOPPED").await;
    let builder = server.instance("builder", "linux", "STOPPED").await;
    assert_eq!(
        outcomes(&server.bind("bind", bound_id, &[&web], false).await)[0].1,
        BindOutcome::Bound
    );
    assert_eq!(
        outcomes(&server.bind("bind", baked_id, &[&builder], false).await)[0].1,
        BindOutcome::Bound
    );
    let image = server
        .post("/images", json!({"name": "golden", "instance_id": builder}))
        .await;
    assert_eq!(image.status, 201, "{}", image.text);
    let image_id = image.body["id"].as_str().expect("id").to_owned();
    assert_eq!(
        outcomes(&server.bind("unbind", baked_id, &[&builder], false).await)[0].1,
        BindOutcome::Unbound
    );

    let r = server.delete(&format!("/key-pairs/{bound_id}")).await;
    assert_refused(
        &r,
        ErrorCode::KeyPairInUse {
            instance_ids: vec![web.clone()],
        },
    );
    let r = server.delete(&format!("/key-pairs/{baked_id}")).await;
    assert_refused(
        &r,
        ErrorCode::KeyPairReferencedByImage {
            image_ids: vec![image_id.clone()],
        },
    );

    let r = server
        .post(
            "/key-pairs/batch-delete",
            json!({"ids": [bound_id, baked_id, free_id, "skey-00000000"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let results = r.body["results"].as_array().expect("results");
    let summary: Vec<(&str, &str)> = results
        .iter()
        .map(|x| {
            (
                x["id"].as_str().unwrap_or_default(),
                x["outcome"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (bound_id, "in_use"),
            (baked_id, "referenced_by_image"),
            (free_id, "deleted"),
            ("skey-00000000", "not_found"),
        ]
    );
    assert_eq!(results[0]["instance_ids"], json!([web]));
    assert_eq!(results[1]["image_ids"], json!([image_id]));

    // Unbinding and deleting the image free them.
    assert_eq!(
        outcomes(&server.bind("unbind", bound_id, &[&web], false).await)[0].1,
        BindOutcome::Unbound
    );
    assert_eq!(
        server.delete(&format!("/images/{image_id}")).await.status,
        204
    );
    for id in [bound_id, baked_id] {
        let r = server.delete(&format!("/key-pairs/{id}")).await;
        assert_eq!(r.status, 204, "{id}: {}", r.text);
    }
}

#[tokio::test]
async fn only_admins_bind() {
    let (server, key_id) = with_one_key().await;
    let key_id = key_id.as_str();
    let (instance, agent) = server.register("host", "linux", "STOPPED").await;
    let viewer = server.viewer_token().await;
    let body = json!({"instance_ids": [instance.id]});
    for token in [viewer.as_str(), agent.as_str()] {
        for verb in ["bind", "unbind"] {
            let r = server
                .as_token(
                    token,
                    Method::POST,
                    &format!("/key-pairs/{key_id}/{verb}"),
                    Some(body.clone()),
                )
                .await;
            assert_refused(&r, ErrorCode::Forbidden);
        }
    }
    // The viewer still reads.
    let r = server
        .as_token(&viewer, Method::GET, &format!("/key-pairs/{key_id}"), None)
        .await;
    assert_eq!(r.status, 200);
    assert!(server
        .key_pair(key_id)
        .await
        .expect("the key pair")
        .instance_ids
        .is_empty());
}
