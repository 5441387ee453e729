//! `/regions`.

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use keyrack_api::{List, Region};

use super::extract::{Auth, Json};
use super::state::AppState;
use crate::error::AppError;
use crate::service::fleet as service;

pub fn router() -> Router<AppState> {
    Router::new().route("/regions", get(list_regions))
}

/// List regions.
#[utoipa::path(
    get,
    path = "/api/v1/regions",
    tag = "fleet",
    responses(
        (status = 200, description = "Every region", body = List<Region>),
    ),
    security(("bearer" = []))
)]
pub async fn list_regions(
    _auth: Auth,
    State(state): State<AppState>,
) -> Result<Json<List<Region>>, AppError> {
    Ok(Json(service::list_regions(&state.store).await?))
}
