//! The per-message state machine and the jobs it hands out.

use std::collections::VecDeque;
use std::sync::Arc;

use futures_util::future::LocalBoxFuture;

use super::{Dispatcher, ErrorAction, HandlerFailed, RequestEvent};
use crate::args::{CallArgs, Caller};
use crate::error::RequestError;
use crate::handler::{ErasedHandler, Outcome};
use crate::parse::SubRequest;
use crate::registry::Entry;
use crate::value::py_repr_str;

/// One message being handled. Drive it with [`next_job`](Dispatch::next_job) /
/// [`complete`](Dispatch::complete) until `next_job` returns `None`, then take the reply
/// with [`finish`](Dispatch::finish).
pub struct Dispatch {
    pub(super) dispatcher: Dispatcher,
    pub(super) caller: Caller,
    pub(super) pending: VecDeque<SubRequest>,
    pub(super) current: Option<SubRequest>,
    pub(super) attempt: u32,
    pub(super) reply: Option<String>,
    pub(super) finished: bool,
    pub(super) events: Vec<RequestEvent>,
    /// The raw text until a sub-request is handed out, then that sub-request's name.
    pub(super) label: String,
}

impl std::fmt::Debug for Dispatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatch")
            .field("caller", &self.caller)
            .field("pending", &self.pending)
            .field("current", &self.current)
            .field("finished", &self.finished)
            .finish()
    }
}

/// One handler call to run. Blocking handlers go to a worker thread with
/// [`run_blocking`](Job::run_blocking) unless [`is_inline`](Job::is_inline); async ones are
/// polled on the current thread ([`run_here`](Job::run_here)). Panics become
/// [`Outcome::Failed`].
pub struct Job {
    entry: Arc<Entry>,
    args: CallArgs,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("request", &self.entry.name())
            .field("args", &self.args)
            .finish()
    }
}

impl Job {
    /// A call of `entry` with `args` (for drivers that parse requests themselves).
    pub(crate) fn new(entry: Arc<Entry>, args: CallArgs) -> Job {
        Job { entry, args }
    }

    /// The request name.
    pub fn request(&self) -> &str {
        self.entry.name()
    }

    /// Whether the job should run on the driver's own thread (async handlers, and blocking
    /// handlers registered as inline).
    pub fn is_inline(&self) -> bool {
        self.entry.is_inline()
    }

    /// Whether the handler is async.
    pub fn is_async(&self) -> bool {
        matches!(self.entry.handler(), ErasedHandler::Async(_))
    }

    /// Run to completion on the current thread (blocking handlers block it).
    pub fn run_here(self) -> LocalBoxFuture<'static, Outcome> {
        match self.entry.handler() {
            ErasedHandler::Async(f) => ErasedHandler::run_async(f.clone(), self.args),
            ErasedHandler::Blocking(f) => {
                let outcome = ErasedHandler::run_blocking(f.as_ref(), self.args);
                Box::pin(std::future::ready(outcome))
            }
        }
    }

    /// Run a blocking handler synchronously (for a worker thread). An async handler is
    /// driven to completion with a minimal executor, so this is total.
    pub fn run_blocking(self) -> Outcome {
        match self.entry.handler() {
            ErasedHandler::Blocking(f) => ErasedHandler::run_blocking(f.as_ref(), self.args),
            ErasedHandler::Async(_) => block_on(self.run_here()),
        }
    }
}

/// Poll a future to completion on this thread, parking between wake-ups.
fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    loop {
        if let std::task::Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}

/// Python's `str()` of a list of strings: `['a', "it's"]`.
fn py_list_str(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|s| py_repr_str(s)).collect();
    format!("[{}]", items.join(", "))
}

impl Dispatch {
    /// The next handler call, or `None` when the message is done.
    pub fn next_job(&mut self) -> Option<Job> {
        if self.finished {
            return None;
        }
        if self.current.is_none() {
            self.current = self.pending.pop_front();
            self.attempt = 0;
        }
        let Some(sub) = &self.current else {
            self.finished = true;
            return None;
        };
        let Some(entry) = self.dispatcher.registry.get(&sub.name).cloned() else {
            // The registry cannot change under a dispatch; treat it as an unknown request.
            self.reply = Some(self.dispatcher.replies.unknown_request.clone());
            self.finished = true;
            return None;
        };
        self.attempt += 1;
        if self.label != sub.name {
            self.label = sub.name.clone();
        }
        let args = CallArgs::new(
            self.caller.clone(),
            sub.name.clone(),
            sub.args.clone(),
            sub.kwargs.clone(),
            entry.params().to_vec(),
        )
        .texts(sub.texts.clone());
        Some(Job { entry, args })
    }

    /// Feed the outcome of the job last returned by [`next_job`](Dispatch::next_job).
    pub fn complete(&mut self, outcome: Outcome) {
        let Some(sub) = self.current.clone() else {
            return;
        };
        let last = self.pending.is_empty();
        // What the original kit replies for each value (Python's `str()` of it).
        let text = match &outcome {
            Outcome::Reply(text) => Some(text.clone()),
            Outcome::List(items) => Some(py_list_str(items)),
            Outcome::Nothing => Some("None".to_string()),
            Outcome::BadArgument(_) | Outcome::Failed(_) => None,
        };
        if let Some(text) = text {
            self.current = None;
            if last {
                self.reply = Some(text);
            }
            return;
        }
        match outcome {
            Outcome::Reply(_) | Outcome::List(_) | Outcome::Nothing => {}
            Outcome::BadArgument(error) => {
                tracing::warn!(client = %self.caller.client_id, request = %sub.name, %error, "request arguments do not fit");
                self.reply = Some(
                    self.dispatcher
                        .replies
                        .bad_argument
                        .clone()
                        .unwrap_or_else(|| error.detail().to_string()),
                );
                self.report(&sub, error);
                self.stop();
            }
            Outcome::Failed(failure) => {
                let error = failure.to_error();
                tracing::warn!(client = %self.caller.client_id, request = %sub.name, attempt = self.attempt, %error, "request handler failed");
                self.report(&sub, error);
                let action = match &self.dispatcher.error_hook {
                    Some(hook) => hook(&HandlerFailed {
                        caller: self.caller.clone(),
                        request: sub.clone(),
                        failure,
                        attempt: self.attempt,
                    }),
                    None => ErrorAction::Fail,
                };
                match action {
                    ErrorAction::Retry if self.attempt < 2 => {}
                    ErrorAction::Retry | ErrorAction::Fail => {
                        self.reply = Some(self.dispatcher.replies.failure.clone());
                        self.stop();
                    }
                    ErrorAction::Reply(text) => {
                        self.reply = Some(text);
                        self.stop();
                    }
                    ErrorAction::Silent => {
                        self.reply = None;
                        self.stop();
                    }
                }
            }
        }
    }

    fn report(&mut self, sub: &SubRequest, error: RequestError) {
        self.events.push(RequestEvent::HandlerError {
            caller: self.caller.clone(),
            request: sub.name.clone(),
            args: sub.args.clone(),
            kwargs: sub.kwargs.clone(),
            error,
        });
    }

    fn stop(&mut self) {
        self.current = None;
        self.pending.clear();
        self.finished = true;
    }

    /// Events so far (drained).
    pub fn take_events(&mut self) -> Vec<RequestEvent> {
        std::mem::take(&mut self.events)
    }

    /// The reply to send (if any) and the remaining events.
    pub fn finish(mut self) -> (Option<String>, Vec<RequestEvent>) {
        let events = self.take_events();
        (self.reply.take(), events)
    }

    /// Who sent the message.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// What the message is reported as in [`RequestEvent::Served`]: the name of the last
    /// sub-request handed out by [`next_job`](Dispatch::next_job), or the raw message text
    /// when none was (it did not parse, or was empty).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The [`RequestEvent::Served`] for this message, given how long it took (measured by
    /// the driver, which owns the clock) and whether a reply was sent.
    pub fn served(&self, elapsed: std::time::Duration, replied: bool) -> RequestEvent {
        RequestEvent::Served {
            caller: self.caller.clone(),
            request: self.label.clone(),
            elapsed,
            replied,
        }
    }
}
