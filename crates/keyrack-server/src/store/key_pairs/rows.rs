//! Key pair rows as stored, and turning them into the API's `KeyPair` (tags, instances,
//! images and the newest login); helpers the other stores share.

use std::collections::HashMap;

use keyrack_api::{KeyLogin, KeyPair, Origin, Tag, Timestamp};
use sqlx::AnyConnection;

use crate::clock;
use crate::store::sql::Sql;

#[derive(sqlx::FromRow)]
pub(super) struct KeyPairRow {
    id: String,
    name: String,
    description: String,
    public_key: String,
    comment: String,
    algorithm: keyrack_api::KeyAlgorithm,
    bits: i64,
    fingerprint_sha256: String,
    fingerprint_md5: String,
    origin: Origin,
    created_at: Timestamp,
    updated_at: Timestamp,
    version: i64,
    expires_at: Option<Timestamp>,
    #[sqlx(flatten)]
    last_login: LastLoginRow,
}

/// The key's newest login, from the `LEFT JOIN` of [`FROM`]: all `NULL` when it never
/// logged in.
#[derive(sqlx::FromRow)]
struct LastLoginRow {
    logged_in_at: Option<Timestamp>,
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

pub(super) const COLUMNS: &str =
    "k.id, k.name, k.description, k.public_key, k.comment, k.algorithm, \
    k.bits, k.fingerprint_sha256, k.fingerprint_md5, k.origin, k.created_at, k.updated_at, \
    k.version, k.expires_at, l.logged_in_at, l.instance_id AS login_instance_id, \
    l.instance_name, l.user_name, l.client_address";

/// Key pairs with their newest login: one primary-key probe of `key_logins` per row.
pub(super) const FROM: &str = "key_pairs k LEFT JOIN key_logins l \
    ON l.key_pair_id = k.id AND l.instance_id = k.last_login_instance_id";

/// Marks a key pair changed: a new `updated_at` and version (its tags, bindings or images
/// changed).
pub(in crate::store) async fn bump(conn: &mut AnyConnection, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE key_pairs SET updated_at = $1, version = version + 1 WHERE id = $2")
        .bind(clock::now())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Inserts `tags` of key pair `id`, in order, in one statement.
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

/// One key pair, whole.
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
pub(super) async fn hydrate(
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
pub(in crate::store) async fn select_in<T>(
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

/// `(owner, item)` pairs as each owner's items, in the order given.
pub(in crate::store) fn group(pairs: Vec<(String, String)>) -> HashMap<String, Vec<String>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for (owner, item) in pairs {
        map.entry(owner).or_default().push(item);
    }
    map
}
