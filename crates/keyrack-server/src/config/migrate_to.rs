//! `migrate-to`'s arguments: the target URL, kept off the command line when it holds a
//! password.

use std::path::PathBuf;

use clap::Args;

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

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::config::{Cli, Command};

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
}
