//! The server's own flags: listening, TLS, the demo, quotas, rate limits, audit retention
//! and CORS.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

/// Flags of the server itself.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on (port 0 picks a free one).
    #[arg(
        long = "listen",
        env = "KEYRACK_LISTEN",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: SocketAddr,

    /// Directory of the built SPA; without it only the API is served.
    #[arg(long = "dist", env = "KEYRACK_DIST")]
    pub dist: Option<PathBuf>,

    /// Seed demo regions, instances, images and key pairs on first start.
    #[arg(long = "demo", env = "KEYRACK_DEMO")]
    pub demo: bool,

    /// Register this admin token (idempotent) instead of making a new random one. At least
    /// 32 characters and 128 bits of estimated entropy, such as `openssl rand -base64 32`.
    /// Prefer the environment variable or --bootstrap-token-file: other users of the machine
    /// can read a command line.
    #[arg(
        long = "bootstrap-token",
        env = "KEYRACK_BOOTSTRAP_TOKEN",
        hide_env_values = true
    )]
    pub bootstrap_token: Option<String>,

    /// Like --bootstrap-token, with the token read from this file (surrounding whitespace,
    /// such as the final newline, is ignored).
    #[arg(
        long = "bootstrap-token-file",
        env = "KEYRACK_BOOTSTRAP_TOKEN_FILE",
        value_name = "FILE",
        conflicts_with = "bootstrap_token"
    )]
    pub bootstrap_token_file: Option<PathBuf>,

    /// Where the first admin token goes (a new file, mode 0600) when the database has no
    /// admin token and no bootstrap token is given. Default: `initial-admin-token` in the
    /// SQLite database's directory, or in the working directory on PostgreSQL.
    #[arg(
        long = "admin-token-file",
        env = "KEYRACK_ADMIN_TOKEN_FILE",
        value_name = "FILE"
    )]
    pub admin_token_file: Option<PathBuf>,

    /// Most key pairs this deployment may hold.
    #[arg(
        long = "key-pair-quota",
        env = "KEYRACK_KEY_PAIR_QUOTA",
        default_value_t = keyrack_api::DEFAULT_KEY_PAIR_QUOTA
    )]
    pub key_pair_quota: u64,

    /// How long an instance stays STOPPING or STARTING, in milliseconds (at most an hour).
    #[arg(
        long = "transition-delay-ms",
        env = "KEYRACK_TRANSITION_DELAY_MS",
        default_value_t = 2000,
        value_parser = clap::value_parser!(u64).range(0..=3_600_000)
    )]
    pub transition_delay_ms: u64,

    /// Requests a minute each person's (admin or viewer) token may make (bursts of a tenth
    /// of it); 0 turns the limit off.
    #[arg(
        long = "rate-limit-per-minute",
        env = "KEYRACK_RATE_LIMIT_PER_MINUTE",
        default_value_t = 1200
    )]
    pub rate_limit_per_minute: u32,

    /// Lookups a minute each instance agent may make (bursts of a tenth of it); 0 turns the
    /// limit off. sshd asks once for every key a client offers, so this must stay far above
    /// what junk logins against one host can cause.
    #[arg(
        long = "agent-rate-limit-per-minute",
        env = "KEYRACK_AGENT_RATE_LIMIT_PER_MINUTE",
        default_value_t = 60_000
    )]
    pub agent_rate_limit_per_minute: u32,

    /// Login reports a minute each instance agent may send (bursts of a tenth of it), on top
    /// of its lookups' limit; past it, 429 before any database work. 0 turns it off.
    #[arg(
        long = "agent-report-rate-limit-per-minute",
        env = "KEYRACK_AGENT_REPORT_RATE_LIMIT_PER_MINUTE",
        default_value_t = 600
    )]
    pub agent_report_rate_limit_per_minute: u32,

    /// Refused requests without a valid token a minute from one client address (bursts of a
    /// tenth of it); past it every request from there without a known token gets 429. 0 turns
    /// the limit off.
    #[arg(
        long = "unauthenticated-rate-limit-per-minute",
        env = "KEYRACK_UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE",
        default_value_t = 600
    )]
    pub unauthenticated_rate_limit_per_minute: u32,

    /// The server is behind a reverse proxy: the client's address is the last one in
    /// `X-Forwarded-For`. Only set it when a proxy you run adds that header; otherwise any
    /// client could pick its own address.
    #[arg(long = "trusted-proxy", env = "KEYRACK_TRUSTED_PROXY")]
    pub trusted_proxy: bool,

    /// Days audit entries are kept; older ones are deleted in the background (hourly).
    #[arg(
        long = "audit-retention-days",
        env = "KEYRACK_AUDIT_RETENTION_DAYS",
        default_value_t = 400,
        value_parser = clap::value_parser!(u32).range(1..=36_500)
    )]
    pub audit_retention_days: u32,

    /// Seconds over which refusals without a valid token are counted into one audit entry
    /// per client (tests shorten it).
    #[arg(
        long = "audit-refusal-interval-secs",
        env = "KEYRACK_AUDIT_REFUSAL_INTERVAL_SECS",
        default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..=3600),
        hide = true
    )]
    pub audit_refusal_interval_secs: u64,

    /// The one origin (such as `https://console.example.com`) allowed to call the API from
    /// another site. Without it there is no CORS at all.
    #[arg(long = "cors-origin", env = "KEYRACK_CORS_ORIGIN")]
    pub cors_origin: Option<String>,

    /// Seconds a request may take before it is abandoned with 503 (1–3600).
    #[arg(
        long = "request-timeout-secs",
        env = "KEYRACK_REQUEST_TIMEOUT_SECS",
        default_value_t = 30,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    pub request_timeout_secs: u64,

    /// Seconds a client may take to send a request's headers, on a new connection or a
    /// kept-alive one (where it is also how long an idle connection stays open); past it the
    /// connection is closed (1–3600).
    #[arg(
        long = "header-read-timeout-secs",
        env = "KEYRACK_HEADER_READ_TIMEOUT_SECS",
        default_value_t = 30,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    pub header_read_timeout_secs: u64,

    /// Serve HTTPS with this certificate chain (PEM, the server's certificate first), with
    /// `--tls-key`. Every answer then carries `Strict-Transport-Security`. Without both,
    /// plain HTTP (behind a proxy that terminates TLS, or on loopback).
    #[arg(
        long = "tls-cert",
        env = "KEYRACK_TLS_CERT",
        value_name = "FILE",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,

    /// The private key of `--tls-cert` (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(
        long = "tls-key",
        env = "KEYRACK_TLS_KEY",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,
}

impl ServeArgs {
    /// Whether the server speaks HTTPS itself (`--tls-cert` and `--tls-key`).
    pub fn tls(&self) -> bool {
        self.tls_cert.is_some() && self.tls_key.is_some()
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::config::Cli;

    #[test]
    fn flags_parse_without_a_subcommand() {
        let cli = Cli::try_parse_from([
            "keyrack-server",
            "--listen",
            "127.0.0.1:0",
            "--database",
            "sqlite://x.db",
            "--demo",
            "--key-pair-quota",
            "2",
            "--transition-delay-ms",
            "100",
        ])
        .expect("valid flags");
        assert!(cli.command.is_none());
        assert!(cli.serve.demo);
        assert_eq!(cli.serve.key_pair_quota, 2);
        assert_eq!(cli.serve.transition_delay_ms, 100);
        assert_eq!(cli.database_url, "sqlite://x.db");
        assert_eq!(cli.serve.rate_limit_per_minute, 1200);
        assert_eq!(cli.serve.agent_rate_limit_per_minute, 60_000);
        assert_eq!(cli.serve.agent_report_rate_limit_per_minute, 600);
        assert_eq!(cli.serve.unauthenticated_rate_limit_per_minute, 600);
        assert!(!cli.serve.trusted_proxy);
        assert_eq!(cli.serve.audit_retention_days, 400);
        assert_eq!(cli.serve.cors_origin, None);
    }

    #[test]
    fn tls_flags_come_in_pairs() {
        let base = ["keyrack-server", "--listen", "127.0.0.1:0"];
        let cli = Cli::try_parse_from(base.into_iter().chain([
            "--tls-cert",
            "cert.pem",
            "--tls-key",
            "key.pem",
        ]))
        .expect("both");
        assert!(cli.serve.tls());
        assert_eq!(cli.serve.tls_cert, Some(PathBuf::from("cert.pem")));
        assert_eq!(cli.serve.tls_key, Some(PathBuf::from("key.pem")));
        let cli = Cli::try_parse_from(base).expect("neither");
        assert!(!cli.serve.tls());
        for one in [["--tls-cert", "cert.pem"], ["--tls-key", "key.pem"]] {
            let e = Cli::try_parse_from(base.into_iter().chain(one)).expect_err("only one");
            assert_eq!(e.kind(), clap::error::ErrorKind::MissingRequiredArgument);
        }
    }

    #[test]
    fn the_bootstrap_token_comes_from_one_place() {
        let cli = Cli::try_parse_from([
            "keyrack-server",
            "--bootstrap-token-file",
            "/run/secrets/keyrack",
            "--admin-token-file",
            "/tmp/admin",
        ])
        .expect("valid");
        assert_eq!(
            cli.serve.bootstrap_token_file.as_deref(),
            Some(std::path::Path::new("/run/secrets/keyrack"))
        );
        assert_eq!(
            cli.serve.admin_token_file.as_deref(),
            Some(std::path::Path::new("/tmp/admin"))
        );
        let both = Cli::try_parse_from([
            "keyrack-server",
            "--bootstrap-token",
            "x",
            "--bootstrap-token-file",
            "f",
        ]);
        assert!(both.is_err());
    }
}
