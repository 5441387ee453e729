//! Bearer tokens: bootstrap and authentication.

use keyrack_api::{CreateToken, CreatedToken, ErrorCode, TokenInfo, TokenRole};
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::ids::random_token;
use crate::store::{NewToken, Store, TokenRecord};

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
                role: TokenRole::Admin,
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
            role: TokenRole::Admin,
            sha256: hash(&token),
            instance_id: None,
        })
        .await?;
    Ok(Some(token))
}

/// The token's record, or `Unauthorized`.
///
/// Timing: the presented token is hashed first and the database looks up that SHA-256 (an
/// index lookup on the hash column). What an attacker controls is the input to the hash, and
/// any comparison that ends early only reveals how many leading characters of *the hash of
/// their own guess* match a stored hash; finding a token from that means inverting SHA-256.
/// So the lookup is constant-time with respect to the secret tokens. Tokens are also read
/// afresh on every request (there is no cache), so a revocation takes effect at once.
pub async fn authenticate(store: &Store, token: &str) -> Result<TokenRecord, AppError> {
    store
        .find_token(&hash(token))
        .await?
        .ok_or(ErrorCode::Unauthorized.into())
}

/// Makes a new admin or viewer token; the answer is the only place the token appears.
pub async fn create(store: &Store, req: CreateToken) -> Result<CreatedToken, AppError> {
    req.validate()?;
    let name = req.name.trim().to_owned();
    let token = random_token();
    let info = store
        .create_token(&NewToken {
            name,
            // `validate` refused agent tokens: they come with their instance.
            role: req.role,
            sha256: hash(&token),
            instance_id: None,
        })
        .await?;
    Ok(CreatedToken { token, info })
}

/// Every token, revoked ones included.
pub async fn list(store: &Store) -> Result<Vec<TokenInfo>, AppError> {
    store.list_tokens().await
}

/// The caller's own token, as listed. It was authenticated a moment ago, so a missing row
/// means it was deleted in between: `Unauthorized`, as on the next request.
pub async fn me(store: &Store, id: &str) -> Result<TokenInfo, AppError> {
    store
        .get_token(id)
        .await?
        .ok_or(ErrorCode::Unauthorized.into())
}

/// Revokes a token; `NotFound` when there is none with this id.
pub async fn revoke(store: &Store, id: &str) -> Result<TokenInfo, AppError> {
    store.revoke_token(id).await?.ok_or_else(|| {
        ErrorCode::NotFound {
            id: Some(id.to_owned()),
        }
        .into()
    })
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
