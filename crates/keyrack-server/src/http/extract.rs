//! Extractors whose refusals use the API's error shape.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use keyrack_api::{from_query_string, ErrorCode, FieldError, Rule, TokenRole};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::bearer::{bearer_token, Authenticated};
use super::state::AppState;
use crate::error::AppError;
use crate::service::tokens;
use crate::store::{AuditScope, TokenRecord};
use std::sync::Arc;

/// JSON in and out: axum's extractor, with its refusals in the API's shape, and U+0000
/// refused naming the field that holds it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_json);
        if !json {
            // axum's own refusal, which names the content type it wants.
            let axum::Json(value) = axum::Json::<T>::from_request(req, state).await?;
            return Ok(Self(value));
        }
        let bytes = Bytes::from_request(req, state).await?;
        if let Some(field) = nul_field(&bytes) {
            return Err(nul_refusal(field));
        }
        let axum::Json(value) = axum::Json::<T>::from_bytes(&bytes)?;
        Ok(Self(value))
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `application/json`, or any `…+json` type.
fn is_json(content_type: &str) -> bool {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// A body axum could not read: too large (413), or not the JSON expected. axum's text names
/// the problem (syntax, missing field, content type) and its place, and quotes at most a
/// scalar of the wrong type, never the body.
fn body_refusal(status: StatusCode, text: String) -> AppError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ErrorCode::PayloadTooLarge.into()
    } else {
        AppError::refuse(ErrorCode::InvalidRequest, text)
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        body_refusal(rejection.status(), rejection.body_text())
    }
}

impl From<BytesRejection> for AppError {
    fn from(rejection: BytesRejection) -> Self {
        body_refusal(rejection.status(), rejection.body_text())
    }
}

/// A list query (`keyrack-api`'s `KeyPairQuery`, …) read from the query string; a bad
/// parameter is refused naming it and the rule it breaks.
#[derive(Debug, Clone, Default)]
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        Ok(Self(from_query_string(query)?))
    }
}

/// U+0000 is refused wherever a request carries it: PostgreSQL cannot store it in text
/// (SQLite can), and no field accepts control characters, so both backends answer the same
/// 400 naming where it was, and the database never sees it.
fn nul_refusal(field: String) -> AppError {
    FieldError::new(
        field,
        Rule::ControlChar,
        "may not contain the NUL character (U+0000)",
    )
    .into()
}

/// Where a JSON body holds U+0000 (in a string or a key), as `ids[2]` or `tags[0].key`.
fn nul_field(body: &[u8]) -> Option<String> {
    // JSON can only carry it escaped; most bodies are done after this scan.
    if !body.windows(6).any(|w| w == b"\\u0000") {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    find_nul(&value, String::new())
}

fn find_nul(value: &serde_json::Value, at: String) -> Option<String> {
    match value {
        serde_json::Value::String(s) if s.contains('\0') => Some(at),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| find_nul(item, format!("{at}[{i}]"))),
        serde_json::Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            let path = if at.is_empty() {
                key.clone()
            } else {
                format!("{at}.{key}")
            };
            if key.contains('\0') {
                Some(path)
            } else {
                find_nul(item, path)
            }
        }),
        _ => None,
    }
    .map(|path| {
        if path.is_empty() {
            "body".to_owned()
        } else {
            path
        }
    })
}

/// A `%00` in the path (field `path`) or in a query parameter (named by it).
fn nul_in_uri(uri: &axum::http::Uri) -> Option<String> {
    if uri.path().contains("%00") {
        return Some("path".to_owned());
    }
    uri.query()?
        .split('&')
        .find(|pair| pair.contains("%00"))
        .map(|pair| pair.split('=').next().unwrap_or_default().to_owned())
}

/// A person's (or a tool's) token, admin or viewer, from `Authorization: Bearer <token>`.
/// Handlers that take it refuse everyone else with `401 Unauthorized`, and instance agents
/// with `403 Forbidden`: an agent token only reads its instance's authorized keys.
#[derive(Debug, Clone)]
pub struct Auth {
    /// The token's id (never the token).
    pub token_id: String,
    /// What the token may do.
    pub role: TokenRole,
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let record = bearer(parts, state).await?;
        if record.role == TokenRole::Agent {
            return Err(forbidden(
                "an agent token may only read its instance's authorized keys and report its logins",
            ));
        }
        Ok(Self {
            token_id: record.id,
            role: record.role,
        })
    }
}

/// An admin token: what every change needs. A viewer gets `403 Forbidden`.
#[derive(Debug, Clone)]
pub struct Admin(pub Auth);

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let auth = Auth::from_request_parts(parts, state).await?;
        if auth.role != TokenRole::Admin {
            return Err(forbidden("this needs an admin token"));
        }
        Ok(Self(auth))
    }
}

/// Who may read an instance's `authorized_keys`: its own agent token (what sshd's script
/// sends), or an admin (the console's *Download authorized_keys*). Viewers and other tokens
/// get 403.
#[derive(Debug, Clone)]
pub enum KeysReader {
    /// The agent token of this instance.
    Agent {
        /// The instance the token belongs to.
        instance_id: String,
    },
    /// An admin token: any instance.
    Admin,
}

impl FromRequestParts<AppState> for KeysReader {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let record = bearer(parts, state).await?;
        match (record.role, record.instance_id) {
            (TokenRole::Agent, Some(instance_id)) => Ok(Self::Agent { instance_id }),
            (TokenRole::Admin, _) => Ok(Self::Admin),
            _ => Err(forbidden(
                "only the instance's agent token or an admin may read its authorized keys",
            )),
        }
    }
}

/// An instance's agent token: what reports a login. Every other token gets 403.
#[derive(Debug, Clone)]
pub struct InstanceAgent {
    /// The instance the token belongs to.
    pub instance_id: String,
}

impl FromRequestParts<AppState> for InstanceAgent {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let record = bearer(parts, state).await?;
        match (record.role, record.instance_id) {
            (TokenRole::Agent, Some(instance_id)) => Ok(Self { instance_id }),
            _ => Err(forbidden(
                "only the instance's agent token reports its logins",
            )),
        }
    }
}

/// `403 Forbidden`: a valid token that may not do this.
fn forbidden(message: &'static str) -> AppError {
    AppError::refuse(ErrorCode::Forbidden, message)
}

/// The registered token of `Authorization: Bearer <token>`, or `Unauthorized`: the one the
/// rate limiter already authenticated, or the store's answer now.
async fn bearer(parts: &Parts, state: &AppState) -> Result<TokenRecord, AppError> {
    let record = match parts.extensions.get::<Authenticated>() {
        Some(Authenticated(record)) => record.clone(),
        None => {
            let token = bearer_token(&parts.headers).ok_or(ErrorCode::Unauthorized)?;
            tokens::authenticate(&state.store, token).await?
        }
    };
    if let Some(scope) = parts.extensions.get::<Arc<AuditScope>>() {
        scope.set_actor(&record.id, &record.name, record.role);
    }
    // After the token, so an unauthenticated client learns nothing from it.
    if let Some(field) = nul_in_uri(&parts.uri) {
        return Err(nul_refusal(field));
    }
    Ok(record)
}

/// `If-Match`: the version the client last saw, `"3"` or `3` (also weak `W/"3"`); `*` or no
/// header means any version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IfMatch(pub Option<i64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::IF_MATCH) else {
            return Ok(Self(None));
        };
        parse_if_match(value.to_str().unwrap_or_default())
            .map(Self)
            .ok_or_else(|| {
                FieldError::new(
                    "If-Match",
                    Rule::Format,
                    "If-Match must be the key pair's version, as its ETag gives it (such as \"3\")",
                )
                .into()
            })
    }
}

fn parse_if_match(value: &str) -> Option<Option<i64>> {
    let value = value.trim();
    if value == "*" {
        return Some(None);
    }
    let value = value.strip_prefix("W/").unwrap_or(value);
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    value.parse::<i64>().ok().map(Some)
}

#[cfg(test)]
mod tests {
    use super::parse_if_match;

    #[test]
    fn if_match_accepts_quoted_bare_weak_and_star() {
        assert_eq!(parse_if_match("\"3\""), Some(Some(3)));
        assert_eq!(parse_if_match("3"), Some(Some(3)));
        assert_eq!(parse_if_match("W/\"12\""), Some(Some(12)));
        assert_eq!(parse_if_match("*"), Some(None));
        assert_eq!(parse_if_match("\"abc\""), None);
        assert_eq!(parse_if_match("\"3"), None);
    }
}
