//! Regions, instances (with their power transitions and agent tokens) and custom images.
//!
//! Power transitions are stored, not timed: `stop` writes `STOPPING` and a `transition_until`
//! deadline, and the first read or write after the deadline settles the row to `STOPPED`
//! (likewise `STARTING` to `RUNNING`). There is no timer task to lose on a crash or restart,
//! and every reader sees the same state; the price is one small write by the first reader
//! after a deadline.

use std::time::Duration;

use keyrack_api::{ErrorCode, Image, Instance, InstanceState, List, Os, Region, TokenRole};
use sqlx::AnyConnection;

use super::key_pairs::{bump, group, select_in};
use super::tokens;
use super::{commit, AppError, NewToken, Sql, Store};
use crate::clock;
use crate::ids::random_id;

/// An instance to register, already validated by the service.
#[derive(Debug, Clone)]
pub struct NewInstance {
    /// Display name.
    pub name: String,
    /// Region id; created (named after its id) when unknown.
    pub region: String,
    /// Operating system family.
    pub os: Os,
    /// `RUNNING` or `STOPPED`.
    pub state: InstanceState,
    /// Private address, or empty.
    pub private_ip: String,
    /// Public address.
    pub public_ip: Option<String>,
}

/// What a start or stop does to an instance in a given state (the service decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerStep {
    /// Nothing: it is there already or on its way.
    Keep,
    /// Enter this transitional state until the delay has passed.
    Begin(InstanceState),
    /// Refused: it is heading the other way.
    Conflict,
}

const INSTANCE_COLUMNS: &str =
    "i.id, i.name, i.region, i.os, i.state, i.private_ip, i.public_ip, i.created_at";

/// Which instances to list.
#[derive(Debug, Clone, Default)]
pub struct InstanceFilter {
    /// Only this region.
    pub region: Option<String>,
    /// Only this state.
    pub state: Option<InstanceState>,
    /// Substring of name, id or an address (case-insensitive).
    pub text: Option<String>,
    /// Only instances this key pair is bound to.
    pub key_pair: Option<String>,
    /// Rows to skip.
    pub offset: u32,
    /// Rows to return.
    pub limit: u32,
}

#[derive(sqlx::FromRow)]
struct InstanceRow {
    id: String,
    name: String,
    region: String,
    os: Os,
    state: InstanceState,
    private_ip: String,
    public_ip: Option<String>,
    created_at: String,
}

/// A key bound to an instance, as `authorized_keys` serves it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BoundKey {
    /// The key pair's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `<algorithm> <base64>`.
    pub public_key: String,
    /// For the key policy.
    pub algorithm: String,
    /// For the key policy.
    pub bits: i64,
    /// The stored form, which the line carries as sshd's `expiry-time`.
    pub expires_at: Option<String>,
}

/// [`Store::bound_key_by_fingerprint`]'s query (a test reads its plan).
pub(crate) const BOUND_KEY_BY_FINGERPRINT: &str =
    "SELECT k.id, k.name, k.public_key, k.algorithm, k.bits, k.expires_at FROM key_pairs k \
     JOIN instance_keys b ON b.key_pair_id = k.id \
     WHERE k.fingerprint_sha256 = $1 AND b.instance_id = $2 \
     AND (k.expires_at IS NULL OR k.expires_at > $3)";

impl Store {
    /// Every region, in display order.
    pub async fn list_regions(&self) -> Result<Vec<Region>, AppError> {
        self.retry(|| self.try_list_regions()).await
    }

    async fn try_list_regions(&self) -> Result<Vec<Region>, AppError> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT id, name FROM regions ORDER BY position, id")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name)| Region { id, name })
            .collect())
    }

    /// One page of instances and the number of all matches.
    pub async fn list_instances(
        &self,
        filter: &InstanceFilter,
    ) -> Result<List<Instance>, AppError> {
        self.retry(|| self.try_list_instances(filter)).await
    }

    async fn try_list_instances(
        &self,
        filter: &InstanceFilter,
    ) -> Result<List<Instance>, AppError> {
        self.settle_transitions().await?;
        let mut tx = self.begin_read().await?;
        let mut count = Sql::new("SELECT COUNT(*) FROM instances i");
        self.push_instance_filter(&mut count, filter);
        let total: i64 = count.fetch_scalar(&mut *tx).await?;

        let mut page = Sql::new(format!("SELECT {INSTANCE_COLUMNS} FROM instances i"));
        self.push_instance_filter(&mut page, filter);
        page.push(" ORDER BY i.region, i.name, i.id LIMIT ")
            .bind(i64::from(filter.limit))
            .push(" OFFSET ")
            .bind(i64::from(filter.offset));
        let rows: Vec<InstanceRow> = page.fetch_all(&mut *tx).await?;
        let items = hydrate_instances(&mut tx, rows).await?;
        commit(tx).await?;
        Ok(List {
            total: u64::try_from(total).unwrap_or(0),
            items,
        })
    }

    /// Finishes every transition whose deadline has passed. Cheap when there is none: one
    /// indexed read, and the write lock only when something is due.
    pub async fn settle_transitions(&self) -> Result<(), AppError> {
        let now = clock::now();
        let due: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM instances WHERE transition_until IS NOT NULL AND transition_until <= $1 \
             LIMIT 1",
        )
        .bind(&now)
        .fetch_optional(&self.pool)
        .await?;
        if due.is_some() {
            let mut tx = self.begin_write().await?;
            settle(&mut tx).await?;
            commit(tx).await?;
        }
        Ok(())
    }

    /// One instance, with its state as of now.
    pub async fn instance(&self, id: &str) -> Result<Option<Instance>, AppError> {
        self.retry(|| self.try_instance(id)).await
    }

    async fn try_instance(&self, id: &str) -> Result<Option<Instance>, AppError> {
        self.settle_transitions().await?;
        let mut conn = self.pool.acquire().await?;
        Ok(fetch_instance(&mut conn, id).await?)
    }

    /// Registers an instance and its agent token (given as a hash) in one transaction,
    /// creating its region when unknown.
    pub async fn create_instance(
        &self,
        new: NewInstance,
        agent_token_sha256: String,
    ) -> Result<Instance, AppError> {
        self.retry(|| self.try_create_instance(&new, &agent_token_sha256))
            .await
    }

    async fn try_create_instance(
        &self,
        new: &NewInstance,
        agent_token_sha256: &str,
    ) -> Result<Instance, AppError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO regions (id, name, position) \
             VALUES ($1, $1, (SELECT COALESCE(MAX(position) + 1, 0) FROM regions)) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&new.region)
        .execute(&mut *tx)
        .await?;
        let id = random_id("ins-");
        let now = clock::now();
        sqlx::query(
            "INSERT INTO instances (id, name, region, os, state, private_ip, public_ip, \
             created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1)",
        )
        .bind(&id)
        .bind(&new.name)
        .bind(&new.region)
        .bind(new.os)
        .bind(new.state)
        .bind(&new.private_ip)
        .bind(new.public_ip.as_deref())
        .bind(&now)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let token = NewToken {
            name: format!("agent of {id}"),
            role: TokenRole::Agent,
            sha256: agent_token_sha256.to_owned(),
            instance_id: Some(id.clone()),
        };
        tokens::insert(&mut tx, &token).await?;
        let instance = fetch_instance(&mut tx, &id)
            .await?
            .ok_or(ErrorCode::InstanceNotFound { id })?;
        self.commit_audited(tx, Some(&instance.id)).await?;
        Ok(instance)
    }

    /// Deletes an instance, its bindings and its agent tokens (the key pairs it held change,
    /// so their versions are bumped).
    pub async fn delete_instance(&self, id: &str) -> Result<(), AppError> {
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            // Locked first, so no bind slips in between reading its keys and deleting it.
            sqlx::query(&format!(
                "SELECT 1 FROM instances WHERE id = $1{}",
                self.backend.for_update()
            ))
            .bind(id)
            .execute(&mut *tx)
            .await?;
            let key_ids: Vec<String> =
                sqlx::query_scalar("SELECT key_pair_id FROM instance_keys WHERE instance_id = $1")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
            let deleted = sqlx::query("DELETE FROM instances WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if deleted.rows_affected() == 0 {
                return Err(ErrorCode::InstanceNotFound { id: id.to_owned() }.into());
            }
            for key_id in &key_ids {
                bump(&mut tx, key_id).await?;
            }
            self.commit_audited(tx, None).await?;
            Ok(())
        })
        .await
    }

    /// Starts or stops an instance as `decide` says for its current state; a transition
    /// lasts `delay`.
    pub async fn change_power(
        &self,
        id: &str,
        delay: Duration,
        decide: impl Fn(InstanceState) -> PowerStep,
    ) -> Result<Instance, AppError> {
        self.retry(|| self.try_change_power(id, delay, &decide))
            .await
    }

    async fn try_change_power(
        &self,
        id: &str,
        delay: Duration,
        decide: &impl Fn(InstanceState) -> PowerStep,
    ) -> Result<Instance, AppError> {
        let mut tx = self.begin_write().await?;
        settle(&mut tx).await?;
        let state: Option<InstanceState> = sqlx::query_scalar(&format!(
            "SELECT state FROM instances WHERE id = $1{}",
            self.backend.for_update()
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(state) = state else {
            return Err(ErrorCode::InstanceNotFound { id: id.to_owned() }.into());
        };
        match decide(state) {
            PowerStep::Keep => {}
            PowerStep::Conflict => return Err(ErrorCode::InstanceStateConflict { state }.into()),
            PowerStep::Begin(next) => set_state(&mut tx, id, next, delay).await?,
        }
        let instance = fetch_instance(&mut tx, id)
            .await?
            .ok_or_else(|| ErrorCode::InstanceNotFound { id: id.to_owned() })?;
        self.commit_audited(tx, None).await?;
        Ok(instance)
    }

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

    /// Makes a custom image from an instance: its region and the keys bound to it now.
    pub async fn create_image(&self, name: &str, instance_id: &str) -> Result<Image, AppError> {
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            // Locked like a bind locks it, so the keys copied are the keys bound at commit.
            let region: Option<String> = sqlx::query_scalar(&format!(
                "SELECT region FROM instances WHERE id = $1{}",
                self.backend.for_update()
            ))
            .bind(instance_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(region) = region else {
                return Err(ErrorCode::InstanceNotFound {
                    id: instance_id.to_owned(),
                }
                .into());
            };
            let id = random_id("img-");
            let now = clock::now();
            sqlx::query(
                "INSERT INTO images (id, name, region, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(&id)
            .bind(name)
            .bind(&region)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO image_keys (image_id, key_pair_id) \
                 SELECT $1, key_pair_id FROM instance_keys WHERE instance_id = $2",
            )
            .bind(&id)
            .bind(instance_id)
            .execute(&mut *tx)
            .await?;
            let key_ids: Vec<String> = sqlx::query_scalar(
                "SELECT key_pair_id FROM image_keys WHERE image_id = $1 ORDER BY key_pair_id",
            )
            .bind(&id)
            .fetch_all(&mut *tx)
            .await?;
            for key_id in &key_ids {
                bump(&mut tx, key_id).await?;
            }
            self.commit_audited(tx, Some(&id)).await?;
            Ok(Image {
                id,
                name: name.to_owned(),
                region,
                key_ids,
                created_at: now,
            })
        })
        .await
    }

    /// Deletes a custom image; the key pairs it carried may then be deletable.
    pub async fn delete_image(&self, id: &str) -> Result<(), AppError> {
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            let key_ids: Vec<String> =
                sqlx::query_scalar("SELECT key_pair_id FROM image_keys WHERE image_id = $1")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
            let deleted = sqlx::query("DELETE FROM images WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if deleted.rows_affected() == 0 {
                return Err(ErrorCode::ImageNotFound { id: id.to_owned() }.into());
            }
            for key_id in &key_ids {
                bump(&mut tx, key_id).await?;
            }
            self.commit_audited(tx, None).await?;
            Ok(())
        })
        .await
    }

    /// Every custom image.
    pub async fn list_images(&self) -> Result<Vec<Image>, AppError> {
        self.retry(|| self.try_list_images()).await
    }

    async fn try_list_images(&self) -> Result<Vec<Image>, AppError> {
        let mut conn = self.pool.acquire().await?;
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT id, name, region, created_at FROM images ORDER BY region, name, id",
        )
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        let mut keys = group(
            select_in(
                &mut conn,
                "SELECT image_id, key_pair_id FROM image_keys WHERE image_id IN ",
                &ids,
                " ORDER BY key_pair_id",
            )
            .await?,
        );
        Ok(rows
            .into_iter()
            .map(|(id, name, region, created_at)| Image {
                key_ids: keys.remove(&id).unwrap_or_default(),
                id,
                name,
                region,
                created_at,
            })
            .collect())
    }
}

impl Store {
    fn push_instance_filter(&self, sql: &mut Sql, filter: &InstanceFilter) {
        let mut clause = " WHERE ";
        if let Some(region) = &filter.region {
            sql.push(clause).push("i.region = ").bind(region.clone());
            clause = " AND ";
        }
        if let Some(state) = filter.state {
            sql.push(clause).push("i.state = ").bind(state);
            clause = " AND ";
        }
        if let Some(key_pair) = &filter.key_pair {
            sql.push(clause)
                .push(
                    "EXISTS (SELECT 1 FROM instance_keys b \
                     WHERE b.instance_id = i.id AND b.key_pair_id = ",
                )
                .bind(key_pair.clone())
                .push(")");
            clause = " AND ";
        }
        if let Some(text) = &filter.text {
            let lower = text.to_lowercase();
            let position = self.backend.position_fn();
            sql.push(clause).push("(");
            for (i, column) in ["lower(i.name)", "i.id", "i.private_ip", "i.public_ip"]
                .into_iter()
                .enumerate()
            {
                if i > 0 {
                    sql.push(" OR ");
                }
                sql.push(&format!("{position}({column}, "))
                    .bind(lower.clone())
                    .push(") > 0");
            }
            sql.push(")");
        }
    }
}

/// Finishes every transition whose deadline has passed; the row's `updated_at` becomes the
/// deadline, when the transition really ended.
pub(super) async fn settle(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE instances SET \
         state = CASE state WHEN 'STOPPING' THEN 'STOPPED' WHEN 'STARTING' THEN 'RUNNING' \
         ELSE state END, \
         updated_at = transition_until, transition_until = NULL, version = version + 1 \
         WHERE transition_until IS NOT NULL AND transition_until <= $1",
    )
    .bind(clock::now())
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets an instance's state; a transitional one (`STOPPING`, `STARTING`) ends after `delay`.
pub(super) async fn set_state(
    conn: &mut AnyConnection,
    id: &str,
    state: InstanceState,
    delay: Duration,
) -> Result<(), sqlx::Error> {
    let until = matches!(state, InstanceState::Stopping | InstanceState::Starting)
        .then(|| clock::after(delay));
    sqlx::query(
        "UPDATE instances SET state = $1, transition_until = $2, updated_at = $3, \
         version = version + 1 WHERE id = $4",
    )
    .bind(state)
    .bind(until)
    .bind(clock::now())
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub(super) async fn fetch_instance(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<Instance>, sqlx::Error> {
    let row: Option<InstanceRow> = sqlx::query_as(&format!(
        "SELECT {INSTANCE_COLUMNS} FROM instances i WHERE i.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => Ok(hydrate_instances(conn, vec![row]).await?.pop()),
        None => Ok(None),
    }
}

async fn hydrate_instances(
    conn: &mut AnyConnection,
    rows: Vec<InstanceRow>,
) -> Result<Vec<Instance>, sqlx::Error> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let mut keys = group(
        select_in(
            conn,
            "SELECT instance_id, key_pair_id FROM instance_keys WHERE instance_id IN ",
            &ids,
            " ORDER BY bound_at, key_pair_id",
        )
        .await?,
    );
    Ok(rows
        .into_iter()
        .map(|r| Instance {
            key_ids: keys.remove(&r.id).unwrap_or_default(),
            os: r.os,
            state: r.state,
            id: r.id,
            name: r.name,
            region: r.region,
            private_ip: r.private_ip,
            public_ip: r.public_ip,
            created_at: r.created_at,
        })
        .collect())
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
