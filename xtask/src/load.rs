//! `cargo xtask bench --load`: the API under load, on SQLite and on PostgreSQL.
//!
//! For each backend: a fresh database (SQLite in a scratch folder, PostgreSQL as
//! `keyrack_bench_<hex>` on the admin URL of `KEYRACK_TEST_POSTGRES_URL`, dropped afterwards),
//! seeded by the `load_seed` example (100,000 key pairs, 10,000 instances), served by the
//! release server, and measured with `wrk` (a separate process on loopback) scenario by
//! scenario. One table compares the backends against the targets: every read's p99 at most
//! 10 ms; at least 1,000 creates a second on PostgreSQL. Then agent lookups alone and under
//! 100 parallel exports ([`crate::lookups`]): p99 under 100 ms.
//!
//! `KEYRACK_BENCH_KEEP=1` keeps the databases (and the scratch folder) for `EXPLAIN`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde_json::Value;

use crate::flood::{FloodMeasured, REPORTS_PER_SEC};
use crate::lookups;
use crate::postgres::{mask_password, TempDatabase, URL_ENV};
use crate::random::random_hex;
use crate::shell::{cmd, run, target_dir};
use crate::system::apt_install;

const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const KEEP_ENV: &str = "KEYRACK_BENCH_KEEP";
/// The admin token of the server this starts: random, made once per run (the server refuses
/// a weak bootstrap token) and given to it through the environment.
fn token() -> &'static str {
    static TOKEN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TOKEN.get_or_init(|| crate::random::random_token().expect("the OS random source"))
}
const CONNECTIONS: u32 = 32;
/// How often the server writes its counted refusals into the audit log: short, so the agent
/// flood's entries can be counted right after it.
const AUDIT_INTERVAL_SECS: u64 = 2;
const THREADS: u32 = 2;
/// Target of every read: p99 at most this many milliseconds.
const READ_P99_MS: f64 = 10.0;
/// Goal of the agent flood: the admin's flooded p50 at most this many times the quiet one.
const FLOOD_RATIO: f64 = 1.5;
/// Target of create on PostgreSQL: at least this many a second.
const CREATE_PER_SEC: f64 = 1000.0;

/// How `cargo xtask bench --load` runs.
#[derive(Debug, Clone)]
pub struct LoadArgs {
    /// Key pairs to seed.
    pub keys: u32,
    /// Instances to seed.
    pub instances: u32,
    /// Seconds each scenario is measured (after a 1 s warm-up).
    pub duration: u32,
    /// `sqlite`, `postgres` or both.
    pub backends: Vec<BackendKind>,
    /// Only the agent-lookup step.
    pub lookups_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    Sqlite,
    Postgres,
}

impl BackendKind {
    fn label(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Read,
    Create,
    Bind,
    /// A hostile GET every answer of which must be a refusal (issue #23 item 2).
    HostileQuery,
    /// A hostile POST body, likewise.
    HostileBody,
    /// The same POST with a body of ordinary size, refused for the same rule: what a hostile
    /// body's cost is compared with (a refused write is audited, which is most of its cost).
    RefusedBody,
}

/// Goal of the hostile requests: each costs at most this many times a first-page list
/// (cost = the inverse of the requests served a second at the same concurrency).
const HOSTILE_COST_RATIO: f64 = 1.5;

struct Scenario {
    name: &'static str,
    kind: Kind,
    /// Path and query for reads (filled from the manifest); unused for writes.
    path: String,
}

/// Everything measured on one backend.
struct BackendRun {
    scenarios: Vec<Scenario>,
    measured: Vec<Measured>,
    /// The agent flood (not with `--lookups-only`).
    flood: Option<FloodMeasured>,
    lookups: lookups::Figures,
}

/// What wrk measured for one scenario.
#[derive(Debug, Clone, Default)]
struct Measured {
    p50_ms: f64,
    p99_ms: f64,
    per_sec: f64,
    requests: u64,
    non_2xx: u64,
    /// 2xx answers that did not say what was expected (bind: not `bound`).
    unexpected: u64,
    socket_errors: u64,
    sample: Option<String>,
}

/// Seeds, serves and measures each backend, then prints the table.
pub fn load(args: &LoadArgs) -> Result<()> {
    let started = Instant::now();
    let keep = std::env::var(KEEP_ENV).is_ok_and(|v| !v.is_empty() && v != "0");
    tools(args)?;
    run(cmd("cargo").args([
        "build",
        "--release",
        "-p",
        "keyrack-server",
        "--example",
        "load_seed",
        "--bin",
        "keyrack-server",
    ]))?;
    let scratch = std::env::temp_dir().join(format!("keyrack-load-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let mut results: Vec<(BackendKind, Vec<Measured>)> = Vec::new();
    let mut floods: Vec<(BackendKind, FloodMeasured)> = Vec::new();
    let mut lookups: Vec<(&str, lookups::Figures)> = Vec::new();
    let mut scenarios = Vec::new();
    let outcome = (|| -> Result<()> {
        for &backend in &args.backends {
            let run = match backend {
                BackendKind::Sqlite => {
                    let url = format!("sqlite://{}", scratch.join("load.db").display());
                    measure_backend(backend, &url, &scratch, args)?
                }
                BackendKind::Postgres => {
                    let admin = std::env::var(URL_ENV)
                        .ok()
                        .filter(|u| !u.is_empty())
                        .unwrap_or_else(|| DEFAULT_ADMIN_URL.to_owned());
                    let db = TempDatabase::create(&admin, "keyrack_bench")?;
                    let result = measure_backend(backend, db.url(), &scratch, args);
                    if keep {
                        eprintln!(
                            "load: kept PostgreSQL database {} ({}); drop it with \
                             psql {} -c 'DROP DATABASE \"{}\" WITH (FORCE)'",
                            db.name(),
                            mask_password(db.url()),
                            mask_password(&admin),
                            db.name()
                        );
                        std::mem::forget(db);
                    }
                    result?
                }
            };
            scenarios = run.scenarios;
            results.push((backend, run.measured));
            floods.extend(run.flood.map(|f| (backend, f)));
            lookups.push((backend.label(), run.lookups));
        }
        Ok(())
    })();
    if keep {
        eprintln!("load: kept {}", scratch.display());
    } else {
        let _ = std::fs::remove_dir_all(&scratch);
    }
    outcome?;
    if !args.lookups_only {
        print_table(args, &scenarios, &results);
        print_floods(&floods);
    }
    lookups::print(&lookups);
    println!(
        "\nWhole load bench: {:.0} s wall time.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// wrk, and psql when PostgreSQL is measured.
fn tools(args: &LoadArgs) -> Result<()> {
    let mut missing = Vec::new();
    if !on_path("wrk") {
        missing.push("wrk");
    }
    if args.backends.contains(&BackendKind::Postgres) && !on_path("psql") {
        missing.push("postgresql-client");
    }
    if !missing.is_empty() {
        apt_install(&missing)?;
    }
    Ok(())
}

fn on_path(program: &str) -> bool {
    std::env::split_paths(&crate::shell::path_env()).any(|dir| dir.join(program).is_file())
}

/// Seeds `url`, starts the server on it and runs every scenario.
fn measure_backend(
    backend: BackendKind,
    url: &str,
    scratch: &Path,
    args: &LoadArgs,
) -> Result<BackendRun> {
    let label = backend.label();
    let dir = scratch.join(label.to_lowercase());
    std::fs::create_dir_all(&dir)?;
    let manifest_path = dir.join("manifest.json");
    eprintln!(
        "\n== {label}: seeding {} key pairs and {} instances",
        args.keys, args.instances
    );
    let seeding = Instant::now();
    let seeded = Command::new(target_dir().join("release/examples/load_seed"))
        .args(["--database", url])
        .args(["--keys", &args.keys.to_string()])
        .args(["--instances", &args.instances.to_string()])
        .arg("--manifest")
        .arg(&manifest_path)
        .stdin(Stdio::null())
        .output()
        .context("could not run the load_seed example")?;
    if !seeded.status.success() {
        bail!(
            "load_seed failed ({}): {}",
            seeded.status,
            String::from_utf8_lossy(&seeded.stderr).trim()
        );
    }
    eprintln!(
        "{label}: {} (wall {:.1} s)",
        String::from_utf8_lossy(&seeded.stdout).trim(),
        seeding.elapsed().as_secs_f64()
    );
    if backend == BackendKind::Postgres {
        // Statistics and the visibility map as autovacuum would have them after a bulk load,
        // now rather than in the middle of a measured run.
        let vacuum = Instant::now();
        run(cmd("psql").args([
            url,
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            "VACUUM ANALYZE",
        ]))?;
        eprintln!(
            "{label}: VACUUM ANALYZE in {:.1} s",
            vacuum.elapsed().as_secs_f64()
        );
    }
    eprintln!("{label}: load average before measuring: {}", load_average());
    let manifest: Value = serde_json::from_slice(&std::fs::read(&manifest_path)?)?;
    let keys_file = dir.join("keys.txt");
    let instances_file = dir.join("instances.txt");
    write_lines(&keys_file, &manifest["key_ids"])?;
    write_lines(&instances_file, &manifest["instance_ids"])?;
    let mut scenarios = scenarios(&manifest, args.keys)?;
    if args.lookups_only {
        scenarios.clear();
    }

    let scripts = Scripts::write(&dir)?;
    let mut measured = Vec::new();
    for (index, scenario) in scenarios.iter().enumerate() {
        let env = WrkEnv {
            nonce: format!("{}{index}", random_hex(4)?),
            keys: &keys_file,
            instances: &instances_file,
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
        let m = wrk(&base, scenario, &scripts, &env, args.duration, 0)?;
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
    eprintln!("{label}: load average after measuring: {}", load_average());
    let flood = if args.lookups_only {
        None
    } else {
        let log = dir.join("server-flood.log");
        let (server, base) = start_server(url, &log, &[])?;
        let flood = crate::flood::measure(&base, token(), AUDIT_INTERVAL_SECS)?;
        drop(server);
        report_server_errors(&log);
        Some(flood)
    };

    // Last, on a server of its own: the writes above do not matter to it, and its agent
    // (unlimited here) registers on top of the seed.
    let log = dir.join("server-lookups.log");
    let (server, base) = start_server(url, &log, &[])?;
    let figures = lookups::measure(&base, token(), &manifest, &dir, args.duration)?;
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

/// Says how many ERROR lines the server logged, and shows the first.
fn report_server_errors(log: &Path) {
    let Ok(text) = std::fs::read_to_string(log) else {
        return;
    };
    let errors: Vec<&str> = text.lines().filter(|l| l.contains("ERROR")).collect();
    if let Some(first) = errors.first() {
        eprintln!(
            "    the server logged {} ERROR line(s), the first: {}",
            errors.len(),
            strip_ansi(first)
        );
    }
}

/// The text of a log line without its terminal colours.
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The first three fields of /proc/loadavg: other work on the machine skews every number.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn write_lines(path: &Path, ids: &Value) -> Result<()> {
    let ids = ids.as_array().context("the manifest lacks an id list")?;
    let text: String = ids
        .iter()
        .filter_map(Value::as_str)
        .map(|id| format!("{id}\n"))
        .collect();
    std::fs::write(path, text)?;
    Ok(())
}

/// The scenarios, with the probe key's id and fingerprint from the seed's manifest.
fn scenarios(manifest: &Value, keys: u32) -> Result<Vec<Scenario>> {
    let probe_id = manifest["probe_key_id"]
        .as_str()
        .context("the manifest has no probe key")?;
    let fingerprint = manifest["probe_fingerprint"]
        .as_str()
        .context("the manifest has no probe fingerprint")?;
    // `SHA256:` and the first 10 characters of the base64 digest.
    let prefix: String = fingerprint.chars().take("SHA256:".len() + 10).collect();
    let last_page = keys.saturating_sub(20);
    let read = |name, path: String| Scenario {
        name,
        kind: Kind::Read,
        path,
    };
    let list = "/api/v1/key-pairs";
    Ok(vec![
        read("list, first page", format!("{list}?limit=20")),
        read("list, page 100", format!("{list}?limit=20&offset=1980")),
        read(
            "list, last page",
            format!("{list}?limit=20&offset={last_page}"),
        ),
        read("list, sort by name", format!("{list}?limit=20&sort=name")),
        read(
            "search name (q=load-0123)",
            format!("{list}?limit=20&q=load-0123"),
        ),
        read(
            "search fingerprint prefix",
            format!("{list}?limit=20&q={}", percent_encode(&prefix)),
        ),
        read(
            "tag filter (team:team-07)",
            format!("{list}?limit=20&tag=team%3Ateam-07"),
        ),
        // One key in 20 of the seed expires, within 200 days either side of now.
        read("status=expired", format!("{list}?limit=20&status=expired")),
        read(
            "status=expiring",
            format!("{list}?limit=20&status=expiring"),
        ),
        read("status=active", format!("{list}?limit=20&status=active")),
        read("get one key", format!("{list}/{probe_id}")),
        Scenario {
            name: "create (POST)",
            kind: Kind::Create,
            path: list.to_owned(),
        },
        Scenario {
            name: "bind (POST …/bind)",
            kind: Kind::Bind,
            path: String::new(),
        },
        // 64 KB of distinct parameter names: refused at the 65th, before any database work.
        Scenario {
            name: "hostile query (64 KB, 13,000 names)",
            kind: Kind::HostileQuery,
            path: format!("{list}?{}", hostile_query(64_000)),
        },
        Scenario {
            name: "refused batch delete (101 ids)",
            kind: Kind::RefusedBody,
            path: format!("{list}/batch-delete"),
        },
        // 6,000 ids where 100 are allowed, and JSON nested 30,000 deep, both within 64 KiB.
        Scenario {
            name: "hostile bodies (6,000 ids; depth 30,000)",
            kind: Kind::HostileBody,
            path: format!("{list}/batch-delete"),
        },
    ])
}

/// About `bytes` of distinct, empty parameters (`a=&b=&…`, names counting in base 36): at 64
/// KB, about 13,000 of them.
fn hostile_query(bytes: usize) -> String {
    let mut query = String::with_capacity(bytes + 8);
    let mut n: u32 = 0;
    while query.len() < bytes {
        if !query.is_empty() {
            query.push('&');
        }
        let mut name = Vec::new();
        let mut rest = n;
        loop {
            name.push(char::from_digit(rest % 36, 36).unwrap_or('z'));
            rest /= 36;
            if rest == 0 {
                break;
            }
        }
        query.extend(name.iter().rev());
        query.push('=');
        n += 1;
    }
    query
}

/// Everything but unreserved characters, percent-encoded.
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Kills the server (by its pid) when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The release server on `url`, rate limit off and quota out of the way; returns its base URL.
fn start_server(url: &str, log: &Path, extra: &[&str]) -> Result<(Server, String)> {
    let binary = target_dir().join("release/keyrack-server");
    let log_file = std::fs::File::create(log)
        .with_context(|| format!("could not create {}", log.display()))?;
    let mut child = Command::new(&binary)
        .args(["--listen", "127.0.0.1:0", "--database", url])
        .env("KEYRACK_BOOTSTRAP_TOKEN", token())
        .env_remove("KEYRACK_BOOTSTRAP_TOKEN_FILE")
        .args(["--rate-limit-per-minute", "0"])
        .args(["--agent-rate-limit-per-minute", "0"])
        .args(["--key-pair-quota", "1000000"])
        .args([
            "--audit-refusal-interval-secs",
            &AUDIT_INTERVAL_SECS.to_string(),
        ])
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log_file)
        .spawn()
        .with_context(|| format!("could not start {}", binary.display()))?;
    let stdout = child.stdout.take().context("no stdout")?;
    let server = Server(child);
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        if let Some(base) = line?.split("listening on ").nth(1) {
            let base = base.trim().to_owned();
            // Keep draining stdout so that a later line never meets a closed pipe.
            std::thread::spawn(move || lines.for_each(drop));
            return Ok((server, base));
        }
    }
    bail!("keyrack-server exited before it listened")
}

struct WrkEnv<'a> {
    nonce: String,
    keys: &'a Path,
    instances: &'a Path,
}

/// The Lua scripts, written once per backend.
struct Scripts {
    read: PathBuf,
    create: PathBuf,
    bind: PathBuf,
    hostile_body: PathBuf,
}

impl Scripts {
    fn write(dir: &Path) -> Result<Self> {
        let scripts = Self {
            read: dir.join("read.lua"),
            create: dir.join("create.lua"),
            bind: dir.join("bind.lua"),
            hostile_body: dir.join("hostile-body.lua"),
        };
        std::fs::write(&scripts.read, LUA_COMMON)?;
        std::fs::write(&scripts.create, format!("{LUA_COMMON}\n{LUA_CREATE}"))?;
        std::fs::write(&scripts.bind, format!("{LUA_COMMON}\n{LUA_BIND}"))?;
        std::fs::write(
            &scripts.hostile_body,
            format!("{LUA_COMMON}\n{LUA_HOSTILE_BODY}"),
        )?;
        Ok(scripts)
    }
}

/// One wrk run: `seconds` long, write counters starting at `base`.
fn wrk(
    base_url: &str,
    scenario: &Scenario,
    scripts: &Scripts,
    env: &WrkEnv,
    seconds: u32,
    base: u64,
) -> Result<Measured> {
    let script = match scenario.kind {
        Kind::Read | Kind::HostileQuery => &scripts.read,
        Kind::Create => &scripts.create,
        Kind::Bind => &scripts.bind,
        Kind::HostileBody | Kind::RefusedBody => &scripts.hostile_body,
    };
    let url = match scenario.kind {
        Kind::Read | Kind::Create | Kind::HostileQuery | Kind::HostileBody | Kind::RefusedBody => {
            format!("{base_url}{}", scenario.path)
        }
        Kind::Bind => format!("{base_url}/api/v1/key-pairs"),
    };
    let out = cmd("wrk")
        .args(["-t", &THREADS.to_string(), "-c", &CONNECTIONS.to_string()])
        .args([
            "-d",
            &format!("{seconds}s"),
            "--timeout",
            "10s",
            "--latency",
        ])
        .args(["-H", &format!("Authorization: Bearer {}", token())])
        .arg("-s")
        .arg(script)
        .arg(&url)
        // Warm-up and measured run differ in base, so their names never collide.
        .env("KEYRACK_NONCE", format!("{}-{base}", env.nonce))
        .env("KEYRACK_SEED", (base + u64::from(seconds)).to_string())
        .env("KEYRACK_BASE", base.to_string())
        .env("KEYRACK_THREADS", THREADS.to_string())
        .env("KEYRACK_KEYS", env.keys)
        .env("KEYRACK_INSTANCES", env.instances)
        .env(
            "KEYRACK_HOSTILE",
            if scenario.kind == Kind::HostileBody {
                "1"
            } else {
                "0"
            },
        )
        .stdin(Stdio::null())
        .output()
        .context("could not run wrk")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "wrk failed ({}): {stdout}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    parse_wrk(&stdout).with_context(|| format!("unexpected wrk output:\n{stdout}"))
}

/// The `KEYRACK_RESULT` line the scripts' `done()` prints.
fn parse_wrk(stdout: &str) -> Result<Measured> {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("KEYRACK_RESULT "))
        .context("no KEYRACK_RESULT line")?;
    let n: Vec<f64> = line
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let [p50, p99, requests, duration_us, non_2xx, unexpected, socket_errors] = n[..] else {
        bail!("KEYRACK_RESULT has {} numbers", n.len());
    };
    Ok(Measured {
        p50_ms: p50 / 1000.0,
        p99_ms: p99 / 1000.0,
        per_sec: requests / (duration_us / 1e6),
        requests: requests as u64,
        non_2xx: non_2xx as u64,
        unexpected: unexpected as u64,
        socket_errors: socket_errors as u64,
        sample: stdout
            .lines()
            .find_map(|l| l.strip_prefix("KEYRACK_SAMPLE "))
            .map(str::to_owned),
    })
}

/// Whether a scenario met its target on a backend: `None` when it has none there.
fn verdict(kind: Kind, backend: BackendKind, m: &Measured) -> Option<bool> {
    match (kind, backend) {
        // Every answer a refusal; the cost is judged against the first page in the table.
        (Kind::HostileQuery | Kind::HostileBody | Kind::RefusedBody, _) => {
            Some(m.requests > 0 && m.non_2xx == m.requests)
        }
        (Kind::Read, _) => Some(m.p99_ms <= READ_P99_MS && m.non_2xx == 0),
        (Kind::Create, BackendKind::Postgres) => {
            Some(m.per_sec >= CREATE_PER_SEC && m.non_2xx == 0)
        }
        _ => None,
    }
}

fn print_table(args: &LoadArgs, scenarios: &[Scenario], results: &[(BackendKind, Vec<Measured>)]) {
    println!(
        "\nLoad: {} key pairs, {} instances; wrk -t{THREADS} -c{CONNECTIONS} -d{}s --latency on \
         loopback (2 cores shared by wrk, the server and the database).",
        args.keys, args.instances, args.duration
    );
    println!(
        "Targets: every read p99 ≤ {READ_P99_MS:.0} ms; create ≥ {CREATE_PER_SEC:.0}/s on \
         PostgreSQL; a hostile request refused (every answer a 400) at ≤ \
         {HOSTILE_COST_RATIO}× the cost of a first-page list (a query) or of the smallest body \
         refused for the same rule (a body). ✓ met, ✗ missed (a read with \
         non-2xx answers misses too)."
    );
    let mut header = vec!["scenario".to_owned()];
    for (backend, _) in results {
        let l = backend.label();
        header.extend([
            format!("{l} p50 ms"),
            "p99 ms".into(),
            "req/s".into(),
            "non-2xx".into(),
        ]);
    }
    header.push("target".into());
    let mut rows = vec![header];
    for (i, scenario) in scenarios.iter().enumerate() {
        let mut row = vec![scenario.name.to_owned()];
        let mut all_met = None::<bool>;
        for (backend, measured) in results {
            let m = &measured[i];
            let hostile = matches!(scenario.kind, Kind::HostileQuery | Kind::HostileBody);
            // A hostile query's cost over a first-page list's (the first scenario); a hostile
            // body's over the ordinary refused body's.
            let reference = match scenario.kind {
                Kind::HostileBody => scenarios
                    .iter()
                    .position(|s| s.kind == Kind::RefusedBody)
                    .map_or(&measured[0], |r| &measured[r]),
                _ => &measured[0],
            };
            let ratio = reference.per_sec / m.per_sec.max(f64::MIN_POSITIVE);
            let v = verdict(scenario.kind, *backend, m)
                .map(|ok| ok && (!hostile || ratio <= HOSTILE_COST_RATIO));
            if let Some(v) = v {
                all_met = Some(all_met.unwrap_or(true) && v);
            }
            let mark = |ok: bool| if ok { " ✓" } else { " ✗" };
            let (p99_mark, rate_mark) = match (scenario.kind, v) {
                (Kind::Read, Some(_)) => (mark(m.p99_ms <= READ_P99_MS), String::new()),
                (Kind::Create, Some(_)) => ("", mark(m.per_sec >= CREATE_PER_SEC).to_owned()),
                (Kind::HostileQuery | Kind::HostileBody, Some(_)) => (
                    "",
                    format!(
                        " ({ratio:.2}× the cost of {}{})",
                        if scenario.kind == Kind::HostileQuery {
                            "a list"
                        } else {
                            "101 ids"
                        },
                        mark(ratio <= HOSTILE_COST_RATIO)
                    ),
                ),
                _ => ("", String::new()),
            };
            let mut non_2xx = m.non_2xx.to_string();
            if m.socket_errors > 0 {
                non_2xx.push_str(&format!(" +{} socket errors", m.socket_errors));
            }
            if m.unexpected > 0 {
                non_2xx.push_str(&format!(" ({} 2xx not bound)", m.unexpected));
            }
            row.extend([
                format!("{:.2}", m.p50_ms),
                format!("{:.2}{p99_mark}", m.p99_ms),
                format!("{:.0}{rate_mark}", m.per_sec),
                non_2xx,
            ]);
        }
        row.push(
            match all_met {
                None => "–",
                Some(true) => "met",
                Some(false) => "MISSED",
            }
            .to_owned(),
        );
        rows.push(row);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    println!();
    for (n, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, &w))| {
                let pad = " ".repeat(w - cell.chars().count());
                // The scenario column reads left to right; numbers line up on the right.
                if c == 0 {
                    format!("{cell}{pad}")
                } else {
                    format!("{pad}{cell}")
                }
            })
            .collect();
        println!("| {} |", cells.join(" | "));
        if n == 0 {
            let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
            println!("|-{}-|", rule.join("-|-"));
        }
    }
    let total: u64 = results
        .iter()
        .flat_map(|(_, m)| m.iter().map(|m| m.requests))
        .sum();
    println!("\n({total} measured requests in all.)");
}

/// Issue #23 item 4: an admin's creates while an agent floods login reports, against a quiet
/// run on the same server.
fn print_floods(floods: &[(BackendKind, FloodMeasured)]) {
    println!(
        "\nAn agent's flood of {REPORTS_PER_SEC} refused login reports a second against an \
         admin's creates, one at a time (goal: the flooded p50 at most {FLOOD_RATIO}× the quiet \
         one; the flood adds a handful of audit entries, not one per report):"
    );
    for (backend, f) in floods {
        let ok = f.ratio() <= FLOOD_RATIO && f.audit_rows_added <= 10 && f.reports_other == 0;
        println!(
            "  {:<10} quiet p50 {:.2} ms p99 {:.2} ms; flooded p50 {:.2} ms p99 {:.2} ms \
             ({:.2}×); {:.0} reports/s answered: {} refused by the store (404), {} held off \
             by the reports' rate limit (429), {} otherwise; {} reports added {} audit \
             entries {}",
            backend.label(),
            f.quiet_p50_ms,
            f.quiet_p99_ms,
            f.flood_p50_ms,
            f.flood_p99_ms,
            f.ratio(),
            f.reports_per_sec,
            f.reports_404,
            f.reports_429,
            f.reports_other,
            f.reports,
            f.audit_rows_added,
            if ok { "✓" } else { "✗" }
        );
    }
}

/// Shared by every scenario: counts non-2xx answers (and 2xx answers lacking `expect`, when
/// a script sets it) per thread, and prints one machine-readable line at the end.
const LUA_COMMON: &str = r#"
local threads = {}
local next_tid = 0

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

non2xx = 0
unexpected = 0
sample = ""

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if sample == "" then
      sample = status .. " " .. string.sub(body or "", 1, 200)
    end
  elseif expect ~= nil and not string.find(body or "", expect, 1, true) then
    unexpected = unexpected + 1
    if sample == "" then
      sample = "unexpected " .. status .. " " .. string.sub(body or "", 1, 200)
    end
  end
end

function done(summary, latency, requests)
  local n, u, s = 0, 0, ""
  for _, t in ipairs(threads) do
    n = n + (t:get("non2xx") or 0)
    u = u + (t:get("unexpected") or 0)
    local ts = t:get("sample")
    if s == "" and ts ~= nil then s = ts end
  end
  local e = summary.errors
  io.write(string.format("KEYRACK_RESULT %.0f %.0f %.0f %.0f %.0f %.0f %.0f\n",
    latency:percentile(50), latency:percentile(99), summary.requests, summary.duration,
    n, u, e.connect + e.read + e.write + e.timeout))
  if s ~= "" then
    io.write("KEYRACK_SAMPLE " .. (string.gsub(s, "%s+", " ")) .. "\n")
  end
end

-- wrk.format uses the table given instead of wrk.headers (Authorization from -H), so merge.
local function json_headers()
  local h = {}
  for k, v in pairs(wrk.headers) do h[k] = v end
  h["Content-Type"] = "application/json"
  return h
end
"#;

/// POST /key-pairs: a unique name and a fresh random Ed25519 public key per request (32
/// random bytes in the SSH wire format, base64-encoded).
const LUA_CREATE: &str = r#"
local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

local function b64(s)
  local out = {}
  local len = #s
  for i = 1, len, 3 do
    local a, b, c = string.byte(s, i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local c1 = math.floor(n / 262144) % 64
    local c2 = math.floor(n / 4096) % 64
    local c3 = math.floor(n / 64) % 64
    local c4 = n % 64
    out[#out + 1] = string.sub(B64, c1 + 1, c1 + 1) .. string.sub(B64, c2 + 1, c2 + 1)
      .. (b and string.sub(B64, c3 + 1, c3 + 1) or "=")
      .. (c and string.sub(B64, c4 + 1, c4 + 1) or "=")
  end
  return table.concat(out)
end

local function u32(n)
  return string.char(math.floor(n / 16777216) % 256, math.floor(n / 65536) % 256,
    math.floor(n / 256) % 256, n % 256)
end

local WIRE_HEAD = u32(11) .. "ssh-ed25519" .. u32(32)

function init(args)
  nonce = os.getenv("KEYRACK_NONCE") or "x"
  math.randomseed(tonumber(os.getenv("KEYRACK_SEED") or "1") * 1000 + tid * 7919 + os.time())
  count = 0
end

function request()
  count = count + 1
  local bytes = {}
  for i = 1, 32 do
    bytes[i] = string.char(math.random(0, 255))
  end
  local key = "ssh-ed25519 " .. b64(WIRE_HEAD .. table.concat(bytes))
  local body = string.format(
    '{"name":"bench-%s-%d-%d","public_key":"%s","tags":[{"key":"env","value":"bench"}]}',
    nonce, tid, count, key)
  return wrk.format("POST", "/api/v1/key-pairs", json_headers(), body)
end
"#;

/// POST …/batch-delete refused: with `KEYRACK_HOSTILE=1`, hostile bodies within the 64 KiB
/// limit, in turn 6,000 ids (100 are allowed) and JSON nested 30,000 arrays deep; otherwise
/// 101 ids, the smallest body refused for the same rule. Every answer must be a 400.
const LUA_HOSTILE_BODY: &str = r#"

local function ids_body(n)
  local ids = {}
  for i = 1, n do ids[i] = '"k' .. i .. '"' end
  return '{"ids":[' .. table.concat(ids, ",") .. ']}'
end

-- The requests are made once: formatting 60 KB per request would cost wrk, on the same
-- cores, more than the server's answer.
function init(args)
  local bodies
  if os.getenv("KEYRACK_HOSTILE") == "1" then
    bodies = {
      ids_body(6000),
      '{"ids":' .. string.rep("[", 30000) .. string.rep("]", 30000) .. '}',
    }
  else
    bodies = { ids_body(101), ids_body(101) }
  end
  requests = {}
  for i, body in ipairs(bodies) do
    requests[i] = wrk.format("POST", wrk.path, json_headers(), body)
  end
  count = 0
end

function request()
  count = count + 1
  return requests[count % 2 + 1]
end
"#;

/// POST /key-pairs/{id}/bind with one instance, rotating over the seeded keys and instances
/// so that each request binds a pair not bound before (2xx answers other than `bound` are
/// counted apart).
const LUA_BIND: &str = r#"

function init(args)
  keys = {}
  for line in io.lines(os.getenv("KEYRACK_KEYS")) do keys[#keys + 1] = line end
  instances = {}
  for line in io.lines(os.getenv("KEYRACK_INSTANCES")) do instances[#instances + 1] = line end
  base = tonumber(os.getenv("KEYRACK_BASE") or "0")
  nthreads = tonumber(os.getenv("KEYRACK_THREADS") or "1")
  count = 0
  expect = '"outcome":"bound"'
end

-- Request c binds instance c mod I to key (c + c div I + shift) mod K: a new pair each time
-- (for K·I requests), never one the warm-up (base > 0: shifted by half the keys) bound.
function request()
  local c = count * nthreads + tid
  count = count + 1
  local shift = 0
  if base > 0 then shift = math.floor(#keys / 2) end
  local instance = instances[c % #instances + 1]
  local key = keys[(c + math.floor(c / #instances) + shift) % #keys + 1]
  return wrk.format("POST", "/api/v1/key-pairs/" .. key .. "/bind", json_headers(),
    '{"instance_ids":["' .. instance .. '"]}')
end
"#;
