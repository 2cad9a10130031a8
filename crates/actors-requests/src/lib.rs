//! Cloud requests for scratchcommunication (§8; every § in these docs is a section of the repository's
//! `docs/protocol.md`): the request syntax the client
//! sprite sends, typed request handlers ([`RequestHandler`]), and [`RequestBot`], which answers
//! requests arriving over a cloud socket.
//!
//! A complete request bot (TurboWarp project 123456; the project contains the
//! "CloudConnection" sprite of Advanced CloudRequests):
//!
//! ```no_run
//! use actors_cloud::{CloudHandle, ConnectionConfig};
//! use actors_requests::{Caller, ErrorMessage, Registry, RequestBot};
//! use actors_socket::SocketConfig;
//!
//! #[actix_rt::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let cloud = CloudHandle::connect(ConnectionConfig::turbowarp("123456", "me@example.com")).await?;
//!     let mut requests = Registry::new();
//!     requests.request("ping", || "pong");
//!     requests.request("add", |a: i64, b: i64| a + b);
//!     requests.request("hello", |c: Caller| format!("Hello, {}!", c.username.unwrap_or("you".into())));
//!     requests.request("div", |a: f64, b: f64| if b == 0.0 { Err(ErrorMessage::new("no!")) } else { Ok(a / b) });
//!     let bot = RequestBot::builder(requests).listen_on(&cloud, SocketConfig::default())?;
//!     bot.run_for(std::time::Duration::from_secs(3600)).await; // then stops socket and connection
//!     Ok(())
//! }
//! ```
//!
//! In the project: `[cloud requests] initiate new request (add)`, `add argument (2)`,
//! `add argument (3)`, `send initiated request` → `[cloud] reception` is `5`.
//!
//! * [`parse_message`] — the normal and Python-call request syntaxes; reference and lenient rules
//!   (lenient, the default, also reads what the sprite sends and the original rejects:
//!   `-5`, `1e3`, `0x1A`, `Infinity`, ` 5`, `"a;b"`, and `a5` for request `a` with `5`).
//! * [`serialize_request`] — what the sprite sends for a request (for Rust clients).
//! * [`Registry`] — handlers by name: plain or async functions or closures with typed
//!   parameters ([`FromArg`], [`Caller`], [`Rest`], [`Kwargs`]) returning anything `Display`, `()`/`Option`, or a `Result`
//!   ([`IntoReply`]).
//! * [`Dispatcher`] — sans-IO dispatch of one message to its reply: only the
//!   last sub-request replies; `The command syntax was wrong.` / `Something went wrong.` by
//!   default ([`ReplyTexts`]); an error hook can retry a failed handler once.
//! * [`RequestBot`] — a running bot (an actor) over an `actors-socket` cloud socket:
//!   async handlers on its arbiter, blocking ones on a worker pool, panics caught, events.
//! * [`SaBot`] — the same `Registry` served to scratchattach's kits (`☁ TO_HOST` /
//!   `☁ FROM_HOST_1..9`, scratchattach's protocol) over a `CloudHandle`; sans-IO [`SaProtocol`] and
//!   [`SaDispatcher`]; [`CloudStorage`] for the Cloud Storage kit. Handlers may also return
//!   a `Vec` (the kit's list reply) and `()` (no reply there).

mod actor;
mod args;
mod dispatch;
mod error;
mod handler;
mod kits;
mod numbers;
mod parse;
mod registry;
mod value;

pub use actor::{BotStopReason, RequestBot, RequestBotBuilder};
/// What the sprite sends for a request (§8.1), for Rust clients; the implementation lives
/// with the sprite model in `actors-socket`.
pub use actors_socket::{serialize_argument, serialize_request};
pub use args::{CallArgs, Caller, FromArg, FromRequest, Kwargs, Rest};
pub use dispatch::{
    Dispatch, Dispatcher, ErrorAction, ErrorHook, HandlerFailed, Job, ReplyTexts, RequestEvent,
};
pub use error::{ErrorMessage, RequestError, RequestErrorKind};
pub use handler::{AsyncRequestHandler, Failure, IntoReply, Outcome, RequestHandler};
pub use kits::scratchattach::{
    sa_decode, sa_encode, CloudStorage, SaBot, SaBotBuilder, SaConfig, SaDispatcher, SaIncoming,
    SaPoll, SaProtocol, SaReply, SaRequest, SaStart, StorageBuilder,
};
pub use parse::{
    is_python_call, leading_name, parse_message, parse_normal, parse_normal_lenient, parse_python,
    NameLookup, ParseOptions, SubRequest, Syntax,
};
pub use registry::{Entry, Registry, RequestBuilder};
pub use value::Value;
// Python's `repr` of floats and strings, for the protocol's vector tests.
#[doc(hidden)]
pub use value::{py_float_repr, py_repr_str};
