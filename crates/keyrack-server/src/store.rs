//! All SQL lives here. Services call one async method per operation; each write runs in one
//! transaction and either happens completely or not at all.
//!
//! One store serves two backends through sqlx's `Any` driver, chosen by the URL scheme:
//! SQLite (embedded, one process) and PostgreSQL (several replicas on one database). The
//! interface speaks the wire types of `keyrack-api` and the few plain structs below, so the
//! services never know which backend they talk to. The SQL is written once, with `$1`-style
//! placeholders that both drivers accept; [`Backend`] holds the few places where the two
//! dialects differ.
//!
//! How each rule holds across concurrent writers:
//! - SQLite has one writer at a time: every write transaction begins `IMMEDIATE`.
//! - PostgreSQL runs writes at READ COMMITTED and gets each invariant from a constraint or a
//!   lock, taken before the rule is checked: unique names and fingerprints from UNIQUE
//!   constraints; the quota from the `counters` row that the insert trigger updates (its row
//!   lock orders concurrent creates); `If-Match`, deletes, bindings and power changes from
//!   `SELECT … FOR UPDATE` on the rows they check, key pair first, then instances in id order;
//!   the last admin token from an advisory lock. A deadlock or serialization failure is
//!   retried a few times ([`Store::retry`]), never shown as a 500.

mod audit;
mod backend;
mod bindings;
mod fleet;
mod key_pairs;
mod logins;
mod policy;
mod seed;
mod sql;
mod tokens;
mod transfer;
mod transport;

use std::future::Future;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Transaction};

pub use audit::{AuditFilter, AuditOutcome, AuditScope, NewAuditEntry, TEXT_MAX_CHARS};
pub use backend::Backend;
pub use bindings::{BindingFacts, BindingStep, Direction};
pub use fleet::{BoundKey, InstanceFilter, NewInstance, PowerStep};
pub use key_pairs::{Deletion, KeyPairFilter, NewKeyPair, StatusAt};
/// A token's role is the API's; this name stays for code that says `store::Role`.
pub use keyrack_api::TokenRole as Role;
pub use logins::NewLogin;
pub use seed::Seed;
pub use tokens::{NewToken, TokenRecord};
pub use transfer::TransferCounts;
pub use transport::{Mode as SslMode, Transport};

use sql::Sql;

use crate::error::AppError;

/// The database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

/// How many times a write that hit a deadlock or a serialization failure is tried in all.
const ATTEMPTS: u32 = 5;

/// How long [`Store::retry`] waits before trying again on another connection.
const RECONNECT_PAUSE: Duration = Duration::from_millis(200);

impl Store {
    /// Opens the database at `url`: `sqlite://data/keyrack.db` (created, with its directory,
    /// if missing) or `postgres://user:password@host:5432/keyrack` (which must exist).
    pub async fn open(url: &str) -> Result<Self, AppError> {
        Self::open_with(url, None).await
    }

    /// [`Store::open`] with a pool of at most `max_connections` (default: 8 on SQLite, 16 on
    /// PostgreSQL).
    pub async fn open_with(url: &str, max_connections: Option<u32>) -> Result<Self, AppError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let url = backend.prepare(url)?;
        let mut options: AnyConnectOptions = url.parse()?;
        if let Some(transport) = Transport::of(&url)? {
            if let Some(warning) = transport.warning() {
                tracing::warn!("{warning}");
            }
            transport.apply(&mut options);
        }
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections.unwrap_or(backend.default_pool_size()))
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| Box::pin(async move { backend.configure(conn).await }))
            .connect_with(options)
            .await
            .map_err(|e| match transport::explain_tls_failure(&e, &url) {
                Some(reason) => AppError::InsecureDatabase { reason },
                None => AppError::Database(e),
            })?;
        // The first connection made the -wal and -shm files (with the database's mode).
        backend.restrict_files(&url)?;
        Ok(Self { pool, backend })
    }

    /// Whether the database answers `SELECT 1` within `limit`: `/readyz`.
    pub async fn ping(&self, limit: Duration) -> Result<(), AppError> {
        let probe = sqlx::query("SELECT 1").execute(&self.pool);
        match tokio::time::timeout(limit, probe).await {
            Ok(result) => result.map(drop).map_err(AppError::Database),
            Err(_) => Err(AppError::Database(sqlx::Error::PoolTimedOut)),
        }
    }

    /// [`Store::open_with`] for a database that must exist already, such as the source of
    /// `migrate-to`: a mistyped SQLite path is an error, not a new empty database.
    pub async fn open_existing(url: &str, max_connections: Option<u32>) -> Result<Self, AppError> {
        Backend::from_url(url)?.require_existing(url)?;
        Self::open_with(url, max_connections).await
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Brings the schema up to date. Each backend has its own migrations; on PostgreSQL,
    /// sqlx takes an advisory lock, so replicas starting together migrate once.
    pub async fn migrate(&self) -> Result<(), AppError> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::migrate!("./migrations/sqlite")
                    .run(&self.pool)
                    .await?
            }
            Backend::Postgres => {
                sqlx::migrate!("./migrations/postgres")
                    .run(&self.pool)
                    .await?
            }
        }
        Ok(())
    }

    /// Waits for open connections and closes them (on SQLite, checkpointing the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A write transaction; see the module's note on how each backend keeps the rules.
    async fn begin_write(&self) -> Result<Transaction<'static, Any>, sqlx::Error> {
        self.pool.begin_with(self.backend.begin_write()).await
    }

    /// A read-only transaction that sees one snapshot (a page and its total agree).
    async fn begin_read(&self) -> Result<Transaction<'static, Any>, sqlx::Error> {
        self.pool.begin_with(self.backend.begin_read()).await
    }

    /// Runs `attempt` until it succeeds, fails for good, or has failed [`ATTEMPTS`] times
    /// with a transient error (a deadlock or serialization failure on PostgreSQL, which
    /// rolled the attempt back whole). A lost connection ([`is_connection_lost`]) is tried
    /// once more, on another connection (the pool drops the dead one and checks the next
    /// before handing it out).
    ///
    /// Every attempt is a read, or a write transaction that commits through [`commit`] as
    /// its last step: an error that reaches here as [`AppError::Database`] came before the
    /// COMMIT was sent, so the attempt changed nothing and trying again cannot apply a change
    /// twice. A connection lost during the COMMIT is [`AppError::CommitUnknown`], never
    /// retried: the change may have been made.
    async fn retry<T, F, Fut>(&self, mut attempt: F) -> Result<T, AppError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        let mut tries = 1;
        let mut reconnected = false;
        loop {
            match attempt().await {
                Err(AppError::Database(err)) if tries < ATTEMPTS && is_transient(&err) => {
                    tracing::debug!(error = %err, tries, "retrying a write");
                    // A little later each time, so the transactions that collided fan out.
                    tokio::time::sleep(Duration::from_millis(u64::from(tries) * 5)).await;
                    tries += 1;
                }
                Err(AppError::Database(err)) if !reconnected && is_connection_lost(&err) => {
                    tracing::warn!(error = %err, "lost a database connection; trying once more");
                    reconnected = true;
                    // What ended this session (a restart, a failover, pg_terminate_backend)
                    // usually ends its siblings too, a few milliseconds apart: an idle one
                    // could still pass the pool's ping now and die under the retry.
                    tokio::time::sleep(RECONNECT_PAUSE).await;
                }
                result => return result,
            }
        }
    }
}

/// Commits `tx`: the one place a transaction of the store commits (clippy.toml disallows
/// `Transaction::commit` elsewhere). A connection lost on the way leaves the outcome unknown,
/// so it becomes [`AppError::CommitUnknown`], which [`Store::retry`] never retries and the
/// client gets as `503 DatabaseUnavailable` ("may have completed").
async fn commit(tx: Transaction<'static, Any>) -> Result<(), AppError> {
    #[allow(clippy::disallowed_methods)]
    let committed = tx.commit().await;
    committed.map_err(|e| {
        if is_connection_lost(&e) {
            AppError::CommitUnknown(e)
        } else {
            AppError::Database(e)
        }
    })
}

/// A PostgreSQL deadlock (40P01) or serialization failure (40001).
fn is_transient(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .and_then(|db| db.code())
        .is_some_and(|code| code == "40001" || code == "40P01")
}

/// Whether `err` means the connection to the database died under the statement, so the
/// statement did not run to its end: PostgreSQL ended the session (57P01 admin shutdown, as
/// `pg_terminate_backend` or a restart does; 57P02 crash shutdown; 57P03 cannot connect now),
/// a connection exception (class 08), or an I/O error on the socket (reset, closed, broken
/// pipe, end of stream). SQLite's codes are numbers and never match.
pub fn is_connection_lost(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}

/// Which unique constraint a failed write hit, if any. The one place that reads database
/// error text: SQLite names the column, PostgreSQL the constraint (`key_pairs_name_lower_key`).
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
    } else if message.contains(TOKEN_NAME_INDEX) {
        Some(UniqueColumn::TokenName)
    } else {
        None
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UniqueColumn {
    KeyPairName,
    Fingerprint,
    /// The name of a valid admin or viewer token.
    TokenName,
}

/// The unique index on the (ASCII-folded) names of valid admin and viewer tokens, made by
/// the `20261220000000_token_names` migrations; both backends name it in the violation.
const TOKEN_NAME_INDEX: &str = "tokens_active_name";
