//! Initial cloud values of a Scratch project from its project JSON.
//!
//! Scratch's cloud server sends, on joining, only the variables set since the room last
//! started; the rest read as missing. Their values are in the project itself: the project
//! API (`GET <project api>/projects/<id>`) gives a `project_token`, with which the projects
//! host (`GET <projects>/<id>?token=<token>`) serves the project JSON, whose targets list
//! their variables as `id: [name, value]` or `id: [name, value, true]` (cloud).
//!
//! The two parsers here are sans-IO; [`fetch_initial_values`] does the two calls and
//! [`fill_initial_values`] / [`connect_with_initial_values`] fill what the server did not send
//! into a connection's cache (`CloudHandle::fill_missing`).

use crate::config::ApiConfig;
use crate::error::{AccountsError, Result};
use crate::http::{send, Call};
use actors_cloud::{CloudHandle, ConnectionConfig, HostKind};
use scratchcomm_wire::{CloudValue, ProjectId};
use serde_json::Value;

/// The `project_token` of a project API answer (`url` names where it came from in errors).
///
/// # Errors
///
/// An [`AccountsError`](crate::AccountsError) of kind `MalformedJson` (naming `url`) when the answer has no project token.
pub fn project_token(url: &str, body: &[u8]) -> Result<String> {
    let json: Value = serde_json::from_slice(body).map_err(|e| {
        AccountsError::malformed(url, format!("the project answer is not JSON: {e}"))
    })?;
    match json.get("project_token") {
        Some(Value::String(t)) if !t.is_empty() => Ok(t.clone()),
        Some(Value::String(_)) => Err(AccountsError::malformed(url, "`project_token` is empty")),
        Some(_) => Err(AccountsError::malformed(
            url,
            "`project_token` is not a string",
        )),
        None => Err(AccountsError::malformed(
            url,
            "the project answer has no `project_token` (is the project shared?)",
        )),
    }
}

/// The cloud variables of a project JSON, as `(name on the wire, value)`, in target order.
/// A variable is cloud when its entry has `true` as third element (Scratch 3); a name
/// starting with `☁ ` alone does not make it one. Numbers keep their JSON text; strings are
/// taken as they are (the rules check them when they are set, not here).
///
/// # Errors
///
/// An [`AccountsError`](crate::AccountsError) of kind `MalformedJson` (naming `url`) when the project JSON has the wrong shape.
pub fn cloud_variables(url: &str, body: &[u8]) -> Result<Vec<(String, CloudValue)>> {
    let bad = |reason: String| AccountsError::malformed(url, reason);
    let json: Value =
        serde_json::from_slice(body).map_err(|e| bad(format!("the project is not JSON: {e}")))?;
    let targets = json
        .get("targets")
        .ok_or_else(|| bad("the project has no `targets` (not a Scratch 3 project?)".into()))?
        .as_array()
        .ok_or_else(|| bad("`targets` is not a list".into()))?;
    let mut out = Vec::new();
    for (i, target) in targets.iter().enumerate() {
        let Some(vars) = target.get("variables") else {
            continue;
        };
        let vars = vars
            .as_object()
            .ok_or_else(|| bad(format!("`targets[{i}].variables` is not an object")))?;
        for (id, entry) in vars {
            let where_ = || format!("`targets[{i}].variables[{id:?}]`");
            let items = entry
                .as_array()
                .ok_or_else(|| bad(format!("{} is not a list", where_())))?;
            if items.get(2) != Some(&Value::Bool(true)) {
                continue;
            }
            let name = items
                .first()
                .and_then(Value::as_str)
                .ok_or_else(|| bad(format!("{} has no name", where_())))?;
            let value = match items.get(1) {
                Some(Value::String(s)) => CloudValue::new(s.clone()),
                Some(Value::Number(n)) => CloudValue::from_raw_json(&n.to_string())
                    .map_err(|e| bad(format!("{} value: {e}", where_())))?,
                Some(Value::Bool(b)) => CloudValue::new(b.to_string()),
                _ => return Err(bad(format!("{} has no value", where_()))),
            };
            out.push((name.to_owned(), value));
        }
    }
    Ok(out)
}

/// The project's cloud variables, fetched with the project token (two GETs, each bounded
/// by the configured timeout and body limit).
///
/// # Errors
///
/// An [`AccountsError`](crate::AccountsError): `Timeout`, `Unreachable` or `HttpStatus` for the request, `MalformedJson` for an answer of the wrong shape.
pub async fn fetch_initial_values(
    api: &ApiConfig,
    project_id: &ProjectId,
) -> Result<Vec<(String, CloudValue)>> {
    let get = |url: String| Call {
        post: false,
        url,
        headers: Vec::new(),
        cookie: None,
        body: None,
        default_headers: true,
        config: api,
    };
    let answer = send(get(api.project_api_url(project_id.as_str()))).await?;
    if !(200..300).contains(&answer.status) {
        return Err(AccountsError::http_status_error(&answer.url, answer.status));
    }
    let token = project_token(&answer.url, &answer.body)?;
    let answer = send(get(api.project_json_url(project_id.as_str(), &token))).await?;
    // The token is a secret of sorts: never show it in errors.
    let shown = api.project_json_url(project_id.as_str(), "<token>");
    if !(200..300).contains(&answer.status) {
        return Err(AccountsError::http_status_error(&shown, answer.status));
    }
    cloud_variables(&shown, &answer.body)
}

/// Fill the variables of `handle`'s project that have no value yet from the project JSON
/// (fetched through `api`); a value the server sent always wins. Returns how many were
/// filled. Works on any connection whose project id is a Scratch project id.
///
/// # Errors
///
/// An [`AccountsError`](crate::AccountsError): `Timeout`, `Unreachable` or `HttpStatus` for the request, `MalformedJson` for an answer of the wrong shape; `InvalidInput` when the connection's project id is not a Scratch project id.
pub async fn fill_initial_values(handle: &CloudHandle, api: &ApiConfig) -> Result<usize> {
    let values = fetch_initial_values(api, handle.project_id()).await?;
    Ok(handle.fill_missing(values))
}

/// Connect with `config`; on Scratch, then fill the variables the server did not send from
/// the project JSON (see [`fill_initial_values`]). Returns the handle and how many values
/// were filled. A failed fetch is logged and leaves the connection as it is (the values stay
/// missing, as without this option); other hosts send every value and nothing is fetched.
///
/// # Errors
///
/// `CloudConnection` when the connection fails; otherwise as [`fill_initial_values`].
pub async fn connect_with_initial_values(
    config: ConnectionConfig,
    api: &ApiConfig,
) -> Result<(CloudHandle, usize)> {
    let scratch = config.host_kind() == HostKind::Scratch;
    let handle = CloudHandle::connect(config).await?;
    if !scratch {
        return Ok((handle, 0));
    }
    match fill_initial_values(&handle, api).await {
        Ok(filled) => Ok((handle, filled)),
        Err(e) => {
            tracing::warn!(error = %e, "initial cloud values not loaded from the project");
            Ok((handle, 0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "http://p/1";

    /// Fuzz finding (`project_json`): serde_json's default float parser may be one unit in
    /// the last place off, so a cloud number came back as a different number.
    #[test]
    fn float_values_keep_their_number() {
        let body = br#"{"targets":[{"variables":{"a":["x",2.2206042789399163e+252,true]}}]}"#;
        let vars = cloud_variables(URL, body).unwrap();
        let got: f64 = vars[0].1.as_str().parse().unwrap();
        assert_eq!(got, 2.2206042789399163e252, "{:?}", vars[0].1.as_str());
    }

    #[test]
    fn tokens() {
        assert_eq!(
            project_token(URL, br#"{"id":1,"project_token":"abc"}"#).unwrap(),
            "abc"
        );
        for (body, what) in [
            (&b"{bad"[..], "not JSON"),
            (br#"{"id":1}"#, "no `project_token`"),
            (br#"{"project_token":5}"#, "not a string"),
            (br#"{"project_token":""}"#, "empty"),
        ] {
            let e = project_token(URL, body).unwrap_err();
            assert!(e.to_string().contains(what), "{e}");
        }
    }

    #[test]
    fn cloud_variables_of_every_target() {
        let json = br#"{"targets":[
            {"isStage":true,"variables":{
                "a":["\u2601 score",12.50,true],
                "b":["my variable",0],
                "c":["\u2601 big",123456789012345678901234567890,true],
                "d":["\u2601 text","007",true],
                "e":["\u2601 not cloud",1]}},
            {"isStage":false,"variables":{}},
            {"isStage":false}
        ]}"#;
        let vars = cloud_variables(URL, json).unwrap();
        let shown: Vec<(&str, &str)> = vars.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        assert!(shown.contains(&("☁ score", "12.5")), "{shown:?}");
        assert!(shown.contains(&("☁ text", "007")));
        assert!(shown.iter().any(|(n, _)| *n == "☁ big"));
        assert_eq!(shown.len(), 3);
    }

    #[test]
    fn bad_projects_name_what_is_wrong() {
        for (body, what) in [
            (&b"<html>"[..], "not JSON"),
            (br#"{"objName":"Stage"}"#, "no `targets`"),
            (br#"{"targets":{}}"#, "not a list"),
            (
                br#"{"targets":[{"variables":[]}]}"#,
                "`targets[0].variables` is not an object",
            ),
            (br#"{"targets":[{"variables":{"x":5}}]}"#, "is not a list"),
            (
                br#"{"targets":[{"variables":{"x":[1,2,true]}}]}"#,
                "has no name",
            ),
            (
                br#"{"targets":[{"variables":{"x":["\u2601 a",null,true]}}]}"#,
                "has no value",
            ),
        ] {
            let e = cloud_variables(URL, body).unwrap_err();
            assert_eq!(e.kind(), crate::AccountsErrorKind::MalformedJson);
            assert!(e.to_string().contains(what), "{what}: {e}");
        }
    }
}
