//! What an instance's `authorized_keys` serves: the unexpired keys bound to it, all of them
//! or the one with a given fingerprint.

use super::BoundKey;
use crate::clock;
use crate::error::AppError;
use crate::store::Store;

/// [`Store::bound_key_by_fingerprint`]'s query (a test reads its plan).
const BOUND_KEY_BY_FINGERPRINT: &str =
    "SELECT k.id, k.name, k.public_key, k.algorithm, k.bits, k.expires_at FROM key_pairs k \
     JOIN instance_keys b ON b.key_pair_id = k.id \
     WHERE k.fingerprint_sha256 = $1 AND b.instance_id = $2 \
     AND (k.expires_at IS NULL OR k.expires_at > $3)";

impl Store {
    /// The public keys bound to an instance that have not expired, in binding order.
    pub async fn bound_keys(&self, instance_id: &str) -> Result<Vec<BoundKey>, AppError> {
        self.retry(|| self.try_bound_keys(instance_id)).await
    }

    async fn try_bound_keys(&self, instance_id: &str) -> Result<Vec<BoundKey>, AppError> {
        Ok(sqlx::query_as(
            "SELECT k.id, k.name, k.public_key, k.algorithm, k.bits, k.expires_at \
             FROM instance_keys b \
             JOIN key_pairs k ON k.id = b.key_pair_id \
             WHERE b.instance_id = $1 AND (k.expires_at IS NULL OR k.expires_at > $2) \
             ORDER BY b.bound_at, k.id",
        )
        .bind(instance_id)
        .bind(clock::now())
        .fetch_all(self.reader())
        .await?)
    }

    /// The bound key with this SHA-256 fingerprint (`SHA256:…`, the stored form), if one is
    /// bound to the instance and has not expired. Two index probes, whatever
    /// the fleet's size: `fingerprint_sha256`'s UNIQUE index finds at most one key pair, then
    /// `instance_keys`' primary key `(instance_id, key_pair_id)` says whether it is bound here.
    pub async fn bound_key_by_fingerprint(
        &self,
        instance_id: &str,
        fingerprint_sha256: &str,
    ) -> Result<Option<BoundKey>, AppError> {
        self.retry(|| self.try_bound_key_by_fingerprint(instance_id, fingerprint_sha256))
            .await
    }

    async fn try_bound_key_by_fingerprint(
        &self,
        instance_id: &str,
        fingerprint_sha256: &str,
    ) -> Result<Option<BoundKey>, AppError> {
        Ok(sqlx::query_as(BOUND_KEY_BY_FINGERPRINT)
            .bind(fingerprint_sha256)
            .bind(instance_id)
            .bind(clock::now())
            .fetch_optional(self.reader())
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fingerprint lookup is two index probes on SQLite, never a scan: the UNIQUE index
    /// of `key_pairs.fingerprint_sha256`, then `instance_keys`' primary key (its automatic index).
    #[tokio::test]
    async fn the_fingerprint_lookup_uses_two_indexes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("plan.db").display());
        let store = Store::open_with(&url, Some(1)).await.expect("open");
        store.migrate().await.expect("migrate");
        let plan: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(&format!("EXPLAIN QUERY PLAN {BOUND_KEY_BY_FINGERPRINT}"))
                .bind("SHA256:x")
                .bind("ins-00000000")
                .bind(clock::now())
                .fetch_all(&store.pool)
                .await
                .expect("explain");
        let details: Vec<&str> = plan.iter().map(|row| row.3.as_str()).collect();
        assert_eq!(details.len(), 2, "{details:?}");
        assert!(
            details[0].starts_with("SEARCH k USING INDEX sqlite_autoindex_key_pairs_")
                && details[0].ends_with("(fingerprint_sha256=?)"),
            "{details:?}"
        );
        assert!(
            details[1].starts_with("SEARCH b USING COVERING INDEX sqlite_autoindex_instance_keys_")
                && details[1].ends_with("(instance_id=? AND key_pair_id=?)"),
            "{details:?}"
        );
        store.close().await;
    }
}
