//! Instance rows as stored, and turning them into the API's `Instance` with its bound keys.

use keyrack_api::{Instance, InstanceState, Os, Timestamp};
use sqlx::AnyConnection;

use crate::store::key_pairs::{group, select_in};

pub(super) const INSTANCE_COLUMNS: &str =
    "i.id, i.name, i.region, i.os, i.state, i.private_ip, i.public_ip, i.created_at";

#[derive(sqlx::FromRow)]
pub(super) struct InstanceRow {
    id: String,
    name: String,
    region: String,
    os: Os,
    state: InstanceState,
    private_ip: String,
    public_ip: Option<String>,
    created_at: Timestamp,
}

/// One instance with its bound keys (its state as stored: settle first).
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

/// Adds each instance's bound keys, in binding order, with one query for the whole page.
pub(super) async fn hydrate_instances(
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
