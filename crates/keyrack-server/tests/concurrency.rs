//! 32 concurrent clients bind, unbind, rename and delete overlapping key pairs for a while
//! (`KEYRACK_CONCURRENCY_SECS`, default 20); afterwards the database must be consistent with
//! every answer the clients got. The operation mix comes from a seeded generator
//! (`KEYRACK_CONCURRENCY_SEED`), printed at the start, so a failing mix can be replayed.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::Server;
use serde_json::{json, Value};

const CLIENTS: u64 = 32;
const KEYS: usize = 20;
const INSTANCES: usize = 8;
const KEYS_PER_INSTANCE_MAX: usize = 16;

/// SplitMix64: small, seedable and good enough to pick operations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> Option<T> {
        (!items.is_empty()).then(|| items[self.below(items.len())].clone())
    }

    fn ed25519_line(&mut self, comment: &str) -> String {
        let mut blob = Vec::with_capacity(51);
        blob.extend_from_slice(&11u32.to_be_bytes());
        blob.extend_from_slice(b"ssh-ed25519");
        blob.extend_from_slice(&32u32.to_be_bytes());
        for _ in 0..4 {
            blob.extend_from_slice(&self.next().to_le_bytes());
        }
        format!("ssh-ed25519 {} {comment}", STANDARD.encode(blob))
    }
}

/// What the clients were told.
#[derive(Default)]
struct Ledger {
    /// Keys no acknowledged delete removed (operations pick from these).
    live: Vec<String>,
    /// Acknowledged deletes.
    deleted: HashSet<String>,
    /// Per key, the acknowledged rename with the highest version: (version, name).
    renamed: HashMap<String, (i64, String)>,
    /// Deliberately stale writes and how they were answered.
    stale: Vec<(String, u16)>,
    /// Statuses no client should ever get (5xx, 429, 400, transport errors).
    unexpected: Vec<String>,
    /// 2xx writes by kind.
    acked: HashMap<&'static str, u64>,
}

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        if_match: Option<String>,
        body: Option<Value>,
    ) -> Result<(u16, Option<String>, Value), String> {
        let mut req = self
            .http
            .request(method.clone(), format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(v) = if_match {
            req = req.header("if-match", v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let response = req
            .send()
            .await
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let status = response.status().as_u16();
        let etag = response
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response
            .text()
            .await
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let value = serde_json::from_str(&text).unwrap_or(Value::Null);
        Ok((status, etag, value))
    }
}

fn version_of(etag: &str) -> i64 {
    etag.trim_matches('"').parse().unwrap_or(0)
}

#[allow(clippy::too_many_lines)]
async fn run_client(
    n: u64,
    seed: u64,
    until: Instant,
    client: Client,
    instances: Vec<String>,
    ledger: Arc<Mutex<Ledger>>,
) {
    use reqwest::Method;
    let mut rng = Rng(seed ^ n.wrapping_mul(0xA076_1D64_78BD_642F));
    let note = |ledger: &Arc<Mutex<Ledger>>, what: String| {
        ledger.lock().expect("ledger").unexpected.push(what)
    };
    let acked = |ledger: &Arc<Mutex<Ledger>>, kind: &'static str| {
        *ledger
            .lock()
            .expect("ledger")
            .acked
            .entry(kind)
            .or_default() += 1
    };
    // A status any write may get under contention: 2xx, or a refusal the rules allow.
    let allowed = |s: u16| (200..300).contains(&s) || matches!(s, 404 | 409 | 412);
    let mut i = 0u64;
    while Instant::now() < until {
        i += 1;
        let live = ledger.lock().expect("ledger").live.clone();
        let roll = rng.below(100);
        let result = if roll < 30 || live.is_empty() && roll < 88 {
            // Bind or unbind 1–3 instances.
            let Some(key) = rng.pick(&live) else { continue };
            let count = 1 + rng.below(3);
            let mut ids: Vec<String> = (0..count).filter_map(|_| rng.pick(&instances)).collect();
            ids.sort();
            ids.dedup();
            let verb = if rng.below(100) < 50 {
                "bind"
            } else {
                "unbind"
            };
            client
                .send(
                    Method::POST,
                    &format!("/key-pairs/{key}/{verb}"),
                    None,
                    Some(json!({"instance_ids": ids})),
                )
                .await
                .map(|(s, _, v)| {
                    if (200..300).contains(&s) {
                        acked(&ledger, verb);
                    }
                    if s == 200 && v["results"].as_array().is_none_or(|r| r.len() != ids.len()) {
                        note(&ledger, format!("{verb} {key}: bad results {v}"));
                    }
                    (format!("{verb} {key}"), s)
                })
        } else if roll < 55 {
            // Rename with If-Match from a fresh GET; one in five deliberately stale.
            let Some(key) = rng.pick(&live) else { continue };
            match client
                .send(Method::GET, &format!("/key-pairs/{key}"), None, None)
                .await
            {
                Err(e) => Err(e),
                Ok((404, _, _)) => Ok((format!("get {key}"), 404)),
                Ok((200, Some(etag), _)) => {
                    let version = version_of(&etag);
                    let stale = rng.below(5) == 0;
                    let if_match = if stale {
                        format!("\"{}\"", (version - 1).max(0))
                    } else {
                        etag
                    };
                    let name = format!("r{n}-{i}");
                    client
                        .send(
                            Method::PATCH,
                            &format!("/key-pairs/{key}"),
                            Some(if_match),
                            Some(json!({"name": name, "description": format!("by {n}")})),
                        )
                        .await
                        .map(|(s, _, v)| {
                            let mut l = ledger.lock().expect("ledger");
                            if stale {
                                l.stale.push((key.clone(), s));
                            } else if s == 200 {
                                *l.acked.entry("rename").or_default() += 1;
                                let version = v["version"].as_i64().unwrap_or(0);
                                let entry =
                                    l.renamed.entry(key.clone()).or_insert((0, String::new()));
                                if version > entry.0 {
                                    *entry = (version, name.clone());
                                }
                            }
                            (format!("rename {key}"), s)
                        })
                }
                Ok((s, _, v)) => Ok((format!("get {key}: {v}"), s)),
            }
        } else if roll < 67 {
            // Delete one.
            let Some(key) = rng.pick(&live) else { continue };
            client
                .send(Method::DELETE, &format!("/key-pairs/{key}"), None, None)
                .await
                .map(|(s, _, _)| {
                    if (200..300).contains(&s) {
                        let mut l = ledger.lock().expect("ledger");
                        *l.acked.entry("delete").or_default() += 1;
                        l.deleted.insert(key.clone());
                        l.live.retain(|k| *k != key);
                    }
                    (format!("delete {key}"), s)
                })
        } else if roll < 75 {
            // Batch delete 2–4, sometimes including a deleted one.
            let count = 2 + rng.below(3);
            let mut ids: Vec<String> = (0..count).filter_map(|_| rng.pick(&live)).collect();
            ids.sort();
            ids.dedup();
            client
                .send(
                    Method::POST,
                    "/key-pairs/batch-delete",
                    None,
                    Some(json!({"ids": ids})),
                )
                .await
                .map(|(s, _, v)| {
                    if s == 200 {
                        let mut l = ledger.lock().expect("ledger");
                        *l.acked.entry("batch-delete").or_default() += 1;
                        for r in v["results"].as_array().cloned().unwrap_or_default() {
                            if r["outcome"] == "deleted" {
                                if let Some(id) = r["id"].as_str() {
                                    l.deleted.insert(id.to_owned());
                                    l.live.retain(|k| k != id);
                                }
                            }
                        }
                    }
                    ("batch-delete".to_owned(), s)
                })
        } else {
            // Create, so the pool never runs dry.
            let name = format!("c{n}-{i}");
            let public_key = rng.ed25519_line(&name);
            client
                .send(
                    Method::POST,
                    "/key-pairs",
                    None,
                    Some(json!({"name": name, "public_key": public_key})),
                )
                .await
                .map(|(s, _, v)| {
                    if s == 201 {
                        let mut l = ledger.lock().expect("ledger");
                        *l.acked.entry("create").or_default() += 1;
                        if let Some(id) = v["id"].as_str() {
                            l.live.push(id.to_owned());
                        }
                    }
                    (format!("create {name}"), s)
                })
        };
        match result {
            Ok((what, status)) if !allowed(status) => {
                note(&ledger, format!("{what}: status {status}"))
            }
            Ok(_) => {}
            Err(e) => note(&ledger, e),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[allow(clippy::too_many_lines)]
async fn concurrent_clients_leave_a_consistent_fleet() {
    let seed: u64 = std::env::var("KEYRACK_CONCURRENCY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x6B65_7972_6163_6B21);
    let secs: u64 = std::env::var("KEYRACK_CONCURRENCY_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    println!(
        "concurrency: seed {seed} (KEYRACK_CONCURRENCY_SEED), {secs} s (KEYRACK_CONCURRENCY_SECS)"
    );

    let server = Server::start(&[
        "--transition-delay-ms",
        "50",
        "--rate-limit-per-minute",
        "0",
    ])
    .await;
    let mut rng = Rng(seed);
    let mut keys = Vec::new();
    for k in 0..KEYS {
        let name = format!("seed-{k}");
        keys.push(
            server.create(&name, &rng.ed25519_line(&name)).await["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    let mut instances = Vec::new();
    for i in 0..INSTANCES {
        instances.push(
            server
                .instance(&format!("host-{i}"), "linux", "STOPPED")
                .await,
        );
    }
    let ledger = Arc::new(Mutex::new(Ledger {
        live: keys.clone(),
        ..Ledger::default()
    }));
    let until = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for n in 0..CLIENTS {
        let client = Client {
            http: reqwest::Client::new(),
            base: server.base.clone(),
            token: server.token().to_owned(),
        };
        tasks.push(tokio::spawn(run_client(
            n,
            seed,
            until,
            client,
            instances.clone(),
            Arc::clone(&ledger),
        )));
    }
    for task in tasks {
        task.await.expect("client task");
    }
    let ledger = Arc::try_unwrap(ledger)
        .ok()
        .expect("sole owner")
        .into_inner()
        .expect("ledger");
    println!(
        "acknowledged writes: {:?}; stale attempts: {}",
        ledger.acked,
        ledger.stale.len()
    );

    assert!(
        ledger.unexpected.is_empty(),
        "unexpected answers (seed {seed}): {:#?}",
        ledger.unexpected
    );
    for (key, status) in &ledger.stale {
        assert!(
            matches!(status, 412 | 404),
            "stale If-Match on {key} got {status} (seed {seed})"
        );
    }
    assert!(
        ledger.stale.iter().any(|(_, s)| *s == 412),
        "no stale write was tried"
    );
    for kind in ["bind", "rename", "delete", "create"] {
        assert!(
            ledger.acked.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} succeeded"
        );
    }

    // The final state, read back.
    let mut existing: HashMap<String, Value> = HashMap::new();
    let mut offset = 0;
    loop {
        let r = server
            .get(&format!(
                "/key-pairs?limit=100&offset={offset}&sort=created_at"
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let items = r.body["items"].as_array().cloned().unwrap_or_default();
        for k in &items {
            existing.insert(k["id"].as_str().expect("id").to_owned(), k.clone());
        }
        offset += 100;
        if items.is_empty() || offset >= r.body["total"].as_u64().unwrap_or(0) {
            break;
        }
    }
    let mut bound_by_instances: HashMap<String, HashSet<String>> = HashMap::new();
    for id in &instances {
        let r = server.get(&format!("/instances/{id}")).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["state"], "STOPPED");
        let key_ids: Vec<String> = r.body["key_ids"]
            .as_array()
            .expect("key_ids")
            .iter()
            .filter_map(|k| k.as_str().map(str::to_owned))
            .collect();
        assert!(
            key_ids.len() <= KEYS_PER_INSTANCE_MAX,
            "{id} holds {} keys",
            key_ids.len()
        );
        for key in &key_ids {
            assert!(
                existing.contains_key(key),
                "{id} is bound to {key}, which does not exist (seed {seed})"
            );
            assert!(
                !ledger.deleted.contains(key),
                "{id} is bound to deleted {key} (seed {seed})"
            );
            bound_by_instances
                .entry(key.clone())
                .or_default()
                .insert(id.clone());
        }
    }
    // Both views of the bindings agree.
    for (id, key) in &existing {
        let from_key: HashSet<String> = key["instance_ids"]
            .as_array()
            .expect("instance_ids")
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect();
        assert_eq!(
            from_key,
            bound_by_instances.get(id).cloned().unwrap_or_default(),
            "bindings of {id} disagree"
        );
    }
    for id in &ledger.deleted {
        assert!(
            !existing.contains_key(id),
            "acknowledged delete of {id} is undone (seed {seed})"
        );
        assert_eq!(server.get(&format!("/key-pairs/{id}")).await.status, 404);
    }
    // The rename acknowledged with the highest version is the name now (only renames change
    // names), unless an acknowledged delete removed the key.
    for (id, (version, name)) in &ledger.renamed {
        if ledger.deleted.contains(id) {
            continue;
        }
        let key = existing.get(id).unwrap_or_else(|| {
            panic!("renamed {id} vanished without an acknowledged delete (seed {seed})")
        });
        assert_eq!(
            key["name"],
            name.as_str(),
            "{id} lost its acknowledged rename (seed {seed})"
        );
        assert!(key["version"].as_i64().unwrap_or(0) >= *version);
    }
}
