//! The audit log: one row per write the API answered, written in the write's own
//! transaction when it changed anything (see [`AuditScope`]), and refusals after the answer.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use sqlx::{Any, Transaction};

use super::{commit, AppError, Sql, Store};
use crate::clock;
use keyrack_api::{AuditEntry, List, TokenRole};

/// A write to record.
#[derive(Debug, Clone, Default)]
pub struct NewAuditEntry {
    /// The token's id, name and role; `None` without a valid token.
    pub actor: Option<(String, String, TokenRole)>,
    /// `METHOD route`.
    pub action: String,
    /// The id the write was about.
    pub target: Option<String>,
    /// The answer's status.
    pub status: u16,
    /// The answer's error code, if it was a refusal.
    pub error_code: Option<String>,
    /// The client's address, when known.
    pub client: Option<String>,
    /// How many requests the entry stands for (1 but for counted refusals).
    pub repeats: u64,
    /// Every id the request touched when there are several (an import's new key pairs, a
    /// batch delete's deleted ones); see [`note_targets`].
    pub targets: Vec<String>,
    /// What a read that is recorded ran with (an export's filter, as a query string).
    pub detail: Option<String>,
}

/// Notes ids the current request touched (outside a request, nothing): written with its
/// audit entry when the change commits, or added to it once the answer is known.
pub fn note_targets<I: IntoIterator<Item = String>>(ids: I) {
    if let Some(scope) = AuditScope::current() {
        scope
            .entry
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .targets
            .extend(ids);
    }
}

/// The write an API request is making. The HTTP layer opens it around the handler; the
/// authenticating extractor fills in the actor; the store's write methods commit the entry
/// in the same transaction as the change ([`Store::commit_audited`]), so a change is never
/// applied without its entry. A request that changes nothing (a refusal) leaves it unused,
/// and the HTTP layer records the refusal itself.
#[derive(Debug, Default)]
pub struct AuditScope {
    entry: Mutex<NewAuditEntry>,
    recorded: Mutex<Option<(i64, usize)>>,
}

tokio::task_local! {
    static SCOPE: Arc<AuditScope>;
}

impl AuditScope {
    /// A scope for `entry`, whose `status` is the one a success of this route answers.
    pub fn new(entry: NewAuditEntry) -> Arc<Self> {
        Arc::new(Self {
            entry: Mutex::new(entry),
            recorded: Mutex::new(None),
        })
    }

    /// Runs `fut` (the handler) inside this scope.
    pub async fn run<F: Future>(self: &Arc<Self>, fut: F) -> F::Output {
        SCOPE.scope(Arc::clone(self), fut).await
    }

    /// Records who is making the request.
    pub fn set_actor(&self, id: &str, name: &str, role: TokenRole) {
        self.entry
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .actor = Some((id.to_owned(), name.to_owned(), role));
    }

    /// The entry as it stands.
    pub fn entry(&self) -> NewAuditEntry {
        self.entry
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The id of the entry a committed write wrote, if one did, and how many targets it was
    /// written with.
    pub fn recorded(&self) -> Option<i64> {
        self.written().map(|(id, _)| id)
    }

    /// [`Self::recorded`], with the number of targets the entry was written with.
    pub fn written(&self) -> Option<(i64, usize)> {
        *self.recorded.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The scope of the current task, if an API request opened one.
    fn current() -> Option<Arc<Self>> {
        SCOPE.try_with(Arc::clone).ok()
    }
}

/// Which entries to list; every field narrows the result.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Token id or name, exactly.
    pub actor: Option<String>,
    /// Substring of the action, case-insensitive.
    pub action: Option<String>,
    /// Target id, exactly.
    pub target: Option<String>,
    /// The outcome.
    pub outcome: Option<AuditOutcome>,
    /// At or after (RFC 3339 UTC with milliseconds, as stored).
    pub since: Option<String>,
    /// Before (same form).
    pub until: Option<String>,
    /// Items to skip.
    pub offset: u32,
    /// Page size.
    pub limit: u32,
}

/// An outcome filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditOutcome {
    /// 1xx–3xx.
    Success,
    /// 4xx and 5xx.
    Failure,
    /// Exactly this status.
    Status(u16),
    /// Exactly this error code.
    ErrorCode(String),
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: String,
    actor_id: Option<String>,
    actor_name: Option<String>,
    actor_role: Option<TokenRole>,
    action: String,
    target: Option<String>,
    status: i64,
    error_code: Option<String>,
    client: Option<String>,
    repeats: i64,
    targets: Option<String>,
    detail: Option<String>,
}

impl From<AuditRow> for AuditEntry {
    fn from(row: AuditRow) -> Self {
        Self {
            id: row.id,
            at: row.at,
            actor_id: row.actor_id,
            actor_name: row.actor_name,
            actor_role: row.actor_role,
            action: row.action,
            target: row.target,
            status: u16::try_from(row.status).unwrap_or(0),
            error_code: row.error_code,
            client: row.client,
            repeats: u64::try_from(row.repeats).unwrap_or(1),
            targets: row
                .targets
                .map(|t| t.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default(),
            detail: row.detail,
        }
    }
}

/// Most characters of a target or client kept: longer ones are cut, so the log stays small
/// and PostgreSQL's index on `target` never meets an entry over about 2,700 bytes.
pub const TEXT_MAX_CHARS: usize = 128;

fn capped(text: Option<&str>) -> Option<String> {
    text.map(|t| t.chars().take(TEXT_MAX_CHARS).collect())
}

/// The stored form of `targets`: space-separated (ids hold no spaces), `None` when empty.
fn joined(targets: &[String]) -> Option<String> {
    (!targets.is_empty()).then(|| targets.join(" "))
}

/// Most characters of a detail kept (an export's query string is at most a few hundred).
const DETAIL_MAX_CHARS: usize = 1024;

fn detail_capped(text: Option<&str>) -> Option<String> {
    text.map(|t| t.chars().take(DETAIL_MAX_CHARS).collect())
}

/// Writes `entry` in `tx`, timestamped now; its id.
async fn insert_entry(
    tx: &mut Transaction<'static, Any>,
    entry: &NewAuditEntry,
) -> Result<i64, sqlx::Error> {
    let (actor_id, actor_name, actor_role) = match &entry.actor {
        Some((id, name, role)) => (Some(id.as_str()), Some(name.as_str()), Some(*role)),
        None => (None, None, None),
    };
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO audit_log \
         (at, actor_id, actor_name, actor_role, action, target, status, error_code, client, repeats, \
         targets, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(clock::now())
    .bind(actor_id)
    .bind(actor_name)
    .bind(actor_role)
    .bind(&entry.action)
    .bind(capped(entry.target.as_deref()))
    .bind(i64::from(entry.status))
    .bind(entry.error_code.as_deref())
    .bind(capped(entry.client.as_deref()))
    .bind(i64::try_from(entry.repeats.max(1)).unwrap_or(i64::MAX))
    .bind(joined(&entry.targets))
    .bind(detail_capped(entry.detail.as_deref()))
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

impl Store {
    /// Appends an entry, timestamped now, in its own transaction: for answers that changed
    /// nothing (refusals) and for counted refusals.
    pub async fn record_audit(&self, entry: &NewAuditEntry) -> Result<(), AppError> {
        self.retry(|| self.try_record_audit(entry)).await
    }

    async fn try_record_audit(&self, entry: &NewAuditEntry) -> Result<(), AppError> {
        let mut tx = self.begin_write().await?;
        insert_entry(&mut tx, entry).await?;
        commit(tx).await?;
        Ok(())
    }

    /// Commits `tx`, the change an API request makes, with the request's audit entry in it.
    /// `target` is the id the change was about when the path does not name it (what a create
    /// made). The entry is written once per request: a request that commits several
    /// transactions is recorded by the first that commits. Outside a request (startup, the
    /// CLI) it is a plain commit.
    pub(super) async fn commit_audited(
        &self,
        mut tx: Transaction<'static, Any>,
        target: Option<&str>,
    ) -> Result<(), AppError> {
        let Some(scope) = AuditScope::current().filter(|s| s.recorded().is_none()) else {
            commit(tx).await?;
            return Ok(());
        };
        let mut entry = scope.entry();
        if entry.target.is_none() {
            entry.target = target.map(str::to_owned);
        }
        let id = insert_entry(&mut tx, &entry).await?;
        commit(tx).await?;
        *scope
            .recorded
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some((id, entry.targets.len()));
        Ok(())
    }

    /// Completes an entry a write committed, once the answer is known: its outcome, when it
    /// was not the one its route gives on success (rare: the change committed, then the
    /// answer differed), and every target, when the request went on touching ids after its
    /// first commit (an import creates its keys one transaction each).
    pub async fn complete_audit_entry(
        &self,
        id: i64,
        status: u16,
        error_code: Option<&str>,
        targets: &[String],
    ) -> Result<(), AppError> {
        self.retry(|| self.try_complete_audit_entry(id, status, error_code, targets))
            .await
    }

    async fn try_complete_audit_entry(
        &self,
        id: i64,
        status: u16,
        error_code: Option<&str>,
        targets: &[String],
    ) -> Result<(), AppError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE audit_log SET status = $1, error_code = $2, targets = $3 WHERE id = $4",
        )
        .bind(i64::from(status))
        .bind(error_code)
        .bind(joined(targets))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        commit(tx).await?;
        Ok(())
    }

    /// Deletes entries older than `before` (RFC 3339, as stored), a batch at a time so no
    /// transaction holds the log for long; how many went.
    pub async fn prune_audit(&self, before: &str) -> Result<u64, AppError> {
        const BATCH: i64 = 5_000;
        let mut pruned = 0;
        loop {
            let mut tx = self.begin_write().await?;
            let done = sqlx::query(
                "DELETE FROM audit_log WHERE id IN \
                 (SELECT id FROM audit_log WHERE at < $1 ORDER BY at LIMIT $2)",
            )
            .bind(before)
            .bind(BATCH)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            commit(tx).await?;
            pruned += done;
            if done < BATCH.unsigned_abs() {
                return Ok(pruned);
            }
        }
    }

    /// One page of entries, newest first, and the number of all matches.
    pub async fn list_audit(&self, filter: &AuditFilter) -> Result<List<AuditEntry>, AppError> {
        self.retry(|| self.try_list_audit(filter)).await
    }

    async fn try_list_audit(&self, filter: &AuditFilter) -> Result<List<AuditEntry>, AppError> {
        let mut tx = self.begin_read().await?;
        let mut count = Sql::new("SELECT COUNT(*) FROM audit_log");
        self.push_audit_filter(&mut count, filter);
        let total: i64 = count.fetch_scalar(&mut *tx).await?;
        let mut page = Sql::new(
            "SELECT id, at, actor_id, actor_name, actor_role, action, target, status, error_code, \
             client, repeats, targets, detail FROM audit_log",
        );
        self.push_audit_filter(&mut page, filter);
        page.push(" ORDER BY id DESC LIMIT ")
            .bind(i64::from(filter.limit))
            .push(" OFFSET ")
            .bind(i64::from(filter.offset));
        let rows: Vec<AuditRow> = page.fetch_all(&mut *tx).await?;
        commit(tx).await?;
        let items = rows.into_iter().map(AuditEntry::from).collect();
        Ok(List {
            total: u64::try_from(total).unwrap_or(0),
            items,
        })
    }
}

impl Store {
    fn push_audit_filter(&self, query: &mut Sql, filter: &AuditFilter) {
        query.push(" WHERE 1 = 1");
        if let Some(actor) = &filter.actor {
            query
                .push(" AND (actor_id = ")
                .bind(actor.clone())
                .push(" OR actor_name = ")
                .bind(actor.clone())
                .push(")");
        }
        if let Some(action) = &filter.action {
            // instr/strpos, not LIKE: the text is matched literally, `%` and `_` included.
            query
                .push(&format!(
                    " AND {}(lower(action), ",
                    self.backend.position_fn()
                ))
                .bind(action.to_lowercase())
                .push(") > 0");
        }
        if let Some(target) = &filter.target {
            query.push(" AND target = ").bind(target.clone());
        }
        match &filter.outcome {
            None => {}
            Some(AuditOutcome::Success) => {
                query.push(" AND status < 400");
            }
            Some(AuditOutcome::Failure) => {
                query.push(" AND status >= 400");
            }
            Some(AuditOutcome::Status(status)) => {
                query.push(" AND status = ").bind(i64::from(*status));
            }
            Some(AuditOutcome::ErrorCode(code)) => {
                query.push(" AND error_code = ").bind(code.clone());
            }
        }
        if let Some(since) = &filter.since {
            query.push(" AND at >= ").bind(since.clone());
        }
        if let Some(until) = &filter.until {
            query.push(" AND at < ").bind(until.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> Store {
        let store = Store::open_with("sqlite::memory:", Some(1))
            .await
            .expect("open");
        store.migrate().await.expect("migrate");
        store
    }

    fn entry(action: &str) -> NewAuditEntry {
        NewAuditEntry {
            action: action.to_owned(),
            status: 204,
            repeats: 1,
            ..NewAuditEntry::default()
        }
    }

    #[tokio::test]
    async fn pruning_deletes_only_entries_older_than_the_retention() {
        let store = store().await;
        for action in ["old one", "old two", "recent"] {
            store.record_audit(&entry(action)).await.expect("record");
        }
        sqlx::query(
            "UPDATE audit_log SET at = '2020-01-01T00:00:00.000Z' WHERE action LIKE 'old%'",
        )
        .execute(&store.pool)
        .await
        .expect("age two entries");
        let retention = std::time::Duration::from_secs(400 * 86_400);
        assert_eq!(
            store
                .prune_audit(&clock::before(retention))
                .await
                .expect("prune"),
            2
        );
        let left = store
            .list_audit(&AuditFilter {
                limit: 10,
                ..AuditFilter::default()
            })
            .await
            .expect("list");
        assert_eq!(left.total, 1);
        assert_eq!(left.items[0].action, "recent");
        assert_eq!(
            store
                .prune_audit(&clock::before(retention))
                .await
                .expect("prune"),
            0
        );
    }

    #[tokio::test]
    async fn a_write_commits_its_entry_once_and_other_commits_none() {
        let store = store().await;
        let scope = AuditScope::new(NewAuditEntry {
            action: "DELETE /api/v1/tokens/{id}".into(),
            status: 204,
            repeats: 1,
            ..NewAuditEntry::default()
        });
        // Committed: the entry is in the same transaction, once, however many commits.
        scope
            .run(async {
                for _ in 0..2 {
                    let tx = store.begin_write().await.expect("begin");
                    store
                        .commit_audited(tx, Some("tok-1"))
                        .await
                        .expect("commit");
                }
            })
            .await;
        let id = scope.recorded().expect("recorded");
        let all = store
            .list_audit(&AuditFilter {
                limit: 10,
                ..AuditFilter::default()
            })
            .await
            .expect("list");
        assert_eq!(all.total, 1);
        assert_eq!(all.items[0].id, id);
        assert_eq!(all.items[0].target.as_deref(), Some("tok-1"));
        assert_eq!(all.items[0].status, 204);
        // Outside a request a commit writes no entry.
        let tx = store.begin_write().await.expect("begin");
        store.commit_audited(tx, None).await.expect("commit");
        assert_eq!(
            store
                .list_audit(&AuditFilter {
                    limit: 10,
                    ..AuditFilter::default()
                })
                .await
                .expect("list")
                .total,
            1
        );
    }
}
