//! `cargo xtask bench --load`, issue #23 item 4: does a flood of an instance agent's login
//! reports slow down what people do? One agent sends reports of keys Keyrack does not know
//! at a fixed rate, while an admin creates key pairs one after another; the admin's latency
//! is compared with a quiet run on the same server, and the audit log's growth is counted.
//! With the default limits most reports are held off by the agent's reports budget (429,
//! no database work); the rest reach the store and are refused with 404 (each once an audit
//! row, now counted into one entry per token and interval).
//!
//! wrk cannot hold a rate, so the flood is paced here: a request every 1/rate seconds on a
//! pool of keep-alive connections, whatever the answers' latency.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use super::agent::{instance_body, Agent};

type Http = Client<HttpConnector, Full<Bytes>>;

/// Reports a second during the flood.
pub const REPORTS_PER_SEC: u32 = 1_000;
/// Admin creates measured in each run, one at a time.
const CREATES: usize = 300;

/// What one backend measured.
#[derive(Debug, Clone, Default)]
pub struct FloodMeasured {
    pub quiet_p50_ms: f64,
    pub quiet_p99_ms: f64,
    pub flood_p50_ms: f64,
    pub flood_p99_ms: f64,
    /// Reports answered a second during the flood; how many reached the store (404), were
    /// held off by the rate limit (429), or answered otherwise.
    pub reports_per_sec: f64,
    pub reports_404: u64,
    pub reports_429: u64,
    pub reports_other: u64,
    /// Audit entries the flood added (read after the refusal counts were written).
    pub audit_rows_added: u64,
    pub reports: u64,
}

impl FloodMeasured {
    /// The flood's p50 over the quiet one.
    pub fn ratio(&self) -> f64 {
        self.flood_p50_ms / self.quiet_p50_ms.max(f64::MIN_POSITIVE)
    }
}

/// Runs the quiet and the flooded measurement against the server at `base` (which counts
/// refusals into the audit log every `interval_secs`).
pub fn measure(base: &str, admin_token: &str, interval_secs: u64) -> Result<FloodMeasured> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(run(base, admin_token, interval_secs))
}

async fn run(base: &str, admin: &str, interval_secs: u64) -> Result<FloodMeasured> {
    let http: Http = Client::builder(TokioExecutor::new()).build_http();
    let nonce = crate::random::random_hex(4)?;
    let (status, body) = send(
        &http,
        base,
        "POST",
        "/api/v1/instances",
        admin,
        Some(instance_body(&format!("flood-{nonce}"), "10.255.0.1").to_string()),
    )
    .await?;
    if status != 201 {
        bail!("registering the flooding instance: {status} {body}");
    }
    let Agent {
        instance,
        token: agent,
    } = Agent::from_created(&serde_json::from_str(&body)?)?;

    let mut measured = FloodMeasured::default();
    let quiet = creates(&http, base, admin, &format!("quiet-{nonce}")).await?;
    (measured.quiet_p50_ms, measured.quiet_p99_ms) =
        (percentile(&quiet, 50), percentile(&quiet, 99));
    let audit_before = audit_total(&http, base, admin).await?;

    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let counts = Arc::new([AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)]);
    let flood = tokio::spawn(flood(
        http.clone(),
        format!("{base}/api/v1/instances/{instance}/logins"),
        agent,
        stop.clone(),
        sent.clone(),
        counts.clone(),
    ));
    // Let the flood reach its rate before measuring.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let flood_started = Instant::now();
    let sent_before = sent.load(Ordering::Relaxed);
    let flooded = creates(&http, base, admin, &format!("flood-{nonce}")).await?;
    let flood_secs = flood_started.elapsed().as_secs_f64();
    measured.reports_per_sec = (sent.load(Ordering::Relaxed) - sent_before) as f64 / flood_secs;
    stop.store(true, Ordering::Relaxed);
    flood.await?;
    (measured.flood_p50_ms, measured.flood_p99_ms) =
        (percentile(&flooded, 50), percentile(&flooded, 99));
    measured.reports = sent.load(Ordering::Relaxed);
    [
        measured.reports_404,
        measured.reports_429,
        measured.reports_other,
    ] = [0, 1, 2].map(|i| counts[i].load(Ordering::Relaxed));

    // The refusal counts are written when their interval ends; the creates above were
    // audited one each, and are left out.
    tokio::time::sleep(Duration::from_secs(interval_secs + 2)).await;
    let audit_after = audit_total(&http, base, admin).await?;
    measured.audit_rows_added = audit_after.saturating_sub(audit_before + CREATES as u64);
    Ok(measured)
}

/// One report every 1/[`REPORTS_PER_SEC`] seconds until `stop`, each in its own task.
async fn flood(
    http: Http,
    url: String,
    agent: String,
    stop: Arc<std::sync::atomic::AtomicBool>,
    sent: Arc<AtomicU64>,
    counts: Arc<[AtomicU64; 3]>,
) {
    let mut tick = tokio::time::interval(Duration::from_secs(1) / REPORTS_PER_SEC);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut n: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        tick.tick().await;
        n += 1;
        // A well-formed fingerprint of no key: 43 base64 characters.
        let fingerprint = format!("SHA256:{:043x}", u128::from(n) * 0x9E37_79B9_7F4A_7C15);
        let body = format!(
            r#"{{"fingerprint":"{fingerprint}","user":"root","client_address":"192.0.2.7"}}"#
        );
        let (http, url, agent) = (http.clone(), url.clone(), agent.clone());
        let (sent, counts) = (sent.clone(), counts.clone());
        tokio::spawn(async move {
            let status = post(&http, &url, &agent, body).await.map_or(0, |(s, _)| s);
            sent.fetch_add(1, Ordering::Relaxed);
            let slot = match status {
                404 => 0,
                429 => 1,
                _ => 2,
            };
            counts[slot].fetch_add(1, Ordering::Relaxed);
        });
    }
}

/// [`CREATES`] admin creates one after another; each one's latency in milliseconds.
async fn creates(http: &Http, base: &str, admin: &str, prefix: &str) -> Result<Vec<f64>> {
    let mut times = Vec::with_capacity(CREATES);
    for i in 0..CREATES {
        let body = format!(
            r#"{{"name":"{prefix}-{i}","public_key":"{}"}}"#,
            ed25519_line(&format!("{prefix}-{i}"))
        );
        let started = Instant::now();
        let (status, text) =
            send(http, base, "POST", "/api/v1/key-pairs", admin, Some(body)).await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        if status != 201 {
            bail!("an admin create answered {status}: {text}");
        }
    }
    Ok(times)
}

async fn audit_total(http: &Http, base: &str, admin: &str) -> Result<u64> {
    let (status, body) = send(http, base, "GET", "/api/v1/audit?limit=1", admin, None).await?;
    if status != 200 {
        bail!("reading the audit log: {status} {body}");
    }
    let body: Value = serde_json::from_str(&body)?;
    body["total"].as_u64().context("no total")
}

async fn post(http: &Http, url: &str, token: &str, body: String) -> Result<(u16, String)> {
    request(http, "POST", url, token, Some(body)).await
}

async fn send(
    http: &Http,
    base: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<String>,
) -> Result<(u16, String)> {
    request(http, method, &format!("{base}{path}"), token, body).await
}

async fn request(
    http: &Http,
    method: &str,
    url: &str,
    token: &str,
    body: Option<String>,
) -> Result<(u16, String)> {
    let request = hyper::Request::builder()
        .method(method)
        .uri(url)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.unwrap_or_default())))?;
    let response = http.request(request).await?;
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await?.to_bytes();
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}

/// An OpenSSH line of an Ed25519 public key made from `seed` (any 32 bytes are a key the
/// server accepts; this one is unique per seed).
fn ed25519_line(seed: &str) -> String {
    let mut blob = Vec::with_capacity(51);
    blob.extend_from_slice(&11u32.to_be_bytes());
    blob.extend_from_slice(b"ssh-ed25519");
    blob.extend_from_slice(&32u32.to_be_bytes());
    let mut key = [0u8; 32];
    // FNV-1a, stretched: distinct seeds give distinct keys.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, chunk) in key.chunks_mut(8).enumerate() {
        for b in seed.bytes().chain([i as u8]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        chunk.copy_from_slice(&h.to_be_bytes());
    }
    blob.extend_from_slice(&key);
    format!("ssh-ed25519 {}", base64(&blob))
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn percentile(times: &[f64], p: usize) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_well_formed_and_distinct() {
        let a = ed25519_line("a");
        assert!(
            a.starts_with("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"),
            "{a}"
        );
        assert_eq!(a.len(), "ssh-ed25519 ".len() + 68);
        assert_ne!(a, ed25519_line("b"));
        assert_eq!(base64(b"any carnal pleas"), "YW55IGNhcm5hbCBwbGVhcw==");
    }
}
