//! Inserting a prepared data set (the demo) verbatim.

use keyrack_api::{Image, Instance, KeyPair, Region};

use super::backend::Lock;
use super::fleet::os_str;
use super::key_pairs::{insert_tags, origin_str};
use super::{Store, StoreError};

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
    pub async fn seed_if_empty(&self, seed: &Seed) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        // Replicas starting together with --demo seed once.
        self.backend.lock(&mut tx, Lock::Seed).await?;
        let regions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM regions")
            .fetch_one(&mut *tx)
            .await?;
        if regions > 0 {
            return Ok(false);
        }
        for (position, region) in seed.regions.iter().enumerate() {
            sqlx::query("INSERT INTO regions (id, name, position) VALUES ($1, $2, $3)")
                .bind(&region.id)
                .bind(&region.name)
                .bind(i64::try_from(position).unwrap_or(i64::MAX))
                .execute(&mut *tx)
                .await?;
        }
        for k in &seed.key_pairs {
            sqlx::query(
                "INSERT INTO key_pairs (id, name, name_lower, description, public_key, comment, \
                 algorithm, bits, fingerprint_sha256, fingerprint_md5, origin, created_at, \
                 updated_at, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            )
            .bind(&k.id)
            .bind(&k.name)
            .bind(k.name.to_lowercase())
            .bind(&k.description)
            .bind(&k.public_key)
            .bind(&k.comment)
            .bind(&k.algorithm)
            .bind(i64::from(k.bits))
            .bind(&k.fingerprint_sha256)
            .bind(&k.fingerprint_md5)
            .bind(origin_str(k.origin))
            .bind(&k.created_at)
            .bind(&k.updated_at)
            .bind(k.version)
            .execute(&mut *tx)
            .await?;
            insert_tags(&mut tx, &k.id, &k.tags).await?;
        }
        for i in &seed.instances {
            sqlx::query(
                "INSERT INTO instances (id, name, region, os, state, private_ip, public_ip, \
                 created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1)",
            )
            .bind(&i.id)
            .bind(&i.name)
            .bind(&i.region)
            .bind(os_str(i.os))
            .bind(i.state.as_str())
            .bind(&i.private_ip)
            .bind(&i.public_ip)
            .bind(&i.created_at)
            .bind(&i.created_at)
            .execute(&mut *tx)
            .await?;
            for key_id in &i.key_ids {
                sqlx::query(
                    "INSERT INTO instance_keys (instance_id, key_pair_id, bound_at) VALUES ($1, $2, $3)",
                )
                .bind(&i.id)
                .bind(key_id)
                .bind(&i.created_at)
                .execute(&mut *tx)
                .await?;
            }
        }
        for image in &seed.images {
            sqlx::query(
                "INSERT INTO images (id, name, region, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(&image.id)
            .bind(&image.name)
            .bind(&image.region)
            .bind(&image.created_at)
            .execute(&mut *tx)
            .await?;
            for key_id in &image.key_ids {
                sqlx::query("INSERT INTO image_keys (image_id, key_pair_id) VALUES ($1, $2)")
                    .bind(&image.id)
                    .bind(key_id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }
}
