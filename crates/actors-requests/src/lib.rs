//! Cloud requests for scratchcommunication (PROTOCOL.md §8): the request syntax the client
//! sprite sends, typed request handlers, and dispatch with the original's reply semantics.
//!
//! * [`parse`] — the normal and Python-call request syntaxes, reference and lenient rules.
//! * [`serialize`] — what the sprite sends for a request (for Rust clients).
//! * [`Registry`] — handlers by name: plain or async functions with typed parameters
//!   ([`args`]) returning anything `Display` or a `Result` ([`handler`]).
//! * [`Dispatcher`] — sans-IO dispatch of one message to its reply ([`dispatch`]).
//! * [`RequestBot`] — the [`RequestHandler`] actor over an `actors-socket` cloud socket.

pub mod actor;
pub mod args;
pub mod dispatch;
pub mod error;
pub mod handler;
pub mod numbers;
pub mod parse;
pub mod registry;
pub mod serialize;
pub mod value;

pub use actor::{RequestBot, RequestBotBuilder, RequestHandler, RequestHandlerHandle};
pub use args::{CallArgs, Caller, FromArg, FromRequest, Kwargs, Rest};
pub use dispatch::{
    Dispatch, Dispatcher, ErrorAction, ErrorHook, HandlerFailed, Job, ReplyTexts, RequestEvent,
};
pub use error::{ErrorKind, ErrorMessage, RequestError};
pub use handler::{AsyncHandler, Failure, Handler, IntoReply, Outcome};
pub use numbers::is_scratch_numeric;
pub use parse::{parse_message, ParseOptions, SubRequest, Syntax};
pub use registry::{Entry, Registry, RequestBuilder};
pub use serialize::{serialize_argument, serialize_request};
pub use value::Value;
