//! The domain rules: validation (through `keyrack-api`), limits, and what each store outcome
//! means for the client. No SQL and no HTTP here.

pub mod audit;
pub mod bindings;
pub mod export;
pub mod fleet;
pub mod import;
pub mod key_pairs;
pub mod logins;
pub mod policy;
pub mod tokens;

/// Free text with surrounding whitespace removed; nothing when empty.
fn search_text(q: Option<String>) -> Option<String> {
    q.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty())
}
