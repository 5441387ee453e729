//! All SQL lives here. Services call one async method per operation; each write runs in one
//! transaction and either happens completely or not at all.
//!
//! The interface speaks the wire types of `keyrack-api` and the few plain structs below, not
//! SQLite types, so a PostgreSQL store can be added behind the same methods without touching
//! the services.

mod audit;
mod bindings;
mod fleet;
mod key_pairs;
mod seed;
mod tokens;

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

pub use audit::{AuditFilter, AuditOutcome, NewAuditEntry};
pub use bindings::{BindingFacts, BindingStep, Direction};
pub use fleet::{InstanceFilter, NewInstance, PowerStep};
pub use key_pairs::{Deletion, KeyPairChanges, KeyPairFilter, NewKeyPair};
pub use seed::Seed;
pub use tokens::{NewToken, Role, TokenRecord};

/// What the store refuses or fails with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No key pair with that id.
    #[error("no key pair with id {id}")]
    KeyPairNotFound {
        /// The id looked for.
        id: String,
    },
    /// No instance with that id.
    #[error("no instance with id {id}")]
    InstanceNotFound {
        /// The id looked for.
        id: String,
    },
    /// No image with that id.
    #[error("no image with id {id}")]
    ImageNotFound {
        /// The id looked for.
        id: String,
    },
    /// The instance's state does not allow the change.
    #[error("the instance is {}", state.as_str())]
    StateConflict {
        /// Its state.
        state: keyrack_api::InstanceState,
    },
    /// Another key pair has this name, case-insensitively.
    #[error("the name {name} is taken")]
    NameTaken {
        /// The name that was refused.
        name: String,
    },
    /// The public key is registered already.
    #[error("the public key is registered as {name} ({id})")]
    FingerprintTaken {
        /// The existing key pair's id.
        id: String,
        /// The existing key pair's name.
        name: String,
    },
    /// The deployment holds as many key pairs as it may.
    #[error("the quota of {quota} key pairs is reached")]
    QuotaReached {
        /// The quota.
        quota: u64,
    },
    /// Revoking this token would leave no valid admin token.
    #[error("the last admin token cannot be revoked")]
    LastAdminToken,
    /// The expected version is not the current one.
    #[error("version {current} is current")]
    VersionMismatch {
        /// The current version.
        current: i64,
    },
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database file's directory could not be made.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (and creates, with its directory, if missing) the database at `url`, such as
    /// `sqlite://data/keyrack.db`.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a key pair the API confirmed survives a power cut, not only a crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let file = options.get_filename();
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !is_in_memory(url) {
                std::fs::create_dir_all(dir)?;
            }
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        Ok(Self { pool })
    }

    /// Brings the schema up to date.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::migrate!("./migrations").run(&self.pool).await?;
        Ok(())
    }

    /// Waits for open connections and closes them (checkpointing the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A write transaction. IMMEDIATE takes SQLite's write lock up front, so two writers
    /// wait for each other (busy_timeout) instead of failing when a read turns into a write.
    async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }
}

fn is_in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// Which unique constraint a failed write hit, if any. The one place that reads database
/// error text; a PostgreSQL store would read the constraint name instead.
fn unique_violation(err: &sqlx::Error) -> Option<UniqueColumn> {
    let db = err.as_database_error()?;
    if !db.is_unique_violation() {
        return None;
    }
    let message = db.message();
    if message.contains("name_lower") {
        Some(UniqueColumn::KeyPairName)
    } else if message.contains("fingerprint_sha256") {
        Some(UniqueColumn::Fingerprint)
    } else {
        None
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UniqueColumn {
    KeyPairName,
    Fingerprint,
}
