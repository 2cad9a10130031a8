//! Checking websocket URLs given by users.

use crate::CloudError;

/// Accept only `ws://host...` and `wss://host...` URLs with a non-empty host.
///
/// # Errors
///
/// A [`CloudError`] naming what is wrong: another scheme, or no host.
pub fn check_ws_url(url: &str) -> Result<(), CloudError> {
    let bad = |why: &str| {
        Err(CloudError::config(format!(
            "bad websocket URL {url:?}: {why}"
        )))
    };
    let rest = if let Some(r) = url.strip_prefix("wss://") {
        r
    } else if let Some(r) = url.strip_prefix("ws://") {
        r
    } else {
        return bad("it must start with ws:// or wss://");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    if host.is_empty() || host.starts_with(':') {
        return bad("it has no host");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("it contains whitespace");
    }
    if let Some((_, port)) = host.rsplit_once(':') {
        if !host.ends_with(']') && port.parse::<u16>().is_err() {
            return bad("the port is not a number from 0 to 65535");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        for ok in [
            "ws://127.0.0.1:9080/",
            "wss://clouddata.turbowarp.org/",
            "ws://h",
            "ws://[::1]:80/x",
        ] {
            assert!(check_ws_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://x",
            "ws://",
            "ws://:80",
            "wss://h:99999/",
            "ws://a b",
            "scratch",
        ] {
            assert!(check_ws_url(bad).is_err(), "{bad}");
        }
    }
}
