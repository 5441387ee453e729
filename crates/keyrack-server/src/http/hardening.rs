//! The HTTP edge's defences: security headers, the per-token rate limit, request timeouts and
//! the optional CORS policy. `app` puts them around every route, SPA included.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use keyrack_api::ErrorCode;
use sha2::{Digest, Sha256};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::AppState;
use crate::error::AppError;

/// The Content-Security-Policy of everything the server serves: only its own scripts (WASM
/// compiled by the browser, no inline script), its own styles, no plugins, no framing.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// Sets the security headers on every response, errors and static files included.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
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

/// A token bucket per bearer token: `burst` requests at once, refilled at `per_minute`.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<[u8; 32], Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Buckets kept before idle (full) ones are dropped, so random tokens cannot grow the map
/// without bound.
const MAX_BUCKETS: usize = 10_000;

impl RateLimiter {
    /// `per_minute` requests a minute per token, in bursts of up to a tenth of that (at least
    /// 1). `None` for 0, which turns the limit off.
    pub fn new(per_minute: u32) -> Option<Self> {
        if per_minute == 0 {
            return None;
        }
        let per_minute = f64::from(per_minute);
        Some(Self {
            per_second: per_minute / 60.0,
            burst: (per_minute / 10.0).max(1.0),
            buckets: Mutex::new(HashMap::new()),
        })
    }

    /// Takes one request from `key`'s bucket, or says how many whole seconds until one is
    /// available.
    pub fn check(&self, key: [u8; 32], now: Instant) -> Result<(), u64> {
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_BUCKETS && !buckets.contains_key(&key) {
            let (per_second, burst) = (self.per_second, self.burst);
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_second < burst
            });
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / self.per_second;
            // Whole seconds, rounded up, at least 1: what Retry-After can say.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Err((wait.ceil() as u64).max(1))
        }
    }
}

/// Refuses a token's request with `429` and `Retry-After` when its bucket is empty. Keyed by
/// the token's SHA-256, so the map never holds a token. Requests without a bearer token (the
/// SPA's files, `/healthz`) are not limited. Refusals here are not in the audit log: they
/// happen before the token is looked up, and recording a flood would amplify it.
pub async fn rate_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if let Some(limiter) = &state.rate_limiter {
        let bearer = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .filter(|token| !token.is_empty());
        if let Some(token) = bearer {
            let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
            if let Err(retry_after_secs) = limiter.check(key, Instant::now()) {
                return AppError::from(ErrorCode::RateLimited { retry_after_secs }).into_response();
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_a_burst_then_refills() {
        let limiter = RateLimiter::new(60).expect("on");
        let t0 = Instant::now();
        for _ in 0..6 {
            assert_eq!(limiter.check([1; 32], t0), Ok(()));
        }
        assert_eq!(limiter.check([1; 32], t0), Err(1));
        // Another token has its own bucket.
        assert_eq!(limiter.check([2; 32], t0), Ok(()));
        // One per second comes back.
        assert_eq!(limiter.check([1; 32], t0 + Duration::from_secs(1)), Ok(()));
        assert_eq!(limiter.check([1; 32], t0 + Duration::from_secs(1)), Err(1));
    }

    #[test]
    fn zero_turns_it_off() {
        assert!(RateLimiter::new(0).is_none());
    }
}
