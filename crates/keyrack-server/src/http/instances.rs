//! `/instances`: the fleet, power, registration, and the authorized keys sshd asks for.

use axum::extract::{Path, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use keyrack_api::{
    AuthorizedKeysQuery, CreateInstance, CreatedInstance, ErrorBody, Instance, InstanceQuery,
    KeyLogin, List, LoginReport, PowerAction,
};

use super::extract::{Admin, Auth, InstanceAgent, Json, KeysReader, Query};
use super::state::AppState;
use crate::error::AppError;
use crate::service::fleet as service;
use crate::service::logins;
use crate::store::Store;

pub fn router() -> Router<AppState> {
    let router = Router::new()
        .route("/instances", get(list_instances).post(create_instance))
        .route("/instances/{id}", get(get_instance).delete(delete_instance));
    PowerAction::ALL
        .into_iter()
        .fold(router, |router, power| {
            router.route(
                &power.path("{id}"),
                post(change_power).layer(Extension(power)),
            )
        })
        // sshd waits on this one: its reads (the token's included) take the connections
        // reserved for agent lookups, whatever else holds the main pool.
        .route(
            "/instances/{id}/authorized_keys",
            get(get_authorized_keys).route_layer(middleware::from_fn(as_agent_lookup)),
        )
        .route("/instances/{id}/logins", post(report_login))
}

/// List instances.
#[utoipa::path(
    get,
    path = "/api/v1/instances",
    tag = "fleet",
    params(InstanceQuery),
    responses(
        (status = 200, description = "One page of instances", body = List<Instance>),
    ),
    security(("bearer" = []))
)]
pub async fn list_instances(
    _auth: Auth,
    State(state): State<AppState>,
    Query(query): Query<InstanceQuery>,
) -> Result<Json<List<Instance>>, AppError> {
    Ok(Json(service::list_instances(&state.store, query).await?))
}

/// Register an instance, such as a real host whose sshd will ask for its authorized keys.
///
/// The answer carries the instance's agent token, shown this once: the server keeps only
/// its hash. An unknown region is created, named after its id.
#[utoipa::path(
    post,
    path = "/api/v1/instances",
    tag = "fleet",
    request_body = CreateInstance,
    responses(
        (status = 201, description = "Registered; `Location` is set. `agent_token` is shown only here", body = CreatedInstance),
    ),
    security(("bearer" = []))
)]
pub async fn create_instance(
    _admin: Admin,
    State(state): State<AppState>,
    Json(req): Json<CreateInstance>,
) -> Result<Response, AppError> {
    let created = service::create_instance(&state.store, req).await?;
    tracing::info!(id = %created.instance.id, "instance registered");
    let location = format!("/api/v1/instances/{}", created.instance.id);
    let mut response = (StatusCode::CREATED, Json(created)).into_response();
    if let Ok(value) = location.parse() {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// Get one instance.
#[utoipa::path(
    get,
    path = "/api/v1/instances/{id}",
    tag = "fleet",
    params(("id" = String, Path, description = "Instance id")),
    responses(
        (status = 200, description = "The instance", body = Instance),
        (status = 404, description = "InstanceNotFound", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_instance(
    _auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Instance>, AppError> {
    Ok(Json(service::get_instance(&state.store, &id).await?))
}

/// Delete an instance, whatever its state. Its bindings and its agent token go with it;
/// the key pairs it held are not deleted.
#[utoipa::path(
    delete,
    path = "/api/v1/instances/{id}",
    tag = "fleet",
    params(("id" = String, Path, description = "Instance id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "InstanceNotFound", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn delete_instance(
    _admin: Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    service::delete_instance(&state.store, &id).await?;
    tracing::info!(%id, "instance deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// Starts or stops an instance, as its route says.
async fn change_power(
    _admin: Admin,
    Extension(power): Extension<PowerAction>,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Instance>, AppError> {
    let instance = service::change_power(&state.store, &id, state.transition_delay, power).await?;
    Ok(Json(instance))
}

// The document's two operations of `change_power`: utoipa describes one path per item, so
// each route has its own, with no code of its own.

/// Start an instance: `STOPPED` becomes `STARTING`, then `RUNNING` after the transition
/// delay. Starting one that is `STARTING` or `RUNNING` changes nothing (200).
#[utoipa::path(
    post,
    path = "/api/v1/instances/{id}/start",
    tag = "fleet",
    params(("id" = String, Path, description = "Instance id")),
    responses(
        (status = 200, description = "The instance, now STARTING (or as it was, when already starting or running)", body = Instance),
        (status = 404, description = "InstanceNotFound", body = ErrorBody),
        (status = 409, description = "InstanceStateConflict: it is STOPPING; `details.state`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[expect(
    dead_code,
    reason = "only its attribute is read: it documents `change_power`"
)]
pub fn start_instance() {}

/// Stop an instance: `RUNNING` becomes `STOPPING`, then `STOPPED` after the transition
/// delay. Stopping one that is `STOPPING` or `STOPPED` changes nothing (200).
#[utoipa::path(
    post,
    path = "/api/v1/instances/{id}/stop",
    tag = "fleet",
    params(("id" = String, Path, description = "Instance id")),
    responses(
        (status = 200, description = "The instance, now STOPPING (or as it was, when already stopping or stopped)", body = Instance),
        (status = 404, description = "InstanceNotFound", body = ErrorBody),
        (status = 409, description = "InstanceStateConflict: it is STARTING; `details.state`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[expect(
    dead_code,
    reason = "only its attribute is read: it documents `change_power`"
)]
pub fn stop_instance() {}

/// The instance's authorized keys, for sshd's `AuthorizedKeysCommand` (see `docs/sshd.md`).
///
/// One OpenSSH line per bound key pair: `<algorithm> <base64> keyrack:<key id> <key name>`,
/// led by `expiry-time="YYYYMMDDHHMMSSZ" ` (UTC) for a key with an `expires_at`: the last
/// second sshd accepts it, one second before `expires_at` (floored), since sshd refuses a key
/// only once that second is over. Keys past their expiry are not served at all.
/// With `fingerprint` (sshd's `%f`), only the line of the bound key with that fingerprint,
/// or an empty body: sshd asks once for every key a client offers, and each answer is one
/// indexed lookup. That instance's agent token (from `POST /instances`) reads it, and so does
/// an admin (the console's *Download authorized_keys*, byte for byte what sshd gets); viewer
/// and other instances' tokens get 403.
#[utoipa::path(
    get,
    path = "/api/v1/instances/{id}/authorized_keys",
    tag = "fleet",
    params(("id" = String, Path, description = "Instance id"), AuthorizedKeysQuery),
    responses(
        (status = 200, description = "authorized_keys lines, possibly none", body = String, content_type = "text/plain"),
        (status = 400, description = "InvalidParameter: `fingerprint` is not `SHA256:` and 43 base64 characters (rule `format`)", body = ErrorBody),
        (status = 403, description = "Forbidden: a viewer, or another instance's agent token", body = ErrorBody),
        (status = 404, description = "InstanceNotFound (an admin asking for an unknown instance)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_authorized_keys(
    reader: KeysReader,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<AuthorizedKeysQuery>,
) -> Result<Response, AppError> {
    let agent_of = match &reader {
        KeysReader::Agent { instance_id } => Some(instance_id.as_str()),
        KeysReader::Admin => None,
    };
    let lines = service::authorized_keys(&state.store, &id, agent_of, query).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        lines,
    )
        .into_response())
}

/// Runs the request as an agent lookup ([`Store::lookup`]).
async fn as_agent_lookup(req: Request, next: Next) -> Response {
    Store::lookup(next.run(req)).await
}

/// Report a completed sshd login with a bound key: what `docs/keyrack-authorized-keys.sh
/// --report-logins` sends for each `Accepted publickey` line sshd logs. Only the instance's agent token may
/// report; the time is the server's, when the report arrives.
#[utoipa::path(
    post,
    path = "/api/v1/instances/{id}/logins",
    tag = "fleet",
    params(("id" = String, Path, description = "Instance id")),
    request_body = LoginReport,
    responses(
        (status = 200, description = "Recorded: the key's last login on this instance", body = KeyLogin),
        (status = 400, description = "InvalidParameter: `fingerprint`, `user` or `client_address` breaks its rule", body = ErrorBody),
        (status = 403, description = "Forbidden: not this instance's agent token", body = ErrorBody),
        (status = 404, description = "KeyPairNotFound: no key with that fingerprint is bound to the instance", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn report_login(
    agent: InstanceAgent,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(report): Json<LoginReport>,
) -> Result<Json<KeyLogin>, AppError> {
    let login = logins::report(&state.store, &id, &agent.instance_id, report).await?;
    Ok(Json(login))
}
