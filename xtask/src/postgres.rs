//! PostgreSQL for the server's tests: the admin URL on which they `CREATE DATABASE` and
//! `DROP DATABASE` their own throwaway databases. `KEYRACK_TEST_POSTGRES_URL` wins; else a
//! server answering on the usual address; else a cluster of our own in `target/pg-cluster`,
//! on a free port next to (never on) a system cluster's 5432.

mod cluster;
mod owner;
mod psql;
mod temp_database;
mod tls;
mod url;

use std::time::Instant;

use anyhow::{Context, Result};

use cluster::local_cluster;
use psql::answers;
pub use temp_database::TempDatabase;
pub use url::mask_password;

/// The admin URL; the server's test suites read it too.
pub const URL_ENV: &str = "KEYRACK_TEST_POSTGRES_URL";
/// The test suites' backend: `sqlite` (their default) or `postgres`.
pub const DATABASE_ENV: &str = "KEYRACK_TEST_DATABASE";
/// Where a developer's or CI's PostgreSQL usually listens, with trust auth for `postgres`.
const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Finds or starts the server, says in one line which one the tests use, and returns its
/// admin URL.
pub fn setup() -> Result<String> {
    if let Some(url) = std::env::var(URL_ENV).ok().filter(|u| !u.is_empty()) {
        eprintln!(
            "setup: PostgreSQL tests use {} (from {URL_ENV})",
            mask_password(&url)
        );
        return Ok(url);
    }
    if answers(DEFAULT_URL) {
        eprintln!("setup: PostgreSQL tests use {DEFAULT_URL} (already running)");
        return Ok(DEFAULT_URL.to_owned());
    }
    let started = Instant::now();
    let url = local_cluster().with_context(|| {
        format!(
            "no PostgreSQL answers at {DEFAULT_URL} and none could be started in \
             target/pg-cluster; set {URL_ENV} to an admin URL on which the tests may create \
             databases"
        )
    })?;
    eprintln!(
        "setup: PostgreSQL tests use {url} (the cluster in target/pg-cluster, ready in {:.0} s)",
        started.elapsed().as_secs_f64()
    );
    Ok(url)
}
