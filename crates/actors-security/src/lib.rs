//! Security layer of scratchcommunication cloud sockets, byte-compatible with the
//! reference Python library 3.0.0 and the client sprite (§3.2, §6, §7; every § in these docs is a section of the repository's
//! `docs/protocol.md`).
//!
//! Plain synchronous Rust, no I/O and no actors:
//! * the 91-character table ([`TABLE`]) and its digit encodings ([`server_encode`],
//!   [`server_decode`], [`client_encode`], [`client_decode`]);
//! * the per-connection cipher ([`CipherKey`]);
//! * server key material ([`Security`]: [`EcKeys`] or [`RsaKeys`]), its storage format, the
//!   public data for the project, and the server side of `_safe_connect`;
//! * what the client sprite does to connect securely ([`client_handshake`], [`PublicData`]);
//! * salt freshness guards for both sides ([`ServerReplayGuard`], [`ClientReplayGuard`]);
//! * key files (mode 0600) as `scratchcomm keygen` writes them ([`write_key_file`],
//!   [`read_key_file`]).
//!
//! Salts are `u64` centiseconds since the Unix epoch.

mod cipher;
mod client;
mod encoding;
mod error;
mod keyfile;
mod keys;
mod replay;
#[doc(hidden)]
pub mod workload;

pub use cipher::{random_seed, salt_pairs, salt_text, CipherKey, END_MARKER, MAX_SALT};
pub use client::{
    client_handshake, ec_handshake_with_scalar, rsa_handshake_with_digits, ClientHandshake,
    PublicData,
};
pub use encoding::{
    client_decode, client_encode, in_table, sanitize, server_decode, server_encode, TABLE,
};
pub use error::{SecurityError, SecurityErrorKind};
pub use keyfile::{read_key_file, write_key_file};
pub use keys::ec::STANDARD_BASE_HEX;
pub use keys::{
    EcKeys, RsaKeys, Security, VAR_PUBLIC_BASE, VAR_PUBLIC_EXPONENT, VAR_PUBLIC_MODULUS,
    VAR_PUBLIC_POINT, VAR_SCHEME,
};
pub use replay::{
    centis_ceil, centis_floor, centis_round, check_connect_salt, now_centis, Centis,
    ClientReplayGuard, ServerReplayGuard, FUTURE_WINDOW,
};
// For the protocol's vector tests only.
#[doc(hidden)]
pub use keys::{ec::parse_hex32, rsa::client_random_digits};
