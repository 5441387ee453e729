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

/// Fewest characters a bootstrap token may have.
pub const BOOTSTRAP_MIN_CHARS: usize = 32;
/// Fewest bits of [`estimated_entropy_bits`] a bootstrap token may have.
pub const BOOTSTRAP_MIN_BITS: f64 = 128.0;

/// A rough, deliberately simple estimate of how many bits of randomness `token` holds:
///
/// `H × P`, where `H` is the Shannon entropy of the token's own characters (bits per
/// character, from how often each character occurs in the token) and `P` is the token's
/// shortest period (the length of the shortest prefix that the whole token merely repeats:
/// 8 for `passwordpassword…`, the full length for a token that does not repeat itself).
///
/// It refuses what people type by hand as placeholders (`dev`, 40 × `a`, a word repeated to
/// length) and accepts random values: `openssl rand -hex 32` scores about 245 bits (never
/// under 215 in 20 000 draws), `openssl rand -base64 32` about 215 (never under 185), the
/// server's own `kr_…` tokens about 225. Being an estimate from the string alone, it
/// undercounts short random values (`openssl rand -hex 16`, truly 128 bits, scores about
/// 115) and cannot see structure other than repetition (`abcdefghijklmnopqrstuvwxyz012345`
/// scores 160): it catches mistakes, it is no substitute for generating the token.
pub fn estimated_entropy_bits(token: &str) -> f64 {
    let chars: Vec<char> = token.chars().collect();
    if chars.is_empty() {
        return 0.0;
    }
    let mut counts = std::collections::HashMap::<char, usize>::new();
    for &c in &chars {
        *counts.entry(c).or_default() += 1;
    }
    #[allow(clippy::cast_precision_loss)] // token lengths are far below 2^52
    let n = chars.len() as f64;
    let per_char: f64 = counts
        .values()
        .map(|&count| {
            #[allow(clippy::cast_precision_loss)]
            let p = count as f64 / n;
            p * (1.0 / p).log2()
        })
        .sum();
    let period = (1..=chars.len())
        .find(|&p| chars.iter().zip(&chars[p..]).all(|(a, b)| a == b))
        .unwrap_or(chars.len());
    #[allow(clippy::cast_precision_loss)]
    let period = period as f64;
    per_char * period
}

/// Refuses a bootstrap token (already trimmed) that is shorter than [`BOOTSTRAP_MIN_CHARS`]
/// or holds fewer than [`BOOTSTRAP_MIN_BITS`] of [`estimated_entropy_bits`]; the error says
/// what is needed and how to make a good one.
pub fn check_bootstrap_token(token: &str) -> Result<(), String> {
    let chars = token.chars().count();
    let bits = estimated_entropy_bits(token);
    let problem = if chars < BOOTSTRAP_MIN_CHARS {
        format!("it has {chars} characters")
    } else if bits < BOOTSTRAP_MIN_BITS {
        format!(
            "it has only about {bits:.0} bits of estimated entropy (too few distinct characters, \
             or a repeated pattern)"
        )
    } else {
        return Ok(());
    };
    Err(format!(
        "the bootstrap token is too weak: {problem}. It needs at least {BOOTSTRAP_MIN_CHARS} \
         characters and {BOOTSTRAP_MIN_BITS:.0} bits of estimated entropy. Make one with \
         `openssl rand -base64 32` and give it in KEYRACK_BOOTSTRAP_TOKEN or in a file named by \
         --bootstrap-token-file"
    ))
}

/// Makes sure an admin can sign in. With `bootstrap`, registers it (once); otherwise, when no
/// admin token exists, creates one, hands it to `keep` (which must store it where the
/// operator finds it, such as a file only they can read) and then registers it. `keep` runs
/// before the token is registered, so a token that could not be kept is never the only one.
/// Returns whether a new token was made and kept.
pub async fn bootstrap(
    store: &Store,
    bootstrap: Option<&str>,
    keep: impl FnOnce(&str) -> Result<(), AppError>,
) -> Result<bool, AppError> {
    if let Some(token) = bootstrap {
        let token = token.trim();
        check_bootstrap_token(token).map_err(AppError::Internal)?;
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
        return Ok(false);
    }
    if store.has_admin_token().await? {
        return Ok(false);
    }
    let token = random_token();
    keep(&token)?;
    store
        .insert_token(&NewToken {
            name: "initial admin".into(),
            role: TokenRole::Admin,
            sha256: hash(&token),
            instance_id: None,
        })
        .await?;
    Ok(true)
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

    #[test]
    fn weak_bootstrap_tokens_are_refused() {
        for weak in [
            "",
            "dev",
            "kr_scripted-token-1234567890",
            &"a".repeat(40),
            &"password".repeat(4),
            &"password".repeat(8),
            &"0123456789abcdef".repeat(4),
            &"correcthorsebatterystaple".repeat(2),
        ] {
            let refused = check_bootstrap_token(weak).expect_err(weak);
            assert!(refused.contains("openssl rand -base64 32"), "{refused}");
        }
        assert!(check_bootstrap_token("dev")
            .expect_err("short")
            .contains("it has 3 characters"));
        assert!(check_bootstrap_token(&"a".repeat(40))
            .expect_err("repeated")
            .contains("about 0 bits"));
    }

    #[test]
    fn random_bootstrap_tokens_are_accepted() {
        let samples = [
            // `openssl rand -hex 32`
            "5d3b8a0e1f6c4297b0a3e8d2c7f19465a0b3c8e1d4f79262e5a8c0b3f6d91e47",
            // `openssl rand -base64 32`
            "q0Jx3mZ8Yv+T1b2kR7nH4sLwP9eQ6uC5aD0fG8iK/jM=",
            // `cargo xtask run`'s console token: `kr_` and 24 random bytes in hex
            "kr_9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e8a0c1e3d",
        ];
        for token in samples {
            assert_eq!(check_bootstrap_token(token), Ok(()), "{token}");
        }
        for _ in 0..1000 {
            let token = random_token();
            assert_eq!(check_bootstrap_token(&token), Ok(()), "{token}");
        }
    }

    #[test]
    fn the_estimate_follows_the_documented_rule() {
        assert!(estimated_entropy_bits("").abs() < 1e-9);
        assert!(estimated_entropy_bits(&"z".repeat(64)).abs() < 1e-9);
        // Two characters, each half the time, no repetition of a longer prefix: 1 bit × 4.
        assert!((estimated_entropy_bits("aabb") - 4.0).abs() < 1e-9);
        // "password": 7 distinct characters, `s` twice: 2.75 bits × period 8.
        assert!((estimated_entropy_bits(&"password".repeat(5)) - 22.0).abs() < 1e-9);
    }
}
