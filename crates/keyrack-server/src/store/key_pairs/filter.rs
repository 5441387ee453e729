//! The WHERE clause of a key pair filter: the search box (names, ids, fingerprints), tags,
//! status and unused-since, written so each can use an index.

use keyrack_api::{KeyStatus, TagFilter};

use super::KeyPairFilter;
use crate::store::sql::Sql;
use crate::store::{Backend, Store};

/// Fingerprint searches without the `SHA256:`/`MD5:` prefix need this many characters, so a
/// short name search does not also match every fingerprint that starts the same way.
const BARE_FINGERPRINT_MIN_CHARS: usize = 6;

impl Store {
    /// The WHERE clause of `filter`. `common_tag`: the tag filter matches a large share of
    /// the key pairs (see [`Store::is_common_tag`]).
    pub(super) fn push_filter(&self, sql: &mut Sql, filter: &KeyPairFilter, common_tag: bool) {
        let mut clause = " WHERE ";
        if let Some(text) = &filter.text {
            sql.push(clause).push("(");
            self.push_text_match(sql, text);
            sql.push(")");
            clause = " AND ";
        }
        if let Some(tag) = &filter.tag {
            // `+` keeps SQLite from reading the page through the tag index.
            sql.push(clause)
                .push(if common_tag { "+k.id" } else { "k.id" })
                .push(" IN (SELECT key_pair_id FROM key_pair_tags WHERE ");
            push_tag_match(sql, tag);
            sql.push(")");
            clause = " AND ";
        }
        if let Some(at) = &filter.status {
            sql.push(clause);
            match at.status {
                KeyStatus::Active => sql
                    .push("(k.expires_at IS NULL OR k.expires_at > ")
                    .bind(at.bounds.now().clone())
                    .push(")"),
                KeyStatus::Expiring => sql
                    .push("k.expires_at > ")
                    .bind(at.bounds.now().clone())
                    .push(" AND k.expires_at <= ")
                    .bind(at.bounds.soon().clone()),
                KeyStatus::Expired => sql.push("k.expires_at <= ").bind(at.bounds.now().clone()),
            };
            clause = " AND ";
        }
        if let Some(since) = &filter.unused_since {
            // A login is never older than its key, so both before `since` means neither the
            // key's creation nor any login is newer. '' (never) is before every time.
            sql.push(clause)
                .push("k.last_login_at < ")
                .bind(since.clone())
                .push(" AND k.created_at < ")
                .bind(since.clone());
        }
    }

    /// The search box: a substring of the name or id (case-insensitive), or a prefix of a
    /// fingerprint, whole (`SHA256:ab…`, `MD5:12:…`) or, from six characters, without its
    /// `SHA256:`/`MD5:`. Every branch can use an index: trigrams for substrings, the
    /// fingerprints' btrees for prefixes.
    fn push_text_match(&self, sql: &mut Sql, text: &str) {
        let lower = text.to_lowercase();
        let mut any = Or::default();
        // Names and ids have no colon; fingerprints' prefixes and MD5 hex have.
        if !text.contains(':') {
            any.next(sql);
            self.push_substring(sql, &lower);
            if text.chars().count() >= BARE_FINGERPRINT_MIN_CHARS {
                any.next(sql);
                push_prefix(sql, "k.fingerprint_sha256", &format!("SHA256:{text}"));
            }
        }
        // SHA-256 is base64, so its case matters; MD5 is hex, so it does not.
        any.next(sql);
        push_prefix(sql, "k.fingerprint_sha256", text);
        let md5 = match lower.strip_prefix("md5:") {
            Some(hex) => Some(format!("MD5:{hex}")),
            None => {
                (text.chars().count() >= BARE_FINGERPRINT_MIN_CHARS).then(|| format!("MD5:{lower}"))
            }
        };
        if let Some(md5) = md5 {
            any.next(sql);
            push_prefix(sql, "k.fingerprint_md5", &md5);
        }
    }

    /// `lower` within the name or the id.
    fn push_substring(&self, sql: &mut Sql, lower: &str) {
        match self.backend {
            Backend::Postgres => {
                let pattern = format!("%{}%", escape_like(lower));
                sql.push("k.name_lower LIKE ")
                    .bind(pattern.clone())
                    .push(" ESCAPE '\\' OR k.id LIKE ")
                    .bind(pattern)
                    .push(" ESCAPE '\\'");
            }
            // The trigram index needs three characters; shorter text scans.
            Backend::Sqlite if lower.chars().count() >= 3 => {
                sql.push(
                    "k.rowid IN (SELECT rowid FROM key_pairs_search WHERE key_pairs_search MATCH ",
                )
                .bind(format!("\"{}\"", lower.replace('"', "\"\"")))
                .push(")");
            }
            Backend::Sqlite => {
                sql.push("instr(k.name_lower, ")
                    .bind(lower.to_owned())
                    .push(") > 0 OR instr(k.id, ")
                    .bind(lower.to_owned())
                    .push(") > 0");
            }
        }
    }
}

/// Joins the branches of a condition with OR.
#[derive(Default)]
struct Or(bool);

impl Or {
    fn next(&mut self, sql: &mut Sql) {
        if self.0 {
            sql.push(" OR ");
        }
        self.0 = true;
    }
}

/// `key = $k [AND value = $v]` of `key_pair_tags`.
pub(super) fn push_tag_match(sql: &mut Sql, tag: &TagFilter) {
    sql.push("key = ").bind(tag.key.clone());
    if let Some(value) = &tag.value {
        sql.push(" AND value = ").bind(value.clone());
    }
}

/// `column` starts with `prefix`, as a range an index answers (both backends compare these
/// columns byte by byte: SQLite's BINARY, PostgreSQL's COLLATE "C").
fn push_prefix(sql: &mut Sql, column: &str, prefix: &str) {
    sql.push(&format!("({column} >= "))
        .bind(prefix.to_owned())
        .push(&format!(" AND {column} < "))
        .bind(format!("{prefix}\u{10FFFF}"))
        .push(")");
}

/// `text` matched literally by LIKE … ESCAPE '\'.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock;
    use crate::store::StatusAt;
    use keyrack_api::StatusBounds;

    /// On SQLite, a page of expired (or expiring) keys in either sort is read from the partial
    /// expiry index alone, as the status filter writes it: no table row is read to sort.
    #[tokio::test]
    async fn status_pages_are_read_from_the_expiry_index() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("plan.db").display());
        let store = Store::open_with(&url, Some(1)).await.expect("open");
        store.migrate().await.expect("migrate");
        for (status, column) in [
            (KeyStatus::Expired, "k.created_at"),
            (KeyStatus::Expiring, "k.name_lower"),
        ] {
            let filter = KeyPairFilter {
                status: Some(StatusAt {
                    status,
                    bounds: StatusBounds::at(clock::now()),
                }),
                ..KeyPairFilter::default()
            };
            let mut sql = Sql::new("EXPLAIN QUERY PLAN SELECT k.id FROM key_pairs k");
            store.push_filter(&mut sql, &filter, false);
            sql.push(&format!(" ORDER BY {column} DESC, k.id DESC LIMIT 20"));
            let mut conn = store.pool.acquire().await.expect("connection");
            let plan: Vec<(i64, i64, i64, String)> = sql.fetch_all(&mut *conn).await.expect("plan");
            let details: Vec<&str> = plan.iter().map(|row| row.3.as_str()).collect();
            assert!(
                details[0].starts_with("SEARCH k USING COVERING INDEX key_pairs_expires_at"),
                "{status:?}: {details:?}"
            );
        }
        store.close().await;
    }
}
