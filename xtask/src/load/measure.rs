//! One backend's whole run: seed it, then measure each scenario, the agent flood and the
//! lookups on servers of their own.

use std::path::Path;

use anyhow::Result;

use super::args::{BackendKind, LoadArgs};
use super::flood::FloodMeasured;
use super::lookups;
use super::scenarios::{scenarios, Scenario};
use super::seed::{seed, Seeded};
use super::server::{report_server_errors, start_server, token, AUDIT_INTERVAL_SECS};
use super::wrk::{wrk, Measured, Scripts, WrkEnv};
use crate::random::random_hex;

/// Everything measured on one backend.
pub struct BackendRun {
    pub scenarios: Vec<Scenario>,
    pub measured: Vec<Measured>,
    /// The agent flood (not with `--lookups-only`).
    pub flood: Option<FloodMeasured>,
    pub lookups: lookups::Figures,
}

/// Seeds `url`, starts the server on it and runs every scenario.
pub fn measure_backend(
    backend: BackendKind,
    url: &str,
    scratch: &Path,
    args: &LoadArgs,
) -> Result<BackendRun> {
    let label = backend.label();
    let dir = scratch.join(label.to_lowercase());
    std::fs::create_dir_all(&dir)?;
    let seeded = seed(backend, url, &dir, args)?;
    eprintln!("{label}: load average before measuring: {}", load_average());
    let mut scenarios = scenarios(&seeded.manifest, args.keys)?;
    if args.lookups_only {
        scenarios.clear();
    }

    let measured = run_scenarios(label, url, &dir, &seeded, &scenarios, args.duration)?;
    eprintln!("{label}: load average after measuring: {}", load_average());
    let flood = if args.lookups_only {
        None
    } else {
        let log = dir.join("server-flood.log");
        let (server, base) = start_server(url, &log, &[])?;
        let flood = super::flood::measure(&base, token(), AUDIT_INTERVAL_SECS)?;
        drop(server);
        report_server_errors(&log);
        Some(flood)
    };

    // Last, on a server of its own: the writes above do not matter to it, and its agent
    // (unlimited here) registers on top of the seed.
    let log = dir.join("server-lookups.log");
    let (server, base) = start_server(url, &log, &[])?;
    let figures = lookups::measure(&base, token(), &seeded.manifest, &dir, args.duration)?;
    drop(server);
    eprintln!(
        "{label} agent lookups: quiet p99 {:.2} ms; under {} exports p99 {:.2} ms, max {:.2} ms",
        figures.quiet.p99_ms,
        lookups::EXPORTS,
        figures.loaded.p99_ms,
        figures.loaded.max_ms
    );
    report_server_errors(&log);
    Ok(BackendRun {
        scenarios,
        measured,
        flood,
        lookups: figures,
    })
}

/// Each scenario on a fresh server after a warm-up on another; what wrk measured, in order.
fn run_scenarios(
    label: &str,
    url: &str,
    dir: &Path,
    seeded: &Seeded,
    scenarios: &[Scenario],
    duration: u32,
) -> Result<Vec<Measured>> {
    let scripts = Scripts::write(dir)?;
    let mut measured = Vec::new();
    for (index, scenario) in scenarios.iter().enumerate() {
        let env = WrkEnv {
            nonce: format!("{}{index}", random_hex(4)?),
            keys: &seeded.keys_file,
            instances: &seeded.instances_file,
        };
        // A fresh server for the warm-up (database caches, the OS page cache) and another for
        // the measured run: wrk closes its connections with requests in flight when it stops,
        // and a request cancelled inside `begin_with` leaves its SQLite connection unusable
        // (sqlx 0.8: every later transaction on it fails), which must not spill into the
        // next run. The measured run's writes start where the warm-up's cannot collide.
        {
            let log = dir.join(format!("server-{index:02}-warmup.log"));
            let (_server, base) = start_server(url, &log, &[])?;
            wrk(&base, scenario, &scripts, &env, 1, 5_000_000)?;
        }
        let log = dir.join(format!("server-{index:02}.log"));
        let (server, base) = start_server(url, &log, &[])?;
        let m = wrk(&base, scenario, &scripts, &env, duration, 0)?;
        drop(server);
        eprintln!(
            "{label} {:<28} p50 {:>8.2} ms  p99 {:>8.2} ms  {:>8.0} req/s  non-2xx {}{}",
            scenario.name,
            m.p50_ms,
            m.p99_ms,
            m.per_sec,
            m.non_2xx,
            m.sample
                .as_deref()
                .map(|s| format!("  (first: {s})"))
                .unwrap_or_default()
        );
        report_server_errors(&log);
        measured.push(m);
    }
    Ok(measured)
}

/// The first three fields of /proc/loadavg: other work on the machine skews every number.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}
