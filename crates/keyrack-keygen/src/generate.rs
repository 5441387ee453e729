//! Making key pairs in Rust, and turning WebCrypto's RSA components into one.

use keyrack_api::KeyType;
use rand_core::OsRng;
use ssh_key::private::{EcdsaKeypair, KeypairData, RsaKeypair};
use ssh_key::{Algorithm, EcdsaCurve, PrivateKey};

use crate::KeygenError;

/// Generates a key pair of `key_type` with `comment`, in pure Rust. RSA this way takes
/// seconds in WebAssembly; the worker prefers WebCrypto for it.
pub fn generate(key_type: KeyType, comment: &str) -> Result<PrivateKey, KeygenError> {
    let ecdsa = |curve| PrivateKey::random(&mut OsRng, Algorithm::Ecdsa { curve });
    let mut key = match key_type {
        KeyType::Ed25519 => PrivateKey::random(&mut OsRng, Algorithm::Ed25519)?,
        KeyType::EcdsaP256 => ecdsa(EcdsaCurve::NistP256)?,
        KeyType::EcdsaP384 => ecdsa(EcdsaCurve::NistP384)?,
        KeyType::EcdsaP521 => ecdsa(EcdsaCurve::NistP521)?,
        KeyType::Rsa2048 => rsa_key(2048)?,
        KeyType::Rsa3072 => rsa_key(3072)?,
        KeyType::Rsa4096 => rsa_key(4096)?,
    };
    key.set_comment(comment);
    Ok(key)
}

fn rsa_key(bits: usize) -> Result<PrivateKey, KeygenError> {
    let rsa = rsa::RsaPrivateKey::new(&mut OsRng, bits)
        .map_err(|e| KeygenError::Crypto(e.to_string()))?;
    Ok(PrivateKey::new(
        KeypairData::Rsa(RsaKeypair::try_from(rsa)?),
        "",
    )?)
}

/// Builds an RSA key pair from big-endian components (as in a JWK: n, e, d, p, q), checking
/// that they belong together.
pub fn from_rsa_components(
    n: &[u8],
    e: &[u8],
    d: &[u8],
    p: &[u8],
    q: &[u8],
    comment: &str,
) -> Result<PrivateKey, KeygenError> {
    use rsa::BigUint;
    let mut rsa = rsa::RsaPrivateKey::from_components(
        BigUint::from_bytes_be(n),
        BigUint::from_bytes_be(e),
        BigUint::from_bytes_be(d),
        vec![BigUint::from_bytes_be(p), BigUint::from_bytes_be(q)],
    )
    .map_err(|e| KeygenError::Crypto(e.to_string()))?;
    rsa.validate()
        .map_err(|e| KeygenError::Crypto(e.to_string()))?;
    rsa.precompute()
        .map_err(|e| KeygenError::Crypto(e.to_string()))?;
    Ok(PrivateKey::new(
        KeypairData::Rsa(RsaKeypair::try_from(rsa)?),
        comment,
    )?)
}

/// Builds an ECDSA key pair from big-endian JWK components: the private scalar `d` and the
/// public point's coordinates `x` and `y`. The point must lie on the curve; that it is
/// `d·G` is taken from the browser's WebCrypto that made both (checking it would cost the
/// scalar multiplication that using WebCrypto saves).
pub fn from_ec_components(
    curve: EcdsaCurve,
    d: &[u8],
    x: &[u8],
    y: &[u8],
    comment: &str,
) -> Result<PrivateKey, KeygenError> {
    let invalid = |what: &str| KeygenError::Crypto(format!("WebCrypto gave an invalid {what}"));
    macro_rules! keypair {
        ($curve:ident, $variant:ident) => {{
            let secret = $curve::SecretKey::from_slice(d).map_err(|_| invalid("private key"))?;
            let point = $curve::EncodedPoint::from_affine_coordinates(
                $curve::FieldBytes::from_slice(x),
                $curve::FieldBytes::from_slice(y),
                false,
            );
            // On the curve, or refused.
            $curve::PublicKey::from_sec1_bytes(point.as_bytes())
                .map_err(|_| invalid("public key"))?;
            EcdsaKeypair::$variant {
                public: point,
                private: secret.into(),
            }
        }};
    }
    let width = match curve {
        EcdsaCurve::NistP256 => 32,
        EcdsaCurve::NistP384 => 48,
        EcdsaCurve::NistP521 => 66,
    };
    if [d, x, y].iter().any(|part| part.len() != width) {
        return Err(invalid("component length"));
    }
    let keypair = match curve {
        EcdsaCurve::NistP256 => keypair!(p256, NistP256),
        EcdsaCurve::NistP384 => keypair!(p384, NistP384),
        EcdsaCurve::NistP521 => keypair!(p521, NistP521),
    };
    Ok(PrivateKey::new(KeypairData::Ecdsa(keypair), comment)?)
}
