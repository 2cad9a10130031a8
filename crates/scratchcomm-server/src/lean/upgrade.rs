//! The HTTP request that opens a websocket, for the lean transport: read it, check it as
//! actix-http's `ws::handshake` does, and answer 101 (or 400/405 and close).
//!
//! [`parse`] is the sans-IO rule; [`read`] feeds it the socket's bytes.

use actix_web::web::BytesMut;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Longest request head accepted (as node's default `maxHeaderSize`).
const MAX_HEAD: usize = 16 * 1024;

/// Most headers in a request head.
const MAX_HEADERS: usize = 64;

/// How long a client may take to send its request head (actix-web's default).
pub(crate) const HEAD_TIMEOUT: Duration = Duration::from_secs(5);

/// A complete request head, judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Head {
    /// A websocket upgrade: answer with [`accept`].
    Upgrade {
        /// `Sec-WebSocket-Key`.
        key: String,
        /// `Cookie`, if any.
        cookie: Option<String>,
        /// `User-Agent`, if any.
        user_agent: Option<String>,
    },
    /// `GET /health` (any query): answer with the server's health and close.
    Health,
    /// Not a websocket upgrade: send this response and close.
    Refuse(&'static str),
}

const BAD_REQUEST: &str =
    "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
const NOT_GET: &str =
    "HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
const TOO_LARGE: &str = "HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n\
                         connection: close\r\n\r\n";

/// Judge the request head at the start of `buf`: `None` while it is incomplete, else the
/// verdict and the length of the head (bytes after it are websocket frames).
pub(crate) fn parse(buf: &[u8]) -> Option<(Head, usize)> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let len = match req.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => return None,
        Ok(httparse::Status::Partial) | Err(httparse::Error::TooManyHeaders) => {
            return Some((Head::Refuse(TOO_LARGE), buf.len()))
        }
        Err(_) => return Some((Head::Refuse(BAD_REQUEST), buf.len())),
    };
    let header = |name: &str| {
        req.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .and_then(|h| std::str::from_utf8(h.value).ok())
            .map(str::trim)
    };
    let has_token = |name: &str, token: &str| {
        header(name).is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    };
    if req.method != Some("GET") {
        return Some((Head::Refuse(NOT_GET), len));
    }
    // As the actix-web endpoint routes it (`configure`): `/health` before any upgrade.
    if req.path.and_then(|p| p.split('?').next()) == Some("/health") {
        return Some((Head::Health, len));
    }
    let upgrade = has_token("upgrade", "websocket")
        && has_token("connection", "upgrade")
        && header("sec-websocket-version") == Some("13");
    let key = header("sec-websocket-key").filter(|k| !k.is_empty());
    let head = match (upgrade, key) {
        (true, Some(key)) => Head::Upgrade {
            key: key.to_owned(),
            cookie: header("cookie").map(str::to_owned),
            user_agent: header("user-agent").map(str::to_owned),
        },
        _ => Head::Refuse(BAD_REQUEST),
    };
    Some((head, len))
}

/// The 101 response to an upgrade with `key`.
pub(crate) fn accept(key: &str) -> Vec<u8> {
    let hash = actix_http::ws::hash_key(key.as_bytes());
    let mut response = b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\
                         connection: upgrade\r\nsec-websocket-accept: "
        .to_vec();
    response.extend_from_slice(&hash);
    response.extend_from_slice(b"\r\n\r\n");
    response
}

/// The response to `GET /health`: `ok` gives 200, else 503; `body` is JSON. The connection
/// is closed after it.
pub(crate) fn health(ok: bool, body: &str) -> Vec<u8> {
    let status = if ok {
        "200 OK"
    } else {
        "503 Service Unavailable"
    };
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Read the request head (at most [`HEAD_TIMEOUT`]). Refused requests are answered and
/// `None` is returned, as for a client that went away; an upgrade has been answered with
/// 101 and comes back with the bytes that followed its head; `GET /health` comes back
/// unanswered (the caller knows the server's state).
pub(crate) async fn read(stream: &mut TcpStream) -> Option<(Head, BytesMut)> {
    let mut buf = BytesMut::with_capacity(1024);
    let judged = tokio::time::timeout(HEAD_TIMEOUT, async {
        for _ in 0..MAX_HEAD {
            if let Some(judged) = parse(&buf) {
                return Some(judged);
            }
            match stream.read_buf(&mut buf).await {
                Ok(0) | Err(_) => return None,
                Ok(_) => {}
            }
        }
        None
    })
    .await
    .ok()??;
    let (head, len) = judged;
    let answer = match &head {
        Head::Upgrade { key, .. } => accept(key),
        Head::Health => return Some((head, BytesMut::new())),
        Head::Refuse(response) => response.as_bytes().to_vec(),
    };
    stream.write_all(&answer).await.ok()?;
    if let Head::Refuse(_) = head {
        let _ = stream.shutdown().await;
        return None;
    }
    let rest = buf.split_off(len.min(buf.len()));
    Some((head, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    const UPGRADE: &str = "GET /any/path HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\
                           Connection: keep-alive, Upgrade\r\nSec-WebSocket-Version: 13\r\n\
                           Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nCookie: a=1\r\n\r\n";

    #[test]
    fn an_upgrade_is_accepted_with_the_rfc_hash() {
        let mut bytes = UPGRADE.as_bytes().to_vec();
        bytes.extend([0x81, 0x80]);
        let (head, len) = parse(&bytes).expect("complete");
        assert_eq!(len, UPGRADE.len());
        assert_eq!(
            head,
            Head::Upgrade {
                key: "dGhlIHNhbXBsZSBub25jZQ==".into(),
                cookie: Some("a=1".into()),
                user_agent: None,
            }
        );
        // RFC 6455 §1.3's example key and answer.
        let answer = String::from_utf8(accept("dGhlIHNhbXBsZSBub25jZQ==")).unwrap();
        assert!(answer.starts_with("HTTP/1.1 101 "), "{answer}");
        assert!(answer.contains("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
        assert!(answer.ends_with("\r\n\r\n"));
    }

    #[test]
    fn incomplete_heads_wait_and_other_requests_are_refused() {
        assert_eq!(parse(&UPGRADE.as_bytes()[..40]), None);
        let plain = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_eq!(
            parse(plain.as_bytes()).unwrap().0,
            Head::Refuse(BAD_REQUEST)
        );
        let post = UPGRADE.replace("GET", "POST");
        assert_eq!(parse(post.as_bytes()).unwrap().0, Head::Refuse(NOT_GET));
        let old = UPGRADE.replace("Version: 13", "Version: 8");
        assert_eq!(parse(old.as_bytes()).unwrap().0, Head::Refuse(BAD_REQUEST));
        let keyless = UPGRADE.replace("Sec-WebSocket-Key", "X-Key");
        assert_eq!(
            parse(keyless.as_bytes()).unwrap().0,
            Head::Refuse(BAD_REQUEST)
        );
        assert_eq!(
            parse(b"\x16\x03\x01garbage\r\n\r\n").unwrap().0,
            Head::Refuse(BAD_REQUEST)
        );
        let health = "GET /health?x=1 HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_eq!(parse(health.as_bytes()).unwrap().0, Head::Health);
        let health_upgrade = UPGRADE.replace("/any/path", "/health");
        assert_eq!(parse(health_upgrade.as_bytes()).unwrap().0, Head::Health);
        let huge = format!("GET / HTTP/1.1\r\nX: {}", "a".repeat(MAX_HEAD));
        assert_eq!(parse(huge.as_bytes()).unwrap().0, Head::Refuse(TOO_LARGE));
    }
}
