//! [`EventStream`]: the one event stream type of the workspace.
//!
//! Every `events()` (a cloud connection's, a Sky's, a socket's, a request bot's, a fleet
//! member's) returns an `EventStream` of its own event type. All of them read a bounded
//! broadcast ring and treat a slow reader the same way: it loses its *oldest* unread
//! events and then gets one "lagged" event of its own type (`Lagged { missed }`, made by
//! [`LagEvent::lagged`]) before continuing with the newest ones. A stream ends when its
//! source stops for good, after the events already waiting for it.

use actix::Recipient;
use futures_util::future::BoxFuture;
use futures_util::Stream;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

/// An event type that can say "you missed `missed` events" (its `Lagged { missed }`
/// variant), so a slow [`EventStream`] reader gets an event instead of an error.
pub trait LagEvent: Clone + Send + 'static {
    /// The event telling a reader that `missed` events were dropped for it.
    fn lagged(missed: u64) -> Self;
}

/// An async stream of events (a `futures::Stream<Item = E>`): what every `events()` of the
/// workspace returns (a connection's or Sky's, a socket's, a request bot's, a fleet
/// member's), each with its own event type.
///
/// Bounded: it reads a broadcast ring of fixed capacity. A reader that falls behind loses
/// its *oldest* unread events and then gets one lagged event of its own type
/// (`Lagged { missed }`, see [`LagEvent`]) before continuing with the newest. It ends when
/// its source stops for good, after the events already waiting for it.
pub struct EventStream<E = crate::CloudEvent> {
    inner: Pin<Box<dyn Stream<Item = E> + Send>>,
}

/// What an [`EventStream`] reads: the receiver, which events it passes, how it says
/// "lagged", and the signal that the source stopped.
struct Source<E> {
    rx: broadcast::Receiver<E>,
    keep: Box<dyn Fn(&E) -> bool + Send>,
    lagged: Box<dyn Fn(u64) -> E + Send>,
    stop: Option<BoxFuture<'static, ()>>,
    /// The source stopped: hand out what is buffered, then end.
    draining: bool,
}

enum Step<E> {
    Got(Result<E, RecvError>),
    Stopped,
}

impl<E: Clone + Send + 'static> Source<E> {
    async fn next(&mut self) -> Option<E> {
        loop {
            let step = if self.draining {
                match self.rx.try_recv() {
                    Ok(e) => Step::Got(Ok(e)),
                    Err(TryRecvError::Lagged(n)) => Step::Got(Err(RecvError::Lagged(n))),
                    Err(TryRecvError::Empty | TryRecvError::Closed) => return None,
                }
            } else if let Some(stop) = self.stop.as_mut() {
                let rx = &mut self.rx;
                tokio::select! {
                    biased;
                    got = rx.recv() => Step::Got(got),
                    () = stop => Step::Stopped,
                }
            } else {
                Step::Got(self.rx.recv().await)
            };
            match step {
                Step::Stopped => {
                    self.stop = None;
                    self.draining = true;
                }
                Step::Got(Ok(e)) if (self.keep)(&e) => return Some(e),
                Step::Got(Ok(_)) => {}
                Step::Got(Err(RecvError::Lagged(missed))) => return Some((self.lagged)(missed)),
                Step::Got(Err(RecvError::Closed)) => return None,
            }
        }
    }
}

impl<E: Clone + Send + 'static> EventStream<E> {
    /// The general constructor: events of `rx` that `keep` accepts, `lagged(n)` for a
    /// reader that missed `n`, ending when every sender is gone or `stopped` resolves.
    pub(crate) fn build(
        rx: broadcast::Receiver<E>,
        keep: impl Fn(&E) -> bool + Send + 'static,
        lagged: impl Fn(u64) -> E + Send + 'static,
        stopped: Option<BoxFuture<'static, ()>>,
    ) -> Self {
        let source = Source {
            rx,
            keep: Box::new(keep),
            lagged: Box::new(lagged),
            stop: stopped,
            draining: false,
        };
        let inner = futures_util::stream::unfold(source, |mut source| async move {
            let event = source.next().await?;
            Some((event, source))
        });
        EventStream {
            inner: Box::pin(inner),
        }
    }

    /// A stream that ends at once (for a source that already stopped).
    pub fn ended() -> Self {
        EventStream {
            inner: Box::pin(futures_util::stream::empty()),
        }
    }

    /// Wait for the next event; `None` once the source stopped for good.
    pub async fn next_event(&mut self) -> Option<E> {
        futures_util::StreamExt::next(self).await
    }
}

impl<E: LagEvent> EventStream<E> {
    /// A stream over `rx` (for crates that publish their own events through a tokio
    /// broadcast): ends when every sender of the channel is dropped.
    pub fn new(rx: broadcast::Receiver<E>) -> Self {
        Self::build(rx, |_| true, E::lagged, None)
    }

    /// A stream over `rx` that also ends when `stopped` resolves (the source stopped for
    /// good although senders may still exist), after the events already buffered for it.
    pub fn until(
        rx: broadcast::Receiver<E>,
        stopped: impl Future<Output = ()> + Send + 'static,
    ) -> Self {
        Self::build(rx, |_| true, E::lagged, Some(Box::pin(stopped)))
    }
}

impl<E> EventStream<E>
where
    E: actix::Message + Clone + Send + 'static,
    E::Result: Send,
{
    /// Feed this stream to `r` with `send().await`, in order, on a spawned task (inside an
    /// actix System), until the stream ends or the recipient's actor is gone.
    pub fn forward_to(mut self, r: Recipient<E>) {
        actix::spawn(async move {
            while let Some(ev) = self.next_event().await {
                if r.send(ev).await.is_err() {
                    break;
                }
            }
        });
    }
}

impl<E> Stream for EventStream<E> {
    type Item = E;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<E>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl<E> std::fmt::Debug for EventStream<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventStream")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    enum Ev {
        N(u32),
        Lagged { missed: u64 },
    }

    impl LagEvent for Ev {
        fn lagged(missed: u64) -> Self {
            Ev::Lagged { missed }
        }
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
    }

    async fn bounded<T>(f: impl Future<Output = T>) -> T {
        tokio::time::timeout(std::time::Duration::from_secs(5), f)
            .await
            .expect("no hang")
    }

    #[test]
    fn a_lagging_reader_gets_lagged_then_the_newest_and_ends_with_the_senders() {
        let (tx, rx) = broadcast::channel(4);
        let mut stream = EventStream::new(rx);
        for i in 0..10 {
            tx.send(Ev::N(i)).unwrap();
        }
        rt().block_on(bounded(async {
            assert_eq!(stream.next_event().await, Some(Ev::Lagged { missed: 6 }));
            for i in 6..10 {
                assert_eq!(stream.next_event().await, Some(Ev::N(i)));
            }
            // Still open: new events keep coming.
            tx.send(Ev::N(10)).unwrap();
            assert_eq!(stream.next_event().await, Some(Ev::N(10)));
            drop(tx);
            assert_eq!(stream.next_event().await, None);
        }));
    }

    #[test]
    fn a_stopped_source_ends_the_stream_after_what_was_buffered() {
        let (tx, rx) = broadcast::channel(4);
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let mut stream = EventStream::until(rx, async move {
            let _ = stop_rx.await;
        });
        for i in 0..6 {
            tx.send(Ev::N(i)).unwrap();
        }
        stop_tx.send(()).unwrap();
        rt().block_on(bounded(async {
            assert_eq!(stream.next_event().await, Some(Ev::Lagged { missed: 2 }));
            for i in 2..6 {
                assert_eq!(stream.next_event().await, Some(Ev::N(i)));
            }
            // The sender still exists, but the source said it stopped.
            assert_eq!(stream.next_event().await, None);
        }));
        drop(tx);
    }

    #[test]
    fn a_stop_while_waiting_ends_the_stream() {
        let (_tx, rx) = broadcast::channel::<Ev>(4);
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let mut stream = EventStream::until(rx, async move {
            let _ = stop_rx.await;
        });
        rt().block_on(bounded(async {
            let waiting = tokio::spawn(async move { stream.next_event().await });
            tokio::task::yield_now().await;
            stop_tx.send(()).unwrap();
            assert_eq!(waiting.await.unwrap(), None);
        }));
    }
}
