//! Running the registry's handlers for the kit's requests, sans-IO: a request becomes a
//! [`Job`] (or an unknown-request event), a handler's [`Outcome`] becomes the kit's reply
//! (docs/protocol.md §A4.4 steps 8–9, §A5.1, §A6.1).

use std::sync::Arc;

use super::protocol::SaRequest;
use super::replies::SaReply;
use crate::args::{CallArgs, Caller};
use crate::dispatch::{Job, RequestEvent};
use crate::error::{RequestError, RequestErrorKind};
use crate::handler::Outcome;
use crate::registry::Registry;
use crate::value::Value;

/// What to do with a request.
#[derive(Debug)]
pub enum SaStart {
    /// Run this handler call, then feed its outcome to [`SaDispatcher::finish`].
    Run(Job),
    /// No handler of that name: no reply (the reference's silence; the sprite times out),
    /// only this event.
    Unknown(RequestEvent),
}

/// The kit's dispatch over a [`Registry`]: exact (case-sensitive) names, every argument a
/// string (typed parameters convert them as in the other kit), a failed handler or
/// arguments that do not fit answered with the reference's error list.
#[derive(Clone, Debug)]
pub struct SaDispatcher {
    registry: Arc<Registry>,
    failure_hint: String,
}

impl SaDispatcher {
    /// A dispatcher over `registry`.
    pub fn new(registry: Registry) -> SaDispatcher {
        SaDispatcher {
            registry: Arc::new(registry),
            failure_hint: "Check the Python console".into(),
        }
    }

    /// The second line of the error list a failed request gets (default the reference's
    /// `Check the Python console`, which projects may test for).
    pub fn failure_hint(mut self, hint: impl Into<String>) -> SaDispatcher {
        self.failure_hint = hint.into();
        self
    }

    /// The registry.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Who a request is reported as: the kit has no client identity, so its request id.
    pub fn caller(request: &SaRequest) -> Caller {
        Caller::new(request.id.clone(), None)
    }

    /// Start handling `request`.
    pub fn start(&self, request: &SaRequest) -> SaStart {
        let caller = Self::caller(request);
        let Some(entry) = self.registry.get(&request.name).cloned() else {
            tracing::warn!(request = %request.name, "unknown scratchattach request; no reply");
            return SaStart::Unknown(RequestEvent::InvalidSyntax {
                caller,
                content: text_of(request),
                error: RequestError::new(
                    RequestErrorKind::UnknownRequest,
                    format!("no request named {:?}", request.name),
                ),
            });
        };
        let args = request.args.iter().cloned().map(Value::Str).collect();
        let params = entry.params().to_vec();
        let args = CallArgs::new(caller, request.name.clone(), args, Vec::new(), params);
        SaStart::Run(Job::new(entry, args))
    }

    /// The reply for the outcome of `request`'s handler (none for `()` / `None`), and the
    /// handler-error event when it failed.
    pub fn finish(
        &self,
        request: &SaRequest,
        outcome: Outcome,
    ) -> (Option<SaReply>, Option<RequestEvent>) {
        let error = match outcome {
            Outcome::Reply(text) => return (Some(SaReply::Text(text)), None),
            Outcome::List(items) => return (Some(SaReply::List(items)), None),
            Outcome::Nothing => return (None, None),
            Outcome::BadArgument(error) => error,
            Outcome::Failed(failure) => failure.to_error(),
        };
        tracing::warn!(request = %request.name, %error, "scratchattach request failed");
        let reply = SaReply::List(vec![
            format!("Error in request {}", request.name),
            self.failure_hint.clone(),
        ]);
        let event = RequestEvent::HandlerError {
            caller: Self::caller(request),
            request: request.name.clone(),
            args: request.args.iter().cloned().map(Value::Str).collect(),
            kwargs: Vec::new(),
            error,
        };
        (Some(reply), Some(event))
    }
}

/// The request as the sprite wrote it (`name&arg&…`).
pub(crate) fn text_of(request: &SaRequest) -> String {
    let mut text = request.name.clone();
    for arg in &request.args {
        text.push('&');
        text.push_str(arg);
    }
    text
}
