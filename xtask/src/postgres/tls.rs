//! TLS for our own cluster: a test CA and a server certificate made with the openssl CLI.

use std::path::Path;

use anyhow::{Context, Result};

use super::owner::as_owner;
use crate::shell::run;

/// The cluster's certificate, in its data directory (with `server.key`, and `ca.crt`, the
/// test CA that signed it).
pub const CERTIFICATE: &str = "server.crt";

/// `ssl = on` with a certificate for `localhost` and `127.0.0.1` that a test CA of its own
/// signed, made with the openssl CLI, so the tests reach this cluster over TLS as they reach
/// a system one (the server's default `sslmode=prefer` takes TLS when offered;
/// `sslmode=verify-full&sslrootcert=target/pg-cluster/data/ca.crt` checks it). Read when
/// the cluster starts.
pub fn enable_tls(data: &Path) -> Result<()> {
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
