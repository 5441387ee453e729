//! Writing key pairs: create (within the quota), update, replace tags and delete what
//! nothing references, each in one transaction.

use keyrack_api::{ErrorCode, KeyPair, Tag};
use sqlx::AnyConnection;

use super::counter::count_key_pairs_by;
use super::rows::{bump, fetch, insert_tags};
use super::{not_found, Deletion, KeyPairChanges, NewKeyPair};
use crate::clock;
use crate::error::AppError;
use crate::ids::random_id;
use crate::store::{unique_violation, Store, UniqueColumn};

impl Store {
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
        .bind(new.algorithm)
        .bind(i64::from(new.bits))
        .bind(&new.fingerprint_sha256)
        .bind(&new.fingerprint_md5)
        .bind(new.origin)
        .bind(&now)
        .bind(&now)
        .bind(new.expires_at.clone())
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
    /// (when given) is current.
    pub async fn update_key_pair(
        &self,
        id: &str,
        expected_version: Option<i64>,
        changes: KeyPairChanges,
    ) -> Result<KeyPair, AppError> {
        self.retry(|| self.try_update_key_pair(id, expected_version, &changes))
            .await
    }

    async fn try_update_key_pair(
        &self,
        id: &str,
        expected_version: Option<i64>,
        changes: &KeyPairChanges,
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
                .bind(expires_at.clone())
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
            crate::store::note_targets(
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
}
