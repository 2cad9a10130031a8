//! The one place that talks HTTP: an awc client with rustls, the reference's default
//! headers, explicit timeouts, and the mapping of transport failures to error kinds.
//! Needs a running actix (or tokio `LocalSet`) runtime, like every awc client.

use crate::config::{ApiConfig, DEFAULT_HEADERS};
use crate::error::{AccountsError, Result};
use awc::error::{ConnectError, PayloadError, SendRequestError};
use std::time::Duration;

/// A received answer: status, every `Set-Cookie` value joined with `", "` (what Python
/// `requests` shows as `headers["Set-Cookie"]`), and the body.
#[derive(Clone)]
pub(crate) struct Answer {
    pub url: String,
    pub status: u16,
    pub set_cookie: Option<String>,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The body and cookies may hold tokens: show sizes only.
        f.debug_struct("Answer")
            .field("url", &self.url)
            .field("status", &self.status)
            .field(
                "set_cookie",
                &self.set_cookie.as_ref().map(|_| "<redacted>"),
            )
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// One outgoing request: method, URL, extra headers, `Cookie` header, optional body.
pub(crate) struct Call<'a> {
    pub post: bool,
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub cookie: Option<String>,
    pub body: Option<String>,
    pub default_headers: bool,
    pub config: &'a ApiConfig,
}

fn client(config: &ApiConfig) -> awc::Client {
    let connector = awc::Connector::new()
        .rustls_0_23(actors_cloud::tls_client_config())
        .timeout(config.connect_timeout.min(config.timeout));
    awc::Client::builder()
        .connector(connector)
        .timeout(config.timeout)
        .disable_redirects()
        .no_default_headers()
        .finish()
}

/// Send `call` and read the whole answer, bounded by the configured timeout.
pub(crate) async fn send(call: Call<'_>) -> Result<Answer> {
    call.config.validate()?;
    let timeout = call.config.timeout;
    let url = call.url.clone();
    match actix_rt::time::timeout(timeout + Duration::from_millis(50), send_inner(call)).await {
        Ok(result) => result,
        Err(_elapsed) => Err(AccountsError::timeout(&url, timeout)),
    }
}

async fn send_inner(call: Call<'_>) -> Result<Answer> {
    let client = client(call.config);
    let mut req = if call.post {
        client.post(&call.url)
    } else {
        client.get(&call.url)
    };
    if call.default_headers {
        for (name, value) in DEFAULT_HEADERS {
            req = req.insert_header((name, value));
        }
    }
    for (name, value) in &call.headers {
        req = req.insert_header((*name, value.as_str()));
    }
    if let Some(cookie) = &call.cookie {
        req = req.insert_header(("cookie", cookie.as_str()));
    }
    tracing::debug!(url = %call.url, post = call.post, "account request");
    let sent = match call.body {
        Some(body) => req.send_body(body).await,
        None => req.send().await,
    };
    let mut resp = sent.map_err(|e| map_send_error(&call.url, call.config.timeout, e))?;
    let status = resp.status().as_u16();
    let cookies: Vec<String> = resp
        .headers()
        .get_all("set-cookie")
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    let set_cookie = (!cookies.is_empty()).then(|| cookies.join(", "));
    let body = resp
        .body()
        .limit(call.config.max_body_bytes)
        .await
        .map_err(|e| map_payload_error(&call.url, call.config.timeout, e))?;
    tracing::debug!(url = %call.url, status, bytes = body.len(), "account answer");
    Ok(Answer {
        url: call.url,
        status,
        set_cookie,
        body: body.to_vec(),
    })
}

fn map_send_error(url: &str, timeout: Duration, e: SendRequestError) -> AccountsError {
    let url = url.to_owned();
    match e {
        SendRequestError::Timeout | SendRequestError::Connect(ConnectError::Timeout) => {
            AccountsError::timeout(&url, timeout)
        }
        SendRequestError::Url(e) => AccountsError::invalid_input(url, e.to_string()),
        SendRequestError::Connect(e) => AccountsError::unreachable(&url, e.to_string()),
        SendRequestError::Send(e) if e.kind() == std::io::ErrorKind::TimedOut => {
            AccountsError::timeout(&url, timeout)
        }
        other => AccountsError::unreachable(&url, other.to_string()),
    }
}

fn map_payload_error(url: &str, timeout: Duration, e: PayloadError) -> AccountsError {
    let url = url.to_owned();
    match e {
        PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            AccountsError::timeout(&url, timeout)
        }
        PayloadError::Overflow => AccountsError::malformed(&url, "the answer is too large"),
        other => AccountsError::unreachable(&url, format!("the answer broke off: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_debug_hides_body_and_cookies() {
        let a = Answer {
            url: "http://x/login/".into(),
            status: 200,
            set_cookie: Some("scratchsessionsid=\"secret\"".into()),
            body: b"{\"token\":\"secret\"}".to_vec(),
        };
        let shown = format!("{a:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("body_bytes"));
    }
}
