//! Websocket frames on a plain TCP connection, for the lean transport: [`FrameReader`]
//! decodes what the client sent (actix-http's codec, fragments joined as actix-ws joins
//! them), [`FrameWriter`] writes text frames straight to the socket, several per `write`;
//! [`write_text_now`] writes one frame from another task (the room's) without waiting.
//!
//! Neither keeps a buffer while the connection is idle: bytes are read into a per-thread
//! scratch buffer and only an incomplete frame is kept; the write buffer is given back once
//! everything in it was written.

use actix_codec::Decoder;
use actix_http::ws::{Codec, Frame, Item, OpCode, Parser};
use actix_web::web::Buf;
use actix_web::web::{Bytes, BytesMut};
use actix_ws::{AggregatedMessage, CloseReason, ProtocolError};
use bytestring::ByteString;
use std::cell::RefCell;
use std::io;
use std::net::Shutdown;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::TcpStream;

use crate::outbox::Direct;
use crate::payload::DeclaredSize;
use crate::transport::{Gone, Incoming, Outgoing};

/// Bytes read from a socket at once.
const SCRATCH: usize = 16 * 1024;

/// The longest frame text written straight from the room ([`write_text_now`]); longer
/// ones are queued for the session (so the per-thread frame buffer stays small).
pub(crate) const DIRECT_MAX: usize = 16 * 1024;

thread_local! {
    static SCRATCH_BUF: RefCell<Box<[u8]>> = RefCell::new(vec![0; SCRATCH].into_boxed_slice());
    static FRAME_BUF: RefCell<BytesMut> = RefCell::new(BytesMut::new());
}

/// Write one text frame to `socket` now, without waiting: one `send(2)` of header and
/// payload, from whichever thread the room runs on. Called by the room while the
/// receiver's session is parked, under its queue's lock. The `send` goes past tokio's
/// readiness cache (one shared cache line less per receiver): a full socket answers
/// `EAGAIN` here, and the session's own write, which waits through tokio, finds the same.
pub(crate) fn write_text_now(socket: &TcpStream, text: &str) -> Direct {
    FRAME_BUF.with(|frame| {
        let mut frame = frame.borrow_mut();
        frame.clear();
        Parser::write_message(&mut frame, text.as_bytes(), OpCode::Text, true, false);
        match socket2::SockRef::from(socket).send(&frame) {
            Ok(n) if n == frame.len() => Direct::All,
            Ok(n) if n > 0 => Direct::Part(frame[n..].into()),
            _ => Direct::Nothing,
        }
    })
}

/// Read from `socket` into `into`, as `AsyncRead::poll_read` would: the readiness wait
/// takes from the task's cooperative budget, so a client that sends without pause cannot
/// keep its worker from serving the other connections. `Ok(0)` at the end.
fn poll_read(socket: &TcpStream, cx: &mut Context<'_>, into: &mut [u8]) -> Poll<io::Result<usize>> {
    loop {
        if let Err(e) = std::task::ready!(socket.poll_read_ready(cx)) {
            return Poll::Ready(Err(e));
        }
        match socket.try_read(into) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            done => return Poll::Ready(done),
        }
    }
}

/// The fragments of one message, joined at its last.
#[derive(Default)]
struct Fragments {
    parts: Vec<Bytes>,
    len: usize,
    text: bool,
}

/// Reads and decodes the client's frames.
pub(crate) struct FrameReader {
    read: Arc<TcpStream>,
    /// Received bytes not decoded yet (an incomplete frame).
    buf: BytesMut,
    codec: Codec,
    scan: DeclaredSize,
    max: usize,
    /// Fragments of the current message.
    /// Fragments of the current message (boxed: rare, and every connection carries this).
    fragments: Option<Box<Fragments>>,
    /// The client closed its side (or the connection broke): decode what is left, then end.
    ended: bool,
    /// A frame beyond `max` was declared after the bytes in `buf`.
    overflow: bool,
}

impl FrameReader {
    /// Frames (and fragmented messages) of at most `max` bytes; `pending` are bytes the
    /// client sent right after its upgrade request.
    pub(crate) fn new(read: Arc<TcpStream>, pending: BytesMut, max: usize) -> Self {
        let mut reader = FrameReader {
            read,
            buf: BytesMut::new(),
            codec: Codec::new().max_size(max),
            scan: DeclaredSize::new(max),
            max,
            fragments: None,
            ended: false,
            overflow: false,
        };
        reader.take_in(&pending);
        reader
    }

    /// Append received bytes, stopping before a frame declared too large.
    fn take_in(&mut self, bytes: &[u8]) {
        if self.overflow {
            return;
        }
        match self.scan.feed(bytes) {
            Ok(()) => self.buf.extend_from_slice(bytes),
            Err(before) => {
                self.buf.extend_from_slice(&bytes[..before]);
                self.overflow = true;
            }
        }
    }

    /// The next whole message decoded from `buf`, if there is one.
    fn decode(&mut self) -> Option<Result<AggregatedMessage, ProtocolError>> {
        loop {
            let frame = match self.codec.decode(&mut self.buf) {
                Ok(Some(frame)) => frame,
                Ok(None) => return None,
                Err(e) => return Some(Err(e)),
            };
            let message = match frame {
                Frame::Text(bytes) => text(bytes),
                Frame::Binary(bytes) => Ok(AggregatedMessage::Binary(bytes)),
                Frame::Ping(bytes) => Ok(AggregatedMessage::Ping(bytes)),
                Frame::Pong(bytes) => Ok(AggregatedMessage::Pong(bytes)),
                Frame::Close(reason) => Ok(AggregatedMessage::Close(reason)),
                Frame::Continuation(item) => match self.fragment(item) {
                    Some(message) => message,
                    None => continue,
                },
            };
            return Some(message);
        }
    }

    /// Collect one fragment; the whole message once its last fragment came.
    fn fragment(&mut self, item: Item) -> Option<Result<AggregatedMessage, ProtocolError>> {
        let parts = self.fragments.get_or_insert_with(Box::default);
        let (bytes, last) = match item {
            Item::FirstText(b) => {
                parts.text = true;
                (b, false)
            }
            Item::FirstBinary(b) => {
                parts.text = false;
                (b, false)
            }
            Item::Continue(b) => (b, false),
            Item::Last(b) => (b, true),
        };
        parts.len += bytes.len();
        if parts.len > self.max {
            self.fragments = None;
            return Some(Err(ProtocolError::Io(io::Error::other(
                "Exceeded maximum continuation size",
            ))));
        }
        parts.parts.push(bytes);
        if !last {
            return None;
        }
        let parts = self.fragments.take()?;
        let mut joined = BytesMut::with_capacity(parts.len);
        for part in &parts.parts {
            joined.extend_from_slice(part);
        }
        let joined = joined.freeze();
        Some(if parts.text {
            text(joined)
        } else {
            Ok(AggregatedMessage::Binary(joined))
        })
    }

    /// Read whatever the socket has; false at its end (EOF or a broken connection).
    async fn fill(&mut self) -> bool {
        if self.buf.is_empty() {
            // Nothing half-received: hold no buffer while waiting.
            self.buf = BytesMut::new();
        }
        std::future::poll_fn(|cx| {
            SCRATCH_BUF.with(|scratch| {
                let mut scratch = scratch.borrow_mut();
                match poll_read(&self.read, cx, &mut scratch) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(Err(_)) => Poll::Ready(false),
                    Poll::Ready(Ok(n)) => {
                        if n > 0 {
                            self.take_in(&scratch[..n]);
                        }
                        Poll::Ready(n > 0)
                    }
                }
            })
        })
        .await
    }

    /// Read and drop what the client still sends, until it closes or `wait` is over (so
    /// our close frame is not cut off by a reset).
    pub(crate) async fn linger(&mut self, wait: Duration) {
        let mut sink = [0u8; 1024];
        let _ = tokio::time::timeout(wait, async {
            for _ in 0..10_000 {
                match std::future::poll_fn(|cx| poll_read(&self.read, cx, &mut sink)).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        })
        .await;
    }
}

fn text(bytes: Bytes) -> Result<AggregatedMessage, ProtocolError> {
    ByteString::try_from(bytes)
        .map(AggregatedMessage::Text)
        .map_err(|e| ProtocolError::Io(io::Error::new(io::ErrorKind::InvalidData, e.to_string())))
}

impl Incoming for FrameReader {
    async fn recv(&mut self) -> Option<Result<AggregatedMessage, ProtocolError>> {
        loop {
            if let Some(message) = self.decode() {
                return Some(message);
            }
            if self.overflow {
                self.overflow = false;
                self.ended = true;
                return Some(Err(ProtocolError::Overflow));
            }
            if self.ended {
                return None;
            }
            if !self.fill().await {
                self.ended = true;
            }
        }
    }
}

/// Writes frames to the client.
pub(crate) struct FrameWriter {
    write: Arc<TcpStream>,
    /// Encoded frames not written yet (kept when a write is abandoned half-way, so the
    /// stream of frames stays whole).
    buf: BytesMut,
}

impl FrameWriter {
    pub(crate) fn new(write: Arc<TcpStream>) -> Self {
        FrameWriter {
            write,
            buf: BytesMut::new(),
        }
    }

    /// Write `buf` whole: `send` at once, waiting for the socket only when it is full.
    async fn push(&mut self) -> Result<(), Gone> {
        let mut done = Ok(());
        while !self.buf.is_empty() {
            match self.write.try_write(&self.buf) {
                Ok(0) => done = Err(Gone),
                Ok(n) => self.buf.advance(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if self.write.writable().await.is_ok() {
                        continue;
                    }
                    done = Err(Gone);
                }
                Err(_) => done = Err(Gone),
            }
            if done.is_err() {
                break;
            }
        }
        if self.buf.is_empty() {
            // Everything written: hold no buffer while idle.
            self.buf = BytesMut::new();
        }
        done
    }

    fn frame(&mut self, payload: &[u8], op: OpCode) {
        Parser::write_message(&mut self.buf, payload, op, true, false);
    }
}

impl Drop for FrameWriter {
    /// Like tokio's write half: the end of the writer is the end of our side (FIN), so a
    /// client waiting for it is not kept until the socket closes.
    fn drop(&mut self) {
        let _ = socket2::SockRef::from(&*self.write).shutdown(Shutdown::Write);
    }
}

impl Outgoing for FrameWriter {
    async fn texts(&mut self, texts: Vec<String>) -> Result<(), Gone> {
        // Header (at most 10 bytes) and payload of each frame, in one allocation.
        self.buf.reserve(texts.iter().map(|t| t.len() + 10).sum());
        for text in &texts {
            self.frame(text.as_bytes(), OpCode::Text);
        }
        self.push().await
    }

    fn socket(&self) -> Option<Arc<TcpStream>> {
        Some(Arc::clone(&self.write))
    }

    fn resume(&mut self, rest: &[u8]) {
        // Goes out first: nothing of ours is unwritten when a frame goes straight out.
        self.buf.extend_from_slice(rest);
    }

    async fn pong(&mut self, payload: &[u8]) -> Result<(), Gone> {
        self.frame(payload, OpCode::Pong);
        self.push().await
    }

    async fn ping(&mut self) -> Result<(), Gone> {
        self.frame(b"", OpCode::Ping);
        self.push().await
    }

    async fn close(mut self, reason: Option<CloseReason>) {
        Parser::write_close(&mut self.buf, reason, false);
        // The end of our side follows when the writer is dropped here.
        let _ = self.push().await;
    }
}
