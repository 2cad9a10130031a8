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

use actix_web::dev;
use actix_web::error::PayloadError;
use actix_web::web::{Bytes, Payload};
use actix_web::{FromRequest, HttpRequest};
use futures_util::Stream;
use std::pin::Pin;
use std::task::{Context, Poll};

/// actix-http's `BoxedPayloadStream` (not re-exported by actix-web).
type Boxed = Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>;

/// A payload stream whose "client went away" error is an end of stream.
pub(crate) struct EndAtClose<S> {
    inner: S,
    ended: bool,
}

impl<S> EndAtClose<S> {
    /// Wrap `inner`.
    pub(crate) fn new(inner: S) -> Self {
        EndAtClose {
            inner,
            ended: false,
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
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Err(PayloadError::Incomplete(_)))) | Poll::Ready(None) => {
                this.ended = true;
                Poll::Ready(None)
            }
            other => other,
        }
    }
}

/// `body` with [`EndAtClose`] applied, ready for `actix_ws::handle`.
pub(crate) async fn end_at_close(
    req: &HttpRequest,
    body: Payload,
) -> Result<Payload, actix_web::Error> {
    let stream: Boxed = Box::pin(EndAtClose::new(body));
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
        let got: Vec<_> = EndAtClose::new(stream::iter(items)).collect().await;
        let got: Vec<Bytes> = got.into_iter().map(Result::unwrap).collect();
        assert_eq!(
            got,
            vec![Bytes::from_static(b"a"), Bytes::from_static(b"b")]
        );
    }

    #[actix_rt::test]
    async fn other_errors_pass_through() {
        let items = vec![chunk("a"), Err(PayloadError::Overflow), chunk("b")];
        let mut s = EndAtClose::new(stream::iter(items));
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
            actix_ws::handle(&req, end_at_close(&req, body).await.unwrap()).unwrap();
        let mut texts = Vec::new();
        while let Some(msg) = messages.recv().await {
            match msg.expect("no error at the end") {
                actix_ws::Message::Text(t) => texts.push(t.to_string()),
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(texts, ["one", "two"]);
    }
}
