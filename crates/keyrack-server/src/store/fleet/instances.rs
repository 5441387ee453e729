//! Regions and instances: listing (with their filter), reading, registering with an agent
//! token, and deleting.

use keyrack_api::{ErrorCode, Instance, List, Region, TokenRole};

use super::rows::{fetch_instance, hydrate_instances, InstanceRow, INSTANCE_COLUMNS};
use super::{InstanceFilter, NewInstance};
use crate::clock;
use crate::error::AppError;
use crate::ids::random_id;
use crate::store::key_pairs::bump;
use crate::store::{commit, tokens, NewToken, Sql, Store};

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
