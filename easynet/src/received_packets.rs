//! What every client's `iter_received_packets(budget)` shares, blocking or async, UDP or
//! Unix: one time budget for the whole iteration, and which results end it.
//!
//! The budget follows easynetwork's rule: only the time spent waiting inside a receive is
//! counted, not the caller's time between two items. `Some(Duration::ZERO)` takes only
//! what has already arrived; `None` has no limit.
//!
//! ```text
//!   receive ──Ok(packet)────────────▶ yield, go on
//!           ──Err(Parse)────────────▶ yield, go on (the bad packet is consumed)
//!           ──Err(Timeout | Closed)─▶ end          (budget spent, or close() called)
//!           ──Err(other)────────────▶ yield, end   (socket error, end of stream…)
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

/// The client errors the iteration tells apart (each family has its own error enum).
pub(crate) trait ClientError: Sized {
    /// The error of a receive that found nothing within its timeout.
    fn timeout() -> Self;
    /// Whether the error ends the iteration without being yielded.
    fn ends_iteration(&self) -> bool;
    /// Whether the iteration goes on after yielding the error.
    fn is_recoverable(&self) -> bool;
}

/// The state of one iteration: what is left of its budget, and whether it has ended.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Iteration {
    /// `None`: unlimited.
    budget: Option<Duration>,
    done: bool,
}

impl Iteration {
    pub(crate) fn new(budget: Option<Duration>) -> Self {
        Self {
            budget,
            done: false,
        }
    }

    /// The next item of a blocking iteration: `recv` receives one packet within the
    /// timeout it is given (what is left of the budget).
    pub(crate) fn next_blocking<T, E: ClientError>(
        &mut self,
        recv: impl FnOnce(Option<Duration>) -> Result<T, E>,
    ) -> Option<Result<T, E>> {
        if self.done {
            return None;
        }
        let started = Instant::now();
        let result = recv(self.budget);
        self.spend(started.elapsed());
        self.item(result)
    }

    fn spend(&mut self, elapsed: Duration) {
        if let Some(budget) = &mut self.budget {
            *budget = budget.saturating_sub(elapsed);
        }
    }

    /// What to yield for one receive's `result` (see the module's diagram).
    fn item<T, E: ClientError>(&mut self, result: Result<T, E>) -> Option<Result<T, E>> {
        match result {
            Ok(packet) => Some(Ok(packet)),
            Err(e) if e.is_recoverable() => Some(Err(e)),
            Err(e) if e.ends_iteration() => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// A receive in progress, boxed so that the streams stay `Unpin` and nameable.
pub(crate) type RecvFuture<'a, T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'a>>;

/// One receive bounded by `budget`: `now` takes only what has already arrived (for a zero
/// budget), `wait` waits for the next packet (cut short by the budget, if any).
pub(crate) fn budgeted<'a, T, E: ClientError + 'a>(
    budget: Option<Duration>,
    now: impl Future<Output = Result<T, E>> + Send + 'a,
    wait: impl Future<Output = Result<T, E>> + Send + 'a,
) -> RecvFuture<'a, T, E> {
    match budget {
        Some(Duration::ZERO) => Box::pin(now),
        Some(budget) => Box::pin(async move {
            tokio::time::timeout(budget, wait)
                .await
                .unwrap_or_else(|_| Err(E::timeout()))
        }),
        None => Box::pin(wait),
    }
}

/// The state of one async iteration (a `Stream`): an [`Iteration`] and the receive in
/// progress, which survives a pending `poll_next` so that no packet is lost.
pub(crate) struct AsyncIteration<'a, T, E> {
    iteration: Iteration,
    /// The receive in progress, and when it started.
    in_flight: Option<(tokio::time::Instant, RecvFuture<'a, T, E>)>,
}

impl<'a, T, E: ClientError> AsyncIteration<'a, T, E> {
    pub(crate) fn new(budget: Option<Duration>) -> Self {
        Self {
            iteration: Iteration::new(budget),
            in_flight: None,
        }
    }

    /// `Stream::poll_next`; `start` starts one receive within the timeout it is given
    /// (what is left of the budget), usually with [`budgeted`].
    pub(crate) fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
        start: impl FnOnce(Option<Duration>) -> RecvFuture<'a, T, E>,
    ) -> Poll<Option<Result<T, E>>> {
        if self.iteration.done {
            return Poll::Ready(None);
        }
        let budget = self.iteration.budget;
        let (started, future) = self
            .in_flight
            .get_or_insert_with(|| (tokio::time::Instant::now(), start(budget)));
        let result = ready!(future.as_mut().poll(cx));
        let elapsed = started.elapsed();
        self.in_flight = None;
        self.iteration.spend(elapsed);
        Poll::Ready(self.iteration.item(result))
    }
}

impl<T, E> fmt::Debug for AsyncIteration<'_, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncIteration")
            .field("budget", &self.iteration.budget)
            .field("done", &self.iteration.done)
            .field("receiving", &self.in_flight.is_some())
            .finish()
    }
}
