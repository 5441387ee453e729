//! What serving does before it listens: open and migrate the database, register the
//! bootstrap token, settle interrupted transitions, seed the demo, and turn the flags into an
//! [`AppState`]. The binary and the in-process tests start the same way.

use std::sync::Arc;
use std::time::Duration;

use crate::config::{Cli, ServeArgs};
use crate::http::{AppState, Limits, RateLimiter};
use crate::service::tokens;
use crate::{demo, Store};

/// Any startup failure, as the binary reports it.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Readies the database of `cli` for serving with `args` and returns the state to serve.
/// `show_admin_token` gets the random admin token made when the database had no token at
/// all: the only time it exists in clear.
pub async fn prepare(
    cli: &Cli,
    args: &ServeArgs,
    show_admin_token: impl FnOnce(&str),
) -> Result<AppState, BoxError> {
    let store = Store::open_with(&cli.database_url, cli.database_max_connections).await?;
    store.migrate().await?;
    if let Some(token) = tokens::bootstrap(&store, args.bootstrap_token.as_deref()).await? {
        show_admin_token(&token);
    }
    // Transitions a crash interrupted would settle on the next read anyway; settling them now
    // keeps the database itself truthful.
    store.settle_transitions().await?;
    if args.demo && store.seed_if_empty(&demo::seed()).await? {
        tracing::info!("seeded demo data");
    }
    app_state(store, args)
}

/// The state the flags ask for, on `store`.
pub fn app_state(store: Store, args: &ServeArgs) -> Result<AppState, BoxError> {
    let cors_origin = match args.cors_origin.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(origin) => Some(
            origin
                .parse()
                .map_err(|_| format!("--cors-origin {origin:?} is not a valid origin"))?,
        ),
    };
    let mut state = AppState::new(
        store,
        args.key_pair_quota,
        Duration::from_millis(args.transition_delay_ms),
    );
    state.request_timeout = Duration::from_secs(args.request_timeout_secs);
    state.limits = Arc::new(Limits {
        people: RateLimiter::new(args.rate_limit_per_minute),
        agents: RateLimiter::new(args.agent_rate_limit_per_minute),
        clients: RateLimiter::new(args.unauthenticated_rate_limit_per_minute),
        trusted_proxy: args.trusted_proxy,
    });
    state.cors_origin = cors_origin;
    state.hsts = args.tls();
    Ok(state)
}

/// The server's background work, until the returned handle is aborted: every
/// `--audit-refusal-interval-secs` the counted refusals become audit entries, and every hour
/// (and at once) entries older than `--audit-retention-days` are deleted.
pub fn spawn_maintenance(state: &AppState, args: &ServeArgs) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    let flush_every = Duration::from_secs(args.audit_refusal_interval_secs);
    let retention = Duration::from_secs(u64::from(args.audit_retention_days) * 86_400);
    tokio::spawn(async move {
        let mut flush = tokio::time::interval(flush_every);
        let mut prune = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tokio::select! {
                _ = flush.tick() => flush_refusals(&state).await,
                _ = prune.tick() => {
                    let before = crate::clock::before(retention);
                    match state.store.prune_audit(&before).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(entries = n, %before, "pruned the audit log"),
                        Err(e) => tracing::warn!(error = %e, "could not prune the audit log"),
                    }
                }
            }
        }
    })
}

/// Writes the counted refusals as audit entries (also on shutdown).
pub async fn flush_refusals(state: &AppState) {
    for entry in state.refusals.take() {
        if let Err(e) = state.store.record_audit(&entry).await {
            tracing::warn!(error = %e, "could not record counted refusals");
        }
    }
}
