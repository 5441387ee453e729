//! `/key-pairs`.

use axum::extract::DefaultBodyLimit;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use keyrack_api::{
    BatchDeleteRequest, BatchDeleteResponse, CreateKeyPair, ErrorBody, ImportRequest,
    ImportResponse, KeyLogins, KeyPair, KeyPairQuery, List, ReplaceTags, UpdateKeyPair,
    IMPORT_MAX_BYTES,
};

use super::extract::{Admin, Auth, IfMatch, Json, Query};
use super::state::AppState;
use crate::error::AppError;
use crate::service::export;
use crate::service::import;
use crate::service::key_pairs as service;
use crate::service::logins;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/key-pairs", get(list_key_pairs).post(create_key_pair))
        .route("/key-pairs/batch-delete", post(batch_delete_key_pairs))
        // A whole authorized_keys file: up to 1,000 lines of the longest keys.
        .route(
            "/key-pairs/import",
            post(import_key_pairs).layer(DefaultBodyLimit::max(IMPORT_MAX_BYTES + 64 * 1024)),
        )
        // Static routes: matched before `/key-pairs/{id}`, and no key id has a dot.
        .route("/key-pairs/export.csv", get(export_key_pairs_csv))
        .route("/key-pairs/export.json", get(export_key_pairs_json))
        .route(
            "/key-pairs/{id}",
            get(get_key_pair)
                .patch(update_key_pair)
                .delete(delete_key_pair),
        )
        .route("/key-pairs/{id}/tags", put(replace_key_pair_tags))
        .route("/key-pairs/{id}/logins", get(list_key_logins))
}

/// A key pair with its version as `ETag`.
fn with_etag(status: StatusCode, key_pair: KeyPair) -> Response {
    (
        status,
        [(header::ETAG, etag(key_pair.version))],
        Json(key_pair),
    )
        .into_response()
}

/// `"<version>"`, the value of `ETag`.
fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// List key pairs.
#[utoipa::path(
    get,
    path = "/api/v1/key-pairs",
    tag = "key-pairs",
    params(KeyPairQuery),
    responses(
        (status = 200, description = "One page of key pairs", body = List<KeyPair>),
    ),
    security(("bearer" = []))
)]
pub async fn list_key_pairs(
    _auth: Auth,
    State(state): State<AppState>,
    Query(query): Query<KeyPairQuery>,
) -> Result<Json<List<KeyPair>>, AppError> {
    Ok(Json(service::list(&state.store, query).await?))
}

/// Every key pair of a filtered view as CSV: the list's filters and order, all pages.
#[utoipa::path(
    get,
    path = "/api/v1/key-pairs/export.csv",
    tag = "key-pairs",
    params(KeyPairQuery),
    responses(
        (status = 200, description = "A CSV file: a header line, then one row per key pair (tags as key=value lines; cells that start like a formula get a leading ')", body = String, content_type = "text/csv"),
        (status = 400, description = "InvalidParameter: a filter parameter", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn export_key_pairs_csv(
    _auth: Auth,
    State(state): State<AppState>,
    Query(query): Query<KeyPairQuery>,
) -> Result<Response, AppError> {
    export(state, query, export::Format::Csv)
}

/// Every key pair of a filtered view as a JSON array of key pairs.
#[utoipa::path(
    get,
    path = "/api/v1/key-pairs/export.json",
    tag = "key-pairs",
    params(KeyPairQuery),
    responses(
        (status = 200, description = "A JSON array of every matching key pair", body = Vec<KeyPair>),
        (status = 400, description = "InvalidParameter: a filter parameter", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn export_key_pairs_json(
    _auth: Auth,
    State(state): State<AppState>,
    Query(query): Query<KeyPairQuery>,
) -> Result<Response, AppError> {
    export(state, query, export::Format::Json)
}

fn export(
    state: AppState,
    query: KeyPairQuery,
    format: export::Format,
) -> Result<Response, AppError> {
    let body = export::key_pairs(state.store.clone(), query, format)?;
    let disposition = format!("attachment; filename=\"{}\"", format.file_name());
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        axum::body::Body::from_stream(body),
    )
        .into_response())
}

/// Register a public key as a new key pair.
#[utoipa::path(
    post,
    path = "/api/v1/key-pairs",
    tag = "key-pairs",
    request_body = CreateKeyPair,
    responses(
        (status = 201, description = "Created; `Location` and `ETag` are set", body = KeyPair),
        (status = 400, description = "InvalidRequest, InvalidParameter or PublicKeyInvalid", body = ErrorBody),
        (status = 409, description = "KeyPairNameDuplicate, PublicKeyDuplicate or KeyPairLimitExceeded", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn create_key_pair(
    _admin: Admin,
    State(state): State<AppState>,
    Json(req): Json<CreateKeyPair>,
) -> Result<Response, AppError> {
    let key_pair = service::create(&state.store, state.key_pair_quota, req).await?;
    tracing::info!(id = %key_pair.id, "key pair created");
    let location = format!("/api/v1/key-pairs/{}", key_pair.id);
    let mut response = with_etag(StatusCode::CREATED, key_pair);
    if let Ok(value) = location.parse() {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// Import the keys of an `authorized_keys` file: a preview (`dry_run`) or the import of the
/// selected new lines, with one result per line.
#[utoipa::path(
    post,
    path = "/api/v1/key-pairs/import",
    tag = "key-pairs",
    request_body = ImportRequest,
    responses(
        (status = 200, description = "One result per line of the file", body = ImportResponse),
        (status = 400, description = "InvalidRequest, InvalidParameter (the file's size, a chosen name, expires_at) or PolicyViolation (expires_at)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn import_key_pairs(
    _admin: Admin,
    State(state): State<AppState>,
    Json(req): Json<ImportRequest>,
) -> Result<Json<ImportResponse>, AppError> {
    let response = import::import(&state.store, state.key_pair_quota, req).await?;
    Ok(Json(response))
}

/// Get one key pair.
#[utoipa::path(
    get,
    path = "/api/v1/key-pairs/{id}",
    tag = "key-pairs",
    params(("id" = String, Path, description = "Key pair id")),
    responses(
        (status = 200, description = "The key pair; `ETag` is its version", body = KeyPair),
        (status = 404, description = "KeyPairNotFound", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_key_pair(
    _auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let key_pair = service::get(&state.store, &id).await?;
    Ok(with_etag(StatusCode::OK, key_pair))
}

/// The key pair's last login on each instance it ever logged in to, newest first (see
/// `POST /instances/{id}/logins`).
#[utoipa::path(
    get,
    path = "/api/v1/key-pairs/{id}/logins",
    tag = "key-pairs",
    params(("id" = String, Path, description = "Key pair id")),
    responses(
        (status = 200, description = "One login per instance, possibly none", body = KeyLogins),
        (status = 404, description = "KeyPairNotFound", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_key_logins(
    _auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<KeyLogins>, AppError> {
    Ok(Json(logins::of_key(&state.store, &id).await?))
}

/// Rename and/or redescribe a key pair.
#[utoipa::path(
    patch,
    path = "/api/v1/key-pairs/{id}",
    tag = "key-pairs",
    params(
        ("id" = String, Path, description = "Key pair id"),
        ("If-Match" = Option<String>, Header, description = "The version last seen, such as \"3\""),
    ),
    request_body = UpdateKeyPair,
    responses(
        (status = 200, description = "Changed; `ETag` is the new version", body = KeyPair),
        (status = 404, description = "KeyPairNotFound", body = ErrorBody),
        (status = 409, description = "KeyPairNameDuplicate", body = ErrorBody),
        (status = 412, description = "PreconditionFailed", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn update_key_pair(
    _admin: Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    Json(req): Json<UpdateKeyPair>,
) -> Result<Response, AppError> {
    let key_pair = service::update(&state.store, &id, expected, req).await?;
    Ok(with_etag(StatusCode::OK, key_pair))
}

/// Replace a key pair's tags.
#[utoipa::path(
    put,
    path = "/api/v1/key-pairs/{id}/tags",
    tag = "key-pairs",
    params(
        ("id" = String, Path, description = "Key pair id"),
        ("If-Match" = Option<String>, Header, description = "The version last seen, such as \"3\""),
    ),
    request_body = ReplaceTags,
    responses(
        (status = 200, description = "Replaced; `ETag` is the new version", body = KeyPair),
        (status = 404, description = "KeyPairNotFound", body = ErrorBody),
        (status = 412, description = "PreconditionFailed", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn replace_key_pair_tags(
    _admin: Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    Json(req): Json<ReplaceTags>,
) -> Result<Response, AppError> {
    let key_pair = service::replace_tags(&state.store, &id, expected, req).await?;
    Ok(with_etag(StatusCode::OK, key_pair))
}

/// Delete a key pair that no instance or image references.
#[utoipa::path(
    delete,
    path = "/api/v1/key-pairs/{id}",
    tag = "key-pairs",
    params(("id" = String, Path, description = "Key pair id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "KeyPairNotFound", body = ErrorBody),
        (status = 409, description = "KeyPairInUse or KeyPairReferencedByImage", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn delete_key_pair(
    _admin: Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    service::delete(&state.store, &id).await?;
    tracing::info!(%id, "key pair deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// Delete several key pairs, keeping those still referenced.
#[utoipa::path(
    post,
    path = "/api/v1/key-pairs/batch-delete",
    tag = "key-pairs",
    request_body = BatchDeleteRequest,
    responses(
        (status = 200, description = "One outcome per distinct id, in the order given", body = BatchDeleteResponse),
    ),
    security(("bearer" = []))
)]
pub async fn batch_delete_key_pairs(
    _admin: Admin,
    State(state): State<AppState>,
    Json(req): Json<BatchDeleteRequest>,
) -> Result<Json<BatchDeleteResponse>, AppError> {
    let response = service::batch_delete(&state.store, req).await?;
    tracing::info!(deleted = response.deleted(), "batch delete");
    Ok(Json(response))
}
