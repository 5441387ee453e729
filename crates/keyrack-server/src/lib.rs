//! Keyrack's reference API server: the HTTP API (`docs/` and the OpenAPI document) over a SQL store, plus the
//! built SPA.
//!
//! Layers, outermost first: [`http`] (routing, extraction, status codes) calls [`service`]
//! (the domain rules, via `keyrack-api`), which calls [`store`] (all SQL, one transaction per
//! operation). [`startup`] readies the database and the state from the flags, [`serve`]
//! serves connections with their time limits; `main.rs` only wires them together.

pub mod clock;
pub mod config;
pub mod demo;
pub mod error;
pub mod http;
pub mod ids;
pub mod private;
pub mod serve;
pub mod service;
pub mod startup;
pub mod store;
pub mod tls;

pub use error::AppError;
pub use http::{app, AppState};
pub use store::Store;
