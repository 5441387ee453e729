//! `/key-pairs/{id}/bind` and `/key-pairs/{id}/unbind`.

use axum::extract::{Path, State};
use axum::routing::post;
use axum::Router;
use keyrack_api::{BindRequest, BindResponse, ErrorBody};

use super::extract::{Admin, Json};
use super::AppState;
use crate::error::AppError;
use crate::service::bindings as service;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/key-pairs/{id}/bind", post(bind_instances))
        .route("/key-pairs/{id}/unbind", post(unbind_instances))
}

/// Bind a key pair to up to 100 instances, in one transaction.
///
/// Only `STOPPED` Linux instances qualify. With `force_stop`, an instance that is not
/// stopped is stopped, changed and started again if it was running (it is then `STARTING`,
/// and `RUNNING` after the transition delay); the call does not wait for either. One
/// outcome per distinct instance id, in the order given: `bound`, `already_bound`,
/// `instance_running` (with `state`), `os_unsupported`, `not_found` or `key_limit` (the
/// instance holds 16 key pairs already).
#[utoipa::path(
    post,
    path = "/api/v1/key-pairs/{id}/bind",
    tag = "key-pairs",
    params(("id" = String, Path, description = "Key pair id")),
    request_body = BindRequest,
    responses(
        (status = 200, description = "One outcome per distinct instance id, in the order given", body = BindResponse),
        (status = 400, description = "InvalidRequest, or InvalidParameter (`instance_ids` empty or more than 100)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin token (Forbidden)", body = ErrorBody),
        (status = 404, description = "KeyPairNotFound", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn bind_instances(
    _admin: Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(req): Json<BindRequest>,
) -> Result<Json<BindResponse>, AppError> {
    let response = service::bind(&state.store, &id, state.transition_delay, req).await?;
    tracing::info!(%id, "bind");
    Ok(Json(response))
}

/// Unbind a key pair from up to 100 instances, in one transaction.
///
/// The same rules as bind; outcomes `unbound`, `not_bound`, `instance_running` (with
/// `state`), `os_unsupported` or `not_found`.
#[utoipa::path(
    post,
    path = "/api/v1/key-pairs/{id}/unbind",
    tag = "key-pairs",
    params(("id" = String, Path, description = "Key pair id")),
    request_body = BindRequest,
    responses(
        (status = 200, description = "One outcome per distinct instance id, in the order given", body = BindResponse),
        (status = 400, description = "InvalidRequest, or InvalidParameter (`instance_ids` empty or more than 100)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin token (Forbidden)", body = ErrorBody),
        (status = 404, description = "KeyPairNotFound", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn unbind_instances(
    _admin: Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(req): Json<BindRequest>,
) -> Result<Json<BindResponse>, AppError> {
    let response = service::unbind(&state.store, &id, state.transition_delay, req).await?;
    tracing::info!(%id, "unbind");
    Ok(Json(response))
}
