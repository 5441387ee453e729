//! PuTTY's private-key file, version 3 (PuTTY 0.75 and later, `puttygen`): a text file with
//! the public blob in clear, the private blob optionally encrypted with AES-256-CBC under
//! an Argon2id-derived key, and an HMAC-SHA-256 over everything.

use aes::cipher::{BlockEncryptMut, KeyIvInit};
use base64ct::{Base64, Encoding};
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use sha2::Sha256;
use ssh_key::private::KeypairData;
use ssh_key::PrivateKey;
use zeroize::Zeroizing;

use crate::KeygenError;

/// Argon2id cost, as puttygen's defaults: 8 MiB, one lane; passes tuned so a browser
/// worker derives the key in a few hundred milliseconds.
const ARGON2_MEMORY_KIB: u32 = 8192;
const ARGON2_PASSES: u32 = 8;
const ARGON2_PARALLELISM: u32 = 1;
const BLOCK: usize = 16;

pub(crate) fn encode(key: &PrivateKey, passphrase: &str) -> Result<Zeroizing<String>, KeygenError> {
    let algorithm = key.algorithm();
    let algorithm = algorithm.as_str();
    let comment = key.comment();
    let public_blob = key.public_key().to_bytes()?;
    let mut private_blob = private_blob(key)?;
    let encrypted = !passphrase.is_empty();
    let encryption = if encrypted { "aes256-cbc" } else { "none" };

    let mut out = Zeroizing::new(format!(
        "PuTTY-User-Key-File-3: {algorithm}\nEncryption: {encryption}\nComment: {comment}\n"
    ));
    push_lines(&mut out, "Public-Lines", &public_blob);

    // Unencrypted files still carry a MAC, with an empty key.
    let mut mac_key = Zeroizing::new(Vec::new());
    let mut ciphertext = None;
    if encrypted {
        let mut salt = [0u8; 16];
        OsRng.fill_bytes(&mut salt);
        let material = derive(passphrase, &salt)?;
        let (cipher_key, rest) = material.split_at(32);
        let (iv, mac) = rest.split_at(16);
        mac_key.extend_from_slice(mac);
        // The padding is covered by the MAC, so its content only has to be unpredictable.
        let padding = (BLOCK - private_blob.len() % BLOCK) % BLOCK;
        let mut pad = [0u8; BLOCK];
        OsRng.fill_bytes(&mut pad);
        private_blob.extend_from_slice(&pad[..padding]);
        let cipher = cbc::Encryptor::<aes::Aes256>::new_from_slices(cipher_key, iv)
            .map_err(|e| KeygenError::Encoding(e.to_string()))?;
        ciphertext = Some(
            cipher.encrypt_padded_vec_mut::<aes::cipher::block_padding::NoPadding>(&private_blob),
        );
        out.push_str(&format!(
            "Key-Derivation: Argon2id\nArgon2-Memory: {ARGON2_MEMORY_KIB}\nArgon2-Passes: {ARGON2_PASSES}\nArgon2-Parallelism: {ARGON2_PARALLELISM}\nArgon2-Salt: {}\n",
            hex(&salt)
        ));
    }
    push_lines(
        &mut out,
        "Private-Lines",
        ciphertext.as_deref().unwrap_or(&private_blob),
    );

    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&mac_key)
        .map_err(|e| KeygenError::Encoding(e.to_string()))?;
    for field in [
        algorithm.as_bytes(),
        encryption.as_bytes(),
        comment.as_bytes(),
        &public_blob,
        &private_blob,
    ] {
        mac.update(&(field.len() as u32).to_be_bytes());
        mac.update(field);
    }
    out.push_str(&format!(
        "Private-MAC: {}\n",
        hex(&mac.finalize().into_bytes())
    ));
    Ok(out)
}

/// The key-type-specific private fields, in SSH wire encoding (PuTTY's "private blob").
fn private_blob(key: &PrivateKey) -> Result<Zeroizing<Vec<u8>>, KeygenError> {
    let mut blob = Zeroizing::new(Vec::new());
    match key.key_data() {
        KeypairData::Ed25519(pair) => put_string(&mut blob, &pair.private.to_bytes()[..]),
        KeypairData::Ecdsa(pair) => put_mpint(&mut blob, pair.private_key_bytes()),
        KeypairData::Rsa(pair) => {
            for part in [
                &pair.private.d,
                &pair.private.p,
                &pair.private.q,
                &pair.private.iqmp,
            ] {
                // Mpint bytes are already in SSH mpint form (sign byte included).
                put_string(&mut blob, part.as_bytes());
            }
        }
        _ => {
            return Err(KeygenError::FormatUnavailable(
                "this key type cannot be written as a PuTTY file",
            ))
        }
    }
    Ok(blob)
}

fn derive(passphrase: &str, salt: &[u8]) -> Result<Zeroizing<[u8; 80]>, KeygenError> {
    let params = argon2::Params::new(
        ARGON2_MEMORY_KIB,
        ARGON2_PASSES,
        ARGON2_PARALLELISM,
        Some(80),
    )
    .map_err(|e| KeygenError::Encoding(e.to_string()))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; 80]);
    argon
        .hash_password_into(passphrase.as_bytes(), salt, &mut out[..])
        .map_err(|e| KeygenError::Encoding(e.to_string()))?;
    Ok(out)
}

fn put_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// An unsigned big-endian integer as an SSH mpint: no leading zeros, plus one zero byte
/// when the top bit is set.
fn put_mpint(out: &mut Vec<u8>, unsigned: &[u8]) {
    let start = unsigned
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(unsigned.len());
    let digits = &unsigned[start..];
    let sign = digits.first().is_some_and(|b| b & 0x80 != 0);
    out.extend_from_slice(&((digits.len() + usize::from(sign)) as u32).to_be_bytes());
    if sign {
        out.push(0);
    }
    out.extend_from_slice(digits);
}

/// `Header: N` then the base64 of `data` in lines of 64 characters, as PuTTY writes them.
fn push_lines(out: &mut String, header: &str, data: &[u8]) {
    let b64 = Zeroizing::new(Base64::encode_string(data));
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    out.push_str(&format!("{header}: {}\n", lines.len()));
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mpints_follow_rfc4251() {
        let enc = |b: &[u8]| {
            let mut v = Vec::new();
            put_mpint(&mut v, b);
            v
        };
        assert_eq!(enc(&[0, 0, 0x12]), vec![0, 0, 0, 1, 0x12]);
        assert_eq!(enc(&[0x80]), vec![0, 0, 0, 2, 0, 0x80]);
        assert_eq!(enc(&[0, 0]), vec![0, 0, 0, 0]);
    }
}
