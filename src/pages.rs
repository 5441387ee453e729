//! One module per route.

pub mod audit;
pub mod images;
pub mod instances;
pub mod key_details;
pub mod keys;
pub mod policy;
pub mod sign_in;
pub mod tokens;
