//! `cargo xtask bench --load`, last step per backend: agent lookups while 100 viewers export.
//!
//! sshd waits on every `GET /instances/{id}/authorized_keys`; exports read the whole key
//! table page by page. On a fresh server (agent rate limit off), with an instance registered
//! (its agent token) and the seed's probe key bound to it, and a viewer token: wrk measures
//! the lookup alone (`quiet`), then again while another wrk keeps 100 connections exporting
//! `/key-pairs/export.csv` (every seeded key) as the viewer. The target: lookup p99 under
//! 100 ms with the exports running (the server reserves connections for lookups; see
//! `docs/deploy.md`, "Connections per replica").

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use super::agent::{instance_body, Agent};
use super::wrk::{numbers, wrk_command, wrk_output};

/// Parallel exports.
pub const EXPORTS: u32 = 100;
/// Lookup connections (sshd asks one at a time per login; a few logins at once).
const LOOKUP_CONNECTIONS: u32 = 2;
/// The target: a lookup's p99 under the exports.
pub const LOOKUP_P99_MS: f64 = 100.0;

/// One wrk run of lookups.
#[derive(Debug, Clone, Default)]
pub struct Latency {
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub requests: u64,
    pub non_2xx: u64,
    /// Body bytes read a second, in MB.
    pub mb_per_sec: f64,
}

/// Lookups alone, then under the exports; and how many exports finished meanwhile.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub quiet: Latency,
    pub loaded: Latency,
    pub exports_done: u64,
    pub export_non_2xx: u64,
    /// What the exports delivered, in MB a second, all together.
    pub export_mb_per_sec: f64,
}

/// Registers the agent and the viewer on the server at `base` (with the admin `token`),
/// then measures for `seconds` each.
pub fn measure(
    base: &str,
    admin: &str,
    manifest: &Value,
    dir: &Path,
    seconds: u32,
) -> Result<Figures> {
    let probe = manifest["probe_key_id"]
        .as_str()
        .context("the manifest has no probe key")?;
    let created = post(
        base,
        admin,
        "/api/v1/instances",
        &instance_body("bench-agent", "10.9.0.1"),
    )?;
    let Agent {
        instance,
        token: agent,
    } = Agent::from_created(&created)?;
    let bound = post(
        base,
        admin,
        &format!("/api/v1/key-pairs/{probe}/bind"),
        &json!({"instance_ids": [instance]}),
    )?;
    if bound["results"][0]["outcome"] != "bound" {
        bail!("could not bind the probe key: {bound}");
    }
    let viewer = post(
        base,
        admin,
        "/api/v1/tokens",
        &json!({"name": "bench viewer", "role": "viewer"}),
    )?["token"]
        .as_str()
        .context("no viewer token")?
        .to_owned();

    let script = dir.join("lookups.lua");
    std::fs::write(&script, LUA_LATENCY)?;
    let lookup = format!("{base}/api/v1/instances/{instance}/authorized_keys");
    let quiet = wrk_latency(&lookup, &agent, &script, seconds, LOOKUP_CONNECTIONS)?;

    let export_url = format!("{base}/api/v1/key-pairs/export.csv");
    // Longer than the lookups, so they run inside it whole: 2 s to get going, 1 s after.
    let exports = wrk_command(1, EXPORTS, seconds + 3, "120s", &viewer, &script)
        .arg(&export_url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("could not run wrk for the exports")?;
    std::thread::sleep(Duration::from_secs(2));
    let loaded = wrk_latency(&lookup, &agent, &script, seconds, LOOKUP_CONNECTIONS);
    let exported = exports.wait_with_output()?;
    let loaded = loaded?;
    let export_stats = parse(&String::from_utf8_lossy(&exported.stdout)).with_context(|| {
        format!(
            "the export wrk: {}",
            String::from_utf8_lossy(&exported.stderr)
        )
    })?;
    Ok(Figures {
        quiet,
        loaded,
        exports_done: export_stats.requests,
        export_non_2xx: export_stats.non_2xx,
        export_mb_per_sec: export_stats.mb_per_sec,
    })
}

/// `POST path` with the token and a JSON body; the JSON answer, which must be 2xx.
fn post(base: &str, token: &str, path: &str, body: &Value) -> Result<Value> {
    let out = Command::new("curl")
        .args(["-sS", "--fail-with-body", "-X", "POST"])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args(["-H", "Content-Type: application/json"])
        .args(["--data", &body.to_string()])
        .arg(format!("{base}{path}"))
        .stdin(Stdio::null())
        .output()
        .context("could not run curl")?;
    if !out.status.success() {
        bail!(
            "POST {path} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

fn wrk_latency(
    url: &str,
    token: &str,
    script: &Path,
    seconds: u32,
    connections: u32,
) -> Result<Latency> {
    let stdout = wrk_output(wrk_command(1, connections, seconds, "10s", token, script).arg(url))?;
    parse(&stdout)
}

fn parse(stdout: &str) -> Result<Latency> {
    let [p50, p99, max, requests, non_2xx, bytes, duration_us] =
        numbers(stdout, "KEYRACK_LATENCY").with_context(|| format!("wrk printed:\n{stdout}"))?;
    Ok(Latency {
        p50_ms: p50 / 1000.0,
        p99_ms: p99 / 1000.0,
        max_ms: max / 1000.0,
        requests: requests as u64,
        non_2xx: non_2xx as u64,
        mb_per_sec: bytes / 1e6 / (duration_us / 1e6).max(1e-3),
    })
}

/// Prints one line per backend measured.
pub fn print(results: &[(&str, Figures)]) {
    if results.is_empty() {
        return;
    }
    println!(
        "\nAgent lookups (GET /instances/{{id}}/authorized_keys, wrk -c{LOOKUP_CONNECTIONS}) \
         alone, then while {EXPORTS} connections export every key pair as CSV with a viewer \
         token. Target: p99 under the exports < {LOOKUP_P99_MS:.0} ms."
    );
    for (backend, f) in results {
        let met = f.loaded.p99_ms < LOOKUP_P99_MS && f.loaded.non_2xx == 0;
        println!(
            "  {backend:<10} quiet p50 {:.2} ms, p99 {:.2} ms ({} lookups) | under exports p50 \
             {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} lookups, non-2xx {}; exports delivered \
             {:.1} MB/s, {} finished, non-2xx {}) | p99 ×{:.1} of quiet: {}",
            f.quiet.p50_ms,
            f.quiet.p99_ms,
            f.quiet.requests,
            f.loaded.p50_ms,
            f.loaded.p99_ms,
            f.loaded.max_ms,
            f.loaded.requests,
            f.loaded.non_2xx,
            f.export_mb_per_sec,
            f.exports_done,
            f.export_non_2xx,
            f.loaded.p99_ms / f.quiet.p99_ms.max(0.001),
            if met { "met" } else { "MISSED" }
        );
    }
}

/// Prints p50, p99 and max latency (µs), requests, answers that were not 2xx or 3xx, bytes
/// read and the run's duration (µs). No
/// `response()`: wrk would hand every 30 MB export body to Lua.
const LUA_LATENCY: &str = r#"
function done(summary, latency, requests)
  io.write(string.format("KEYRACK_LATENCY %.0f %.0f %.0f %.0f %.0f %.0f %.0f\n",
    latency:percentile(50), latency:percentile(99), latency.max, summary.requests,
    summary.errors.status, summary.bytes, summary.duration))
end
"#;
