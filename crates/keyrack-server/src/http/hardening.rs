//! The HTTP edge's defences: security headers, request timeouts, bounded query strings and
//! the optional CORS policy. `app` puts them around every route, SPA included; the rate
//! limits are in `rate_limit`.

use std::time::Duration;

use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use keyrack_api::ErrorCode;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::error::AppError;

/// The Content-Security-Policy of everything the server serves: only its own scripts (WASM
/// compiled by the browser, no inline script), its own styles, no plugins, no framing.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// Sets the security headers on every response, errors and static files included, and keeps
/// every API answer out of caches: some carry secrets (a new token, an instance's agent
/// token, `authorized_keys`), and none is worth keeping.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let is_api = is_api(req.uri().path());
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    if is_api {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// Runs `fut` for at most `limit`; past it, `fut` is dropped and the request answered `503`
/// with the JSON error. API requests await a spawned task here (see `detach`), so what is
/// dropped is only the wait: their database work still finishes.
pub async fn with_timeout(
    limit: Duration,
    fut: impl std::future::Future<Output = Response>,
) -> Response {
    match tokio::time::timeout(limit, fut).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(?limit, "request timed out");
            AppError::from(ErrorCode::RequestTimeout).into_response()
        }
    }
}

/// Whether `path` is the API's (everything else is the SPA's).
pub fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// Refuses an API request whose query string breaks the bounds every query shares (see
/// `keyrack_api::query_pairs`: at most 64 parameters, each once, `q` at most 256
/// characters) before any other work: no token lookup, no database. Reading a query costs
/// time linear in its length, so a hostile 64 KB one costs what a normal request does.
pub async fn bounded_query(req: Request, next: Next) -> Response {
    if is_api(req.uri().path()) {
        if let Err(e) = keyrack_api::query_pairs(req.uri().query().unwrap_or_default()) {
            return AppError::from(e).into_response();
        }
    }
    next.run(req).await
}

/// CORS for exactly one origin; without one there is no CORS layer at all, so browsers keep
/// other sites out.
pub fn cors(origin: HeaderValue) -> CorsLayer {
    CorsLayer::new()
        // A list of one: the header is sent only to that origin, never to others.
        .allow_origin(AllowOrigin::list([origin]))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            HeaderName::from_static("www-authenticate"),
        ])
        .max_age(Duration::from_secs(600))
}
