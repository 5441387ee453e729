//! The worker's side of "Create a key pair": it receives a [`KeygenRequest`] (JSON), makes
//! the key, and answers `[reply JSON, file bytes]`, moving the bytes (a transfer, not a
//! copy) so the only copy of the private key file is the page's until it downloads it.

use js_sys::{Array, Object, Reflect, Uint8Array};
use keyrack_api::{KeygenReply, KeygenRequest};
use ssh_key::PrivateKey;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, DedicatedWorkerGlobalScope, MessageEvent};
use zeroize::Zeroizing;

use keyrack_api::KeyType;
use ssh_key::EcdsaCurve;

use crate::{export, from_ec_components, from_rsa_components, generate, public_line, KeygenError};

/// The message the worker posts once it can take requests (messages sent before would be
/// lost while the WebAssembly module loads).
pub const READY: &str = "ready";

/// Installs the message handler and tells the page the worker is ready.
pub fn start() {
    console_error_panic_hook::set_once();
    let scope = scope();
    let handler = Closure::<dyn FnMut(MessageEvent)>::new(|event: MessageEvent| {
        wasm_bindgen_futures::spawn_local(answer(event.data()));
    });
    scope.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    handler.forget();
    let _ = scope.post_message(&JsValue::from_str(READY));
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

async fn answer(data: JsValue) {
    let outcome = match data
        .as_string()
        .and_then(|json| serde_json::from_str::<KeygenRequest>(&json).ok())
    {
        Some(request) => make(request).await,
        None => Err(KeygenError::Encoding(
            "the request is not a key request".into(),
        )),
    };
    let message = Array::new();
    let transfer = Array::new();
    let reply = match outcome {
        Ok((reply, file)) => {
            let bytes = Uint8Array::from(file.as_slice());
            message.push(&JsValue::NULL);
            message.push(&bytes);
            transfer.push(&bytes.buffer());
            reply
        }
        Err(e) => KeygenReply::Error {
            message: e.to_string(),
        },
    };
    let json = serde_json::to_string(&reply).unwrap_or_default();
    if message.length() == 0 {
        message.push(&JsValue::NULL);
    }
    message.set(0, JsValue::from_str(&json));
    let _ = scope().post_message_with_transfer(&message, &transfer);
}

async fn make(request: KeygenRequest) -> Result<(KeygenReply, Zeroizing<Vec<u8>>), KeygenError> {
    let started = now();
    let (key, webcrypto) = match webcrypto(request.key_type, &request.comment).await {
        Some(Ok(key)) => (key, true),
        // Ed25519, or where WebCrypto is missing or refuses: the pure-Rust path, slower for
        // RSA (seconds) and ECDSA, but it works.
        Some(Err(_)) | None => (generate(request.key_type, &request.comment)?, false),
    };
    let generated = now();
    let file = export(&key, request.format, &request.passphrase)?;
    let encoded = now();
    let reply = KeygenReply::Ok {
        public_key: public_line(&key)?,
        generate_ms: generated - started,
        encode_ms: encoded - generated,
        webcrypto,
    };
    let bytes = Zeroizing::new(file.as_bytes().to_vec());
    Ok((reply, bytes))
}

fn now() -> f64 {
    scope().performance().map_or(0.0, |p| p.now())
}

/// The key from the browser's native WebCrypto, for the types it makes faster than Rust
/// compiled to WebAssembly (RSA and the NIST curves); `None` for the others.
async fn webcrypto(key_type: KeyType, comment: &str) -> Option<Result<PrivateKey, JsValue>> {
    let curve = match key_type {
        KeyType::EcdsaP256 => EcdsaCurve::NistP256,
        KeyType::EcdsaP384 => EcdsaCurve::NistP384,
        KeyType::EcdsaP521 => EcdsaCurve::NistP521,
        other => return Some(webcrypto_rsa(other.rsa_bits()?, comment).await),
    };
    Some(webcrypto_ecdsa(curve, comment).await)
}

/// RSA from `crypto.subtle.generateKey`, exported as a JWK and re-assembled in Rust.
async fn webcrypto_rsa(bits: u32, comment: &str) -> Result<PrivateKey, JsValue> {
    let params = Object::new();
    Reflect::set(&params, &"name".into(), &"RSASSA-PKCS1-v1_5".into())?;
    Reflect::set(&params, &"modulusLength".into(), &bits.into())?;
    Reflect::set(
        &params,
        &"publicExponent".into(),
        &Uint8Array::from(&[1u8, 0, 1][..]),
    )?;
    Reflect::set(&params, &"hash".into(), &"SHA-256".into())?;
    let jwk = generate_jwk(&params).await?;
    from_rsa_components(
        &jwk_part(&jwk, "n")?,
        &jwk_part(&jwk, "e")?,
        &jwk_part(&jwk, "d")?,
        &jwk_part(&jwk, "p")?,
        &jwk_part(&jwk, "q")?,
        comment,
    )
    .map_err(|e| JsValue::from_str(&e.to_string()))
}

/// ECDSA on a NIST curve from `crypto.subtle.generateKey`: the JWK's `d`, `x` and `y`.
async fn webcrypto_ecdsa(curve: EcdsaCurve, comment: &str) -> Result<PrivateKey, JsValue> {
    let params = Object::new();
    Reflect::set(&params, &"name".into(), &"ECDSA".into())?;
    let named = match curve {
        EcdsaCurve::NistP256 => "P-256",
        EcdsaCurve::NistP384 => "P-384",
        EcdsaCurve::NistP521 => "P-521",
    };
    Reflect::set(&params, &"namedCurve".into(), &named.into())?;
    let jwk = generate_jwk(&params).await?;
    from_ec_components(
        curve,
        &jwk_part(&jwk, "d")?,
        &jwk_part(&jwk, "x")?,
        &jwk_part(&jwk, "y")?,
        comment,
    )
    .map_err(|e| JsValue::from_str(&e.to_string()))
}

/// Generates an extractable signing key pair and exports its private key as a JWK.
async fn generate_jwk(params: &Object) -> Result<JsValue, JsValue> {
    let subtle = scope().crypto()?.subtle();
    let usages = Array::of2(&"sign".into(), &"verify".into());
    let pair = JsFuture::from(subtle.generate_key_with_object(params, true, &usages)?).await?;
    let private: CryptoKey = Reflect::get(&pair, &"privateKey".into())?.unchecked_into();
    JsFuture::from(subtle.export_key("jwk", &private)?).await
}

/// One base64url field of a JWK, decoded into a buffer that is wiped when dropped.
fn jwk_part(jwk: &JsValue, name: &str) -> Result<Zeroizing<Vec<u8>>, JsValue> {
    use base64ct::{Base64UrlUnpadded, Encoding};
    let text = Reflect::get(jwk, &name.into())?
        .as_string()
        .ok_or_else(|| JsValue::from_str("JWK field missing"))?;
    Base64UrlUnpadded::decode_vec(&text)
        .map(Zeroizing::new)
        .map_err(|_| JsValue::from_str("JWK field is not base64url"))
}
