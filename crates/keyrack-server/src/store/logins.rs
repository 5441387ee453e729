//! The last login of each key on each instance, and the newest one on the key itself.

use keyrack_api::{KeyLogin, Timestamp};

use super::{AppError, Store};

/// A completed login, as the instance reported it.
#[derive(Debug, Clone)]
pub struct NewLogin<'a> {
    /// The reporting instance (its agent token's).
    pub instance_id: &'a str,
    /// The key's `SHA256:…` fingerprint.
    pub fingerprint: &'a str,
    /// The account.
    pub user: &'a str,
    /// The client's address, canonical.
    pub client_address: &'a str,
    /// When.
    pub at: &'a Timestamp,
}

#[derive(sqlx::FromRow)]
struct LoginRow {
    logged_in_at: Timestamp,
    instance_id: String,
    instance_name: String,
    user_name: String,
    client_address: String,
}

impl From<LoginRow> for KeyLogin {
    fn from(row: LoginRow) -> Self {
        Self {
            at: row.logged_in_at,
            instance_id: row.instance_id,
            instance_name: row.instance_name,
            user: row.user_name,
            client_address: row.client_address,
        }
    }
}

/// The id of the key with the login's fingerprint and the instance's name, if the key is
/// bound to the instance.
async fn bound_key<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    login: &NewLogin<'_>,
) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT k.id, i.name FROM key_pairs k \
         JOIN instance_keys ik ON ik.key_pair_id = k.id AND ik.instance_id = $2 \
         JOIN instances i ON i.id = ik.instance_id \
         WHERE k.fingerprint_sha256 = $1",
    )
    .bind(login.fingerprint)
    .bind(login.instance_id)
    .fetch_optional(executor)
    .await
}

impl Store {
    /// Records a login of the key with this fingerprint on the instance, if the key is bound
    /// to it; `None` (nothing written) otherwise. Two primary-key probes to find the key,
    /// one upsert, and one update of the key's own row.
    ///
    /// A report of a key that is not bound is answered from a plain read, before any write
    /// transaction: on SQLite a write transaction takes the one write lock, and a host
    /// reporting junk must not queue people's writes behind its refusals.
    pub async fn record_login(&self, login: &NewLogin<'_>) -> Result<Option<KeyLogin>, AppError> {
        if bound_key(&self.pool, login).await?.is_none() {
            return Ok(None);
        }
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            // Again inside the transaction: it may have been unbound since.
            let bound = bound_key(&mut *tx, login).await?;
            let Some((key_pair_id, instance_name)) = bound else {
                tx.rollback().await?;
                return Ok(None);
            };
            sqlx::query(
                "INSERT INTO key_logins (key_pair_id, instance_id, instance_name, user_name, \
                 client_address, logged_in_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (key_pair_id, instance_id) DO UPDATE SET \
                 instance_name = excluded.instance_name, user_name = excluded.user_name, \
                 client_address = excluded.client_address, logged_in_at = excluded.logged_in_at \
                 WHERE key_logins.logged_in_at <= excluded.logged_in_at",
            )
            .bind(&key_pair_id)
            .bind(login.instance_id)
            .bind(&instance_name)
            .bind(login.user)
            .bind(login.client_address)
            .bind(login.at)
            .execute(&mut *tx)
            .await?;
            // Reports can arrive out of order (a retried one, replicas' clocks): neither row
            // goes back in time. Not a change to the key: its version and `updated_at` stay,
            // so an open Modify dialog's `If-Match` still holds.
            sqlx::query(
                "UPDATE key_pairs SET last_login_at = $1, last_login_instance_id = $2 \
                 WHERE id = $3 AND last_login_at <= $1",
            )
            .bind(login.at)
            .bind(login.instance_id)
            .bind(&key_pair_id)
            .execute(&mut *tx)
            .await?;
            // Not audited: the login itself is the record (see `http::audit`), and an
            // agent's reports would otherwise grow the log a row per login.
            super::commit(tx).await?;
            Ok(Some(KeyLogin {
                at: login.at.to_owned(),
                instance_id: login.instance_id.to_owned(),
                instance_name,
                user: login.user.to_owned(),
                client_address: login.client_address.to_owned(),
            }))
        })
        .await
    }

    /// The key's last login on each instance, newest first; `None` if there is no such key.
    pub async fn key_logins(&self, key_pair_id: &str) -> Result<Option<Vec<KeyLogin>>, AppError> {
        self.retry(|| self.try_key_logins(key_pair_id)).await
    }

    async fn try_key_logins(&self, key_pair_id: &str) -> Result<Option<Vec<KeyLogin>>, AppError> {
        let mut tx = self.begin_read().await?;
        let exists: Option<String> = sqlx::query_scalar("SELECT id FROM key_pairs WHERE id = $1")
            .bind(key_pair_id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Ok(None);
        }
        let rows: Vec<LoginRow> = sqlx::query_as(
            "SELECT logged_in_at, instance_id, instance_name, user_name, client_address \
             FROM key_logins WHERE key_pair_id = $1 ORDER BY logged_in_at DESC, instance_id",
        )
        .bind(key_pair_id)
        .fetch_all(&mut *tx)
        .await?;
        tx.rollback().await?;
        Ok(Some(rows.into_iter().map(KeyLogin::from).collect()))
    }
}
