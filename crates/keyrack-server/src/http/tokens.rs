//! `/tokens`: admins manage bearer tokens. A token is shown once, when it is made.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::Router;
use keyrack_api::{CreateToken, CreatedToken, ErrorBody, List, TokenInfo};

use super::extract::{Admin, Auth, Json};
use super::state::AppState;
use crate::error::AppError;
use crate::service::tokens as service;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}", delete(revoke_token))
        .route("/me", get(me))
}

/// The token this request is signed with: its id, name and role. The console reads it to
/// know what to offer (a viewer sees no write actions; only admins see Tokens and Audit).
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "admin",
    responses(
        (status = 200, description = "The caller's token (never the token itself)", body = TokenInfo),
    ),
    security(("bearer" = []))
)]
pub async fn me(auth: Auth, State(state): State<AppState>) -> Result<Json<TokenInfo>, AppError> {
    Ok(Json(service::me(&state.store, &auth.token_id).await?))
}

/// List tokens (never the tokens themselves), revoked ones included.
#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    tag = "admin",
    responses(
        (status = 200, description = "Every token", body = List<TokenInfo>),
    ),
    security(("bearer" = []))
)]
pub async fn list_tokens(
    _admin: Admin,
    State(state): State<AppState>,
) -> Result<Json<List<TokenInfo>>, AppError> {
    let items = service::list(&state.store).await?;
    Ok(Json(List {
        total: items.len() as u64,
        items,
    }))
}

/// Make an admin or viewer token. The answer is the only time the token is shown.
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    tag = "admin",
    request_body = CreateToken,
    responses(
        (status = 201, description = "Created; `token` is shown only here", body = CreatedToken),
        (status = 400, description = "A field breaks its rule (InvalidParameter)", body = ErrorBody),
        (status = 409, description = "A valid admin or viewer token has this name (TokenNameDuplicate)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn create_token(
    _admin: Admin,
    State(state): State<AppState>,
    Json(req): Json<CreateToken>,
) -> Result<Response, AppError> {
    let created = service::create(&state.store, req).await?;
    tracing::info!(id = %created.info.id, role = %created.info.role, "token created");
    let location = format!("/api/v1/tokens/{}", created.info.id);
    let mut response = (
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, "no-store")],
        Json(created),
    )
        .into_response();
    if let Ok(value) = location.parse() {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// Revoke a token. It stops working at once, on the running server.
#[utoipa::path(
    delete,
    path = "/api/v1/tokens/{id}",
    tag = "admin",
    params(("id" = String, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked (or revoked already)"),
        (status = 404, description = "No such token (NotFound)", body = ErrorBody),
        (status = 409, description = "The last valid admin token (LastAdminToken)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn revoke_token(
    _admin: Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    service::revoke(&state.store, &id).await?;
    tracing::info!(%id, "token revoked");
    Ok(StatusCode::NO_CONTENT)
}
