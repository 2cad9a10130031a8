//! Wire types of the plain cloud-variable protocol (docs/protocol.md §1).
//!
//! Everything here is plain data and pure functions: validated newtypes for project ids,
//! variable names and values, the exact client frames the reference library sends, the
//! parser for server batches, and close codes that know whether a reconnect can help.

mod close;
mod error;
mod js_number;
mod message;
mod name;
mod number;
mod project;
mod secret;
mod value;

pub use close::{CloseCode, ReconnectAdvice};
pub use error::{WireError, WireErrorKind};
pub use js_number::{
    is_js_space, is_scratch_numeric, js_number_text, js_numeric_literal, js_parse_number,
    JsNumericLiteral,
};
pub use message::{parse_batch, push_python_json_string, ClientMessage, Method, ServerUpdate};
pub use name::{strip_prefix, VarName, CLOUD_PREFIX};
pub use number::{plain_decimal, plain_decimal_f32};
pub use project::ProjectId;
pub use secret::SessionId;
pub use value::{is_numeral, is_plain_decimal, CloudValue, ValueGrammar, ValueRules};
