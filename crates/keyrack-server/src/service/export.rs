//! `GET /key-pairs/export.csv` and `.json`: every key pair of a filtered view (the list's
//! filters and order, without its paging), written page by page as it is read, so an
//! export of 100,000 keys never sits whole in memory.
//!
//! Pages are read by offset, each in its own query: a key created or deleted during a long
//! export can shift a page by one row (a row seen twice or missed), as it would when paging
//! through the list by hand.

use std::sync::Arc;

use axum::body::Bytes;
use futures_util::stream::{self, Stream};
use keyrack_api::{KeyPair, KeyPairQuery, Policy, Timestamp};

use super::key_pairs::filter;
use super::policy;
use crate::error::AppError;
use crate::store::{KeyPairFilter, Store};

/// Key pairs read per query.
const PAGE: u32 = 500;

/// The file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One header line, then one row per key pair.
    Csv,
    /// A JSON array of key pairs, exactly as `GET /key-pairs/{id}` serves each.
    Json,
}

impl Format {
    /// `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Json => "application/json",
        }
    }

    /// The file name offered for saving.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Csv => "keyrack-key-pairs.csv",
            Self::Json => "keyrack-key-pairs.json",
        }
    }
}

/// The CSV columns, in order; columns added later go at the end, so a reader by position
/// keeps working.
const COLUMNS: [&str; 22] = [
    "id",
    "name",
    "description",
    "algorithm",
    "bits",
    "fingerprint_sha256",
    "fingerprint_md5",
    "comment",
    "origin",
    "tags",
    "instance_ids",
    "image_ids",
    "expires_at",
    "allowed_by_policy",
    "created_at",
    "updated_at",
    "public_key",
    "last_login_at",
    "last_login_instance_id",
    "last_login_instance_name",
    "last_login_user",
    "last_login_client_address",
];

enum Step {
    Start,
    /// The next page's offset, and the policy read at the start, which marks every page.
    Page(u32, Arc<Policy>),
    Done,
}

/// The export of the view `query` names, checked before anything is sent (a bad filter is
/// a 400, not a broken download).
pub fn key_pairs(
    store: Store,
    query: KeyPairQuery,
    format: Format,
) -> Result<impl Stream<Item = Result<Bytes, AppError>> + Send + 'static, AppError> {
    let mut base = filter(KeyPairQuery {
        offset: None,
        limit: None,
        ..query
    })?;
    base.limit = PAGE;
    Ok(stream::try_unfold(Step::Start, move |step| {
        let (store, base) = (store.clone(), base.clone());
        async move {
            match step {
                Step::Start => {
                    let policy = Arc::new(store.policy().await?);
                    Ok(Some((header(format), Step::Page(0, policy))))
                }
                Step::Page(offset, policy) => {
                    // Until the page is rendered: exports take turns, so a hundred of them
                    // hold two connections and two pages' CPU, not the whole replica.
                    let _turn = store.export_turn().await;
                    let mut page = store
                        .list_key_pairs(&KeyPairFilter { offset, ..base })
                        .await?;
                    policy::mark(&policy, &mut page.items);
                    if page.items.is_empty() {
                        let end = if format == Format::Json { "]\n" } else { "" };
                        return Ok(Some((Bytes::from_static(end.as_bytes()), Step::Done)));
                    }
                    let next = offset + u32::try_from(page.items.len()).unwrap_or(PAGE);
                    Ok(Some((
                        render(format, &page.items, offset == 0)?,
                        Step::Page(next, policy),
                    )))
                }
                Step::Done => Ok(None),
            }
        }
    }))
}

fn header(format: Format) -> Bytes {
    match format {
        Format::Csv => Bytes::from(format!("{}\r\n", COLUMNS.join(","))),
        Format::Json => Bytes::from_static(b"["),
    }
}

/// One page, in `format`; `first`: the first page (no separator before it).
fn render(format: Format, items: &[KeyPair], first: bool) -> Result<Bytes, AppError> {
    match format {
        Format::Json => {
            let mut out = Vec::new();
            for (n, key) in items.iter().enumerate() {
                if !(first && n == 0) {
                    out.push(b',');
                }
                out.push(b'\n');
                serde_json::to_writer(&mut out, key)
                    .map_err(|e| AppError::Internal(e.to_string()))?;
            }
            Ok(Bytes::from(out))
        }
        Format::Csv => {
            let mut writer = csv::WriterBuilder::new()
                .has_headers(false)
                .terminator(csv::Terminator::CRLF)
                .from_writer(Vec::new());
            for key in items {
                writer
                    .write_record(row(key))
                    .map_err(|e| AppError::Internal(e.to_string()))?;
            }
            let out = writer
                .into_inner()
                .map_err(|e| AppError::Internal(e.to_string()))?;
            Ok(Bytes::from(out))
        }
    }
}

/// A key pair's cells, in [`COLUMNS`] order. Tags are `key=value`, one per line of the cell.
fn row(key: &KeyPair) -> [String; 22] {
    let tags = key
        .tags
        .iter()
        .map(|t| format!("{}={}", t.key, t.value))
        .collect::<Vec<_>>()
        .join("\n");
    let login = key.last_login.as_ref();
    [
        key.id.clone(),
        key.name.clone(),
        cell(&key.description),
        key.algorithm.as_str().to_owned(),
        key.bits.to_string(),
        key.fingerprint_sha256.clone(),
        key.fingerprint_md5.clone(),
        cell(&key.comment),
        key.origin.to_string(),
        cell(&tags),
        key.instance_ids.join(" "),
        key.image_ids.join(" "),
        key.expires_at
            .as_ref()
            .map(Timestamp::to_string)
            .unwrap_or_default(),
        key.allowed_by_policy.to_string(),
        key.created_at.to_string(),
        key.updated_at.to_string(),
        key.public_key.clone(),
        login.map(|l| l.at.to_string()).unwrap_or_default(),
        login.map(|l| l.instance_id.clone()).unwrap_or_default(),
        login.map(|l| cell(&l.instance_name)).unwrap_or_default(),
        login.map(|l| l.user.clone()).unwrap_or_default(),
        login.map(|l| l.client_address.clone()).unwrap_or_default(),
    ]
}

/// Free text for a spreadsheet: a cell that starts like a formula (`=`, `+`, `-`, `@`) gets a
/// leading `'`, so opening the export never runs what a key's description says.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_other_text_is_kept() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("deploy key"), "deploy key");
    }
}
