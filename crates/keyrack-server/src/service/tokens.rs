//! Bearer tokens: bootstrap and authentication.

use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::ids::random_token;
use crate::store::{NewToken, Role, Store, TokenRecord};

/// Hex SHA-256 of a token, the only form in which tokens are stored. A plain hash suffices:
/// tokens are 256-bit random values, not guessable passwords.
pub fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Makes sure an admin can sign in. With `bootstrap`, registers it (once); otherwise, when no
/// admin token exists, creates one and returns it so the caller can show it once.
pub async fn bootstrap(store: &Store, bootstrap: Option<&str>) -> Result<Option<String>, AppError> {
    if let Some(token) = bootstrap {
        let token = token.trim();
        if token.is_empty() {
            return Err(AppError::Internal("the bootstrap token is empty".into()));
        }
        let added = store
            .insert_token(&NewToken {
                name: "bootstrap".into(),
                role: Role::Admin,
                sha256: hash(token),
                instance_id: None,
            })
            .await?;
        if added {
            tracing::info!("registered the bootstrap admin token");
        }
        return Ok(None);
    }
    if store.has_admin_token().await? {
        return Ok(None);
    }
    let token = random_token();
    store
        .insert_token(&NewToken {
            name: "initial admin".into(),
            role: Role::Admin,
            sha256: hash(&token),
            instance_id: None,
        })
        .await?;
    Ok(Some(token))
}

/// The token's record, or `Unauthorized`.
pub async fn authenticate(store: &Store, token: &str) -> Result<TokenRecord, AppError> {
    store
        .find_token(&hash(token))
        .await?
        .ok_or(AppError::Unauthorized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_hex_sha256() {
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
