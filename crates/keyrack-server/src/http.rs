//! Routing and the HTTP edge: extraction, status codes, headers. Handlers are thin: they
//! extract, call one service function and shape the answer.

mod audit;
mod bearer;
mod bindings;
mod client;
mod detach;
mod extract;
mod hardening;
mod images;
mod instances;
mod key_pairs;
mod limits;
mod openapi;
mod policy;
mod rate_limit;
mod refusals;
mod regions;
mod state;
mod tokens;

use std::path::PathBuf;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower::ServiceExt as _;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

use keyrack_api::ErrorCode;

use crate::error::AppError;

pub use client::{ClientAddr, Peer};
pub use extract::{Admin, Auth, IfMatch, Json, KeysReader, Query};
pub use hardening::CONTENT_SECURITY_POLICY;
pub use limits::{Limits, RateLimiter};
pub use openapi::ApiDoc;
pub use refusals::RefusalCounter;
pub use state::{AppState, DEFAULT_REQUEST_TIMEOUT};

/// Largest request body, 64 KiB. A public key is at most 16 KiB; a full tag set of 50 tags
/// of 127 + 255 characters fits unless most of its characters take 3–4 bytes in UTF-8.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// The whole application: `/healthz` and `/readyz`, the API under `/api/v1`, and the SPA from `dist` (when
/// given) for every other GET.
pub fn app(state: AppState, dist: Option<PathBuf>) -> Router {
    let api = Router::new()
        .merge(key_pairs::router())
        .merge(bindings::router())
        .merge(regions::router())
        .merge(instances::router())
        .merge(images::router())
        .merge(tokens::router())
        .merge(audit::router())
        .merge(policy::router())
        .merge(openapi::router())
        // After the routes: it applies to the routes present when it is called.
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        // Inside the router, where the matched route is known: the audit log.
        .layer(middleware::from_fn_with_state(state.clone(), audit::record))
        // Around it (a later layer is outer): the request timeout, and inside it a spawned
        // task for everything that touches the database (authentication, audit, handler), so
        // a client that goes away or a timeout never cancels database work halfway.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            detach::run_detached,
        ));

    let spa = dist.map(|dir| {
        let index = dir.join("index.html");
        // A deep link such as /keys/skey-… is not a file: it gets index.html with 200 and the
        // SPA's router takes over. `cargo xtask` writes `.br` and `.gz` beside each file;
        // a browser that accepts one gets it, others the file itself.
        ServeDir::new(dir)
            .precompressed_br()
            .precompressed_gzip()
            .fallback(
                ServeFile::new(index)
                    .precompressed_br()
                    .precompressed_gzip(),
            )
    });

    let timeout = state.request_timeout;
    let mut router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .nest("/api/v1", api)
        .fallback(move |req: Request| {
            let spa = spa.clone();
            async move {
                match spa {
                    Some(spa) if !hardening::is_api(req.uri().path()) => {
                        hardening::with_timeout(timeout, async move {
                            match spa.oneshot(req).await {
                                Ok(response) => response.into_response(),
                                Err(never) => match never {},
                            }
                        })
                        .await
                    }
                    // Unknown API routes (and everything, without a SPA) get the JSON 404.
                    _ => AppError::from(ErrorCode::NotFound { id: None }).into_response(),
                }
            }
        })
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            rate_limit::rate_limit,
        ))
        // Before the rate limiter's token lookup: a hostile query string costs nothing more.
        .layer(middleware::from_fn(hardening::bounded_query));
    // Outside the rate limit, so that preflights are never limited; inside the headers.
    if let Some(origin) = state.cors_origin.clone() {
        router = router.layer(hardening::cors(origin));
    }
    router = router.layer(middleware::from_fn(hardening::security_headers));
    // Outermost but for tracing, so every answer has it, refusals and 429s included.
    if state.hsts {
        router = router.layer(middleware::from_fn(strict_transport_security));
    }
    router.layer(TraceLayer::new_for_http()).with_state(state)
}

/// `Strict-Transport-Security` of a server that speaks HTTPS itself: browsers that saw it
/// use only HTTPS to this host for a year. Not `includeSubDomains`: other hosts of the domain
/// are not Keyrack's to decide.
pub const HSTS: &str = "max-age=31536000";

async fn strict_transport_security(request: Request, next: middleware::Next) -> Response {
    let mut response = next.run(request).await;
    response.headers_mut().insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static(HSTS),
    );
    response
}

async fn healthz() -> &'static str {
    "ok"
}

/// How long `/readyz` waits for the database's answer.
pub const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// `/readyz`: 200 when the database answers `SELECT 1` within [`READY_TIMEOUT`], else `503
/// DatabaseUnavailable`, so a load balancer takes a replica that lost its database out of
/// rotation (`/healthz` says only that the process serves). It runs on the connections
/// reserved for agent lookups: a main pool busy with exports is not a lost database.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping(READY_TIMEOUT).await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: the database does not answer");
            AppError::refuse(
                ErrorCode::DatabaseUnavailable,
                "the database cannot be reached from this replica",
            )
            .into_response()
        }
    }
}

async fn not_found() -> Response {
    AppError::from(ErrorCode::NotFound { id: None }).into_response()
}

async fn method_not_allowed() -> Response {
    AppError::from(ErrorCode::MethodNotAllowed).into_response()
}
