//! One entry point for every private-key file format.

use keyrack_api::PrivateKeyFormat;
use rand_core::OsRng;
use ssh_key::{LineEnding, PrivateKey};
use zeroize::Zeroizing;

use crate::{pem, ppk, KeygenError};

/// Writes `key` as a private-key file in `format`, encrypted when `passphrase` is not empty:
/// OpenSSH as `ssh-keygen` does (bcrypt-pbkdf, aes256-ctr), PEM as PKCS#1/SEC1 or encrypted
/// PKCS#8, PuTTY as PPK v3 (Argon2id, AES-256-CBC).
pub fn export(
    key: &PrivateKey,
    format: PrivateKeyFormat,
    passphrase: &str,
) -> Result<Zeroizing<String>, KeygenError> {
    match format {
        PrivateKeyFormat::Openssh if passphrase.is_empty() => Ok(key.to_openssh(LineEnding::LF)?),
        PrivateKeyFormat::Openssh => Ok(key
            .encrypt(&mut OsRng, passphrase)?
            .to_openssh(LineEnding::LF)?),
        PrivateKeyFormat::Pem => pem::encode(key, passphrase),
        PrivateKeyFormat::Ppk => ppk::encode(key, passphrase),
    }
}

/// The public half as one OpenSSH line with its comment, as registered on the server.
pub fn public_line(key: &PrivateKey) -> Result<String, KeygenError> {
    Ok(key.public_key().to_openssh()?)
}
