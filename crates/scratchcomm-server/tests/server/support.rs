//! A raw websocket test client (awc) with bounded waits.

use actix_web::web::Bytes;
use awc::error::WsProtocolError;
use awc::ws::{Frame, Message};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use std::collections::VecDeque;
use std::time::Duration;

/// Longest any single wait may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(10);

/// What the client received.
#[derive(Debug, PartialEq)]
pub enum Got {
    Text(String),
    Binary(Vec<u8>),
    Ping,
    Close(Option<u16>),
    /// The connection ended without a close frame.
    Ended,
}

/// The framed websocket, named by what it does (its concrete type is not exported).
pub trait Io:
    Stream<Item = Result<Frame, WsProtocolError>> + Sink<Message, Error = WsProtocolError> + Unpin
{
}
impl<T> Io for T where
    T: Stream<Item = Result<Frame, WsProtocolError>>
        + Sink<Message, Error = WsProtocolError>
        + Unpin
{
}

pub struct Ws {
    io: Box<dyn Io>,
    /// Answer pings automatically (default true).
    pub auto_pong: bool,
    /// Messages of a received frame not returned yet (the server may batch messages).
    pending: VecDeque<String>,
}

impl Ws {
    pub async fn connect(url: &str) -> Ws {
        Self::try_connect(url).await.expect("websocket connect")
    }

    pub async fn try_connect(url: &str) -> Result<Ws, String> {
        Self::connect_with(awc::Client::new(), url, &[]).await
    }

    /// Connect with a given awc client and extra request headers.
    pub async fn connect_with(
        client: awc::Client,
        url: &str,
        headers: &[(&str, &str)],
    ) -> Result<Ws, String> {
        let mut req = client.ws(url).max_frame_size(64 << 20);
        for (k, v) in headers {
            req = req.set_header(*k, *v);
        }
        let fut = req.connect();
        let (_resp, io) = tokio::time::timeout(WAIT, fut)
            .await
            .map_err(|_| "connect timed out".to_owned())?
            .map_err(|e| e.to_string())?;
        Ok(Ws {
            io: Box::new(io),
            auto_pong: true,
            pending: VecDeque::new(),
        })
    }

    /// Connect and send the handshake.
    pub async fn join(url: &str, project: &str, user: &str) -> Ws {
        let mut ws = Self::connect(url).await;
        ws.send(&handshake(project, user)).await;
        ws
    }

    pub async fn send(&mut self, text: &str) {
        tokio::time::timeout(WAIT, self.io.send(Message::Text(text.to_owned().into())))
            .await
            .expect("send timed out")
            .expect("send failed");
    }

    pub async fn send_binary(&mut self, data: &[u8]) {
        let msg = Message::Binary(Bytes::copy_from_slice(data));
        tokio::time::timeout(WAIT, self.io.send(msg))
            .await
            .expect("send timed out")
            .expect("send failed");
    }

    /// Next frame (pings answered unless `auto_pong` is off, then reported).
    pub async fn recv(&mut self) -> Got {
        loop {
            let next = tokio::time::timeout(WAIT, self.io.next())
                .await
                .expect("timed out waiting for a frame");
            let frame = match next {
                None | Some(Err(_)) => return Got::Ended,
                Some(Ok(f)) => f,
            };
            match frame {
                Frame::Text(b) => return Got::Text(String::from_utf8(b.to_vec()).unwrap()),
                Frame::Binary(b) => return Got::Binary(b.to_vec()),
                Frame::Ping(b) if self.auto_pong => {
                    let _ = self.io.send(Message::Pong(b)).await;
                }
                Frame::Ping(_) => return Got::Ping,
                Frame::Pong(_) | Frame::Continuation(_) => {}
                Frame::Close(reason) => return Got::Close(reason.map(|r| r.code.into())),
            }
        }
    }

    /// The next whole text frame (e.g. the join dump); panics on anything else.
    pub async fn frame(&mut self) -> String {
        assert!(self.pending.is_empty(), "messages left: {:?}", self.pending);
        match self.recv().await {
            Got::Text(t) => t,
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    /// The next message (one line of a text frame); panics on anything else.
    pub async fn text(&mut self) -> String {
        while self.pending.is_empty() {
            let frame = self.frame().await;
            self.pending.extend(frame.split('\n').map(str::to_owned));
        }
        self.pending.pop_front().unwrap()
    }

    /// The close code the server sends next (text frames before it are skipped).
    pub async fn close_code(&mut self) -> Option<u16> {
        loop {
            match self.recv().await {
                Got::Text(_) | Got::Binary(_) | Got::Ping => {}
                Got::Close(code) => return code,
                Got::Ended => return None,
            }
        }
    }

    /// Round trip through the server: a ping must come back as a pong. Every message the
    /// server queued for us before our ping is returned.
    pub async fn sync(&mut self) -> Vec<String> {
        let token = Bytes::from_static(b"sync");
        self.io
            .send(Message::Ping(token.clone()))
            .await
            .expect("ping");
        let mut texts: Vec<String> = self.pending.drain(..).collect();
        loop {
            let frame = tokio::time::timeout(WAIT, self.io.next())
                .await
                .expect("timed out waiting for pong")
                .expect("connection ended")
                .expect("frame error");
            match frame {
                Frame::Pong(b) if b == token => return texts,
                Frame::Text(b) => {
                    let frame = String::from_utf8(b.to_vec()).unwrap();
                    texts.extend(frame.split('\n').map(str::to_owned));
                }
                Frame::Ping(b) => {
                    let _ = self.io.send(Message::Pong(b)).await;
                }
                Frame::Close(r) => panic!("closed while syncing: {r:?}"),
                _ => {}
            }
        }
    }

    /// Answer `n` server pings without sending anything else (text frames are skipped).
    pub async fn answer_pings(&mut self, n: usize) {
        let mut answered = 0;
        while answered < n {
            let frame = tokio::time::timeout(WAIT, self.io.next())
                .await
                .expect("timed out waiting for a ping")
                .expect("connection ended")
                .expect("frame error");
            match frame {
                Frame::Ping(b) => {
                    self.io.send(Message::Pong(b)).await.expect("pong");
                    answered += 1;
                }
                Frame::Close(r) => panic!("closed while answering pings: {r:?}"),
                _ => {}
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.io.send(Message::Close(None)).await;
    }
}

pub fn handshake(project: &str, user: &str) -> String {
    format!(r#"{{"method":"handshake","user":"{user}","project_id":"{project}"}}"#)
}

pub fn set(name: &str, value: &str) -> String {
    format!(r#"{{"method":"set","name":"☁ {name}","value":{value},"user":"u","project_id":"1"}}"#)
}

/// The frame the server sends for a set.
pub fn set_out(name: &str, value: &str) -> String {
    format!(r#"{{"method":"set","name":"☁ {name}","value":{value}}}"#)
}

/// Poll `cond` until it holds; panics after [`WAIT`].
pub async fn eventually(what: &str, cond: impl FnMut() -> bool) {
    test_support::eventually_within(WAIT, what, cond).await
}
