//! The socket reader's side of [`CloudConnection`]: every websocket frame (or the end of
//! the socket) is handed to the core, tagged with the epoch of the socket it came from.

use super::CloudConnection;
use actix::prelude::*;
use awc::error::WsProtocolError;
use awc::ws;
use std::time::Instant;

/// One item of the socket reader, tagged with its socket epoch.
pub(super) struct WsItem {
    pub epoch: u64,
    pub item: Result<ws::Frame, WsProtocolError>,
}

impl StreamHandler<WsItem> for CloudConnection {
    fn handle(&mut self, WsItem { epoch, item }: WsItem, ctx: &mut Context<Self>) {
        let now = Instant::now();
        if self.core.is_stopped() {
            if matches!(item, Ok(ws::Frame::Close(_)) | Err(_)) {
                self.release_socket(ctx);
            }
            return;
        }
        let actions = match item {
            Ok(ws::Frame::Text(bytes)) | Ok(ws::Frame::Binary(bytes)) => {
                match std::str::from_utf8(&bytes) {
                    Ok(text) => self.core.on_frame(epoch, text, now),
                    Err(_) => {
                        tracing::warn!("ignoring a frame that is not UTF-8");
                        Vec::new()
                    }
                }
            }
            Ok(ws::Frame::Continuation(part)) => match self.fragments.push(part) {
                Ok(Some(whole)) => match String::from_utf8(whole) {
                    Ok(text) => self.core.on_frame(epoch, &text, now),
                    Err(_) => {
                        tracing::warn!("ignoring a fragmented message that is not UTF-8");
                        self.core.on_activity(epoch, now)
                    }
                },
                Ok(None) => self.core.on_activity(epoch, now),
                Err(e) => {
                    tracing::warn!(error = %e, "ignoring a broken fragmented message");
                    self.core.on_activity(epoch, now)
                }
            },
            Ok(ws::Frame::Ping(p)) => {
                self.write(ws::Message::Pong(p), false);
                self.core.on_activity(epoch, now)
            }
            Ok(ws::Frame::Close(reason)) => {
                let code = reason
                    .as_ref()
                    .map(|r| scratchcomm_wire::CloseCode(u16::from(r.code)));
                let text = match (&reason, code) {
                    (Some(r), Some(c)) => match &r.description {
                        Some(d) if !d.is_empty() => format!("closed with {c}: {d}"),
                        _ => format!("closed with {c}"),
                    },
                    _ => "closed without a code".to_owned(),
                };
                self.core.on_closed(epoch, code, text, now)
            }
            Ok(_) => self.core.on_activity(epoch, now),
            Err(e) => self
                .core
                .on_closed(epoch, None, format!("connection lost: {e}"), now),
        };
        self.run(actions, ctx);
    }

    fn finished(&mut self, _ctx: &mut Context<Self>) {
        // The chained end marker already reported the end; do not stop the actor.
    }
}
