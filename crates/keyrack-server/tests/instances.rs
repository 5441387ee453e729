//! Instances and images, in process: registration and agent tokens, power transitions,
//! delete, images, and the authorized_keys endpoint; transitions across restarts against the
//! real binary.

mod common;

use common::{
    assert_invalid, assert_invalid_field, assert_refused, bind_outcomes, ed25519_keys, App, Server,
    TestDb, FAST,
};
use keyrack_api::{
    BindOutcome, CreatedInstance, ErrorCode, Image, Instance, InstanceState, KeyPair, List, Os,
    Region, Rule,
};
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn registering_an_instance_answers_once_with_its_agent_token() {
    let server = App::start(FAST).await;
    let r = server
        .post(
            "/instances",
            json!({"name": "build host 7", "region": "home-lab", "os": "linux",
                   "private_ip": "192.168.1.7", "public_ip": "2001:db8::7"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let CreatedInstance {
        instance,
        agent_token: token,
    } = r.ok();
    let id = instance.id.as_str();
    assert!(id.starts_with("ins-") && id.len() == 12, "{id}");
    assert_eq!(
        r.header("location"),
        Some(format!("/api/v1/instances/{id}").as_str())
    );
    assert_eq!(instance.name, "build host 7");
    assert_eq!(instance.region, "home-lab");
    assert_eq!(instance.os, Os::Linux);
    assert_eq!(
        instance.state,
        InstanceState::Running,
        "RUNNING unless told otherwise"
    );
    assert_eq!(instance.private_ip, "192.168.1.7");
    assert_eq!(instance.public_ip.as_deref(), Some("2001:db8::7"));
    assert!(instance.key_ids.is_empty());
    assert!(token.starts_with("kr_") && token.len() > 40);

    // It is listed and gettable without the token; its unknown region now exists.
    let got = server.get(&format!("/instances/{id}")).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.ok::<Instance>(), instance);
    assert!(!got.text.contains(&token));
    let listed = server.get("/instances").await;
    assert!(!listed.text.contains(&token));
    let regions: List<Region> = server.get("/regions").await.ok();
    assert_eq!(
        regions.items,
        [Region {
            id: "home-lab".into(),
            name: "home-lab".into()
        }]
    );
    let second = server.instance("second", "windows", "STOPPED").await;
    let regions: List<Region> = server.get("/regions").await.ok();
    assert_eq!(regions.total, 2);
    assert_eq!(server.state_of(&second).await, InstanceState::Stopped);

    for (body, field) in [
        (json!({"name": "", "region": "r", "os": "linux"}), "name"),
        (
            json!({"name": "x".repeat(65), "region": "r", "os": "linux"}),
            "name",
        ),
        (
            json!({"name": "a", "region": "Not A Region", "os": "linux"}),
            "region",
        ),
        (
            json!({"name": "a", "region": "r", "os": "linux", "state": "STARTING"}),
            "state",
        ),
        (
            json!({"name": "a", "region": "r", "os": "linux", "private_ip": "10.0.0"}),
            "private_ip",
        ),
        (
            json!({"name": "a", "region": "r", "os": "linux", "public_ip": "example.com"}),
            "public_ip",
        ),
    ] {
        let r = server.post("/instances", body).await;
        assert_invalid_field(&r, field);
    }
    let r = server
        .post(
            "/instances",
            json!({"name": "a", "region": "r", "os": "macos"}),
        )
        .await;
    assert_refused(&r, ErrorCode::InvalidRequest);
    assert_eq!(server.instances("").await.total, 2);
}

/// `?fingerprint=` (sshd's `%f`): the line of that bound key only, or an empty 200; a
/// malformed one is a 400 naming the parameter, never a 500.
#[tokio::test]
async fn authorized_keys_by_fingerprint_answer_one_line_or_none() {
    let server = App::start(FAST).await;
    let keys = ed25519_keys(4);
    let first = server.create("first", &keys[0]).await;
    let second = server.create("second", &keys[1]).await;
    let elsewhere = server.create("elsewhere", &keys[2]).await;
    let unbound = server.create("unbound", &keys[3]).await;
    let (host, agent) = server.register("host", "linux", "STOPPED").await;
    let neighbour = server.instance("neighbour", "linux", "STOPPED").await;
    let host_id = host.id.as_str();
    for key in [&first, &second] {
        let r = server.bind("bind", &key.id, &[host_id], false).await;
        assert_eq!(bind_outcomes(&r)[0], BindOutcome::Bound);
    }
    let r = server
        .bind("bind", elsewhere.id.as_str(), &[&neighbour], false)
        .await;
    assert_eq!(bind_outcomes(&r)[0], BindOutcome::Bound);
    let path = format!("/instances/{host_id}/authorized_keys");
    let by = |fingerprint: &str| {
        assert!(fingerprint.starts_with("SHA256:"), "{fingerprint}");
        let encoded = fingerprint
            .replace(':', "%3A")
            .replace('+', "%2B")
            .replace('/', "%2F");
        format!("{path}?fingerprint={encoded}")
    };

    for key in [&first, &second] {
        let r = server
            .as_token(&agent, Method::GET, &by(&key.fingerprint_sha256), None)
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
        assert_eq!(r.header("cache-control"), Some("no-store"));
        assert_eq!(
            r.text,
            format!("{} keyrack:{} {}\n", key.public_key, key.id, key.name)
        );
    }
    // Bound to another instance, not bound at all, unknown: nothing, and 200.
    let unknown = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";
    for fingerprint in [
        elsewhere.fingerprint_sha256.as_str(),
        &unbound.fingerprint_sha256,
        unknown,
    ] {
        let r = server
            .as_token(&agent, Method::GET, &by(fingerprint), None)
            .await;
        assert_eq!((r.status, r.text.as_str()), (200, ""), "{fingerprint}");
    }
    // Without it: every bound key, as before.
    let r = server.as_token(&agent, Method::GET, &path, None).await;
    assert_eq!(r.text.lines().count(), 2, "{}", r.text);

    for bad in [
        // `+` sent unencoded arrives as a space.
        "fingerprint=SHA256%3A47DEQpj8HBSa+%2FTImW+5JCeuQeRkm5NMpJWZG3hSuFU".to_owned(),
        "fingerprint=".to_owned(),
        "fingerprint=SHA256%3A".to_owned(),
        "fingerprint=MD5%3A12%3Af8%3A7e%3A78%3A61%3Ab4%3Abf%3Ae2%3Ade%3A24%3A15%3A96%3A4e%3Ad4%3A72%3A53".to_owned(),
        "fingerprint=SHA256%3A47DEQpj8HBSa%2B%2FTImW%2B5JCeuQeRkm5NMpJWZG3hSuFU%3D".to_owned(),
        format!("fingerprint={}", "A".repeat(5000)),
        "fingerprint=%FF%FE".to_owned(),
    ] {
        let r = server
            .as_token(&agent, Method::GET, &format!("{path}?{bad}"), None)
            .await;
        // Any value over 400 characters is refused for its length before its form is read.
        let rule = if bad.len() > 400 {
            Rule::Length
        } else {
            Rule::Format
        };
        assert_invalid(&r, "fingerprint", rule);
    }
    // The token is checked first: others still get 403 whatever the parameter.
    let viewer = server.viewer_token().await;
    let r = server
        .as_token(&viewer, Method::GET, &by(&first.fingerprint_sha256), None)
        .await;
    assert_refused(&r, ErrorCode::Forbidden);
}

/// Issue #23 item 6: a key with an `expires_at` reaches sshd as `expiry-time="…" <key>`, so
/// sshd refuses it after that time whatever copy of the line it reads (the script's cache).
/// sshd accepts a key until the named second is over, so the option names the second before
/// the expiry (floored): never later than Keyrack. Keys without expiry keep plain lines. The
/// same bytes by fingerprint and for an admin's download.
#[tokio::test]
async fn authorized_keys_lines_carry_the_expiry_sshd_enforces() {
    let server = App::start(FAST).await;
    let keys = ed25519_keys(3);
    let mut created = Vec::new();
    for (name, public_key, expires_at) in [
        ("whole", &keys[0], json!("2030-06-01T12:00:00Z")),
        ("fraction", &keys[1], json!("2030-06-01T12:00:30.250+02:00")),
        ("forever", &keys[2], Value::Null),
    ] {
        let r = server
            .post(
                "/key-pairs",
                json!({"name": name, "public_key": public_key, "expires_at": expires_at}),
            )
            .await;
        created.push(r.ok::<KeyPair>());
    }
    let (host, agent) = server.register("host", "linux", "STOPPED").await;
    let host_id = host.id.as_str();
    for key in &created {
        let r = server.bind("bind", &key.id, &[host_id], false).await;
        assert_eq!(bind_outcomes(&r)[0], BindOutcome::Bound);
    }
    let line = |key: &KeyPair, option: &str| {
        format!(
            "{option}{} keyrack:{} {}\n",
            key.public_key, key.id, key.name
        )
    };
    let expected = [
        line(&created[0], "expiry-time=\"20300601115959Z\" "),
        // 12:00:30.250 at +02:00 is 10:00:30.250 UTC.
        line(&created[1], "expiry-time=\"20300601100029Z\" "),
        line(&created[2], ""),
    ];
    let path = format!("/instances/{host_id}/authorized_keys");
    let r = server.as_token(&agent, Method::GET, &path, None).await;
    assert_eq!((r.status, r.text.clone()), (200, expected.concat()));
    let admin = server
        .as_token(common::TOKEN, Method::GET, &path, None)
        .await;
    assert_eq!(
        admin.text, r.text,
        "the console's download is what sshd gets"
    );
    for (key, line) in created.iter().zip(&expected) {
        let fingerprint = key
            .fingerprint_sha256
            .replace(':', "%3A")
            .replace('+', "%2B")
            .replace('/', "%2F");
        let r = server
            .as_token(
                &agent,
                Method::GET,
                &format!("{path}?fingerprint={fingerprint}"),
                None,
            )
            .await;
        assert_eq!((r.status, &r.text), (200, line));
    }
}

#[tokio::test]
async fn agent_tokens_read_their_own_authorized_keys_and_nothing_else() {
    let server = App::start(FAST).await;
    let keys = ed25519_keys(3);
    let first = server.create("first-key", &keys[0]).await;
    let second = server.create("second.key@ops", &keys[1]).await;
    let other = server.create("other", &keys[2]).await;
    let (host, agent) = server.register("host", "linux", "STOPPED").await;
    let (neighbour, neighbour_agent) = server.register("neighbour", "linux", "STOPPED").await;
    let host_id = host.id.as_str();
    let neighbour_id = neighbour.id.as_str();
    let path = format!("/instances/{host_id}/authorized_keys");

    // Nothing bound yet: 200 and an empty body.
    let r = server.as_token(&agent, Method::GET, &path, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.text, "");

    for key in [&first, &second] {
        let r = server.bind("bind", &key.id, &[host_id], false).await;
        assert_eq!(bind_outcomes(&r)[0], BindOutcome::Bound);
    }
    let r = server
        .bind("bind", other.id.as_str(), &[neighbour_id], false)
        .await;
    assert_eq!(bind_outcomes(&r)[0], BindOutcome::Bound);

    let r = server.as_token(&agent, Method::GET, &path, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut expected: Vec<String> = [&first, &second]
        .iter()
        .map(|k| format!("{} keyrack:{} {}", k.public_key, k.id, k.name))
        .collect();
    expected.sort();
    assert!(r.text.ends_with('\n'), "{}", r.text);
    let mut lines: Vec<String> = r.text.lines().map(str::to_owned).collect();
    lines.sort();
    assert_eq!(lines, expected, "one OpenSSH line per bound key");
    for line in r.text.lines() {
        assert!(line.starts_with("ssh-ed25519 AAAA"), "{line}");
        assert_eq!(line.split(' ').count(), 4, "{line}");
    }

    // An admin reads the same bytes (the console's Download authorized_keys), and gets 404
    // for an instance that does not exist.
    let admin = server
        .as_token(common::TOKEN, Method::GET, &path, None)
        .await;
    assert_eq!((admin.status, admin.text.as_str()), (200, r.text.as_str()));
    assert_eq!(
        admin.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    let r404 = server
        .as_token(
            common::TOKEN,
            Method::GET,
            "/instances/ins-00000000/authorized_keys",
            None,
        )
        .await;
    assert_refused(
        &r404,
        ErrorCode::InstanceNotFound {
            id: "ins-00000000".into(),
        },
    );
    // Everyone else is refused: another instance's agent, viewers, no token.
    let viewer = server.viewer_token().await;
    for token in [neighbour_agent.as_str(), viewer.as_str()] {
        let r = server.as_token(token, Method::GET, &path, None).await;
        assert_refused(&r, ErrorCode::Forbidden);
    }
    for token in [None, Some("kr_wrong")] {
        let r = server
            .request(Method::GET, &format!("/api/v1{path}"), token, &[], None)
            .await;
        assert_refused(&r, ErrorCode::Unauthorized);
    }
    let r = server
        .as_token(
            &neighbour_agent,
            Method::GET,
            &format!("/instances/{neighbour_id}/authorized_keys"),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains(other.id.as_str()));
    assert_eq!(r.text.lines().count(), 1);

    // The agent token opens nothing else.
    let routes = [
        (Method::GET, "/key-pairs".to_owned()),
        (Method::GET, "/me".to_owned()),
        (Method::GET, format!("/key-pairs/{}", first.id.as_str())),
        (Method::POST, "/key-pairs".to_owned()),
        (Method::POST, "/key-pairs/batch-delete".to_owned()),
        (
            Method::POST,
            format!("/key-pairs/{}/bind", other.id.as_str()),
        ),
        (Method::GET, "/regions".to_owned()),
        (Method::GET, "/instances".to_owned()),
        (Method::POST, "/instances".to_owned()),
        (Method::GET, format!("/instances/{host_id}")),
        (Method::DELETE, format!("/instances/{neighbour_id}")),
        (Method::POST, format!("/instances/{host_id}/stop")),
        (Method::POST, format!("/instances/{host_id}/start")),
        (Method::GET, "/images".to_owned()),
        (Method::POST, "/images".to_owned()),
        (Method::DELETE, "/images/img-00000000".to_owned()),
    ];
    for (method, route) in routes {
        let r = server
            .as_token(&agent, method.clone(), &route, Some(json!({})))
            .await;
        assert_refused(&r, ErrorCode::Forbidden);
    }
    assert_eq!(server.instances("").await.total, 2);

    // Deleting the instance revokes its agent token.
    assert_eq!(
        server.delete(&format!("/instances/{host_id}")).await.status,
        204
    );
    let r = server.as_token(&agent, Method::GET, &path, None).await;
    assert_eq!(r.status, 401, "{}", r.text);
}

#[tokio::test]
async fn only_admins_change_the_fleet() {
    let server = App::start(FAST).await;
    let id = server.instance("host", "linux", "RUNNING").await;
    let viewer = server.viewer_token().await;
    let writes = [
        (
            Method::POST,
            "/instances".to_owned(),
            json!({"name": "a", "region": "r", "os": "linux"}),
        ),
        (Method::DELETE, format!("/instances/{id}"), json!({})),
        (Method::POST, format!("/instances/{id}/stop"), json!({})),
        (Method::POST, format!("/instances/{id}/start"), json!({})),
        (
            Method::POST,
            "/images".to_owned(),
            json!({"name": "i", "instance_id": id}),
        ),
        (Method::DELETE, "/images/img-00000000".to_owned(), json!({})),
        (
            Method::POST,
            "/key-pairs/batch-delete".to_owned(),
            json!({"ids": ["skey-00000000"]}),
        ),
    ];
    for (method, path, body) in writes {
        let r = server
            .as_token(&viewer, method.clone(), &path, Some(body))
            .await;
        assert_refused(&r, ErrorCode::Forbidden);
    }
    for path in ["/instances", "/images", "/regions", "/key-pairs"] {
        let r = server.as_token(&viewer, Method::GET, path, None).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
    }
    assert_eq!(server.state_of(&id).await, InstanceState::Running);
    assert_eq!(server.instances("").await.total, 1);
}

#[tokio::test]
async fn stop_and_start_pass_through_transitions() {
    let server = App::start(FAST).await;
    let id = server.instance("host", "linux", "RUNNING").await;
    let stop = format!("/instances/{id}/stop");
    let start = format!("/instances/{id}/start");

    let stopping: Instance = server.api(Method::POST, &stop, None).await.ok();
    assert_eq!(stopping.state, InstanceState::Stopping);
    assert_eq!(stopping.id, id);
    // Seen as STOPPING by list, filter and get until the delay has passed.
    let listed = server.instances("state=STOPPING").await;
    assert_eq!(listed.items[0].id, id);
    // Stopping again changes nothing; starting now is a conflict.
    let r = server.api(Method::POST, &stop, None).await;
    assert_eq!(r.ok::<Instance>().state, InstanceState::Stopping);
    let r = server.api(Method::POST, &start, None).await;
    assert_refused(
        &r,
        ErrorCode::InstanceStateConflict {
            state: InstanceState::Stopping,
        },
    );

    server.wait_for_state(&id, InstanceState::Stopped).await;
    assert_eq!(server.instances("state=STOPPED").await.total, 1);
    assert_eq!(server.instances("state=STOPPING").await.total, 0);
    let r = server.api(Method::POST, &stop, None).await;
    assert_eq!(r.ok::<Instance>().state, InstanceState::Stopped);

    let r = server.api(Method::POST, &start, None).await;
    assert_eq!(r.ok::<Instance>().state, InstanceState::Starting);
    let r = server.api(Method::POST, &start, None).await;
    assert_eq!(r.ok::<Instance>().state, InstanceState::Starting);
    let r = server.api(Method::POST, &stop, None).await;
    assert_refused(
        &r,
        ErrorCode::InstanceStateConflict {
            state: InstanceState::Starting,
        },
    );
    server.wait_for_state(&id, InstanceState::Running).await;
    let r = server.api(Method::POST, &start, None).await;
    assert_eq!(r.ok::<Instance>().state, InstanceState::Running);

    // Windows instances start and stop too.
    let windows = server.instance("win", "windows", "RUNNING").await;
    let r = server
        .api(Method::POST, &format!("/instances/{windows}/stop"), None)
        .await;
    assert_eq!(r.ok::<Instance>().state, InstanceState::Stopping);

    for path in [
        "/instances/ins-00000000/stop",
        "/instances/ins-00000000/start",
    ] {
        let r = server.api(Method::POST, path, None).await;
        assert_refused(&r, instance_not_found("ins-00000000"));
    }
    let r = server.get("/instances/ins-00000000").await;
    assert_refused(&r, instance_not_found("ins-00000000"));
    let r = server.delete("/instances/ins-00000000").await;
    assert_refused(&r, instance_not_found("ins-00000000"));
}

#[tokio::test]
async fn transitions_are_persisted_and_finish_across_a_restart() {
    let db = TestDb::new().await;
    let url = db.url().to_owned();
    // A long delay: the state is still STOPPING after a crash and restart.
    let mut server = Server::spawn(&url, &["--transition-delay-ms", "60000"], true).await;
    let slow = server.instance("slow", "linux", "RUNNING").await;
    let quick = server.instance("quick", "linux", "STOPPED").await;
    let r = server
        .api(Method::POST, &format!("/instances/{slow}/stop"), None)
        .await;
    assert_eq!(r.ok::<Instance>().state, InstanceState::Stopping);
    server.stop();

    // A short delay on the next run; what the crash interrupted keeps its own deadline.
    let mut server = Server::spawn(&url, &["--transition-delay-ms", "200"], true).await;
    assert_eq!(server.state_of(&slow).await, InstanceState::Stopping);
    let r = server
        .api(Method::POST, &format!("/instances/{quick}/start"), None)
        .await;
    assert_eq!(r.ok::<Instance>().state, InstanceState::Starting);
    server.stop();
    // Down for longer than the delay: the transition completes on the next start.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let server = Server::spawn(&url, FAST, true).await;
    assert_eq!(server.state_of(&quick).await, InstanceState::Running);
    assert_eq!(server.state_of(&slow).await, InstanceState::Stopping);
    let running = server.instances("state=RUNNING").await;
    assert_eq!(running.items[0].id, quick);
}

#[tokio::test]
async fn deleting_an_instance_drops_its_bindings() {
    let server = App::start(FAST).await;
    let keys = ed25519_keys(1);
    let key = server.create("k", &keys[0]).await;
    let key_id = key.id.as_str();
    let running = server.instance("running", "linux", "RUNNING").await;
    let r = server.bind("bind", key_id, &[&running], true).await;
    assert_eq!(bind_outcomes(&r)[0], BindOutcome::Bound);
    let before = server.key_pair(key_id).await.expect("the key pair");
    assert_eq!(before.instance_ids, [running.as_str()]);

    // A running instance can be deleted; the key pair survives, unbound and deletable.
    assert_eq!(
        server.delete(&format!("/instances/{running}")).await.status,
        204
    );
    let after = server.key_pair(key_id).await.expect("the key pair");
    assert!(after.instance_ids.is_empty());
    assert_eq!(after.version, before.version + 1);
    assert_eq!(
        server.get(&format!("/instances/{running}")).await.status,
        404
    );
    assert_eq!(
        server.delete(&format!("/instances/{running}")).await.status,
        404
    );
    assert_eq!(
        server.delete(&format!("/key-pairs/{key_id}")).await.status,
        204
    );
}

#[tokio::test]
async fn images_are_made_from_instances_and_carry_their_keys() {
    let server = App::start(FAST).await;
    let keys = ed25519_keys(2);
    let a = server.create("a", &keys[0]).await;
    let b = server.create("b", &keys[1]).await;
    let (a_id, b_id) = (a.id.as_str(), b.id.as_str());
    let (instance, _) = server.register("builder", "linux", "STOPPED").await;
    let instance_id = instance.id.as_str();
    for key in [a_id, b_id] {
        let r = server.bind("bind", key, &[instance_id], false).await;
        assert_eq!(bind_outcomes(&r)[0], BindOutcome::Bound);
    }

    let r = server
        .post(
            "/images",
            json!({"name": "golden 2026", "instance_id": instance_id}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let image: Image = r.ok();
    let image_id = image.id.as_str();
    assert!(
        image_id.starts_with("img-") && image_id.len() == 12,
        "{image_id}"
    );
    assert_eq!(
        r.header("location"),
        Some(format!("/api/v1/images/{image_id}").as_str())
    );
    assert_eq!(image.name, "golden 2026");
    assert_eq!(image.region, "test-region");
    let mut expected = vec![a_id, b_id];
    expected.sort_unstable();
    assert_eq!(image.key_ids, expected);
    let listed: List<Image> = server.get("/images").await.ok();
    assert_eq!(listed.items, std::slice::from_ref(&image));
    let a_now: KeyPair = server.get(&format!("/key-pairs/{a_id}")).await.ok();
    assert_eq!(a_now.image_ids, [image_id]);

    // The image keeps its keys after the instance changes; an image of a bare instance has none.
    let r = server.bind("unbind", a_id, &[instance_id], false).await;
    assert_eq!(bind_outcomes(&r)[0], BindOutcome::Unbound);
    let listed: List<Image> = server.get("/images").await.ok();
    assert_eq!(listed.items[0].key_ids, expected);
    let bare = server.instance("bare", "windows", "RUNNING").await;
    let r = server
        .post("/images", json!({"name": "bare", "instance_id": bare}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(r.ok::<Image>().key_ids.is_empty());

    let r = server
        .post(
            "/images",
            json!({"name": "x", "instance_id": "ins-00000000"}),
        )
        .await;
    assert_refused(&r, instance_not_found("ins-00000000"));
    let r = server
        .post("/images", json!({"name": " ", "instance_id": instance_id}))
        .await;
    assert_invalid_field(&r, "name");

    let r = server.delete(&format!("/key-pairs/{a_id}")).await;
    assert_refused(
        &r,
        ErrorCode::KeyPairReferencedByImage {
            image_ids: vec![image_id.to_owned()],
        },
    );
    assert_eq!(
        server.delete(&format!("/images/{image_id}")).await.status,
        204
    );
    let r = server.delete(&format!("/images/{image_id}")).await;
    assert_refused(
        &r,
        ErrorCode::ImageNotFound {
            id: image_id.to_owned(),
        },
    );
    assert_eq!(server.get("/images").await.ok::<List<Image>>().total, 1);
    assert_eq!(
        server.delete(&format!("/key-pairs/{a_id}")).await.status,
        204
    );
    let r = server.delete(&format!("/key-pairs/{b_id}")).await;
    assert!(
        matches!(r.refusal().code, ErrorCode::KeyPairInUse { .. }),
        "still bound: {}",
        r.text
    );
}

#[tokio::test]
async fn instances_filter_by_the_key_pair_bound_to_them() {
    let server = App::start(&[]).await;
    let key = server.create("filtered", &ed25519_keys(1)[0]).await;
    let key_id = key.id.as_str().to_owned();
    let bound = server.instance("bound-host", "linux", "STOPPED").await;
    let _other = server.instance("other-host", "linux", "STOPPED").await;
    let r = server.bind("bind", &key_id, &[&bound], false).await;
    assert_eq!(r.status, 200, "{}", r.text);

    let page = server.instances(&format!("key_pair={key_id}")).await;
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].id, bound);
    // With the other filters, and for a key bound nowhere.
    let page = server
        .instances(&format!("key_pair={key_id}&q=other"))
        .await;
    assert_eq!(page.total, 0);
    assert_eq!(server.instances("key_pair=skey-nothere0").await.total, 0);
}

#[tokio::test]
async fn instance_and_image_names_refuse_control_bidi_and_invisible_characters() {
    let server = App::start(&[]).await;
    let (instance, _) = server.register("builder", "linux", "STOPPED").await;
    let instance_id = instance.id.as_str();
    for (name, rule) in [
        ("web\u{200B}01", Rule::InvisibleChar),
        ("web\u{2060}01", Rule::InvisibleChar),
        ("\u{FEFF}web01", Rule::InvisibleChar),
        ("web\u{202E}10", Rule::BidiOverride),
        ("web\u{061C}01", Rule::BidiOverride),
        ("web\u{1B}[0m", Rule::ControlChar),
        ("web\u{7F}", Rule::ControlChar),
    ] {
        let r = server
            .post(
                "/instances",
                json!({"name": name, "region": "test-region", "os": "linux"}),
            )
            .await;
        assert_invalid(&r, "name", rule);

        let r = server
            .post("/images", json!({"name": name, "instance_id": instance_id}))
            .await;
        assert_invalid(&r, "name", rule);
    }
    // Nothing was made by any refused request.
    assert_eq!(server.instances("").await.total, 1);
    let images: List<Image> = server.get("/images").await.ok();
    assert!(images.items.is_empty());
}

fn instance_not_found(id: &str) -> ErrorCode {
    ErrorCode::InstanceNotFound { id: id.into() }
}
