//! Crash durability: SIGKILL the server in the middle of a write storm, restart it on the same
//! database, and every create it acknowledged is there; SQLite's integrity check passes.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::database::Backend;
use common::{random_ed25519_line, Server, TestDb};
use serde_json::json;

#[test]
fn generated_keys_parse() {
    let line = random_ed25519_line("t@k");
    let info = keyrack_api::parse_public_key(&line).expect("valid");
    assert_eq!(info.algorithm, "ssh-ed25519");
}

#[tokio::test]
async fn acknowledged_creates_survive_sigkill() {
    const CREATORS: usize = 6;
    let db = TestDb::new().await;
    let url = db.url().to_owned();
    let mut server = Server::spawn(&url, &["--rate-limit-per-minute", "0"], true).await;
    let base = server.base.clone();
    let token = server.token().to_owned();

    let acked: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let mut tasks = Vec::new();
    for creator in 0..CREATORS {
        let (base, token, acked) = (base.clone(), token.clone(), Arc::clone(&acked));
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            for n in 0.. {
                let name = format!("storm-{creator}-{n}");
                let body = json!({"name": name, "public_key": random_ed25519_line(&name)});
                let sent = client
                    .post(format!("{base}/api/v1/key-pairs"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await;
                let Ok(response) = sent else { break };
                let status = response.status().as_u16();
                let Ok(value) = response.json::<serde_json::Value>().await else {
                    break;
                };
                // Anything but 201 before the kill is a bug; after it there is no answer.
                assert_eq!(status, 201, "{value}");
                let id = value["id"].as_str().expect("id").to_owned();
                acked.lock().expect("lock").push((id, name));
            }
        }));
    }
    // Let the storm run, then kill the server without warning.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.stop();
    for task in tasks {
        task.await.expect("creator");
    }
    let acked = acked.lock().expect("lock").clone();
    assert!(
        acked.len() >= 20,
        "the storm made only {} key pairs",
        acked.len()
    );
    println!("{} creates acknowledged before SIGKILL", acked.len());

    // Restart on the same database: every acknowledged create is there.
    let server = Server::spawn(&url, &["--rate-limit-per-minute", "0"], true).await;
    for (id, name) in &acked {
        let r = server.get(&format!("/key-pairs/{id}")).await;
        assert_eq!(
            r.status, 200,
            "acknowledged {id} ({name}) is lost: {}",
            r.text
        );
        assert_eq!(r.body["name"], name.as_str());
    }
    let total = server.get("/key-pairs?limit=1").await.body["total"]
        .as_u64()
        .expect("total");
    assert!(total >= acked.len() as u64);
    drop(server);

    // SQLite's own check of the file the kill interrupted (PostgreSQL recovers from its WAL
    // on its own and has no file of ours to check).
    if db.backend() == Backend::Sqlite {
        let pool = sqlx::SqlitePool::connect(&url)
            .await
            .expect("open the database");
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await
            .expect("integrity check");
        assert_eq!(check, "ok");
        pool.close().await;
    }
}
