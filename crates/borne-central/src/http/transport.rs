//! The HTTP transport: connections (a cap per listener, the header-read
//! timeout, graceful shutdown) and the limits every request meets (the
//! size of its body and the time it takes to arrive, the time to answer).
//! Each refusal is the house `ErrorBody`: 413 `request.too_large`, 408
//! `request.timeout`, 503 `server.timeout`. The settings are
//! [`HttpLimits`] (`BORNE_HTTP_*`).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::CONTENT_LENGTH;
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::Semaphore;

use super::ApiError;
use crate::config::HttpLimits;

/// Connections the kernel completes and queues while every slot is taken
/// (`listen`'s backlog; the default, 128, turns a crowd of slow clients
/// into dropped handshakes that legitimate clients retry only after 1 s,
/// 3 s, 7 s…).
const ACCEPT_BACKLOG: u32 = 1024;

/// The most a connection buffers of what it reads: a request head larger
/// than this is refused by hyper (431, no body). Legitimate heads are under
/// 2 KiB; hyper's default (about 400 KiB) would let 512 connections hold
/// 200 MiB of junk headers.
const READ_BUFFER_BYTES: usize = 64 * 1024;

/// Binds a listener with [`ACCEPT_BACKLOG`].
pub(crate) fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(ACCEPT_BACKLOG)
}

/// Serves `router` on `listener` until `shutdown` completes, then waits
/// for the open connections to finish the request in hand (each is bounded
/// by the timeouts, so this ends).
///
/// At most `max_connections` are open at once: with every slot taken the
/// server accepts nothing, and new connections wait in the kernel's queue
/// until one closes. A connection whose request head has not fully arrived
/// `header_timeout` after it opened (or after its previous answer) is
/// closed without an answer.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: &HttpLimits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let open = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(READ_BUFFER_BYTES);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        // Handlers that record where a request came from (the access
        // log) read the peer's address from the request's extensions.
        let service = tower::ServiceExt::map_request(
            router.clone(),
            move |mut request: axum::http::Request<hyper::body::Incoming>| {
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                request
            },
        );
        let connection = open
            .watch(http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service)));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended");
            }
            drop(slot);
        });
    }
    drop(listener);
    open.shutdown().await;
}

/// A failed `accept` of a connection the client already gave up on is
/// nothing; any other (out of file descriptors, most likely) waits a
/// second for some to close rather than spin.
async fn accept_failed(e: io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accept failed");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// How large the body of a group of routes may be, and how long it may
/// take to arrive.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyRule {
    pub limit: usize,
    pub timeout: Duration,
}

/// Reads the whole body before the handler runs: at most `limit` bytes
/// (413 `request.too_large`, at once when `Content-Length` announces
/// more), all of it within `timeout` (408 `request.timeout`). A body cut
/// off by the client is 400 `request.malformed`.
pub(crate) async fn read_body(
    State(rule): State<BodyRule>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let too_large = ApiError::TooLarge { limit: rule.limit };
    let (parts, body) = request.into_parts();
    let announced = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > u64::try_from(rule.limit).unwrap_or(u64::MAX)) {
        return Err(too_large);
    }
    let bytes =
        match tokio::time::timeout(rule.timeout, Limited::new(body, rule.limit).collect()).await {
            Err(_) => return Err(ApiError::BodyTimeout),
            Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => return Err(too_large),
            Ok(Err(_)) => {
                return Err(ApiError::BadRequest(
                    "request.malformed",
                    "the request body could not be read".into(),
                ))
            }
            Ok(Ok(collected)) => collected.to_bytes(),
        };
    Ok(next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await)
}

/// Answers 503 `server.timeout` when the rest of the stack has not
/// answered within `limit` of the request's head (the work in hand is
/// dropped; a transaction in it rolls back).
pub(crate) async fn answer_within(
    State(limit): State<Duration>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    tokio::time::timeout(limit, next.run(request))
        .await
        .map_err(|_| ApiError::ServerTimeout)
}
