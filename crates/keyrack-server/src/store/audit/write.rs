//! Writing the audit log: an entry in its own transaction or with the change it records,
//! completing an entry once the answer is known, and pruning old entries.

use keyrack_api::Timestamp;
use sqlx::{Any, Transaction};

use super::scope::AuditScope;
use super::NewAuditEntry;
use crate::clock;
use crate::error::AppError;
use crate::store::{commit, Store};

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
    pub(in crate::store) async fn commit_audited(
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
        scope.set_written(id, entry.targets.len());
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
        self.retry(|| async move {
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
            commit(tx).await
        })
        .await
    }

    /// Deletes entries older than `before`, a batch at a time so no
    /// transaction holds the log for long; how many went.
    pub async fn prune_audit(&self, before: &Timestamp) -> Result<u64, AppError> {
        const BATCH: i64 = 5_000;
        let mut pruned = 0;
        loop {
            let mut tx = self.begin_write().await?;
            let done = sqlx::query(
                "DELETE FROM audit_log WHERE id IN \
                 (SELECT id FROM audit_log WHERE at < $1 ORDER BY at LIMIT $2)",
            )
            .bind(before.clone())
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::AuditFilter;

    async fn store() -> Store {
        let store = Store::open_with("sqlite::memory:", Some(1))
            .await
            .expect("open");
        store.migrate().await.expect("migrate");
        store
    }

    /// The audit log's first page, of ten entries.
    async fn first_ten(store: &Store) -> keyrack_api::List<keyrack_api::AuditEntry> {
        let filter = AuditFilter {
            limit: 10,
            ..AuditFilter::default()
        };
        store.list_audit(&filter).await.expect("list")
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
        let left = first_ten(&store).await;
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
        let all = first_ten(&store).await;
        assert_eq!(all.total, 1);
        assert_eq!(all.items[0].id, id);
        assert_eq!(all.items[0].target.as_deref(), Some("tok-1"));
        assert_eq!(all.items[0].status, 204);
        // Outside a request a commit writes no entry.
        let tx = store.begin_write().await.expect("begin");
        store.commit_audited(tx, None).await.expect("commit");
        assert_eq!(first_ten(&store).await.total, 1);
    }
}
