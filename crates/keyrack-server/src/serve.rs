//! Serving connections, plain or TLS: HTTP/1.1 by hyper, with the time limits `axum::serve`
//! leaves out. A client that opens a connection and then sends its request headers slowly
//! (or never) holds a socket and a task until it is dropped; without a header-read timeout,
//! a few thousand such clients would exhaust the server's file descriptors. Here each
//! connection gets `--header-read-timeout-secs` to deliver a request's headers (hyper counts
//! from the end of the previous answer, so it also closes idle kept-alive connections), and
//! TLS handshakes their own limit (`tls::HANDSHAKE_TIMEOUT`). A graceful shutdown stops
//! accepting, lets requests in flight finish, and closes idle connections at once.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::serve::Listener;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tower::ServiceExt as _;

use crate::http::Peer;

/// How long a graceful shutdown waits for requests in flight before it stops anyway.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves `app` on `listener` until `shutdown` completes, then drains. Each request carries
/// the TCP peer as `ConnectInfo<Peer>`, for the rate limits and the audit log; a client gets
/// `header_read_timeout` to send each request's headers.
pub async fn serve<L>(
    mut listener: L,
    app: Router,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) where
    L: Listener<Addr = SocketAddr>,
{
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (io, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let service = hyper::service::service_fn({
            let app = app.clone();
            move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(Peer(peer)));
                let app = app.clone();
                async move {
                    let response = app
                        .oneshot(req.map(axum::body::Body::new))
                        .await
                        .unwrap_or_else(|never: Infallible| match never {});
                    Ok::<_, Infallible>(response)
                }
            }
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(io), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
    // No new connections from here: the listener (and its port) goes now.
    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still running {DRAIN_TIMEOUT:?} after shutdown began");
    }
}
