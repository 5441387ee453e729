//! Key types by name: which names look like SSH key types, and which of them are refused
//! before the key is even decoded (certificates, DSA, types Keyrack does not accept).

use super::refusal::PublicKeyError;

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

/// Refuses certificates, DSA and every type not in [`ACCEPTED`], by name alone.
pub(super) fn refuse_by_name(algorithm: &str) -> Result<(), PublicKeyError> {
    if algorithm.ends_with(CERT_SUFFIX) {
        return Err(PublicKeyError::Certificate {
            algorithm: algorithm.to_owned(),
        });
    }
    if algorithm == "ssh-dss" {
        return Err(PublicKeyError::Dsa);
    }
    if !ACCEPTED.contains(&algorithm) {
        return Err(PublicKeyError::UnsupportedAlgorithm {
            algorithm: algorithm.to_owned(),
        });
    }
    Ok(())
}

/// Every key type Keyrack accepts; a policy allows some of them.
pub(crate) const ACCEPTED: [&str; 7] = [
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];
