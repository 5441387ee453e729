//! `cargo xtask test`: every check and test, in the order that fails fastest. `.ci/run`
//! runs exactly this.

use anyhow::Result;

use crate::shell::{cmd, run};

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Options of `cargo xtask test`.
#[derive(clap::Args)]
pub struct TestArgs {
    /// Skip `cargo fmt --check` and clippy.
    #[arg(long)]
    no_lint: bool,
}

/// Runs fmt and clippy (native and wasm32), a release build of the SPA, the native tests
/// (keyrack-api, keyrack-keygen, and keyrack-server's integration tests against the real
/// binary, sshd and Chromium), cargo-deny's license, ban and source checks, a short run of
/// each fuzz target, schemathesis against the running server's OpenAPI document, and the
/// SPA's component tests in headless Chromium.
pub fn test(args: TestArgs) -> Result<()> {
    crate::setup::setup()?;
    if !args.no_lint {
        run(cmd("cargo").args(["fmt", "--all", "--", "--check"]))?;
        run(cmd("cargo").args([
            "clippy",
            "--workspace",
            "--exclude",
            "keyrack",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))?;
        // The SPA with its browser tests, and the libraries and worker it runs (their
        // native test dependencies, such as proptest, do not build for wasm32).
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
        ]))?;
    }
    // The release SPA first: the server's tests that serve a built console use dist/.
    crate::run::build_spa()?;
    run(cmd("cargo").args(["test", "--workspace", "--exclude", "keyrack"]))?;
    // Supply chain: licenses, banned crates and sources (crates.io only). Advisories need
    // the RustSec database from GitHub, which CI cannot reach; see deny.toml.
    run(cmd("cargo").args(["deny", "check", "licenses", "bans", "sources"]))?;
    // keyrack-api's parser and validators under libFuzzer, a short run per target.
    crate::fuzz::fuzz(crate::fuzz::FuzzArgs::short())?;
    // The server the native tests built, fuzzed against its own OpenAPI document.
    run(cmd("cargo").args(["build", "-p", "keyrack-server"]))?;
    crate::conformance::conformance(crate::conformance::ConformanceArgs::default())?;
    run(cmd("cargo")
        .args(["test", "-p", "keyrack", "--target", WASM_TARGET])
        .env("CHROMEDRIVER", "/usr/bin/chromedriver")
        .env("WASM_BINDGEN_TEST_TIMEOUT", "300"))?;
    eprintln!("xtask test: all checks and tests passed");
    Ok(())
}
