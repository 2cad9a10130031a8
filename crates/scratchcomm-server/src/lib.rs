//! Embedded cloud-variable server speaking TurboWarp cloud-server's protocol
//! (PROTOCOL.md §1). The standalone [`CloudServer`] serves `ws://` on its own lean transport
//! (tokio worker threads, frames written straight to the socket); mounted into an actix-web
//! `App` ([`configure`]) and over `wss://` it runs on actix-web + actix-ws. Both run the
//! same sessions and protocol.
//!
//! ```no_run
//! # async fn demo() -> Result<(), scratchcomm_server::ServerError> {
//! use scratchcomm_server::{CloudServer, ServerConfig};
//! let server = CloudServer::start(ServerConfig::default()).await?; // 127.0.0.1, free port
//! println!("clients connect to {}", server.url());
//! server.stop().await; // clients get 1001, the port is free again
//! # Ok(()) }
//! ```
//!
//! # Protocol
//! The rules are TurboWarp cloud-server's (commit `a0b29ec`, default config); the
//! differential suite `tests/conformance.rs` runs the same scripted sessions against that
//! server (`../shared/peers/`) and ours and requires the same outcome, case by case.
//! * A text frame is exactly **one** JSON object with a string `method`;
//!   several messages in one frame, invalid JSON, an array or a missing `method` close with
//!   4000. A repeated key keeps its last value. Binary frames are ignored.
//! * The first message must be `{"method":"handshake","user":..,"project_id":..}`. The
//!   room is JavaScript's `String(project_id)`, 1 to 999 UTF-16 units: `5`, `5.0` and
//!   `"5"` are one room, a missing id is the room `"undefined"`. `set`/`create` or an
//!   unknown method first close with 4000; `rename`/`delete` first are ignored.
//! * On join the client receives **one** frame with every variable of the room, in the
//!   order they were created, as newline-separated `{"method":"set","name":..,"value":..}`
//!   messages. Like TurboWarp, **nothing at all is sent when the room has no variables yet**
//!   (no empty frame, no acknowledgement): a client cannot tell "empty room" from "dump still
//!   in flight". See [Join dump and empty rooms](#join-dump-and-empty-rooms).
//! * `set` and `create` store the value and forward `{"method":"set",..}` to the room's
//!   *other* clients (never back to the sender). A value is valid when it is a string that
//!   `scratchcomm_wire::is_plain_decimal` accepts (`""`, `"-."`, `"007"`; not `"1e5"`) of at
//!   most `max_value_chars` characters, or a finite JSON number, which is stored and relayed
//!   as the number it means, printed as JavaScript does (`scratchcomm_wire::js_number_text`:
//!   `-0` → `0`, `1E5` → `100000`, 30 digits → `1.2345678901234568e+29`; `1e400` is
//!   infinite, so invalid). Invalid values are ignored: not stored, not forwarded,
//!   connection kept.
//! * Names are taken as they come: any string (with or without the
//!   `☁ ` prefix, any length), a number, `true`, `null`, or none at all (relayed without a
//!   `name`). [`ServerConfig::require_cloud_prefix`] and [`ServerConfig::max_name_chars`]
//!   can make names stricter (off by default).
//! * `rename` and `delete` are ignored, as TurboWarp does by default. With
//!   [`ServerConfig::allow_rename_delete`] they change the room and are forwarded to the
//!   other clients as `{"method":"rename","name":..,"new_name":..}` /
//!   `{"method":"delete","name":..}`; renaming or deleting a variable that does not exist
//!   then closes with 4000.
//! * Outgoing updates already waiting in a client's queue are sent together as one frame of
//!   newline-separated messages (up to [`ServerConfig::batch_bytes`]), as TurboWarp does;
//!   the join dump is always a frame of its own.
//! * Limits as TurboWarp: 128 clients per room (one more: 4000), 128 variables per room (a
//!   new one beyond: 4000), messages up to 1 MiB (a frame or fragmented message over it:
//!   1009, as soon as its header declares it).
//! * Every complete frame a client sent before it closed, half-closed (TCP FIN) or dropped
//!   the connection is processed, in order, before its session ends: a client (e.g.
//!   `scratchcomm set`) may write its handshake and `set` and exit at once. Only an
//!   incomplete last frame is lost.
//!
//! # Deliberate differences from TurboWarp's server
//! Each is strictly safer and invisible to a client written for TurboWarp's server; the
//! conformance suite lists the ones it can observe (`DIFFERENCES` in
//! `tests/conformance/cases.rs`) and checks that they really differ.
//! * **An object or array as a variable name** closes with 4000. TurboWarp keys its room's
//!   variables by the object's identity, so each such `set` creates a new variable that no
//!   later message can name, until the room's 128 are used up. No Scratch or TurboWarp
//!   client sends one.
//! * **No Scratch Team username list.** TurboWarp's public server refuses some 75 usernames of
//!   Scratch Team members (its `impersonation.filter`) with 4002. That list is a policy of
//!   its deployment, changes over time and is not ours to copy; a self-hosted server does
//!   not need it. Every other username rule is the same.
//! * **A string that is not valid Unicode** (an unpaired `\ud800` escape) as a name or
//!   project id closes with 4000 (Rust strings are UTF-8); TurboWarp keeps it. No Scratch
//!   or TurboWarp client produces one.
//! * **Handshake timeout**: a connection without a handshake 10 s after it opened is closed
//!   with 4000 ([`ServerConfig::handshake_timeout`]); TurboWarp drops such connections
//!   without a close frame after 30 to 60 s (it checks every 30 s for connections older
//!   than 30 s without a room). Real clients handshake at once. Conformance cases
//!   `no_handshake` (the difference) and `handshake_after_5_s` (a late handshake is served
//!   alike).
//! * **Capacity**: at most [`Limits::max_rooms`] rooms (1024; TurboWarp 16384) and
//!   [`Limits::max_connections`] connections (4096; TurboWarp none), beyond which 4003; a
//!   client too slow to read its updates is closed with 1013 instead of buffering without
//!   bound. Empty rooms are dropped only when a new room needs the space (TurboWarp: after an
//!   hour).
//! * **The refusal text** sent before closing with 4005 (Scratch session cookie) is our own
//!   wording; the code and the rule (`Cookie` starting with `scratchsessionsid=`) are the
//!   same.
//! * Optional, off by default: [`ServerConfig::unique_usernames`] (4002 for a name already
//!   in the room), [`ServerConfig::require_user_agent`] (4006), [`ProjectFilter`] (4004).
//!
//! # Keeping rooms across restarts
//! By default rooms live in memory only: a restarted server starts empty. With
//! [`ServerConfig::storage`]`(`[`Storage::sqlite`]`(FILE))` (`scratchcomm serve --data FILE`) every room's variables are kept in an SQLite file
//! (bundled SQLite, WAL mode) and loaded at start, so a client joining after a clean stop
//! or a crash gets them in its join dump. Connections never wait for the disk: changes are
//! recorded in memory, coalesced per variable, and written by a background thread in one
//! transaction every [`ServerConfig::flush_interval`] (default 500 ms) and on
//! [`CloudServer::stop`]. **Durability window:** a change is on disk at most one
//! `flush_interval` plus the time of that write after it was made; `kill -9` loses at most
//! the changes of that window and never leaves a half-written file. The current limits
//! and name/value rules apply to what is loaded; loaded variables are dumped in name order
//! (a running room dumps them in creation order, as TurboWarp does). Variables whose name is
//! not a JSON string (TurboWarp relays a number or `null` as a name; no Scratch client sends
//! one) live in memory only. Other backends implement [`RoomStore`] ([`Storage::Custom`]); its
//! documentation says what a store is given and when.
//!
//! ```no_run
//! # async fn demo() -> Result<(), scratchcomm_server::ServerError> {
//! use scratchcomm_server::{CloudServer, ServerConfig, Storage, TlsFiles};
//! let config = ServerConfig::default()
//!     .storage(Storage::sqlite("/var/lib/scratchcomm/cloud.db"))
//!     .tls(TlsFiles::new("/etc/scratchcomm/cert.pem", "/etc/scratchcomm/key.pem"));
//! let server = CloudServer::start(config).await?; // loads the stored rooms first
//! println!("clients connect to {}", server.url()); // wss://127.0.0.1:PORT/
//! server.stop_and_store().await?; // everything written, the file closed
//! # Ok(()) }
//! ```
//!
//! # Several nodes sharing rooms
//! With [`ServerConfig::redis`]`(`[`RedisConfig::new`]`(URL))` (`scratchcomm serve --redis
//! redis://HOST:PORT/`) any number of servers share every room through Redis: a
//! set through one node reaches the room's clients on every node in the order the room
//! saw it, a client joining any node gets the complete join dump, and the variables live
//! in Redis. Losing Redis, a node keeps serving its own clients, reports it (log,
//! `GET /health` → 503) and resynchronises when Redis is back (`cluster.rs` describes how).
//! [`Storage::Redis`] keeps a single server's rooms in the same Redis hashes.
//!
//! # TLS
//! [`ServerConfig::tls`] ([`TlsFiles`]: a PEM certificate chain and its private key;
//! `scratchcomm serve --tls-cert PEM --tls-key PEM`) makes the server speak `wss://`
//! (rustls 0.23 with the ring provider); [`CloudServer::url`] then starts with `wss://`.
//! The files are read at start; a missing file, one that is not PEM, or a key that does
//! not belong to the certificate is an error naming the file ([`ServerErrorKind::Tls`]).
//! An embedding app binds TLS itself (e.g. `HttpServer::bind_rustls_0_23` with
//! [`TlsFiles::load`]).
//!
//! # No client can hurt another
//! * **Outbound:** each client has its own queue of unsent updates (`outbox.rs`), measured
//!   in bytes and in the age of its oldest update, never in frames. At each wake-up the
//!   client's task takes everything queued and writes it as frames of newline-separated
//!   messages. While more than [`ServerConfig::outbound_coalesce_bytes`] (4 MiB) wait, a
//!   `set` superseded by a later set of the same variable is dropped for that client (it
//!   gets the latest value of every variable; renames and deletes are kept in place). A
//!   client is too slow (1013) only when it still holds more than
//!   [`ServerConfig::outbound_max_bytes`] (4 MiB) or has not taken an update for
//!   [`ServerConfig::outbound_max_lag`] (15 s): a client that reads is never closed
//!   because of another client's burst.
//! * **Inbound:** each connection has an allowance ([`InboundLimit`], default 20,000
//!   messages/s with bursts of 20,000, and 8 MiB/s with bursts of 16 MiB; `None` turns it
//!   off). Over it, the server stops reading that connection until the allowance is back:
//!   TCP slows the sender down, it is not closed. TurboWarp's server has no such limit; the
//!   defaults are far above what Scratch (about 10 sets/s) or a bot sends.
//!
//! # Join dump and empty rooms
//! A client cannot ask whether the dump is complete or will come at all. The cloud client of
//! this workspace (`scratchcomm-actors-cloud`) therefore treats the *first frame within its
//! snapshot window* (500 ms after writing the handshake) as the join dump. Because this
//! server, like TurboWarp, sends nothing to a client joining an empty room, the first frame
//! such a client receives is a live update: if another client's `set` reaches it inside the
//! window, it is taken for the dump (cached without a change event). Clients that need
//! every update must not rely on the first frame after joining an empty room being an
//! event. Sending an empty or marker frame would remove the ambiguity, but this server is
//! meant to behave like TurboWarp's so that code tested against it behaves the same against
//! the real server; it therefore does not. The test
//! `empty_room_sends_no_dump` (and the wire test of the join dump) pins this behaviour.
//!
//! # Close codes
//! | code | when |
//! |---|---|
//! | 4000 | anything but a handshake (or an ignored `rename`/`delete`) first, a second handshake, a frame that is not one JSON object with a string `method`, an unknown method, an invalid project id, an object or array as name, a full room, a new variable beyond `max_variables_per_room`, no handshake within `handshake_timeout`; with the options on, a name they refuse or rename/delete of a missing variable |
//! | 4002 | username not 1–20 characters of `A-Z a-z 0-9 _ -` (or taken, with [`ServerConfig::unique_usernames`]) |
//! | 4003 | server full (`max_connections`, `max_rooms`) |
//! | 4004 | the project is refused by [`ProjectFilter`] |
//! | 4005 | the upgrade request carries a Scratch session cookie ([`ServerConfig::refuse_scratch_session_cookie`], on by default) |
//! | 4006 | no `User-Agent` header, when [`ServerConfig::require_user_agent`] is on |
//! | 1002 | a websocket protocol error (reserved bits, unknown opcode, unmasked frame, bad fragments, control frame over 125 bytes) |
//! | 1007 | a text frame that is not UTF-8 |
//! | 1009 | a frame or fragmented message (declared or received) larger than `max_message_bytes` |
//! | 1013 | the client did not read: after dropping superseded sets it still had more than `outbound_max_bytes` waiting, or its oldest unsent update was older than `outbound_max_lag` |
//! | 1001 | the server stops, or the client did not answer a ping within `ping_timeout` |
//!
//! # Design
//! `message.rs` reads one frame the way TurboWarp does (JSON object, names, values, room
//! ids). `protocol.rs` is sans-IO: fed one frame and the shared `Rooms` (`room.rs`), it updates the
//! room, queues broadcasts into the other members' outboxes, and returns the
//! actions for the connection itself. `keepalive.rs` decides pings and the
//! handshake timeout from a clock it is given. `session.rs` only executes those decisions,
//! over either transport (`transport.rs`): the lean one (`lean.rs`: the upgrade request in
//! `lean/upgrade.rs`, frames in `lean/frames.rs`, one task per connection that reads and
//! writes its socket, no buffer kept while idle) or an actix-ws session. Both end a
//! client's input cleanly at a half-close, so no received frame is dropped with the
//! connection (`payload.rs` for actix-ws), and stop at the header of a frame declared too
//! large (`payload.rs`, shared).
//! Broadcasts are queued while the room's lock is held, so every client sees the updates
//! of a room in the same order as the room state changed.
//! The same lock orders the changes a room records for its store (`room/variables.rs`).
//! These modules are private; the crate root re-exports what an application uses.

mod admission;
mod cluster;
mod config;
mod error;
mod inbound;
mod keepalive;
mod lean;
mod message;
mod outbox;
mod payload;
mod protocol;
mod room;
mod server;
mod session;
mod state;
mod store;
mod tls;
mod transport;

pub use cluster::{RedisConfig, RedisHealth};
pub use config::{InboundLimit, Limits, ProjectFilter, ServerConfig};
pub use error::{ServerError, ServerErrorKind};
pub use server::{configure, configure_at, resolve, CloudServer};
pub use state::CloudState;
pub use store::{
    Batch, MemoryStore, RedisStore, RoomChanges, RoomStore, SqliteStore, Storage, StoreFuture,
    StoredRoom,
};
pub use tls::TlsFiles;

// The sans-IO session and rooms, for the property tests and the fuzz target only: not part
// of the supported API.
#[doc(hidden)]
pub use protocol::{Action, ClientState};
#[doc(hidden)]
pub use room::{Outbox, Rooms};
