//! The audit log: one row per write the API answered.

use super::{AppError, Sql, Store};
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

type AuditRow = (
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<TokenRole>,
    String,
    Option<String>,
    i64,
    Option<String>,
);

impl Store {
    /// Appends an entry, timestamped now.
    pub async fn record_audit(&self, entry: &NewAuditEntry) -> Result<(), AppError> {
        let (actor_id, actor_name, actor_role) = match &entry.actor {
            Some((id, name, role)) => (Some(id.as_str()), Some(name.as_str()), Some(*role)),
            None => (None, None, None),
        };
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO audit_log \
             (at, actor_id, actor_name, actor_role, action, target, status, error_code) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(clock::now())
        .bind(actor_id)
        .bind(actor_name)
        .bind(actor_role)
        .bind(&entry.action)
        .bind(entry.target.as_deref())
        .bind(i64::from(entry.status))
        .bind(entry.error_code.as_deref())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// One page of entries, newest first, and the number of all matches.
    pub async fn list_audit(&self, filter: &AuditFilter) -> Result<List<AuditEntry>, AppError> {
        let mut tx = self.begin_read().await?;
        let mut count = Sql::new("SELECT COUNT(*) FROM audit_log");
        self.push_audit_filter(&mut count, filter);
        let total: i64 = count.fetch_scalar(&mut *tx).await?;
        let mut page = Sql::new(
            "SELECT id, at, actor_id, actor_name, actor_role, action, target, status, error_code \
             FROM audit_log",
        );
        self.push_audit_filter(&mut page, filter);
        page.push(" ORDER BY id DESC LIMIT ")
            .bind(i64::from(filter.limit))
            .push(" OFFSET ")
            .bind(i64::from(filter.offset));
        let rows: Vec<AuditRow> = page.fetch_all(&mut *tx).await?;
        tx.commit().await?;
        let items = rows
            .into_iter()
            .map(
                |(id, at, actor_id, actor_name, actor_role, action, target, status, error_code)| {
                    AuditEntry {
                        id,
                        at,
                        actor_id,
                        actor_name,
                        actor_role,
                        action,
                        target,
                        status: u16::try_from(status).unwrap_or(0),
                        error_code,
                    }
                },
            )
            .collect();
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
