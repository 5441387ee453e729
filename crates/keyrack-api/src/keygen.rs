//! Options of "Create a key pair", shared by the dialog and the key-generation worker.
//! The private key itself never appears in these types: the worker hands it to the page as
//! bytes beside the [`KeygenReply`].

use serde::{Deserialize, Serialize};

use crate::KeyAlgorithm;

/// The key types the console can generate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyType {
    /// Ed25519, the default: small, fast, and what OpenSSH recommends.
    #[default]
    Ed25519,
    /// ECDSA on NIST P-256.
    EcdsaP256,
    /// ECDSA on NIST P-384.
    EcdsaP384,
    /// ECDSA on NIST P-521.
    EcdsaP521,
    /// RSA, 2048 bits.
    Rsa2048,
    /// RSA, 3072 bits.
    Rsa3072,
    /// RSA, 4096 bits.
    Rsa4096,
}

impl KeyType {
    /// Every type, in the order the dialog lists them.
    pub const ALL: [KeyType; 7] = [
        Self::Ed25519,
        Self::EcdsaP256,
        Self::EcdsaP384,
        Self::EcdsaP521,
        Self::Rsa2048,
        Self::Rsa3072,
        Self::Rsa4096,
    ];

    /// The type of the public key, as the key policy lists it.
    pub fn algorithm(self) -> KeyAlgorithm {
        match self {
            Self::Ed25519 => KeyAlgorithm::Ed25519,
            Self::EcdsaP256 => KeyAlgorithm::EcdsaP256,
            Self::EcdsaP384 => KeyAlgorithm::EcdsaP384,
            Self::EcdsaP521 => KeyAlgorithm::EcdsaP521,
            Self::Rsa2048 | Self::Rsa3072 | Self::Rsa4096 => KeyAlgorithm::Rsa,
        }
    }

    /// What the dialog shows.
    pub fn label(self) -> &'static str {
        match self {
            Self::Ed25519 => "Ed25519 (recommended)",
            Self::EcdsaP256 => "ECDSA P-256",
            Self::EcdsaP384 => "ECDSA P-384",
            Self::EcdsaP521 => "ECDSA P-521",
            Self::Rsa2048 => "RSA 2048",
            Self::Rsa3072 => "RSA 3072",
            Self::Rsa4096 => "RSA 4096",
        }
    }

    /// RSA modulus size, for RSA types.
    pub fn rsa_bits(self) -> Option<u32> {
        match self {
            Self::Rsa2048 => Some(2048),
            Self::Rsa3072 => Some(3072),
            Self::Rsa4096 => Some(4096),
            _ => None,
        }
    }

    /// Why this type has no PEM file, if it has none.
    pub fn no_pem_reason(self) -> Option<&'static str> {
        match self {
            Self::Ed25519 => Some(
                "OpenSSH reads Ed25519 private keys only in its own format, so Ed25519 has no PEM option",
            ),
            _ => None,
        }
    }
}

/// File formats for the private key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrivateKeyFormat {
    /// OpenSSH's own format (`ssh-keygen`'s default); the default.
    #[default]
    Openssh,
    /// PEM: PKCS#1 (RSA) or SEC1 (ECDSA), or encrypted PKCS#8 with a passphrase.
    Pem,
    /// PuTTY's `.ppk`, version 3.
    Ppk,
}

impl PrivateKeyFormat {
    /// Every format, in the order the dialog lists them.
    pub const ALL: [PrivateKeyFormat; 3] = [Self::Openssh, Self::Pem, Self::Ppk];

    /// What the dialog shows.
    pub fn label(self) -> &'static str {
        match self {
            Self::Openssh => "OpenSSH",
            Self::Pem => "PEM",
            Self::Ppk => "PuTTY (.ppk)",
        }
    }

    /// The downloaded file's name for a key pair called `name` (as `ssh-keygen` would name
    /// an OpenSSH key: no extension).
    pub fn file_name(self, name: &str) -> String {
        match self {
            Self::Openssh => name.to_owned(),
            Self::Pem => format!("{name}.pem"),
            Self::Ppk => format!("{name}.ppk"),
        }
    }
}

/// What the page asks the key-generation worker for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeygenRequest {
    /// The key type.
    pub key_type: KeyType,
    /// The private key's file format.
    pub format: PrivateKeyFormat,
    /// Empty for an unencrypted file.
    pub passphrase: String,
    /// The key comment (the key pair's name).
    pub comment: String,
}

/// What the worker answers; on success the private key file travels beside it as bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum KeygenReply {
    /// The key pair exists; the private key file is attached.
    Ok {
        /// The public key as one OpenSSH line, with the comment.
        public_key: String,
        /// Milliseconds spent generating (not encoding).
        generate_ms: f64,
        /// Milliseconds spent encoding and encrypting the file.
        encode_ms: f64,
        /// Whether the key came from WebCrypto (`true`: RSA, ECDSA) or the pure-Rust path.
        webcrypto: bool,
    },
    /// Generation failed.
    Error {
        /// Why, for people.
        message: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_named_by_format() {
        assert_eq!(PrivateKeyFormat::Openssh.file_name("web-1"), "web-1");
        assert_eq!(PrivateKeyFormat::Pem.file_name("web-1"), "web-1.pem");
        assert_eq!(PrivateKeyFormat::Ppk.file_name("web-1"), "web-1.ppk");
        assert!(KeyType::Ed25519.no_pem_reason().is_some());
        assert!(KeyType::Rsa4096.no_pem_reason().is_none());
    }
}
