//! Cloud requests for scratchcommunication: the request syntax the client sprite sends, typed
//! request handlers, and the `RequestHandler` actor that answers requests arriving over a
//! cloud socket (PROTOCOL.md §8).

pub mod error;
pub mod numbers;
pub mod parse;
pub mod value;

pub use error::{ErrorKind, ErrorMessage, RequestError};
pub use numbers::is_scratch_numeric;
pub use parse::{parse_message, ParseOptions, SubRequest, Syntax};
pub use value::Value;
