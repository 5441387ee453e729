//! How the connections to PostgreSQL are protected: the URL's `sslmode` and `sslrootcert`,
//! the warning a weak choice gets, and `--database-require-tls`.
//!
//! sqlx 0.8 is built with rustls on ring, trusting the operating system's CA store
//! (`rustls-native-certs`: `SSL_CERT_FILE`/`SSL_CERT_DIR`, else `/etc/ssl/certs`), to which
//! the certificates of `sslrootcert` are *added*: with `sslrootcert`, a certificate from a
//! public CA for the same host name passes too (libpq trusts only that file). What each mode
//! does in sqlx (sqlx-postgres' `connection/tls.rs`), read from its source:
//! - `disable`, and `allow` (which sqlx treats as `disable`): plaintext.
//! - `prefer` (the default, unless `PGSSLMODE` says otherwise): TLS when the server offers it,
//!   else plaintext; the certificate is never checked.
//! - `require`: TLS or no connection; the certificate is never checked. libpq checks it as
//!   `verify-ca` when a root certificate is given, sqlx does not; so `require` with
//!   `sslrootcert` is turned into `verify-ca` here, as libpq would run it.
//! - `verify-ca`: the chain must end at a trusted CA, for any host name; but sqlx's verifier
//!   forgives only rustls' `NotValidForName`, and rustls 0.23.46 reports a wrong name as
//!   `NotValidForNameContext`, so the name is checked too (as `verify-full`; stricter than
//!   libpq, never weaker). `tests/database_link.rs` notices when that changes.
//! - `verify-full`: the chain and the URL's host (a DNS name, or an IP address in the
//!   certificate's IP SANs).
//!
//! A host counts as loopback when the URL names a Unix socket, `localhost`, or a literal
//! address in 127.0.0.0/8 or `::1`: nothing crosses a network. A name that merely resolves to
//! loopback does not count: what it resolves to can change.

use std::net::IpAddr;
use std::str::FromStr;

use sqlx::any::AnyConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgSslMode};

use super::AppError;

/// The protection a PostgreSQL URL asks for, as sqlx will apply it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transport {
    /// The host connected to (or the Unix socket's directory).
    host: String,
    /// Whether the connection never leaves the machine.
    loopback: bool,
    /// The effective mode (`require` with a root certificate counts as `verify-ca`).
    mode: Mode,
    /// Whether `sslrootcert` (or `PGSSLROOTCERT`) names CA certificates.
    root_cert: bool,
}

/// `sslmode`, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mode {
    /// `disable` or `allow`: plaintext.
    Disable,
    /// `prefer`: TLS if offered, unchecked.
    Prefer,
    /// `require`: TLS, unchecked.
    Require,
    /// `verify-ca`: TLS, the chain checked.
    VerifyCa,
    /// `verify-full`: TLS, the chain and the host name checked.
    VerifyFull,
}

impl Mode {
    /// The `sslmode` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::Prefer => "prefer",
            Self::Require => "require",
            Self::VerifyCa => "verify-ca",
            Self::VerifyFull => "verify-full",
        }
    }
}

impl Transport {
    /// The protection of a `postgres://` URL (with the `PG…` environment variables sqlx also
    /// reads); `None` for SQLite.
    pub fn of(url: &str) -> Result<Option<Self>, AppError> {
        if super::Backend::from_url(url)? != super::Backend::Postgres {
            return Ok(None);
        }
        let options = PgConnectOptions::from_str(url)?;
        let root_cert = root_cert_given(url);
        let mode = match options.get_ssl_mode() {
            PgSslMode::Disable | PgSslMode::Allow => Mode::Disable,
            PgSslMode::Prefer => Mode::Prefer,
            PgSslMode::Require if root_cert => Mode::VerifyCa,
            PgSslMode::Require => Mode::Require,
            PgSslMode::VerifyCa => Mode::VerifyCa,
            PgSslMode::VerifyFull => Mode::VerifyFull,
        };
        let (host, loopback) = match options.get_socket() {
            Some(socket) => (socket.display().to_string(), true),
            None => {
                let host = options.get_host().to_owned();
                let loopback = is_loopback(&host);
                (host, loopback)
            }
        };
        Ok(Some(Self {
            host,
            loopback,
            mode,
            root_cert,
        }))
    }

    /// The effective mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Whether nothing crosses a network.
    pub fn is_loopback(&self) -> bool {
        self.loopback
    }

    /// The one-line warning a server starting with this URL logs: a host that is not
    /// loopback, reached with less than `verify-full`.
    pub fn warning(&self) -> Option<String> {
        if self.loopback {
            return None;
        }
        let risk = match self.mode {
            Mode::VerifyFull => return None,
            Mode::Disable => {
                "travels in plaintext: anyone on the path can read token hashes and \
                              change what is read and written"
            }
            Mode::Prefer => {
                "may travel in plaintext, and its TLS checks no certificate: anyone \
                             on the path can read or change it"
            }
            Mode::Require => {
                "is encrypted but the server's certificate is not checked: anyone \
                              on the path can pose as the database"
            }
            Mode::VerifyCa if self.root_cert => {
                "checks the certificate's CA but promises no \
                check of its host name: any server holding a certificate from that CA may pose \
                as the database"
            }
            Mode::VerifyCa => {
                "checks the certificate against the system's CAs but promises no \
                check of its host name: any server with a certificate from a public CA may pose \
                as the database"
            }
        };
        Some(format!(
            "the database connection to {} (sslmode={}) {risk}; use \
             sslmode=verify-full&sslrootcert=<CA certificate file>",
            self.host,
            self.mode.as_str()
        ))
    }

    /// `--database-require-tls`: a connection whose server certificate is not checked
    /// (below `verify-ca`) is refused, loopback or not. SQLite has no connection to protect.
    pub fn require_verified(url: &str) -> Result<(), AppError> {
        let Some(transport) = Self::of(url)? else {
            return Ok(());
        };
        if transport.mode >= Mode::VerifyCa {
            return Ok(());
        }
        Err(AppError::InsecureDatabase {
            reason: format!(
                "--database-require-tls refuses sslmode={} for {}: the server's certificate \
                 would not be checked; add sslmode=verify-full&sslrootcert=<CA certificate \
                 file> to the database URL (or verify-ca, which skips the host name)",
                transport.mode.as_str(),
                transport.host
            ),
        })
    }

    /// The URL sqlx connects with: `require` with a root certificate becomes `verify-ca`, as
    /// libpq runs it (sqlx would check nothing).
    pub(super) fn apply(&self, options: &mut AnyConnectOptions) {
        if self.mode != Mode::VerifyCa {
            return;
        }
        let url = &mut options.database_url;
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !matches!(&**k, "sslmode" | "ssl-mode"))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        url.query_pairs_mut()
            .clear()
            .extend_pairs(kept)
            .append_pair("sslmode", Mode::VerifyCa.as_str());
    }
}

/// Whether the URL (or `PGSSLROOTCERT`, which sqlx reads when the URL says nothing) names
/// root certificates.
fn root_cert_given(url: &str) -> bool {
    let in_url = url.split_once('?').is_some_and(|(_, query)| {
        query.split('&').any(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            matches!(key, "sslrootcert" | "ssl-root-cert" | "ssl-ca") && !value.is_empty()
        })
    });
    in_url || std::env::var_os("PGSSLROOTCERT").is_some_and(|v| !v.is_empty())
}

/// `localhost`, a literal loopback address (IPv6 in brackets or not), or a socket directory.
fn is_loopback(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    if host.starts_with('/') || host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map_or(v6.is_loopback(), |v4| v4.is_loopback()),
        Ok(ip) => ip.is_loopback(),
        Err(_) => false,
    }
}

/// A clearer account of a failed TLS handshake with PostgreSQL, naming what to check; `None`
/// when `err` is not one.
pub fn explain_tls_failure(err: &sqlx::Error, url: &str) -> Option<String> {
    use tokio_rustls::rustls::{CertificateError, Error as TlsError};
    let tls: &TlsError = match err {
        sqlx::Error::Tls(inner) => inner.downcast_ref()?,
        sqlx::Error::Io(io) => io.get_ref()?.downcast_ref()?,
        _ => return None,
    };
    let host = Transport::of(url).ok().flatten().map(|t| t.host);
    let host = host.as_deref().unwrap_or("the database");
    let hint = match tls {
        TlsError::InvalidCertificate(CertificateError::UnknownIssuer) => format!(
            "the certificate of {host} is not signed by a CA this server trusts: set sslrootcert \
             to the file of the CA that signed it"
        ),
        TlsError::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => format!(
            "the certificate of {host} is not valid for the name {host}: connect with a host name \
             the certificate names (sslmode=verify-full checks it)"
        ),
        TlsError::InvalidCertificate(_) => {
            format!("the certificate of {host} was refused")
        }
        _ => format!("the TLS handshake with {host} failed"),
    };
    Some(format!("{hint} ({tls})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(url: &str) -> Transport {
        Transport::of(url).expect("a URL").expect("PostgreSQL")
    }

    #[test]
    fn loopback_is_a_socket_localhost_or_a_loopback_literal() {
        for host in [
            "localhost",
            "LOCALHOST",
            "localhost.",
            "127.0.0.1",
            "127.8.9.10",
            "::1",
            "[::1]",
            "::ffff:127.0.0.1",
            "/var/run/postgresql",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "db.example",
            "10.0.0.5",
            "::2",
            "localhost.example",
            "vm",
            "",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
        assert!(of("postgres://u@%2Fvar%2Frun%2Fpostgresql/db").is_loopback());
        assert!(of("postgres://u@db.example/db?host=/var/run/postgresql").is_loopback());
        assert!(of("postgres://u@[::1]:5432/db").is_loopback());
        assert!(!of("postgres://u@db.example/db").is_loopback());
    }

    #[test]
    fn modes_as_sqlx_applies_them() {
        let mode = |url: &str| of(url).mode();
        assert_eq!(mode("postgres://h/db?sslmode=disable"), Mode::Disable);
        assert_eq!(mode("postgres://h/db?sslmode=allow"), Mode::Disable);
        assert_eq!(mode("postgres://h/db?sslmode=require"), Mode::Require);
        assert_eq!(
            mode("postgres://h/db?sslmode=require&sslrootcert=/ca.pem"),
            Mode::VerifyCa
        );
        assert_eq!(mode("postgres://h/db?sslmode=verify-ca"), Mode::VerifyCa);
        assert_eq!(
            mode("postgres://h/db?sslmode=verify-full"),
            Mode::VerifyFull
        );
        if std::env::var_os("PGSSLMODE").is_none() {
            assert_eq!(mode("postgres://h/db"), Mode::Prefer);
        }
        assert!(Transport::of("sqlite://x.db").expect("a URL").is_none());
        assert!(Transport::of("postgres://h/db?sslmode=sometimes").is_err());
    }

    #[test]
    fn only_remote_hosts_below_verify_full_are_warned_about() {
        assert_eq!(
            of("postgres://127.0.0.1/db?sslmode=disable").warning(),
            None
        );
        assert_eq!(
            of("postgres://db.example/db?sslmode=verify-full").warning(),
            None
        );
        for (query, words) in [
            ("sslmode=disable", "plaintext"),
            ("sslmode=prefer", "may travel in plaintext"),
            ("sslmode=require", "certificate is not checked"),
            (
                "sslmode=verify-ca&sslrootcert=/ca.pem",
                "no check of its host name",
            ),
            ("sslmode=verify-ca", "public CA"),
        ] {
            let warning = of(&format!("postgres://u:secret@db.example/db?{query}"))
                .warning()
                .expect("a warning");
            assert!(warning.contains(words), "{warning}");
            assert!(warning.contains("db.example"), "{warning}");
            assert!(warning.contains("verify-full"), "{warning}");
            assert!(!warning.contains("secret"), "{warning}");
            assert!(!warning.contains('\n'), "{warning}");
        }
    }

    #[test]
    fn require_tls_accepts_verify_ca_and_up_and_sqlite() {
        let check = |url: &str| Transport::require_verified(url);
        assert!(check("sqlite://x.db").is_ok());
        assert!(check("postgres://h/db?sslmode=verify-full").is_ok());
        assert!(check("postgres://h/db?sslmode=verify-ca").is_ok());
        assert!(check("postgres://h/db?sslmode=require&sslrootcert=/ca.pem").is_ok());
        for mode in ["disable", "allow", "prefer", "require"] {
            let refused = check(&format!("postgres://u:pw@127.0.0.1/db?sslmode={mode}"))
                .expect_err("refused")
                .to_string();
            assert!(refused.contains("--database-require-tls"), "{refused}");
            assert!(refused.contains("verify-full"), "{refused}");
            assert!(!refused.contains("pw@"), "{refused}");
        }
    }

    #[test]
    fn require_with_a_root_certificate_is_run_as_verify_ca() {
        let url = "postgres://h/db?sslmode=require&sslrootcert=%2Fca.pem&application_name=k";
        let mut options: AnyConnectOptions = url.parse().expect("URL");
        of(url).apply(&mut options);
        let pairs: Vec<(String, String)> = options
            .database_url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        assert!(
            pairs.contains(&("sslmode".into(), "verify-ca".into())),
            "{pairs:?}"
        );
        assert!(
            pairs.contains(&("sslrootcert".into(), "/ca.pem".into())),
            "{pairs:?}"
        );
        assert!(
            !pairs.contains(&("sslmode".into(), "require".into())),
            "{pairs:?}"
        );
        let untouched = "postgres://h/db?sslmode=require";
        let mut options: AnyConnectOptions = untouched.parse().expect("URL");
        of(untouched).apply(&mut options);
        assert_eq!(options.database_url.as_str(), untouched);
    }
}
