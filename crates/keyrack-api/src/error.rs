//! The error shape every API refusal uses, and the codes the SPA maps to messages.

mod wire;

use serde::{Deserialize, Serialize};

/// Every refusal the API can answer with, and its details. The SPA matches on it; the server
/// maps it to an HTTP status with [`ErrorCode::status`]. On the wire it is the `code` and
/// `details` of [`ApiError`]; its `Display` is the server's message when it has no better one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", content = "details")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ErrorCode {
    /// The body or the query string is not what the endpoint expects.
    #[error("the request cannot be read")]
    InvalidRequest,
    /// A field breaks a rule.
    #[error("{field} breaks the {rule} rule")]
    InvalidParameter {
        /// The field's path, such as `name` or `tags[2].key`.
        field: String,
        /// The rule it breaks.
        rule: Rule,
    },
    /// The public key cannot be accepted.
    #[error("the public key is refused ({reason})")]
    PublicKeyInvalid {
        /// Always `public_key`.
        field: String,
        /// Why, such as `dsa` or `rsa_too_short`.
        reason: crate::KeyRefusal,
    },
    /// The key or its expiry breaks the admins' key policy (`GET /policy` shows it).
    #[error("{field} breaks the key policy's {rule} rule")]
    PolicyViolation {
        /// `public_key` or `expires_at`.
        field: String,
        /// The policy rule broken.
        rule: crate::PolicyRule,
    },
    /// No valid bearer token.
    #[error("a valid bearer token is required: send \"Authorization: Bearer <token>\"")]
    Unauthorized,
    /// The token may not do this.
    #[error("this token may not do this")]
    Forbidden,
    /// No such route, or no token with that id.
    #[error("{}", match id { Some(id) => format!("no token with id {id}"), None => "no such route".into() })]
    NotFound {
        /// The token id asked for, if it was one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
    },
    /// No key pair with that id.
    #[error("no key pair with id {id}")]
    KeyPairNotFound {
        /// The id asked for.
        id: String,
    },
    /// No instance with that id.
    #[error("no instance with id {id}")]
    InstanceNotFound {
        /// The id asked for.
        id: String,
    },
    /// No image with that id.
    #[error("no custom image with id {id}")]
    ImageNotFound {
        /// The id asked for.
        id: String,
    },
    /// Another key pair already has that name (case-insensitively).
    #[error("a key pair named {name} already exists (names are compared case-insensitively)")]
    KeyPairNameDuplicate {
        /// Always `name`.
        field: String,
        /// The name asked for.
        name: String,
    },
    /// Another valid admin or viewer token already has that name (ASCII letters compared
    /// case-insensitively).
    #[error("a token named {name} already exists (names are compared case-insensitively); choose another name or revoke that token")]
    TokenNameDuplicate {
        /// Always `name`.
        field: String,
        /// The name asked for.
        name: String,
    },
    /// The same public key is already registered.
    #[error("this public key is already registered as key pair {name} ({id})")]
    PublicKeyDuplicate {
        /// Always `public_key`.
        field: String,
        /// The existing key pair's id.
        id: String,
        /// The existing key pair's name.
        name: String,
    },
    /// The deployment holds as many key pairs as it may.
    #[error("this deployment already holds {quota} key pairs, the most it may; delete some first")]
    KeyPairLimitExceeded {
        /// The configured quota.
        quota: u64,
    },
    /// The key pair is bound to instances.
    #[error("the key pair is bound to {} instance(s); unbind it first", instance_ids.len())]
    KeyPairInUse {
        /// The instances holding it.
        instance_ids: Vec<String>,
    },
    /// Custom images reference the key pair.
    #[error("the key pair is referenced by {} custom image(s); delete those images first", image_ids.len())]
    KeyPairReferencedByImage {
        /// The images carrying it.
        image_ids: Vec<String>,
    },
    /// The instance is in a state that the operation cannot start from (such as `start`
    /// while it is `STOPPING`).
    #[error("the instance is {state}; wait until it has finished and try again")]
    InstanceStateConflict {
        /// Its state.
        state: crate::InstanceState,
    },
    /// The token is the last valid admin token; revoking it would leave no one able to
    /// change anything or make tokens. Make another admin token first.
    #[error("this is the last admin token; make another admin token before revoking it")]
    LastAdminToken,
    /// `If-Match` names an older version.
    #[error("the key pair changed since you loaded it (it is now version {current_version}); reload and try again")]
    PreconditionFailed {
        /// The newest version.
        current_version: i64,
    },
    /// The request body is too large.
    #[error("the request body is too large")]
    PayloadTooLarge,
    /// Too many requests; retry after the `Retry-After` header.
    #[error("too many requests; retry in {retry_after_secs} s")]
    RateLimited {
        /// Seconds until a request will be accepted again.
        retry_after_secs: u64,
    },
    /// The method is not allowed on this route.
    #[error("this method is not allowed on this route")]
    MethodNotAllowed,
    /// The request took longer than the server allows to answer. Its work finishes in the
    /// background, whole or not at all, so look before retrying a write.
    #[error(
        "the request took too long to answer; it may still complete, so check before trying again"
    )]
    RequestTimeout,
    /// The server lost its connection to the database (a restart, a failover) while the
    /// request was under way, or could not get one. A read or a write that had not been
    /// sent for commit was tried once more first; this one may or may not have taken effect,
    /// so look before retrying a write.
    #[error(
        "the connection to the database was lost; the request may have completed, so check before trying again"
    )]
    DatabaseUnavailable,
    /// Something failed on the server; the log has the cause.
    #[error("something went wrong on the server; the server log has the details")]
    InternalError,
    /// A code this build does not know (a newer server).
    #[serde(other)]
    #[error("the server refused the request")]
    Unknown,
}

impl ErrorCode {
    /// The HTTP status the server answers with for this code.
    pub fn status(&self) -> u16 {
        use ErrorCode::*;
        match self {
            InvalidRequest
            | InvalidParameter { .. }
            | PublicKeyInvalid { .. }
            | PolicyViolation { .. } => 400,
            Unauthorized => 401,
            Forbidden => 403,
            NotFound { .. }
            | KeyPairNotFound { .. }
            | InstanceNotFound { .. }
            | ImageNotFound { .. } => 404,
            MethodNotAllowed => 405,
            KeyPairNameDuplicate { .. }
            | TokenNameDuplicate { .. }
            | PublicKeyDuplicate { .. }
            | KeyPairLimitExceeded { .. }
            | KeyPairInUse { .. }
            | KeyPairReferencedByImage { .. }
            | InstanceStateConflict { .. }
            | LastAdminToken => 409,
            PreconditionFailed { .. } => 412,
            PayloadTooLarge => 413,
            RateLimited { .. } => 429,
            InternalError | Unknown => 500,
            RequestTimeout | DatabaseUnavailable => 503,
        }
    }

    /// The code as the wire spells it, such as `KeyPairInUse`.
    pub fn name(&self) -> String {
        let tagged = serde_json::to_value(self).unwrap_or_default();
        tagged["code"].as_str().unwrap_or("Unknown").to_owned()
    }

    /// Whether `name` is a code this build knows (`Unknown` is not one).
    pub fn is_known_name(name: &str) -> bool {
        // Without details a known code fails on them, and an unknown one is `Unknown`.
        let probe = serde_json::json!({ "code": name });
        !matches!(serde_json::from_value(probe), Ok(ErrorCode::Unknown))
    }

    /// The same refusal for `name` (a key pair's name).
    pub fn name_duplicate(name: impl Into<String>) -> Self {
        Self::KeyPairNameDuplicate {
            field: "name".into(),
            name: name.into(),
        }
    }

    /// The same refusal for `name` (an admin or viewer token's name).
    pub fn token_name_duplicate(name: impl Into<String>) -> Self {
        Self::TokenNameDuplicate {
            field: "name".into(),
            name: name.into(),
        }
    }

    /// The public key is registered already, as this key pair.
    pub fn public_key_duplicate(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self::PublicKeyDuplicate {
            field: "public_key".into(),
            id: id.into(),
            name: name.into(),
        }
    }
}

/// One refusal: a code with its details, and a human message. On the wire:
/// `{"code": "…", "message": "…", "details": {…}}`, `details` being `{}` when there are none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// What went wrong, as a stable code, and its details.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
}

impl ApiError {
    /// A refusal with its own message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl From<ErrorCode> for ApiError {
    /// The refusal with the code's own message.
    fn from(code: ErrorCode) -> Self {
        let message = code.to_string();
        Self { code, message }
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
    /// A bidirectional control character: an override, embedding, isolate or mark.
    BidiOverride,
    /// A zero-width or otherwise invisible character (U+200B–U+200D, U+2060, U+FEFF).
    InvisibleChar,
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
        let message = e.to_string();
        let code = ErrorCode::InvalidParameter {
            field: e.field,
            rule: e.rule,
        };
        ApiError::new(code, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_wire_shape_is_code_message_details() {
        let e = ApiError::from(ErrorCode::KeyPairInUse {
            instance_ids: vec!["ins-1".into()],
        });
        let text = serde_json::to_string(&e).expect("serialises");
        assert_eq!(
            text,
            r#"{"code":"KeyPairInUse","message":"the key pair is bound to 1 instance(s); unbind it first","details":{"instance_ids":["ins-1"]}}"#
        );
        assert_eq!(serde_json::from_str::<ApiError>(&text).ok(), Some(e));
        let bare = serde_json::to_value(ApiError::from(ErrorCode::Unauthorized)).expect("ok");
        assert_eq!(bare["details"], json!({}));
        assert_eq!(
            serde_json::to_value(ApiError::from(ErrorCode::NotFound { id: None })).expect("ok")
                ["details"],
            json!({})
        );
    }

    #[test]
    fn every_code_reads_back_what_it_wrote() {
        use ErrorCode::*;
        let codes = [
            InvalidRequest,
            InvalidParameter {
                field: "tags[1].key".into(),
                rule: Rule::Charset,
            },
            PublicKeyInvalid {
                field: "public_key".into(),
                reason: crate::KeyRefusal::Dsa,
            },
            PolicyViolation {
                field: "public_key".into(),
                rule: crate::PolicyRule::MinRsaBits,
            },
            Unauthorized,
            Forbidden,
            NotFound { id: None },
            NotFound {
                id: Some("tok-1".into()),
            },
            KeyPairNotFound {
                id: "skey-1".into(),
            },
            InstanceNotFound { id: "ins-1".into() },
            ImageNotFound { id: "img-1".into() },
            ErrorCode::name_duplicate("web"),
            ErrorCode::token_name_duplicate("ci reader"),
            ErrorCode::public_key_duplicate("skey-2", "laptop"),
            KeyPairLimitExceeded { quota: 500 },
            KeyPairInUse {
                instance_ids: vec!["ins-1".into(), "ins-2".into()],
            },
            KeyPairReferencedByImage {
                image_ids: vec!["img-1".into()],
            },
            InstanceStateConflict {
                state: crate::InstanceState::Stopping,
            },
            LastAdminToken,
            PreconditionFailed { current_version: 7 },
            PayloadTooLarge,
            RateLimited {
                retry_after_secs: 3,
            },
            MethodNotAllowed,
            RequestTimeout,
            DatabaseUnavailable,
            InternalError,
        ];
        for code in codes {
            let e = ApiError::from(code);
            let text = serde_json::to_string(&e).expect("serialises");
            assert_eq!(
                serde_json::from_str::<ApiError>(&text).ok(),
                Some(e),
                "{text}"
            );
        }
    }

    #[test]
    fn codes_decode_with_or_without_details_and_unknown_ones_fall_back() {
        let read = |v: serde_json::Value| serde_json::from_value::<ApiError>(v).expect("decodes");
        assert_eq!(
            read(json!({"code": "Forbidden", "message": "no", "details": {}})).code,
            ErrorCode::Forbidden
        );
        assert_eq!(
            read(json!({"code": "NotFound", "message": "x", "details": {}})).code,
            ErrorCode::NotFound { id: None }
        );
        assert_eq!(
            read(json!({"code": "Brand New", "message": "x", "details": {"a": 1}})).code,
            ErrorCode::Unknown
        );
        let field = read(json!({"code": "InvalidParameter", "message": "m",
            "details": {"field": "limit", "rule": "range"}}));
        assert_eq!(
            field.code,
            ErrorCode::InvalidParameter {
                field: "limit".into(),
                rule: Rule::Range
            }
        );
    }

    #[test]
    fn code_names() {
        assert_eq!(
            ErrorCode::PreconditionFailed { current_version: 2 }.name(),
            "PreconditionFailed"
        );
        assert!(ErrorCode::is_known_name("Forbidden"));
        assert!(ErrorCode::is_known_name("KeyPairInUse"));
        assert!(!ErrorCode::is_known_name("meh"));
        assert!(!ErrorCode::is_known_name("Unknown"));
    }
}
