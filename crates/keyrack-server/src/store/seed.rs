//! Inserting a prepared data set (the demo) verbatim.

use keyrack_api::{Image, Instance, KeyPair, Region, Tag};

use sqlx::AnyConnection;

use super::backend::Lock;
use super::key_pairs::recount_key_pairs;
use super::{commit, AppError, Sql, Store};

/// Rows per INSERT: 14 columns × 500 stays far under either backend's limit of bind values.
const BATCH: usize = 500;

/// A complete data set with its ids and timestamps already chosen.
#[derive(Debug, Clone, Default)]
pub struct Seed {
    /// Regions, in display order.
    pub regions: Vec<Region>,
    /// Key pairs (their `instance_ids` and `image_ids` are ignored: bindings come from the
    /// instances' and images' `key_ids`).
    pub key_pairs: Vec<KeyPair>,
    /// Instances and the keys bound to them.
    pub instances: Vec<Instance>,
    /// Images and the keys they carry.
    pub images: Vec<Image>,
}

impl Store {
    /// Inserts `seed` in one transaction if the database has no regions yet; true when it did.
    pub async fn seed_if_empty(&self, seed: &Seed) -> Result<bool, AppError> {
        let mut tx = self.begin_write().await?;
        // Replicas starting together with --demo seed once.
        self.backend.lock(&mut tx, Lock::Seed).await?;
        let regions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM regions")
            .fetch_one(&mut *tx)
            .await?;
        if regions > 0 {
            return Ok(false);
        }
        insert_regions(&mut tx, &seed.regions).await?;
        insert_key_pairs(&mut tx, &seed.key_pairs).await?;
        insert_key_pair_tags(&mut tx, &seed.key_pairs).await?;
        insert_instances(&mut tx, &seed.instances).await?;
        insert_images(&mut tx, &seed.images).await?;
        insert_logins(&mut tx, &seed.key_pairs).await?;
        recount_key_pairs(&mut tx).await?;
        commit(tx).await?;
        Ok(true)
    }
}

/// The regions, in display order.
async fn insert_regions(conn: &mut AnyConnection, regions: &[Region]) -> Result<(), sqlx::Error> {
    for (position, region) in regions.iter().enumerate() {
        sqlx::query("INSERT INTO regions (id, name, position) VALUES ($1, $2, $3)")
            .bind(&region.id)
            .bind(&region.name)
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The key pairs, many rows per statement.
async fn insert_key_pairs(
    conn: &mut AnyConnection,
    key_pairs: &[KeyPair],
) -> Result<(), sqlx::Error> {
    // Many rows per statement: a seed of 100,000 key pairs (the load bench's) takes
    // seconds, and the counter trigger runs once per statement.
    for chunk in key_pairs.chunks(BATCH) {
        let mut insert = Sql::new(
            "INSERT INTO key_pairs (id, name, name_lower, description, public_key, comment, \
             algorithm, bits, fingerprint_sha256, fingerprint_md5, origin, created_at, \
             updated_at, version, expires_at) VALUES ",
        );
        for (n, k) in chunk.iter().enumerate() {
            insert.push(if n == 0 { "(" } else { ", (" });
            insert
                .bind(k.id.clone())
                .push(", ")
                .bind(k.name.clone())
                .push(", ")
                .bind(k.name.to_lowercase())
                .push(", ")
                .bind(k.description.clone())
                .push(", ")
                .bind(k.public_key.clone())
                .push(", ")
                .bind(k.comment.clone())
                .push(", ")
                .bind(k.algorithm)
                .push(", ")
                .bind(i64::from(k.bits))
                .push(", ")
                .bind(k.fingerprint_sha256.clone())
                .push(", ")
                .bind(k.fingerprint_md5.clone())
                .push(", ")
                .bind(k.origin)
                .push(", ")
                .bind(k.created_at.clone())
                .push(", ")
                .bind(k.updated_at.clone())
                .push(", ")
                .bind(k.version)
                .push(", ")
                .bind(k.expires_at.clone())
                .push(")");
        }
        insert.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The key pairs' tags, in order, many rows per statement.
async fn insert_key_pair_tags(
    conn: &mut AnyConnection,
    key_pairs: &[KeyPair],
) -> Result<(), sqlx::Error> {
    let tags: Vec<(&str, usize, &Tag)> = key_pairs
        .iter()
        .flat_map(|k| {
            k.tags
                .iter()
                .enumerate()
                .map(|(p, t)| (k.id.as_str(), p, t))
        })
        .collect();
    for chunk in tags.chunks(BATCH) {
        let mut insert =
            Sql::new("INSERT INTO key_pair_tags (key_pair_id, position, key, value) VALUES ");
        for (n, (id, position, tag)) in chunk.iter().enumerate() {
            insert
                .push(if n == 0 { "(" } else { ", (" })
                .bind((*id).to_owned())
                .push(", ")
                .bind(i64::try_from(*position).unwrap_or(i64::MAX))
                .push(", ")
                .bind(tag.key.clone())
                .push(", ")
                .bind(tag.value.clone())
                .push(")");
        }
        insert.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The instances and the keys bound to them.
async fn insert_instances(
    conn: &mut AnyConnection,
    instances: &[Instance],
) -> Result<(), sqlx::Error> {
    for i in instances {
        sqlx::query(
            "INSERT INTO instances (id, name, region, os, state, private_ip, public_ip, \
             created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1)",
        )
        .bind(&i.id)
        .bind(&i.name)
        .bind(&i.region)
        .bind(i.os)
        .bind(i.state)
        .bind(&i.private_ip)
        .bind(&i.public_ip)
        .bind(&i.created_at)
        .bind(&i.created_at)
        .execute(&mut *conn)
        .await?;
        for key_id in &i.key_ids {
            sqlx::query(
                "INSERT INTO instance_keys (instance_id, key_pair_id, bound_at) VALUES ($1, $2, $3)",
            )
            .bind(&i.id)
            .bind(key_id)
            .bind(&i.created_at)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// The images and the keys they carry.
async fn insert_images(conn: &mut AnyConnection, images: &[Image]) -> Result<(), sqlx::Error> {
    for image in images {
        sqlx::query("INSERT INTO images (id, name, region, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&image.id)
            .bind(&image.name)
            .bind(&image.region)
            .bind(&image.created_at)
            .execute(&mut *conn)
            .await?;
        for key_id in &image.key_ids {
            sqlx::query("INSERT INTO image_keys (image_id, key_pair_id) VALUES ($1, $2)")
                .bind(&image.id)
                .bind(key_id)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// Each key pair's newest login, and the columns of `key_pairs` that point to it.
async fn insert_logins(conn: &mut AnyConnection, key_pairs: &[KeyPair]) -> Result<(), sqlx::Error> {
    for k in key_pairs {
        let Some(login) = &k.last_login else {
            continue;
        };
        sqlx::query(
            "INSERT INTO key_logins (key_pair_id, instance_id, instance_name, user_name, \
             client_address, logged_in_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&k.id)
        .bind(&login.instance_id)
        .bind(&login.instance_name)
        .bind(&login.user)
        .bind(&login.client_address)
        .bind(&login.at)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "UPDATE key_pairs SET last_login_at = $1, last_login_instance_id = $2 WHERE id = $3",
        )
        .bind(&login.at)
        .bind(&login.instance_id)
        .bind(&k.id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
