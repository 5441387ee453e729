//! HTTPS without a proxy: `--tls-cert FILE --tls-key FILE` (PEM). rustls with the `ring`
//! provider terminates TLS, and the server runs on top of [`TlsListener`] exactly as on a
//! plain TCP listener, graceful shutdown included. The certificate and key are read again on
//! `SIGHUP` ([`Certificate::reload`]): a renewed certificate takes effect for new
//! connections without a restart, and connections already open keep theirs.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::rustls::crypto::{ring, CryptoProvider};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::{ClientHello, ResolvesServerCert};
use tokio_rustls::rustls::sign::CertifiedKey;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use crate::error::BoxError;

/// How long a client may take to finish the TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Handshaken connections waiting for the server to take them.
const BACKLOG: usize = 128;

/// The certificate and key the server presents, read from their files at start and again
/// on [`Certificate::reload`].
#[derive(Debug)]
pub struct Certificate {
    cert: PathBuf,
    key: PathBuf,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
}

impl Certificate {
    /// Reads `cert` and `key`; errors name the flag and the file.
    pub fn load(cert: &Path, key: &Path) -> Result<Arc<Self>, BoxError> {
        let provider = Arc::new(ring::default_provider());
        let current = read_pair(cert, key, &provider)?;
        Ok(Arc::new(Self {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            provider,
            current: RwLock::new(Arc::new(current)),
        }))
    }

    /// Reads the files again and, when they make a certificate, presents it to every new
    /// connection. On an error the one in use stays, and the error says why.
    pub fn reload(&self) -> Result<(), BoxError> {
        let fresh = read_pair(&self.cert, &self.key, &self.provider)?;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(fresh);
        Ok(())
    }

    /// The rustls configuration that presents this certificate.
    pub fn server_config(self: &Arc<Self>) -> Result<Arc<ServerConfig>, BoxError> {
        let mut config = ServerConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        // The server speaks HTTP/1.1 only.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

impl ResolvesServerCert for Certificate {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        )
    }
}

/// The certificate chain of `cert` and the private key of `key`, checked to belong together.
fn read_pair(cert: &Path, key: &Path, provider: &CryptoProvider) -> Result<CertifiedKey, BoxError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<_, _>>())
        .map_err(|e| format!("--tls-cert {}: {e}", cert.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "--tls-cert {}: no PEM certificate (BEGIN CERTIFICATE) in it",
            cert.display()
        )
        .into());
    }
    check_key_mode(key)?;
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("--tls-key {}: no PEM private key: {e}", key.display()))?;
    CertifiedKey::from_der(certs, key, provider)
        .map_err(|e| format!("--tls-cert and --tls-key do not make a certificate: {e}").into())
}

/// Refuses a key file that other users could read: whoever reads it can impersonate the
/// server to every agent and person.
#[cfg(unix)]
fn check_key_mode(key: &Path) -> Result<(), BoxError> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(key)
        .map_err(|e| format!("--tls-key {}: {e}", key.display()))?
        .permissions()
        .mode();
    if mode & 0o044 != 0 {
        return Err(format!(
            "--tls-key {}: the private key is readable by {} (mode {:o}); make it readable \
             by its owner only: chmod 600 {}",
            key.display(),
            if mode & 0o004 != 0 {
                "every user"
            } else {
                "its group"
            },
            mode & 0o777,
            key.display()
        )
        .into());
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_key_mode(_key: &Path) -> Result<(), BoxError> {
    Ok(())
}

/// A TCP listener whose connections come out TLS-handshaken. Handshakes run in their own
/// tasks, so a slow or silent client never holds up the others; one that does not finish in
/// [`HANDSHAKE_TIMEOUT`] is dropped. Dropping the listener (as `serve` does when a graceful
/// shutdown begins) closes the port.
pub struct TlsListener {
    incoming: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local_addr: SocketAddr,
}

impl TlsListener {
    /// Accepts on `listener` with `config`. Must be called inside a Tokio runtime.
    pub fn new(listener: TcpListener, config: Arc<ServerConfig>) -> io::Result<Self> {
        let local_addr = listener.local_addr()?;
        let (tx, incoming) = mpsc::channel(BACKLOG);
        tokio::spawn(accept_loop(listener, TlsAcceptor::from(config), tx));
        Ok(Self {
            incoming,
            local_addr,
        })
    }
}

async fn accept_loop(
    mut listener: TcpListener,
    acceptor: TlsAcceptor,
    tx: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    loop {
        let (tcp, addr) = tokio::select! {
            () = tx.closed() => return,
            // axum's accept: it logs and backs off on errors such as too many open files.
            accepted = axum::serve::Listener::accept(&mut listener) => accepted,
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => {
                    let _ = tx.send((tls, addr)).await;
                }
                Ok(Err(e)) => tracing::debug!(%addr, error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!(%addr, "TLS handshake timed out"),
            }
        });
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.incoming.recv().await {
            Some(connection) => connection,
            // The accept loop only ends once this receiver is gone.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}
