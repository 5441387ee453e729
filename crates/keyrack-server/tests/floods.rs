//! Floods without a valid token, against the real binary over HTTP: they are rate-limited
//! per client address, counted into a bounded number of audit entries, never lock a valid
//! token out, and leave the server's memory and a signed-in user's latency where they were.

mod common;

use std::time::{Duration, Instant};

use common::{Server, TOKEN};
use futures_util::{stream, StreamExt as _};
use keyrack_api::{AuditEntry, KeyLogins, List, TokenRole};

/// Requests in flight at once during a flood.
const IN_FLIGHT: usize = 32;

/// Sends `n` requests built by `make`, `IN_FLIGHT` at a time; the statuses, in any order.
async fn flood(n: usize, make: impl Fn(usize) -> reqwest::RequestBuilder) -> Vec<u16> {
    stream::iter(0..n)
        .map(|i| {
            let req = make(i);
            async move { req.send().await.map_or(0, |r| r.status().as_u16()) }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await
}

/// The audit entries written for requests without a valid token.
async fn anonymous_entries(server: &Server) -> Vec<AuditEntry> {
    let mut entries = Vec::new();
    let mut offset = 0;
    loop {
        let r = server
            .get(&format!("/audit?outcome=failure&limit=100&offset={offset}"))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let page: List<AuditEntry> = r.ok();
        offset += page.items.len();
        entries.extend(page.items.into_iter().filter(|e| e.actor_id.is_none()));
        if offset as u64 >= page.total {
            return entries;
        }
    }
}

#[tokio::test]
async fn unauthenticated_writes_are_rate_limited_and_counted_not_logged_one_by_one() {
    let server = Server::start(&["--audit-refusal-interval-secs", "1"]).await;
    // The admin signs in before the flood: a token known to be valid keeps its own budget.
    assert_eq!(server.get("/key-pairs").await.status, 200);
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/key-pairs", server.base);

    let started = Instant::now();
    let statuses = flood(3_000, |_| {
        client
            .post(&url)
            .header("content-type", "application/json")
            .body(r#"{"name":"x","public_key":"ssh-ed25519 AAAA"}"#)
    })
    .await;
    let elapsed = started.elapsed();
    let unauthorized = statuses.iter().filter(|s| **s == 401).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(unauthorized + limited, 3_000, "{statuses:?}");
    // The default budget is 600 refusals a minute in bursts of 60.
    assert!(
        limited >= 2_500,
        "only {limited} of 3,000 were rate-limited"
    );

    // The signed-in admin is not held back by the flood from the same address.
    let r = server.get("/key-pairs").await;
    assert_eq!(r.status, 200, "{}", r.text);

    // After the interval the counts are written: one entry per client and second.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let entries = anonymous_entries(&server).await;
    let repeats: u64 = entries.iter().map(|e| e.repeats).sum();
    assert_eq!(repeats, 3_000, "every refusal is counted: {entries:?}");
    let bound = elapsed.as_secs() + 4;
    assert!(
        entries.len() as u64 <= bound,
        "{} entries for 3,000 refusals in {elapsed:?}",
        entries.len()
    );
    assert!(entries
        .iter()
        .all(|e| e.client.as_deref() == Some("127.0.0.1") && e.target.is_none()));
}

/// Issue #23: after a restart no token has a bucket yet, and junk from one address used to
/// fill that address's bucket and lock valid tokens out with 429, sshd's lookups included.
/// A token is now authenticated before any address limit: 500 junk-token requests, then the
/// agent's lookups and an admin's first request from the same address all answer 200.
#[tokio::test]
async fn a_valid_token_is_never_refused_for_junk_from_its_address() {
    let mut server = Server::start(&[]).await;
    let (instance, agent) = server.register("web-01", "linux", "STOPPED").await;
    let instance = instance.id.as_str().to_owned();
    let key = server.create("bound", &common::ed25519_keys(1)[0]).await;
    let fingerprint = key.fingerprint_sha256.as_str().to_owned();
    let r = server
        .bind("bind", key.id.as_str(), &[&instance], false)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // A restart forgets every bucket: no token is known to be valid. A slow refill (one a
    // second, bursts of 6) keeps the address spent however slowly a busy machine floods it.
    let url = server.database_url().expect("database").to_owned();
    server.stop();
    let server = Server::spawn(
        &url,
        &["--unauthenticated-rate-limit-per-minute", "60"],
        false,
    )
    .await;
    let client = reqwest::Client::new();
    let keys_url = format!(
        "{}/api/v1/instances/{instance}/authorized_keys",
        server.base
    );
    let statuses = flood(500, |i| {
        client
            .get(&keys_url)
            .bearer_auth(format!("kr_junk_{i}_{}", rand_u64(i)))
    })
    .await;
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert!(
        limited >= 400 && statuses.iter().all(|s| *s == 401 || *s == 429),
        "the junk is limited: {limited} of 500 answered 429"
    );

    let lookup = |query: String| {
        client
            .get(format!("{keys_url}{query}"))
            .bearer_auth(&agent)
            .send()
    };
    let all = lookup(String::new()).await.expect("authorized_keys");
    assert_eq!(all.status(), 200);
    assert!(all.text().await.expect("body").contains("ssh-ed25519 "));
    let encoded = fingerprint
        .replace(':', "%3A")
        .replace('+', "%2B")
        .replace('/', "%2F");
    let one = lookup(format!("?fingerprint={encoded}"))
        .await
        .expect("lookup");
    assert_eq!(one.status(), 200);
    assert_eq!(one.text().await.expect("body").lines().count(), 1);
    // An admin who has not signed in since the restart either.
    let r = server.get("/key-pairs").await;
    assert_eq!(r.status, 200, "{}", r.text);
    // And junk from the address is still refused: more than a burst of it ends in 429.
    let statuses = flood(8, |i| {
        client
            .get(&keys_url)
            .bearer_auth(format!("kr_still_junk_{i}"))
    })
    .await;
    assert!(statuses.contains(&429), "{statuses:?}");
}

/// Issue #23 item 4: an agent token used to write one audit row per login report, refused
/// ones included (2,000 reports with random fingerprints: 2,000 rows). Its refusals are now
/// counted per token and interval into one entry, and accepted reports live in
/// `key_logins` only.
#[tokio::test]
async fn an_agent_s_reports_add_a_bounded_number_of_audit_entries() {
    // The reports' own rate limit off: every report reaches the audit middleware.
    let server = Server::start(&[
        "--audit-refusal-interval-secs",
        "1",
        "--agent-report-rate-limit-per-minute",
        "0",
    ])
    .await;
    let (instance, agent) = server.register("web-02", "linux", "STOPPED").await;
    let instance = instance.id.as_str().to_owned();
    let key = server.create("reported", &common::ed25519_keys(1)[0]).await;
    let key_id = key.id.as_str().to_owned();
    let fingerprint = key.fingerprint_sha256.as_str().to_owned();
    let r = server.bind("bind", &key_id, &[&instance], false).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let total = |r: common::Resp| r.ok::<List<AuditEntry>>().total;
    let before = total(server.get("/audit?limit=1").await);

    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/instances/{instance}/logins", server.base);
    let report = |fingerprint: String| {
        client
            .post(&url)
            .bearer_auth(&agent)
            .json(&serde_json::json!({
                "fingerprint": fingerprint,
                "user": "root",
                "client_address": "192.0.2.10",
            }))
    };
    let statuses = flood(2_000, |i| {
        // 43 base64 characters, like a real SHA-256 fingerprint of no key Keyrack knows.
        let random = format!("{:016x}{:016x}{:011x}", rand_u64(i), rand_u64(i + 7), i);
        report(format!("SHA256:{random}"))
    })
    .await;
    assert!(statuses.iter().all(|s| *s == 404), "{statuses:?}");
    for _ in 0..20 {
        let r = report(fingerprint.clone()).send().await.expect("report");
        assert_eq!(r.status(), 200);
    }

    // The counts of the interval are written once it ends.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let log = server.get("/audit?limit=100").await;
    let added = total(server.get("/audit?limit=1").await) - before;
    assert!(
        added <= 5,
        "2,020 reports added {added} entries: {}",
        log.text
    );
    let counted: u64 = log
        .ok::<List<AuditEntry>>()
        .items
        .iter()
        .filter(|e| e.actor_role == Some(TokenRole::Agent))
        .inspect(|e| {
            assert_eq!(e.status, 404, "{e:?}");
            assert_eq!(e.target.as_deref(), Some(instance.as_str()), "{e:?}");
        })
        .map(|e| e.repeats)
        .sum();
    assert_eq!(counted, 2_000, "every refusal is counted: {}", log.text);
    // The accepted ones are the key's last login.
    let r = server.get(&format!("/key-pairs/{key_id}/logins")).await;
    assert_eq!(
        r.ok::<KeyLogins>().items[0].instance_id,
        instance,
        "{}",
        r.text
    );
}

/// Issue #23 item 4: a host sending login reports far faster than people log in (600 a
/// minute by default, in bursts of 60) is answered 429 before its reports cost database
/// work, while its key lookups, which sshd makes for every offered key, are not held back.
#[tokio::test]
async fn an_agent_flooding_reports_is_held_off_before_any_database_work() {
    let server = Server::start(&[]).await;
    let (instance, agent) = server.register("web-03", "linux", "STOPPED").await;
    let instance = instance.id.as_str().to_owned();
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/instances/{instance}/logins", server.base);
    let statuses = flood(300, |i| {
        let random = format!("{:016x}{:016x}{:011x}", rand_u64(i), rand_u64(i + 3), i);
        client
            .post(&url)
            .bearer_auth(&agent)
            .json(&serde_json::json!({
                "fingerprint": format!("SHA256:{random}"),
                "user": "root",
                "client_address": "192.0.2.11",
            }))
    })
    .await;
    let refused = statuses.iter().filter(|s| **s == 404).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(refused + limited, 300, "{statuses:?}");
    // A burst of 60, and 10 a second after it.
    assert!(
        (60..=120).contains(&refused),
        "{refused} reports reached the store"
    );
    let keys_url = format!(
        "{}/api/v1/instances/{instance}/authorized_keys",
        server.base
    );
    for _ in 0..100 {
        let r = client
            .get(&keys_url)
            .bearer_auth(&agent)
            .send()
            .await
            .expect("lookup");
        assert_eq!(
            r.status(),
            200,
            "lookups are not charged to the reports' budget"
        );
    }
}

/// The server's resident memory, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// The median time of `n` signed-in list requests.
async fn median_latency(server: &Server, n: usize) -> Duration {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let r = server.get("/key-pairs?limit=10").await;
        assert_eq!(r.status, 200, "{}", r.text);
        times.push(t.elapsed());
    }
    times.sort();
    times[n / 2]
}

#[tokio::test]
async fn fifty_thousand_random_tokens_leave_memory_and_latency_flat() {
    let server = Server::start(&[]).await;
    // Signed in before the flood: a token known to be valid keeps its own budget.
    assert_eq!(server.get("/key-pairs").await.status, 200);
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/key-pairs", server.base);
    let random_tokens = |seed: usize| {
        let (client, url) = (client.clone(), url.clone());
        move |i: usize| {
            client
                .get(&url)
                .bearer_auth(format!("kr_{seed}_{i}_{}", u128::from(rand_u64(i))))
        }
    };
    // Warm up: allocator arenas, connection pools and the limiter reach their working size.
    flood(5_000, random_tokens(0)).await;
    let before_rss = rss_kib(server.pid());
    let before_latency = median_latency(&server, 41).await;

    let statuses = flood(50_000, random_tokens(1)).await;
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );

    let after_rss = rss_kib(server.pid());
    let after_latency = median_latency(&server, 41).await;
    let grown = after_rss.saturating_sub(before_rss);
    eprintln!(
        "50,000 random tokens: RSS {before_rss} → {after_rss} KiB; median signed-in latency \
         {before_latency:?} → {after_latency:?}"
    );
    // Flat: a map entry per token would be several MiB; allow for allocator noise.
    assert!(
        grown < 8 * 1024,
        "RSS grew by {grown} KiB ({before_rss} → {after_rss} KiB)"
    );
    assert!(
        after_latency <= before_latency * 3 + Duration::from_millis(10),
        "median latency {before_latency:?} before, {after_latency:?} after"
    );
    // The token of the test still signs in.
    assert_eq!(server.token(), TOKEN);
}

/// A cheap, deterministic spread of numbers for distinct tokens.
fn rand_u64(i: usize) -> u64 {
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    x ^= x >> 31;
    x.wrapping_mul(0xBF58_476D_1CE4_E5B9)
}
