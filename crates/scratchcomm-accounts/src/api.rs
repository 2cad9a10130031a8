//! The two account endpoints as single calls: session lookup (§2.2) and password login
//! (§2.3). Each maps every failure to a distinct [`AccountsErrorKind`](crate::AccountsErrorKind).

use crate::account::AccountData;
use crate::config::{login_cookie_header, session_cookie_header, ApiConfig};
use crate::error::{AccountsError, Result};
use crate::http::{send, Answer, Call};
use crate::secret::{session_id_from_set_cookie, Password, XToken};
use scratchcomm_wire::push_python_json_string;
use scratchcomm_wire::SessionId;
use serde_json::Value;

/// `POST <api>/session` with the session cookie (and the X-Token header when known);
/// returns the account data or an error: `InvalidSession` when Scratch does not know the
/// session (answer without `user`, or HTTP 401/403), `MalformedJson`, `HttpStatus` for
/// other statuses, `Timeout`, `Unreachable`.
///
/// # Errors
///
/// An [`AccountsError`](crate::AccountsError): `Timeout`, `Unreachable` or `HttpStatus` for the request, `MalformedJson` for an answer of the wrong shape, `InvalidSession` when the session is not logged in (see above).
pub async fn lookup_session(
    config: &ApiConfig,
    session_id: &SessionId,
    xtoken: Option<&XToken>,
) -> Result<AccountData> {
    let url = config.session_url();
    let mut cookie = session_cookie_header(session_id.expose());
    let mut headers = Vec::new();
    if let Some(token) = xtoken.filter(|t| !t.is_empty()) {
        headers.push(("x-token", token.expose().to_owned()));
    }
    let answer = send(Call {
        post: true,
        url,
        headers,
        cookie: Some(cookie.clone()),
        body: None,
        default_headers: true,
        config,
    })
    .await;
    zeroize::Zeroize::zeroize(&mut cookie);
    let answer = answer?;
    match answer.status {
        200..=299 => AccountData::from_session_json(&answer.url, &answer.body),
        401 | 403 => Err(AccountsError::invalid_session(
            &answer.url,
            format!("HTTP {}", answer.status),
        )
        .with_http_status(answer.status)),
        status => Err(AccountsError::http_status_error(&answer.url, status)),
    }
}

/// `POST <api>/login/` with `{"username": .., "password": ..}`; returns the session id
/// taken from the `Set-Cookie` text, quotes included (§2.3).
///
/// Errors: `WrongPassword` (HTTP 401/403, or an answer whose first entry says
/// `"success": 0`), `MissingCookie` (a success without a quoted cookie), `HttpStatus`,
/// `Timeout`, `Unreachable`.
///
/// # Errors
///
/// An [`AccountsError`](crate::AccountsError): `Timeout`, `Unreachable` or `HttpStatus` for the request, `MalformedJson` for an answer of the wrong shape, `WrongPassword` or `MissingCookie` when the login is refused (see above).
pub async fn login_session_id(
    config: &ApiConfig,
    username: &str,
    password: &Password,
) -> Result<SessionId> {
    let mut body = String::from("{\"username\": ");
    push_python_json_string(&mut body, username);
    body.push_str(", \"password\": ");
    push_python_json_string(&mut body, password.expose());
    body.push('}');
    let answer = send(Call {
        post: true,
        url: config.login_url(),
        headers: Vec::new(),
        cookie: Some(login_cookie_header()),
        body: Some(body),
        default_headers: true,
        config,
    })
    .await?;
    session_id_from_login_answer(username, &answer)
}

/// The decision of [`login_session_id`] on a received answer (pure, for tests).
pub(crate) fn session_id_from_login_answer(username: &str, answer: &Answer) -> Result<SessionId> {
    let refusal = login_refusal(&answer.body);
    match answer.status {
        401 | 403 => {
            return Err(AccountsError::wrong_password(
                username,
                refusal.unwrap_or_else(|| format!("HTTP {}", answer.status)),
            )
            .with_http_status(answer.status))
        }
        200..=299 => {}
        status => return Err(AccountsError::http_status_error(&answer.url, status)),
    }
    if let Some(message) = refusal {
        return Err(AccountsError::wrong_password(username, message));
    }
    answer
        .set_cookie
        .as_deref()
        .and_then(session_id_from_set_cookie)
        .ok_or_else(|| AccountsError::missing_cookie(&answer.url))
}

/// Scratch answers a login with a JSON array whose first object has `success` (1 or 0)
/// and `msg`. Returns the message of a refusal, `None` otherwise (also for bodies that
/// are not that shape: the reference never reads the body).
fn login_refusal(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let first = match &value {
        Value::Array(items) => items.first()?,
        obj @ Value::Object(_) => obj,
        _ => return None,
    };
    let success = first.get("success")?;
    let failed = matches!(success, Value::Number(n) if n.as_i64() == Some(0))
        || matches!(success, Value::Bool(false));
    failed.then(|| {
        first
            .get("msg")
            .and_then(Value::as_str)
            .filter(|m| !m.is_empty())
            .unwrap_or("the login was refused")
            .to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AccountsErrorKind as K;

    fn answer(status: u16, cookie: Option<&str>, body: &str) -> Answer {
        Answer {
            url: "http://127.0.0.1:1/login/".into(),
            status,
            set_cookie: cookie.map(str::to_owned),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn login_decisions() {
        let ok = answer(
            200,
            Some("scratchsessionsid=\"abc:1\"; Path=/"),
            r#"[{"username": "a", "success": 1, "msg": ""}]"#,
        );
        assert_eq!(
            session_id_from_login_answer("a", &ok).unwrap().expose(),
            "\"abc:1\""
        );
        let kind = |a: &Answer| session_id_from_login_answer("a", a).unwrap_err().kind();
        let wrong = r#"[{"success": 0, "msg": "Incorrect username or password."}]"#;
        assert_eq!(kind(&answer(403, None, wrong)), K::WrongPassword);
        assert_eq!(kind(&answer(200, None, wrong)), K::WrongPassword);
        assert_eq!(kind(&answer(401, None, "")), K::WrongPassword);
        assert_eq!(
            kind(&answer(200, None, "[{\"success\": 1}]")),
            K::MissingCookie
        );
        assert_eq!(
            kind(&answer(200, Some("a=b; Path=/"), "junk")),
            K::MissingCookie
        );
        assert_eq!(kind(&answer(500, None, "")), K::HttpStatus);
        let msg = session_id_from_login_answer("a", &answer(403, None, wrong))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("Incorrect username or password."), "{msg}");
    }
}
