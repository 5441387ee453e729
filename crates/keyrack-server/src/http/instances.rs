//! `/instances`.

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use keyrack_api::{ErrorBody, Instance, InstanceQuery, InstanceState, List};

use super::extract::{Auth, Json, QueryParams};
use super::AppState;
use crate::error::AppError;
use crate::service::fleet as service;

pub fn router() -> Router<AppState> {
    Router::new().route("/instances", get(list_instances))
}

/// List instances.
#[utoipa::path(
    get,
    path = "/api/v1/instances",
    tag = "fleet",
    params(InstanceQuery),
    responses(
        (status = 200, description = "One page of instances", body = List<Instance>),
        (status = 400, description = "A bad query parameter (InvalidParameter)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_instances(
    _auth: Auth,
    State(state): State<AppState>,
    params: QueryParams,
) -> Result<Json<List<Instance>>, AppError> {
    let query = InstanceQuery {
        region: params.text("region"),
        state: params.parsed(
            "state",
            "RUNNING, STOPPED, STARTING or STOPPING",
            parse_state,
        )?,
        q: params.text("q"),
        offset: params.number("offset")?,
        limit: params.number("limit")?,
    };
    Ok(Json(service::list_instances(&state.store, query).await?))
}

fn parse_state(s: &str) -> Option<InstanceState> {
    [
        InstanceState::Running,
        InstanceState::Stopped,
        InstanceState::Starting,
        InstanceState::Stopping,
    ]
    .into_iter()
    .find(|state| state.as_str() == s)
}
