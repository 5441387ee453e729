//! The server's router in this process: `startup::prepare` on the same flags the binary would
//! get, and each request sent with `oneshot`. The API's middleware spawns each request's work
//! on the test's runtime; nothing else needs a listener (no `ConnectInfo`).

use std::future::Future;

use axum::http::header::CONTENT_LENGTH;
use clap::{CommandFactory as _, FromArgMatches as _};
use keyrack_server::config::Cli;
use keyrack_server::http::AppState;
use keyrack_server::{app, startup, Store};
use tower::ServiceExt as _;

use super::{Harness, Request, Resp, TestDb, Transport, TOKEN};

/// The whole application (`keyrack_server::app`) with its state.
pub struct InProcess {
    router: axum::Router,
    /// The store the router serves.
    pub store: Store,
    state: AppState,
}

impl Transport for InProcess {
    fn send(&self, req: Request) -> impl Future<Output = Result<Resp, String>> + Send {
        let router = self.router.clone();
        async move {
            let (mut parts, body) = req.into_parts();
            // As hyper hands a request over: a body comes with its length.
            if let Some(body) = &body {
                parts.headers.insert(CONTENT_LENGTH, body.len().into());
            }
            let req = axum::http::Request::from_parts(
                parts,
                axum::body::Body::from(body.unwrap_or_default()),
            );
            let response = match router.oneshot(req).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            let (parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .map_err(|e| e.to_string())?;
            Ok(Resp::new(parts.status, parts.headers, &bytes))
        }
    }
}

impl Harness<InProcess> {
    /// Writes the refusals counted so far as audit entries, as the binary's background task
    /// does every interval.
    #[allow(dead_code)]
    pub async fn flush_refusals(&self) {
        startup::flush_refusals(&self.transport.state).await;
    }

    /// The application on a fresh database with the bootstrap token, configured by the
    /// binary's own flags (`--key-pair-quota 2`, `--demo`, `--dist DIR`…).
    pub async fn start(args: &[&str]) -> Self {
        let db = TestDb::new().await;
        let mut app = Self::on(db.url(), args).await;
        app.db = Some(db);
        app
    }

    /// The application on the given database, with the bootstrap token and `args`.
    pub async fn on(database_url: &str, args: &[&str]) -> Self {
        let argv = ["keyrack-server", "--database", database_url]
            .into_iter()
            .chain(["--bootstrap-token", TOKEN])
            .chain(args.iter().copied());
        // The flags alone, as for the spawned binary, whose KEYRACK_* environment is cleared.
        let matches = Cli::command()
            .mut_args(|arg| arg.env(None::<&str>))
            .try_get_matches_from(argv)
            .unwrap_or_else(|e| panic!("flags {args:?}: {e}"));
        let cli = Cli::from_arg_matches(&matches).expect("the flags as a Cli");
        let mut shown = None;
        let state = startup::prepare(&cli, &cli.serve, |file| {
            shown = std::fs::read_to_string(file)
                .ok()
                .map(|token| token.trim().to_owned());
        })
        .await
        .unwrap_or_else(|e| panic!("start with {args:?}: {e}"));
        let store = state.store.clone();
        Self {
            transport: InProcess {
                router: app(state.clone(), cli.serve.dist.clone()),
                store,
                state,
            },
            token: shown.unwrap_or_else(|| TOKEN.to_owned()),
            db: None,
        }
    }
}
