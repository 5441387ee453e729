//! Custom images: made from an instance (its region and bound keys), listed and deleted.

use keyrack_api::{ErrorCode, Image, Timestamp};

use crate::clock;
use crate::error::AppError;
use crate::ids::random_id;
use crate::store::key_pairs::{bump, group, select_in};
use crate::store::Store;

impl Store {
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
        let rows: Vec<(String, String, String, Timestamp)> = sqlx::query_as(
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
