//! `/images`.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::Router;
use keyrack_api::{CreateImage, ErrorBody, Image, List};

use super::extract::{Admin, Auth, Json};
use super::state::AppState;
use crate::error::AppError;
use crate::service::fleet as service;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/images", get(list_images).post(create_image))
        .route("/images/{id}", delete(delete_image))
}

/// List custom images.
#[utoipa::path(
    get,
    path = "/api/v1/images",
    tag = "fleet",
    responses(
        (status = 200, description = "Every custom image", body = List<Image>),
    ),
    security(("bearer" = []))
)]
pub async fn list_images(
    _auth: Auth,
    State(state): State<AppState>,
) -> Result<Json<List<Image>>, AppError> {
    Ok(Json(service::list_images(&state.store).await?))
}

/// Make a custom image from an instance. It lies in the instance's region and carries the
/// key pairs bound to the instance at this moment; they cannot be deleted while it exists.
#[utoipa::path(
    post,
    path = "/api/v1/images",
    tag = "fleet",
    request_body = CreateImage,
    responses(
        (status = 201, description = "Created; `Location` is set", body = Image),
        (status = 404, description = "InstanceNotFound", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn create_image(
    _admin: Admin,
    State(state): State<AppState>,
    Json(req): Json<CreateImage>,
) -> Result<Response, AppError> {
    let image = service::create_image(&state.store, req).await?;
    tracing::info!(id = %image.id, "image created");
    let location = format!("/api/v1/images/{}", image.id);
    let mut response = (StatusCode::CREATED, Json(image)).into_response();
    if let Ok(value) = location.parse() {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// Delete a custom image; the key pairs it carried may then be deleted.
#[utoipa::path(
    delete,
    path = "/api/v1/images/{id}",
    tag = "fleet",
    params(("id" = String, Path, description = "Image id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "ImageNotFound", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn delete_image(
    _admin: Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    service::delete_image(&state.store, &id).await?;
    tracing::info!(%id, "image deleted");
    Ok(StatusCode::NO_CONTENT)
}
