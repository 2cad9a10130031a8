//! Handlers: plain and async Rust functions or closures with typed parameters, and what their
//! return values reply.
//!
//! A handler returns
//! * anything `Display` — replied as its text (`str(result)`, §8.2 step 6);
//! * `()` or `Option<T>` — `None`/`()` reply `None`, like a Python function returning nothing
//!   (the scratchattach kit sends nothing, as its reference);
//! * `Vec<T>` with `T: Display` (also in a `Result` as above) — a list: the scratchattach
//!   kit's list reply, Python's `str(list)` (`['a', 'b']`) in the original kit;
//! * `Result<T, E>` with `E: Display` — `Ok` as above, `Err(e)` replied verbatim (the
//!   original's `ErrorMessage`; use [`ErrorMessage`](crate::ErrorMessage) or any error type);
//! * `Result<T, Failure>` — `Err` is a failed handler: the client gets the failure text
//!   ("Something went wrong."), the error hook and events see the cause.
//!
//! A panicking handler is a failed handler too.

use std::fmt::Display;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::future::{FutureExt, LocalBoxFuture};

use crate::args::{CallArgs, FromRequest};
use crate::error::RequestError;

/// What running one handler produced.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The reply text.
    Reply(String),
    /// A list reply (a handler returning a `Vec`): the scratchattach kit sends it as a list;
    /// the original kit replies Python's `str()` of the list (`['a', 'b']`).
    List(Vec<String>),
    /// No value (a handler returning `()` or `None`): the original kit replies `None`, the
    /// scratchattach kit sends nothing, as the references do.
    Nothing,
    /// The handler failed (returned a [`Failure`] or panicked).
    Failed(Failure),
    /// The arguments did not fit the handler's parameters.
    BadArgument(RequestError),
}

/// A failed handler; replies the failure text. Build one from any error with `?` or
/// [`Failure::new`]. (Deliberately not `Display`, so that `Result<T, Failure>` is told apart
/// from a `Result` whose error text is the reply.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    message: String,
    panicked: bool,
}

impl Failure {
    /// A failure described by `message` (logged and reported, never sent to the client).
    pub fn new(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            panicked: false,
        }
    }

    /// The failure of a handler that panicked with `message`.
    pub fn panic(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            panicked: true,
        }
    }

    /// What went wrong.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether the handler panicked.
    pub fn panicked(&self) -> bool {
        self.panicked
    }

    /// As the crate's error type (kind `Handler` or `Panic`).
    pub fn to_error(&self) -> RequestError {
        let kind = if self.panicked {
            crate::RequestErrorKind::Panic
        } else {
            crate::RequestErrorKind::Handler
        };
        RequestError::new(kind, self.message.clone())
    }
}

impl<E: std::error::Error> From<E> for Failure {
    fn from(e: E) -> Failure {
        Failure::new(e.to_string())
    }
}

/// Marker types telling the [`IntoReply`] impls apart (inferred, never named by users).
pub mod marker {
    /// `T: Display`.
    pub struct Shown;
    /// `Result<T, E: Display>`.
    pub struct Fallible;
    /// `Result<T, Failure>`.
    pub struct Failing;
    /// `Option<T>`.
    pub struct Optional;
    /// `()`.
    pub struct Nothing;
    /// `Vec<T>`.
    pub struct Listed;
    /// `Result<Vec<T>, Failure>`.
    pub struct FailingList;
    /// `Result<Vec<T>, E: Display>`.
    pub struct FallibleList;
}

/// A handler return value.
pub trait IntoReply<M> {
    /// Turn it into the outcome of the handler.
    fn into_outcome(self) -> Outcome;
}

impl<T: Display> IntoReply<marker::Shown> for T {
    fn into_outcome(self) -> Outcome {
        Outcome::Reply(self.to_string())
    }
}

impl<T: Display, E: Display> IntoReply<marker::Fallible> for Result<T, E> {
    fn into_outcome(self) -> Outcome {
        match self {
            Ok(v) => Outcome::Reply(v.to_string()),
            Err(e) => Outcome::Reply(e.to_string()),
        }
    }
}

impl<T: Display> IntoReply<marker::Failing> for Result<T, Failure> {
    fn into_outcome(self) -> Outcome {
        match self {
            Ok(v) => Outcome::Reply(v.to_string()),
            Err(f) => Outcome::Failed(f),
        }
    }
}

impl<T: Display> IntoReply<marker::Optional> for Option<T> {
    fn into_outcome(self) -> Outcome {
        self.map_or(Outcome::Nothing, |v| Outcome::Reply(v.to_string()))
    }
}

impl IntoReply<marker::Nothing> for () {
    fn into_outcome(self) -> Outcome {
        Outcome::Nothing
    }
}

impl<T: Display> IntoReply<marker::Listed> for Vec<T> {
    fn into_outcome(self) -> Outcome {
        Outcome::List(self.iter().map(ToString::to_string).collect())
    }
}

impl<T: Display, E: Display> IntoReply<marker::FallibleList> for Result<Vec<T>, E> {
    fn into_outcome(self) -> Outcome {
        match self {
            Ok(v) => v.into_outcome(),
            Err(e) => Outcome::Reply(e.to_string()),
        }
    }
}

impl<T: Display> IntoReply<marker::FailingList> for Result<Vec<T>, Failure> {
    fn into_outcome(self) -> Outcome {
        match self {
            Ok(v) => v.into_outcome(),
            Err(f) => Outcome::Failed(f),
        }
    }
}

/// A request handler (what [`Registry::request`](crate::Registry::request) takes): a
/// blocking `Fn(A, B, …) -> R` with every parameter [`FromRequest`] and `R`
/// [`IntoReply`]. Implemented for every such function and closure; runs on a worker
/// thread (or inline when registered so).
pub trait RequestHandler<Args, M>: Send + Sync + 'static {
    /// Fill the parameters from `args` and run.
    fn call(&self, args: CallArgs) -> Outcome;
}

/// An async request handler (what [`Registry::request_async`](crate::Registry::request_async)
/// takes): `Fn(A, B, …) -> impl Future<Output = R>`. Runs on the bot's arbiter (the future
/// need not be `Send`).
pub trait AsyncRequestHandler<Args, M>: Send + Sync + 'static {
    /// Fill the parameters from `args` and start the future.
    fn call(&self, args: CallArgs) -> LocalBoxFuture<'static, Outcome>;
}

macro_rules! handler_impls {
    ($($a:ident),*) => {
        impl<F, R, M, $($a,)*> RequestHandler<($($a,)*), M> for F
        where
            F: Fn($($a),*) -> R + Send + Sync + 'static,
            R: IntoReply<M>,
            $($a: FromRequest,)*
        {
            #[allow(non_snake_case, unused_mut, unused_variables)]
            fn call(&self, mut args: CallArgs) -> Outcome {
                $(let $a = match $a::from_request(&mut args) {
                    Ok(v) => v,
                    Err(e) => return Outcome::BadArgument(e),
                };)*
                if let Err(e) = args.finish() {
                    return Outcome::BadArgument(e);
                }
                self($($a),*).into_outcome()
            }
        }

        impl<F, Fut, R, M, $($a,)*> AsyncRequestHandler<($($a,)*), M> for F
        where
            F: Fn($($a),*) -> Fut + Send + Sync + 'static,
            Fut: Future<Output = R> + 'static,
            R: IntoReply<M>,
            $($a: FromRequest,)*
        {
            #[allow(non_snake_case, unused_mut, unused_variables)]
            fn call(&self, mut args: CallArgs) -> LocalBoxFuture<'static, Outcome> {
                $(let $a = match $a::from_request(&mut args) {
                    Ok(v) => v,
                    Err(e) => return Box::pin(std::future::ready(Outcome::BadArgument(e))),
                };)*
                if let Err(e) = args.finish() {
                    return Box::pin(std::future::ready(Outcome::BadArgument(e)));
                }
                let fut = self($($a),*);
                Box::pin(async move { fut.await.into_outcome() })
            }
        }
    };
}

handler_impls!();
handler_impls!(A1);
handler_impls!(A1, A2);
handler_impls!(A1, A2, A3);
handler_impls!(A1, A2, A3, A4);
handler_impls!(A1, A2, A3, A4, A5);
handler_impls!(A1, A2, A3, A4, A5, A6);
handler_impls!(A1, A2, A3, A4, A5, A6, A7);
handler_impls!(A1, A2, A3, A4, A5, A6, A7, A8);
handler_impls!(A1, A2, A3, A4, A5, A6, A7, A8, A9);
handler_impls!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10);

type BlockingFn = dyn Fn(CallArgs) -> Outcome + Send + Sync;
type AsyncFn = dyn Fn(CallArgs) -> LocalBoxFuture<'static, Outcome> + Send + Sync;

/// A registered handler with its parameter types erased.
#[derive(Clone)]
pub enum ErasedHandler {
    /// Runs on a worker thread.
    Blocking(Arc<BlockingFn>),
    /// Runs on the request handler's arbiter.
    Async(Arc<AsyncFn>),
}

impl std::fmt::Debug for ErasedHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ErasedHandler::Blocking(_) => "Blocking(..)",
            ErasedHandler::Async(_) => "Async(..)",
        })
    }
}

impl ErasedHandler {
    /// Erase a blocking handler.
    pub fn blocking<Args, M, H: RequestHandler<Args, M>>(h: H) -> ErasedHandler {
        ErasedHandler::Blocking(Arc::new(move |args| h.call(args)))
    }

    /// Erase an async handler.
    pub fn future<Args, M, H: AsyncRequestHandler<Args, M>>(h: H) -> ErasedHandler {
        ErasedHandler::Async(Arc::new(move |args| h.call(args)))
    }

    /// Run a blocking handler on the current thread, catching a panic.
    pub(crate) fn run_blocking(f: &BlockingFn, args: CallArgs) -> Outcome {
        std::panic::catch_unwind(AssertUnwindSafe(|| f(args)))
            .unwrap_or_else(|payload| Outcome::Failed(Failure::panic(panic_text(&*payload))))
    }

    /// Run an async handler, catching a panic while creating or polling its future.
    pub(crate) fn run_async(f: Arc<AsyncFn>, args: CallArgs) -> LocalBoxFuture<'static, Outcome> {
        let started = std::panic::catch_unwind(AssertUnwindSafe(|| f(args)));
        match started {
            Err(payload) => {
                let failed = Outcome::Failed(Failure::panic(panic_text(&*payload)));
                Box::pin(std::future::ready(failed))
            }
            Ok(fut) => Box::pin(AssertUnwindSafe(fut).catch_unwind().map(|r| {
                r.unwrap_or_else(|payload| Outcome::Failed(Failure::panic(panic_text(&*payload))))
            })),
        }
    }
}

/// The message of a panic payload.
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a handler panicked".to_string()
    }
}
