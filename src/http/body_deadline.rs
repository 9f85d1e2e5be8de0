//! A bound on how long a request body may take to arrive (setting `request_body_timeout`), for every route.
//!
//! Request heads are bounded (`super::connection::head_deadline`), bodies are not by actix: a client that declares
//! `Content-Length: 1000` and sends a byte a second holds its connection, and a worker's connection slot, for
//! seventeen minutes (the "slow POST" attack, OWASP). This middleware gives the handler a payload that fails once the
//! deadline has passed without the body having arrived; the answer is then 408 and the connection is closed
//! (RFC 9110 §15.5.9: the server SHOULD close it).
//!
//! Closing is actix's own behaviour (`Connection: close`, then at most `client_disconnect_timeout` of reading and
//! discarding) for a response sent while its request body is still arriving, as long as the body's reader is
//! still alive when the response goes out; for a chunked body whose reader was dropped it would instead read the
//! rest to keep the connection, as slowly as the client likes. So a response to a request whose body was not read
//! to the end carries that reader until it has been sent.

use std::cell::Cell;
use std::future::{Ready, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BodySize, BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage, HttpResponse};
use futures_util::Stream;
use futures_util::future::LocalBoxFuture;
use tokio::time::Sleep;

/// The middleware: `App::wrap(BodyDeadline::new(timeout))`.
#[derive(Clone, Copy, Debug)]
pub struct BodyDeadline {
    timeout: Duration,
}

impl BodyDeadline {
    /// Request bodies must have arrived `timeout` after their request head.
    pub fn new(timeout: Duration) -> Self {
        Self { timeout }
    }
}

impl<S, B> Transform<S, ServiceRequest> for BodyDeadline
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B, HeldBody>>;
    type Error = Error;
    type Transform = BodyDeadlineService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(BodyDeadlineService {
            service,
            timeout: self.timeout,
        }))
    }
}

pub struct BodyDeadlineService<S> {
    service: S,
    timeout: Duration,
}

impl<S, B> Service<ServiceRequest> for BodyDeadlineService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B, HeldBody>>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        let body = match req.take_payload() {
            // No body (no Content-Length, or 0, and not chunked): nothing to wait for.
            Payload::None => None,
            payload => {
                let body = Rc::new(BodyProgress::default());
                req.set_payload(Payload::Stream {
                    payload: Box::pin(DeadlinePayload {
                        payload,
                        progress: body.clone(),
                        deadline: Box::pin(tokio::time::sleep(self.timeout)),
                    }),
                });
                Some(body)
            }
        };
        let timeout = self.timeout;
        let response = self.service.call(req);
        Box::pin(async move {
            let response = response.await?;
            let Some(body) = body else {
                return Ok(response.map_into_left_body());
            };
            match body.state.get() {
                BodyState::Complete => Ok(response.map_into_left_body()),
                BodyState::TimedOut => {
                    tracing::info!(
                        timeout = ?timeout,
                        "the request body did not arrive in time: answered 408, closing the connection"
                    );
                    let (request, _) = response.into_parts();
                    // RFC 9110 §15.5.9: a 408 SHOULD announce the close.
                    let timed_out = HttpResponse::build(StatusCode::REQUEST_TIMEOUT)
                        .insert_header((
                            header::CACHE_CONTROL,
                            HeaderValue::from_static("no-store"),
                        ))
                        .force_close()
                        .finish();
                    Ok(hold_unread(
                        ServiceResponse::new(request, timed_out),
                        body.unread.take(),
                    ))
                }
                // Not read to the end (the handler didn't need it, it was too large, or it broke off). If the rest is
                // still on its way, actix closes the connection after the answer; if it has all arrived, it keeps it.
                BodyState::Reading | BodyState::Failed => Ok(hold_unread(
                    response.map_into_boxed_body(),
                    body.unread.take(),
                )),
            }
        })
    }
}

/// `response`, carrying the unread request body until it has been sent.
fn hold_unread<B>(
    response: ServiceResponse<BoxBody>,
    unread: Option<Payload>,
) -> ServiceResponse<EitherBody<B, HeldBody>> {
    response.map_body(|_, body| {
        EitherBody::right(HeldBody {
            body,
            _unread: unread,
        })
    })
}

/// How far the request body has come, shared by the payload the handler reads and the middleware that answers.
#[derive(Default)]
struct BodyProgress {
    state: Cell<BodyState>,
    /// The body, handed back by the handler's payload when it is dropped before the end.
    unread: Cell<Option<Payload>>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum BodyState {
    #[default]
    Reading,
    Complete,
    TimedOut,
    Failed,
}

/// The payload handlers read: the real one, until the deadline passes while it still waits for bytes.
struct DeadlinePayload {
    payload: Payload,
    progress: Rc<BodyProgress>,
    deadline: Pin<Box<Sleep>>,
}

impl Stream for DeadlinePayload {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        match this.progress.state.get() {
            BodyState::Reading => {}
            BodyState::Complete => return Poll::Ready(None),
            BodyState::TimedOut | BodyState::Failed => {
                return Poll::Ready(Some(Err(PayloadError::Incomplete(None))));
            }
        }
        // Bytes that have arrived are delivered even after the deadline: only waiting for more is bounded.
        match Pin::new(&mut this.payload).poll_next(cx) {
            Poll::Ready(None) => {
                this.progress.state.set(BodyState::Complete);
                Poll::Ready(None)
            }
            Poll::Ready(Some(Ok(bytes))) => Poll::Ready(Some(Ok(bytes))),
            Poll::Ready(Some(Err(e))) => {
                this.progress.state.set(BodyState::Failed);
                Poll::Ready(Some(Err(e)))
            }
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    this.progress.state.set(BodyState::TimedOut);
                    Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the request body did not arrive in time",
                    )))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl Drop for DeadlinePayload {
    fn drop(&mut self) {
        // Handed to the middleware so that it outlives the response (see the module comment).
        if self.progress.state.get() != BodyState::Complete {
            self.progress.unread.set(Some(self.payload.take()));
        }
    }
}

/// A response body that keeps the unread request body alive until the response has been sent.
pub struct HeldBody {
    body: BoxBody,
    _unread: Option<Payload>,
}

impl MessageBody for HeldBody {
    type Error = <BoxBody as MessageBody>::Error;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::ConnectionType;
    use actix_web::test::{TestRequest, call_service, init_service, read_body};
    use actix_web::{App, HttpResponse, web};
    use futures_util::StreamExt;
    use futures_util::stream;

    use super::*;

    const TIMEOUT: Duration = Duration::from_millis(50);

    async fn echo(body: Result<Bytes, Error>) -> HttpResponse {
        match body {
            Ok(body) => HttpResponse::Ok().body(body),
            Err(_) => HttpResponse::BadRequest().finish(),
        }
    }

    async fn ignore() -> HttpResponse {
        HttpResponse::Ok().body("ignored")
    }

    type Chunks = Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>;

    /// Calls `path` with a body of `chunks`, after which the client sends nothing more but stays (`then_stall`)
    /// or ends the body.
    async fn call(
        path: &str,
        chunks: &'static [&'static [u8]],
        then_stall: bool,
    ) -> ServiceResponse<impl MessageBody> {
        let app = init_service(
            App::new()
                .wrap(BodyDeadline::new(TIMEOUT))
                .route("/echo", web::post().to(echo))
                .route("/ignore", web::post().to(ignore)),
        )
        .await;
        let sent = stream::iter(chunks.iter().map(|c| Ok(Bytes::from_static(c))));
        let payload: Chunks = if then_stall {
            Box::pin(sent.chain(stream::pending()))
        } else {
            Box::pin(sent)
        };
        let request = TestRequest::post().uri(path).to_request();
        let (request, _) = request.replace_payload(Payload::Stream { payload });
        call_service(&app, request).await
    }

    #[actix_web::test]
    async fn a_body_that_stops_arriving_is_answered_408_and_the_connection_closed() {
        let response = call("/echo", &[b"grant_type="], true).await;
        assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
        assert_eq!(
            response.response().head().connection_type(),
            ConnectionType::Close
        );
    }

    #[actix_web::test]
    async fn a_body_that_arrives_is_read_as_usual() {
        let response = call("/echo", &[b"grant_type=", b"password"], false).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_ne!(
            response.response().head().connection_type(),
            ConnectionType::Close
        );
        assert_eq!(read_body(response).await, "grant_type=password");
    }

    #[actix_web::test]
    async fn a_body_nobody_reads_does_not_change_the_answer() {
        let response = call("/ignore", &[b"grant_type="], true).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(read_body(response).await, "ignored");
    }
}
