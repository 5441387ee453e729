//! Key pairs, their tags, and what references them.

use std::collections::HashMap;

use keyrack_api::{KeyPair, KeyPairSort, List, Origin, Tag, TagFilter};
use sqlx::AnyConnection;

use super::{unique_violation, Sql, Store, StoreError, UniqueColumn};
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
}

/// Which key pairs to list.
#[derive(Debug, Clone, Default)]
pub struct KeyPairFilter {
    /// Substring of name or id (case-insensitive), or a fingerprint prefix.
    pub text: Option<String>,
    /// Only key pairs carrying this tag.
    pub tag: Option<TagFilter>,
    /// Order.
    pub sort: KeyPairSort,
    /// Rows to skip.
    pub offset: u32,
    /// Rows to return.
    pub limit: u32,
}

/// A change of name and/or description.
#[derive(Debug, Clone, Default)]
pub struct KeyPairChanges {
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
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
    origin: String,
    created_at: String,
    updated_at: String,
    version: i64,
}

const COLUMNS: &str = "k.id, k.name, k.description, k.public_key, k.comment, k.algorithm, \
    k.bits, k.fingerprint_sha256, k.fingerprint_md5, k.origin, k.created_at, k.updated_at, \
    k.version";

/// Fingerprint searches without the `SHA256:`/`MD5:` prefix need this many characters, so a
/// short name search does not also match every fingerprint that starts the same way.
const BARE_FINGERPRINT_MIN_CHARS: usize = 6;

impl Store {
    /// One page of key pairs and the number of all matches, read in one snapshot. Without a
    /// filter, the total is the trigger-kept counter rather than a count of every row.
    pub async fn list_key_pairs(
        &self,
        filter: &KeyPairFilter,
    ) -> Result<List<KeyPair>, StoreError> {
        let mut tx = self.begin_read().await?;
        let total: i64 = if filter.text.is_none() && filter.tag.is_none() {
            sqlx::query_scalar("SELECT value FROM counters WHERE name = 'key_pairs'")
                .fetch_one(&mut *tx)
                .await?
        } else {
            let mut count = Sql::new("SELECT COUNT(*) FROM key_pairs k");
            self.push_filter(&mut count, filter);
            count.fetch_scalar(&mut *tx).await?
        };

        let mut page = Sql::new(format!("SELECT {COLUMNS} FROM key_pairs k"));
        self.push_filter(&mut page, filter);
        page.push(match filter.sort {
            KeyPairSort::CreatedAsc => " ORDER BY k.created_at ASC, k.id ASC",
            KeyPairSort::CreatedDesc => " ORDER BY k.created_at DESC, k.id DESC",
            KeyPairSort::NameAsc => " ORDER BY k.name_lower ASC, k.id ASC",
            KeyPairSort::NameDesc => " ORDER BY k.name_lower DESC, k.id DESC",
        });
        page.push(" LIMIT ")
            .bind(i64::from(filter.limit))
            .push(" OFFSET ")
            .bind(i64::from(filter.offset));
        let rows: Vec<KeyPairRow> = page.fetch_all(&mut *tx).await?;
        let items = hydrate(&mut tx, rows).await?;
        tx.commit().await?;
        Ok(List {
            total: u64::try_from(total).unwrap_or(0),
            items,
        })
    }

    /// One key pair.
    pub async fn key_pair(&self, id: &str) -> Result<Option<KeyPair>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        Ok(fetch(&mut conn, id).await?)
    }

    /// Inserts a key pair unless the deployment is at `quota`, the name is taken or the key
    /// is registered already.
    pub async fn create_key_pair(
        &self,
        new: NewKeyPair,
        quota: u64,
    ) -> Result<KeyPair, StoreError> {
        self.retry(|| self.try_create_key_pair(&new, quota)).await
    }

    async fn try_create_key_pair(
        &self,
        new: &NewKeyPair,
        quota: u64,
    ) -> Result<KeyPair, StoreError> {
        let mut tx = self.begin_write().await?;
        let id = random_id("skey-");
        let now = clock::now();
        let inserted = sqlx::query(
            "INSERT INTO key_pairs (id, name, name_lower, description, public_key, comment, \
             algorithm, bits, fingerprint_sha256, fingerprint_md5, origin, created_at, \
             updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1)",
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
        .bind(origin_str(new.origin))
        .bind(&now)
        .bind(&now)
        .execute(&mut *tx)
        .await;
        if let Err(err) = inserted {
            // Roll back before looking anything up: PostgreSQL refuses more statements in a
            // failed transaction.
            tx.rollback().await?;
            return Err(self.conflict(err, new).await);
        }
        // The insert trigger counted this key pair; on PostgreSQL the counter's row stays
        // locked until commit, so concurrent creates check the quota one after another.
        let count: i64 = sqlx::query_scalar("SELECT value FROM counters WHERE name = 'key_pairs'")
            .fetch_one(&mut *tx)
            .await?;
        if u64::try_from(count).unwrap_or(u64::MAX) > quota {
            tx.rollback().await?;
            return Err(StoreError::QuotaReached { quota });
        }
        insert_tags(&mut tx, &id, &new.tags).await?;
        let key_pair = fetch(&mut tx, &id)
            .await?
            .ok_or(StoreError::KeyPairNotFound { id })?;
        tx.commit().await?;
        Ok(key_pair)
    }

    /// Renames and/or redescribes a key pair, if `expected_version` (when given) is current.
    pub async fn update_key_pair(
        &self,
        id: &str,
        expected_version: Option<i64>,
        changes: KeyPairChanges,
    ) -> Result<KeyPair, StoreError> {
        self.retry(|| self.try_update_key_pair(id, expected_version, &changes))
            .await
    }

    async fn try_update_key_pair(
        &self,
        id: &str,
        expected_version: Option<i64>,
        changes: &KeyPairChanges,
    ) -> Result<KeyPair, StoreError> {
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
                Some(UniqueColumn::KeyPairName) => StoreError::NameTaken {
                    name: changes.name.clone().unwrap_or_default(),
                },
                _ => err.into(),
            });
        }
        let key_pair = fetch(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
        tx.commit().await?;
        Ok(key_pair)
    }

    /// Replaces the whole tag set, if `expected_version` (when given) is current.
    pub async fn replace_key_pair_tags(
        &self,
        id: &str,
        expected_version: Option<i64>,
        tags: &[Tag],
    ) -> Result<KeyPair, StoreError> {
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
            tx.commit().await?;
            Ok(key_pair)
        })
        .await
    }

    /// Deletes a key pair unless instances or images reference it.
    pub async fn delete_unreferenced_key_pair(&self, id: &str) -> Result<Deletion, StoreError> {
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            let deletion = self.delete_if_unreferenced(&mut tx, id).await?;
            tx.commit().await?;
            Ok(deletion)
        })
        .await
    }

    /// Deletes each unreferenced key pair of `ids`, all in one transaction; one [`Deletion`]
    /// per id, in order. Ids must be distinct.
    pub async fn delete_unreferenced_key_pairs(
        &self,
        ids: &[String],
    ) -> Result<Vec<Deletion>, StoreError> {
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            // Every row is locked, in id order, before the first delete: a delete updates
            // the key-pair counter, and holding that row while waiting for another key
            // pair's lock would deadlock with a second batch.
            let for_update = self.backend.for_update();
            if !for_update.is_empty() {
                let mut sorted: Vec<&String> = ids.iter().collect();
                sorted.sort();
                for id in sorted {
                    sqlx::query(&format!(
                        "SELECT 1 FROM key_pairs WHERE id = $1{for_update}"
                    ))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            let mut deletions = Vec::with_capacity(ids.len());
            for id in ids {
                deletions.push(self.delete_if_unreferenced(&mut tx, id).await?);
            }
            tx.commit().await?;
            Ok(deletions)
        })
        .await
    }

    /// Turns a failed insert into the refusal it stands for.
    async fn conflict(&self, err: sqlx::Error, new: &NewKeyPair) -> StoreError {
        match unique_violation(&err) {
            Some(UniqueColumn::KeyPairName) => StoreError::NameTaken {
                name: new.name.clone(),
            },
            Some(UniqueColumn::Fingerprint) => {
                let existing: Result<Option<(String, String)>, _> =
                    sqlx::query_as("SELECT id, name FROM key_pairs WHERE fingerprint_sha256 = $1")
                        .bind(&new.fingerprint_sha256)
                        .fetch_optional(&self.pool)
                        .await;
                match existing {
                    Ok(Some((id, name))) => StoreError::FingerprintTaken { id, name },
                    Ok(None) => err.into(),
                    Err(lookup) => lookup.into(),
                }
            }
            None => err.into(),
        }
    }

    /// Locks the key pair's row and checks its version.
    async fn check_version(
        &self,
        conn: &mut AnyConnection,
        id: &str,
        expected: Option<i64>,
    ) -> Result<(), StoreError> {
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
                Err(StoreError::VersionMismatch { current })
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
    ) -> Result<Deletion, StoreError> {
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

    fn push_filter(&self, sql: &mut Sql, filter: &KeyPairFilter) {
        let mut clause = " WHERE ";
        if let Some(text) = &filter.text {
            let lower = text.to_lowercase();
            let position = self.backend.position_fn();
            sql.push(clause)
                .push(&format!("({position}(k.name_lower, "))
                .bind(lower.clone())
                .push(&format!(") > 0 OR {position}(k.id, "))
                .bind(lower.clone())
                .push(") > 0");
            // Fingerprints: a prefix of the whole text (`SHA256:ab…`, `MD5:12:…`), or of the
            // part after the prefix when enough characters are given. SHA-256 is base64, so
            // its case matters; MD5 is hex, so it does not.
            push_prefix(sql, "k.fingerprint_sha256", 1, text.clone());
            push_prefix(sql, "lower(k.fingerprint_md5)", 1, lower.clone());
            if text.chars().count() >= BARE_FINGERPRINT_MIN_CHARS {
                push_prefix(sql, "k.fingerprint_sha256", 8, text.clone());
                push_prefix(sql, "lower(k.fingerprint_md5)", 5, lower);
            }
            sql.push(")");
            clause = " AND ";
        }
        if let Some(tag) = &filter.tag {
            sql.push(clause)
                .push(
                    "EXISTS (SELECT 1 FROM key_pair_tags t WHERE t.key_pair_id = k.id AND t.key = ",
                )
                .bind(tag.key.clone());
            if let Some(value) = &tag.value {
                sql.push(" AND t.value = ").bind(value.clone());
            }
            sql.push(")");
        }
    }
}

fn not_found(id: &str) -> StoreError {
    StoreError::KeyPairNotFound { id: id.to_owned() }
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

/// ` OR substr(column, start, length(text)) = text`. The start is an `i32`: PostgreSQL's
/// `substr` takes an `integer`.
fn push_prefix(sql: &mut Sql, column: &str, start: i32, text: String) {
    sql.push(&format!(" OR substr({column}, "))
        .bind(start)
        .push(", length(")
        .bind(text.clone())
        .push(")) = ")
        .bind(text);
}

pub(super) async fn fetch(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<KeyPair>, sqlx::Error> {
    let row: Option<KeyPairRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM key_pairs k WHERE k.id = $1"
    ))
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
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();

    let tag_rows: Vec<(String, String, String)> = select_in(
        conn,
        "SELECT key_pair_id, key, value FROM key_pair_tags WHERE key_pair_id IN ",
        &ids,
        " ORDER BY key_pair_id, position",
    )
    .await?;
    let mut tags: HashMap<String, Vec<Tag>> = HashMap::new();
    for (id, key, value) in tag_rows {
        tags.entry(id).or_default().push(Tag { key, value });
    }
    let mut instances = group(
        select_in(
            conn,
            "SELECT key_pair_id, instance_id FROM instance_keys WHERE key_pair_id IN ",
            &ids,
            " ORDER BY instance_id",
        )
        .await?,
    );
    let mut images = group(
        select_in(
            conn,
            "SELECT key_pair_id, image_id FROM image_keys WHERE key_pair_id IN ",
            &ids,
            " ORDER BY image_id",
        )
        .await?,
    );
    Ok(rows
        .into_iter()
        .map(|r| KeyPair {
            tags: tags.remove(&r.id).unwrap_or_default(),
            instance_ids: instances.remove(&r.id).unwrap_or_default(),
            image_ids: images.remove(&r.id).unwrap_or_default(),
            bits: u32::try_from(r.bits).unwrap_or(0),
            origin: parse_origin(&r.origin),
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

pub(super) fn origin_str(origin: Origin) -> &'static str {
    match origin {
        Origin::Generated => "generated",
        Origin::Imported => "imported",
    }
}

fn parse_origin(s: &str) -> Origin {
    // The CHECK constraint admits only these two spellings.
    if s == "generated" {
        Origin::Generated
    } else {
        Origin::Imported
    }
}
