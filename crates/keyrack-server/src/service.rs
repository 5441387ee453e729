//! The domain rules: validation (through `keyrack-api`), limits, and what each store outcome
//! means for the client. No SQL and no HTTP here.

pub mod audit;
pub mod bindings;
pub mod fleet;
pub mod key_pairs;
pub mod tokens;

use keyrack_api::{FieldError, Rule, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX};

/// The page size asked for, or the default; 1–100.
fn page_limit(limit: Option<u32>) -> Result<u32, FieldError> {
    let limit = limit.unwrap_or(LIST_LIMIT_DEFAULT);
    if (1..=LIST_LIMIT_MAX).contains(&limit) {
        Ok(limit)
    } else {
        Err(FieldError::new(
            "limit",
            Rule::Range,
            format!("limit is {limit}; it must be between 1 and {LIST_LIMIT_MAX}"),
        ))
    }
}

/// Free text with surrounding whitespace removed; nothing when empty.
fn search_text(q: Option<String>) -> Option<String> {
    q.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty())
}
