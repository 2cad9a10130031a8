//! The crate's one error type, which is also the JSON error every endpoint returns.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use actors_cloud::{CloudError, CloudErrorKind};
use serde::Serialize;
use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

/// What kind of error happened; callers (and HTTP clients, as `error.kind`) branch on this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DashboardErrorKind {
    /// No attached project has that id (404).
    UnknownProject,
    /// A project id matches several attached connections; use the source id (409).
    AmbiguousProject,
    /// The request body is not the expected JSON (400).
    BadRequest,
    /// The request is not `Content-Type: application/json` (415). Requiring it makes
    /// browsers preflight cross-site requests, which the dashboard does not allow.
    NotJson,
    /// The variable name was rejected (400).
    InvalidName,
    /// The value breaks the host's rules (400).
    InvalidValue,
    /// The connection cannot take the set right now (stopped, disconnected) (503).
    Unavailable,
    /// Too many live subscribers are connected (503).
    TooManySubscribers,
    /// The dashboard's own HTTP server could not start.
    Bind,
    /// A setting is unusable (e.g. an [`SseLimits`](crate::SseLimits) limit of zero).
    InvalidConfig,
}

impl fmt::Display for DashboardErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DashboardErrorKind::UnknownProject => "unknown project",
            DashboardErrorKind::AmbiguousProject => "ambiguous project",
            DashboardErrorKind::BadRequest => "bad request",
            DashboardErrorKind::NotJson => "not JSON",
            DashboardErrorKind::InvalidName => "invalid variable name",
            DashboardErrorKind::InvalidValue => "invalid value",
            DashboardErrorKind::Unavailable => "unavailable",
            DashboardErrorKind::TooManySubscribers => "too many subscribers",
            DashboardErrorKind::Bind => "bind",
            DashboardErrorKind::InvalidConfig => "invalid configuration",
        })
    }
}

/// An error of the dashboard, displayed as `"{kind}: {detail}"`. Rendered as
/// `{"error": {"kind": .., "message": ..}}` with a 4xx/5xx status when returned from an
/// endpoint (`message` is the Display text).
#[derive(Debug, Clone)]
pub struct DashboardError {
    kind: DashboardErrorKind,
    detail: String,
    source: Option<Arc<dyn StdError + Send + Sync>>,
}

impl DashboardError {
    /// A new error of `kind` with a human readable `detail` (never a secret).
    pub fn new(kind: DashboardErrorKind, detail: impl Into<String>) -> Self {
        DashboardError {
            kind,
            detail: detail.into(),
            source: None,
        }
    }

    /// The cause category.
    pub fn kind(&self) -> DashboardErrorKind {
        self.kind
    }

    /// The human readable detail (without the kind).
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// No attached project has this id.
    pub(crate) fn unknown_project(id: &str) -> Self {
        Self::new(
            DashboardErrorKind::UnknownProject,
            format!("no project {id:?} is attached to this dashboard"),
        )
    }

    /// A project id is shared by several connections (`candidates`, comma separated).
    pub(crate) fn ambiguous_project(id: &str, candidates: &str) -> Self {
        Self::new(
            DashboardErrorKind::AmbiguousProject,
            format!(
                "project id {id:?} matches several connections ({candidates}); use one of those ids"
            ),
        )
    }

    /// A setting is unusable; `detail` names it.
    pub(crate) fn invalid_config(detail: impl Into<String>) -> Self {
        Self::new(DashboardErrorKind::InvalidConfig, detail)
    }

    /// The request body is malformed.
    pub(crate) fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(DashboardErrorKind::BadRequest, detail)
    }

    /// The request body is not declared as JSON.
    pub(crate) fn not_json() -> Self {
        Self::new(
            DashboardErrorKind::NotJson,
            "the request body must be sent with Content-Type: application/json",
        )
    }

    /// The live-subscriber limit is reached.
    pub(crate) fn too_many_subscribers(limit: usize) -> Self {
        Self::new(
            DashboardErrorKind::TooManySubscribers,
            format!("too many live dashboard subscribers (limit {limit}); try again later"),
        )
    }

    /// The dashboard server could not bind `addr`.
    pub(crate) fn bind(addr: &str, source: std::io::Error) -> Self {
        let mut e = Self::new(
            DashboardErrorKind::Bind,
            format!("could not serve the dashboard on {addr}: {source}"),
        );
        e.source = Some(Arc::new(source));
        e
    }
}

impl fmt::Display for DashboardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.detail)
    }
}

/// Equal when kind and detail are (the source is not compared: its text is in the detail).
impl PartialEq for DashboardError {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.detail == other.detail
    }
}

impl Eq for DashboardError {}

impl StdError for DashboardError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

impl From<CloudError> for DashboardError {
    /// A bad name or value is the caller's input (400) and keeps the cloud error's detail;
    /// any other cloud failure makes the connection [`Unavailable`](DashboardErrorKind::Unavailable).
    /// The cloud error is the [`source`](StdError::source).
    fn from(e: CloudError) -> Self {
        let (kind, detail) = match e.kind() {
            CloudErrorKind::InvalidName => (DashboardErrorKind::InvalidName, e.detail().to_owned()),
            CloudErrorKind::InvalidValue => {
                (DashboardErrorKind::InvalidValue, e.detail().to_owned())
            }
            // Config errors are what a bad name/value becomes when the wire crate
            // classifies it otherwise: still the caller's input.
            CloudErrorKind::InvalidConfig => (DashboardErrorKind::BadRequest, e.to_string()),
            _ => (DashboardErrorKind::Unavailable, e.to_string()),
        };
        let mut err = Self::new(kind, detail);
        err.source = Some(Arc::new(e));
        err
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    kind: DashboardErrorKind,
    message: &'a str,
}

impl ResponseError for DashboardError {
    fn status_code(&self) -> StatusCode {
        match self.kind() {
            DashboardErrorKind::UnknownProject => StatusCode::NOT_FOUND,
            DashboardErrorKind::AmbiguousProject => StatusCode::CONFLICT,
            DashboardErrorKind::BadRequest
            | DashboardErrorKind::InvalidName
            | DashboardErrorKind::InvalidValue => StatusCode::BAD_REQUEST,
            DashboardErrorKind::Unavailable | DashboardErrorKind::TooManySubscribers => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            DashboardErrorKind::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            DashboardErrorKind::Bind | DashboardErrorKind::InvalidConfig => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn error_response(&self) -> HttpResponse {
        let message = self.to_string();
        HttpResponse::build(self.status_code()).json(ErrorBody {
            error: ErrorDetail {
                kind: self.kind(),
                message: &message,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;
    use scratchcomm_wire::{CloudValue, ValueRules};

    fn body_json(e: &DashboardError) -> serde_json::Value {
        let bytes = e
            .error_response()
            .into_body()
            .try_into_bytes()
            .expect("sized body");
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn invalid_value_is_a_400_naming_the_rule() {
        let wire = ValueRules::scratch()
            .check("score", &CloudValue::new("abc"))
            .unwrap_err();
        let e = DashboardError::from(CloudError::from(wire));
        assert_eq!(e.kind(), DashboardErrorKind::InvalidValue);
        assert_eq!(e.status_code(), StatusCode::BAD_REQUEST);
        let json = body_json(&e);
        assert_eq!(json["error"]["kind"], "invalid_value");
        assert!(json["error"]["message"].as_str().unwrap().contains("score"));
    }

    #[test]
    fn statuses() {
        assert_eq!(
            DashboardError::unknown_project("x").status_code(),
            StatusCode::NOT_FOUND
        );
        let amb = DashboardError::ambiguous_project("1", "a, b");
        assert_eq!(amb.status_code(), StatusCode::CONFLICT);
        assert_eq!(body_json(&amb)["error"]["kind"], "ambiguous_project");
        assert_eq!(
            DashboardError::from(CloudError::new(CloudErrorKind::Stopped, "gone")).status_code(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            DashboardError::too_many_subscribers(2).status_code(),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }

    #[test]
    fn kind_detail_display_and_source() {
        let e = DashboardError::unknown_project("42");
        assert_eq!(e.kind(), DashboardErrorKind::UnknownProject);
        assert_eq!(
            e.detail(),
            "no project \"42\" is attached to this dashboard"
        );
        assert_eq!(
            e.to_string(),
            "unknown project: no project \"42\" is attached to this dashboard"
        );
        assert_eq!(body_json(&e)["error"]["message"], e.to_string());
        let b = DashboardError::bind("127.0.0.1:1", std::io::ErrorKind::AddrInUse.into());
        assert_eq!(b.kind(), DashboardErrorKind::Bind);
        let io = StdError::source(&b)
            .and_then(|s| s.downcast_ref::<std::io::Error>())
            .expect("the I/O error is the source");
        assert_eq!(io.kind(), std::io::ErrorKind::AddrInUse);
        fn send_sync<T: Send + Sync + Clone>() {}
        send_sync::<DashboardError>();
    }

    #[test]
    fn sse_limits_validate_names_the_zero_setting() {
        assert!(crate::SseLimits::default().validate().is_ok());
        let e = crate::SseLimits::default()
            .buffer(0)
            .validate()
            .unwrap_err();
        assert_eq!(e.kind(), DashboardErrorKind::InvalidConfig);
        assert!(e.to_string().contains("buffer"));
    }
}
