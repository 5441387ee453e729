//! `cargo xtask test`: every check and test, in the order that fails fastest. `.ci/run`
//! runs exactly this.

use anyhow::Result;

use crate::clock::Clock;
use crate::postgres::{DATABASE_ENV, URL_ENV};
use crate::shell::{cmd, run};

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Options of `cargo xtask test`.
#[derive(clap::Args)]
pub struct TestArgs {
    /// Skip `cargo fmt --check` and clippy.
    #[arg(long)]
    no_lint: bool,
}

/// The server's test suites that run a second time on PostgreSQL: every one that talks to a
/// database, not the browser and sshd ones (the store under them is the same). `replicas`
/// runs on PostgreSQL whatever the backend; `database_link` starts PostgreSQL clusters of its
/// own (TLS, outages), so the first run covers it.
const POSTGRES_SUITES: &[&str] = &[
    "api",
    "audit",
    "binding",
    "concurrency",
    "durability",
    "import",
    "instances",
    "key_pairs",
    "logins",
    "policy",
    "security",
    "cancellation",
    "replicas",
];

/// Runs fmt and clippy (native and wasm32), the two languages check (`cargo xtask i18n`), a
/// release build of the SPA, the native tests
/// (keyrack-api, keyrack-keygen, and keyrack-server's integration tests against the real
/// binary, sshd and Chromium, on SQLite), the server's database suites again on PostgreSQL,
/// cargo-deny's license, ban, source and advisory checks, a short run of each fuzz target,
/// schemathesis against the running server's OpenAPI document (on SQLite, then PostgreSQL),
/// and the SPA's component tests in headless Chromium. Prints the wall time of each step.
pub fn test(args: TestArgs) -> Result<()> {
    let planned = if args.no_lint { 12 } else { 15 };
    let mut clock = Clock::start("xtask test", planned);
    let postgres_url = clock.step("setup", crate::setup::setup)?;
    if !args.no_lint {
        clock.step("fmt", || {
            run(cmd("cargo").args(["fmt", "--all", "--", "--check"]))
        })?;
        clock.step("clippy (native)", || {
            run(cmd("cargo").args([
                "clippy",
                "--workspace",
                "--exclude",
                "keyrack",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]))
        })?;
        clock.step("clippy (wasm32)", clippy_wasm)?;
    }
    // Both languages complete, and no text for users outside the catalogue.
    clock.step("i18n", crate::i18n::check)?;
    // The release SPA first: the server's tests that serve a built console use dist/.
    clock.step("SPA release build", crate::spa::build_spa)?;
    clock.step("native tests (SQLite)", || {
        run(cmd("cargo")
            .args(["test", "--workspace", "--exclude", "keyrack"])
            .env(DATABASE_ENV, "sqlite")
            // tests/replicas.rs needs PostgreSQL whatever the backend.
            .env(URL_ENV, &postgres_url))
    })?;
    clock.step("server tests (PostgreSQL)", || {
        // `--workspace`, not `-p keyrack-server`: the same feature set as the run above, so
        // its build is reused (with `-p`, ssh-key and a dozen more crates get fewer features
        // and the server and every suite would be compiled again). Only keyrack-server has
        // these suites.
        let mut test = cmd("cargo");
        test.args(["test", "--workspace", "--exclude", "keyrack"]);
        for suite in POSTGRES_SUITES {
            test.args(["--test", suite]);
        }
        run(test
            .env(DATABASE_ENV, "postgres")
            .env(URL_ENV, &postgres_url))
    })?;
    // Supply chain: licenses, banned crates and sources (crates.io only); then known
    // vulnerabilities, offline against the RustSec snapshot, for the workspace and fuzz/.
    clock.step("cargo deny", || {
        run(cmd("cargo").args(["deny", "check", "licenses", "bans", "sources"]))
    })?;
    clock.step("cargo deny advisories", crate::advisories::advisories)?;
    // keyrack-api's parser and validators under libFuzzer, a short run per target.
    clock.step("fuzz", || crate::fuzz::fuzz(crate::fuzz::FuzzArgs::short()))?;
    // The server the native tests built, fuzzed against its own OpenAPI document.
    clock.step("server build", || {
        run(cmd("cargo").args(["build", "-p", "keyrack-server"]))
    })?;
    clock.step("conformance (SQLite)", || {
        crate::conformance::conformance(crate::conformance::ConformanceArgs::default())
    })?;
    clock.step("conformance (PostgreSQL)", || {
        crate::conformance::conformance(crate::conformance::ConformanceArgs::postgres(
            &postgres_url,
        ))
    })?;
    clock.step("wasm tests (Chromium)", || {
        run(cmd("cargo")
            .args(["test", "-p", "keyrack", "--target", WASM_TARGET])
            .env("CHROMEDRIVER", "/usr/bin/chromedriver")
            .env("WASM_BINDGEN_TEST_TIMEOUT", "300"))
    })?;
    drop(clock);
    eprintln!("xtask test: all checks and tests passed");
    Ok(())
}

/// The SPA with its browser tests, and the libraries and worker it runs (their native test
/// dependencies, such as proptest, do not build for wasm32).
fn clippy_wasm() -> Result<()> {
    run(cmd("cargo").args([
        "clippy",
        "-p",
        "keyrack",
        "--target",
        WASM_TARGET,
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    run(cmd("cargo").args([
        "clippy",
        "-p",
        "keyrack-api",
        "-p",
        "keyrack-keygen",
        "--lib",
        "--bins",
        "--target",
        WASM_TARGET,
        "--",
        "-D",
        "warnings",
    ]))
}
