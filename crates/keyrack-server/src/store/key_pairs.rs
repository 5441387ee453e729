//! Key pairs, their tags, and what references them.

use std::collections::{HashMap, HashSet};

use keyrack_api::{
    ErrorCode, KeyLogin, KeyPair, KeyPairSort, KeyStatus, List, Origin, Tag, TagFilter,
    UpdateKeyPair,
};
use sqlx::AnyConnection;

use super::{unique_violation, AppError, Sql, Store, UniqueColumn};
use crate::clock;
use crate::ids::random_id;

/// A key pair to insert, already validated and parsed by the service.
#[derive(Debug, Clone)]
pub struct NewKeyPair {
    /// Name as given.
    pub name: String,
    /// Description.
    pub description: String,
    /// Normalised `<algorithm> <base64>`.
    pub public_key: String,
    /// The key's comment.
    pub comment: String,
    /// SSH algorithm name.
    pub algorithm: String,
    /// Key size.
    pub bits: u32,
    /// `SHA256:…`.
    pub fingerprint_sha256: String,
    /// `MD5:…`.
    pub fingerprint_md5: String,
    /// Generated or imported.
    pub origin: Origin,
    /// Tags in order.
    pub tags: Vec<Tag>,
    /// When it stops working, in the stored form.
    pub expires_at: Option<String>,
}

/// Which key pairs to list.
#[derive(Debug, Clone, Default)]
pub struct KeyPairFilter {
    /// Substring of name or id (case-insensitive), or a fingerprint prefix.
    pub text: Option<String>,
    /// Only key pairs carrying this tag.
    pub tag: Option<TagFilter>,
    /// Only key pairs in this state of their life, at the time of the query.
    pub status: Option<StatusAt>,
    /// Only key pairs created before this time (stored form) that have not logged in since.
    pub unused_since: Option<String>,
    /// Order.
    pub sort: KeyPairSort,
    /// Rows to skip.
    pub offset: u32,
    /// Rows to return.
    pub limit: u32,
}

/// A status filter and the times that decide it: `now`, and `soon`
/// ([`keyrack_api::EXPIRING_WITHIN_DAYS`] days later), both in the stored form.
#[derive(Debug, Clone)]
pub struct StatusAt {
    /// Which keys.
    pub status: KeyStatus,
    /// Now.
    pub now: String,
    /// The end of the *expiring* window.
    pub soon: String,
}

/// What a conditional delete did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deletion {
    /// Deleted.
    Deleted {
        /// Its name.
        name: String,
    },
    /// There was no such key pair.
    NotFound,
    /// Kept, because instances or images reference it.
    Kept {
        /// Its name.
        name: String,
        /// Instances it is bound to.
        instance_ids: Vec<String>,
        /// Images that carry it.
        image_ids: Vec<String>,
    },
}

#[derive(sqlx::FromRow)]
struct KeyPairRow {
    id: String,
    name: String,
    description: String,
    public_key: String,
    comment: String,
    algorithm: String,
    bits: i64,
    fingerprint_sha256: String,
    fingerprint_md5: String,
    origin: Origin,
    created_at: String,
    updated_at: String,
    version: i64,
    expires_at: Option<String>,
    #[sqlx(flatten)]
    last_login: LastLoginRow,
}

/// The key's newest login, from the `LEFT JOIN` of [`FROM`]: all `NULL` when it never
/// logged in.
#[derive(sqlx::FromRow)]
struct LastLoginRow {
    logged_in_at: Option<String>,
    login_instance_id: Option<String>,
    instance_name: Option<String>,
    user_name: Option<String>,
    client_address: Option<String>,
}

impl LastLoginRow {
    fn into_login(self) -> Option<KeyLogin> {
        Some(KeyLogin {
            at: self.logged_in_at?,
            instance_id: self.login_instance_id?,
            instance_name: self.instance_name?,
            user: self.user_name?,
            client_address: self.client_address?,
        })
    }
}

const COLUMNS: &str = "k.id, k.name, k.description, k.public_key, k.comment, k.algorithm, \
    k.bits, k.fingerprint_sha256, k.fingerprint_md5, k.origin, k.created_at, k.updated_at, \
    k.version, k.expires_at, l.logged_in_at, l.instance_id AS login_instance_id, \
    l.instance_name, l.user_name, l.client_address";

/// Key pairs with their newest login: one primary-key probe of `key_logins` per row.
const FROM: &str = "key_pairs k LEFT JOIN key_logins l \
    ON l.key_pair_id = k.id AND l.instance_id = k.last_login_instance_id";

/// Fingerprint searches without the `SHA256:`/`MD5:` prefix need this many characters, so a
/// short name search does not also match every fingerprint that starts the same way.
const BARE_FINGERPRINT_MIN_CHARS: usize = 6;

/// A tag on at least one key pair in this many is common: see [`Store::is_common_tag`].
const COMMON_TAG_SHARE: u64 = 100;

impl Store {
    /// One page of key pairs and the number of all matches. Without a filter the total is
    /// the stored counter; pages past the middle are read from the other end, so the last
    /// page costs what the first does.
    pub async fn list_key_pairs(&self, filter: &KeyPairFilter) -> Result<List<KeyPair>, AppError> {
        self.retry(|| self.try_list_key_pairs(filter)).await
    }

    async fn try_list_key_pairs(&self, filter: &KeyPairFilter) -> Result<List<KeyPair>, AppError> {
        let mut conn = self.pool.acquire().await?;
        let total = u64::try_from(self.count_key_pairs(&mut conn, filter).await?).unwrap_or(0);
        let offset = u64::from(filter.offset);
        let take = u64::from(filter.limit).min(total.saturating_sub(offset));
        if take == 0 {
            return Ok(List {
                total,
                items: Vec::new(),
            });
        }
        let from_end = total - offset - take;
        let reverse = from_end < offset;
        let ascending = matches!(
            filter.sort,
            KeyPairSort::CreatedAsc | KeyPairSort::NameAsc | KeyPairSort::LastLoginAsc
        );
        let (ascending, skip) = match (ascending, reverse) {
            (asc, false) => (asc, offset),
            (asc, true) => (!asc, from_end),
        };
        let column = match filter.sort {
            KeyPairSort::CreatedAsc | KeyPairSort::CreatedDesc => "k.created_at",
            KeyPairSort::NameAsc | KeyPairSort::NameDesc => "k.name_lower",
            KeyPairSort::LastLoginAsc | KeyPairSort::LastLoginDesc => "k.last_login_at",
        };
        let direction = if ascending { "ASC" } else { "DESC" };
        // The page's ids first, from the indexes alone where they can (skipping `skip` rows
        // costs index entries, not table rows), then those 20 rows whole.
        let mut page = Sql::new(format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE k.id IN (SELECT k.id FROM key_pairs k"
        ));
        let common_tag = self.is_common_tag(&mut conn, filter, total).await?;
        self.push_filter(&mut page, filter, common_tag);
        // SQLite would walk the sort's index and test every row against a text search;
        // sorting the few matches is cheaper, so the sort column is made unindexable there.
        let inner = if filter.text.is_some() && self.backend == super::Backend::Sqlite {
            format!("{column} || ''")
        } else {
            column.to_owned()
        };
        page.push(&format!(
            " ORDER BY {inner} {direction}, k.id {direction} LIMIT "
        ))
        .bind(i64::try_from(take).unwrap_or(i64::MAX))
        .push(" OFFSET ")
        .bind(i64::try_from(skip).unwrap_or(i64::MAX))
        .push(&format!(
            ") ORDER BY {column} {direction}, k.id {direction}"
        ));
        let mut rows: Vec<KeyPairRow> = page.fetch_all(&mut *conn).await?;
        if reverse {
            rows.reverse();
        }
        let items = hydrate(&mut conn, rows).await?;
        Ok(List { total, items })
    }

    /// Whether a tag filter alone matches at least one key pair in [`COMMON_TAG_SHARE`], on
    /// SQLite. SQLite, without statistics, reads a tag filter by looking up every tagged key
    /// pair and sorting them all; for a common tag, walking the sort's index and stopping at
    /// the page is far cheaper (measured at 100,000 key pairs, a tag on 5 %: 9 ms against
    /// 1 ms). PostgreSQL's planner has statistics and decides for itself.
    async fn is_common_tag(
        &self,
        conn: &mut AnyConnection,
        filter: &KeyPairFilter,
        matches: u64,
    ) -> Result<bool, sqlx::Error> {
        if self.backend != super::Backend::Sqlite || filter.text.is_some() || filter.tag.is_none() {
            return Ok(false);
        }
        let all = key_pair_count(conn).await?;
        Ok(matches.saturating_mul(COMMON_TAG_SHARE) >= u64::try_from(all).unwrap_or(0))
    }

    /// How many key pairs `filter` matches, as cheaply as the filter allows.
    async fn count_key_pairs(
        &self,
        conn: &mut AnyConnection,
        filter: &KeyPairFilter,
    ) -> Result<i64, sqlx::Error> {
        // The shortcuts below know nothing of `unused_since`.
        let unused = filter.unused_since.is_some();
        match (&filter.text, &filter.tag) {
            (None, None) if !unused => match &filter.status {
                None => key_pair_count(conn).await,
                // Few keys expire; the active ones are counted as all but the expired.
                Some(at) if at.status == KeyStatus::Active => {
                    let expired = expired_count(conn, &at.now).await?;
                    Ok(key_pair_count(conn).await? - expired)
                }
                Some(_) => {
                    let mut count = Sql::new("SELECT COUNT(*) FROM key_pairs k");
                    self.push_filter(&mut count, filter, false);
                    count.fetch_scalar(conn).await
                }
            },
            // A tag belongs to one key pair once (primary key), and goes with it.
            (None, Some(tag)) if filter.status.is_none() && !unused => {
                let mut count = Sql::new("SELECT COUNT(*) FROM key_pair_tags WHERE ");
                push_tag_match(&mut count, tag);
                count.fetch_scalar(conn).await
            }
            _ => {
                let mut count = Sql::new("SELECT COUNT(*) FROM key_pairs k");
                self.push_filter(&mut count, filter, false);
                count.fetch_scalar(conn).await
            }
        }
    }

    /// One key pair.
    pub async fn key_pair(&self, id: &str) -> Result<Option<KeyPair>, AppError> {
        self.retry(|| self.try_key_pair(id)).await
    }

    async fn try_key_pair(&self, id: &str) -> Result<Option<KeyPair>, AppError> {
        let mut conn = self.pool.acquire().await?;
        Ok(fetch(&mut conn, id).await?)
    }

    /// The key pair holding this SHA-256 fingerprint, as `(id, name)` (the unique index).
    pub async fn key_pair_by_fingerprint(
        &self,
        fingerprint_sha256: &str,
    ) -> Result<Option<(String, String)>, AppError> {
        self.retry(|| self.try_key_pair_by_fingerprint(fingerprint_sha256))
            .await
    }

    async fn try_key_pair_by_fingerprint(
        &self,
        fingerprint_sha256: &str,
    ) -> Result<Option<(String, String)>, AppError> {
        Ok(
            sqlx::query_as("SELECT id, name FROM key_pairs WHERE fingerprint_sha256 = $1")
                .bind(fingerprint_sha256)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// The names taken among `base` and `base-…` (all lower case): what a new name made
    /// unique with a `-N` suffix must avoid. A range of the unique `name_lower` index (`-` is
    /// followed by `.` in byte order), so it costs a few rows at any fleet size.
    pub async fn names_taken(&self, base: &str) -> Result<HashSet<String>, AppError> {
        self.retry(|| self.try_names_taken(base)).await
    }

    async fn try_names_taken(&self, base: &str) -> Result<HashSet<String>, AppError> {
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT name_lower FROM key_pairs \
             WHERE name_lower = $1 OR (name_lower >= $2 AND name_lower < $3)",
        )
        .bind(base)
        .bind(format!("{base}-"))
        .bind(format!("{base}."))
        .fetch_all(&self.pool)
        .await?;
        Ok(names.into_iter().collect())
    }

    /// Inserts a key pair unless the deployment is at `quota`, the name is taken or the key
    /// is registered already.
    pub async fn create_key_pair(&self, new: NewKeyPair, quota: u64) -> Result<KeyPair, AppError> {
        self.retry(|| self.try_create_key_pair(&new, quota)).await
    }

    async fn try_create_key_pair(&self, new: &NewKeyPair, quota: u64) -> Result<KeyPair, AppError> {
        let mut tx = self.begin_write().await?;
        let id = random_id("skey-");
        let now = clock::now();
        let inserted = sqlx::query(
            "INSERT INTO key_pairs (id, name, name_lower, description, public_key, comment, \
             algorithm, bits, fingerprint_sha256, fingerprint_md5, origin, created_at, \
             updated_at, version, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14)",
        )
        .bind(&id)
        .bind(&new.name)
        .bind(new.name.to_lowercase())
        .bind(&new.description)
        .bind(&new.public_key)
        .bind(&new.comment)
        .bind(&new.algorithm)
        .bind(i64::from(new.bits))
        .bind(&new.fingerprint_sha256)
        .bind(&new.fingerprint_md5)
        .bind(new.origin)
        .bind(&now)
        .bind(&now)
        .bind(new.expires_at.as_deref())
        .execute(&mut *tx)
        .await;
        if let Err(err) = inserted {
            // Roll back before looking anything up: PostgreSQL refuses more statements in a
            // failed transaction.
            tx.rollback().await?;
            return Err(self.conflict(err, new).await);
        }
        insert_tags(&mut tx, &id, &new.tags).await?;
        let key_pair = fetch(&mut tx, &id)
            .await?
            .ok_or(ErrorCode::KeyPairNotFound { id })?;
        // Counted last: on PostgreSQL the counter row stays locked until the commit, so
        // concurrent creates check the quota one after another, and hold the lock briefly.
        let count = count_key_pairs_by(&mut tx, 1).await?;
        if u64::try_from(count).unwrap_or(u64::MAX) > quota {
            tx.rollback().await?;
            return Err(ErrorCode::KeyPairLimitExceeded { quota }.into());
        }
        self.commit_audited(tx, Some(&key_pair.id)).await?;
        Ok(key_pair)
    }

    /// Renames, redescribes and/or changes the expiry of a key pair, if `expected_version`
    /// (when given) is current. `changes.expires_at` must be in the stored form.
    pub async fn update_key_pair(
        &self,
        id: &str,
        expected_version: Option<i64>,
        changes: UpdateKeyPair,
    ) -> Result<KeyPair, AppError> {
        self.retry(|| self.try_update_key_pair(id, expected_version, &changes))
            .await
    }

    async fn try_update_key_pair(
        &self,
        id: &str,
        expected_version: Option<i64>,
        changes: &UpdateKeyPair,
    ) -> Result<KeyPair, AppError> {
        let mut tx = self.begin_write().await?;
        self.check_version(&mut tx, id, expected_version).await?;
        let updated = sqlx::query(
            "UPDATE key_pairs SET name = COALESCE($1, name), \
             name_lower = COALESCE($2, name_lower), \
             description = COALESCE($3, description), updated_at = $4, version = version + 1 \
             WHERE id = $5",
        )
        .bind(changes.name.as_deref())
        .bind(changes.name.as_deref().map(str::to_lowercase))
        .bind(changes.description.as_deref())
        .bind(clock::now())
        .bind(id)
        .execute(&mut *tx)
        .await;
        if let Err(err) = updated {
            return Err(match unique_violation(&err) {
                Some(UniqueColumn::KeyPairName) => {
                    ErrorCode::name_duplicate(changes.name.clone().unwrap_or_default()).into()
                }
                _ => err.into(),
            });
        }
        if let Some(expires_at) = &changes.expires_at {
            sqlx::query("UPDATE key_pairs SET expires_at = $1 WHERE id = $2")
                .bind(expires_at.as_deref())
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        let key_pair = fetch(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
        self.commit_audited(tx, None).await?;
        Ok(key_pair)
    }

    /// Replaces the whole tag set, if `expected_version` (when given) is current.
    pub async fn replace_key_pair_tags(
        &self,
        id: &str,
        expected_version: Option<i64>,
        tags: &[Tag],
    ) -> Result<KeyPair, AppError> {
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            self.check_version(&mut tx, id, expected_version).await?;
            sqlx::query("DELETE FROM key_pair_tags WHERE key_pair_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            insert_tags(&mut tx, id, tags).await?;
            bump(&mut tx, id).await?;
            let key_pair = fetch(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
            self.commit_audited(tx, None).await?;
            Ok(key_pair)
        })
        .await
    }

    /// Deletes a key pair unless instances or images reference it.
    pub async fn delete_unreferenced_key_pair(&self, id: &str) -> Result<Deletion, AppError> {
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            let deletion = self.delete_if_unreferenced(&mut tx, id).await?;
            if matches!(deletion, Deletion::Deleted { .. }) {
                count_key_pairs_by(&mut tx, -1).await?;
            }
            self.commit_audited(tx, None).await?;
            Ok(deletion)
        })
        .await
    }

    /// Deletes each unreferenced key pair of `ids`, all in one transaction; one [`Deletion`]
    /// per id, in order. Ids must be distinct.
    pub async fn delete_unreferenced_key_pairs(
        &self,
        ids: &[String],
    ) -> Result<Vec<Deletion>, AppError> {
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            // Every row is locked, in id order, before the first delete: a delete updates
            // the key-pair counter, and holding that row while waiting for another key
            // pair's lock would deadlock with a second batch.
            self.backend.lock_rows(&mut tx, "key_pairs", ids).await?;
            let mut deletions = Vec::with_capacity(ids.len());
            for id in ids {
                deletions.push(self.delete_if_unreferenced(&mut tx, id).await?);
            }
            let deleted = deletions
                .iter()
                .filter(|d| matches!(d, Deletion::Deleted { .. }))
                .count();
            if deleted > 0 {
                count_key_pairs_by(&mut tx, -i64::try_from(deleted).unwrap_or(i64::MAX)).await?;
            }
            // Written with the entry, in this transaction: a retry starts from a fresh entry.
            super::audit::note_targets(
                ids.iter()
                    .zip(&deletions)
                    .filter(|(_, d)| matches!(d, Deletion::Deleted { .. }))
                    .map(|(id, _)| id.clone()),
            );
            self.commit_audited(tx, None).await?;
            Ok(deletions)
        })
        .await
    }

    /// Turns a failed insert into the refusal it stands for.
    async fn conflict(&self, err: sqlx::Error, new: &NewKeyPair) -> AppError {
        match unique_violation(&err) {
            Some(UniqueColumn::KeyPairName) => ErrorCode::name_duplicate(new.name.clone()).into(),
            Some(UniqueColumn::Fingerprint) => {
                let existing: Result<Option<(String, String)>, _> =
                    sqlx::query_as("SELECT id, name FROM key_pairs WHERE fingerprint_sha256 = $1")
                        .bind(&new.fingerprint_sha256)
                        .fetch_optional(&self.pool)
                        .await;
                match existing {
                    Ok(Some((id, name))) => ErrorCode::public_key_duplicate(id, name).into(),
                    Ok(None) => err.into(),
                    Err(lookup) => lookup.into(),
                }
            }
            Some(UniqueColumn::TokenName) | None => err.into(),
        }
    }

    /// Locks the key pair's row and checks its version.
    async fn check_version(
        &self,
        conn: &mut AnyConnection,
        id: &str,
        expected: Option<i64>,
    ) -> Result<(), AppError> {
        let current: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT version FROM key_pairs WHERE id = $1{}",
            self.backend.for_update()
        ))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        match (current, expected) {
            (None, _) => Err(not_found(id)),
            (Some(current), Some(expected)) if current != expected => {
                Err(ErrorCode::PreconditionFailed {
                    current_version: current,
                }
                .into())
            }
            _ => Ok(()),
        }
    }

    /// Locks the key pair's row (a bind waits for it), then deletes it if nothing refers to
    /// it.
    async fn delete_if_unreferenced(
        &self,
        conn: &mut AnyConnection,
        id: &str,
    ) -> Result<Deletion, AppError> {
        let name: Option<String> = sqlx::query_scalar(&format!(
            "SELECT name FROM key_pairs WHERE id = $1{}",
            self.backend.for_update()
        ))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(name) = name else {
            return Ok(Deletion::NotFound);
        };
        let instance_ids: Vec<String> = sqlx::query_scalar(
            "SELECT instance_id FROM instance_keys WHERE key_pair_id = $1 ORDER BY instance_id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let image_ids: Vec<String> = sqlx::query_scalar(
            "SELECT image_id FROM image_keys WHERE key_pair_id = $1 ORDER BY image_id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        if !instance_ids.is_empty() || !image_ids.is_empty() {
            return Ok(Deletion::Kept {
                name,
                instance_ids,
                image_ids,
            });
        }
        sqlx::query("DELETE FROM key_pairs WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        Ok(Deletion::Deleted { name })
    }

    /// The WHERE clause of `filter`. `common_tag`: the tag filter matches a large share of
    /// the key pairs (see [`Store::is_common_tag`]).
    fn push_filter(&self, sql: &mut Sql, filter: &KeyPairFilter, common_tag: bool) {
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
                    .bind(at.now.clone())
                    .push(")"),
                KeyStatus::Expiring => sql
                    .push("k.expires_at > ")
                    .bind(at.now.clone())
                    .push(" AND k.expires_at <= ")
                    .bind(at.soon.clone()),
                KeyStatus::Expired => sql.push("k.expires_at <= ").bind(at.now.clone()),
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
            super::Backend::Postgres => {
                let pattern = format!("%{}%", escape_like(lower));
                sql.push("k.name_lower LIKE ")
                    .bind(pattern.clone())
                    .push(" ESCAPE '\\' OR k.id LIKE ")
                    .bind(pattern)
                    .push(" ESCAPE '\\'");
            }
            // The trigram index needs three characters; shorter text scans.
            super::Backend::Sqlite if lower.chars().count() >= 3 => {
                sql.push(
                    "k.rowid IN (SELECT rowid FROM key_pairs_search WHERE key_pairs_search MATCH ",
                )
                .bind(format!("\"{}\"", lower.replace('"', "\"\"")))
                .push(")");
            }
            super::Backend::Sqlite => {
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
fn push_tag_match(sql: &mut Sql, tag: &TagFilter) {
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

/// The number of key pairs, as the counter holds it.
async fn key_pair_count(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT value FROM counters WHERE name = 'key_pairs'")
        .fetch_one(conn)
        .await
}

/// The number of key pairs expired at `now`, from the expiry index.
async fn expired_count(conn: &mut AnyConnection, now: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM key_pairs WHERE expires_at <= $1")
        .bind(now)
        .fetch_one(conn)
        .await
}

/// Sets the counter from the rows themselves, after a bulk insert (seed, migrate-to), and
/// returns it.
pub(super) async fn recount_key_pairs(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE counters SET value = (SELECT COUNT(*) FROM key_pairs) WHERE name = 'key_pairs' \
         RETURNING value",
    )
    .fetch_one(conn)
    .await
}

/// Adds `delta` to the number of key pairs and returns the new number. On PostgreSQL this
/// locks the counter row until the transaction ends.
pub(super) async fn count_key_pairs_by(
    conn: &mut AnyConnection,
    delta: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE counters SET value = value + $1 WHERE name = 'key_pairs' RETURNING value",
    )
    .bind(delta)
    .fetch_one(conn)
    .await
}

fn not_found(id: &str) -> AppError {
    ErrorCode::KeyPairNotFound { id: id.to_owned() }.into()
}

pub(super) async fn bump(conn: &mut AnyConnection, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE key_pairs SET updated_at = $1, version = version + 1 WHERE id = $2")
        .bind(clock::now())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub(super) async fn insert_tags(
    conn: &mut AnyConnection,
    id: &str,
    tags: &[Tag],
) -> Result<(), sqlx::Error> {
    if tags.is_empty() {
        return Ok(());
    }
    let mut insert =
        Sql::new("INSERT INTO key_pair_tags (key_pair_id, position, key, value) VALUES ");
    for (position, tag) in tags.iter().enumerate() {
        if position > 0 {
            insert.push(", ");
        }
        insert
            .push("(")
            .bind(id.to_owned())
            .push(", ")
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .push(", ")
            .bind(tag.key.clone())
            .push(", ")
            .bind(tag.value.clone())
            .push(")");
    }
    insert.execute(conn).await?;
    Ok(())
}

pub(super) async fn fetch(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<KeyPair>, sqlx::Error> {
    let row: Option<KeyPairRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM {FROM} WHERE k.id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    match row {
        Some(row) => Ok(hydrate(conn, vec![row]).await?.pop()),
        None => Ok(None),
    }
}

/// Adds tags, instance ids and image ids to rows, with three queries for the whole page.
async fn hydrate(
    conn: &mut AnyConnection,
    rows: Vec<KeyPairRow>,
) -> Result<Vec<KeyPair>, sqlx::Error> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    // Tags, instances and images of the whole page in one round trip: (key pair, kind,
    // order, text, value), kind 0 for a tag, 1 for an instance id, 2 for an image id.
    let mut sql = Sql::new(
        "SELECT key_pair_id, 0 AS kind, position AS ord, key AS item, value \
         FROM key_pair_tags WHERE key_pair_id IN ",
    );
    sql.bind_list(rows.iter().map(|r| r.id.clone()))
        .push(" UNION ALL SELECT key_pair_id, 1, 0, instance_id, '' FROM instance_keys WHERE key_pair_id IN ")
        .bind_list(rows.iter().map(|r| r.id.clone()))
        .push(" UNION ALL SELECT key_pair_id, 2, 0, image_id, '' FROM image_keys WHERE key_pair_id IN ")
        .bind_list(rows.iter().map(|r| r.id.clone()))
        .push(" ORDER BY 1, 2, 3, 4");
    let parts: Vec<(String, i64, i64, String, String)> = sql.fetch_all(conn).await?;
    let mut tags: HashMap<String, Vec<Tag>> = HashMap::new();
    let mut instances: HashMap<String, Vec<String>> = HashMap::new();
    let mut images: HashMap<String, Vec<String>> = HashMap::new();
    for (id, kind, _, item, value) in parts {
        match kind {
            0 => tags.entry(id).or_default().push(Tag { key: item, value }),
            1 => instances.entry(id).or_default().push(item),
            _ => images.entry(id).or_default().push(item),
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| KeyPair {
            tags: tags.remove(&r.id).unwrap_or_default(),
            instance_ids: instances.remove(&r.id).unwrap_or_default(),
            image_ids: images.remove(&r.id).unwrap_or_default(),
            bits: u32::try_from(r.bits).unwrap_or(0),
            origin: r.origin,
            id: r.id,
            name: r.name,
            description: r.description,
            public_key: r.public_key,
            comment: r.comment,
            algorithm: r.algorithm,
            fingerprint_sha256: r.fingerprint_sha256,
            fingerprint_md5: r.fingerprint_md5,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
            expires_at: r.expires_at,
            allowed_by_policy: true,
            last_login: r.last_login.into_login(),
        })
        .collect())
}

/// `head ($1, $2, …) tail` with one bind per id.
pub(super) async fn select_in<T>(
    conn: &mut AnyConnection,
    head: &str,
    ids: &[&str],
    tail: &str,
) -> Result<Vec<T>, sqlx::Error>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let mut sql = Sql::new(head);
    sql.bind_list(ids.iter().map(|id| (*id).to_owned()))
        .push(tail);
    sql.fetch_all(conn).await
}

pub(super) fn group(pairs: Vec<(String, String)>) -> HashMap<String, Vec<String>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for (owner, item) in pairs {
        map.entry(owner).or_default().push(item);
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

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
                    now: clock::now(),
                    soon: clock::now(),
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
