//! SQLite's database files: which file a URL names, creating it (and its directory)
//! private, keeping it and its -wal and -shm files 0600, and refusing a missing one.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;

use super::Backend;
use crate::error::AppError;
use crate::private;

impl Backend {
    /// The SQLite database file `url` names (`None` for PostgreSQL and in-memory SQLite).
    pub fn sqlite_file(url: &str) -> Result<Option<PathBuf>, AppError> {
        if Self::from_url(url)? != Self::Sqlite || url.contains("mode=memory") {
            return Ok(None);
        }
        let options = SqliteConnectOptions::from_str(url)?;
        let file = options.get_filename();
        Ok((file != Path::new(":memory:")).then(|| file.to_path_buf()))
    }

    /// The URL to connect with. For SQLite: the file's directory exists (created 0700) and
    /// the file is created when missing (`mode=rwc`), as a first start expects, 0600; see
    /// [`Backend::restrict_files`].
    pub(in crate::store) fn prepare(self, url: &str) -> Result<String, AppError> {
        match self {
            Self::Postgres => Ok(url.to_owned()),
            Self::Sqlite => {
                let creates = !url.contains("mode=") || url.contains("mode=rwc");
                if let Some(file) = Self::sqlite_file(url)? {
                    if let Some(dir) = file.parent() {
                        private::create_dir_all(dir)?;
                    }
                    if creates {
                        // Made here, not by SQLite, so that it is 0600 whatever the umask;
                        // SQLite gives the -wal and -shm files it makes the database's mode.
                        private::create_file(&file)?;
                    }
                    self.restrict_files(url)?;
                }
                if url.contains("mode=") {
                    Ok(url.to_owned())
                } else if url.contains('?') {
                    Ok(format!("{url}&mode=rwc"))
                } else {
                    Ok(format!("{url}?mode=rwc"))
                }
            }
        }
    }

    /// SQLite: makes the database file and its -wal and -shm files 0600 where others could
    /// read them (they hold every token's hash and the audit log), warning when it had to.
    pub(in crate::store) fn restrict_files(self, url: &str) -> Result<(), AppError> {
        if self != Self::Sqlite {
            return Ok(());
        }
        if let Some(file) = Self::sqlite_file(url)? {
            private::restrict(&file);
            for suffix in ["-wal", "-shm"] {
                let mut name = file.clone().into_os_string();
                name.push(suffix);
                private::restrict(Path::new(&name));
            }
        }
        Ok(())
    }

    /// Refuses a SQLite URL whose file does not exist (PostgreSQL refuses a missing database
    /// by itself when connecting).
    pub(in crate::store) fn require_existing(self, url: &str) -> Result<(), AppError> {
        if self == Self::Sqlite {
            let options = SqliteConnectOptions::from_str(url)?;
            let file = options.get_filename();
            if !file.is_file() {
                return Err(AppError::Io(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("no database file at {}", file.display()),
                )));
            }
        }
        Ok(())
    }
}
