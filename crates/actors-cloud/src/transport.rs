//! Opening the websocket: URL, request headers, and splitting it into a writer and a
//! reader the actor can drive.

use crate::config::{ConnectionConfig, HostEntry, HostKind, SCRATCH_ORIGIN, SCRATCH_URL};
use awc::error::{WsClientError, WsProtocolError};
use awc::ws;
use futures_util::stream::LocalBoxStream;
use futures_util::{Sink, SinkExt, StreamExt};
use std::pin::Pin;
use std::time::Duration;

/// The library name and version sent in the User-Agent.
pub const USER_AGENT_PRODUCT: &str = concat!("scratchcommunication-rs/", env!("CARGO_PKG_VERSION"));

/// Largest frame accepted (a join snapshot of a busy TurboWarp room can be large).
pub const MAX_FRAME: usize = 16 * 1024 * 1024;

/// The writing half of an open websocket.
pub type WsSink = Pin<Box<dyn Sink<ws::Message, Error = WsProtocolError>>>;
/// The reading half of an open websocket.
pub type WsStream = LocalBoxStream<'static, Result<ws::Frame, WsProtocolError>>;

/// Why a websocket could not be opened.
#[derive(Debug, Clone)]
pub struct ConnectFailure {
    /// Human-readable reason (never contains the session id).
    pub reason: String,
    /// Retrying cannot help (the server refused us at the HTTP level: 401/403).
    pub fatal: bool,
}

/// The extra request headers for the connection's primary host (docs/protocol.md §1.1).
#[cfg(test)]
fn request_headers(cfg: &ConnectionConfig) -> Vec<(String, String)> {
    headers_for(cfg, &HostEntry::new(cfg.host, cfg.url.clone()))
}

/// The extra request headers for `host` (one of the connection's hosts). The Scratch cookie
/// and Origin are added only when the URL is exactly Scratch's cloud server.
pub fn headers_for(cfg: &ConnectionConfig, host: &HostEntry) -> Vec<(String, String)> {
    let mut headers = Vec::new();
    match host.kind {
        HostKind::Scratch => {
            if host.url == SCRATCH_URL {
                if let Some(session) = &cfg.session {
                    headers.push(("Cookie".to_owned(), session.cookie_header()));
                }
                headers.push(("Origin".to_owned(), SCRATCH_ORIGIN.to_owned()));
            }
        }
        HostKind::TurboWarp | HostKind::Custom => {
            let ua = match cfg.contact.as_deref().map(str::trim) {
                Some(c) if !c.is_empty() => format!("{USER_AGENT_PRODUCT} - {c}"),
                _ => USER_AGENT_PRODUCT.to_owned(),
            };
            if !cfg.extra.has("User-Agent") {
                headers.push(("User-Agent".to_owned(), ua));
            }
            headers.extend(cfg.extra.to_send());
        }
    }
    headers
}

/// Open the websocket at `url` with `headers`, within `timeout`, verifying a `wss://`
/// host's certificate with `tls`.
pub async fn open(
    url: String,
    headers: Vec<(String, String)>,
    timeout: Duration,
    tls: std::sync::Arc<rustls::ClientConfig>,
) -> Result<(WsSink, WsStream), ConnectFailure> {
    let client = awc::Client::builder()
        .connector(awc::Connector::new().rustls_0_23(tls).timeout(timeout))
        .timeout(timeout)
        // No `max_http_version` here: awc implements it by rebuilding the connector's TLS
        // from its own default roots, which replaces ours (without awc's webpki feature:
        // with none, and every wss:// connect failed with "SSL is not supported"). Our
        // rustls configs offer only HTTP/1.1 by ALPN instead (tls.rs).
        .finish();
    let mut req = client.ws(url.as_str()).max_frame_size(MAX_FRAME);
    for (name, value) in headers {
        req = if name == "Origin" {
            req.origin(value)
        } else {
            req.set_header(name, value)
        };
    }
    let connect = req.connect();
    let result = match actix_rt::time::timeout(timeout, connect).await {
        Ok(r) => r,
        Err(_) => {
            return Err(ConnectFailure {
                reason: format!("timed out after {timeout:?}"),
                fatal: false,
            })
        }
    };
    match result {
        Ok((_resp, framed)) => {
            let (sink, stream) = framed.split();
            Ok((Box::pin(sink), stream.boxed_local()))
        }
        Err(WsClientError::InvalidResponseStatus(status)) => Err(ConnectFailure {
            reason: format!("the server answered HTTP {status}"),
            fatal: matches!(status.as_u16(), 401 | 403),
        }),
        Err(e) => Err(ConnectFailure {
            reason: crate::tls::explain_failure(describe(&e)),
            fatal: false,
        }),
    }
}

/// The error with its causes (awc's own message hides the TLS reason in its source).
fn describe(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    let mut n = 0;
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        cause = c.source();
        n += 1;
        if n > 8 {
            break;
        }
    }
    text
}

/// One frame for the writer task.
pub struct WriteCmd {
    /// The message.
    pub msg: ws::Message,
    /// Report the result to the actor (data frames); control frames are not reported.
    pub report: bool,
}

/// Write commands in order until the channel closes, a write fails or a close frame was
/// written; `done` is called for every reported command with the write result.
pub async fn run_writer(
    mut sink: WsSink,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<WriteCmd>,
    done: impl Fn(Result<(), String>),
) {
    while let Some(cmd) = rx.recv().await {
        let is_close = matches!(cmd.msg, ws::Message::Close(_));
        let result = sink.send(cmd.msg).await.map_err(|e| e.to_string());
        let failed = result.is_err();
        if cmd.report {
            done(result);
        }
        if failed || is_close {
            break;
        }
    }
    // No `sink.close()`: shutting the TCP write side down right after the close frame
    // makes some servers drop frames they had not processed yet. The socket closes when
    // the reader sees the server's close (or the actor's close grace period ends).
    drop(sink);
}

/// Joins fragmented messages (`Continuation` frames) back into one, up to [`MAX_FRAME`].
#[derive(Debug, Default)]
pub struct Reassembler {
    buf: Option<Vec<u8>>,
}

impl Reassembler {
    /// Feed one continuation item; returns the whole message once its last part arrived.
    pub fn push(&mut self, item: actix_http::ws::Item) -> Result<Option<Vec<u8>>, String> {
        let (start, last, bytes) = match item {
            actix_http::ws::Item::FirstText(b) | actix_http::ws::Item::FirstBinary(b) => {
                (true, false, b)
            }
            actix_http::ws::Item::Continue(b) => (false, false, b),
            actix_http::ws::Item::Last(b) => (false, true, b),
        };
        if start {
            self.buf = Some(Vec::new());
        }
        let Some(buf) = self.buf.as_mut() else {
            return Err("a continuation frame without a first fragment".into());
        };
        if buf.len() + bytes.len() > MAX_FRAME {
            self.buf = None;
            return Err(format!(
                "a fragmented message longer than {MAX_FRAME} bytes"
            ));
        }
        buf.extend_from_slice(&bytes);
        Ok(if last { self.buf.take() } else { None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scratchcomm_wire::SessionId;

    #[test]
    fn scratch_headers_carry_cookie_and_origin() {
        let cfg =
            ConnectionConfig::scratch("1", SessionId::new("\"example-session-id\""), "server_bot");
        let h = request_headers(&cfg);
        let has = |name: &str, value: &str| h.iter().any(|(n, v)| n == name && v == value);
        assert!(has("Cookie", "scratchsessionsid=\"example-session-id\";"));
        assert!(has("Origin", "https://scratch.mit.edu"));
    }

    #[test]
    fn cookie_never_goes_to_another_host() {
        let cfg = ConnectionConfig::scratch("1", SessionId::new("secret"), "bot")
            .url("ws://127.0.0.1:1/");
        let h = request_headers(&cfg);
        assert!(h.iter().all(|(_, v)| !v.contains("secret")));
        for cfg in [
            ConnectionConfig::turbowarp("1", "me"),
            ConnectionConfig::custom("ws://127.0.0.1:1/", "1"),
        ] {
            assert!(request_headers(&cfg).iter().all(|(n, _)| *n != "Cookie"));
        }
    }

    #[test]
    fn extra_headers_go_to_custom_hosts_only() {
        let custom = ConnectionConfig::custom("ws://127.0.0.1:1/", "1")
            .header("User-Agent", "mine")
            .header("X-Token", "t")
            .cookie("a", "1");
        let h = request_headers(&custom);
        let uas: Vec<&String> = h
            .iter()
            .filter(|(n, _)| n == "User-Agent")
            .map(|(_, v)| v)
            .collect();
        assert_eq!(uas, ["mine"], "the caller's User-Agent replaces ours");
        assert!(h.iter().any(|(n, v)| n == "Cookie" && v == "a=1"));
        let scratch =
            ConnectionConfig::scratch("1", SessionId::new("s"), "bot").header("X-Token", "t");
        assert!(request_headers(&scratch)
            .iter()
            .all(|(n, _)| n != "X-Token"));
    }

    #[test]
    fn fallback_hosts_get_their_own_headers() {
        let cfg = ConnectionConfig::scratch("1", SessionId::new("secret"), "bot")
            .fallback_to_turbowarp("me");
        let hosts = cfg.hosts();
        assert!(headers_for(&cfg, &hosts[0])
            .iter()
            .any(|(n, _)| *n == "Cookie"));
        for h in &hosts[1..] {
            let headers = headers_for(&cfg, h);
            assert!(headers.iter().all(|(_, v)| !v.contains("secret")));
            assert!(headers
                .iter()
                .any(|(n, v)| *n == "User-Agent" && v.ends_with(" - me")));
        }
    }

    #[test]
    fn turbowarp_user_agent_names_library_version_and_contact() {
        let h = request_headers(&ConnectionConfig::turbowarp("1", "example contact"));
        let ua = format!(
            "scratchcommunication-rs/{} - example contact",
            env!("CARGO_PKG_VERSION")
        );
        assert_eq!(h, vec![("User-Agent".to_owned(), ua)]);
    }

    #[test]
    fn fragments_are_joined() {
        use actix_http::ws::Item;
        let mut r = Reassembler::default();
        assert_eq!(r.push(Item::FirstText("ab".into())), Ok(None));
        assert_eq!(r.push(Item::Continue("cd".into())), Ok(None));
        assert_eq!(r.push(Item::Last("e".into())), Ok(Some(b"abcde".to_vec())));
        assert!(r.push(Item::Continue("x".into())).is_err());
    }
}
