//! Command line and environment: the global flags and subcommands here, the server's own
//! flags in `serve`, and `migrate-to`'s in `migrate_to`.

mod migrate_to;
mod serve;

use clap::{Parser, Subcommand};

pub use migrate_to::{has_password, MigrateToArgs, MIGRATE_TO_URL_ENV};
pub use serve::ServeArgs;

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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_parser_is_consistent() {
        Cli::command().debug_assert();
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
