//! "Create a key pair" in the browser: a typed client of the key-generation Web Worker
//! (`crates/keyrack-keygen`, built by Trunk beside the console) and the download of the
//! private key file.
//!
//! The private key exists on the page only inside a [`GeneratedKey`], its bytes in a
//! [`Zeroizing`] buffer that is wiped when dropped. It is never put in a signal, in storage,
//! in a request or in a log line; the dialog that asked for it drops it when it closes.

pub mod download;
mod worker;

use std::fmt;

use js_sys::{Array, Uint8Array};
use keyrack_api::{KeyType, KeygenReply, KeygenRequest, PrivateKeyFormat};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use zeroize::{Zeroize, Zeroizing};

use crate::i18n::{msg, t, Msg};

pub use worker::release;

/// A key pair fresh from the worker.
pub struct GeneratedKey {
    /// The public key as one OpenSSH line, with the comment.
    pub public_key: String,
    /// The private key file, wiped when dropped.
    pub private_key: Zeroizing<Vec<u8>>,
    /// Where the time went.
    pub timings: Timings,
}

impl fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // i18n: not text: a type's name, for developers
        f.debug_struct("GeneratedKey")
            .field("public_key", &self.public_key)
            .field("private_key", &"<redacted>")
            .field("timings", &self.timings)
            .finish()
    }
}

/// How long a generation took.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timings {
    /// Generating the key, in the worker.
    pub generate_ms: f64,
    /// Encoding (and encrypting) the file, in the worker.
    pub encode_ms: f64,
    /// From posting the request to receiving the reply, as the page sees it (the worker
    /// was already loaded).
    pub round_trip_ms: f64,
    /// Whether the key came from WebCrypto (RSA, ECDSA) rather than the pure-Rust path.
    pub webcrypto: bool,
}

/// Why no key came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeygenFailure {
    /// The worker could not be started or stopped answering.
    Worker(String),
    /// The worker refused or failed the request.
    Generation(String),
}

impl fmt::Display for KeygenFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Worker(why) => f.write_str(&msg::create_keygen_worker_failed(why)),
            Self::Generation(why) => f.write_str(&msg::create_keygen_failed(why)),
        }
    }
}

/// Generates a key pair in the worker (started on first use, then reused until
/// [`release`]). The passphrase in `request` is wiped once the request is sent.
pub async fn generate(mut request: KeygenRequest) -> Result<GeneratedKey, KeygenFailure> {
    let json = serde_json::to_string(&request)
        .map(Zeroizing::new)
        .map_err(|e| KeygenFailure::Generation(e.to_string()));
    request.passphrase.zeroize();
    let (answer, round_trip_ms) = worker::call(&json?).await?;
    read_answer(answer, round_trip_ms)
}

/// Reads `[reply JSON, file bytes]`: the bytes are copied into Rust and the JS copy is
/// zero-filled before anything else can fail.
fn read_answer(answer: JsValue, round_trip_ms: f64) -> Result<GeneratedKey, KeygenFailure> {
    let answer: Array = answer
        .dyn_into()
        .map_err(|_| KeygenFailure::Worker(t(Msg::CreateKeygenUnexpectedAnswer).into()))?;
    let file = answer.get(1).dyn_into::<Uint8Array>().ok().map(|bytes| {
        let mut copy = Zeroizing::new(vec![0u8; bytes.length() as usize]);
        bytes.copy_to(&mut copy);
        bytes.fill(0, 0, bytes.length());
        copy
    });
    let reply = answer
        .get(0)
        .as_string()
        .and_then(|json| serde_json::from_str::<KeygenReply>(&json).ok())
        .ok_or_else(|| KeygenFailure::Worker(t(Msg::CreateKeygenUnreadableReply).into()))?;
    match (reply, file) {
        (
            KeygenReply::Ok {
                public_key,
                generate_ms,
                encode_ms,
                webcrypto,
            },
            Some(private_key),
        ) => Ok(GeneratedKey {
            public_key,
            private_key,
            timings: Timings {
                generate_ms,
                encode_ms,
                round_trip_ms,
                webcrypto,
            },
        }),
        (KeygenReply::Ok { .. }, None) => {
            Err(KeygenFailure::Worker(t(Msg::CreateKeygenNoKeyFile).into()))
        }
        (KeygenReply::Error { message }, _) => Err(KeygenFailure::Generation(message)),
    }
}

/// For `cargo xtask bench`: generates a key of `key_type` ([`KeyType::as_str`]) through
/// [`generate`], the dialog's own path, discards it, and returns the page-side round trip
/// in milliseconds. An export of the console's module (`cargo xtask bench` imports it); the
/// work is in [`bench_generate`], so the first load does not carry it.
#[wasm_bindgen]
pub async fn keyrack_bench_generate(key_type: String) -> Result<f64, JsValue> {
    bench_generate(key_type)
        .await
        .map_err(|e| JsValue::from_str(&e))
}

/// What [`keyrack_bench_generate`] does: its own wasm chunk (src/lazy.rs).
#[cfg_attr(keyrack_split, leptos::lazy)]
async fn bench_generate(key_type: String) -> Result<f64, String> {
    // i18n: not text: for `cargo xtask bench`
    let key_type: KeyType = key_type.parse().map_err(|_| "unknown key type")?;
    let request = KeygenRequest {
        key_type,
        format: PrivateKeyFormat::Openssh,
        passphrase: String::new(),
        comment: "bench".into(),
    };
    let key = generate(request).await.map_err(|e| e.to_string())?;
    Ok(key.timings.round_trip_ms)
}
