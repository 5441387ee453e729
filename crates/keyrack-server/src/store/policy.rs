//! The key policy's one row.

use keyrack_api::Policy;

use super::Store;
use crate::clock;
use crate::error::AppError;

impl Store {
    /// The key policy: the default when none was saved, and [`Policy::deny_all`] when the
    /// saved one cannot be read (a body a newer server wrote, a damaged row), so logins fail
    /// closed rather than open.
    pub async fn policy(&self) -> Result<Policy, AppError> {
        self.retry(|| self.try_policy()).await
    }

    async fn try_policy(&self) -> Result<Policy, AppError> {
        let body: Option<String> = sqlx::query_scalar("SELECT body FROM policy WHERE id = 1")
            .fetch_optional(self.reader())
            .await?;
        let Some(body) = body else {
            return Ok(Policy::default());
        };
        Ok(serde_json::from_str(&body).unwrap_or_else(|e| {
            tracing::error!(
                error = %e,
                "the saved key policy cannot be read: no key is allowed, and none logs in, \
                 until an admin saves the policy again (PUT /api/v1/policy)"
            );
            Policy::deny_all()
        }))
    }

    /// Replaces the key policy.
    pub async fn put_policy(&self, policy: &Policy) -> Result<(), AppError> {
        let body = serde_json::to_string(policy).map_err(|e| AppError::Internal(e.to_string()))?;
        self.retry(|| async {
            let mut tx = self.begin_write().await?;
            sqlx::query(
                "INSERT INTO policy (id, body, updated_at) VALUES (1, $1, $2) \
                 ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            )
            .bind(&body)
            .bind(clock::now())
            .execute(&mut *tx)
            .await?;
            self.commit_audited(tx, None).await
        })
        .await
    }
}
