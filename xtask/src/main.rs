//! `cargo xtask setup | run | test | conformance | fuzz | advisories | bench`: one entry point for
//! everything a developer or CI does, so the README's two commands stay true on a fresh
//! machine.

mod advisories;
mod bench;
mod clock;
mod compress;
mod conformance;
mod fuzz;
mod i18n;
mod load;
mod postgres;
mod process;
mod random;
mod run;
mod setup;
mod shell;
mod spa;
mod system;
mod test;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Keyrack developer commands")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install what is missing: wasm32 target, Trunk, wasm-bindgen CLI, wasm-split-cli,
    /// wasm-opt, esbuild, Chromium,
    /// cargo-deny, cargo-fuzz, schemathesis; find or start PostgreSQL for the tests.
    Setup,
    /// Build the console (release, split wasm, compressed copies) into dist/.
    Spa,
    /// Build the SPA and the server, then start the console with demo data (on
    /// KEYRACK_DATABASE_URL's database when set).
    Run(run::RunArgs),
    /// Run every check and test: fmt, clippy, native (on SQLite, then PostgreSQL), wasm in
    /// headless Chromium.
    Test(test::TestArgs),
    /// Fuzz the running server against its OpenAPI document with schemathesis.
    Conformance(conformance::ConformanceArgs),
    /// Run the cargo-fuzz targets (public-key parsing, validators) for a while each.
    Fuzz(fuzz::FuzzArgs),
    /// Check the workspace's and fuzz/'s dependencies against the RustSec advisory database
    /// (offline, from the snapshot in ../shared/advisory-db) with cargo-deny.
    Advisories,
    /// Check the console's two languages: every message in both, no text outside the
    /// catalogue (i18n/*.toml).
    I18n,
    /// Measure performance budgets (first-load size, key generation); with `--load`, the API
    /// under load on SQLite and PostgreSQL instead.
    Bench(bench::BenchArgs),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Setup => setup::setup().map(drop),
        Command::I18n => i18n::check(),
        Command::Spa => {
            let mut clock = clock::Clock::start("xtask spa", setup::RUN_TOOLS + 1);
            setup::setup_run(&mut clock)?;
            clock.step("console build", spa::build_spa)
        }
        Command::Run(args) => run::run(args),
        Command::Test(args) => test::test(args),
        Command::Conformance(args) => conformance::conformance(args),
        Command::Fuzz(args) => fuzz::fuzz(args),
        Command::Advisories => advisories::advisories(),
        Command::Bench(args) => bench::bench(&args),
    }
}
