//! The audit log: the middleware that records every write, and `GET /audit`.
//!
//! Recorded around the API routes rather than in each service: one place sees every write,
//! refused ones included (viewer, validation, conflicts, 413), with the status and error code
//! of its outcome, and no handler can forget it. It opens an [`AuditScope`] around the
//! handler; the authenticating extractor fills in the token's identity, and a write that
//! changes anything commits its entry in the same transaction as the change (the store's
//! `commit_audited`), so no change is ever applied without its entry. A refusal changes
//! nothing and is recorded here after the answer, in its own transaction. Refusals of
//! requests without a valid token are only counted (see `refusals`): a flood of them adds a
//! bounded number of entries, and so are an instance agent's refused requests (per token).
//! It runs in the request's detached task (see `detach`): a write whose client gave up or
//! timed out still finishes and is recorded with its real outcome. Reads (GET, HEAD,
//! OPTIONS) are not recorded, but for exports (`RECORDED_READS`), which are recorded with
//! the query they ran with; bodies and tokens never are. A write that touches several ids
//! (an import, a batch delete) lists them all (`note_targets`).

use axum::extract::{MatchedPath, OriginalUri, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use keyrack_api::{AuditEntry, AuditQuery, ErrorCode, List, TokenRole};

use super::client::ClientAddr;
use super::extract::{Admin, Json, Query};
use super::state::AppState;
use crate::error::AppError;
use crate::service::audit as service;
use crate::store::{AuditScope, NewAuditEntry, TEXT_MAX_CHARS};

/// Reads recorded like writes: what leaves the server in bulk. Their entries carry the
/// query they ran with; an instance agent's lookups of its own keys are not recorded.
const RECORDED_READS: [&str; 3] = [
    "/api/v1/key-pairs/export.csv",
    "/api/v1/key-pairs/export.json",
    "/api/v1/instances/{id}/authorized_keys",
];

/// Runs an API request and, for a write or an export, records it.
pub async fn record(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let is_read = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    // Unknown routes are not writes of anything; their 404 is not recorded.
    let Some(route) = route else {
        return next.run(req).await;
    };
    let export = *req.method() == Method::GET && RECORDED_READS.contains(&route.as_str());
    if is_read && !export {
        return next.run(req).await;
    }
    let method = req.method().clone();
    // Inside `nest` the URI lost its `/api/v1` prefix; the matched route keeps it.
    let path = req
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| req.uri().path().to_owned(), |uri| uri.path().to_owned());
    let scope = AuditScope::new(NewAuditEntry {
        action: format!("{method} {route}"),
        target: target_from_path(&route, &path),
        status: success_status(&method, &route).as_u16(),
        client: req
            .extensions()
            .get::<ClientAddr>()
            .map(ToString::to_string),
        repeats: 1,
        detail: export.then(|| req.uri().query().unwrap_or_default().to_owned()),
        ..NewAuditEntry::default()
    });
    req.extensions_mut().insert(scope.clone());

    let response = scope.run(next.run(req)).await;

    let status = response.status().as_u16();
    let error_code = (status >= 400).then(|| {
        response
            .extensions()
            .get::<ErrorCode>()
            .map_or_else(|| "Unknown".to_owned(), ErrorCode::name)
    });
    let mut entry = scope.entry();
    let agent = matches!(entry.actor, Some((_, _, TokenRole::Agent)));
    let written = if let Some((id, targets_written)) = scope.written() {
        if status == entry.status && entry.targets.len() == targets_written {
            Ok(())
        } else {
            state
                .store
                .complete_audit_entry(id, status, error_code.as_deref(), &entry.targets)
                .await
        }
    } else if entry.actor.is_none() {
        let code = error_code.as_deref().unwrap_or("Unknown");
        state
            .refusals
            .count(entry.client.clone(), &entry.action, status, code);
        Ok(())
    } else if agent {
        // An agent's requests run unattended and can come by the thousand: its refusals
        // are counted per token and interval, and what it does succeed at leaves its own
        // record (a login report lives in `key_logins`, a lookup is only a read).
        if status >= 400 {
            entry.status = status;
            entry.error_code = error_code;
            state.refusals.count_agent(entry.clone());
        }
        Ok(())
    } else {
        entry.target = entry.target.or_else(|| {
            response
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|l| l.rsplit('/').next())
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
        });
        entry.status = status;
        entry.error_code = error_code;
        state.store.record_audit(&entry).await
    };
    if let Err(e) = written {
        // The answer is decided; failing it now would lie about it. Log loudly instead.
        tracing::error!(error = %e, action = %entry.action, "could not record an audit entry");
    }
    response
}

/// What a route answers when its write succeeds: `201` for the creates (a POST to a
/// collection), `204` for deletes, `200` otherwise. The entry a write commits carries it;
/// an answer that differs corrects it afterwards.
fn success_status(method: &Method, route: &str) -> StatusCode {
    const CREATES: [&str; 4] = [
        "/api/v1/key-pairs",
        "/api/v1/instances",
        "/api/v1/images",
        "/api/v1/tokens",
    ];
    if *method == Method::DELETE {
        StatusCode::NO_CONTENT
    } else if *method == Method::POST && CREATES.contains(&route) {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
}

/// The value of the route's `{id}` segment in the path, if the route has one.
fn target_from_path(route: &str, path: &str) -> Option<String> {
    let position = route.split('/').position(|segment| segment == "{id}")?;
    path.split('/')
        .nth(position)
        .filter(|id| !id.is_empty())
        .map(|id| id.chars().take(TEXT_MAX_CHARS).collect())
}

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
