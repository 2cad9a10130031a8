//! A bounded queue of items with a queue of waiters: what a client's `recv` and a socket's
//! `accept` both wait on. An item goes to the oldest waiter still waiting, or is queued;
//! when the queue is full its oldest item is dropped.

use crate::error::SocketError;
use std::collections::VecDeque;
use tokio::sync::oneshot;

/// The answer a waiter gets.
pub type Waited<T> = Result<T, SocketError>;

/// Items not yet taken and callers waiting for the next one (never both non-empty for long).
#[derive(Debug)]
pub struct WaitQueue<T> {
    items: VecDeque<T>,
    waiters: VecDeque<oneshot::Sender<Waited<T>>>,
    capacity: usize,
}

impl<T> WaitQueue<T> {
    /// An empty queue keeping at most `capacity` items (at least 1).
    pub fn new(capacity: usize) -> Self {
        WaitQueue {
            items: VecDeque::new(),
            waiters: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// Number of queued items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Hands `item` to the oldest waiter still waiting, or queues it. Returns `true` when the
    /// queue was full and its oldest item was dropped to make room.
    pub fn push(&mut self, item: T) -> bool {
        let mut item = Ok(item);
        while let Some(w) = self.waiters.pop_front() {
            match w.send(item) {
                Ok(()) => return false,
                Err(back) => item = back,
            }
        }
        let Ok(item) = item else {
            return false;
        };
        let full = self.items.len() >= self.capacity;
        if full {
            self.items.pop_front();
        }
        self.items.push_back(item);
        full
    }

    /// The next item: answered at once when one is queued, else when one is pushed (or the
    /// queue fails its waiters). Waiters that gave up are forgotten here.
    pub fn pull(&mut self) -> oneshot::Receiver<Waited<T>> {
        let (tx, rx) = oneshot::channel();
        match self.items.pop_front() {
            Some(item) => {
                let _ = tx.send(Ok(item));
            }
            None => {
                self.waiters.retain(|w| !w.is_closed());
                self.waiters.push_back(tx);
            }
        }
        rx
    }

    /// Forgets every queued item.
    pub fn clear(&mut self) {
        self.items.clear();
    }

    /// Answers every waiting caller with the error `why()` makes.
    pub fn fail_waiters(&mut self, why: impl Fn() -> SocketError) {
        for w in self.waiters.drain(..) {
            let _ = w.send(Err(why()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::SocketErrorKind;

    #[test]
    fn items_go_to_waiters_in_order_then_queue_bounded() {
        let mut q = WaitQueue::new(2);
        let mut first = q.pull();
        let mut second = q.pull();
        assert!(!q.push(1));
        assert!(!q.push(2));
        assert_eq!(first.try_recv().unwrap().unwrap(), 1);
        assert_eq!(second.try_recv().unwrap().unwrap(), 2);
        assert!(!q.push(3));
        assert!(!q.push(4));
        assert!(q.push(5), "full: the oldest item is dropped");
        assert_eq!(q.len(), 2);
        assert_eq!(q.pull().try_recv().unwrap().unwrap(), 4);
        assert_eq!(q.pull().try_recv().unwrap().unwrap(), 5);
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn a_waiter_that_gave_up_does_not_swallow_an_item() {
        let mut q = WaitQueue::new(0);
        drop(q.pull());
        let mut live = q.pull();
        assert!(!q.push("a"));
        assert_eq!(live.try_recv().unwrap().unwrap(), "a");
        drop(q.pull());
        q.push("b");
        assert_eq!(q.len(), 1, "kept for the next caller");
    }

    #[test]
    fn failing_answers_every_waiter() {
        let mut q: WaitQueue<u8> = WaitQueue::new(4);
        let (mut a, mut b) = (q.pull(), q.pull());
        q.fail_waiters(|| SocketError::closed("gone"));
        assert_eq!(
            a.try_recv().unwrap().unwrap_err().kind(),
            SocketErrorKind::Closed
        );
        assert_eq!(
            b.try_recv().unwrap().unwrap_err().kind(),
            SocketErrorKind::Closed
        );
    }
}
