//! Key types by name: the types Keyrack accepts, which names look like SSH key types, and
//! which of them are refused before the key is even decoded (certificates, DSA, the rest).

use serde::{Deserialize, Serialize};

use super::refusal::PublicKeyError;

/// A key type Keyrack accepts, spelled as OpenSSH names it (`ssh-ed25519`, …) on the wire,
/// in the database and in `authorized_keys`; a policy allows some of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum KeyAlgorithm {
    /// `ssh-ed25519`.
    #[serde(rename = "ssh-ed25519")]
    Ed25519,
    /// `ecdsa-sha2-nistp256`.
    #[serde(rename = "ecdsa-sha2-nistp256")]
    EcdsaP256,
    /// `ecdsa-sha2-nistp384`.
    #[serde(rename = "ecdsa-sha2-nistp384")]
    EcdsaP384,
    /// `ecdsa-sha2-nistp521`.
    #[serde(rename = "ecdsa-sha2-nistp521")]
    EcdsaP521,
    /// `ssh-rsa`.
    #[serde(rename = "ssh-rsa")]
    Rsa,
    /// `sk-ssh-ed25519@openssh.com`: Ed25519 on a security key.
    #[serde(rename = "sk-ssh-ed25519@openssh.com")]
    SkEd25519,
    /// `sk-ecdsa-sha2-nistp256@openssh.com`: ECDSA P-256 on a security key.
    #[serde(rename = "sk-ecdsa-sha2-nistp256@openssh.com")]
    SkEcdsaP256,
}

impl KeyAlgorithm {
    /// Every type Keyrack accepts, in the order the console lists them.
    pub const ALL: [KeyAlgorithm; 7] = [
        Self::Ed25519,
        Self::EcdsaP256,
        Self::EcdsaP384,
        Self::EcdsaP521,
        Self::Rsa,
        Self::SkEd25519,
        Self::SkEcdsaP256,
    ];

    /// The type spelled exactly `name` (`FromStr` also takes other cases, as URLs do; a key
    /// line and a policy do not).
    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

const CERT_SUFFIX: &str = "-cert-v01@openssh.com";
/// Longest SSH algorithm name (RFC 4251 §6).
pub(super) const ALGORITHM_MAX_LEN: usize = 64;

/// True for names shaped like SSH key types, accepted or not: at most 64 characters
/// (RFC 4251 §6) of `[A-Za-z0-9-@._]`. A refusal names the key type, so this bounds what of
/// the input its message can repeat.
pub(crate) fn looks_like_algorithm(token: &str) -> bool {
    token.len() <= ALGORITHM_MAX_LEN
        && ["ssh-", "ecdsa-", "sk-", "rsa-", "x509v3-"]
            .iter()
            .any(|p| token.starts_with(p))
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-@._".contains(c))
}

/// Refuses certificates, DSA and every type not in [`KeyAlgorithm::ALL`], by name alone.
pub(super) fn refuse_by_name(algorithm: &str) -> Result<KeyAlgorithm, PublicKeyError> {
    if algorithm.ends_with(CERT_SUFFIX) {
        return Err(PublicKeyError::Certificate {
            algorithm: algorithm.to_owned(),
        });
    }
    if algorithm == "ssh-dss" {
        return Err(PublicKeyError::Dsa);
    }
    KeyAlgorithm::named(algorithm).ok_or_else(|| PublicKeyError::UnsupportedAlgorithm {
        algorithm: algorithm.to_owned(),
    })
}
