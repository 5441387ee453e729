//! Why a key could not be made or written.

/// Why a key could not be made or written. Messages never contain key material.
#[derive(Debug, thiserror::Error)]
pub enum KeygenError {
    /// The key type has no file in the chosen format.
    #[error("{0}")]
    FormatUnavailable(&'static str),
    /// The crypto library refused (a broken RSA component, say).
    #[error("key generation failed: {0}")]
    Crypto(String),
    /// Encoding the file failed.
    #[error("could not write the private key file: {0}")]
    Encoding(String),
}

impl From<ssh_key::Error> for KeygenError {
    fn from(e: ssh_key::Error) -> Self {
        Self::Crypto(e.to_string())
    }
}
