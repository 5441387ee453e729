//! What the console shows about an accepted key: its type, size, canonical line and
//! `ssh-keygen`-identical fingerprints; RSA keys outside the size limits are refused here.

use base64ct::{Base64, Encoding};
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};
use ssh_key::public::KeyData;
use ssh_key::{EcdsaCurve, HashAlg, PublicKey};

use super::algorithm::KeyAlgorithm;
use super::refusal::PublicKeyError;
use crate::limits::{RSA_MAX_BITS, RSA_MIN_BITS};
use crate::validate::strip_unclean;

/// A public key that Keyrack accepts, with what the console shows about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKeyInfo {
    /// The key type, such as `ssh-ed25519`.
    pub algorithm: KeyAlgorithm,
    /// Key size in bits, as `ssh-keygen -l` prints it.
    pub bits: u32,
    /// The key as one OpenSSH line `<algorithm> <base64>`, without comment.
    pub public_key: String,
    /// The comment that came with the key (may be empty), without the characters
    /// [`crate::clean_text`] refuses (control, bidirectional and zero-width ones), which are
    /// dropped rather than refused, and without surrounding whitespace.
    pub comment: String,
    /// `SHA256:…` exactly as `ssh-keygen -l` prints it.
    pub fingerprint_sha256: String,
    /// `MD5:aa:bb:…` exactly as `ssh-keygen -l -E md5` prints it.
    pub fingerprint_md5: String,
}

/// The key's size and fingerprints, or why it is refused (an RSA key's size, a DSA key or an
/// unsupported type that slipped past the name checks).
pub(super) fn describe(key: &PublicKey) -> Result<PublicKeyInfo, PublicKeyError> {
    let (algorithm, bits) = match key.key_data() {
        KeyData::Ed25519(_) => (KeyAlgorithm::Ed25519, 256),
        KeyData::SkEd25519(_) => (KeyAlgorithm::SkEd25519, 256),
        KeyData::SkEcdsaSha2NistP256(_) => (KeyAlgorithm::SkEcdsaP256, 256),
        KeyData::Ecdsa(ecdsa) => match ecdsa.curve() {
            EcdsaCurve::NistP256 => (KeyAlgorithm::EcdsaP256, 256),
            EcdsaCurve::NistP384 => (KeyAlgorithm::EcdsaP384, 384),
            EcdsaCurve::NistP521 => (KeyAlgorithm::EcdsaP521, 521),
        },
        KeyData::Rsa(rsa) => {
            let bits = rsa.n.as_positive_bytes().map_or(0, bit_length);
            if bits < RSA_MIN_BITS {
                return Err(PublicKeyError::RsaTooShort { bits });
            }
            if bits > RSA_MAX_BITS {
                return Err(PublicKeyError::RsaTooLong { bits });
            }
            (KeyAlgorithm::Rsa, bits)
        }
        KeyData::Dsa(_) => return Err(PublicKeyError::Dsa),
        other => {
            return Err(PublicKeyError::UnsupportedAlgorithm {
                algorithm: other.algorithm().to_string(),
            })
        }
    };
    let blob = key.to_bytes().map_err(|_| PublicKeyError::Malformed)?;
    let md5 = Md5::digest(&blob);
    let fingerprint_md5 = format!(
        "MD5:{}",
        md5.iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    );
    Ok(PublicKeyInfo {
        public_key: format!("{algorithm} {}", Base64::encode_string(&blob)),
        algorithm,
        bits,
        comment: strip_unclean(key.comment()).trim().to_owned(),
        fingerprint_sha256: key.fingerprint(HashAlg::Sha256).to_string(),
        fingerprint_md5,
    })
}

/// Bit length of a big-endian unsigned integer.
fn bit_length(bytes: &[u8]) -> u32 {
    let bytes = match bytes.iter().position(|&b| b != 0) {
        Some(i) => &bytes[i..],
        None => return 0,
    };
    (bytes.len() as u32 - 1) * 8 + (8 - bytes[0].leading_zeros())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_length_counts_significant_bits() {
        assert_eq!(bit_length(&[0, 0x80, 0]), 16);
        assert_eq!(bit_length(&[0x01]), 1);
        assert_eq!(bit_length(&[0, 0]), 0);
    }
}
