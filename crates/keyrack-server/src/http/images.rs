//! `/images`.

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use keyrack_api::{ErrorBody, Image, List};

use super::extract::{Auth, Json};
use super::AppState;
use crate::error::AppError;
use crate::service::fleet as service;

pub fn router() -> Router<AppState> {
    Router::new().route("/images", get(list_images))
}

/// List custom images.
#[utoipa::path(
    get,
    path = "/api/v1/images",
    tag = "fleet",
    responses(
        (status = 200, description = "Every custom image", body = List<Image>),
        (status = 401, description = "No valid token", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_images(
    _auth: Auth,
    State(state): State<AppState>,
) -> Result<Json<List<Image>>, AppError> {
    Ok(Json(service::list_images(&state.store).await?))
}
