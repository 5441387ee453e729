//! Our own throwaway PostgreSQL cluster in `target/pg-cluster`: installed, initialised and
//! started only as far as needed, on a free port next to (never on) a system cluster's 5432.

use std::net::TcpListener;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::owner::{as_owner, OWNER};
use super::psql::answers;
use super::tls::{enable_tls, CERTIFICATE};
use crate::shell::{cmd, root, run};
use crate::system::{apt_install, is_root};

/// Ports tried for our own cluster, the first free one wins: 5432 is a system cluster's.
const CLUSTER_PORTS: RangeInclusive<u16> = 5433..=5442;
const VERSIONS_DIR: &str = "/usr/lib/postgresql";

/// Our own throwaway cluster, installed, initialised and started only as far as needed.
pub fn local_cluster() -> Result<String> {
    let dir = root().join("target/pg-cluster");
    let data = dir.join("data");
    let bin = bin_dir(&data)?;
    if !data.join("PG_VERSION").exists() {
        init(&bin, &dir, &data)?;
    }
    if !data.join(CERTIFICATE).exists() {
        enable_tls(&data)?;
    }
    if let Some(url) = running_port(&data).map(cluster_url) {
        if answers(&url) {
            return Ok(url);
        }
    }
    let port = free_port()?;
    start(&bin, &dir, &data, port)?;
    let url = cluster_url(port);
    if !answers(&url) {
        bail!(
            "the cluster started but does not answer on {url}; see {}",
            dir.join("postgres.log").display()
        );
    }
    Ok(url)
}

fn cluster_url(port: u16) -> String {
    format!("postgres://postgres@127.0.0.1:{port}/postgres")
}

/// `/usr/lib/postgresql/<major>/bin`: the existing cluster's major version, else the newest
/// installed. Installs Debian's `postgresql` when there is none.
fn bin_dir(data: &Path) -> Result<PathBuf> {
    if newest_version().is_none() {
        apt_install(&["postgresql"])?;
    }
    let made_by = std::fs::read_to_string(data.join("PG_VERSION"))
        .ok()
        .map(|v| v.trim().to_owned());
    let version = match made_by {
        Some(v) => v,
        None => newest_version()
            .with_context(|| format!("no {VERSIONS_DIR}/*/bin/initdb after installing"))?,
    };
    let bin = Path::new(VERSIONS_DIR).join(&version).join("bin");
    if !bin.join("initdb").exists() {
        bail!(
            "{} was made by PostgreSQL {version}, which is not installed; delete it to start afresh",
            data.display()
        );
    }
    Ok(bin)
}

/// The highest major version under `/usr/lib/postgresql` that has an initdb.
fn newest_version() -> Option<String> {
    std::fs::read_dir(VERSIONS_DIR)
        .ok()?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|v| Path::new(VERSIONS_DIR).join(v).join("bin/initdb").exists())
        .max_by_key(|v| v.parse::<u32>().unwrap_or(0))
}

/// `initdb` with trust auth for the `postgres` role: a throwaway cluster, reachable on
/// loopback only.
fn init(bin: &Path, dir: &Path, data: &Path) -> Result<()> {
    eprintln!("setup: creating a PostgreSQL cluster in {}", dir.display());
    // A half-made folder from an initdb that failed; initdb wants it empty.
    let _ = std::fs::remove_dir_all(data);
    std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    if is_root() {
        run(cmd("chown").arg(format!("{OWNER}:")).arg(dir))?;
    }
    run(&mut as_owner(
        &bin.join("initdb"),
        &[
            "-D".into(),
            data.display().to_string(),
            "--auth=trust".into(),
            "-U".into(),
            "postgres".into(),
            "-E".into(),
            "UTF8".into(),
            "--locale=C".into(),
            // Throwaway: no need to wait for the disk.
            "--no-sync".into(),
        ],
    ))
    .with_context(|| {
        format!(
            "initdb failed; {OWNER} must be able to write {}",
            dir.display()
        )
    })
}

/// The port in a cluster's `postmaster.pid` (its fourth line), if it has one.
fn running_port(data: &Path) -> Option<u16> {
    std::fs::read_to_string(data.join("postmaster.pid"))
        .ok()?
        .lines()
        .nth(3)?
        .trim()
        .parse()
        .ok()
}

/// The first of [`CLUSTER_PORTS`] that nothing listens on.
fn free_port() -> Result<u16> {
    CLUSTER_PORTS
        .clone()
        .find(|&port| TcpListener::bind(("127.0.0.1", port)).is_ok())
        .with_context(|| {
            format!(
                "ports {}-{} are all taken",
                CLUSTER_PORTS.start(),
                CLUSTER_PORTS.end()
            )
        })
}

/// `pg_ctl start`, waiting until it takes connections: TCP on loopback only, its socket in
/// /tmp (its owner may not write Debian's /var/run/postgresql), its log beside the data.
fn start(bin: &Path, dir: &Path, data: &Path, port: u16) -> Result<()> {
    let log = dir.join("postgres.log");
    eprintln!(
        "setup: starting the PostgreSQL cluster in {} on port {port}",
        dir.display()
    );
    run(&mut as_owner(
        &bin.join("pg_ctl"),
        &[
            "-D".into(),
            data.display().to_string(),
            "-l".into(),
            log.display().to_string(),
            "-w".into(),
            "-o".into(),
            format!("-p {port} -k /tmp -c listen_addresses=127.0.0.1"),
            "start".into(),
        ],
    ))
    .with_context(|| format!("could not start PostgreSQL; see {}", log.display()))
}
