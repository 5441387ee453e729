//! Command line and environment.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Keyrack's reference API server.
///
/// Without a subcommand it serves the API (and the SPA, with `--dist`). Subcommands such as
/// token management are added to [`Command`] without changing the flag-only form.
#[derive(Debug, Parser)]
#[command(name = "keyrack-server", version, about)]
pub struct Cli {
    /// The database, shared by every subcommand: `sqlite://PATH` (embedded, one process) or
    /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DB` (several replicas may share it; add
    /// `?sslmode=verify-full&sslrootcert=FILE` when it is on another host). Prefer the
    /// environment variable: other users of the machine can read a command line.
    #[arg(
        long = "database",
        env = "KEYRACK_DATABASE_URL",
        default_value = "sqlite://data/keyrack.db",
        hide_env_values = true,
        global = true
    )]
    pub database_url: String,

    /// Refuse to start unless the PostgreSQL server's certificate is checked: `sslmode`
    /// `verify-ca` or `verify-full` (SQLite is always accepted).
    #[arg(
        long = "database-require-tls",
        env = "KEYRACK_DATABASE_REQUIRE_TLS",
        global = true
    )]
    pub database_require_tls: bool,

    /// Most database connections this process opens (default: 8 on SQLite, 16 on
    /// PostgreSQL; keep replicas × this under PostgreSQL's `max_connections`).
    #[arg(
        long = "database-max-connections",
        env = "KEYRACK_DATABASE_MAX_CONNECTIONS",
        value_parser = clap::value_parser!(u32).range(1..=1000),
        global = true
    )]
    pub database_max_connections: Option<u32>,

    /// How to serve, when no subcommand is given.
    #[command(flatten)]
    pub serve: ServeArgs,

    /// What to do instead of serving.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands. Serving is the default and takes no subcommand.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage bearer tokens (works whether or not the server runs).
    Token {
        /// What to do.
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Copy this SQLite database (`--database`) into an empty PostgreSQL database, for a
    /// fleet that outgrew one machine. Stop the server first: writes made after the copy
    /// began are not carried over.
    MigrateTo(MigrateToArgs),
}

/// `migrate-to`: where to. The target must exist and hold no key pair, token, region or
/// instance (its schema is created if missing).
#[derive(Debug, Clone, Args)]
pub struct MigrateToArgs {
    /// The target, `postgres://USER@HOST[:PORT]/DB` without a password (from `~/.pgpass` or
    /// `PGPASSWORD`, as libpq reads them); a URL with a password goes in
    /// `KEYRACK_MIGRATE_TO_URL` or `--url-file`, never on the command line.
    #[arg(value_name = "URL", conflicts_with = "url_file")]
    pub url: Option<String>,

    /// Read the target URL from this file (surrounding whitespace ignored).
    #[arg(long = "url-file", value_name = "FILE")]
    pub url_file: Option<PathBuf>,
}

/// Where `migrate-to` reads a target URL that holds a password.
pub const MIGRATE_TO_URL_ENV: &str = "KEYRACK_MIGRATE_TO_URL";

impl MigrateToArgs {
    /// The target URL: the positional one (refused if it holds a password), else the file's,
    /// else [`MIGRATE_TO_URL_ENV`]'s.
    pub fn target_url(&self) -> Result<String, String> {
        if let Some(url) = &self.url {
            if has_password(url) {
                return Err(format!(
                    "migrate-to: the target URL on the command line holds a password, which                      other users of the machine can read; put the URL in {MIGRATE_TO_URL_ENV}                      or in a file given with --url-file"
                ));
            }
            return Ok(url.clone());
        }
        if let Some(file) = &self.url_file {
            let text = std::fs::read_to_string(file)
                .map_err(|e| format!("could not read --url-file {}: {e}", file.display()))?;
            return Ok(text.trim().to_owned());
        }
        match std::env::var(MIGRATE_TO_URL_ENV) {
            Ok(url) if !url.trim().is_empty() => Ok(url.trim().to_owned()),
            _ => Err(format!(
                "migrate-to needs the target URL: in {MIGRATE_TO_URL_ENV}, in a file given with                  --url-file, or (without a password) as its argument"
            )),
        }
    }
}

/// Whether a database URL carries a password: in its user part (`user:password@`) or as a
/// `password=` parameter.
pub fn has_password(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let (authority, query) = match rest.split_once('?') {
        Some((before, query)) => (before, query),
        None => (rest, ""),
    };
    let authority = authority.split('/').next().unwrap_or_default();
    let in_userinfo = authority
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| userinfo.contains(':'));
    let in_query = query
        .split('&')
        .any(|pair| pair.split('=').next() == Some("password"));
    in_userinfo || in_query
}

/// `keyrack-server token …`.
#[derive(Debug, Clone, Subcommand)]
pub enum TokenCommand {
    /// Make a token and print it once on stdout (nothing else goes to stdout).
    Create {
        /// `admin` (everything) or `viewer` (read only).
        #[arg(long, value_parser = ["admin", "viewer"])]
        role: String,
        /// A label for people, such as who holds it.
        #[arg(long)]
        name: String,
    },
    /// List tokens: id, name, role, created, revoked. Never the tokens themselves.
    List,
    /// Revoke a token by id (`tok-…`); the running server refuses it from the next request.
    Revoke {
        /// The token's id.
        id: String,
    },
}

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
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_parser_is_consistent() {
        Cli::command().debug_assert();
    }

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

    #[test]
    fn token_subcommands_take_the_global_database() {
        let cli = Cli::try_parse_from([
            "keyrack-server",
            "token",
            "create",
            "--role",
            "viewer",
            "--name",
            "ci",
            "--database",
            "sqlite://t.db",
        ])
        .expect("valid");
        assert_eq!(cli.database_url, "sqlite://t.db");
        assert!(matches!(
            cli.command,
            Some(Command::Token {
                command: TokenCommand::Create { .. }
            })
        ));
        assert!(Cli::try_parse_from([
            "keyrack-server",
            "token",
            "create",
            "--role",
            "agent",
            "--name",
            "x"
        ])
        .is_err());
    }

    fn migrate_args(args: &[&str]) -> MigrateToArgs {
        let cli = Cli::try_parse_from(
            [
                "keyrack-server",
                "--database",
                "sqlite://old.db",
                "migrate-to",
            ]
            .into_iter()
            .chain(args.iter().copied()),
        )
        .expect("valid");
        assert_eq!(cli.database_url, "sqlite://old.db");
        match cli.command {
            Some(Command::MigrateTo(args)) => args,
            other => panic!("not migrate-to: {other:?}"),
        }
    }

    #[test]
    fn migrate_to_takes_a_target_without_a_password_and_the_global_source() {
        let args = migrate_args(&["postgres://keyrack@db:5432/keyrack"]);
        assert_eq!(
            args.target_url().as_deref(),
            Ok("postgres://keyrack@db:5432/keyrack")
        );
        for with_password in [
            "postgres://keyrack:s3cret@db:5432/keyrack",
            "postgres://keyrack:@db/keyrack",
            "postgres://keyrack@db/keyrack?sslmode=require&password=s3cret",
        ] {
            let refused = migrate_args(&[with_password])
                .target_url()
                .expect_err("a password on the command line");
            assert!(refused.contains(MIGRATE_TO_URL_ENV), "{refused}");
            assert!(refused.contains("--url-file"), "{refused}");
            assert!(!refused.contains("s3cret"), "{refused}");
        }
    }

    #[test]
    fn migrate_to_reads_the_target_from_a_file() {
        let dir = std::env::temp_dir().join(format!("keyrack-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("target-url");
        std::fs::write(&file, "postgres://k:pw@db/keyrack\n").expect("write");
        let args = migrate_args(&["--url-file", file.to_str().expect("UTF-8")]);
        assert_eq!(
            args.target_url().as_deref(),
            Ok("postgres://k:pw@db/keyrack")
        );
        let missing = migrate_args(&["--url-file", "/nonexistent/keyrack-url"]);
        assert!(missing.target_url().is_err());
        assert!(Cli::try_parse_from([
            "keyrack-server",
            "migrate-to",
            "postgres://k@db/k",
            "--url-file",
            "f"
        ])
        .is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn passwords_are_found_where_urls_carry_them() {
        assert!(has_password("postgres://u:p@h/db"));
        assert!(has_password(
            "postgres://u:p%40ss@h:5432/db?sslmode=require"
        ));
        assert!(has_password("postgres://u@h/db?password=x"));
        assert!(!has_password("postgres://u@h/db"));
        assert!(!has_password("postgres://h:5432/db"));
        assert!(!has_password("postgres://u@h/db?sslrootcert=/etc/a:b"));
        assert!(!has_password("sqlite://data/keyrack.db"));
    }

    #[test]
    fn help_shows_no_secret_from_the_environment() {
        let mut command = Cli::command();
        let help = command.render_long_help().to_string();
        for secret in ["KEYRACK_DATABASE_URL", "KEYRACK_BOOTSTRAP_TOKEN"] {
            let arg = command
                .get_arguments()
                .find(|a| a.get_env().is_some_and(|e| e == secret))
                .unwrap_or_else(|| panic!("an argument reads {secret}"));
            assert!(arg.is_hide_env_values_set(), "{secret}");
        }
        assert!(help.contains("KEYRACK_DATABASE_REQUIRE_TLS"), "{help}");
    }

    #[test]
    fn require_tls_is_a_global_flag() {
        let cli =
            Cli::try_parse_from(["keyrack-server", "token", "list", "--database-require-tls"])
                .expect("valid");
        assert!(cli.database_require_tls);
        assert!(
            !Cli::try_parse_from(["keyrack-server"])
                .expect("valid")
                .database_require_tls
        );
    }
}
