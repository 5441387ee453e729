//! A test CA and a server certificate it signs for `127.0.0.1` and `localhost`, as PEM files
//! for `--tls-cert`/`--tls-key` and for clients (`curl --cacert`, reqwest).

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

/// The files, in a directory that lives as long as this.
pub struct TestTls {
    /// The CA certificate (PEM): what clients trust.
    pub ca: PathBuf,
    /// The server's certificate (PEM), for `--tls-cert`.
    pub cert: PathBuf,
    /// The server's private key (PEM, PKCS#8), for `--tls-key`.
    pub key: PathBuf,
    ca_pem: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestTls {
    /// A fresh CA and server certificate in a temporary directory.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut tls = Self::new_in(dir.path());
        tls._dir = Some(dir);
        tls
    }

    /// A fresh CA and server certificate written into `dir` (which the caller keeps).
    pub fn new_in(dir: &Path) -> Self {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "Keyrack test CA");
        let ca_key = KeyPair::generate().expect("CA key");
        let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
        let issuer = Issuer::new(ca_params, ca_key);

        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
                .expect("server params");
        params
            .distinguished_name
            .push(DnType::CommonName, "127.0.0.1");
        let key = KeyPair::generate().expect("server key");
        let cert = params.signed_by(&key, &issuer).expect("server certificate");

        let write = |name: &str, text: &str| {
            let path = dir.join(name);
            std::fs::write(&path, text).expect("write a PEM file");
            path
        };
        let ca_pem = ca_cert.pem();
        let key_file = write("server-key.pem", &key.serialize_pem());
        // The server refuses a key others could read.
        std::fs::set_permissions(
            &key_file,
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .expect("chmod the key");
        Self {
            ca: write("ca.pem", &ca_pem),
            cert: write("server.pem", &cert.pem()),
            key: key_file,
            ca_pem,
            _dir: None,
        }
    }

    /// The same CA, certificate and key, copied into `dir` (which the caller keeps): files
    /// a test may rewrite, as a renewal does.
    pub fn copy_to(&self, dir: &Path) -> Self {
        let copy = |from: &Path| {
            let to = dir.join(from.file_name().expect("a file"));
            std::fs::copy(from, &to).expect("copy a PEM file");
            to
        };
        Self {
            ca: copy(&self.ca),
            cert: copy(&self.cert),
            key: copy(&self.key),
            ca_pem: self.ca_pem.clone(),
            _dir: None,
        }
    }

    /// An HTTP client that trusts this CA (and nothing else).
    pub fn client(&self) -> reqwest::Client {
        let ca = reqwest::Certificate::from_pem(self.ca_pem.as_bytes()).expect("CA PEM");
        super::process::pooled_client()
            .tls_built_in_root_certs(false)
            .add_root_certificate(ca)
            .build()
            .expect("HTTPS client")
    }
}
