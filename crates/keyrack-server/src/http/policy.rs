//! `/policy`: what key pairs may be registered. Everyone signed in reads it (the dialogs
//! pre-fill the lifetime from it); only admins change it.

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use keyrack_api::{ErrorBody, Policy};

use super::extract::{Admin, Auth, Json};
use super::state::AppState;
use crate::error::AppError;
use crate::service::policy as service;

pub fn router() -> Router<AppState> {
    Router::new().route("/policy", get(get_policy).put(put_policy))
}

/// The key policy.
#[utoipa::path(
    get,
    path = "/api/v1/policy",
    tag = "admin",
    responses(
        (status = 200, description = "The key policy in force", body = Policy),
    ),
    security(("bearer" = []))
)]
pub async fn get_policy(
    _auth: Auth,
    State(state): State<AppState>,
) -> Result<Json<Policy>, AppError> {
    Ok(Json(service::get(&state.store).await?))
}

/// Replace the key policy (admins). Keys registered before stay; those it no longer allows
/// are marked `allowed_by_policy: false`, and left out of `authorized_keys` when
/// `enforce_on_login` is set.
#[utoipa::path(
    put,
    path = "/api/v1/policy",
    tag = "admin",
    request_body = Policy,
    responses(
        (status = 200, description = "The policy as saved", body = Policy),
        (status = 400, description = "A field breaks its rule (InvalidParameter)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn put_policy(
    _admin: Admin,
    State(state): State<AppState>,
    Json(policy): Json<Policy>,
) -> Result<Json<Policy>, AppError> {
    let policy = service::put(&state.store, policy).await?;
    tracing::info!(?policy, "key policy replaced");
    Ok(Json(policy))
}
