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
//!
//! A connection the database ends (a restart, a failover) costs one more try when nothing can
//! have been committed, and a `503 DatabaseUnavailable` when a COMMIT was on its way
//! ([`commit`]); never a 500.

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
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Transaction};
use tokio::sync::{Semaphore, SemaphorePermit};

pub use audit::{
    note_targets, AuditFilter, AuditOutcome, AuditScope, NewAuditEntry, TEXT_MAX_CHARS,
};
pub use backend::Backend;
pub use bindings::{BindingFacts, BindingStep};
pub use fleet::{BoundKey, InstanceFilter, NewInstance};
pub use key_pairs::{Deletion, KeyPairChanges, KeyPairFilter, NewKeyPair, StatusAt};
pub use logins::NewLogin;
pub use seed::Seed;
pub use tokens::{NewToken, TokenRecord};
pub use transfer::TransferCounts;
pub use transport::{Mode as SslMode, Transport};

use sql::Sql;

use crate::error::{is_connection_lost, AppError};

/// The database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    /// The connections reserved for agent lookups ([`Store::lookup`]); the main pool itself
    /// until [`Store::reserve_lookup_connections`].
    lookups: AnyPool,
    /// Pages of exports being read and written at once ([`Store::export_turn`]).
    exports: Arc<Semaphore>,
    backend: Backend,
}

/// How many times a write that hit a deadlock or a serialization failure is tried in all.
const ATTEMPTS: u32 = 5;

/// How long [`Store::retry`] waits before trying again on another connection.
const RECONNECT_PAUSE: Duration = Duration::from_millis(200);

/// Connections a serving replica keeps for agent lookups, beside its main pool.
pub const LOOKUP_CONNECTIONS: u32 = 2;

/// Export pages a replica reads and renders at once, whatever the number of exports: half
/// its cores (at least one, at most 8), so exports never take more than half the CPU and
/// as many connections of the main pool.
pub fn export_pages_at_once() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    (cores / 2).clamp(1, 8)
}

tokio::task_local! {
    /// Set while an agent lookup runs: its reads take the reserved connections.
    static LOOKUP: ();
}

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
        Ok(Self {
            lookups: pool.clone(),
            pool,
            exports: Arc::new(Semaphore::new(export_pages_at_once())),
            backend,
        })
    }

    /// Gives agent lookups ([`Store::lookup`]) [`LOOKUP_CONNECTIONS`] connections of their
    /// own, beside the main pool: sshd waits on every lookup, and a main pool that a burst of
    /// exports or lists holds (each export reads page after page) must not make it wait.
    /// Token authentication and the few reads of a lookup are short, so two connections keep
    /// up with thousands of lookups a second; everything else stays on the main pool. An
    /// in-memory SQLite database has one pool only (a second would be another database).
    pub async fn reserve_lookup_connections(&mut self) -> Result<(), AppError> {
        let options = self.pool.connect_options();
        if options.database_url.as_str().contains(":memory:")
            || options.database_url.as_str().contains("mode=memory")
        {
            return Ok(());
        }
        let backend = self.backend;
        self.lookups = AnyPoolOptions::new()
            .max_connections(LOOKUP_CONNECTIONS)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| Box::pin(async move { backend.configure(conn).await }))
            .connect_with((*options).clone())
            .await?;
        Ok(())
    }

    /// Runs `work` as an agent lookup: the token's authentication and the reads it makes use
    /// the reserved connections ([`Store::reserve_lookup_connections`]).
    pub async fn lookup<F: Future>(work: F) -> F::Output {
        LOOKUP.scope((), work).await
    }

    /// The pool for a short read: the reserved one inside [`Store::lookup`].
    fn reader(&self) -> &AnyPool {
        if LOOKUP.try_with(|()| ()).is_ok() {
            &self.lookups
        } else {
            &self.pool
        }
    }

    /// A turn to read and render one page of an export: at most [`export_pages_at_once`]
    /// at a time. An export reads page after page as fast as its client takes them, and each
    /// page costs a connection and CPU; 100 exports at once would otherwise hold the whole
    /// main pool and both cores, and every other request would queue behind them. Waiting
    /// for a turn holds neither (see also [`Store::reserve_lookup_connections`]).
    pub async fn export_turn(&self) -> SemaphorePermit<'_> {
        self.exports
            .acquire()
            .await
            .expect("the export semaphore is never closed")
    }

    /// Whether the database answers `SELECT 1` within `limit`, on the reserved connections
    /// (a main pool busy with exports is not an unreachable database): `/readyz`.
    pub async fn ping(&self, limit: Duration) -> Result<(), AppError> {
        let probe = sqlx::query("SELECT 1").execute(&self.lookups);
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
        self.lookups.close().await;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A file database with a main pool of one connection, migrated.
    async fn one_connection_store(dir: &std::path::Path) -> Store {
        let url = format!("sqlite://{}", dir.join("k.db").display());
        let store = Store::open_with(&url, Some(1)).await.expect("open");
        store.migrate().await.expect("migrate");
        store
    }

    #[tokio::test]
    async fn agent_lookups_do_not_wait_for_a_busy_main_pool() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = one_connection_store(dir.path()).await;
        store.reserve_lookup_connections().await.expect("reserve");
        // The main pool's one connection is held, as a burst of exports holds them all.
        let held = store.begin_read().await.expect("hold the main pool");
        let wait = Duration::from_millis(500);
        let blocked = tokio::time::timeout(wait, store.find_token("x")).await;
        assert!(blocked.is_err(), "an ordinary read waits for the main pool");
        let lookup = tokio::time::timeout(wait, Store::lookup(store.find_token("x"))).await;
        assert!(matches!(lookup, Ok(Ok(None))), "{lookup:?}");
        let policy = tokio::time::timeout(wait, Store::lookup(store.policy())).await;
        assert!(matches!(policy, Ok(Ok(_))), "{policy:?}");
        assert!(
            store.ping(wait).await.is_ok(),
            "/readyz uses the reserved ones too"
        );
        drop(held);
        store.close().await;
    }

    #[tokio::test]
    async fn without_reserved_connections_lookups_share_the_main_pool() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = one_connection_store(dir.path()).await;
        let held = store.begin_read().await.expect("hold the main pool");
        let lookup = tokio::time::timeout(
            Duration::from_millis(300),
            Store::lookup(store.find_token("x")),
        )
        .await;
        assert!(lookup.is_err(), "the CLI's store has one pool");
        drop(held);
        store.close().await;
    }

    #[test]
    fn lost_connections_are_told_from_other_errors() {
        use std::io::{Error, ErrorKind};
        for kind in [
            ErrorKind::ConnectionReset,
            ErrorKind::BrokenPipe,
            ErrorKind::UnexpectedEof,
        ] {
            assert!(is_connection_lost(&sqlx::Error::Io(Error::from(kind))));
        }
        assert!(!is_connection_lost(&sqlx::Error::RowNotFound));
        assert!(!is_connection_lost(&sqlx::Error::PoolTimedOut));
        // A lost connection answers 503; other database errors stay 500.
        let lost = AppError::Database(sqlx::Error::Io(Error::from(ErrorKind::ConnectionReset)));
        assert_eq!(lost.to_api_error().code.status(), 503);
        let commit = AppError::CommitUnknown(sqlx::Error::Io(Error::from(ErrorKind::BrokenPipe)));
        assert_eq!(
            commit.to_api_error().code,
            keyrack_api::ErrorCode::DatabaseUnavailable
        );
        assert_eq!(
            AppError::Database(sqlx::Error::RowNotFound)
                .to_api_error()
                .code
                .status(),
            500
        );
    }

    #[tokio::test]
    async fn a_lost_connection_is_retried_once_and_a_cut_commit_never() {
        use std::io::{Error, ErrorKind};
        use std::sync::atomic::{AtomicU32, Ordering};
        let dir = tempfile::tempdir().expect("temp dir");
        let store = one_connection_store(dir.path()).await;
        let lost = || AppError::Database(sqlx::Error::Io(Error::from(ErrorKind::ConnectionReset)));
        let tries = AtomicU32::new(0);
        let once = store
            .retry(|| async {
                match tries.fetch_add(1, Ordering::SeqCst) {
                    0 => Err(lost()),
                    _ => Ok("answered"),
                }
            })
            .await;
        assert_eq!(
            (once.ok(), tries.load(Ordering::SeqCst)),
            (Some("answered"), 2)
        );
        let tries = AtomicU32::new(0);
        let twice: Result<(), _> = store
            .retry(|| async {
                tries.fetch_add(1, Ordering::SeqCst);
                Err(lost())
            })
            .await;
        assert!(twice.is_err());
        assert_eq!(tries.load(Ordering::SeqCst), 2, "one retry, not more");
        let tries = AtomicU32::new(0);
        let cut: Result<(), _> = store
            .retry(|| async {
                tries.fetch_add(1, Ordering::SeqCst);
                Err(AppError::CommitUnknown(sqlx::Error::Io(Error::from(
                    ErrorKind::BrokenPipe,
                ))))
            })
            .await;
        assert!(matches!(cut, Err(AppError::CommitUnknown(_))));
        assert_eq!(
            tries.load(Ordering::SeqCst),
            1,
            "a cut COMMIT is never retried"
        );
        store.close().await;
    }
}
