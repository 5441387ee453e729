//! The error shape every API refusal uses, and the codes the SPA maps to messages.

use serde::{Deserialize, Serialize};

/// Every error code the API can answer with. The SPA matches on it; the server maps it to
/// an HTTP status with [`ErrorCode::status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ErrorCode {
    /// The body is not the JSON the endpoint expects.
    InvalidRequest,
    /// A field breaks a rule; `details.field` and `details.rule` say which.
    InvalidParameter,
    /// The public key cannot be accepted; `details.reason` says why.
    PublicKeyInvalid,
    /// No valid bearer token.
    Unauthorized,
    /// The token may not do this.
    Forbidden,
    /// No such route or resource.
    NotFound,
    /// No key pair with that id.
    KeyPairNotFound,
    /// No instance with that id.
    InstanceNotFound,
    /// No image with that id.
    ImageNotFound,
    /// Another key pair already has that name (case-insensitively).
    KeyPairNameDuplicate,
    /// The same public key is already registered; `details` names the key pair.
    PublicKeyDuplicate,
    /// The deployment holds as many key pairs as it may.
    KeyPairLimitExceeded,
    /// The key pair is bound to instances; `details.instance_ids` lists them.
    KeyPairInUse,
    /// Custom images reference the key pair; `details.image_ids` lists them.
    KeyPairReferencedByImage,
    /// The instance is in a state that the operation cannot start from (such as `start`
    /// while it is `STOPPING`); `details.state` is its state.
    InstanceStateConflict,
    /// The token is the last valid admin token; revoking it would leave no one able to
    /// change anything or make tokens. Make another admin token first.
    LastAdminToken,
    /// `If-Match` names an older version; `details.current_version` is the newest.
    PreconditionFailed,
    /// The request body is too large.
    PayloadTooLarge,
    /// Too many requests; retry after the `Retry-After` header.
    RateLimited,
    /// The method is not allowed on this route.
    MethodNotAllowed,
    /// The request took longer than the server allows to answer. Its work finishes in the
    /// background, whole or not at all, so look before retrying a write.
    RequestTimeout,
    /// Something failed on the server; the log has the cause.
    InternalError,
    /// A code this build does not know (a newer server).
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The HTTP status the server answers with for this code.
    pub fn status(self) -> u16 {
        use ErrorCode::*;
        match self {
            InvalidRequest | InvalidParameter | PublicKeyInvalid => 400,
            Unauthorized => 401,
            Forbidden => 403,
            NotFound | KeyPairNotFound | InstanceNotFound | ImageNotFound => 404,
            MethodNotAllowed => 405,
            KeyPairNameDuplicate
            | PublicKeyDuplicate
            | KeyPairLimitExceeded
            | KeyPairInUse
            | KeyPairReferencedByImage
            | InstanceStateConflict
            | LastAdminToken => 409,
            PreconditionFailed => 412,
            PayloadTooLarge => 413,
            RateLimited => 429,
            InternalError | Unknown => 500,
            RequestTimeout => 503,
        }
    }
}

/// One refusal: a code, a human message and structured details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// What went wrong, as a stable code.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
    /// Context such as the field, the rule or the conflicting ids; `{}` when there is none.
    #[serde(default = "empty_object")]
    // Required in the document: the server always sends it, so clients may rely on it.
    #[cfg_attr(feature = "openapi", schema(value_type = Object, required = true))]
    pub details: serde_json::Value,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(Default::default())
}

impl ApiError {
    /// An error without details.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: empty_object(),
        }
    }

    /// The same error with `details` set.
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

/// The JSON body of every 4xx/5xx answer: `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// The error.
    pub error: ApiError,
}

/// Which rule a field broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Rule {
    /// The field must be present.
    Required,
    /// Too short or too long.
    Length,
    /// A character outside the allowed set.
    Charset,
    /// The first character is not allowed there.
    FirstChar,
    /// A control character.
    ControlChar,
    /// A bidirectional override character.
    BidiOverride,
    /// A reserved prefix.
    Reserved,
    /// Must be unique but is repeated.
    Unique,
    /// Too many items.
    Count,
    /// A number out of range.
    Range,
    /// Not in the expected format.
    Format,
}

/// A field that breaks a rule, with a message naming both.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// The field's path, such as `name` or `tags[2].key`.
    pub field: String,
    /// The rule it breaks.
    pub rule: Rule,
    /// The rule in words.
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, rule: Rule, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            rule,
            message: message.into(),
        }
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::new(ErrorCode::InvalidParameter, e.to_string()).with_details(serde_json::json!({
            "field": e.field,
            "rule": e.rule,
        }))
    }
}
