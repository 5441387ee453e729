//! The rate limits, applied before any handler (the SPA's files are not limited), and the
//! client's address noted for the handlers and the audit log.
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

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use keyrack_api::ErrorCode;
use sha2::{Digest, Sha256};

use super::bearer::{bearer_token, Authenticated};
use super::client::{self, ClientAddr};
use super::hardening::is_api;
use super::state::AppState;
use crate::error::AppError;
use crate::service::tokens;
use crate::store::{Store, TokenRecord};

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
