//! The one error type of the server: every refusal and failure becomes a status code and the
//! `{"error": {"code", "message", "details"}}` body of `keyrack-api`.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use keyrack_api::{ApiError, ErrorBody, ErrorCode, FieldError, InstanceState, PublicKeyError};
use serde_json::json;

use crate::store::StoreError;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The body or query string cannot be read as the endpoint expects.
    #[error("{0}")]
    InvalidRequest(String),
    /// A field breaks a domain rule.
    #[error(transparent)]
    Field(#[from] FieldError),
    /// The public key is refused.
    #[error(transparent)]
    PublicKey(#[from] PublicKeyError),
    /// No valid bearer token.
    #[error("a valid bearer token is required: send \"Authorization: Bearer <token>\"")]
    Unauthorized,
    /// The token is valid but may not do this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// No such route.
    #[error("no such route")]
    NotFound,
    /// The route exists but not with this method.
    #[error("this method is not allowed on this route")]
    MethodNotAllowed,
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
    /// The instance cannot start or stop from its current state.
    #[error("the instance is {}; wait until it has finished and try again", state.as_str())]
    InstanceStateConflict {
        /// Its state.
        state: InstanceState,
    },
    /// The name is taken, case-insensitively.
    #[error("a key pair named {name} already exists (names are compared case-insensitively)")]
    KeyPairNameDuplicate {
        /// The name asked for.
        name: String,
    },
    /// The public key is registered already.
    #[error("this public key is already registered as key pair {name} ({id})")]
    PublicKeyDuplicate {
        /// The existing key pair's id.
        id: String,
        /// The existing key pair's name.
        name: String,
    },
    /// The deployment is full.
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
    /// Custom images carry the key pair.
    #[error("the key pair is referenced by {} custom image(s); delete those images first", image_ids.len())]
    KeyPairReferencedByImage {
        /// The images carrying it.
        image_ids: Vec<String>,
    },
    /// `If-Match` names another version.
    #[error("the key pair changed since you loaded it (it is now version {current_version}); reload and try again")]
    PreconditionFailed {
        /// The newest version.
        current_version: i64,
    },
    /// No token with that id.
    #[error("no token with id {id}")]
    TokenNotFound {
        /// The id asked for.
        id: String,
    },
    /// Revoking this token would leave no valid admin token.
    #[error("this is the last admin token; make another admin token before revoking it")]
    LastAdminToken,
    /// The token sent too many requests; retry after this many seconds.
    #[error("too many requests; retry in {retry_after_secs} s")]
    RateLimited {
        /// Seconds until a request will be accepted again.
        retry_after_secs: u64,
    },
    /// The request took longer than the server allows. Its work goes on in the background
    /// and either completes whole or not at all (one transaction), so the answer cannot say
    /// which: look before trying again.
    #[error(
        "the request took too long to answer; it may still complete, so check before trying again"
    )]
    Timeout,
    /// The body is larger than the server accepts.
    #[error("the request body is too large")]
    PayloadTooLarge,
    /// The database failed; the cause is logged, never sent.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Anything else that is the server's fault.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// The code the client sees.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidRequest(_) => ErrorCode::InvalidRequest,
            Self::Field(_) => ErrorCode::InvalidParameter,
            Self::PublicKey(_) => ErrorCode::PublicKeyInvalid,
            Self::Unauthorized => ErrorCode::Unauthorized,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::NotFound | Self::TokenNotFound { .. } => ErrorCode::NotFound,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::LastAdminToken => ErrorCode::LastAdminToken,
            Self::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            Self::KeyPairNotFound { .. } => ErrorCode::KeyPairNotFound,
            Self::InstanceNotFound { .. } => ErrorCode::InstanceNotFound,
            Self::ImageNotFound { .. } => ErrorCode::ImageNotFound,
            Self::InstanceStateConflict { .. } => ErrorCode::InstanceStateConflict,
            Self::KeyPairNameDuplicate { .. } => ErrorCode::KeyPairNameDuplicate,
            Self::PublicKeyDuplicate { .. } => ErrorCode::PublicKeyDuplicate,
            Self::KeyPairLimitExceeded { .. } => ErrorCode::KeyPairLimitExceeded,
            Self::KeyPairInUse { .. } => ErrorCode::KeyPairInUse,
            Self::KeyPairReferencedByImage { .. } => ErrorCode::KeyPairReferencedByImage,
            Self::PreconditionFailed { .. } => ErrorCode::PreconditionFailed,
            Self::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            Self::Timeout => ErrorCode::RequestTimeout,
            Self::Database(_) | Self::Internal(_) => ErrorCode::InternalError,
        }
    }

    /// The body's `error` object. Server faults get a generic message so that database text
    /// never reaches a client.
    pub fn to_api_error(&self) -> ApiError {
        let code = self.code();
        match self {
            Self::Field(e) => e.clone().into(),
            Self::PublicKey(e) => e.clone().into(),
            Self::Database(_) | Self::Internal(_) => ApiError::new(
                code,
                "something went wrong on the server; the server log has the details",
            ),
            other => {
                let details = match other {
                    Self::KeyPairNotFound { id }
                    | Self::InstanceNotFound { id }
                    | Self::ImageNotFound { id }
                    | Self::TokenNotFound { id } => json!({ "id": id }),
                    Self::RateLimited { retry_after_secs } => {
                        json!({ "retry_after_secs": retry_after_secs })
                    }
                    Self::InstanceStateConflict { state } => json!({ "state": state }),
                    Self::KeyPairNameDuplicate { name } => json!({ "field": "name", "name": name }),
                    Self::PublicKeyDuplicate { id, name } => {
                        json!({ "field": "public_key", "id": id, "name": name })
                    }
                    Self::KeyPairLimitExceeded { quota } => json!({ "quota": quota }),
                    Self::KeyPairInUse { instance_ids } => json!({ "instance_ids": instance_ids }),
                    Self::KeyPairReferencedByImage { image_ids } => {
                        json!({ "image_ids": image_ids })
                    }
                    Self::PreconditionFailed { current_version } => {
                        json!({ "current_version": current_version })
                    }
                    _ => json!({}),
                };
                ApiError::new(code, other.to_string()).with_details(details)
            }
        }
    }
}

impl From<StoreError> for AppError {
    /// Where the store's refusals (unique constraints included) become domain codes.
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::KeyPairNotFound { id } => Self::KeyPairNotFound { id },
            StoreError::InstanceNotFound { id } => Self::InstanceNotFound { id },
            StoreError::ImageNotFound { id } => Self::ImageNotFound { id },
            StoreError::StateConflict { state } => Self::InstanceStateConflict { state },
            StoreError::LastAdminToken => Self::LastAdminToken,
            StoreError::NameTaken { name } => Self::KeyPairNameDuplicate { name },
            StoreError::FingerprintTaken { id, name } => Self::PublicKeyDuplicate { id, name },
            StoreError::QuotaReached { quota } => Self::KeyPairLimitExceeded { quota },
            StoreError::VersionMismatch { current } => Self::PreconditionFailed {
                current_version: current,
            },
            StoreError::Database(e) => Self::Database(e),
            StoreError::Migrate(e) => Self::Internal(e.to_string()),
            e @ StoreError::UnsupportedUrl { .. } => Self::Internal(e.to_string()),
            e @ StoreError::TransferRefused { .. } => Self::Internal(e.to_string()),
            StoreError::Io(e) => Self::Internal(e.to_string()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let code = self.code();
        let status =
            StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let body = axum::Json(ErrorBody {
            error: self.to_api_error(),
        });
        let mut response = match &self {
            Self::Unauthorized => {
                (status, [(header::WWW_AUTHENTICATE, "Bearer")], body).into_response()
            }
            Self::RateLimited { retry_after_secs } => (
                status,
                [(header::RETRY_AFTER, retry_after_secs.to_string())],
                body,
            )
                .into_response(),
            _ => (status, body).into_response(),
        };
        // For the audit log, which records the code of every refused write.
        response.extensions_mut().insert(code);
        response
    }
}
