//! `cargo xtask bench --load`: the API under load, on SQLite and on PostgreSQL.
//!
//! For each backend: a fresh database (SQLite in a scratch folder, PostgreSQL as
//! `keyrack_bench_<hex>` on the admin URL of `KEYRACK_TEST_POSTGRES_URL`, dropped afterwards),
//! seeded by the `load_seed` example (100,000 key pairs, 10,000 instances), served by the
//! release server, and measured with `wrk` (a separate process on loopback) scenario by
//! scenario. One table compares the backends against the targets: every read's p99 at most
//! 10 ms; at least 1,000 creates a second on PostgreSQL. Then agent lookups alone and under
//! 100 parallel exports ([`lookups`]): p99 under 100 ms.
//!
//! `KEYRACK_BENCH_KEEP=1` keeps the databases (and the scratch folder) for `EXPLAIN`.

mod agent;
mod args;
mod flood;
mod lookups;
mod lua;
mod measure;
mod report;
mod scenarios;
mod seed;
mod server;
mod wrk;

use std::time::Instant;

use anyhow::Result;

use crate::postgres::{mask_password, TempDatabase, URL_ENV};
use crate::shell::{cmd, run};
use crate::system::apt_install;
pub use args::{BackendKind, LoadArgs};
use flood::FloodMeasured;
use measure::measure_backend;
use report::{print_floods, print_table};
use wrk::Measured;

const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const KEEP_ENV: &str = "KEYRACK_BENCH_KEEP";

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
