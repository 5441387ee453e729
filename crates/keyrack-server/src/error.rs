//! The one error type of the server, for the store, the services and the HTTP edge alike:
//! either a refusal, which is `keyrack-api`'s [`ApiError`] (its code carries the status and
//! the details) and is answered as `{"error": {"code", "message", "details"}}`, or a fault,
//! which is logged and answered `500 InternalError` without detail so that database text
//! never reaches a client (`503 DatabaseUnavailable` when the database connection was lost).

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use keyrack_api::{ApiError, ErrorBody, ErrorCode, FieldError, PublicKeyError};

/// Any startup failure, as the binary reports it.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why a request (or a command) failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The client is refused, and told why.
    #[error("{0}")]
    Refused(ApiError),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The connection was lost while a COMMIT was on its way: the change may or may not have
    /// been made. Never retried.
    #[error("database connection lost during COMMIT, the outcome is unknown: {0}")]
    CommitUnknown(sqlx::Error),
    /// A migration failed.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database URL names no backend this server has.
    #[error("unsupported database URL {scheme:?}: use sqlite://PATH or postgres://USER[:PASSWORD]@HOST[:PORT]/DB")]
    UnsupportedUrl {
        /// What stood before `://` (never the rest: it may hold a password).
        scheme: String,
    },
    /// A copy between databases (`migrate-to`) was refused before anything was written.
    #[error("cannot migrate: {reason}")]
    TransferRefused {
        /// Why, for the operator.
        reason: String,
    },
    /// The connection to the database is not protected as asked, or its TLS handshake
    /// failed (`--database-require-tls`, `sslmode=verify-full`).
    #[error("database connection refused: {reason}")]
    InsecureDatabase {
        /// What is wrong and what to change, for the operator (never the URL's password).
        reason: String,
    },
    /// A file or directory could not be read or made.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// Anything else that is the server's fault.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// A refusal with its own message, such as `Forbidden` saying what the token lacks.
    pub fn refuse(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Refused(ApiError::new(code, message))
    }

    /// The code of a refusal; `None` for a fault.
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Self::Refused(e) => Some(&e.code),
            _ => None,
        }
    }

    /// The refusal the client sees; a fault is `InternalError` with a generic message, but
    /// a lost (or unobtainable) database connection is `503 DatabaseUnavailable`: the request
    /// may have completed, and another try may succeed.
    pub fn to_api_error(&self) -> ApiError {
        match self {
            Self::Refused(e) => e.clone(),
            Self::CommitUnknown(_) => ErrorCode::DatabaseUnavailable.into(),
            Self::Database(e)
                if is_connection_lost(e) || matches!(e, sqlx::Error::PoolTimedOut) =>
            {
                ErrorCode::DatabaseUnavailable.into()
            }
            _ => ErrorCode::InternalError.into(),
        }
    }
}

impl From<ApiError> for AppError {
    fn from(e: ApiError) -> Self {
        Self::Refused(e)
    }
}

impl From<ErrorCode> for AppError {
    fn from(code: ErrorCode) -> Self {
        Self::Refused(code.into())
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        Self::Refused(e.into())
    }
}

impl From<PublicKeyError> for AppError {
    fn from(e: PublicKeyError) -> Self {
        Self::Refused(e.into())
    }
}

impl From<keyrack_api::PolicyViolation> for AppError {
    fn from(e: keyrack_api::PolicyViolation) -> Self {
        Self::Refused(e.into())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let error = self.to_api_error();
        let status =
            StatusCode::from_u16(error.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let code = error.code.clone();
        let mut response = (status, axum::Json(ErrorBody { error })).into_response();
        let headers = response.headers_mut();
        match code {
            ErrorCode::Unauthorized => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer"),
                );
            }
            ErrorCode::RateLimited { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, retry_after_secs.into());
            }
            _ => {}
        }
        // For the audit log, which records the code of every refused write.
        response.extensions_mut().insert(code);
        response
    }
}

/// Whether `err` means the connection to the database died under the statement, so the
/// statement did not run to its end: PostgreSQL ended the session (57P01 admin shutdown, as
/// `pg_terminate_backend` or a restart does; 57P02 crash shutdown; 57P03 cannot connect now),
/// a connection exception (class 08), or an I/O error on the socket (reset, closed, broken
/// pipe, end of stream). SQLite's codes are numbers and never match.
pub fn is_connection_lost(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}
