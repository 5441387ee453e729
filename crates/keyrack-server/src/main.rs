//! Starts the server: configuration, logging, database, admin token, demo data, serving.

use std::process::ExitCode;

use clap::Parser;

use keyrack_api::{CreateToken, TokenRole};

use keyrack_server::config::{Cli, Command, ServeArgs, TokenCommand};
use keyrack_server::service::tokens;
use keyrack_server::startup::{self, BoxError};
use keyrack_server::store::Backend;
use keyrack_server::tls::{self, TlsListener};
use keyrack_server::{app, Store};
use tracing_subscriber::EnvFilter;

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
        None => serve(&cli, cli.serve.clone()).await,
        Some(Command::Token { ref command }) => token_command(&cli, command.clone()).await,
        Some(Command::MigrateTo(ref args)) => match args.target_url() {
            Ok(url) => migrate_to(&cli, &url).await,
            Err(e) => Err(e.into()),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "keyrack-server failed");
            ExitCode::FAILURE
        }
    }
}

async fn serve(cli: &Cli, args: ServeArgs) -> Result<(), BoxError> {
    // Before the database: an unreadable certificate or key stops the start and touches
    // nothing. (clap already refuses one flag without the other.)
    let certificate = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(tls::Certificate::load(cert, key)?),
        (None, None) => None,
        _ => return Err("--tls-cert and --tls-key go together: give both, or neither".into()),
    };
    let state = startup::prepare(cli, &args, |file| {
        // Where, not what: stdout often ends up in logs others read.
        let file = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        println!("Admin token written to {}", file.display());
        println!("  (readable only by this user; sign in with it, keep it safe, delete the file)");
    })
    .await?;
    let store = state.store.clone();
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let addr = listener.local_addr()?;
    let maintenance = startup::spawn_maintenance(&state, &args);
    let app = app(state.clone(), args.dist.clone());
    let header_read_timeout = std::time::Duration::from_secs(args.header_read_timeout_secs);
    // The line tests and scripts read the URL from: its scheme is what is served.
    match certificate {
        Some(certificate) => {
            let listener = TlsListener::new(listener, certificate.server_config()?)?;
            let reloader = tokio::spawn(reload_on_hangup(certificate));
            println!("Keyrack listening on https://{addr}");
            keyrack_server::serve::serve(listener, app, header_read_timeout, shutdown_signal())
                .await;
            reloader.abort();
        }
        None => {
            println!("Keyrack listening on http://{addr}");
            keyrack_server::serve::serve(listener, app, header_read_timeout, shutdown_signal())
                .await;
        }
    }
    maintenance.abort();
    startup::flush_refusals(&state).await;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Reads the certificate and key again on each `SIGHUP` (after a renewal), so that new
/// connections get the new certificate without a restart; a pair that does not load leaves
/// the one in use, and says why.
async fn reload_on_hangup(certificate: std::sync::Arc<tls::Certificate>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            tracing::warn!("cannot watch SIGHUP: the certificate is read at start only");
            return;
        };
        while hangups.recv().await.is_some() {
            match certificate.reload() {
                Ok(()) => tracing::info!("SIGHUP: certificate and key read again"),
                Err(e) => tracing::error!(error = %e, "SIGHUP: kept the certificate in use"),
            }
        }
    }
    #[cfg(not(unix))]
    std::future::pending::<()>().await;
}

/// `token create | list | revoke`, straight on the database (the server may be running: it
/// reads tokens on every request, so changes apply at once).
async fn token_command(cli: &Cli, command: TokenCommand) -> Result<(), BoxError> {
    startup::check_database_tls(cli, &cli.database_url)?;
    let store = Store::open_with(&cli.database_url, Some(1)).await?;
    store.migrate().await?;
    let result = match command {
        TokenCommand::Create { role, name } => {
            let role: TokenRole = role.parse().map_err(|_| "role must be admin or viewer")?;
            let created = tokens::create(&store, CreateToken { name, role }).await?;
            eprintln!(
                "Created {} token {} ({}); it is shown once, below.",
                created.info.role, created.info.id, created.info.name
            );
            // stdout carries the token and nothing else, so scripts can capture it.
            println!("{}", created.token);
            Ok(())
        }
        TokenCommand::List => {
            println!(
                "{:<14}  {:<7}  {:<24}  {:<24}  NAME",
                "ID", "ROLE", "CREATED", "REVOKED"
            );
            for t in tokens::list(&store).await? {
                println!(
                    "{:<14}  {:<7}  {:<24}  {:<24}  {}",
                    t.id,
                    t.role,
                    t.created_at,
                    t.revoked_at
                        .as_ref()
                        .map_or("-", keyrack_api::Timestamp::as_str),
                    t.name
                );
            }
            Ok(())
        }
        TokenCommand::Revoke { id } => match tokens::revoke(&store, &id).await {
            Ok(t) => {
                eprintln!("Revoked token {} ({}).", t.id, t.name);
                Ok(())
            }
            Err(e) => Err(e.into()),
        },
    };
    store.close().await;
    result
}

/// `migrate-to URL`: copies the SQLite database into an empty PostgreSQL one.
async fn migrate_to(cli: &Cli, target_url: &str) -> Result<(), BoxError> {
    // Before opening anything, so a wrong target URL creates no file or schema.
    Store::check_transfer(
        Backend::from_url(&cli.database_url)?,
        Backend::from_url(target_url)?,
    )?;
    startup::check_database_tls(cli, target_url)?;
    let source = Store::open_existing(&cli.database_url, Some(1)).await?;
    // As a server start would: an older database gains the columns the copy reads.
    source.migrate().await?;
    let target = Store::open_with(target_url, Some(1)).await?;
    target.migrate().await?;
    let result = source.copy_into(&target).await;
    source.close().await;
    target.close().await;
    let counts = result?;
    eprintln!("Copied into PostgreSQL (rows per table):");
    for (table, rows) in counts.tables() {
        eprintln!("  {table:<14} {rows:>8}");
    }
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
