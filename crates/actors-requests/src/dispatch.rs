//! Dispatch semantics (docs/protocol.md §8.2 steps 5–6), sans-IO.
//!
//! [`Dispatcher::begin`] parses a message and returns a [`Dispatch`]: a small state machine
//! that hands out one [`Job`] (a handler call) at a time and is fed each [`Outcome`](crate::Outcome); the
//! driver (the actor, or [`Dispatcher::dispatch`] for inline use) decides where jobs run.
//!
//! * A parse problem → the syntax-error reply (unknown request → the unknown-request reply,
//!   which defaults to the same text); nothing runs.
//! * Sub-requests run in order; only the **last** one's reply is sent.
//! * A failed handler (a [`Failure`] or a panic) → the error hook may retry
//!   it once, pick another reply or none; by default the failure reply. Later sub-requests
//!   do not run. Arguments that do not fit → the bad-argument reply; later ones do not run.
//! * A message without any sub-request (empty text) → no reply.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use crate::args::Caller;
use crate::error::{RequestError, RequestErrorKind};
use crate::handler::Failure;
use crate::parse::{parse_message, ParseOptions, SubRequest};
use crate::registry::Registry;
use crate::value::Value;

/// The reply texts of the cases where no handler answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplyTexts {
    /// A message that does not parse. Default: `The command syntax was wrong.`
    pub syntax_error: String,
    /// A request name that is not registered. Default: the syntax-error text, as the
    /// original (it raises `KeyError` while parsing).
    pub unknown_request: String,
    /// A failed (erroring or panicking) handler. Default: `Something went wrong.`
    pub failure: String,
    /// Arguments that do not fit the handler's parameters. `None` (default): the error
    /// itself, e.g. `argument 1 (a) of add must be an integer, got 'x'`.
    pub bad_argument: Option<String>,
}

impl Default for ReplyTexts {
    fn default() -> ReplyTexts {
        ReplyTexts {
            syntax_error: "The command syntax was wrong.".into(),
            unknown_request: "The command syntax was wrong.".into(),
            failure: "Something went wrong.".into(),
            bad_argument: None,
        }
    }
}

/// What the error hook decides for a failed handler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorAction {
    /// Send the failure reply (the default without a hook).
    Fail,
    /// Run the handler once more (only once; a second failure is [`ErrorAction::Fail`]).
    Retry,
    /// Send this text instead.
    Reply(String),
    /// Send nothing.
    Silent,
}

/// A failed handler, as the error hook sees it.
#[derive(Clone, Debug)]
pub struct HandlerFailed {
    /// Who called.
    pub caller: Caller,
    /// The sub-request that failed.
    pub request: SubRequest,
    /// What went wrong.
    pub failure: Failure,
    /// 1 for the first run, 2 for the retry.
    pub attempt: u32,
}

/// The error hook: called for every failed handler run.
pub type ErrorHook = Arc<dyn Fn(&HandlerFailed) -> ErrorAction + Send + Sync>;

/// Something worth reporting (the original's `invalid_syntax`, `error_in_request` and
/// `uncaught_error` events, plus [`Served`](RequestEvent::Served) for every handled
/// message). New kinds may be added, so match with a `_` arm.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum RequestEvent {
    /// A message did not parse.
    InvalidSyntax {
        /// Who sent it.
        caller: Caller,
        /// The message text.
        content: String,
        /// Why (kind `Syntax`, `UnknownRequest` or `PythonSyntaxRefused`).
        error: RequestError,
    },
    /// A handler failed, panicked or got arguments that do not fit.
    HandlerError {
        /// Who called.
        caller: Caller,
        /// The request name.
        request: String,
        /// Its positional arguments.
        args: Vec<Value>,
        /// Its keyword arguments.
        kwargs: Vec<(String, Value)>,
        /// What went wrong (kind `Handler`, `Panic` or `BadArgument`).
        error: RequestError,
    },
    /// An error outside any handler (e.g. the cloud socket failed while replying).
    UncaughtError {
        /// The client being served, if any.
        caller: Option<Caller>,
        /// The last message received from it, if any.
        last_message: Option<String>,
        /// What went wrong.
        error: RequestError,
    },
    /// One message was handled completely (emitted once per message, after the errors it
    /// caused): from receiving it to its reply being sent, or to knowing there is none.
    Served {
        /// Who sent it.
        caller: Caller,
        /// The name of the last sub-request that ran (or was about to), or the raw message
        /// text when it did not parse ([`Dispatch::label`]).
        request: String,
        /// From the message being received to the reply being written (or to the end of
        /// the dispatch when nothing was sent).
        elapsed: Duration,
        /// Whether a reply was sent.
        replied: bool,
    },
    /// This reader of a bot's `events()` fell behind: its `missed` oldest unread events
    /// were dropped for it (the bot carries on).
    Lagged {
        /// How many events it missed.
        missed: u64,
    },
}

impl actors_cloud::LagEvent for RequestEvent {
    fn lagged(missed: u64) -> Self {
        RequestEvent::Lagged { missed }
    }
}

/// Parses messages and runs the registry's handlers with the configured replies.
#[derive(Clone)]
pub struct Dispatcher {
    registry: Arc<Registry>,
    replies: Arc<ReplyTexts>,
    parse: ParseOptions,
    error_hook: Option<ErrorHook>,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher")
            .field("requests", &self.registry.names())
            .field("replies", &self.replies)
            .field("parse", &self.parse)
            .field("error_hook", &self.error_hook.is_some())
            .finish()
    }
}

impl Dispatcher {
    /// A dispatcher with the default replies and lenient parsing.
    pub fn new(registry: Registry) -> Dispatcher {
        Dispatcher {
            registry: Arc::new(registry),
            replies: Arc::new(ReplyTexts::default()),
            parse: ParseOptions::default(),
            error_hook: None,
        }
    }

    /// Use these reply texts.
    pub fn replies(mut self, replies: ReplyTexts) -> Dispatcher {
        self.replies = Arc::new(replies);
        self
    }

    /// Use these parser settings.
    pub fn parse_options(mut self, parse: ParseOptions) -> Dispatcher {
        self.parse = parse;
        self
    }

    /// Call `hook` for every failed handler run (it can retry once).
    pub fn on_error(
        mut self,
        hook: impl Fn(&HandlerFailed) -> ErrorAction + Send + Sync + 'static,
    ) -> Dispatcher {
        self.error_hook = Some(Arc::new(hook));
        self
    }

    /// The registry.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The reply texts.
    pub fn get_replies(&self) -> &ReplyTexts {
        &self.replies
    }

    /// Start handling `text` from `caller`.
    pub fn begin(&self, caller: Caller, text: &str) -> Dispatch {
        let mut dispatch = Dispatch {
            dispatcher: self.clone(),
            caller: caller.clone(),
            pending: VecDeque::new(),
            current: None,
            attempt: 0,
            reply: None,
            finished: false,
            events: Vec::new(),
            label: text.to_string(),
        };
        match parse_message(text, self.registry.as_ref(), self.parse) {
            Ok(subs) => dispatch.pending = subs.into(),
            Err(error) => {
                tracing::warn!(client = %caller.client_id, %error, "request with an invalid syntax");
                dispatch.reply = Some(if error.kind() == RequestErrorKind::UnknownRequest {
                    self.replies.unknown_request.clone()
                } else {
                    self.replies.syntax_error.clone()
                });
                dispatch.finished = true;
                dispatch.events.push(RequestEvent::InvalidSyntax {
                    caller,
                    content: text.to_string(),
                    error,
                });
            }
        }
        dispatch
    }

    /// Handle `text` completely on the current task, running blocking handlers inline too.
    /// Returns the reply (if any) and the events.
    pub async fn dispatch(
        &self,
        caller: Caller,
        text: &str,
    ) -> (Option<String>, Vec<RequestEvent>) {
        let mut d = self.begin(caller, text);
        loop {
            match d.next_job() {
                Some(job) => {
                    let outcome = job.run_here().await;
                    d.complete(outcome);
                }
                None => return d.finish(),
            }
        }
    }
}

mod state;

pub use state::{Dispatch, Job};

#[cfg(test)]
mod tests;
