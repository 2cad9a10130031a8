//! Embedded cloud-variable server speaking TurboWarp cloud-server's protocol
//! (PROTOCOL.md §1), built on actix-web + actix-ws.
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
//! * Rooms per project id. The first message must be
//!   `{"method":"handshake","user":..,"project_id":..}`; `project_id` is a JSON string (any
//!   id `scratchcomm_wire::ProjectId` accepts) or a non-negative JSON integer.
//! * On join the client receives **one** frame with every variable of the room as
//!   newline-separated `{"method":"set","name":..,"value":..}` messages. Like TurboWarp,
//!   **nothing at all is sent when the room has no variables yet** (no empty frame, no
//!   acknowledgement): a client cannot tell "empty room" from "dump still in flight". This
//!   is kept on purpose for compatibility; see [Join dump and empty rooms](#join-dump-and-empty-rooms).
//! * `set` and `create` store the value and forward `{"method":"set",..}` to the room's
//!   *other* clients (never back to the sender). Values keep their JSON type (a number stays
//!   a number, a string a string). A value is valid when it is a numeral
//!   (`scratchcomm_wire::is_numeral`, as a JSON number or string) or the empty string (which
//!   TurboWarp accepts), at most `max_value_chars` characters; invalid values are ignored:
//!   not stored, not forwarded, connection kept.
//! * `rename` (`name`, `new_name`) and `delete` (`name`) are on by default
//!   ([`ServerConfig::allow_rename_delete`]): they change the room and are forwarded to the
//!   other clients as `{"method":"rename","name":..,"new_name":..}` /
//!   `{"method":"delete","name":..}` (TurboWarp applies them silently; forwarding lets
//!   other bots see them, and Scratch clients ignore methods they do not know). Renaming or
//!   deleting a variable that does not exist closes with 4000. When disabled they are
//!   ignored.
//! * A frame may hold several messages separated by `"\n"`; binary frames are read as UTF-8.
//!   Outgoing updates already waiting in a client's queue are sent together as one frame of
//!   newline-separated messages (up to [`ServerConfig::batch_bytes`]), as TurboWarp does;
//!   the join dump is always a frame of its own.
//! * Names must start with `"☁ "` (configurable) and are at most `max_name_chars` long.
//! * A connection that has not completed its handshake [`ServerConfig::handshake_timeout`]
//!   after it opened (default 10 s; pings do not count) is closed with 4000. TurboWarp's
//!   server gives up on such connections after 30–60 s and drops them without a close frame.
//! * Every complete frame a client sent before it closed, half-closed (TCP FIN) or dropped
//!   the connection is processed, in order, before its session ends: a client (e.g.
//!   `scratchcomm set`) may write its handshake and `set` and exit at once. Only an
//!   incomplete last frame is lost.
//!
//! # No client can hurt another
//! * **Outbound:** each client has its own queue of unsent updates (`outbox.rs`), measured
//!   in bytes and in the age of its oldest update, never in frames. At each wake-up the
//!   client's task takes everything queued and writes it as frames of newline-separated
//!   messages. While more than [`ServerConfig::outbound_coalesce_bytes`] (64 KiB) wait, a
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
//! | 4000 | no handshake within `handshake_timeout`, anything before the handshake, a second handshake, malformed JSON, a message without a string `method`, an unknown method, an invalid project id or variable name, rename/delete of a missing variable, a binary frame that is not UTF-8 |
//! | 4002 | username not 1–20 characters of `A-Z a-z 0-9 _ -` (or taken, with [`ServerConfig::unique_usernames`]) |
//! | 4003 | server full (`max_connections`, `max_rooms`), room full (`max_clients_per_room`), or a new variable beyond `max_variables_per_room` |
//! | 4004 | the project is refused by [`ProjectFilter`] |
//! | 4005 | the upgrade request carries a Scratch session cookie ([`ServerConfig::refuse_scratch_session_cookie`], on by default) |
//! | 4006 | no `User-Agent` header, when [`ServerConfig::require_user_agent`] is on |
//! | 1009 | a frame (continuations joined) larger than `max_message_bytes` |
//! | 1013 | the client did not read: after dropping superseded sets it still had more than `outbound_max_bytes` waiting, or its oldest unsent update was older than `outbound_max_lag` |
//! | 1001 | the server stops, or the client did not answer a ping within `ping_timeout` |
//!
//! # Design
//! [`protocol`] is sans-IO: fed one frame and the shared [`room::Rooms`], it updates the
//! room, queues broadcasts into the other members' [`room::Outbox`]es, and returns the
//! [`protocol::Action`]s for the connection itself. [`keepalive`] decides pings and the
//! handshake timeout from a clock it is given. `session.rs` only executes those decisions
//! on an actix-ws session; `payload.rs` makes the websocket's input end cleanly at a
//! half-close, so no received frame is dropped with the connection.
//! Broadcasts are queued while the room's lock is held, so every client sees the updates
//! of a room in the same order as the room state changed.

pub mod admission;
pub mod config;
pub mod error;
pub mod inbound;
pub mod keepalive;
pub mod outbox;
mod payload;
pub mod protocol;
pub mod room;
mod server;
mod session;
mod state;

pub use config::{InboundLimit, Limits, ProjectFilter, ServerConfig};
pub use error::{ServerError, ServerErrorKind};
pub use server::{configure, configure_at, resolve, CloudServer};
pub use state::CloudState;
