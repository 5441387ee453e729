//! A throwaway PostgreSQL cluster of the test's own, serving TLS with a certificate that a
//! test CA signed for the names asked: initdb and pg_ctl (as the `postgres` OS user when the
//! tests run as root; initdb refuses root), its data in a temporary directory, on a free
//! loopback port. Stopped and deleted when dropped. Starts in about 2–3 s.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

const VERSIONS_DIR: &str = "/usr/lib/postgresql";
/// The cluster's OS owner when the tests run as root.
const OWNER: &str = "postgres";

/// A running cluster; dropped, it stops (`pg_ctl stop -m immediate`) and its files go.
pub struct PgCluster {
    bin: PathBuf,
    data: PathBuf,
    /// Its TCP port on 127.0.0.1.
    pub port: u16,
    /// The CA that signed the server's certificate (PEM), for `sslrootcert`.
    pub ca: PathBuf,
    dir: tempfile::TempDir,
}

impl PgCluster {
    /// A cluster with `ssl = on` and a server certificate for `names` (DNS names or IP
    /// addresses), trust authentication for `postgres` on 127.0.0.1.
    pub fn start_tls(names: &[&str]) -> Self {
        let bin = bin_dir();
        let dir = tempfile::Builder::new()
            .prefix("keyrack-pg-")
            .tempdir()
            .expect("temp dir");
        let data = dir.path().join("data");
        if is_root() {
            run(Command::new("chown")
                .arg(format!("{OWNER}:"))
                .arg(dir.path()));
        }
        run(&mut as_owner(
            &bin.join("initdb"),
            &[
                "-D",
                &data.display().to_string(),
                "--auth=trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        ));
        let ca = test_ca(dir.path(), &data, names);
        let port = free_port();
        let conf = format!(
            "\n# keyrack tests\nlisten_addresses = '127.0.0.1'\nport = {port}\n\
             unix_socket_directories = '{}'\nssl = on\nssl_cert_file = 'server.crt'\n\
             ssl_key_file = 'server.key'\nfsync = off\nmax_connections = 60\n",
            dir.path().display()
        );
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .expect("postgresql.conf");
        std::io::Write::write_all(&mut file, conf.as_bytes()).expect("append the settings");
        let cluster = Self {
            bin,
            data,
            port,
            ca,
            dir,
        };
        cluster.start();
        cluster
    }

    /// `pg_ctl start`, waiting until it takes connections (again, after [`Self::stop`]).
    pub fn start(&self) {
        let log = self.dir.path().join("postgres.log");
        let data = self.data.display().to_string();
        let log_arg = log.display().to_string();
        let started = self.pg_ctl(&["-D", &data, "-l", &log_arg, "-w", "start"]);
        assert!(
            started,
            "pg_ctl start failed: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    /// `pg_ctl stop -m fast`: every session ends (57P01), and nothing answers until
    /// [`Self::start`].
    pub fn stop(&self) {
        let data = self.data.display().to_string();
        assert!(
            self.pg_ctl(&["-D", &data, "-m", "fast", "-w", "stop"]),
            "pg_ctl stop"
        );
    }

    fn pg_ctl(&self, args: &[&str]) -> bool {
        as_owner(&self.bin.join("pg_ctl"), args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// `postgres://postgres@HOST:PORT/DB` plus `query` (`sslmode=…`), as given.
    pub fn url(&self, host: &str, db: &str, query: &str) -> String {
        format!("postgres://postgres@{host}:{}/{db}?{query}", self.port)
    }

    /// `sslmode=verify-full&sslrootcert=<the CA>`.
    pub fn verify_full(&self) -> String {
        format!("sslmode=verify-full&sslrootcert={}", self.ca.display())
    }

    /// The directory the cluster lives in (its log is `postgres.log` there).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.data.display().to_string();
        self.pg_ctl(&["-D", &data, "-m", "immediate", "-w", "stop"]);
    }
}

/// A CA (its certificate written to `dir/ca.pem`) and a server certificate it signs for
/// `names`, written into the data directory as `server.crt` and `server.key` (0600, the
/// owner's, as PostgreSQL requires).
fn test_ca(dir: &Path, data: &Path, names: &[&str]) -> PathBuf {
    let (ca_pem, issuer) = new_ca("Keyrack PostgreSQL test CA");
    let mut params =
        CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
            .expect("server params");
    params
        .distinguished_name
        .push(DnType::CommonName, names.first().copied().unwrap_or("db"));
    let key = KeyPair::generate().expect("server key");
    let cert = params.signed_by(&key, &issuer).expect("server certificate");
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, ca_pem).expect("write the CA");
    let (crt, pem_key) = (data.join("server.crt"), data.join("server.key"));
    std::fs::write(&crt, cert.pem()).expect("write the certificate");
    std::fs::write(&pem_key, key.serialize_pem()).expect("write the key");
    if is_root() {
        run(Command::new("chown")
            .arg(format!("{OWNER}:"))
            .arg(&crt)
            .arg(&pem_key));
    }
    run(Command::new("chmod").arg("600").arg(&pem_key));
    ca
}

/// A fresh self-signed CA: its certificate (PEM) and what signs with it.
pub fn new_ca(name: &str) -> (String, Issuer<'static, KeyPair>) {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    let key = KeyPair::generate().expect("CA key");
    let cert = params.self_signed(&key).expect("CA certificate");
    (cert.pem(), Issuer::new(params, key))
}

/// `/usr/lib/postgresql/<newest>/bin`.
fn bin_dir() -> PathBuf {
    let newest = std::fs::read_dir(VERSIONS_DIR)
        .unwrap_or_else(|e| panic!("no {VERSIONS_DIR} ({e}): install PostgreSQL"))
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|v| Path::new(VERSIONS_DIR).join(v).join("bin/initdb").exists())
        .max_by_key(|v| v.parse::<u32>().unwrap_or(0))
        .expect("an installed PostgreSQL with initdb");
    Path::new(VERSIONS_DIR).join(newest).join("bin")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// `program args…` as the cluster's owner: through su when root, else directly.
fn as_owner(program: &Path, args: &[&str]) -> Command {
    let mut c = if is_root() {
        let line = std::iter::once(program.display().to_string())
            .chain(args.iter().map(|a| (*a).to_owned()))
            .map(|word| format!("'{}'", word.replace('\'', r"'\''")))
            .collect::<Vec<_>>()
            .join(" ");
        let mut su = Command::new("su");
        su.args([OWNER, "-s", "/bin/sh", "-c", &line]);
        su
    } else {
        let mut direct = Command::new(program);
        direct.args(args);
        direct
    };
    c.current_dir("/");
    c
}

fn run(command: &mut Command) {
    let out = command.output().expect("run a command");
    assert!(
        out.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
