//! Reading the audit log: a filtered page, newest first.

use keyrack_api::{AuditEntry, List, Timestamp, TokenRole};

use crate::error::AppError;
use crate::store::{commit, Sql, Store};

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
    pub since: Option<Timestamp>,
    /// Before (same form).
    pub until: Option<Timestamp>,
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
    at: Timestamp,
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

impl Store {
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
