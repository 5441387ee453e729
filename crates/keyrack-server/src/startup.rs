//! What serving does before it listens: check the bootstrap token, open and migrate the
//! database, register the bootstrap token (or write the first admin token to a private file),
//! settle interrupted transitions, seed the demo, and turn the flags into an [`AppState`].
//! The binary and the in-process tests start the same way.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::config::{Cli, ServeArgs};
use crate::http::{AppState, Limits, RateLimiter};
use crate::service::tokens;
use crate::store::{Backend, Transport};
use crate::{demo, private, AppError, Store};

pub use crate::error::BoxError;

/// The first admin token's file when `--admin-token-file` is not given, in the SQLite
/// database's directory (or the working directory on PostgreSQL).
pub const ADMIN_TOKEN_FILE: &str = "initial-admin-token";

/// Readies the database of `cli` for serving with `args` and returns the state to serve.
/// When the database had no admin token at all, a random one is made and written to a new
/// 0600 file ([`admin_token_file`]), the only place it exists in clear; `show_admin_token`
/// gets that file's path so the operator can be told where to look.
///
/// A bootstrap token that is too weak ([`tokens::check_bootstrap_token`]) stops the start
/// before the database is opened.
pub async fn prepare(
    cli: &Cli,
    args: &ServeArgs,
    show_admin_token: impl FnOnce(&Path),
) -> Result<AppState, BoxError> {
    let bootstrap = bootstrap_token(args)?;
    let admin_token_file = admin_token_file(cli, args)?;
    check_database_tls(cli, &cli.database_url)?;
    let mut store = Store::open_with(&cli.database_url, cli.database_max_connections).await?;
    store.reserve_lookup_connections().await?;
    store.migrate().await?;
    let made = tokens::bootstrap(&store, bootstrap.as_deref(), |token| {
        private::write(&admin_token_file, &format!("{token}\n")).map_err(|e| {
            AppError::Internal(format!(
                "could not write the first admin token to {}: {e} (choose another file with \
                 --admin-token-file)",
                admin_token_file.display()
            ))
        })
    })
    .await?;
    if made {
        show_admin_token(&admin_token_file);
    }
    // Transitions a crash interrupted would settle on the next read anyway; settling them now
    // keeps the database itself truthful.
    store.settle_transitions().await?;
    if args.demo && store.seed_if_empty(&demo::seed()).await? {
        tracing::info!("seeded demo data");
    }
    app_state(store, args)
}

/// With `--database-require-tls`, refuses a PostgreSQL `url` whose server certificate would
/// not be checked, before anything connects.
pub fn check_database_tls(cli: &Cli, url: &str) -> Result<(), AppError> {
    if cli.database_require_tls {
        Transport::require_verified(url)?;
    }
    Ok(())
}

/// The bootstrap token of `--bootstrap-token` or `--bootstrap-token-file`, trimmed, if it is
/// strong enough ([`tokens::check_bootstrap_token`]).
pub fn bootstrap_token(args: &ServeArgs) -> Result<Option<String>, BoxError> {
    let token = match (&args.bootstrap_token, &args.bootstrap_token_file) {
        (Some(token), _) => token.trim().to_owned(),
        (None, Some(file)) => {
            let text = std::fs::read_to_string(file).map_err(|e| {
                format!(
                    "could not read --bootstrap-token-file {}: {e}",
                    file.display()
                )
            })?;
            private::restrict(file);
            text.trim().to_owned()
        }
        (None, None) => return Ok(None),
    };
    tokens::check_bootstrap_token(&token)?;
    Ok(Some(token))
}

/// Where a first admin token would be written: `--admin-token-file`, else
/// [`ADMIN_TOKEN_FILE`] beside the SQLite database, else in the working directory.
pub fn admin_token_file(cli: &Cli, args: &ServeArgs) -> Result<PathBuf, BoxError> {
    if let Some(file) = &args.admin_token_file {
        return Ok(file.clone());
    }
    let dir = Backend::sqlite_file(&cli.database_url)?
        .and_then(|db| db.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    Ok(dir.join(ADMIN_TOKEN_FILE))
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
        agent_reports: RateLimiter::new(args.agent_report_rate_limit_per_minute),
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
