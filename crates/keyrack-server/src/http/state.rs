//! What every handler may use: the state `app` hands to each route and middleware.

use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderValue;

use super::limits::Limits;
use super::refusals::RefusalCounter;
use crate::store::Store;

/// The default request timeout.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What every handler may use.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Most key pairs this deployment may hold.
    pub key_pair_quota: u64,
    /// How long STOPPING and STARTING last.
    pub transition_delay: Duration,
    /// How long a request may take before it is abandoned with 503.
    pub request_timeout: Duration,
    /// The rate limits.
    pub limits: Arc<Limits>,
    /// Refusals of requests without a valid token, counted until the next audit entry.
    pub refusals: Arc<RefusalCounter>,
    /// The one origin allowed cross-origin requests; no CORS at all when `None`.
    pub cors_origin: Option<HeaderValue>,
    /// Whether answers carry `Strict-Transport-Security` ([`HSTS`](super::HSTS)): set when the server
    /// speaks HTTPS itself (`--tls-cert`), never on plain HTTP.
    pub hsts: bool,
}

impl AppState {
    /// State with the defaults: 30 s timeout, no rate limits, no CORS, no HSTS.
    pub fn new(store: Store, key_pair_quota: u64, transition_delay: Duration) -> Self {
        Self {
            store,
            key_pair_quota,
            transition_delay,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            limits: Arc::default(),
            refusals: Arc::default(),
            cors_origin: None,
            hsts: false,
        }
    }
}
