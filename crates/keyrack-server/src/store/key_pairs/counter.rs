//! The `key_pairs` counter: read, moved by creates and deletes, and recounted after bulk
//! inserts.

use keyrack_api::Timestamp;
use sqlx::AnyConnection;

/// The number of key pairs, as the counter holds it.
pub(super) async fn key_pair_count(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT value FROM counters WHERE name = 'key_pairs'")
        .fetch_one(conn)
        .await
}

/// The number of key pairs expired at `now`, from the expiry index.
pub(super) async fn expired_count(
    conn: &mut AnyConnection,
    now: &Timestamp,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM key_pairs WHERE expires_at <= $1")
        .bind(now.clone())
        .fetch_one(conn)
        .await
}

/// Sets the counter from the rows themselves, after a bulk insert (seed, migrate-to), and
/// returns it.
pub(in crate::store) async fn recount_key_pairs(
    conn: &mut AnyConnection,
) -> Result<i64, sqlx::Error> {
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
