//! Two server processes on one database, as replicas behind a load balancer run: PostgreSQL
//! in the PostgreSQL run of `cargo xtask test`, one shared SQLite file in the SQLite run. The
//! rules of `docs/rules.md` must hold with nothing shared between the processes but the database.
//! (The 32-client workload over two replicas is in `concurrency.rs`.)

mod common;

use keyrack_api::ErrorCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{assert_refused, ed25519_keys, random_ed25519_line, Server, TestDb};
use reqwest::Method;
use serde_json::{json, Value};

/// Two replicas on a fresh database; the database outlives them.
async fn replicas(args: &[&str]) -> (TestDb, Server, Server) {
    let db = TestDb::new().await;
    let a = Server::spawn(db.url(), args, true).await;
    let b = Server::spawn(db.url(), args, true).await;
    (db, a, b)
}

/// Statuses sorted, and the refusal among them.
fn one_wins(x: &common::Resp, y: &common::Resp) -> (Vec<u16>, String) {
    let mut statuses = vec![x.status, y.status];
    statuses.sort_unstable();
    let loser = if x.status == 201 || x.status == 200 {
        y
    } else {
        x
    };
    (statuses, loser.refusal().code.name())
}

#[tokio::test]
async fn the_same_name_or_key_created_on_both_at_once_is_created_once() {
    let (_db, a, b) = replicas(&[]).await;
    let keys = ed25519_keys(30);
    for round in 0..10 {
        // The same name with two different keys.
        let name = format!("race-{round}");
        let (x, y) = tokio::join!(
            a.post(
                "/key-pairs",
                json!({"name": name, "public_key": keys[3 * round]})
            ),
            b.post(
                "/key-pairs",
                json!({"name": name.to_uppercase(), "public_key": keys[3 * round + 1]})
            ),
        );
        let (statuses, code) = one_wins(&x, &y);
        assert_eq!(statuses, [201, 409], "{} / {}", x.text, y.text);
        assert_eq!(code, "KeyPairNameDuplicate");
        let (loser, asked) = if x.status == 409 {
            (&x, name.clone())
        } else {
            (&y, name.to_uppercase())
        };
        assert_refused(loser, ErrorCode::name_duplicate(asked));

        // The same key under two names.
        let key = &keys[3 * round + 2];
        let (x, y) = tokio::join!(
            a.post(
                "/key-pairs",
                json!({"name": format!("left-{round}"), "public_key": key})
            ),
            b.post(
                "/key-pairs",
                json!({"name": format!("right-{round}"), "public_key": key})
            ),
        );
        let (statuses, code) = one_wins(&x, &y);
        assert_eq!(statuses, [201, 409], "{} / {}", x.text, y.text);
        assert_eq!(code, "PublicKeyDuplicate");
        // The refusal names the key pair that won, as on one server.
        let (winner, loser) = if x.status == 201 { (&x, &y) } else { (&y, &x) };
        assert_eq!(
            loser.body["error"]["details"]["name"], winner.body["name"],
            "{}",
            loser.text
        );
    }
    let total = a.key_pairs("limit=1").await.total;
    assert_eq!(total, 20, "one key pair per race");
}

#[tokio::test]
async fn forty_binds_over_both_replicas_leave_at_most_sixteen_keys() {
    let (_db, a, b) = replicas(&["--rate-limit-per-minute", "0"]).await;
    let instance = a.instance("crowded", "linux", "STOPPED").await;
    let mut ids = Vec::new();
    for (n, key) in ed25519_keys(40).iter().enumerate() {
        let created = a.create(&format!("k{n}"), key).await;
        ids.push(created.id.as_str().to_owned());
    }
    // All 40 in flight at once, alternating replicas.
    let mut binds = tokio::task::JoinSet::new();
    for (n, id) in ids.iter().enumerate() {
        let base = if n % 2 == 0 { &a.base } else { &b.base };
        let url = format!("{base}/api/v1/key-pairs/{id}/bind");
        let (token, id, instance) = (a.token().to_owned(), id.clone(), instance.clone());
        binds.spawn(async move {
            let r = reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .json(&json!({"instance_ids": [instance]}))
                .send()
                .await
                .expect("bind sent");
            let status = r.status().as_u16();
            (id, status, r.json::<Value>().await.expect("JSON"))
        });
    }
    let mut bound = Vec::new();
    while let Some(answer) = binds.join_next().await {
        let (id, status, body) = answer.expect("bind task");
        assert_eq!(status, 200, "{body}");
        match body["results"][0]["outcome"].as_str() {
            Some("bound") => bound.push(id),
            Some("key_limit") => {}
            other => panic!("unexpected outcome {other:?}: {body}"),
        }
    }
    let held = b.get(&format!("/instances/{instance}")).await.body["key_ids"].clone();
    let held: Vec<String> = serde_json::from_value(held).expect("key ids");
    assert_eq!(held.len(), 16, "{held:?}");
    assert_eq!(bound.len(), 16, "every acknowledged bind is one of the 16");
    for id in &bound {
        assert!(held.contains(id), "acknowledged bind of {id} is missing");
    }
}

#[tokio::test]
async fn an_if_match_race_over_both_replicas_has_one_winner() {
    let (_db, a, b) = replicas(&[]).await;
    let keys = ed25519_keys(10);
    for (round, key) in keys.iter().enumerate() {
        let created = a.create(&format!("contested-{round}"), key).await;
        let path = format!("/key-pairs/{}", created.id.as_str());
        let etag = format!("\"{}\"", created.version);
        let (x, y) = tokio::join!(
            a.with_if_match(
                Method::PATCH,
                &path,
                &etag,
                json!({"description": "from a"})
            ),
            b.with_if_match(
                Method::PATCH,
                &path,
                &etag,
                json!({"description": "from b"})
            ),
        );
        let mut statuses = vec![x.status, y.status];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 412], "{} / {}", x.text, y.text);
        let winner = if x.status == 200 { &x } else { &y };
        let now = b.get(&path).await;
        assert_eq!(now.body["description"], winner.body["description"]);
        assert_eq!(now.body["version"], 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_one_replica_in_a_write_storm_loses_nothing_acknowledged() {
    let (_db, mut a, b) = replicas(&["--rate-limit-per-minute", "0"]).await;
    let acked: Arc<Mutex<Vec<(String, String, bool)>>> = Arc::default();
    let mut tasks = Vec::new();
    for creator in 0..6 {
        // Half the creators write through the replica that dies, half through the other.
        let (base, on_a) = if creator % 2 == 0 {
            (a.base.clone(), true)
        } else {
            (b.base.clone(), false)
        };
        let token = a.token().to_owned();
        let acked = Arc::clone(&acked);
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            for n in 0..60 {
                let name = format!("storm-{creator}-{n}");
                let key = random_ed25519_line(&name);
                let sent = client
                    .post(format!("{base}/api/v1/key-pairs"))
                    .bearer_auth(&token)
                    .json(&json!({"name": name, "public_key": key}))
                    .send()
                    .await;
                let Ok(response) = sent else {
                    assert!(on_a, "the surviving replica stopped answering");
                    break;
                };
                let status = response.status().as_u16();
                let Ok(value) = response.json::<Value>().await else {
                    assert!(on_a, "the surviving replica cut an answer");
                    break;
                };
                assert_eq!(status, 201, "{value}");
                let id = value["id"].as_str().expect("id").to_owned();
                acked.lock().expect("lock").push((id, name, on_a));
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    a.stop();
    for task in tasks {
        task.await.expect("creator");
    }
    let acked = acked.lock().expect("lock").clone();
    let on_a = acked.iter().filter(|(_, _, on_a)| *on_a).count();
    let on_b = acked.len() - on_a;
    println!("acknowledged: {on_a} through the killed replica, {on_b} through the survivor");
    assert!(
        on_a >= 5,
        "the killed replica acknowledged only {on_a} writes"
    );
    assert_eq!(
        on_b,
        3 * 60,
        "the survivor answered every write of its creators"
    );
    for (id, name, _) in &acked {
        let r = b.get(&format!("/key-pairs/{id}")).await;
        assert_eq!(
            r.status, 200,
            "acknowledged {id} ({name}) is lost: {}",
            r.text
        );
        assert_eq!(r.body["name"], name.as_str());
    }
}

#[tokio::test]
async fn sigterm_stops_one_replica_cleanly_while_the_other_serves() {
    let (_db, mut a, b) = replicas(&[]).await;
    let key = &ed25519_keys(1)[0];
    let created = a.create("before-sigterm", key).await;
    let status = a.terminate();
    assert!(status.success(), "a clean stop exits 0: {status}");
    let r = b.get(&format!("/key-pairs/{}", created.id.as_str())).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let health = b.request(Method::GET, "/healthz", None, &[], None).await;
    assert_eq!(health.status, 200);
}
