//! Helpers shared by the SPA's wasm test files.

#![allow(dead_code)] // each test file uses a different part of the helpers

pub mod dom;
