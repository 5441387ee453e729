//! Why a public key is refused: the sentence people see, and the stable reason the API sends.

use serde::{Deserialize, Serialize};

/// Why a public key is refused, without the particulars: `details.reason` of
/// [`crate::ErrorCode::PublicKeyInvalid`], and an import line's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum KeyRefusal {
    /// [`PublicKeyError::Empty`].
    Empty,
    /// [`PublicKeyError::TooLarge`].
    TooLarge,
    /// [`PublicKeyError::PrivateKey`].
    PrivateKey,
    /// [`PublicKeyError::Dsa`].
    Dsa,
    /// [`PublicKeyError::RsaTooShort`].
    RsaTooShort,
    /// [`PublicKeyError::RsaTooLong`].
    RsaTooLong,
    /// [`PublicKeyError::Certificate`].
    Certificate,
    /// [`PublicKeyError::Options`].
    Options,
    /// [`PublicKeyError::MultipleKeys`].
    MultipleKeys,
    /// [`PublicKeyError::UnsupportedAlgorithm`].
    UnsupportedAlgorithm,
    /// [`PublicKeyError::Malformed`].
    Malformed,
    /// A reason this build does not know (a newer server's).
    #[serde(other)]
    Unknown,
}

/// Why a public key is refused. The messages are sentences shown to people as they are, and
/// never repeat the input, so a private key pasted by mistake is not echoed anywhere.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublicKeyError {
    /// Nothing but whitespace.
    #[error("No public key was given")]
    Empty,
    /// Larger than 16 KiB.
    #[error("The input is {len} bytes; a public key is at most 16 KiB")]
    TooLarge {
        /// Input size in bytes.
        len: usize,
    },
    /// A private key pasted where the public one belongs.
    #[error("This is a private key, not a public key: paste the contents of the .pub file instead, and keep the private key to yourself")]
    PrivateKey,
    /// `ssh-dss`.
    #[error("DSA keys (ssh-dss) are not accepted: they are weak and OpenSSH disabled them; use Ed25519, ECDSA or RSA of at least 2048 bits")]
    Dsa,
    /// RSA below 2048 bits.
    #[error("This RSA key has {bits} bits; at least 2048 are required")]
    RsaTooShort {
        /// Modulus size in bits.
        bits: u32,
    },
    /// RSA above 16384 bits.
    #[error(
        "This RSA key has {bits} bits; at most 16384 are accepted (OpenSSH refuses larger keys)"
    )]
    RsaTooLong {
        /// Modulus size in bits.
        bits: u32,
    },
    /// An OpenSSH certificate.
    #[error("Certificates ({algorithm}) are not accepted: paste the plain public key")]
    Certificate {
        /// The certificate type.
        algorithm: String,
    },
    /// A line from `authorized_keys` that starts with options.
    #[error("Options from an authorized_keys line are not accepted: paste only the key type, the key and its comment")]
    Options,
    /// Several keys in one input.
    #[error("More than one key was given: import one key at a time")]
    MultipleKeys,
    /// A well-formed key of a type Keyrack does not accept.
    #[error("The key type {algorithm} is not supported; use ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa, or a security key (sk-…)")]
    UnsupportedAlgorithm {
        /// The algorithm name found.
        algorithm: String,
    },
    /// Not a public key at all, or a damaged one.
    #[error("This is not a valid public key: expected an OpenSSH line such as \"ssh-ed25519 AAAA… comment\" or an RFC 4716 block")]
    Malformed,
}

impl PublicKeyError {
    /// The stable reason, sent as `details.reason`.
    pub fn reason(&self) -> KeyRefusal {
        match self {
            Self::Empty => KeyRefusal::Empty,
            Self::TooLarge { .. } => KeyRefusal::TooLarge,
            Self::PrivateKey => KeyRefusal::PrivateKey,
            Self::Dsa => KeyRefusal::Dsa,
            Self::RsaTooShort { .. } => KeyRefusal::RsaTooShort,
            Self::RsaTooLong { .. } => KeyRefusal::RsaTooLong,
            Self::Certificate { .. } => KeyRefusal::Certificate,
            Self::Options => KeyRefusal::Options,
            Self::MultipleKeys => KeyRefusal::MultipleKeys,
            Self::UnsupportedAlgorithm { .. } => KeyRefusal::UnsupportedAlgorithm,
            Self::Malformed => KeyRefusal::Malformed,
        }
    }
}

impl From<PublicKeyError> for crate::ApiError {
    fn from(e: PublicKeyError) -> Self {
        let code = crate::ErrorCode::PublicKeyInvalid {
            field: "public_key".into(),
            reason: e.reason(),
        };
        crate::ApiError::new(code, e.to_string())
    }
}
