//! The upgraded connection's request payload, ending cleanly when the client closes its
//! side of the TCP connection.
//!
//! When a client half-closes (FIN) or drops the socket, actix-http ends the payload with
//! `PayloadError::Incomplete` before its end. actix-ws' `MessageStream` returns that error
//! at once, *before* decoding the bytes it has just read, so the client's last complete
//! frames (typically a handshake and a `set` written right before exiting) were lost.
//! [`EndAtClose`] turns that error into a plain end of stream: `MessageStream` then decodes
//! and returns every complete frame it received, in order, and ends. Bytes of an incomplete
//! last frame are dropped (there is nothing to decode); other errors pass through.
//!
//! It also watches the frame headers going by ([`DeclaredSize`]): a data frame whose header
//! declares more than `max_message_bytes` (alone, or with the earlier fragments of its
//! message) ends the stream with [`PayloadError::Overflow`] as soon as its header is in,
//! after the frames before it were decoded. TurboWarp's server closes such a client with 1009
//! at once; actix-ws would wait for the whole declared payload first.

use actix_web::dev;
use actix_web::error::PayloadError;
use actix_web::web::{Bytes, Payload};
use actix_web::{FromRequest, HttpRequest};
use futures_util::Stream;
use std::pin::Pin;
use std::task::{Context, Poll};

/// actix-http's `BoxedPayloadStream` (not re-exported by actix-web).
type Boxed = Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>;

/// Follows the websocket frame headers of a client's byte stream and tells where a data
/// frame declares a payload beyond the limit. Sans-IO: fed the bytes as they arrive.
#[derive(Debug)]
pub(crate) struct DeclaredSize {
    max: u64,
    /// Bytes of the current header read so far (a header has at most 14; kept inline, so
    /// an idle connection holds no allocation for it).
    header: [u8; 14],
    header_len: u8,
    /// Payload bytes of the current frame still to skip.
    skip: u64,
    /// Payload declared so far by the data frames of the current (fragmented) message.
    message: u64,
}

impl DeclaredSize {
    /// Watch for frames (or fragmented messages) larger than `max` bytes.
    pub(crate) fn new(max: usize) -> Self {
        DeclaredSize {
            max: max as u64,
            header: [0; 14],
            header_len: 0,
            skip: 0,
            message: 0,
        }
    }

    /// Feed the next bytes. `Err(n)`: the header of a too large frame ends within these
    /// bytes, and the first `n` of them come before that frame (0 when it began earlier).
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> Result<(), usize> {
        let mut i = 0;
        let mut header_start = 0;
        while i < bytes.len() {
            if self.skip > 0 {
                let n = self.skip.min((bytes.len() - i) as u64);
                self.skip -= n;
                i += n as usize;
                continue;
            }
            if self.header_len == 0 {
                header_start = i;
            }
            self.header[usize::from(self.header_len)] = bytes[i];
            self.header_len += 1;
            i += 1;
            let Some((fin, opcode, len)) =
                parse_header(&self.header[..usize::from(self.header_len)])
            else {
                continue;
            };
            self.header_len = 0;
            self.skip = len;
            if opcode < 8 {
                self.message = self.message.saturating_add(len);
                if self.message > self.max {
                    return Err(header_start);
                }
                if fin {
                    self.message = 0;
                }
            }
        }
        Ok(())
    }
}

/// `(fin, opcode, payload length)` once `h` holds a whole frame header.
fn parse_header(h: &[u8]) -> Option<(bool, u8, u64)> {
    if h.len() < 2 {
        return None;
    }
    let mask = if h[1] & 0x80 != 0 { 4 } else { 0 };
    let (ext, len) = match h[1] & 0x7f {
        126 => (
            2,
            h.get(2..4)
                .map(|b| u64::from(u16::from_be_bytes([b[0], b[1]]))),
        ),
        127 => (
            8,
            h.get(2..10)
                .map(|b| u64::from_be_bytes(b.try_into().unwrap_or_default())),
        ),
        n => (0, Some(u64::from(n))),
    };
    if h.len() < 2 + ext + mask {
        return None;
    }
    Some((h[0] & 0x80 != 0, h[0] & 0x0f, len?))
}

/// A payload stream whose "client went away" error is an end of stream, and which ends
/// with [`PayloadError::Overflow`] at a frame declared too large.
pub(crate) struct EndAtClose<S> {
    inner: S,
    ended: bool,
    scan: DeclaredSize,
    /// Set once the bytes before a too large frame went out: next poll reports it.
    overflow: bool,
}

impl<S> EndAtClose<S> {
    /// Wrap `inner`; frames over `max` bytes end it.
    pub(crate) fn new(inner: S, max: usize) -> Self {
        EndAtClose {
            inner,
            ended: false,
            scan: DeclaredSize::new(max),
            overflow: false,
        }
    }
}

impl<S> Stream for EndAtClose<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        if this.overflow {
            this.ended = true;
            return Poll::Ready(Some(Err(PayloadError::Overflow)));
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Err(PayloadError::Incomplete(_)))) | Poll::Ready(None) => {
                this.ended = true;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Ok(bytes))) => match this.scan.feed(&bytes) {
                Ok(()) => Poll::Ready(Some(Ok(bytes))),
                Err(before) => {
                    // Let the reader decode what came before (it stops reading at Pending),
                    // then report the overflow on the next poll.
                    this.overflow = true;
                    cx.waker().wake_by_ref();
                    if before > 0 {
                        Poll::Ready(Some(Ok(bytes.slice(..before))))
                    } else {
                        Poll::Pending
                    }
                }
            },
            other => other,
        }
    }
}

/// `body` with [`EndAtClose`] applied, ready for `actix_ws::handle`.
pub(crate) async fn end_at_close(
    req: &HttpRequest,
    body: Payload,
    max_message_bytes: usize,
) -> Result<Payload, actix_web::Error> {
    let stream: Boxed = Box::pin(EndAtClose::new(body, max_message_bytes));
    let mut payload = dev::Payload::from(stream);
    // `web::Payload` is only built by its extractor, which takes the payload as it is.
    Payload::from_request(req, &mut payload).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::{stream, StreamExt};

    fn chunk(s: &'static str) -> Result<Bytes, PayloadError> {
        Ok(Bytes::from_static(s.as_bytes()))
    }

    #[actix_rt::test]
    async fn an_incomplete_payload_ends_after_the_data_it_delivered() {
        let items = vec![
            chunk("a"),
            chunk("b"),
            Err(PayloadError::Incomplete(None)),
            chunk("never"),
        ];
        let got: Vec<_> = EndAtClose::new(stream::iter(items), 1 << 20)
            .collect()
            .await;
        let got: Vec<Bytes> = got.into_iter().map(Result::unwrap).collect();
        assert_eq!(
            got,
            vec![Bytes::from_static(b"a"), Bytes::from_static(b"b")]
        );
    }

    #[actix_rt::test]
    async fn other_errors_pass_through() {
        let items = vec![chunk("a"), Err(PayloadError::Overflow), chunk("b")];
        let mut s = EndAtClose::new(stream::iter(items), 1 << 20);
        assert!(s.next().await.unwrap().is_ok());
        assert!(matches!(s.next().await, Some(Err(PayloadError::Overflow))));
        assert!(s.next().await.unwrap().is_ok());
        assert!(s.next().await.is_none());
        assert!(s.next().await.is_none());
    }

    #[actix_rt::test]
    async fn the_wrapped_body_feeds_actix_ws_every_complete_frame() {
        use actix_web::test::TestRequest;
        // Two masked text frames, then the client goes away mid-way through a third.
        let frame = |text: &str| {
            let mut f = vec![0x81, 0x80 | text.len() as u8, 0, 0, 0, 0];
            f.extend_from_slice(text.as_bytes());
            f
        };
        let mut bytes = frame("one");
        bytes.extend(frame("two"));
        bytes.extend(&frame("three")[..4]);
        let items = vec![Ok(Bytes::from(bytes)), Err(PayloadError::Incomplete(None))];
        let (req, _) = TestRequest::default()
            .insert_header(("upgrade", "websocket"))
            .insert_header(("connection", "upgrade"))
            .insert_header(("sec-websocket-version", "13"))
            .insert_header(("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="))
            .to_http_parts();
        let stream: Boxed = Box::pin(stream::iter(items));
        let mut raw = dev::Payload::from(stream);
        let body = Payload::from_request(&req, &mut raw).await.unwrap();
        let (_resp, _session, mut messages) =
            actix_ws::handle(&req, end_at_close(&req, body, 1 << 20).await.unwrap()).unwrap();
        let mut texts = Vec::new();
        while let Some(msg) = messages.recv().await {
            match msg.expect("no error at the end") {
                actix_ws::Message::Text(t) => texts.push(t.to_string()),
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(texts, ["one", "two"]);
    }

    #[test]
    fn declared_sizes_are_checked_at_the_header() {
        let mut scan = DeclaredSize::new(10);
        // a masked 5-byte text frame, then a header declaring 2^52 bytes, split mid-header
        let mut bytes = vec![0x81, 0x85, 1, 2, 3, 4, b'a', b'b', b'c', b'd', b'e'];
        bytes.extend([0x81, 0xff, 0, 0x10, 0, 0]);
        assert_eq!(scan.feed(&bytes), Ok(()));
        assert_eq!(scan.feed(&[0, 0, 0, 0, 9, 9, 9, 9]), Err(0));
        // fragments: 6 + 6 > 10 fails at the second header; a ping in between is not counted
        let mut scan = DeclaredSize::new(10);
        let mut bytes = vec![0x01, 0x86, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6];
        bytes.extend([0x89, 0x80, 0, 0, 0, 0]);
        let before = bytes.len();
        bytes.extend([0x80, 0x86, 0, 0, 0, 0]);
        assert_eq!(scan.feed(&bytes), Err(before));
        // exactly the limit is fine
        let mut scan = DeclaredSize::new(10);
        assert_eq!(scan.feed(&[0x81, 0x8a, 0, 0, 0, 0]), Ok(()));
        assert_eq!(scan.feed(&[0; 10]), Ok(()));
        assert_eq!(scan.feed(&[0x81, 0x8a, 0, 0, 0, 0]), Ok(()));
    }
}
