//! One websocket connection: executes what [`protocol`](crate::protocol) and
//! [`keepalive`](crate::keepalive) decide.
//!
//! Every complete frame the client sent before it went away is processed, in order, before
//! the session ends: the payload ends cleanly at a half-close (see `payload.rs`), and when
//! the connection can no longer be written to, the frames already received are still
//! applied ([`drain`]).
//!
//! Updates for the client wait in its [`ChannelOutbox`] (bounded by bytes and age, see
//! `outbox.rs`); at each wake-up the session takes everything queued and writes it as
//! frames of newline-separated messages. A client judged too slow is closed with 1013
//! (try again later). What the client sends is charged to its [`Allowance`]; over its
//! limit the session stops reading it for a while.

use actix_web::web::Bytes;
use actix_ws::{AggregatedMessage, CloseReason, ProtocolError};
use futures_util::FutureExt;
use scratchcomm_wire::CloseCode;
use std::pin::pin;
use std::time::{Duration, Instant};
use tokio::sync::watch;

use crate::admission::Refusal;
use crate::config::ServerConfig;
use crate::inbound::{message_count, Allowance};
use crate::keepalive::{Keepalive, KeepaliveAction};
use crate::outbox::{ChannelOutbox, QueueLimits};
use crate::protocol::{too_slow, Action, ClientState};
use crate::room::{Outbox, Rooms};
use crate::state::CloudState;
use crate::transport::{Incoming, Outgoing};

/// How long a close frame may take to be queued before the connection is simply dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

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

/// What woke the session.
enum Woke {
    Shutdown,
    Outbox,
    Received(Received),
    /// The connection's one timer: the keepalive's deadline or the end of a throttle.
    Timer,
}

/// Counts the connection while it lives.
struct ConnectionSlot<'a, O: Outbox>(&'a Rooms<O>);

impl<O: Outbox> Drop for ConnectionSlot<'_, O> {
    fn drop(&mut self) {
        self.0.close_connection();
    }
}

/// Serve one upgraded websocket until it ends.
pub(crate) async fn run<I: Incoming, O: Outgoing>(
    state: CloudState,
    mut session: O,
    stream: &mut I,
    refusal: Option<Refusal>,
) {
    let shared = &state.inner;
    let config = &shared.config;
    if let Some(refusal) = refusal {
        if Box::pin(session.texts(vec![refusal.message.to_owned()]))
            .await
            .is_ok()
        {
            Box::pin(finish(session, End::close(refusal.code, refusal.reason))).await;
        }
        return;
    }
    let mut shutdown = shared.shutdown.subscribe();
    if *shutdown.borrow_and_update() {
        Box::pin(finish(
            session,
            End::close(CloseCode::GOING_AWAY, "server stopping"),
        ))
        .await;
        return;
    }
    if !shared
        .rooms
        .try_open_connection(config.limits.max_connections)
    {
        Box::pin(finish(
            session,
            End::close(CloseCode::OVERLOADED, "server full"),
        ))
        .await;
        return;
    }
    let slot = ConnectionSlot(&shared.rooms);

    let outbox = ChannelOutbox::new(QueueLimits::of(config));
    if let Some(socket) = session.socket() {
        outbox.attach(socket);
    }
    let mut allowance = config
        .inbound_limit
        .map(|limit| Allowance::new(&limit, Instant::now()));
    // Set while the client is over its inbound limit: nothing is read until then.
    let mut resume_reading: Option<tokio::time::Instant> = None;
    let mut client = ClientState::new(shared.rooms.next_client_id());
    let mut keepalive = Keepalive::new(Instant::now(), config.ping_interval, config.ping_timeout)
        .with_handshake_timeout(config.handshake_timeout);

    // One timer for the keepalive and the throttle, living as long as the connection and
    // only moved when its deadline changes: a timer made afresh for every frame would be
    // registered and removed again for every update the client is sent, and each timer is
    // about 100 bytes of every connection's task.
    let keepalive_at = |k: &Keepalive| tokio::time::Instant::from_std(k.next_deadline());
    let mut timer = pin!(tokio::time::sleep_until(keepalive_at(&keepalive)));

    let end = loop {
        let throttled = resume_reading.is_some();
        let deadline = match resume_reading {
            Some(resume) => resume.min(keepalive_at(&keepalive)),
            None => keepalive_at(&keepalive),
        };
        if timer.deadline() != deadline || timer.is_elapsed() {
            timer.as_mut().reset(deadline);
        }
        // The select only says what happened; the work (and its awaits) comes after it, so
        // the waiting futures are gone by then and the connection's task stays small.
        // While parked, the room writes updates straight to the socket (lean transport).
        outbox.park();
        let woke = tokio::select! {
            biased;
            _ = shutdown.changed() => Woke::Shutdown,
            _ = outbox.wake().notified() => Woke::Outbox,
            msg = stream.recv(), if !throttled => Woke::Received(classify(msg)),
            _ = &mut timer => Woke::Timer,
        };
        outbox.unpark();
        match woke {
            Woke::Shutdown => break End::close(CloseCode::GOING_AWAY, "server stopping"),
            Woke::Outbox => {
                if let Err(end) = Box::pin(Writer::of(&outbox, config).flush(
                    &mut session,
                    config.batch_bytes,
                    &mut shutdown,
                ))
                .await
                {
                    break end;
                }
            }
            Woke::Received(received) => {
                let now = Instant::now();
                keepalive.on_activity(now);
                let text = match received {
                    Received::Text(text) => text,
                    Received::Ping(b) => {
                        if Box::pin(session.pong(&b)).await.is_err() {
                            break End::Gone;
                        }
                        continue;
                    }
                    Received::Nothing => continue,
                    Received::End(end) => break end,
                };
                if let Some(allowance) = allowance.as_mut() {
                    resume_reading = allowance
                        .charge(message_count(&text), text.len(), now)
                        .map(tokio::time::Instant::from_std);
                }
                // Rare steps (a handshake, a reply, the end) run boxed, outside the
                // connection's task: its size is what every idle connection costs.
                let mut ensured = None;
                if let (None, Some(cluster)) = (client.project(), &shared.cluster) {
                    // Multi-node: the room must be in step with Redis before the join dump.
                    ensured = handshake_project(&text);
                    if let Some(project) = &ensured {
                        Box::pin(cluster.ensure_room(project)).await;
                    }
                }
                let actions = client.on_frame(&text, &shared.rooms, config, &outbox);
                if let (Some(project), None, Some(relay)) =
                    (ensured, client.project(), shared.rooms.relay())
                {
                    // Refused: the node follows the room only if someone else is in it.
                    relay.members_changed(&project, shared.rooms.member_ids(&project).len());
                }
                if client.project().is_some() {
                    keepalive.on_handshake();
                }
                if actions.is_empty() {
                    continue;
                }
                if let Err(end) = Box::pin(Writer::of(&outbox, config).execute(
                    &mut session,
                    actions,
                    &mut shutdown,
                ))
                .await
                {
                    break end;
                }
            }
            Woke::Timer => {
                if resume_reading.is_some_and(|r| r <= tokio::time::Instant::now()) {
                    resume_reading = None;
                    // The client was not read meanwhile: its silence is ours, not a dead peer.
                    keepalive.on_activity(Instant::now());
                }
                match keepalive.poll(Instant::now()) {
                    KeepaliveAction::Ping => {
                        if Box::pin(session.ping()).await.is_err() {
                            break End::Gone;
                        }
                    }
                    KeepaliveAction::Drop => {
                        break End::close(CloseCode::GOING_AWAY, "no answer to ping")
                    }
                    KeepaliveAction::HandshakeTimeout => {
                        break End::close(CloseCode::PROTOCOL_ERROR, "no handshake in time")
                    }
                    KeepaliveAction::Wait => {}
                }
            }
        }
    };
    if let End::Gone = end {
        Box::pin(drain(stream, &mut client, &shared.rooms, config, &outbox)).await;
    }
    // Leave the room and free the connection slot before the close frame goes out, so a
    // client that sees the close can reconnect at once.
    client.on_disconnect(&shared.rooms);
    outbox.close();
    drop(slot);
    Box::pin(finish(session, end)).await;
}

/// The connection can no longer be written to (or its read side ended): still apply, in
/// order, the frames the client sent before, without answering them. Stops at the end of
/// the stream, a close, or after [`CLOSE_GRACE`] in all.
async fn drain<I: Incoming>(
    stream: &mut I,
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

/// Writes to one session: replies, and everything its outbox holds.
struct Writer<'a> {
    outbox: &'a ChannelOutbox,
    max_lag: Duration,
}

impl<'a> Writer<'a> {
    /// Made when needed, so the connection's task does not carry it.
    fn of(outbox: &'a ChannelOutbox, config: &ServerConfig) -> Self {
        Writer {
            outbox,
            max_lag: config.outbound_max_lag,
        }
    }

    async fn execute<O: Outgoing>(
        &self,
        session: &mut O,
        actions: Vec<Action>,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Result<(), End> {
        for action in actions {
            match action {
                Action::Reply(text) => self.send(session, vec![text], shutdown).await?,
                close @ Action::Close { .. } => return Err(close.into()),
            }
        }
        Ok(())
    }

    /// Write everything queued, in frames of about `batch_bytes`, until the queue is
    /// empty (updates queued while writing are taken too).
    async fn flush<O: Outgoing>(
        &self,
        session: &mut O,
        batch_bytes: usize,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Result<(), End> {
        loop {
            let (rest, frames) = {
                let mut queue = self.outbox.lock();
                if queue.is_too_slow() {
                    return Err(too_slow().into());
                }
                (queue.take_rest(), queue.take_frames(batch_bytes))
            };
            match rest {
                Some(rest) => session.resume(&rest),
                None if frames.is_empty() => return Ok(()),
                None => {}
            }
            self.send(session, frames, shutdown).await?;
        }
    }

    /// Write frames (all at once where the transport can). They are handed to the
    /// connection at once unless the client has not read for a while; then wait, but at
    /// most `max_lag`, and stop early when the client is judged too slow or the server
    /// stops.
    async fn send<O: Outgoing>(
        &self,
        session: &mut O,
        texts: Vec<String>,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Result<(), End> {
        let mut write = pin!(session.texts(texts));
        if let Some(done) = write.as_mut().now_or_never() {
            return done.map_err(|_| End::Gone);
        }
        // Only a client that does not read gets here: its timer is boxed so the common
        // path does not carry it.
        let mut lag = Box::pin(tokio::time::sleep(self.max_lag));
        // The outbox's wake-up is taken here only to notice a client judged too slow; one
        // taken for new updates is given back once the write is done, or the session would
        // wait for a wake-up that was already spent (the queue is non-empty, so no later
        // update wakes it again).
        let mut woken = false;
        let done = loop {
            tokio::select! {
                done = &mut write => break done.map_err(|_| End::Gone),
                _ = self.outbox.wake().notified() => {
                    if self.outbox.lock().is_too_slow() {
                        return Err(too_slow().into());
                    }
                    woken = true;
                }
                _ = &mut lag => return Err(too_slow().into()),
                _ = shutdown.changed() => {
                    return Err(End::close(CloseCode::GOING_AWAY, "server stopping"))
                }
            }
        };
        if woken {
            self.outbox.wake().notify_one();
        }
        done
    }
}

/// The room a handshake frame asks for (read as the protocol reads it), if it is one.
fn handshake_project(text: &str) -> Option<String> {
    let msg = crate::message::Incoming::parse(text).ok()?;
    (msg.method() == "handshake")
        .then(|| crate::message::room_id(msg.get("project_id")))
        .flatten()
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

async fn finish<O: Outgoing>(session: O, end: End) {
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
