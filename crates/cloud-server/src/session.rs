//! One websocket connection: executes what [`protocol`](crate::protocol) and
//! [`keepalive`](crate::keepalive) decide.
//!
//! Every complete frame the client sent before it went away is processed, in order, before
//! the session ends: the payload ends cleanly at a half-close (see `payload.rs`), and when
//! the connection can no longer be written to, the frames already received are still
//! applied ([`drain`]).
//!
//! Frames for the client arrive through a bounded channel ([`ChannelOutbox`]). When a
//! broadcast finds that channel full, the client is removed from its room at once and its
//! connection is closed with 1013 (try again later): the server never buffers without
//! bound for a client that does not read.

use actix_web::web::Bytes;
use actix_ws::{
    AggregatedMessage, AggregatedMessageStream, CloseReason, MessageStream, ProtocolError, Session,
};
use scratchcomm_wire::CloseCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, watch, Notify};

use crate::admission::Refusal;
use crate::config::ServerConfig;
use crate::keepalive::{Keepalive, KeepaliveAction};
use crate::protocol::{too_slow, Action, ClientState};
use crate::room::{Outbox, Rooms};
use crate::state::CloudState;

/// How long a close frame may take to be queued before the connection is simply dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// The server's [`Outbox`]: a bounded channel to the connection's task, plus a signal that
/// disconnects the client when the channel overflows.
#[derive(Clone, Debug)]
pub struct ChannelOutbox {
    tx: mpsc::Sender<String>,
    kick: Arc<Notify>,
}

impl Outbox for ChannelOutbox {
    fn offer(&self, frame: &str) -> bool {
        match self.tx.try_send(frame.to_owned()) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                self.kick.notify_one();
                false
            }
            Err(TrySendError::Closed(_)) => false,
        }
    }
}

/// How a connection ends.
enum End {
    /// Send this close frame.
    Close(CloseCode, String),
    /// The client closed: answer its close frame.
    Echo(Option<CloseReason>),
    /// The connection is gone; nothing can be sent.
    Gone,
}

impl End {
    fn close(code: CloseCode, reason: &str) -> Self {
        End::Close(code, reason.to_owned())
    }
}

impl From<Action> for End {
    fn from(action: Action) -> Self {
        match action {
            Action::Close { code, reason } => End::Close(code, reason),
            Action::Reply(_) => End::Gone,
        }
    }
}

/// What a message read from the client means for the session.
enum Received {
    /// A text frame for the protocol.
    Text(String),
    /// A ping to answer.
    Ping(Bytes),
    /// Nothing to do (a pong).
    Nothing,
    /// The end of the connection.
    End(End),
}

fn classify(msg: Option<Result<AggregatedMessage, ProtocolError>>) -> Received {
    match msg {
        None => Received::End(End::Gone),
        Some(Err(e)) => Received::End(protocol_error(&e)),
        Some(Ok(AggregatedMessage::Text(t))) => Received::Text(t.to_string()),
        // TurboWarp ignores binary frames.
        Some(Ok(AggregatedMessage::Binary(_))) => Received::Nothing,
        Some(Ok(AggregatedMessage::Ping(b))) => Received::Ping(b),
        Some(Ok(AggregatedMessage::Pong(_))) => Received::Nothing,
        Some(Ok(AggregatedMessage::Close(reason))) => Received::End(End::Echo(reason)),
    }
}

/// Counts the connection while it lives.
struct ConnectionSlot<'a, O: Outbox>(&'a Rooms<O>);

impl<O: Outbox> Drop for ConnectionSlot<'_, O> {
    fn drop(&mut self) {
        self.0.close_connection();
    }
}

/// Serve one upgraded websocket until it ends.
pub(crate) async fn run(
    state: CloudState,
    mut session: Session,
    stream: MessageStream,
    refusal: Option<Refusal>,
) {
    let shared = &state.inner;
    let config = &shared.config;
    if let Some(refusal) = refusal {
        if session.text(refusal.message).await.is_ok() {
            finish(session, End::close(refusal.code, refusal.reason)).await;
        }
        return;
    }
    let mut shutdown = shared.shutdown.subscribe();
    if *shutdown.borrow_and_update() {
        finish(
            session,
            End::close(CloseCode::GOING_AWAY, "server stopping"),
        )
        .await;
        return;
    }
    if !shared
        .rooms
        .try_open_connection(config.limits.max_connections)
    {
        finish(session, End::close(CloseCode::OVERLOADED, "server full")).await;
        return;
    }
    let slot = ConnectionSlot(&shared.rooms);

    let (tx, mut rx) = mpsc::channel::<String>(config.outbound_capacity);
    let kick = Arc::new(Notify::new());
    let outbox = ChannelOutbox {
        tx,
        kick: kick.clone(),
    };
    let mut client = ClientState::new(shared.rooms.next_client_id());
    let mut keepalive = Keepalive::new(Instant::now(), config.ping_interval, config.ping_timeout)
        .with_handshake_timeout(config.handshake_timeout);
    let max = config.limits.max_message_bytes;
    let mut stream = stream
        .max_frame_size(max)
        .aggregate_continuations()
        .max_continuation_size(max);

    let end = loop {
        let deadline = tokio::time::Instant::from_std(keepalive.next_deadline());
        tokio::select! {
            biased;
            _ = shutdown.changed() => break End::close(CloseCode::GOING_AWAY, "server stopping"),
            _ = kick.notified() => break End::from(too_slow()),
            Some(frame) = rx.recv() => {
                let frame = gather(frame, &mut rx, config.batch_bytes);
                if let Err(end) = send(&mut session, frame, &kick, &mut shutdown).await {
                    break end;
                }
            }
            msg = stream.recv() => {
                keepalive.on_activity(Instant::now());
                let text = match classify(msg) {
                    Received::Text(text) => text,
                    Received::Ping(b) => {
                        if session.pong(&b).await.is_err() {
                            break End::Gone;
                        }
                        continue;
                    }
                    Received::Nothing => continue,
                    Received::End(end) => break end,
                };
                let actions = client.on_frame(&text, &shared.rooms, config, &outbox);
                if client.project().is_some() {
                    keepalive.on_handshake();
                }
                if let Err(end) = execute(&mut session, actions, &kick, &mut shutdown).await {
                    break end;
                }
            }
            _ = tokio::time::sleep_until(deadline) => match keepalive.poll(Instant::now()) {
                KeepaliveAction::Ping => {
                    if session.ping(b"").await.is_err() {
                        break End::Gone;
                    }
                }
                KeepaliveAction::Drop => break End::close(CloseCode::GOING_AWAY, "no answer to ping"),
                KeepaliveAction::HandshakeTimeout => {
                    break End::close(CloseCode::PROTOCOL_ERROR, "no handshake in time")
                }
                KeepaliveAction::Wait => {}
            },
        }
    };
    if let End::Gone = end {
        drain(&mut stream, &mut client, &shared.rooms, config, &outbox).await;
    }
    // Leave the room and free the connection slot before the close frame goes out, so a
    // client that sees the close can reconnect at once.
    client.on_disconnect(&shared.rooms);
    drop(rx);
    drop(slot);
    finish(session, end).await;
}

/// The connection can no longer be written to (or its read side ended): still apply, in
/// order, the frames the client sent before, without answering them. Stops at the end of
/// the stream, a close, or after [`CLOSE_GRACE`] in all.
async fn drain(
    stream: &mut AggregatedMessageStream,
    client: &mut ClientState,
    rooms: &Rooms<ChannelOutbox>,
    config: &ServerConfig,
    outbox: &ChannelOutbox,
) {
    let deadline = tokio::time::Instant::now() + CLOSE_GRACE;
    while let Ok(msg) = tokio::time::timeout_at(deadline, stream.recv()).await {
        match classify(msg) {
            Received::Text(text) => {
                let actions = client.on_frame(&text, rooms, config, outbox);
                if actions.iter().any(|a| matches!(a, Action::Close { .. })) {
                    return;
                }
            }
            Received::Ping(_) | Received::Nothing => {}
            Received::End(_) => return,
        }
    }
}

async fn execute(
    session: &mut Session,
    actions: Vec<Action>,
    kick: &Notify,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<(), End> {
    for action in actions {
        match action {
            Action::Reply(text) => send(session, text, kick, shutdown).await?,
            close @ Action::Close { .. } => return Err(close.into()),
        }
    }
    Ok(())
}

/// Join `first` with the frames already waiting in `rx` (newline-separated) while the
/// result is shorter than `cap` bytes. Never waits.
fn gather(first: String, rx: &mut mpsc::Receiver<String>, cap: usize) -> String {
    let mut batch = first;
    while batch.len() < cap {
        match rx.try_recv() {
            Ok(next) => {
                batch.push('\n');
                batch.push_str(&next);
            }
            Err(_) => break,
        }
    }
    batch
}

/// Write one frame, unless the client is kicked or the server stops meanwhile.
async fn send(
    session: &mut Session,
    text: String,
    kick: &Notify,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<(), End> {
    tokio::select! {
        r = session.text(text) => r.map_err(|_| End::Gone),
        _ = kick.notified() => Err(too_slow().into()),
        _ = shutdown.changed() => Err(End::close(CloseCode::GOING_AWAY, "server stopping")),
    }
}

fn protocol_error(e: &ProtocolError) -> End {
    match e {
        ProtocolError::Overflow => End::close(CloseCode::TOO_BIG, "message too big"),
        ProtocolError::Io(io) if io.to_string().contains("maximum continuation size") => {
            End::close(CloseCode::TOO_BIG, "message too big")
        }
        // A frame declared too large (see `payload.rs`).
        ProtocolError::Io(io)
            if io
                .get_ref()
                .and_then(|e| e.downcast_ref::<actix_web::error::PayloadError>())
                .is_some_and(|e| matches!(e, actix_web::error::PayloadError::Overflow)) =>
        {
            End::close(CloseCode::TOO_BIG, "message too big")
        }
        ProtocolError::Io(io) if io.to_string().contains("reserved bits") => {
            End::Close(CloseCode(1002), "reserved bits set".to_owned())
        }
        ProtocolError::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => {
            End::Close(CloseCode(1007), "text is not UTF-8".to_owned())
        }
        ProtocolError::Io(_) => End::Gone,
        other => End::Close(
            CloseCode(1002),
            format!("websocket protocol error: {other}"),
        ),
    }
}

async fn finish(session: Session, end: End) {
    let reason = match end {
        End::Gone => return,
        End::Echo(reason) => reason,
        End::Close(code, reason) => Some(CloseReason {
            code: actix_ws::CloseCode::from(code.0),
            description: Some(reason),
        }),
    };
    let _ = tokio::time::timeout(CLOSE_GRACE, session.close(reason)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gather_joins_only_what_is_queued_up_to_the_cap() {
        let (tx, mut rx) = mpsc::channel(8);
        assert_eq!(gather("a".into(), &mut rx, 100), "a");
        for m in ["b", "c", "d"] {
            tx.try_send(m.to_owned()).unwrap();
        }
        assert_eq!(gather("a".into(), &mut rx, 100), "a\nb\nc\nd");
        for m in ["1234", "5678", "9"] {
            tx.try_send(m.to_owned()).unwrap();
        }
        // "x\n1234" is 6 bytes: one more joins, then the cap stops it
        assert_eq!(gather("x".into(), &mut rx, 6), "x\n1234");
        assert_eq!(gather("y".into(), &mut rx, 0), "y");
        assert_eq!(rx.try_recv().unwrap(), "5678");
    }

    #[test]
    fn a_full_outbox_kicks_its_client() {
        let (tx, mut rx) = mpsc::channel(1);
        let kick = Arc::new(Notify::new());
        let outbox = ChannelOutbox {
            tx,
            kick: kick.clone(),
        };
        assert!(outbox.offer("one"));
        assert!(!outbox.offer("two"));
        // the kick is remembered until the session looks
        let notified = kick.notified();
        futures_util::pin_mut!(notified);
        let waker = futures_util::task::noop_waker();
        let mut cx = std::task::Context::from_waker(&waker);
        assert!(std::future::Future::poll(notified.as_mut(), &mut cx).is_ready());
        assert_eq!(rx.try_recv().unwrap(), "one");
        drop(rx);
        assert!(!outbox.offer("three"));
    }
}
