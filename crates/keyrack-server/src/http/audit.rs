//! The audit log: the middleware that records every write, and `GET /audit`.
//!
//! Recorded as a middleware around the API routes rather than in each service: one place
//! sees every write, refused ones included (bad token, viewer, validation, conflicts, 413),
//! with the status and error code of its outcome, and no handler can forget it. It runs in
//! the request's detached task (see `detach`): a write whose client gave up or timed out
//! (`503` to the client) still finishes and is recorded with its real outcome. The
//! authenticating extractor leaves the token's identity in an [`ActorSlot`]. The entry is
//! written after the answer is ready and before it is sent, in its own transaction; a crash
//! between the two loses the entry, never the write's own atomicity.
//! Reads (GET, HEAD, OPTIONS) are not recorded; bodies and tokens never are.

use std::sync::{Arc, Mutex};

use axum::extract::{MatchedPath, OriginalUri, Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use keyrack_api::{AuditEntry, AuditQuery, ErrorCode, List, TokenRole};

use super::extract::{Admin, Json, Query};
use super::AppState;
use crate::error::AppError;
use crate::service::audit as service;
use crate::store::NewAuditEntry;

/// Who made the request, filled in by the extractor that authenticates it.
#[derive(Debug, Clone, Default)]
pub struct ActorSlot(Arc<Mutex<Option<(String, String, TokenRole)>>>);

impl ActorSlot {
    /// Records the authenticated token.
    pub fn set(&self, id: &str, name: &str, role: TokenRole) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some((id.to_owned(), name.to_owned(), role));
        }
    }

    fn take(&self) -> Option<(String, String, TokenRole)> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}

/// Runs an API request and, for a write, records it.
pub async fn record(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let is_write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    // Unknown routes are not writes of anything; their 404 is not recorded.
    let (true, Some(route)) = (is_write, route) else {
        return next.run(req).await;
    };
    let method = req.method().clone();
    // Inside `nest` the URI lost its `/api/v1` prefix; the matched route keeps it.
    let path = req
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| req.uri().path().to_owned(), |uri| uri.path().to_owned());
    let path_target = target_from_path(&route, &path);
    let slot = ActorSlot::default();
    req.extensions_mut().insert(slot.clone());

    let response = next.run(req).await;

    let status = response.status().as_u16();
    let target = path_target.or_else(|| {
        response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|l| l.rsplit('/').next())
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
    });
    let error_code = (status >= 400).then(|| {
        response
            .extensions()
            .get::<ErrorCode>()
            .map_or_else(|| "Unknown".to_owned(), ErrorCode::name)
    });
    let entry = NewAuditEntry {
        actor: slot.take(),
        action: format!("{method} {route}"),
        target,
        status,
        error_code,
    };
    if let Err(e) = state.store.record_audit(&entry).await {
        // The write itself is done; failing it now would lie about it. Log loudly instead.
        tracing::error!(error = %e, action = %entry.action, "could not record an audit entry");
    }
    response
}

/// The value of the route's `{id}` segment in the path, if the route has one.
fn target_from_path(route: &str, path: &str) -> Option<String> {
    let position = route.split('/').position(|segment| segment == "{id}")?;
    path.split('/')
        .nth(position)
        .filter(|id| !id.is_empty())
        .map(|id| id.chars().take(TARGET_MAX_CHARS).collect())
}

/// A target longer than any id is cut: the log stays small, and PostgreSQL's index on it
/// refuses entries over about 2,700 bytes.
const TARGET_MAX_CHARS: usize = 128;

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(list_audit))
}

/// The audit log, newest first (admins only).
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "admin",
    params(AuditQuery),
    responses(
        (status = 200, description = "One page of audit entries, newest first", body = List<AuditEntry>),
    ),
    security(("bearer" = []))
)]
pub async fn list_audit(
    _admin: Admin,
    State(state): State<AppState>,
    Query(query): Query<AuditQuery>,
) -> Result<Json<List<AuditEntry>>, AppError> {
    Ok(Json(service::list(&state.store, query).await?))
}

#[cfg(test)]
mod tests {
    use super::target_from_path;

    #[test]
    fn target_is_the_id_segment() {
        assert_eq!(
            target_from_path(
                "/api/v1/key-pairs/{id}/bind",
                "/api/v1/key-pairs/skey-1/bind"
            ),
            Some("skey-1".to_owned())
        );
        let long = format!("/api/v1/key-pairs/{}", "x".repeat(5000));
        assert_eq!(
            target_from_path("/api/v1/key-pairs/{id}", &long).map(|t| t.len()),
            Some(128)
        );
        assert_eq!(
            target_from_path("/api/v1/key-pairs", "/api/v1/key-pairs"),
            None
        );
    }
}
