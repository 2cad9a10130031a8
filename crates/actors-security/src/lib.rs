//! Security layer of scratchcommunication cloud sockets, byte-compatible with the
//! reference Python library 3.0.0 and the client sprite (PROTOCOL.md §3.2, §6, §7).
//!
//! Plain synchronous Rust, no I/O and no actors:
//! * [`encoding`]: the 91-character table and its digit encodings;
//! * [`cipher`]: the per-connection cipher ([`CipherKey`]);
//! * [`keys`]: server key material ([`Security`], EC or RSA), its storage format, the
//!   public data for the project, and the server side of `_safe_connect`;
//! * [`client`]: what the client sprite does to connect securely;
//! * [`replay`]: salt freshness guards for both sides;
//! * [`keyfile`]: key files (mode 0600) as `scratchcomm keygen` writes them.
//!
//! Salts are `u64` centiseconds since the Unix epoch.

#![deny(missing_docs)]
#![warn(clippy::missing_errors_doc)]

pub mod cipher;
pub mod client;
pub mod encoding;
mod error;
pub mod keyfile;
pub mod keys;
pub mod replay;
#[doc(hidden)]
pub mod workload;

pub use cipher::CipherKey;
pub use error::{SecurityError, SecurityErrorKind};
pub use keys::Security;
