//! Crash durability: SIGKILL the server in the middle of a write storm, restart it on the same
//! database, and every create it acknowledged is there; SQLite's integrity check passes. And
//! PostgreSQL ending the server's sessions under load (`pg_terminate_backend`, as a restart
//! or a failover does) costs no 500 and no acknowledged create.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::database::Backend;
use common::{random_ed25519_line, Server, TestDb};
use serde_json::json;
use sqlx::Connection as _;

#[test]
fn generated_keys_parse() {
    let line = random_ed25519_line("t@k");
    let info = keyrack_api::parse_public_key(&line).expect("valid");
    assert_eq!(info.algorithm, keyrack_api::KeyAlgorithm::Ed25519);
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
    let total = server.key_pairs("limit=1").await.total;
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

/// What the create-and-list clients saw: statuses per request kind, and the creates answered
/// 201 (id, name).
#[derive(Default)]
struct Seen {
    statuses: BTreeMap<(&'static str, u16), u64>,
    acked: Vec<(String, String)>,
    /// The first answer of each unexpected kind, for the failure message.
    samples: Vec<String>,
}

/// `CLIENTS` clients, each creating a key pair then listing the first page, until `stop`.
async fn create_and_list(base: String, token: String, stop: Arc<AtomicBool>) -> Seen {
    const CLIENTS: usize = 8;
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let mut tasks = Vec::new();
    for client_no in 0..CLIENTS {
        let (base, token) = (base.clone(), token.clone());
        let (seen, stop) = (Arc::clone(&seen), Arc::clone(&stop));
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let name = format!("c{client_no}-{n}");
                let r = client
                    .post(format!("{base}/api/v1/key-pairs"))
                    .bearer_auth(&token)
                    .json(&json!({"name": name, "public_key": random_ed25519_line(&name)}))
                    .send()
                    .await
                    .expect("an answer to the create");
                let status = r.status().as_u16();
                let body: serde_json::Value = r.json().await.expect("JSON");
                let list = client
                    .get(format!("{base}/api/v1/key-pairs?limit=20"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("an answer to the list");
                let list_status = list.status().as_u16();
                let list_text = list.text().await.unwrap_or_default();
                let mut seen = seen.lock().expect("lock");
                *seen.statuses.entry(("create", status)).or_default() += 1;
                *seen.statuses.entry(("list", list_status)).or_default() += 1;
                if status == 201 {
                    let id = body["id"].as_str().expect("id").to_owned();
                    seen.acked.push((id, name));
                } else if seen.samples.len() < 5 {
                    seen.samples.push(format!("create {status}: {body}"));
                }
                if list_status != 200 && seen.samples.len() < 5 {
                    seen.samples
                        .push(format!("list {list_status}: {list_text}"));
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("client");
    }
    Arc::try_unwrap(seen)
        .ok()
        .expect("the clients are done")
        .into_inner()
        .expect("lock")
}

/// Ends every session of the database `name` but the admin's own; how many it ended.
async fn terminate_backends(admin: &str, name: &str) -> i64 {
    let mut conn = sqlx::PgConnection::connect(admin).await.expect("admin");
    let ended: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = $1 AND pid <> pg_backend_pid()) AS t",
    )
    .bind(name)
    .fetch_one(&mut conn)
    .await
    .expect("terminate");
    conn.close().await.ok();
    ended
}

/// Eight clients create and list key pairs while PostgreSQL ends every session of the
/// server twice: no answer is a 500 (a read, or a write that never reached its COMMIT, is
/// tried again on a new connection; one whose COMMIT was cut answers 503), and every create
/// answered 201 is there afterwards. On SQLite, where nothing is terminated, every answer is
/// a success, as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn terminated_database_sessions_cost_no_500_and_no_acknowledged_create() {
    let db = TestDb::new().await;
    let server = Server::spawn(
        db.url(),
        &[
            "--rate-limit-per-minute",
            "0",
            "--key-pair-quota",
            "1000000",
        ],
        true,
    )
    .await;
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let workload = tokio::spawn(create_and_list(
        server.base.clone(),
        server.token().to_owned(),
        Arc::clone(&stop),
    ));
    let mut ended = Vec::new();
    if db.backend() == Backend::Postgres {
        let admin = common::database::admin_url();
        let name = db.url().rsplit('/').next().expect("a database name");
        let name = name.split('?').next().unwrap_or(name).to_owned();
        for _ in 0..2 {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            ended.push(terminate_backends(&admin, &name).await);
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
    } else {
        tokio::time::sleep(Duration::from_millis(4500)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let seen = workload.await.expect("the workload");
    let total: u64 = seen.statuses.values().sum();
    println!(
        "{total} requests in {:.1} s; sessions ended: {ended:?}; statuses: {:?}; first \
         refusals: {:?}",
        started.elapsed().as_secs_f64(),
        seen.statuses,
        seen.samples
    );
    if db.backend() == Backend::Postgres {
        assert!(
            ended.iter().all(|&n| n >= 1),
            "the server held sessions to end: {ended:?}"
        );
    }
    assert!(seen.acked.len() >= 20, "only {} creates", seen.acked.len());
    for ((kind, status), count) in &seen.statuses {
        let allowed = match db.backend() {
            // 503 DatabaseUnavailable: a COMMIT cut on its way; never a 500.
            Backend::Postgres => [200, 201, 503].contains(status),
            Backend::Sqlite => [200, 201].contains(status),
        };
        assert!(allowed, "{count} × {kind} {status}: {:?}", seen.samples);
    }
    // Every acknowledged create is there, and the server serves on as before.
    let all = server.get("/key-pairs?limit=1").await;
    assert_eq!(all.status, 200, "{}", all.text);
    for (id, name) in &seen.acked {
        let r = server.get(&format!("/key-pairs/{id}")).await;
        assert_eq!(
            r.status, 200,
            "acknowledged {id} ({name}) is lost: {}",
            r.text
        );
    }
    let ready = server
        .request(reqwest::Method::GET, "/readyz", None, &[], None)
        .await;
    assert_eq!(ready.status, 200, "{}", ready.text);
}
