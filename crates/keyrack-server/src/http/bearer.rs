//! The bearer token of a request: the one reading of `Authorization: Bearer`, and the
//! record the rate limiter already authenticated, handed on to the extractors.

use axum::http::{header, HeaderMap};

use crate::store::TokenRecord;

/// A token proved valid by the rate limiter, for the authenticating extractor.
#[derive(Debug, Clone)]
pub struct Authenticated(pub TokenRecord);

/// The bearer token of `Authorization: Bearer <token>`, if the request carries one: the one
/// reading of that header, for the rate limiter and the authenticating extractor.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
}
