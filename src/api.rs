//! Typed client of the Keyrack HTTP API (`/api/v1`, same origin).
//!
//! Every call goes through one private `send` in [`client`], which adds the bearer token
//! and turns any non-2xx answer into [`keyrack_api::ApiError`].

mod admin;
mod client;
mod fleet;
mod key_pairs;
mod prefetch;

pub use client::Api;
