//! The HTTP edge's defences: security headers, the rate limits, request timeouts and the
//! optional CORS policy. `app` puts them around every route, SPA included.
//!
//! Rate limits, by who asks:
//! - a token that has signed in before draws on its own bucket, sized by its role: people's
//!   tokens (`--rate-limit-per-minute`) or instance agents (`--agent-rate-limit-per-minute`,
//!   larger: sshd asks once for every key a client offers, so anyone who can reach port 22
//!   makes the agent ask, and a small budget would let them lock out every login); an
//!   agent's writes (login reports, one per login) draw on a second, smaller bucket as well
//!   (`--agent-report-rate-limit-per-minute`), so a host flooding reports is refused before
//!   its reports cost database work;
//! - everything else (no token, an unknown or revoked one) draws on its client address's
//!   bucket (`--unauthenticated-rate-limit-per-minute`), charged for each `401`. Buckets for
//!   tokens are only made once a token proved valid, so random tokens cannot grow memory.
//!
//! A token without a bucket yet (after a restart, on a new replica) is looked up before the
//! address bucket is consulted, so junk from a shared address (a NAT, a load balancer
//! without `--trusted-proxy`) never locks a valid token out. The price is one indexed lookup
//! for each junk token, which the address bucket does not spare.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use keyrack_api::ErrorCode;
use sha2::{Digest, Sha256};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::client::{self, ClientAddr};
use super::AppState;
use crate::error::AppError;
use crate::service::tokens;
use crate::store::{Store, TokenRecord};
use keyrack_api::TokenRole;

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

/// A token bucket per key (a token's hash, a client's address): `burst` requests at once,
/// refilled at `per_minute`.
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

/// Buckets kept before idle (full) ones are dropped. When none is idle, new keys share one
/// overflow bucket: memory stays bounded whatever the keys, and keys already tracked keep
/// their own budget.
const MAX_BUCKETS: usize = 10_000;

/// The key of the overflow bucket (no token hash or address key starts with 0xff…ff).
const OVERFLOW: [u8; 32] = [0xff; 32];

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
        let mut buckets = self.lock();
        let key = self.make_room(&mut buckets, key, now);
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        self.take(bucket, now)
    }

    /// Like [`check`](Self::check) for a key that has a bucket; `None` (and nothing taken)
    /// for one that has none.
    pub fn check_existing(&self, key: [u8; 32], now: Instant) -> Option<Result<(), u64>> {
        let mut buckets = self.lock();
        let bucket = buckets.get_mut(&key)?;
        Some(self.take(bucket, now))
    }

    /// Whether `key` could make a request now, without taking one.
    pub fn has_room(&self, key: [u8; 32], now: Instant) -> Result<(), u64> {
        let buckets = self.lock();
        let key = if buckets.contains_key(&key) || buckets.len() < MAX_BUCKETS {
            key
        } else {
            OVERFLOW
        };
        match buckets.get(&key) {
            None => Ok(()),
            Some(bucket) => {
                let mut bucket = *bucket;
                self.take(&mut bucket, now)
            }
        }
    }

    /// How many buckets are kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Bucket>> {
        self.buckets.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The key to charge: `key`, once there is room for its bucket; the overflow bucket when
    /// the map is full of busy ones.
    fn make_room(
        &self,
        buckets: &mut HashMap<[u8; 32], Bucket>,
        key: [u8; 32],
        now: Instant,
    ) -> [u8; 32] {
        if buckets.len() < MAX_BUCKETS || buckets.contains_key(&key) {
            return key;
        }
        let (per_second, burst) = (self.per_second, self.burst);
        buckets.retain(|k, b| {
            *k == OVERFLOW
                || b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_second < burst
        });
        if buckets.len() < MAX_BUCKETS {
            key
        } else {
            OVERFLOW
        }
    }

    fn take(&self, bucket: &mut Bucket, now: Instant) -> Result<(), u64> {
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

/// The server's rate limits; each is `None` when turned off.
#[derive(Debug, Default)]
pub struct Limits {
    /// People's tokens (admin, viewer), per token.
    pub people: Option<RateLimiter>,
    /// Instance agents' tokens, per token.
    pub agents: Option<RateLimiter>,
    /// Instance agents' writes (login reports), per token, on top of `agents`: a host
    /// reports one login per login, far fewer than sshd's lookups, and each report costs
    /// database work, so a host flooding reports is held off before any.
    pub agent_reports: Option<RateLimiter>,
    /// Requests without a valid token, per client address, charged for each refusal.
    pub clients: Option<RateLimiter>,
    /// Read the client from `X-Forwarded-For` (behind a proxy the operator runs).
    pub trusted_proxy: bool,
}

impl Limits {
    /// A token's bucket, if it signed in before: `Some(result)` of taking from it, and for
    /// an agent's write from its reports' bucket too.
    fn check_token(&self, key: [u8; 32], write: bool, now: Instant) -> Option<Result<(), u64>> {
        if let Some(taken) = self
            .people
            .as_ref()
            .and_then(|l| l.check_existing(key, now))
        {
            return Some(taken);
        }
        let taken = self.agents.as_ref()?.check_existing(key, now)?;
        Some(taken.and_then(|()| self.check_report(key, write, now)))
    }

    /// A token proved valid: from now on it draws on its own bucket, this request first
    /// (and an agent's write on its reports' bucket too).
    fn admit(&self, key: [u8; 32], role: TokenRole, write: bool, now: Instant) -> Result<(), u64> {
        let limiter = match role {
            TokenRole::Agent => &self.agents,
            TokenRole::Admin | TokenRole::Viewer => &self.people,
        };
        if let Some(limiter) = limiter {
            // A fresh bucket: never empty on its first request.
            let _ = limiter.check(key, now);
        }
        match role {
            TokenRole::Agent => self.check_report(key, write, now),
            TokenRole::Admin | TokenRole::Viewer => Ok(()),
        }
    }

    /// An agent's write draws on its reports' bucket; its reads do not.
    fn check_report(&self, key: [u8; 32], write: bool, now: Instant) -> Result<(), u64> {
        match (&self.agent_reports, write) {
            (Some(reports), true) => reports.check(key, now),
            _ => Ok(()),
        }
    }
}

fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// Applies the rate limits (see the module's comment) and notes the client's address for
/// the handlers and the audit log. Refusals of requests without a valid token are counted
/// (see `refusals`), never written one by one: recording a flood would amplify it.
///
/// A bearer token is authenticated before any address-based limit applies: a valid token is
/// never refused because other clients at its address (the same NAT or load balancer, or an
/// attacker beside it) sent junk. The address bucket only holds requests without one.
pub async fn rate_limit(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let limits = &state.limits;
    let client = client::resolve(&req, limits.trusted_proxy);
    if let Some(ip) = client {
        req.extensions_mut().insert(ClientAddr(ip));
    }
    // The SPA's files are not limited: they cost nothing and carry no token.
    if !is_api(req.uri().path()) {
        return next.run(req).await;
    }
    let now = Instant::now();
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let token = bearer_token(req.headers()).map(str::to_owned);
    if let Some(token) = token {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        match limits.check_token(key, write, now) {
            Some(Ok(())) => return next.run(req).await,
            Some(Err(retry_after_secs)) => {
                return AppError::from(ErrorCode::RateLimited { retry_after_secs }).into_response();
            }
            // Not seen since this process started (a restart, a new replica): ask the store.
            None => match authenticate(&state, token, is_lookup(req.uri().path())).await {
                Ok(record) => {
                    if let Err(retry_after_secs) = limits.admit(key, record.role, write, now) {
                        return AppError::from(ErrorCode::RateLimited { retry_after_secs })
                            .into_response();
                    }
                    // The extractor takes it from here instead of asking the store again.
                    req.extensions_mut().insert(Authenticated(record));
                    return next.run(req).await;
                }
                Err(e) if e.code() == Some(&ErrorCode::Unauthorized) => {}
                Err(e) => return e.into_response(),
            },
        }
    }
    let client_key = client.map(client::limit_key);
    if let (Some(clients), Some(key)) = (&limits.clients, client_key) {
        if let Err(retry_after_secs) = clients.has_room(key, now) {
            let action = format!("{} {}", req.method(), req.uri().path());
            let refusal = ErrorCode::RateLimited { retry_after_secs };
            state.refusals.count(
                client.map(|ip| ip.to_string()),
                &action,
                429,
                &refusal.name(),
            );
            return AppError::from(refusal).into_response();
        }
    }
    let response = next.run(req).await;
    if response.status() == axum::http::StatusCode::UNAUTHORIZED {
        if let (Some(clients), Some(key)) = (&limits.clients, client_key) {
            let _ = clients.check(key, now);
        }
    }
    response
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

/// A token proved valid by the rate limiter, for the authenticating extractor.
#[derive(Debug, Clone)]
pub struct Authenticated(pub TokenRecord);

/// Whether `path` is an agent's lookup of its instance's keys, whose database work goes to
/// the connections reserved for it (see `Store::lookup`).
fn is_lookup(path: &str) -> bool {
    path.starts_with("/api/v1/instances/") && path.ends_with("/authorized_keys")
}

/// The store's answer for `token`, in a task of its own like every API request's database
/// work (see `detach`), within the request timeout; on the reserved connections for an
/// agent's lookup.
async fn authenticate(
    state: &AppState,
    token: String,
    lookup: bool,
) -> Result<TokenRecord, AppError> {
    let store = state.store.clone();
    let lookup = tokio::spawn(async move {
        let work = tokens::authenticate(&store, &token);
        if lookup {
            Store::lookup(work).await
        } else {
            work.await
        }
    });
    match tokio::time::timeout(state.request_timeout, lookup).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(e)) => Err(AppError::Internal(format!("the token lookup failed: {e}"))),
        Err(_) => Err(ErrorCode::RequestTimeout.into()),
    }
}

/// The bearer token of `Authorization: Bearer <token>`, if the request carries one: the one
/// reading of that header, for the rate limiter and the authenticating extractor.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
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

    #[test]
    fn memory_is_bounded_when_every_bucket_is_busy() {
        let limiter = RateLimiter::new(60).expect("on");
        let t0 = Instant::now();
        for i in 0..(MAX_BUCKETS as u32 + 5_000) {
            let mut key = [0; 32];
            key[..4].copy_from_slice(&i.to_le_bytes());
            let _ = limiter.check(key, t0);
        }
        // The map is full plus the shared overflow bucket; a tracked key keeps its own.
        assert_eq!(limiter.len(), MAX_BUCKETS + 1);
        assert!(limiter.check_existing([0; 32], t0).is_some());
        assert_eq!(limiter.has_room([9; 32], t0), Err(1));
    }

    #[test]
    fn has_room_takes_nothing() {
        let limiter = RateLimiter::new(10).expect("on");
        let t0 = Instant::now();
        assert_eq!(limiter.check([1; 32], t0), Ok(()));
        for _ in 0..5 {
            assert_eq!(limiter.has_room([1; 32], t0), Err(6));
        }
        assert_eq!(limiter.has_room([2; 32], t0), Ok(()));
        assert_eq!(limiter.len(), 1);
    }
}
