//! Starts the server: configuration, logging, database, admin token, demo data, serving.

use std::process::ExitCode;

use clap::Parser;
use keyrack_server::config::{Cli, ServeArgs};
use keyrack_server::service::tokens;
use keyrack_server::{app, demo, AppState, Store};
use tracing_subscriber::EnvFilter;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        None => serve(&cli.database_url, cli.serve).await,
        Some(command) => match command {},
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "keyrack-server failed");
            ExitCode::FAILURE
        }
    }
}

async fn serve(database_url: &str, args: ServeArgs) -> Result<(), BoxError> {
    let store = Store::open(database_url).await?;
    store.migrate().await?;
    if let Some(token) = tokens::bootstrap(&store, args.bootstrap_token.as_deref()).await? {
        // stdout, once: the only place this token ever appears in clear.
        println!("Admin token (shown once): {token}");
    }
    // Transitions a crash interrupted would settle on the next read anyway; settling them now
    // keeps the database itself truthful.
    store.settle_transitions().await?;
    if args.demo && store.seed_if_empty(&demo::seed()).await? {
        tracing::info!("seeded demo data");
    }
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let addr = listener.local_addr()?;
    let state = AppState {
        store: store.clone(),
        key_pair_quota: args.key_pair_quota,
        transition_delay: std::time::Duration::from_millis(args.transition_delay_ms),
    };
    println!("Keyrack listening on http://{addr}");
    axum::serve(listener, app(state, args.dist))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Ctrl-C, or SIGTERM from a service manager.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
