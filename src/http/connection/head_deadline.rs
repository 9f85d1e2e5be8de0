//! A deadline on every request head of a connection (setting `request_head_timeout`), not only the first.
//!
//! The connection's [`DeadlineStream`] fails its reads (`TimedOut`, and actix-http drops the connection) once the
//! head it awaits is overdue; [`TrackRequests`] tells it where the requests are. Between requests, the head awaited
//! must be complete `request_head_timeout` after its first byte. A request is "served" from the moment the
//! dispatcher hands its complete head to the application until its response body is done (dropped by the
//! dispatcher); bytes read meanwhile are its body (bounded by the body deadline) or a pipelined request. Those bytes
//! may hold the start of the next head, which no later byte would reveal, so after each response the next head must
//! also be complete within the keep-alive time plus `request_head_timeout` (a client that sends nothing is closed
//! by actix's keep-alive timer long before that).
//!
//! Knowing heads from the dispatcher, rather than by scanning the bytes for the blank line that ends a head, keeps
//! this exact under pipelining and request bodies: a scanner can't tell a body from the next head without parsing
//! HTTP/1.1 framing again. When a deadline passes the connection is closed without an answer: the head is
//! incomplete, and a server may close a connection at any time (RFC 9112 §9.5); only the first head of a connection
//! is answered 408, by actix.

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker, ready};
use std::time::Duration;

use actix_http::body::{BodySize, MessageBody};
use actix_http::{Request, Response};
use actix_service::{Service, ServiceFactory, forward_ready};
use actix_web::web::Bytes;
use futures_util::future::LocalBoxFuture;
use pin_project_lite::pin_project;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep, sleep_until};

use super::source_cap::SourceSlot;
use crate::infra::metrics::Metrics;

/// Where a connection is between requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// The next request head is awaited and must be complete by `deadline`, if set; `started`: a byte has arrived
    /// since the last response.
    AwaitingHead {
        deadline: Option<Instant>,
        started: bool,
    },
    /// A request is with the application, from its complete head until its response is done.
    Serving,
}

/// One connection's head clock, shared by its stream (which reads and enforces it) and [`TrackRequests`] (which sees
/// heads handed to the application and responses finished). Both live on the connection's task.
pub struct HeadClock {
    phase: Cell<Phase>,
    head_timeout: Duration,
    /// How long after a response the next head must be complete at the latest (keep-alive + head timeout).
    idle_bound: Duration,
    /// The connection's task, woken when a deadline starts outside a read so that the stream arms its timer.
    waker: Cell<Option<Waker>>,
}

impl HeadClock {
    /// A new connection's clock: its first head is awaited, with `head_timeout` from its first byte; after a
    /// response the next head has at most `keep_alive + head_timeout`.
    pub fn new(head_timeout: Duration, keep_alive: Duration) -> Self {
        Self {
            phase: Cell::new(Phase::AwaitingHead {
                deadline: None,
                started: false,
            }),
            head_timeout,
            idle_bound: keep_alive + head_timeout,
            waker: Cell::new(None),
        }
    }

    /// When the head awaited must be complete; `None` while a request is served or before any byte.
    fn deadline(&self) -> Option<Instant> {
        match self.phase.get() {
            Phase::AwaitingHead { deadline, .. } => deadline,
            Phase::Serving => None,
        }
    }

    /// Bytes arrived at `now`: the first since the last response starts a head, which gets `head_timeout`. Returns
    /// whether the deadline moved.
    fn bytes_read(&self, now: Instant) -> bool {
        match self.phase.get() {
            Phase::AwaitingHead {
                deadline,
                started: false,
            } => {
                let head_deadline = now + self.head_timeout;
                self.phase.set(Phase::AwaitingHead {
                    deadline: Some(deadline.map_or(head_deadline, |d| d.min(head_deadline))),
                    started: true,
                });
                true
            }
            Phase::AwaitingHead { started: true, .. } | Phase::Serving => false,
        }
    }

    /// The dispatcher handed a complete head to the application.
    fn request_started(&self) {
        self.phase.set(Phase::Serving);
    }

    /// The response is done at `now`: the next head is awaited.
    fn response_done(&self, now: Instant) {
        if self.phase.get() == Phase::Serving {
            self.phase.set(Phase::AwaitingHead {
                deadline: Some(now + self.idle_bound),
                started: false,
            });
            // The dispatcher may not read again before it sleeps (a pipelined head already buffered, waiting for
            // its end): a wake makes it read, which arms the timer.
            if let Some(waker) = self.waker.take() {
                waker.wake_by_ref();
                self.waker.set(Some(waker));
            }
        }
    }

    fn remember(&self, waker: &Waker) {
        let kept = match self.waker.take() {
            Some(known) if known.will_wake(waker) => known,
            _ => waker.clone(),
        };
        self.waker.set(Some(kept));
    }
}

/// A connection's stream whose reads fail with `TimedOut` once the request head it awaits is overdue.
pub struct DeadlineStream<Io> {
    io: Io,
    /// The connection's place under its source's cap, given back when the connection ends.
    _slot: Option<SourceSlot>,
    clock: Rc<HeadClock>,
    timer: Option<Pin<Box<Sleep>>>,
    /// Counts the connection once when its head is overdue.
    metrics: Option<Metrics>,
}

impl<Io> DeadlineStream<Io> {
    pub fn new(io: Io, slot: Option<SourceSlot>, clock: Rc<HeadClock>, metrics: Metrics) -> Self {
        Self {
            io,
            _slot: slot,
            clock,
            timer: None,
            metrics: Some(metrics),
        }
    }

    /// The clock [`TrackRequests`] must find in the connection's data (`on_connect_ext`).
    pub fn clock(&self) -> &Rc<HeadClock> {
        &self.clock
    }

    /// Ready once the deadline has passed; otherwise the timer wakes the task when it does.
    fn poll_deadline(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(deadline) = self.clock.deadline() else {
            return Poll::Pending;
        };
        let timer = match &mut self.timer {
            Some(timer) => {
                if timer.deadline() != deadline {
                    timer.as_mut().reset(deadline);
                }
                timer
            }
            None => self.timer.insert(Box::pin(sleep_until(deadline))),
        };
        timer.as_mut().poll(cx)
    }
}

impl<Io: AsyncRead + Unpin> AsyncRead for DeadlineStream<Io> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.clock.remember(cx.waker());
        if this.poll_deadline(cx).is_ready() {
            if let Some(metrics) = this.metrics.take() {
                tracing::debug!("request head overdue; closing the connection");
                metrics.connection_cut("head_timeout");
            }
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "request head not complete in time",
            )));
        }
        let filled = buf.filled().len();
        let read = Pin::new(&mut this.io).poll_read(cx, buf);
        if matches!(read, Poll::Ready(Ok(())))
            && buf.filled().len() > filled
            && this.clock.bytes_read(Instant::now())
        {
            // Arm the timer now: nothing else guarantees another read before the dispatcher sleeps.
            let _ = this.poll_deadline(cx);
        }
        read
    }
}

impl<Io: AsyncWrite + Unpin> AsyncWrite for DeadlineStream<Io> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// Wraps the application (an actix-http service factory) so that each request tells its connection's
/// [`HeadClock`], found in the connection data, when its head was handed over and when its response is done.
pub struct TrackRequests<SF, B> {
    app: SF,
    body: PhantomData<fn() -> B>,
}

impl<SF, B> TrackRequests<SF, B> {
    pub fn new(app: SF) -> Self {
        Self {
            app,
            body: PhantomData,
        }
    }
}

impl<SF, B> ServiceFactory<Request> for TrackRequests<SF, B>
where
    SF: ServiceFactory<Request, Config = ()>,
    SF::Future: 'static,
    SF::Response: Into<Response<B>>,
{
    type Response = Response<TrackedBody<B>>;
    type Error = SF::Error;
    type Config = ();
    type Service = TrackedService<SF::Service, B>;
    type InitError = SF::InitError;
    // Once per worker: a box costs nothing here.
    type Future = LocalBoxFuture<'static, Result<Self::Service, Self::InitError>>;

    fn new_service(&self, config: ()) -> Self::Future {
        let service = self.app.new_service(config);
        Box::pin(async move {
            service.await.map(|service| TrackedService {
                service,
                body: PhantomData,
            })
        })
    }
}

/// The application's service, telling the connection's clock where its requests are.
pub struct TrackedService<S, B> {
    service: S,
    body: PhantomData<fn() -> B>,
}

impl<S, B> Service<Request> for TrackedService<S, B>
where
    S: Service<Request>,
    S::Response: Into<Response<B>>,
{
    type Response = Response<TrackedBody<B>>;
    type Error = S::Error;
    type Future = TrackedCall<S::Future, B>;

    forward_ready!(service);

    fn call(&self, req: Request) -> Self::Future {
        let done = req.conn_data::<Rc<HeadClock>>().map(|clock| {
            clock.request_started();
            ResponseDone(Rc::clone(clock))
        });
        TrackedCall {
            call: self.service.call(req),
            done,
            body: PhantomData,
        }
    }
}

pin_project! {
    /// A request with the application; its response body carries the mark that ends the request.
    pub struct TrackedCall<F, B> {
        #[pin]
        call: F,
        done: Option<ResponseDone>,
        body: PhantomData<fn() -> B>,
    }
}

impl<F, R, E, B> Future for TrackedCall<F, B>
where
    F: Future<Output = Result<R, E>>,
    R: Into<Response<B>>,
{
    type Output = Result<Response<TrackedBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.call.poll(cx));
        // On an error the mark drops here: the dispatcher answers it at once.
        let done = this.done.take();
        Poll::Ready(result.map(|response| {
            response
                .into()
                .map_body(|_, body| TrackedBody { body, done })
        }))
    }
}

/// Marks its request's response done when dropped (the dispatcher drops a body once it is written out).
pub struct ResponseDone(Rc<HeadClock>);

impl Drop for ResponseDone {
    fn drop(&mut self) {
        self.0.response_done(Instant::now());
    }
}

pin_project! {
    /// A response body that marks its request done when the dispatcher is through with it.
    pub struct TrackedBody<B> {
        #[pin]
        body: B,
        done: Option<ResponseDone>,
    }
}

impl<B: MessageBody> MessageBody for TrackedBody<B> {
    type Error = B::Error;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        self.project().body.poll_next(cx)
    }

    // Kept so that actix writes a complete body in one piece, as it does without the wrapper.
    fn try_into_bytes(self) -> Result<Bytes, Self> {
        let Self { body, done } = self;
        body.try_into_bytes().map_err(|body| Self { body, done })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: Duration = Duration::from_secs(5);
    const KEEP_ALIVE: Duration = Duration::from_secs(5);

    #[test]
    fn a_head_has_its_timeout_from_its_first_byte() {
        let clock = HeadClock::new(HEAD, KEEP_ALIVE);
        assert_eq!(clock.deadline(), None, "no deadline before a byte");
        let start = Instant::now();
        assert!(clock.bytes_read(start));
        assert_eq!(clock.deadline(), Some(start + HEAD));
        // Later bytes of the same head don't extend it.
        assert!(!clock.bytes_read(start + Duration::from_secs(3)));
        assert_eq!(clock.deadline(), Some(start + HEAD));
    }

    #[test]
    fn a_request_being_served_has_no_head_deadline() {
        let clock = HeadClock::new(HEAD, KEEP_ALIVE);
        clock.bytes_read(Instant::now());
        clock.request_started();
        assert_eq!(clock.deadline(), None);
        // Its body (or a pipelined request) arriving doesn't start one.
        assert!(!clock.bytes_read(Instant::now()));
        assert_eq!(clock.deadline(), None);
    }

    #[test]
    fn after_a_response_the_next_head_is_bounded_even_before_a_byte_arrives() {
        let clock = HeadClock::new(HEAD, KEEP_ALIVE);
        clock.request_started();
        let done = Instant::now();
        clock.response_done(done);
        // Bytes buffered while serving may hold the next head's start: keep-alive plus a head's time at most.
        assert_eq!(clock.deadline(), Some(done + KEEP_ALIVE + HEAD));
        // A byte after the response starts the next head: a head's time from then.
        let byte = done + Duration::from_secs(1);
        assert!(clock.bytes_read(byte));
        assert_eq!(clock.deadline(), Some(byte + HEAD));
    }

    #[test]
    fn the_tighter_bound_wins() {
        let clock = HeadClock::new(HEAD, KEEP_ALIVE);
        clock.request_started();
        let done = Instant::now();
        clock.response_done(done);
        // A first byte just before the bound would allow more than it: the bound stays.
        let late = done + KEEP_ALIVE + Duration::from_secs(4);
        clock.bytes_read(late);
        assert_eq!(clock.deadline(), Some(done + KEEP_ALIVE + HEAD));
    }
}
