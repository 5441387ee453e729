//! The audit log: one row per write the API answered, written in the write's own
//! transaction when it changed anything (see [`AuditScope`]), and refusals after the answer.
//! Split by what it does: the request's scope, writing entries, reading them.

mod read;
mod scope;
mod write;

use keyrack_api::TokenRole;

pub use read::{AuditFilter, AuditOutcome};
pub use scope::{note_targets, AuditScope};
pub use write::TEXT_MAX_CHARS;

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
