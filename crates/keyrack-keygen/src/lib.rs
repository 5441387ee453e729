//! Key-pair generation and private-key files for "Create a key pair".
//!
//! The console runs this crate in a Web Worker (`src/bin/keygen-worker.rs`), so generating
//! a key never blocks the page and the crypto code stays out of the page's first load. RSA
//! and ECDSA come from the browser's WebCrypto there (fast, native code); [`generate`] is
//! the pure-Rust path, used for Ed25519 and as the others' fallback.
//!
//! ```
//! use keyrack_api::{KeyType, PrivateKeyFormat};
//! use keyrack_keygen::{export, generate};
//!
//! let key = generate(KeyType::Ed25519, "laptop").expect("generates");
//! let file = export(&key, PrivateKeyFormat::Openssh, "").expect("encodes");
//! assert!(file.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"));
//! ```
#![warn(missing_docs)]

mod error;
mod export;
mod generate;
mod pem;
mod ppk;
#[cfg(target_arch = "wasm32")]
pub mod worker;

pub use error::KeygenError;
pub use export::{export, public_line};
pub use generate::{from_ec_components, from_rsa_components, generate};
pub use pem::to_rsa;
