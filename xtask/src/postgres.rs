//! PostgreSQL for the server's tests: the admin URL on which they `CREATE DATABASE` and
//! `DROP DATABASE` their own throwaway databases. `KEYRACK_TEST_POSTGRES_URL` wins; else a
//! server answering on the usual address; else a cluster of our own in `target/pg-cluster`,
//! on a free port next to (never on) a system cluster's 5432.

use std::net::TcpListener;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::shell::{cmd, output, root, run};
use crate::system::{apt_install, is_root};

/// The admin URL; the server's test suites read it too.
pub const URL_ENV: &str = "KEYRACK_TEST_POSTGRES_URL";
/// The test suites' backend: `sqlite` (their default) or `postgres`.
pub const DATABASE_ENV: &str = "KEYRACK_TEST_DATABASE";
/// Where a developer's or CI's PostgreSQL usually listens, with trust auth for `postgres`.
const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// Ports tried for our own cluster, the first free one wins: 5432 is a system cluster's.
const CLUSTER_PORTS: RangeInclusive<u16> = 5433..=5442;
/// The cluster's OS owner when we are root: initdb and pg_ctl refuse to run as root.
const OWNER: &str = "postgres";
const VERSIONS_DIR: &str = "/usr/lib/postgresql";

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

/// Our own throwaway cluster, installed, initialised and started only as far as needed.
fn local_cluster() -> Result<String> {
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

/// The cluster's certificate, in its data directory (with `server.key`, and `ca.crt`, the
/// test CA that signed it).
const CERTIFICATE: &str = "server.crt";

/// `ssl = on` with a certificate for `localhost` and `127.0.0.1` that a test CA of its own
/// signed, made with the openssl CLI, so the tests reach this cluster over TLS as they reach
/// a system one (the server's default `sslmode=prefer` takes TLS when offered;
/// `sslmode=verify-full&sslrootcert=target/pg-cluster/data/ca.crt` checks it). Read when
/// the cluster starts.
fn enable_tls(data: &Path) -> Result<()> {
    let file = |name: &str| data.join(name).display().to_string();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let steps: [Vec<String>; 3] = [
        [
            "req",
            "-x509",
            "-new",
            "-days",
            "3650",
            "-subj",
            "/CN=Keyrack cluster test CA",
        ]
        .iter()
        .chain(&ec)
        .map(|s| (*s).to_owned())
        .chain([
            "-keyout".into(),
            file("ca.key"),
            "-out".into(),
            file("ca.crt"),
        ])
        .collect(),
        ["req", "-new", "-subj", "/CN=localhost"]
            .iter()
            .chain(&ec)
            .map(|s| (*s).to_owned())
            .chain([
                "-addext".into(),
                "subjectAltName=DNS:localhost,IP:127.0.0.1".into(),
                "-keyout".into(),
                file("server.key"),
                "-out".into(),
                file("server.csr"),
            ])
            .collect(),
        [
            "x509",
            "-req",
            "-days",
            "3650",
            "-copy_extensions",
            "copy",
            "-CAcreateserial",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .chain([
            "-in".into(),
            file("server.csr"),
            "-CA".into(),
            file("ca.crt"),
            "-CAkey".into(),
            file("ca.key"),
            "-out".into(),
            file(CERTIFICATE),
        ])
        .collect(),
    ];
    for args in &steps {
        run(&mut as_owner(Path::new("openssl"), args))
            .context("openssl could not make the cluster's test certificate")?;
    }
    run(&mut as_owner(
        Path::new("chmod"),
        &["600".into(), file("server.key"), file("ca.key")],
    ))?;
    let mut conf = std::fs::OpenOptions::new()
        .append(true)
        .open(data.join("postgresql.conf"))
        .context("the cluster's postgresql.conf")?;
    std::io::Write::write_all(
        &mut conf,
        b"\n# cargo xtask setup: TLS with a test certificate\nssl = on\n\
          ssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n",
    )?;
    Ok(())
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

/// A command run as the cluster's owner: `postgres` through su when we are root, else
/// ourselves.
fn as_owner(program: &Path, args: &[String]) -> Command {
    let program = program.display().to_string();
    let mut c = if is_root() {
        let line = std::iter::once(&program)
            .chain(args)
            .map(|word| shell_quote(word))
            .collect::<Vec<_>>()
            .join(" ");
        let mut su = Command::new("su");
        su.args([OWNER, "-s", "/bin/sh", "-c", &line]);
        su
    } else {
        let mut direct = Command::new(&program);
        direct.args(args);
        direct
    };
    // The owner may not be allowed into the workspace's parents; "/" it can always enter.
    c.current_dir("/");
    c
}

/// One word for sh, whatever it holds: `a'b` → `'a'\''b'`.
fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// Whether `url` takes a session and runs a query on it.
fn answers(url: &str) -> bool {
    output(&mut psql(url, "select 1")).as_deref() == Some("1")
}

/// psql running one statement on `url`: no ~/.psqlrc, stop at the first error, bare output,
/// and a short connect timeout so that a silent host cannot hang setup.
fn psql(url: &str, sql: &str) -> Command {
    let mut c = cmd("psql");
    c.args([url, "-X", "-v", "ON_ERROR_STOP=1", "-Atq", "-c", sql])
        .env("PGCONNECT_TIMEOUT", "5");
    c
}

/// Runs one statement as the admin, showing psql's errors but never the URL's password.
fn execute(admin_url: &str, sql: &str) -> Result<()> {
    let shown = mask_password(admin_url);
    eprintln!("$ psql {shown} -c '{sql}'");
    let status = psql(admin_url, sql)
        .stdout(Stdio::null())
        .status()
        .context("could not start psql (Debian: postgresql-client)")?;
    if !status.success() {
        bail!("psql on {shown}: `{sql}` failed ({status})");
    }
    Ok(())
}

/// A fresh database on the admin URL's server, dropped `WITH (FORCE)` (its connections
/// closed) when this goes out of scope, whatever happened in between.
pub struct TempDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl TempDatabase {
    /// `CREATE DATABASE <prefix>_<random hex>`.
    pub fn create(admin_url: &str, prefix: &str) -> Result<Self> {
        let name = format!("{prefix}_{}", crate::random::random_hex(8)?);
        let url = with_database(admin_url, &name)?;
        execute(admin_url, &format!("CREATE DATABASE \"{name}\""))?;
        Ok(Self {
            admin_url: admin_url.to_owned(),
            name,
            url,
        })
    }

    /// The database's own URL: the admin URL with its database path replaced.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        if let Err(e) = execute(&self.admin_url, &sql) {
            eprintln!("warning: database {} was left behind: {e:#}", self.name);
        }
    }
}

/// `admin_url` with its database path replaced by `name`, any query string kept:
/// `postgres://u@h:5432/postgres?sslmode=disable` → `postgres://u@h:5432/<name>?sslmode=disable`.
pub fn with_database(admin_url: &str, name: &str) -> Result<String> {
    let (scheme, rest) = admin_url
        .split_once("://")
        .with_context(|| format!("{} is not a URL", mask_password(admin_url)))?;
    let (before_query, query) = rest.split_at(rest.find('?').unwrap_or(rest.len()));
    let authority = before_query
        .split_once('/')
        .map_or(before_query, |(authority, _)| authority);
    Ok(format!("{scheme}://{authority}/{name}{query}"))
}

/// A database URL fit to print: the password in its user part or its `password=` parameter
/// replaced by `***`.
pub fn mask_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let params = query
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some(("password", _)) => "password=***",
                    _ => p,
                })
                .collect::<Vec<_>>()
                .join("&");
            format!("{path}?{params}")
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// `bytes` random bytes in lowercase hex.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_database_and_keeps_the_query() {
        let url = |admin| with_database(admin, "db1").expect("a URL");
        assert_eq!(
            url("postgres://postgres@127.0.0.1:5432/postgres"),
            "postgres://postgres@127.0.0.1:5432/db1"
        );
        assert_eq!(
            url("postgresql://u:p@h/postgres?sslmode=disable"),
            "postgresql://u:p@h/db1?sslmode=disable"
        );
        assert_eq!(url("postgres://h:5432"), "postgres://h:5432/db1");
        assert_eq!(
            url("postgres://h?sslmode=require"),
            "postgres://h/db1?sslmode=require"
        );
        assert!(with_database("not a url", "db1").is_err());
    }

    #[test]
    fn masks_passwords_only() {
        assert_eq!(
            mask_password("postgres://kr:s3cr:et@db.example:5432/keyrack"),
            "postgres://kr:***@db.example:5432/keyrack"
        );
        assert_eq!(
            mask_password("postgres://kr@h/k?sslmode=require&password=x"),
            "postgres://kr@h/k?sslmode=require&password=***"
        );
        assert_eq!(
            mask_password("postgres://postgres@127.0.0.1:5432/postgres"),
            "postgres://postgres@127.0.0.1:5432/postgres"
        );
        assert_eq!(
            mask_password("sqlite://data/keyrack.db"),
            "sqlite://data/keyrack.db"
        );
    }

    #[test]
    fn quotes_for_sh() {
        assert_eq!(shell_quote("-p 5433 -k /tmp"), "'-p 5433 -k /tmp'");
        assert_eq!(shell_quote("a'b"), r"'a'\''b'");
    }
}
