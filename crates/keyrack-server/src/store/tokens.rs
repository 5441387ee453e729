//! Bearer tokens, stored only as SHA-256 hashes.

use keyrack_api::{ErrorCode, Timestamp, TokenInfo, TokenRole};
use sqlx::AnyConnection;

use super::backend::Lock;

use super::{unique_violation, AppError, Store, UniqueColumn};
use crate::clock;
use crate::ids::random_id;

/// A token to register.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// A label for people.
    pub name: String,
    /// Its role.
    pub role: TokenRole,
    /// Hex SHA-256 of the token.
    pub sha256: String,
    /// For an agent token, its instance.
    pub instance_id: Option<String>,
}

/// A registered, unrevoked token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// `tok-…`.
    pub id: String,
    /// Its label.
    pub name: String,
    /// Its role.
    pub role: TokenRole,
    /// For an agent token, the instance whose authorized keys it reads.
    pub instance_id: Option<String>,
}

impl Store {
    /// Whether any unrevoked admin token exists.
    pub async fn has_admin_token(&self) -> Result<bool, AppError> {
        self.retry(|| self.try_has_admin_token()).await
    }

    async fn try_has_admin_token(&self) -> Result<bool, AppError> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM tokens WHERE role = 'admin' AND revoked_at IS NULL LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    /// Registers a token unless its hash is registered already; true when it was added. Names
    /// of valid admin and viewer tokens are unique, so when another token has this one the
    /// token is registered as `name (2)`, `name (3)`… (the bootstrap and initial admin tokens
    /// are made this way, and must not fail because an admin named a token `bootstrap`).
    pub async fn insert_token(&self, token: &NewToken) -> Result<bool, AppError> {
        let mut conn = self.pool.acquire().await?;
        let mut candidate = token.clone();
        for n in 2..=100 {
            match insert(&mut conn, &candidate).await {
                Err(err) if unique_violation(&err) == Some(UniqueColumn::TokenName) => {
                    // The hash may have been registered meanwhile (another replica starting
                    // with the same bootstrap token); then there is nothing to add.
                    if registered(&mut conn, &token.sha256).await? {
                        return Ok(false);
                    }
                    candidate.name = format!("{} ({n})", token.name);
                }
                inserted => return Ok(inserted?),
            }
        }
        Err(AppError::Internal(format!(
            "no free name for a token named {:?}",
            token.name
        )))
    }

    /// The unrevoked token with this hash.
    pub async fn find_token(&self, sha256: &str) -> Result<Option<TokenRecord>, AppError> {
        self.retry(|| self.try_find_token(sha256)).await
    }

    async fn try_find_token(&self, sha256: &str) -> Result<Option<TokenRecord>, AppError> {
        let row: Option<(String, String, TokenRole, Option<String>)> = sqlx::query_as(
            "SELECT id, name, role, instance_id FROM tokens \
             WHERE token_sha256 = $1 AND revoked_at IS NULL",
        )
        .bind(sha256)
        .fetch_optional(self.reader())
        .await?;
        Ok(row.map(|(id, name, role, instance_id)| TokenRecord {
            id,
            name,
            role,
            instance_id,
        }))
    }
}

/// Whether a token with this hash is registered, revoked or not.
async fn registered(conn: &mut AnyConnection, sha256: &str) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM tokens WHERE token_sha256 = $1")
        .bind(sha256)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

/// Inserts a token unless its hash is registered already; true when it was added. A name
/// that a valid admin or viewer token has already fails with the `tokens_active_name`
/// unique violation (agent tokens are exempt).
pub(super) async fn insert(
    conn: &mut AnyConnection,
    token: &NewToken,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "INSERT INTO tokens (id, name, role, token_sha256, created_at, instance_id) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (token_sha256) DO NOTHING",
    )
    .bind(random_id("tok-"))
    .bind(&token.name)
    .bind(token.role)
    .bind(&token.sha256)
    .bind(clock::now())
    .bind(token.instance_id.as_deref())
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// A token row as `token list` and `GET /tokens` show it.
type TokenRow = (
    String,
    String,
    TokenRole,
    Option<String>,
    Timestamp,
    Option<Timestamp>,
);

fn token_info((id, name, role, instance_id, created_at, revoked_at): TokenRow) -> TokenInfo {
    TokenInfo {
        id,
        name,
        role,
        instance_id,
        created_at,
        revoked_at,
    }
}

const TOKEN_COLUMNS: &str = "id, name, role, instance_id, created_at, revoked_at";

impl Store {
    /// Every token, revoked ones included, oldest first. Never the token itself.
    pub async fn list_tokens(&self) -> Result<Vec<TokenInfo>, AppError> {
        self.retry(|| self.try_list_tokens()).await
    }

    async fn try_list_tokens(&self) -> Result<Vec<TokenInfo>, AppError> {
        let rows: Vec<TokenRow> = sqlx::query_as(&format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY created_at, id"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(token_info).collect())
    }

    /// One token as listed, revoked or not.
    pub async fn get_token(&self, id: &str) -> Result<Option<TokenInfo>, AppError> {
        self.retry(|| self.try_get_token(id)).await
    }

    async fn try_get_token(&self, id: &str) -> Result<Option<TokenInfo>, AppError> {
        let row: Option<TokenRow> =
            sqlx::query_as(&format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(token_info))
    }

    /// Registers a new token and returns it as listed. `TokenNameDuplicate` when a valid
    /// admin or viewer token has the name already (ASCII letters compared case-insensitively:
    /// the database's unique index `tokens_active_name` decides, on both backends).
    pub async fn create_token(&self, token: &NewToken) -> Result<TokenInfo, AppError> {
        self.retry(|| self.try_create_token(token)).await
    }

    async fn try_create_token(&self, token: &NewToken) -> Result<TokenInfo, AppError> {
        let id = random_id("tok-");
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO tokens (id, name, role, token_sha256, created_at, instance_id) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(&token.name)
        .bind(token.role)
        .bind(&token.sha256)
        .bind(clock::now())
        .bind(token.instance_id.as_deref())
        .execute(&mut *tx)
        .await;
        if let Err(err) = inserted {
            tx.rollback().await?;
            return Err(match unique_violation(&err) {
                Some(UniqueColumn::TokenName) => {
                    ErrorCode::token_name_duplicate(token.name.clone()).into()
                }
                _ => err.into(),
            });
        }
        let row: TokenRow =
            sqlx::query_as(&format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE id = $1"))
                .bind(&id)
                .fetch_one(&mut *tx)
                .await?;
        self.commit_audited(tx, Some(&id)).await?;
        Ok(token_info(row))
    }

    /// Revokes a token (revoking twice keeps the first time). `None` when there is no such
    /// token. Authentication reads the table on every request, so this takes effect at once.
    /// The last valid admin token is refused (`LastAdminToken`): checked in the same write
    /// transaction, so two admins revoking each other at once cannot both succeed.
    pub async fn revoke_token(&self, id: &str) -> Result<Option<TokenInfo>, AppError> {
        self.retry(|| self.try_revoke_token(id)).await
    }

    async fn try_revoke_token(&self, id: &str) -> Result<Option<TokenInfo>, AppError> {
        let mut tx = self.begin_write().await?;
        // One revocation at a time across replicas, so two admins revoking each other at once
        // cannot both succeed.
        self.backend.lock(&mut tx, Lock::AdminTokens).await?;
        let other_admins: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM tokens WHERE role = 'admin' AND revoked_at IS NULL AND id <> $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let is_valid_admin: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM tokens WHERE id = $1 AND role = 'admin' AND revoked_at IS NULL",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        if is_valid_admin.is_some() && other_admins == 0 {
            return Err(ErrorCode::LastAdminToken.into());
        }
        sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(clock::now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let row: Option<TokenRow> =
            sqlx::query_as(&format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE id = $1"))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        self.commit_audited(tx, None).await?;
        Ok(row.map(token_info))
    }
}
