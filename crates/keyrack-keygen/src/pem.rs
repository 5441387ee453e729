//! PEM files that both OpenSSH and OpenSSL read. Without a passphrase: the traditional
//! PKCS#1 (RSA) and SEC1 (ECDSA, with its named curve) files `ssh-keygen -m PEM` writes.
//! With one: encrypted PKCS#8 (PBES2: PBKDF2-SHA256, AES-256-CBC), which OpenSSL's default
//! limits accept (its scrypt limit refuses the `pkcs8` crate's scrypt default) and which is
//! stronger than the MD5-based encryption of traditional PEM.

use keyrack_api::KeyType;
use pkcs8::EncodePrivateKey;
use rand_core::{OsRng, RngCore};
use rsa::pkcs1::EncodeRsaPrivateKey;
use sec1::der::asn1::ObjectIdentifier;
use sec1::der::{Encode, SecretDocument};
use sec1::{EcParameters, EcPrivateKey};
use ssh_key::private::{EcdsaKeypair, KeypairData, RsaKeypair};
use ssh_key::PrivateKey;
use zeroize::Zeroizing;

use crate::KeygenError;

type Pem = Result<Zeroizing<String>, KeygenError>;

const LF: pkcs8::LineEnding = pkcs8::LineEnding::LF;
/// PBKDF2 rounds for encrypted PEM: costly for a guesser, a fraction of a second here.
const PBKDF2_ITERATIONS: u32 = 100_000;

const NIST_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const NIST_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const NIST_P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");

pub(crate) fn encode(key: &PrivateKey, passphrase: &str) -> Pem {
    match key.key_data() {
        KeypairData::Rsa(pair) => {
            let rsa = to_rsa(pair)?;
            if passphrase.is_empty() {
                rsa.to_pkcs1_pem(LF).map_err(encoding)
            } else {
                pkcs8_encrypted(&rsa, passphrase)
            }
        }
        KeypairData::Ecdsa(pair) if passphrase.is_empty() => sec1(pair),
        KeypairData::Ecdsa(pair) => {
            let bytes = pair.private_key_bytes();
            match pair {
                EcdsaKeypair::NistP256 { .. } => pkcs8_encrypted(
                    &p256::SecretKey::from_slice(bytes).map_err(encoding)?,
                    passphrase,
                ),
                EcdsaKeypair::NistP384 { .. } => pkcs8_encrypted(
                    &p384::SecretKey::from_slice(bytes).map_err(encoding)?,
                    passphrase,
                ),
                EcdsaKeypair::NistP521 { .. } => pkcs8_encrypted(
                    &p521::SecretKey::from_slice(bytes).map_err(encoding)?,
                    passphrase,
                ),
            }
        }
        _ => Err(KeygenError::FormatUnavailable(
            KeyType::Ed25519
                .no_pem_reason()
                .unwrap_or("no PEM for this key type"),
        )),
    }
}

/// Converts an SSH RSA key pair for the `rsa` crate. ssh-key 0.6.7's own conversion passes
/// `p` twice instead of `p` and `q`, so the components are taken over here.
pub fn to_rsa(pair: &RsaKeypair) -> Result<rsa::RsaPrivateKey, KeygenError> {
    let int = |m: &ssh_key::Mpint| {
        m.as_positive_bytes()
            .map(rsa::BigUint::from_bytes_be)
            .ok_or_else(|| KeygenError::Encoding("negative RSA component".into()))
    };
    rsa::RsaPrivateKey::from_components(
        int(&pair.public.n)?,
        int(&pair.public.e)?,
        int(&pair.private.d)?,
        vec![int(&pair.private.p)?, int(&pair.private.q)?],
    )
    .map_err(encoding)
}

/// SEC1 `EC PRIVATE KEY` with the curve named, as OpenSSL needs it.
fn sec1(pair: &EcdsaKeypair) -> Pem {
    let curve = match pair {
        EcdsaKeypair::NistP256 { .. } => NIST_P256,
        EcdsaKeypair::NistP384 { .. } => NIST_P384,
        EcdsaKeypair::NistP521 { .. } => NIST_P521,
    };
    let ec = EcPrivateKey {
        private_key: pair.private_key_bytes(),
        parameters: Some(EcParameters::NamedCurve(curve)),
        public_key: Some(pair.public_key_bytes()),
    };
    let der = SecretDocument::try_from(Zeroizing::new(ec.to_der().map_err(encoding)?).as_slice())
        .map_err(encoding)?;
    der.to_pem("EC PRIVATE KEY", LF).map_err(encoding)
}

fn pkcs8_encrypted(key: &impl EncodePrivateKey, passphrase: &str) -> Pem {
    let der = key.to_pkcs8_der().map_err(encoding)?;
    let info = pkcs8::PrivateKeyInfo::try_from(der.as_bytes()).map_err(encoding)?;
    let (mut salt, mut iv) = ([0u8; 16], [0u8; 16]);
    OsRng.fill_bytes(&mut salt);
    OsRng.fill_bytes(&mut iv);
    let params =
        pkcs8::pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(PBKDF2_ITERATIONS, &salt, &iv)
            .map_err(encoding)?;
    info.encrypt_with_params(params, passphrase)
        .map_err(encoding)?
        .to_pem("ENCRYPTED PRIVATE KEY", LF)
        .map_err(encoding)
}

fn encoding(e: impl std::fmt::Display) -> KeygenError {
    KeygenError::Encoding(e.to_string())
}
