//! Runs each API request in its own task, so that no request's database work is ever
//! cancelled halfway.
//!
//! Dropping a request's future (the client disconnected, or the request timeout fired) used
//! to cancel it wherever it was awaiting. Mid-transaction that is a clean rollback, but sqlx
//! 0.8's SQLite transaction start is not cancel-safe: dropped while its `BEGIN` was in flight,
//! it left the pooled connection at transaction depth 1 (holding the write lock after a
//! `BEGIN IMMEDIATE`), and every later transaction on it failed with "attempted to call
//! begin_with at non-zero transaction depth" until a restart. A write whose future was
//! dropped after its commit also lost its audit entry.
//!
//! So the work goes into a spawned task that nothing cancels, and the HTTP side only awaits
//! its `JoinHandle`: dropping that handle detaches the task, which then runs to its end. A
//! write the client gave up on still either happens completely, and is audited with its real
//! outcome, or not at all.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument as _;

use super::hardening::with_timeout;
use super::state::AppState;
use crate::error::AppError;

/// The API routes' outermost middleware: the request timeout around a spawned task that runs
/// everything else (the audit middleware, the authenticating extractor, the handler). Past
/// the timeout the client gets the JSON `503` at once, while the task finishes in the
/// background.
pub async fn run_detached(State(state): State<AppState>, req: Request, next: Next) -> Response {
    detached(state.request_timeout, req, next).await
}

async fn detached(limit: Duration, req: Request, next: Next) -> Response {
    // In the request's span, so that what the task logs is still tied to its request.
    let task = tokio::spawn(next.run(req).instrument(tracing::Span::current()));
    with_timeout(limit, async move {
        match task.await {
            Ok(response) => response,
            // A panic (or a runtime shutting down) is the server's fault: the usual 500.
            Err(e) => AppError::Internal(format!("the request's task failed: {e}")).into_response(),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use axum::body::Body;
    use axum::http::StatusCode;
    use axum::routing::get;
    use axum::{middleware, Router};
    use tower::ServiceExt as _;

    use super::*;

    fn app(limit: Duration, handler: Router) -> Router {
        handler.layer(middleware::from_fn(move |req, next| {
            detached(limit, req, next)
        }))
    }

    async fn answer(app: Router) -> (StatusCode, String) {
        let req = Request::get("/").body(Body::empty()).expect("request");
        let response = app.oneshot(req).await.expect("infallible");
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .expect("body");
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn a_timed_out_request_still_finishes_in_the_background() {
        let done = Arc::new(AtomicBool::new(false));
        let flag = done.clone();
        let handler = Router::new().route(
            "/",
            get(move || async move {
                tokio::time::sleep(Duration::from_millis(200)).await;
                flag.store(true, Ordering::SeqCst);
                "ok"
            }),
        );
        let (status, body) = answer(app(Duration::from_millis(20), handler)).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(body.contains("\"RequestTimeout\""), "{body}");
        assert!(!done.load(Ordering::SeqCst));
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(done.load(Ordering::SeqCst), "the work was cancelled");
    }

    #[tokio::test]
    async fn a_panic_is_a_500() {
        let handler = Router::new().route(
            "/",
            get(|| async {
                if true {
                    panic!("a bug");
                }
                "unreachable"
            }),
        );
        let (status, body) = answer(app(Duration::from_secs(5), handler)).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(body.contains("\"InternalError\""), "{body}");
        assert!(
            !body.contains("a bug"),
            "the panic's text stays in the log: {body}"
        );
    }
}
