//! The HTTP endpoints, relative to where the dashboard is mounted:
//!
//! | method | path | what |
//! |---|---|---|
//! | GET | `/` | the page (HTML/JS/CSS embedded in the binary) |
//! | GET | `/app.js`, `/style.css` | the page's script and style |
//! | GET | `/api/projects` | [`Snapshot`](crate::Snapshot) as JSON |
//! | GET | `/api/events` | server-sent events: `snapshot`, then `project`, `variable`, `socket` |
//! | POST | `/api/projects/{id}/variables/{name}` | body `{"value": "42"}` or `{"value": 42}` |
//!
//! `{id}` is a connection's source id, or a project id that only one connection has.
//! Every error is `{"error": {"kind": "...", "message": "..."}}` with a 4xx/5xx status.
//! The POST must be sent as `Content-Type: application/json` (415 otherwise), so browsers
//! preflight cross-site requests to it, which the dashboard never allows. It has no
//! authentication of its own: wrap [`Dashboard::scope`](crate::Dashboard::scope) in your
//! middleware when the app is reachable by others.

use crate::error::DashboardError;
use crate::hub::Hub;
use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse, Scope};
use actors_cloud::CloudValue;
use serde::Deserialize;
use std::convert::Infallible;
use std::sync::Arc;

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const STYLE_CSS: &str = include_str!("assets/style.css");

/// Per-mount settings the page needs.
#[derive(Clone)]
pub(crate) struct PageSettings {
    /// The mount path without trailing slash (`""` at the root).
    pub(crate) base: String,
    /// The page title.
    pub(crate) title: String,
}

/// The page's base path, from the path it was requested at (so a dashboard nested in
/// the app's own scopes still finds its API).
fn base_of(request_path: &str) -> &str {
    request_path.trim_end_matches('/')
}

/// Escape text for an HTML attribute or element body.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page with its base path and title filled in.
pub(crate) fn render_index(base: &str, title: &str) -> String {
    INDEX_HTML
        .replace("{{TITLE}}", &escape_html(title))
        .replace("{{BASE}}", &escape_html(base))
}

/// A scope at `settings.base` with every route of the dashboard.
pub(crate) fn scope(hub: Arc<Hub>, settings: PageSettings) -> Scope {
    let title = settings.title.clone();
    let index = move |req: HttpRequest| {
        let page = render_index(base_of(req.path()), &title);
        async move {
            HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .insert_header((header::CACHE_CONTROL, "no-cache"))
                .body(page)
        }
    };
    web::scope(&settings.base)
        .app_data(web::Data::from(hub))
        .route("", web::get().to(index.clone()))
        .route("/", web::get().to(index))
        .route(
            "/app.js",
            web::get().to(|| asset(APP_JS, "text/javascript; charset=utf-8")),
        )
        .route(
            "/style.css",
            web::get().to(|| asset(STYLE_CSS, "text/css; charset=utf-8")),
        )
        .route("/api/projects", web::get().to(projects))
        .route("/api/events", web::get().to(events))
        .route(
            "/api/projects/{id}/variables/{name}",
            web::post().to(set_variable),
        )
}

async fn asset(body: &'static str, content_type: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

async fn projects(hub: web::Data<Hub>) -> HttpResponse {
    let hub = hub.into_inner();
    hub.sync_skies();
    HttpResponse::Ok().json(hub.snapshot())
}

async fn events(hub: web::Data<Hub>) -> Result<HttpResponse, DashboardError> {
    let rx = hub.into_inner().subscribe()?;
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|bytes| (Ok::<Bytes, Infallible>(bytes), rx))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(stream))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetBody {
    value: serde_json::Value,
}

/// The value of a set request: a JSON string as is, a JSON number as its text.
pub(crate) fn parse_set_body(body: &[u8]) -> Result<CloudValue, DashboardError> {
    let parsed: SetBody = serde_json::from_slice(body).map_err(|e| {
        DashboardError::bad_request(format!(r#"expected a JSON body {{"value": ...}}: {e}"#))
    })?;
    match parsed.value {
        serde_json::Value::String(s) => Ok(CloudValue::new(s)),
        serde_json::Value::Number(n) => Ok(CloudValue::new(n.to_string())),
        other => Err(DashboardError::bad_request(format!(
            "\"value\" must be a string or a number, not {}",
            match other {
                serde_json::Value::Null => "null",
                serde_json::Value::Bool(_) => "a boolean",
                serde_json::Value::Array(_) => "an array",
                _ => "an object",
            }
        ))),
    }
}

/// Whether the request declares a JSON body (`application/json`, any parameters).
fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

async fn set_variable(
    hub: web::Data<Hub>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: Bytes,
) -> Result<HttpResponse, DashboardError> {
    // A cross-site page can POST text/plain without a preflight; JSON needs one.
    if !is_json(&req) {
        return Err(DashboardError::not_json());
    }
    let (id, name) = path.into_inner();
    let value = parse_set_body(&body)?;
    let msg = hub.into_inner().set(&id, &name, value).await?;
    Ok(HttpResponse::Ok().json(msg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::DashboardErrorKind;

    #[test]
    fn set_bodies() {
        assert_eq!(
            parse_set_body(br#"{"value":"abc"}"#).unwrap().as_str(),
            "abc"
        );
        assert_eq!(
            parse_set_body(br#"{"value": -1.5}"#).unwrap().as_str(),
            "-1.5"
        );
        assert_eq!(parse_set_body(br#"{"value": 12}"#).unwrap().as_str(), "12");
        for bad in [
            &b"{"[..],
            b"[]",
            br#"{"valu":1}"#,
            br#"{"value":true}"#,
            br#"{"value":null}"#,
            b"",
            br#"{"value":1,"x":2}"#,
        ] {
            let e = parse_set_body(bad).unwrap_err();
            assert_eq!(
                e.kind(),
                DashboardErrorKind::BadRequest,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn page_gets_escaped_base_and_title() {
        let page = render_index(base_of("/dash/"), "<b>&\"x\"");
        assert!(page.contains(r#"content="/dash""#));
        assert_eq!(base_of("/"), "");
        assert!(page.contains("&lt;b&gt;&amp;&quot;x&quot;"));
        assert!(!page.contains("{{"));
    }
}
