//! `/key-pairs/{id}/bind` and `/key-pairs/{id}/unbind`: one handler, the route says which.

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Extension, Router};
use keyrack_api::{BindDirection, BindRequest, BindResponse, ErrorBody};

use super::extract::{Admin, Json};
use super::state::AppState;
use crate::error::AppError;
use crate::service::bindings as service;

pub fn router() -> Router<AppState> {
    BindDirection::ALL
        .into_iter()
        .fold(Router::new(), |router, direction| {
            router.route(
                &direction.path("{id}"),
                post(change_bindings).layer(Extension(direction)),
            )
        })
}

/// Binds or unbinds a key pair, as its route says.
async fn change_bindings(
    _admin: Admin,
    Extension(direction): Extension<BindDirection>,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(req): Json<BindRequest>,
) -> Result<Json<BindResponse>, AppError> {
    let response =
        service::change(&state.store, &id, state.transition_delay, req, direction).await?;
    tracing::info!(%id, ?direction, "bindings changed");
    Ok(Json(response))
}

// The document's two operations of `change_bindings`: utoipa describes one path per item,
// so each route has its own, with no code of its own.

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
        (status = 404, description = "KeyPairNotFound", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[expect(
    dead_code,
    reason = "only its attribute is read: it documents `change_bindings`"
)]
pub fn bind_instances() {}

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
        (status = 404, description = "KeyPairNotFound", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[expect(
    dead_code,
    reason = "only its attribute is read: it documents `change_bindings`"
)]
pub fn unbind_instances() {}
