//! Reading the audit log.

use keyrack_api::{
    page_limit, AuditEntry, AuditQuery, ErrorCode, FieldError, List, Rule, Timestamp,
};

use crate::error::AppError;
use crate::store::{AuditFilter, AuditOutcome, Store};

/// One page of the log, newest first.
pub async fn list(store: &Store, query: AuditQuery) -> Result<List<AuditEntry>, AppError> {
    let filter = AuditFilter {
        actor: non_empty(query.actor),
        action: non_empty(query.action),
        target: non_empty(query.target),
        outcome: non_empty(query.outcome)
            .map(|o| parse_outcome(&o))
            .transpose()?,
        since: non_empty(query.since)
            .map(|t| Timestamp::parse("since", &t))
            .transpose()?,
        until: non_empty(query.until)
            .map(|t| Timestamp::parse("until", &t))
            .transpose()?,
        offset: query.offset.unwrap_or(0),
        limit: page_limit(query.limit)?,
    };
    store.list_audit(&filter).await
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

fn parse_outcome(text: &str) -> Result<AuditOutcome, FieldError> {
    match text {
        "success" => return Ok(AuditOutcome::Success),
        "failure" => return Ok(AuditOutcome::Failure),
        _ => {}
    }
    if let Ok(status) = text.parse::<u16>() {
        if (100..=599).contains(&status) {
            return Ok(AuditOutcome::Status(status));
        }
    }
    if ErrorCode::is_known_name(text) {
        Ok(AuditOutcome::ErrorCode(text.to_owned()))
    } else {
        Err(FieldError::new(
            "outcome",
            Rule::Format,
            "outcome must be success, failure, an HTTP status such as 403, or an error code such as Forbidden",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_parse() {
        assert_eq!(parse_outcome("success"), Ok(AuditOutcome::Success));
        assert_eq!(parse_outcome("403"), Ok(AuditOutcome::Status(403)));
        assert_eq!(
            parse_outcome("Forbidden"),
            Ok(AuditOutcome::ErrorCode("Forbidden".into()))
        );
        assert!(parse_outcome("nope").is_err());
    }
}
