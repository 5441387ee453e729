//! Routing and the HTTP edge: extraction, status codes, headers. Handlers are thin: they
//! extract, call one service function and shape the answer.

mod bindings;
mod extract;
mod images;
mod instances;
mod key_pairs;
mod openapi;
mod regions;

use std::path::PathBuf;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower::ServiceExt as _;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

use crate::error::AppError;
use crate::store::Store;

pub use extract::{Admin, Agent, Auth, IfMatch, Json};
pub use openapi::ApiDoc;

/// Largest request body. A public key is at most 16 KiB, and 50 tags of 127 + 255 characters
/// (up to 4 bytes each) stay under 80 KiB.
const BODY_LIMIT_BYTES: usize = 256 * 1024;

/// What every handler may use.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Most key pairs this deployment may hold.
    pub key_pair_quota: u64,
    /// How long STOPPING and STARTING last.
    pub transition_delay: Duration,
}

/// The whole application: `/healthz`, the API under `/api/v1`, and the SPA from `dist` (when
/// given) for every other GET.
pub fn app(state: AppState, dist: Option<PathBuf>) -> Router {
    let api = Router::new()
        .merge(key_pairs::router())
        .merge(bindings::router())
        .merge(regions::router())
        .merge(instances::router())
        .merge(images::router())
        .merge(openapi::router())
        // After the routes: it applies to the routes present when it is called.
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found);

    let spa = dist.map(|dir| {
        let index = dir.join("index.html");
        // A deep link such as /keys/skey-… is not a file: it gets index.html with 200 and the
        // SPA's router takes over.
        ServeDir::new(dir).fallback(ServeFile::new(index))
    });

    Router::new()
        .route("/healthz", get(healthz))
        .nest("/api/v1", api)
        .fallback(move |req: Request| {
            let spa = spa.clone();
            async move {
                let path = req.uri().path();
                let is_api = path == "/api" || path.starts_with("/api/");
                match spa {
                    Some(spa) if !is_api => match spa.oneshot(req).await {
                        Ok(response) => response.into_response(),
                        Err(never) => match never {},
                    },
                    // Unknown API routes (and everything, without a SPA) get the JSON 404.
                    _ => AppError::NotFound.into_response(),
                }
            }
        })
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok"
}

async fn not_found() -> Response {
    AppError::NotFound.into_response()
}

async fn method_not_allowed() -> Response {
    AppError::MethodNotAllowed.into_response()
}

/// `"<version>"`, the value of `ETag`.
fn etag(version: i64) -> String {
    format!("\"{version}\"")
}
