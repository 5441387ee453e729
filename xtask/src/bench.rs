//! `cargo xtask bench`: performance budgets, measured, never asserted in tests.
//!
//! 1. First-load transfer size of `/keys`, as headless Chromium fetches it from the server
//!    (Resource Timing's `encodedBodySize` of the document and the scripts, wasm and styles
//!    it loads), against the 200 KB budget. The chunks of dialogs and other pages and the
//!    key-generation worker are fetched later, when first used, so they do not count.
//! 2. Key generation in headless Chromium through the console's own code path (the page's
//!    keygen client posting to the Web Worker), against native `ssh-keygen` on the same
//!    machine.
//!
//! 3. Time to first rows of the pages that load as their own chunk (`/audit`, a key's page),
//!    in the same browser (see [`first_rows`]).
//!
//! With `--size`, only the first-load size and the chunks' sizes, from `dist/` as `cargo xtask
//! spa` left it (no build, no browser). With `--load`, instead: the API under load with `wrk`, on SQLite and on PostgreSQL (see
//! [`crate::load`]).

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};

mod first_rows;

use crate::clock::Clock;
use crate::process::{self, admin_token, KillOnDrop};
use crate::shell::{cmd, root, run, target_dir};

/// The first-load budget of `/keys`: HTML + JS + WASM + CSS, brotli-compressed.
const FIRST_LOAD_BUDGET: usize = 200 * 1024;
/// Runs per key type, browser and native alike (the median is reported).
const RUNS: usize = 7;
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// `(KeyType::as_str, label, ssh-keygen arguments)`.
const KEY_TYPES: [(&str, &str, &[&str]); 7] = [
    ("ed25519", "Ed25519", &["-t", "ed25519"]),
    ("ecdsa_p256", "ECDSA P-256", &["-t", "ecdsa", "-b", "256"]),
    ("ecdsa_p384", "ECDSA P-384", &["-t", "ecdsa", "-b", "384"]),
    ("ecdsa_p521", "ECDSA P-521", &["-t", "ecdsa", "-b", "521"]),
    ("rsa2048", "RSA 2048", &["-t", "rsa", "-b", "2048"]),
    ("rsa3072", "RSA 3072", &["-t", "rsa", "-b", "3072"]),
    ("rsa4096", "RSA 4096", &["-t", "rsa", "-b", "4096"]),
];

/// `cargo xtask bench [--load …]`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Load-test the API instead: seed 100,000 key pairs, serve them with the release server
    /// on SQLite and on PostgreSQL, and measure reads and writes with wrk.
    #[arg(long)]
    pub load: bool,
    /// With --load: key pairs to seed.
    #[arg(long, default_value_t = 100_000)]
    pub keys: u32,
    /// With --load: instances to seed.
    #[arg(long, default_value_t = 10_000)]
    pub instances: u32,
    /// With --load: seconds each scenario is measured (after a 1 s warm-up).
    #[arg(long, default_value_t = 5)]
    pub duration: u32,
    /// With --load: which backends to measure.
    #[arg(long, value_parser = ["sqlite", "postgres", "both"], default_value = "both")]
    pub backend: String,
    /// With --load: only the last step, agent lookups alone and under 100 parallel exports.
    #[arg(long)]
    pub lookups_only: bool,
    /// Only the sizes: the first load of `/keys` and each chunk, brotli, read from `dist/`
    /// as `cargo xtask spa` left it (no build, no server, no browser).
    #[arg(long, conflicts_with = "load")]
    pub size: bool,
    /// Only the time to first rows of `/audit` and a key's page (no key generation).
    #[arg(long, conflicts_with_all = ["load", "size"])]
    pub pages: bool,
}

/// Builds the release SPA and the server, then reports first-load size and key generation;
/// with `--load`, runs the load bench instead.
pub fn bench(args: &BenchArgs) -> Result<()> {
    if args.load {
        use crate::load::{load, BackendKind, LoadArgs};
        let backends = match args.backend.as_str() {
            "sqlite" => vec![BackendKind::Sqlite],
            "postgres" => vec![BackendKind::Postgres],
            _ => vec![BackendKind::Sqlite, BackendKind::Postgres],
        };
        if args.keys < 20 || args.duration == 0 {
            bail!("--keys must be at least 20 and --duration at least 1");
        }
        return load(&LoadArgs {
            keys: args.keys,
            instances: args.instances,
            duration: args.duration,
            backends,
            lookups_only: args.lookups_only,
        });
    }
    if args.size {
        print_first_load_files()?;
        return print_on_demand();
    }
    // The console's tools and Chromium; not the linters, fuzzers or PostgreSQL of the tests.
    let mut clock = Clock::start("xtask bench", crate::setup::RUN_TOOLS + 3);
    crate::setup::setup_run(&mut clock)?;
    clock.step("system packages", crate::setup::apt_packages)?;
    clock.step("console build", crate::spa::build_spa)?;
    clock.step("server build", || {
        run(cmd("cargo").args(["build", "-p", "keyrack-server"]))
    })?;
    drop(clock);
    let measured = tokio::runtime::Runtime::new()?.block_on(browser_session(!args.pages))?;
    print_transferred(&measured.transferred);
    print_on_demand()?;
    first_rows::print(&measured.first_rows);
    if !args.pages {
        let native = native_generation()?;
        print_generation(&measured.generation, &native);
    }
    Ok(())
}

// ---- first load ----------------------------------------------------------------------------

/// The first load of `/keys` read from `dist/`: the files the page fetches before it shows
/// (the document, its stylesheet, boot.js, the page module, its wasm and the chunk loader),
/// brotli-compressed as the server sends them.
fn print_first_load_files() -> Result<()> {
    let dist = root().join("dist");
    let mut files = Vec::new();
    for name in sorted_names(&dist)? {
        let first = name == "index.html"
            || name == "boot.js"
            || (name.starts_with("main-") && name.ends_with(".css"));
        if first {
            files.push(name);
        }
    }
    let app = app_dir(&dist)?;
    for name in sorted_names(&dist.join(&app))? {
        let first = name == "keyrack.js"
            || name == "keyrack_bg.wasm"
            || (name.starts_with("__wasm_split") && name.ends_with(".js"));
        if first {
            files.push(format!("{app}/{name}"));
        }
    }
    println!("First load of /keys from dist/ (brotli, as the server sends it):");
    let mut total = 0;
    for name in files {
        let bytes = std::fs::read(dist.join(&name))?;
        let sent = brotli_len(&bytes)?;
        total += sent;
        println!("  {name:<44} {sent:>10} {:>10}", bytes.len());
    }
    println!("  first load of /keys: {total} B, {}", of_budget(total));
    Ok(())
}

/// What `dist/` holds besides the first load: the chunks fetched when a dialog or another
/// page is first opened (each listed), and the key-generation worker, fetched when a key is
/// made.
fn print_on_demand() -> Result<()> {
    let dist = root().join("dist");
    let app = dist.join(app_dir(&dist)?);
    let mut chunks = Vec::new();
    for name in sorted_names(&app)? {
        if name.ends_with(".wasm") && name != "keyrack_bg.wasm" {
            chunks.push((brotli_len(&std::fs::read(app.join(&name))?)?, name));
        }
    }
    chunks.sort_by(|a, b| b.cmp(a));
    let worker = brotli_len(&std::fs::read(dist.join("keygen-worker_bg.wasm"))?)?;
    println!(
        "  not in it: {} chunks ({:.1} KB brotli) fetched when a dialog or another page first \
         opens, and the key-generation worker ({:.1} KB brotli) when a key is made:",
        chunks.len(),
        chunks.iter().map(|c| c.0).sum::<usize>() as f64 / 1024.0,
        worker as f64 / 1024.0
    );
    for (size, name) in chunks {
        println!("    {name:<60} {size:>8} B brotli");
    }
    Ok(())
}

/// `app-<hash>`: the folder of the split page module (xtask/src/spa.rs).
fn app_dir(dist: &Path) -> Result<String> {
    sorted_names(dist)?
        .into_iter()
        .find(|n| n.starts_with("app-") && dist.join(n).is_dir())
        .context("dist/ has no app-<hash>/: run `cargo xtask spa` first")
}

/// The names in `dir`, sorted; compressed copies (`.br`, `.gz`) left out.
fn sorted_names(dir: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("{} is missing", dir.display()))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".br") && !name.ends_with(".gz") {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

fn brotli_len(bytes: &[u8]) -> Result<usize> {
    Ok(crate::compress::brotli(bytes)?.len())
}

/// `123.4 KB of the 200 KB budget (62%)`.
fn of_budget(bytes: usize) -> String {
    format!(
        "{:.1} KB of the {} KB budget ({:.0}%)",
        bytes as f64 / 1024.0,
        FIRST_LOAD_BUDGET / 1024,
        100.0 * bytes as f64 / FIRST_LOAD_BUDGET as f64
    )
}

/// One file the browser fetched for `/keys`: path, body bytes as sent, body bytes decoded.
type Fetched = (String, u64, u64);

/// What the browser fetched to show `/keys`, from the Resource Timing entries of the
/// document and the scripts, wasm and styles it loaded (not the API's data, nor the
/// favicon the browser asks for on its own).
const TRANSFERRED_SCRIPT: &str = "
    const page = performance.getEntriesByType('navigation');
    const files = performance.getEntriesByType('resource')
        .filter((e) => /\\.(js|wasm|css)$/.test(new URL(e.name).pathname));
    return [...page, ...files]
        .map((e) => [new URL(e.name).pathname, e.encodedBodySize, e.decodedBodySize]);
";

fn print_transferred(files: &[Fetched]) {
    println!();
    println!("First load of /keys as headless Chromium fetched it (body bytes on the wire):");
    println!("  {:<44} {:>10} {:>10}", "file", "sent", "decoded");
    for (path, sent, decoded) in files {
        println!("  {path:<44} {sent:>10} {decoded:>10}");
    }
    let total: u64 = files.iter().map(|f| f.1).sum();
    println!("  first load of /keys: {}", of_budget(total as usize));
}

// ---- key generation: browser ------------------------------------------------------------

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The debug server on a throw-away database with the demo data, serving `dist/`; returns its
/// base URL.
fn start_server(data: &Path) -> Result<(KillOnDrop, String)> {
    let mut command = Command::new(target_dir().join("debug/keyrack-server"));
    command
        .arg("--database")
        .arg(format!("sqlite://{}", data.join("bench.db").display()))
        .arg("--dist")
        .arg(root().join("dist"))
        .arg("--demo");
    process::start_server(&mut command, admin_token())
}

/// chromedriver on a free port, and a headless Chromium session with a fresh profile.
async fn start_browser(profile: &Path) -> Result<(KillOnDrop, Client, String)> {
    let port = free_port()?;
    let driver = KillOnDrop(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("could not start {CHROMEDRIVER}"))?,
    );
    let url = format!("http://127.0.0.1:{port}");
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                format!("--user-data-dir={}", profile.display()),
            ],
        },
    });
    let Value::Object(capabilities) = capabilities else {
        bail!("capabilities are an object")
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let client = loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(capabilities.clone())
            .connect(&url)
            .await
        {
            Ok(client) => break client,
            Err(e) if Instant::now() > deadline => bail!("no WebDriver session: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    };
    let session = client
        .session_id()
        .await?
        .context("WebDriver gave no session id")?;
    Ok((driver, client, session))
}

/// What one browser session measured.
struct Measured {
    /// What the first load of `/keys` transferred.
    transferred: Vec<Fetched>,
    /// Milliseconds per run, per key type (empty with `--pages`).
    generation: Vec<Vec<f64>>,
    /// Milliseconds per run, per page of [`first_rows`].
    first_rows: Vec<Vec<f64>>,
}

async fn browser_session(generation: bool) -> Result<Measured> {
    let scratch = std::env::temp_dir().join(format!("keyrack-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let (_server, base) = start_server(&scratch)?;
    let (_driver, client, _session) = start_browser(&scratch.join("profile")).await?;
    let result = async {
        let (transferred, generation) = measure_in_page(&client, &base, generation).await?;
        let first_rows = first_rows::measure(&client, &base).await?;
        Ok(Measured {
            transferred,
            generation,
            first_rows,
        })
    }
    .await;
    let _ = client.close().await;
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

/// What the first load of `/keys` transferred, then (if `generation`) milliseconds per run,
/// per key type, measured by the page: the console's keygen client (`keyrack_bench_generate`,
/// the same `keygen::generate` the dialog calls) from posting the request to the worker until
/// the key file is back on the page.
async fn measure_in_page(
    client: &Client,
    base: &str,
    generation: bool,
) -> Result<(Vec<Fetched>, Vec<Vec<f64>>)> {
    client
        .goto(&format!("{base}/keys#token={}", admin_token()))
        .await?;
    // The console is up (and its wasm initialised) once the SSH Key page shows New.
    wait_until(
        client,
        "return [...document.querySelectorAll('button')].some((b) => b.textContent.trim() === 'New');",
        "the console did not start in headless Chromium",
    )
    .await?;
    let transferred: Vec<Fetched> =
        serde_json::from_value(client.execute(TRANSFERRED_SCRIPT, vec![]).await?)
            .context("unreadable Resource Timing entries")?;
    let generate = |key_type: &str| {
        let key_type = key_type.to_owned();
        async move {
            let ms = client.execute(BENCH_SCRIPT, vec![json!(key_type)]).await?;
            ms.as_f64()
                .ok_or_else(|| anyhow!("keyrack_bench_generate answered {ms}"))
        }
    };
    let mut all = Vec::new();
    for (key_type, label, _) in KEY_TYPES.iter().filter(|_| generation) {
        // One unmeasured run: the worker starts on the first, and each type warms up once.
        generate(key_type).await?;
        let mut runs = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            runs.push(generate(key_type).await?);
        }
        eprintln!("browser {label}: {runs:.1?} ms");
        all.push(runs);
    }
    Ok((transferred, all))
}

/// Polls `script` until it answers true; fails with `failure` after 60 s.
async fn wait_until(client: &Client, script: &str, failure: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while client.execute(script, vec![]).await? != json!(true) {
        if Instant::now() > deadline {
            bail!("{failure}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// Calls the console's exported `keyrack_bench_generate`: through Trunk's
/// `window.wasmBindings` when its inline loader is used, else by importing the page's own
/// module again (the module map hands back the same, initialised instance).
const BENCH_SCRIPT: &str = "
    const keyType = arguments[0];
    return (async () => {
        const url = document.querySelector('script[data-keyrack-js]')?.dataset.keyrackJs
            ?? document.querySelector('link[rel=modulepreload]')?.href;
        const bindings = window.wasmBindings ?? await import(url);
        return await bindings.keyrack_bench_generate(keyType);
    })();
";

// ---- key generation: native --------------------------------------------------------------

/// Wall time of `ssh-keygen -q -N '' -f FILE` per run, per key type.
fn native_generation() -> Result<Vec<Vec<f64>>> {
    let dir = std::env::temp_dir().join(format!("keyrack-bench-native-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("key");
    let mut all = Vec::new();
    for (_, label, args) in KEY_TYPES {
        let mut runs = Vec::with_capacity(RUNS);
        for _ in 0..=RUNS {
            let _ = std::fs::remove_file(&file);
            let _ = std::fs::remove_file(file.with_extension("pub"));
            let started = Instant::now();
            let status = Command::new("ssh-keygen")
                .args(["-q", "-N", "", "-C", "bench"])
                .args(args)
                .arg("-f")
                .arg(&file)
                .stdin(Stdio::null())
                .status()
                .context("could not run ssh-keygen")?;
            let elapsed = started.elapsed().as_secs_f64() * 1000.0;
            if !status.success() {
                bail!("ssh-keygen {args:?} failed: {status}");
            }
            runs.push(elapsed);
        }
        // Like the browser: the first run only warms up.
        runs.remove(0);
        eprintln!("native {label}: {runs:.1?} ms");
        all.push(runs);
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(all)
}

fn median(runs: &[f64]) -> f64 {
    let mut sorted = runs.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// `(min–max)` of the runs, as the tables print it.
fn range(runs: &[f64]) -> String {
    let min = runs.iter().copied().fold(f64::INFINITY, f64::min);
    let max = runs.iter().copied().fold(0.0, f64::max);
    format!("({min:.1}–{max:.1})")
}

fn print_generation(browser: &[Vec<f64>], native: &[Vec<f64>]) {
    println!();
    println!(
        "Key generation, median of {RUNS} (browser: headless Chromium, the console's keygen \
         client to the Web Worker and back, OpenSSH file without passphrase; native: \
         ssh-keygen -N '' wall time):"
    );
    println!(
        "  {:<12} {:>12} {:>17} {:>12} {:>17} {:>16}",
        "key type", "browser ms", "(min–max)", "native ms", "(min–max)", "browser/native"
    );
    for (((_, label, _), b), n) in KEY_TYPES.iter().zip(browser).zip(native) {
        let (bm, nm) = (median(b), median(n));
        println!(
            "  {label:<12} {bm:>12.1} {:>17} {nm:>12.1} {:>17} {:>16.2}",
            range(b),
            range(n),
            bm / nm
        );
    }
}
