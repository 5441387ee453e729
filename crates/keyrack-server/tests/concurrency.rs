//! 32 concurrent clients bind, unbind, rename and delete overlapping key pairs for a while
//! (`KEYRACK_CONCURRENCY_SECS`, default 20); afterwards the database must be consistent with
//! every answer the clients got, down to each (key, instance) pair whose last acknowledged
//! bind or unbind overlapped no other call that may have changed it. The operation mix comes
//! from a seeded generator (`KEYRACK_CONCURRENCY_SEED`), printed at the start, so a failing mix
//! can be replayed (the interleaving, of course, cannot). On one server the clients drive the
//! application in process; on two replicas, two real processes.

mod common;

use keyrack_api::{Instance, InstanceState, KeyPair, List};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::{build_request, App, Body, Harness, Server, TestDb, Transport};
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
    /// The name each key was created with (seeded or acknowledged create).
    created: HashMap<String, String>,
    /// Acknowledged deletes.
    deleted: HashSet<String>,
    /// Keys some answer called not found (404, or `not_found` in a batch delete).
    gone: HashSet<String>,
    /// Per key, the acknowledged rename with the highest version: (version, name).
    renamed: HashMap<String, (i64, String)>,
    /// Keys with a rename whose fate the client cannot know (transport error, odd status).
    rename_unsure: HashSet<String>,
    /// Every bind, unbind and delete, with when it was in flight.
    calls: Vec<Call>,
    /// Deliberately stale writes and how they were answered.
    stale: Vec<(String, u16)>,
    /// Statuses no client should ever get (5xx, 429, 400, transport errors).
    unexpected: Vec<String>,
    /// 2xx writes by kind.
    acked: HashMap<&'static str, u64>,
}

/// One write on one key, from just before it was sent to just after its answer was read, so
/// the server committed it (if at all) somewhere in between.
struct Call {
    key: String,
    start: Instant,
    /// `None` when no answer came: the server may still have been at it afterwards.
    end: Option<Instant>,
    write: Write,
}

enum Write {
    /// A bind or unbind: per instance asked for, what the answer says happened and the
    /// answer itself (for failure reports).
    Binding {
        verb: &'static str,
        effects: Vec<(String, Effect, String)>,
    },
    /// A delete, alone or in a batch: whether it deleted (`None`: cannot be known) and the
    /// answer.
    Delete {
        deleted: Option<bool>,
        answer: String,
    },
}

/// What one bind or unbind did to one (key, instance) pair, as far as its answer tells.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Effect {
    /// The pair was in this state when the call committed; `wrote` when the call changed it.
    Left { bound: bool, wrote: bool },
    /// Changed nothing and tells nothing (the key was gone).
    Nothing,
    /// The answer does not tell (error, odd status or outcome): it may have changed the pair.
    Unknown,
}

impl Effect {
    /// The per-instance outcome of a 200, by its `BindOutcome` name.
    fn of(verb: &str, outcome: &str) -> Self {
        let left = |bound, wrote| Self::Left { bound, wrote };
        match (verb, outcome) {
            ("bind", "bound") => left(true, true),
            ("bind", "already_bound") => left(true, false),
            // Refused for the 16-key quota: checked after `already_bound`, so the pair was
            // unbound then, and nothing was written.
            ("bind", "key_limit") => left(false, false),
            ("unbind", "unbound") => left(false, true),
            ("unbind", "not_bound") => left(false, false),
            // Every instance is a stopped Linux one, so nothing else should come back.
            _ => Self::Unknown,
        }
    }

    fn may_write(self) -> bool {
        matches!(self, Self::Left { wrote: true, .. } | Self::Unknown)
    }
}

/// An answer as the ledger records it. The body stays raw JSON on purpose: under contention
/// any answer is recorded (an odd one as `unexpected`, printed), never a panic mid-run.
type Answer = Result<(u16, Option<String>, Value), String>;

/// A short form of an answer, for failure reports.
fn describe(answer: &Answer) -> String {
    match answer {
        Ok((status, _, _)) => format!("status {status}"),
        Err(e) => format!("error {e}"),
    }
}

/// One client's way to its server (the in-process app, or one replica's process).
struct Client<T> {
    server: Arc<Harness<T>>,
}

impl<T: Transport> Client<T> {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        if_match: Option<String>,
        body: Option<Value>,
    ) -> Answer {
        let headers: Vec<(&str, &str)> =
            if_match.iter().map(|v| ("if-match", v.as_str())).collect();
        let req = build_request(
            method.clone(),
            &format!("/api/v1{path}"),
            Some(self.server.token()),
            &headers,
            body.map(Body::Json),
        );
        let r = self
            .server
            .send(req)
            .await
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let etag = r.header("etag").map(str::to_owned);
        Ok((r.status, etag, r.body))
    }
}

fn version_of(etag: &str) -> i64 {
    etag.trim_matches('"').parse().unwrap_or(0)
}

#[allow(clippy::too_many_lines)]
async fn run_client<T: Transport>(
    n: u64,
    seed: u64,
    until: Instant,
    client: Client<T>,
    instances: Vec<String>,
    ledger: Arc<Mutex<Ledger>>,
) {
    use reqwest::Method;
    let mut rng = Rng(seed ^ n.wrapping_mul(0xA076_1D64_78BD_642F));
    let lock = || ledger.lock().expect("ledger");
    // A status any write may get under contention: 2xx, or a refusal the rules allow.
    let allowed = |s: u16| (200..300).contains(&s) || matches!(s, 404 | 409 | 412);
    let mut i = 0u64;
    while Instant::now() < until {
        i += 1;
        let live = lock().live.clone();
        let roll = rng.below(100);
        let (what, answer) = if roll < 30 || live.is_empty() && roll < 88 {
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
            let start = Instant::now();
            let answer = client
                .send(
                    Method::POST,
                    &format!("/key-pairs/{key}/{verb}"),
                    None,
                    Some(json!({"instance_ids": ids})),
                )
                .await;
            let end = answer.is_ok().then(Instant::now);
            let mut l = lock();
            let effects = match &answer {
                Ok((200, _, v)) => {
                    let results = v["results"].as_array().cloned().unwrap_or_default();
                    if results.len() != ids.len() {
                        l.unexpected.push(format!("{verb} {key}: bad results {v}"));
                    }
                    let mut effects = Vec::new();
                    for id in &ids {
                        let outcome = results
                            .iter()
                            .find(|r| r["instance_id"] == id.as_str())
                            .and_then(|r| r["outcome"].as_str())
                            .unwrap_or("missing");
                        let effect = Effect::of(verb, outcome);
                        if effect == Effect::Unknown {
                            l.unexpected
                                .push(format!("{verb} {key} on {id}: outcome {outcome}"));
                        }
                        effects.push((id.clone(), effect, outcome.to_owned()));
                    }
                    effects
                }
                other => {
                    let effect = if matches!(other, Ok((404, _, _))) {
                        l.gone.insert(key.clone());
                        Effect::Nothing
                    } else {
                        Effect::Unknown
                    };
                    let answer = describe(other);
                    ids.iter()
                        .map(|id| (id.clone(), effect, answer.clone()))
                        .collect()
                }
            };
            if matches!(answer, Ok((200..=299, _, _))) {
                *l.acked.entry(verb).or_default() += 1;
            }
            l.calls.push(Call {
                key: key.clone(),
                start,
                end,
                write: Write::Binding { verb, effects },
            });
            (format!("{verb} {key}"), answer)
        } else if roll < 55 {
            // Rename with If-Match from a fresh GET; one in five deliberately stale.
            let Some(key) = rng.pick(&live) else { continue };
            match client
                .send(Method::GET, &format!("/key-pairs/{key}"), None, None)
                .await
            {
                Ok((200, Some(etag), _)) => {
                    let version = version_of(&etag);
                    let stale = rng.below(5) == 0;
                    let if_match = if stale {
                        format!("\"{}\"", (version - 1).max(0))
                    } else {
                        etag
                    };
                    let name = format!("r{n}-{i}");
                    let answer = client
                        .send(
                            Method::PATCH,
                            &format!("/key-pairs/{key}"),
                            Some(if_match),
                            Some(json!({"name": name, "description": format!("by {n}")})),
                        )
                        .await;
                    let mut l = lock();
                    if let (true, Ok((s, _, _))) = (stale, &answer) {
                        l.stale.push((key.clone(), *s));
                    }
                    match &answer {
                        Ok((200, _, v)) => {
                            if !stale {
                                *l.acked.entry("rename").or_default() += 1;
                            }
                            let version = v["version"].as_i64().unwrap_or(0);
                            let entry = l.renamed.entry(key.clone()).or_insert((0, String::new()));
                            if version > entry.0 {
                                *entry = (version, name);
                            }
                        }
                        Ok((404, _, _)) => {
                            l.gone.insert(key.clone());
                        }
                        // Refused before anything was written.
                        Ok((412, _, _)) => {}
                        _ => {
                            l.rename_unsure.insert(key.clone());
                        }
                    }
                    (format!("rename {key}"), answer)
                }
                Ok((404, etag, v)) => {
                    lock().gone.insert(key.clone());
                    (format!("get {key}"), Ok((404, etag, v)))
                }
                Ok((s, etag, v)) => (format!("get {key}: {v}"), Ok((s, etag, v))),
                Err(e) => (format!("get {key}"), Err(e)),
            }
        } else if roll < 67 {
            // Delete one.
            let Some(key) = rng.pick(&live) else { continue };
            let start = Instant::now();
            let answer = client
                .send(Method::DELETE, &format!("/key-pairs/{key}"), None, None)
                .await;
            let end = answer.is_ok().then(Instant::now);
            let deleted = match &answer {
                Ok((200..=299, _, _)) => Some(true),
                // Not found, or still bound: nothing deleted.
                Ok((404 | 409, _, _)) => Some(false),
                _ => None,
            };
            let mut l = lock();
            if deleted == Some(true) {
                *l.acked.entry("delete").or_default() += 1;
                l.deleted.insert(key.clone());
                l.live.retain(|k| *k != key);
            }
            if matches!(answer, Ok((404, _, _))) {
                l.gone.insert(key.clone());
            }
            l.calls.push(Call {
                key: key.clone(),
                start,
                end,
                write: Write::Delete {
                    deleted,
                    answer: describe(&answer),
                },
            });
            (format!("delete {key}"), answer)
        } else if roll < 75 {
            // Batch delete 2–4, sometimes including a deleted one.
            let count = 2 + rng.below(3);
            let mut ids: Vec<String> = (0..count).filter_map(|_| rng.pick(&live)).collect();
            ids.sort();
            ids.dedup();
            let start = Instant::now();
            let answer = client
                .send(
                    Method::POST,
                    "/key-pairs/batch-delete",
                    None,
                    Some(json!({"ids": ids})),
                )
                .await;
            let end = answer.is_ok().then(Instant::now);
            let results = match &answer {
                Ok((200, _, v)) => v["results"].as_array().cloned(),
                _ => None,
            };
            let mut l = lock();
            if results.is_some() {
                *l.acked.entry("batch-delete").or_default() += 1;
            }
            for id in ids {
                let outcome = results.as_ref().map(|results| {
                    results
                        .iter()
                        .find(|r| r["id"] == id.as_str())
                        .and_then(|r| r["outcome"].as_str())
                        .unwrap_or("missing")
                        .to_owned()
                });
                let deleted = match outcome.as_deref() {
                    Some("deleted") => Some(true),
                    Some("not_found" | "in_use" | "referenced_by_image") => Some(false),
                    _ => None,
                };
                if deleted == Some(true) {
                    l.deleted.insert(id.clone());
                    l.live.retain(|k| *k != id);
                }
                if outcome.as_deref() == Some("not_found") {
                    l.gone.insert(id.clone());
                }
                l.calls.push(Call {
                    key: id,
                    start,
                    end,
                    write: Write::Delete {
                        deleted,
                        answer: outcome.map_or_else(|| describe(&answer), |o| format!("batch {o}")),
                    },
                });
            }
            ("batch-delete".to_owned(), answer)
        } else {
            // Create, so the pool never runs dry.
            let name = format!("c{n}-{i}");
            let public_key = rng.ed25519_line(&name);
            let answer = client
                .send(
                    Method::POST,
                    "/key-pairs",
                    None,
                    Some(json!({"name": name, "public_key": public_key})),
                )
                .await;
            if let Ok((201, _, v)) = &answer {
                let mut l = lock();
                *l.acked.entry("create").or_default() += 1;
                if let Some(id) = v["id"].as_str() {
                    l.live.push(id.to_owned());
                    l.created.insert(id.to_owned(), name.clone());
                }
            }
            (format!("create {name}"), answer)
        };
        match answer {
            Ok((status, _, _)) if !allowed(status) => {
                lock().unexpected.push(format!("{what}: status {status}"));
            }
            Ok(_) => {}
            Err(e) => lock().unexpected.push(e),
        }
    }
}

/// The servers' flags: short transitions, no rate limit.
const ARGS: &[&str] = &[
    "--transition-delay-ms",
    "50",
    "--rate-limit-per-minute",
    "0",
];

/// The workload against the application in process: concurrent requests on one store.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_clients_leave_a_consistent_fleet() {
    run_clients(vec![App::start(ARGS).await], 20).await;
}

/// The same workload with the clients spread over two server processes on one database
/// (PostgreSQL replicas, or two processes sharing one SQLite file): every rule must hold with
/// nothing shared between the processes but the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_clients_on_two_replicas_leave_a_consistent_fleet() {
    let db = TestDb::new().await;
    let mut servers = Vec::new();
    for _ in 0..2 {
        servers.push(Server::spawn(db.url(), ARGS, true).await);
    }
    run_clients(servers, 10).await;
}

#[allow(clippy::too_many_lines)]
async fn run_clients<T: Transport + Send + Sync + 'static>(
    servers: Vec<Harness<T>>,
    default_secs: u64,
) {
    let replicas = servers.len();
    let seed: u64 = std::env::var("KEYRACK_CONCURRENCY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x6B65_7972_6163_6B21);
    let secs: u64 = std::env::var("KEYRACK_CONCURRENCY_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default_secs);
    println!(
        "concurrency: {replicas} replica(s), seed {seed} (KEYRACK_CONCURRENCY_SEED), {secs} s \
         (KEYRACK_CONCURRENCY_SECS)"
    );

    let servers: Vec<Arc<Harness<T>>> = servers.into_iter().map(Arc::new).collect();
    let server = &servers[0];
    let mut rng = Rng(seed);
    let mut keys = Vec::new();
    for k in 0..KEYS {
        let name = format!("seed-{k}");
        keys.push(server.create(&name, &rng.ed25519_line(&name)).await.id);
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
        created: keys
            .iter()
            .enumerate()
            .map(|(k, id)| (id.clone(), format!("seed-{k}")))
            .collect(),
        ..Ledger::default()
    }));
    let t0 = Instant::now();
    let until = t0 + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for n in 0..CLIENTS {
        // Client n talks to replica n mod replicas.
        let replica = &servers[usize::try_from(n).unwrap_or(0) % servers.len()];
        let client = Client {
            server: Arc::clone(replica),
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

    // Shows which outcomes (the quota's `key_limit` among them) the mix reached.
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    for call in &ledger.calls {
        if let Write::Binding { verb, effects } = &call.write {
            for (_, _, answer) in effects {
                *outcomes.entry(format!("{verb} {answer}")).or_default() += 1;
            }
        }
    }
    println!("per-instance bind/unbind outcomes: {outcomes:?}");

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
    let mut existing: HashMap<String, KeyPair> = HashMap::new();
    let mut offset = 0;
    loop {
        let r = server
            .get(&format!(
                "/key-pairs?limit=100&offset={offset}&sort=created_at"
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let page: List<KeyPair> = r.ok();
        let empty = page.items.is_empty();
        for k in page.items {
            existing.insert(k.id.clone(), k);
        }
        offset += 100;
        if empty || offset >= page.total {
            break;
        }
    }
    let mut bound_by_instances: HashMap<String, HashSet<String>> = HashMap::new();
    for id in &instances {
        let r = server.get(&format!("/instances/{id}")).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let Instance { state, key_ids, .. } = r.ok();
        assert_eq!(state, InstanceState::Stopped);
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
        let from_key: HashSet<String> = key.instance_ids.iter().cloned().collect();
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
    // Ids are never reused, so a key once not found stays so.
    for id in &ledger.gone {
        assert!(
            !existing.contains_key(id),
            "{id} was not found once but exists now (seed {seed})"
        );
    }
    // Every acknowledged create is there, unless a delete of it may have gone through.
    let maybe_deleted: HashSet<&str> = ledger
        .calls
        .iter()
        .filter(|c| matches!(c.write, Write::Delete { deleted, .. } if deleted != Some(false)))
        .map(|c| c.key.as_str())
        .collect();
    for id in ledger.created.keys() {
        assert!(
            existing.contains_key(id) || maybe_deleted.contains(id.as_str()),
            "acknowledged create of {id} is lost (seed {seed})"
        );
    }
    // The rename acknowledged with the highest version is the name now (only renames change
    // names, and If-Match orders them); a key never renamed keeps its first name. Keys with a
    // rename of unknown fate are left out.
    for (id, first_name) in &ledger.created {
        let Some(key) = existing.get(id) else {
            continue;
        };
        if ledger.rename_unsure.contains(id) {
            continue;
        }
        match ledger.renamed.get(id) {
            Some((version, name)) => {
                assert_eq!(
                    key.name, *name,
                    "{id} lost its acknowledged rename (seed {seed})"
                );
                assert!(key.version >= *version);
            }
            None => assert_eq!(
                key.name, *first_name,
                "{id} was renamed, but no rename of it was acknowledged (seed {seed})"
            ),
        }
    }
    let pairs = check_pairs(
        &ledger.calls,
        &existing,
        &bound_by_instances,
        &instances,
        t0,
        seed,
    );
    println!(
        "bindings: {} (key, instance) pairs checked against their last acknowledged bind or \
         unbind ({} of them bound), {} never touched by a write; skipped: {} overlapped, {} \
         without an answer",
        pairs.checked, pairs.checked_bound, pairs.untouched, pairs.overlapped, pairs.unanswered
    );
    // Otherwise the check could pass by checking nothing, or only unbound pairs.
    assert!(
        pairs.checked_bound > 0 && pairs.checked > pairs.checked_bound,
        "too few pairs checked against an acknowledged bind or unbind: {pairs:?} (seed {seed})"
    );
}

#[derive(Debug, Default)]
struct PairCounts {
    checked: usize,
    /// Of those, how many were to be bound.
    checked_bound: usize,
    untouched: usize,
    overlapped: usize,
    unanswered: usize,
}

/// Checks the final binding state of each (key, instance) pair of the keys that still exist
/// against the acknowledged bind or unbind of it that started last. The server committed each
/// call between its start and its end, so that call's answer is the final state unless another
/// call that may have changed the pair (one that did, or whose fate is unknown) could have
/// committed after it: any such call that had not ended when it started. Deletes do not take
/// part: a key that still exists was never deleted (keys of deleted ones are checked above).
fn check_pairs(
    calls: &[Call],
    existing: &HashMap<String, KeyPair>,
    bound: &HashMap<String, HashSet<String>>,
    instances: &[String],
    t0: Instant,
    seed: u64,
) -> PairCounts {
    let mut by_key: HashMap<&str, Vec<&Call>> = HashMap::new();
    for call in calls {
        by_key.entry(&call.key).or_default().push(call);
    }
    let mut counts = PairCounts::default();
    for key in existing.keys() {
        let mut key_calls = by_key.remove(key.as_str()).unwrap_or_default();
        key_calls.sort_by_key(|c| c.start);
        for instance in instances {
            let ops: Vec<(&Call, Effect)> = key_calls
                .iter()
                .filter_map(|c| match &c.write {
                    Write::Binding { effects, .. } => effects
                        .iter()
                        .find(|(id, _, _)| id == instance)
                        .map(|(_, effect, _)| (*c, *effect)),
                    Write::Delete { .. } => None,
                })
                .collect();
            let last = ops
                .iter()
                .filter_map(|(c, effect)| match effect {
                    Effect::Left { bound, .. } => Some((*c, *bound)),
                    _ => None,
                })
                .max_by_key(|(c, _)| c.start);
            let expected = if let Some((last, left_bound)) = last {
                let overlapped = ops.iter().any(|(c, effect)| {
                    !std::ptr::eq(*c, last)
                        && effect.may_write()
                        && c.end.is_none_or(|end| end >= last.start)
                });
                if overlapped {
                    counts.overlapped += 1;
                    continue;
                }
                counts.checked += 1;
                counts.checked_bound += usize::from(left_bound);
                left_bound
            } else if ops.iter().all(|(_, effect)| !effect.may_write()) {
                // Every key starts unbound, and nothing may have bound this one here.
                counts.untouched += 1;
                false
            } else {
                counts.unanswered += 1;
                continue;
            };
            let actual = bound.get(key).is_some_and(|ids| ids.contains(instance));
            if actual != expected {
                let ms = |at: Instant| at.duration_since(t0).as_millis();
                let history: Vec<String> = key_calls
                    .iter()
                    .filter_map(|c| {
                        let what = match &c.write {
                            Write::Binding { verb, effects } => {
                                let (_, _, answer) =
                                    effects.iter().find(|(id, _, _)| id == instance)?;
                                format!("{verb}: {answer}")
                            }
                            Write::Delete { answer, .. } => format!("delete: {answer}"),
                        };
                        let end = c.end.map_or_else(|| "?".to_owned(), |e| ms(e).to_string());
                        Some(format!("{}..{end} ms {what}", ms(c.start)))
                    })
                    .collect();
                panic!(
                    "{key} on {instance}: expected bound={expected}, found bound={actual} \
                     (seed {seed}); calls on the pair, from the start of the run:\n{}",
                    history.join("\n")
                );
            }
        }
    }
    counts
}
