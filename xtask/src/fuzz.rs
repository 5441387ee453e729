//! `cargo xtask fuzz`: the cargo-fuzz targets in `fuzz/` (public-key parsing, the
//! validators), each for a fixed time. cargo-fuzz needs nightly compiler flags; stable
//! rustc accepts them with `RUSTC_BOOTSTRAP=1`, AddressSanitizer included.
//!
//! New corpus entries go to `fuzz/corpus/<target>` and crashes to `fuzz/artifacts/<target>`
//! (both git-ignored); the committed seeds in `fuzz/seeds/<target>` are only read.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::shell::{cmd, root, run};

/// Every fuzz target, as named in `fuzz/Cargo.toml`.
pub const TARGETS: &[&str] = &["public_key", "validators"];

/// Seconds per target in `cargo xtask test`: enough to replay the corpus and find shallow
/// crashes; a real search is the long run in the README.
pub const TEST_SECONDS: u64 = 30;

/// Options of `cargo xtask fuzz`.
#[derive(clap::Args)]
pub struct FuzzArgs {
    /// Fuzz only this target; every target by default.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(TARGETS))]
    target: Option<String>,
    /// How long to fuzz each target, in seconds.
    #[arg(long, default_value_t = TEST_SECONDS)]
    seconds: u64,
    /// Fuzzing processes per target (libFuzzer's fork mode); 1 runs in-process.
    #[arg(long, default_value_t = 1)]
    jobs: u32,
}

impl FuzzArgs {
    /// The short run of `cargo xtask test`: every target, [`TEST_SECONDS`] each.
    pub fn short() -> Self {
        Self {
            target: None,
            seconds: TEST_SECONDS,
            jobs: 1,
        }
    }
}

/// Builds the targets, runs each for `seconds`, and fails if any of them crashed, naming the
/// input that did it.
pub fn fuzz(args: FuzzArgs) -> Result<()> {
    crate::setup::cargo_fuzz()?;
    let targets: Vec<&str> = match &args.target {
        Some(t) => vec![t.as_str()],
        None => TARGETS.to_vec(),
    };
    let started = Instant::now();
    let mut build = cargo_fuzz("build");
    if let Some(t) = &args.target {
        build.arg(t);
    }
    run(&mut build)?;
    eprintln!("fuzz: built in {:.0?}", started.elapsed());

    let mut crashes = Vec::new();
    for target in targets {
        crashes.extend(run_target(target, args.seconds, args.jobs)?);
    }
    eprintln!("fuzz: finished in {:.0?}", started.elapsed());
    if !crashes.is_empty() {
        bail!(
            "fuzzing found {} crashing input(s): {}",
            crashes.len(),
            crashes
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(())
}

/// `cargo fuzz <subcommand>` on `fuzz/`, on stable.
fn cargo_fuzz(subcommand: &str) -> Command {
    let mut c = cmd("cargo");
    c.args(["fuzz", subcommand, "--fuzz-dir", "fuzz"])
        .env("RUSTC_BOOTSTRAP", "1");
    c
}

/// Runs one target, its output to `fuzz/artifacts/<target>.log`; returns the inputs it
/// crashed on.
fn run_target(target: &str, seconds: u64, jobs: u32) -> Result<Vec<PathBuf>> {
    let fuzz_dir = root().join("fuzz");
    let corpus = fuzz_dir.join("corpus").join(target);
    let seeds = fuzz_dir.join("seeds").join(target);
    std::fs::create_dir_all(&corpus)?;
    std::fs::create_dir_all(fuzz_dir.join("artifacts"))?;
    let log_path = fuzz_dir.join("artifacts").join(format!("{target}.log"));
    let log = File::create(&log_path)
        .with_context(|| format!("could not create {}", log_path.display()))?;

    let mut c = cargo_fuzz("run");
    c.arg(target).arg("--jobs").arg(jobs.to_string());
    // libFuzzer writes new entries to the first corpus directory only.
    c.arg(&corpus);
    if seeds.is_dir() {
        c.arg(&seeds);
    }
    c.arg("--")
        .arg(format!("-max_total_time={seconds}"))
        // A single input taking this long is a hang, and fails the run.
        .arg("-timeout=30")
        .arg("-print_final_stats=1")
        .stdout(log.try_clone()?)
        .stderr(log);
    eprintln!(
        "fuzz: {target} for {seconds} s (log: {})",
        relative(&log_path).display()
    );
    let status = c.status().context("could not start cargo fuzz")?;
    let output = std::fs::read_to_string(&log_path).unwrap_or_default();
    if status.success() {
        eprintln!("fuzz: {target}: {}, no crash", summary(&output));
        return Ok(Vec::new());
    }
    // libFuzzer names each input it saves (a known crash found again keeps its name).
    let crashes: Vec<PathBuf> = output
        .lines()
        .filter_map(|l| l.split_once("Test unit written to ").map(|(_, p)| p.trim()))
        .map(PathBuf::from)
        .collect();
    if crashes.is_empty() {
        eprintln!("{}", tail(&output, 40));
        bail!(
            "cargo fuzz run {target} failed ({status}) without a crashing input; see {}",
            log_path.display()
        );
    }
    eprintln!("{}", failure_excerpt(&output));
    for crash in &crashes {
        let shown = relative(crash);
        eprintln!("fuzz: {target} crashed on {}", shown.display());
        eprintln!(
            "  reproduce: RUSTC_BOOTSTRAP=1 cargo fuzz run {target} {}",
            shown.display()
        );
        eprintln!(
            "  minimise:  RUSTC_BOOTSTRAP=1 cargo fuzz tmin {target} {}",
            shown.display()
        );
    }
    eprintln!("fuzz: full output in {}", relative(&log_path).display());
    Ok(crashes)
}

fn relative(path: &Path) -> &Path {
    path.strip_prefix(root()).unwrap_or(path)
}

/// Runs, speed and corpus growth from libFuzzer's final statistics
/// (`-print_final_stats=1`), or its last status line.
fn summary(output: &str) -> String {
    let stat = |name: &str| {
        output
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix(&format!("stat::{name}:")))
            .map(str::trim)
    };
    match (
        stat("number_of_executed_units"),
        stat("average_exec_per_sec"),
        stat("new_units_added"),
        stat("peak_rss_mb"),
    ) {
        (Some(runs), Some(speed), Some(new), Some(rss)) => {
            format!("{runs} runs, {speed} exec/s, {new} new corpus entries, peak RSS {rss} MB")
        }
        _ => output
            .lines()
            .rev()
            .find(|l| l.starts_with('#') && l.contains("exec/s"))
            .unwrap_or("no statistics printed")
            .to_owned(),
    }
}

/// The panic or sanitizer report and the failing input, without libFuzzer's progress lines
/// and stack frames (the log keeps them).
fn failure_excerpt(output: &str) -> String {
    let lines: Vec<&str> = output.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.contains("panicked at") || l.contains("ERROR:"))
        .unwrap_or(lines.len().saturating_sub(40));
    // Progress lines (`#1234 NEW …`), sanitizer frames (`    #3 0x…`), Rust frames.
    let is_noise = |l: &str| {
        let t = l.trim_start();
        t.starts_with('#')
            || t.starts_with("at ")
            || t.split_once(": ")
                .is_some_and(|(n, _)| n.parse::<u32>().is_ok())
    };
    lines[start..]
        .iter()
        .take_while(|l| !l.starts_with("Reproduce with:"))
        .filter(|l| !is_noise(l))
        .take(120)
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}

fn tail(output: &str, n: usize) -> String {
    let lines: Vec<&str> = output.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
