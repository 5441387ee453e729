//! The two backends: which one a URL names and how each connection is set up. Where their
//! SQL differs is in `dialect`; SQLite's files (creating, restricting) in `sqlite_files`.

mod dialect;
mod sqlite_files;

use sqlx::{AnyConnection, Executor};

use super::AppError;

pub(super) use dialect::Lock;

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite://PATH`: embedded, one process.
    Sqlite,
    /// `postgres://…` (or `postgresql://…`): one database for several replicas.
    Postgres,
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
}
