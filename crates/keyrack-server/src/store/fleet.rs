//! Regions, instances and custom images (read-only for now; start/stop and binding write
//! `instances` and `instance_keys`).

use keyrack_api::{Image, Instance, InstanceState, List, Os, Region};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::key_pairs::{group, select_in};
use super::{Store, StoreError};

/// Which instances to list.
#[derive(Debug, Clone, Default)]
pub struct InstanceFilter {
    /// Only this region.
    pub region: Option<String>,
    /// Only this state.
    pub state: Option<InstanceState>,
    /// Substring of name, id or an address (case-insensitive).
    pub text: Option<String>,
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
    os: String,
    state: String,
    private_ip: String,
    public_ip: Option<String>,
    created_at: String,
}

impl Store {
    /// Every region, in display order.
    pub async fn list_regions(&self) -> Result<Vec<Region>, StoreError> {
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
    ) -> Result<List<Instance>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut count = QueryBuilder::new("SELECT COUNT(*) FROM instances i");
        push_instance_filter(&mut count, filter);
        let total: i64 = count.build_query_scalar().fetch_one(&mut *tx).await?;

        let mut page = QueryBuilder::new(
            "SELECT i.id, i.name, i.region, i.os, i.state, i.private_ip, i.public_ip, \
             i.created_at FROM instances i",
        );
        push_instance_filter(&mut page, filter);
        page.push(" ORDER BY i.region, i.name, i.id LIMIT ")
            .push_bind(i64::from(filter.limit))
            .push(" OFFSET ")
            .push_bind(i64::from(filter.offset));
        let rows: Vec<InstanceRow> = page.build_query_as().fetch_all(&mut *tx).await?;
        let items = hydrate_instances(&mut tx, rows).await?;
        tx.commit().await?;
        Ok(List {
            total: u64::try_from(total).unwrap_or(0),
            items,
        })
    }

    /// Every custom image.
    pub async fn list_images(&self) -> Result<Vec<Image>, StoreError> {
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

fn push_instance_filter<'a>(qb: &mut QueryBuilder<'a, Sqlite>, filter: &'a InstanceFilter) {
    let mut clause = " WHERE ";
    if let Some(region) = &filter.region {
        qb.push(clause)
            .push("i.region = ")
            .push_bind(region.as_str());
        clause = " AND ";
    }
    if let Some(state) = filter.state {
        qb.push(clause).push("i.state = ").push_bind(state.as_str());
        clause = " AND ";
    }
    if let Some(text) = &filter.text {
        let lower = text.to_lowercase();
        qb.push(clause).push("(");
        let mut any = qb.separated(" OR ");
        for column in ["lower(i.name)", "i.id", "i.private_ip", "i.public_ip"] {
            any.push(format!("instr({column}, "))
                .push_bind_unseparated(lower.clone())
                .push_unseparated(") > 0");
        }
        qb.push(")");
    }
}

async fn hydrate_instances(
    conn: &mut SqliteConnection,
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
            os: parse_os(&r.os),
            state: parse_state(&r.state),
            id: r.id,
            name: r.name,
            region: r.region,
            private_ip: r.private_ip,
            public_ip: r.public_ip,
            created_at: r.created_at,
        })
        .collect())
}

pub(super) fn os_str(os: Os) -> &'static str {
    match os {
        Os::Linux => "linux",
        Os::Windows => "windows",
    }
}

// The CHECK constraints admit only the spellings matched here.
fn parse_os(s: &str) -> Os {
    if s == "windows" {
        Os::Windows
    } else {
        Os::Linux
    }
}

fn parse_state(s: &str) -> InstanceState {
    match s {
        "RUNNING" => InstanceState::Running,
        "STARTING" => InstanceState::Starting,
        "STOPPING" => InstanceState::Stopping,
        _ => InstanceState::Stopped,
    }
}
