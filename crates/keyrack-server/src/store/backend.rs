//! The two backends and the few places where their SQL differs.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyConnection, Executor};

use super::AppError;
use crate::private;

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite://PATH`: embedded, one process.
    Sqlite,
    /// `postgres://…` (or `postgresql://…`): one database for several replicas.
    Postgres,
}

/// Advisory lock ids (PostgreSQL): rules that span rows no single row lock covers.
#[derive(Debug, Clone, Copy)]
pub(super) enum Lock {
    /// Revoking tokens: the last valid admin token must stay.
    AdminTokens = 1,
    /// Seeding demo data: once, even when replicas start together.
    Seed = 2,
}

impl Backend {
    /// The backend of `url`, by its scheme; anything else is refused.
    pub fn from_url(url: &str) -> Result<Self, AppError> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" => Ok(Self::Postgres),
            _ => Err(AppError::UnsupportedUrl {
                scheme: scheme.chars().take(32).collect(),
            }),
        }
    }

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
    pub(super) fn prepare(self, url: &str) -> Result<String, AppError> {
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
    pub(super) fn restrict_files(self, url: &str) -> Result<(), AppError> {
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
    pub(super) fn require_existing(self, url: &str) -> Result<(), AppError> {
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

    /// Connections per replica unless configured.
    pub(super) fn default_pool_size(self) -> u32 {
        match self {
            Self::Sqlite => 8,
            Self::Postgres => 16,
        }
    }

    /// Settings of each new connection.
    pub(super) async fn configure(self, conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
        if self == Self::Sqlite {
            // WAL: readers never wait for the writer. FULL: a key pair the API confirmed
            // survives a power cut, not only a crash. (sqlx already turns foreign keys on and
            // waits 5 s for a busy database.)
            conn.execute("PRAGMA journal_mode = WAL").await?;
            conn.execute("PRAGMA synchronous = FULL").await?;
        }
        Ok(())
    }

    /// How a write transaction begins. SQLite: IMMEDIATE takes the write lock up front, so
    /// two writers wait for each other (busy_timeout) instead of failing when a read turns
    /// into a write. PostgreSQL: READ COMMITTED, with the row locks each write takes.
    pub(super) fn begin_write(self) -> &'static str {
        match self {
            Self::Sqlite => "BEGIN IMMEDIATE",
            Self::Postgres => "BEGIN",
        }
    }

    /// How a read of several statements begins, so they see one snapshot.
    pub(super) fn begin_read(self) -> &'static str {
        match self {
            Self::Sqlite => "BEGIN",
            Self::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        }
    }

    /// Appended to a SELECT whose rows the transaction goes on to change or rely on. SQLite
    /// has no row locks and needs none: it has one writer.
    pub(super) fn for_update(self) -> &'static str {
        match self {
            Self::Sqlite => "",
            Self::Postgres => " FOR UPDATE",
        }
    }

    /// The function giving the 1-based position of a substring, 0 when absent.
    pub(super) fn position_fn(self) -> &'static str {
        match self {
            Self::Sqlite => "instr",
            Self::Postgres => "strpos",
        }
    }

    /// Locks the rows of `table` with these ids until the transaction ends, in id order, as
    /// every writer does, so two writers wait for each other instead of deadlocking
    /// (PostgreSQL; SQLite's writer is alone).
    pub(super) async fn lock_rows<'a>(
        self,
        conn: &mut AnyConnection,
        table: &str,
        ids: impl IntoIterator<Item = &'a String>,
    ) -> Result<(), sqlx::Error> {
        if self == Self::Postgres {
            let mut sorted: Vec<&String> = ids.into_iter().collect();
            sorted.sort();
            let lock = format!("SELECT 1 FROM {table} WHERE id = $1 FOR UPDATE");
            for id in sorted {
                sqlx::query(&lock).bind(id).execute(&mut *conn).await?;
            }
        }
        Ok(())
    }

    /// Takes `lock` until the transaction ends (PostgreSQL; SQLite's writer is alone).
    pub(super) async fn lock(
        self,
        conn: &mut AnyConnection,
        lock: Lock,
    ) -> Result<(), sqlx::Error> {
        if self == Self::Postgres {
            // Selected from, not as a value: the Any driver cannot read a `void`.
            sqlx::query("SELECT 1 FROM pg_advisory_xact_lock($1)")
                .bind(lock as i64)
                .execute(conn)
                .await?;
        }
        Ok(())
    }
}
