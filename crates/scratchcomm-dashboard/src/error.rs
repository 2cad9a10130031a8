//! The crate's one error type, which is also the JSON error every endpoint returns.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use actors_cloud::{CloudError, CloudErrorKind};
use serde::Serialize;
use thiserror::Error;

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

/// An error of the dashboard. Rendered as `{"error": {"kind": .., "message": ..}}` with a
/// 4xx/5xx status when returned from an endpoint.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DashboardError {
    /// No attached project has this id.
    #[error("no project {0:?} is attached to this dashboard")]
    UnknownProject(String),
    /// A project id is shared by several connections.
    #[error("project id {id:?} matches several connections ({candidates}); use one of those ids")]
    AmbiguousProject {
        /// The id asked for.
        id: String,
        /// The source ids it matches, comma separated.
        candidates: String,
    },
    /// The request body is malformed.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The request body is not declared as JSON.
    #[error("the request body must be sent with Content-Type: application/json")]
    NotJson,
    /// Setting the variable failed.
    #[error(transparent)]
    Cloud(#[from] CloudError),
    /// The live-subscriber limit is reached.
    #[error("too many live dashboard subscribers (limit {0}); try again later")]
    TooManySubscribers(usize),
    /// A setting is unusable; the text names it.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// The dashboard server could not bind.
    #[error("could not serve the dashboard on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl DashboardError {
    /// The kind of error.
    pub fn kind(&self) -> DashboardErrorKind {
        match self {
            DashboardError::UnknownProject(_) => DashboardErrorKind::UnknownProject,
            DashboardError::AmbiguousProject { .. } => DashboardErrorKind::AmbiguousProject,
            DashboardError::BadRequest(_) => DashboardErrorKind::BadRequest,
            DashboardError::NotJson => DashboardErrorKind::NotJson,
            DashboardError::Cloud(e) => match e.kind() {
                CloudErrorKind::InvalidName => DashboardErrorKind::InvalidName,
                CloudErrorKind::InvalidValue => DashboardErrorKind::InvalidValue,
                // Config errors are what a bad name/value becomes when the wire crate
                // classifies it otherwise: still the caller's input.
                CloudErrorKind::InvalidConfig => DashboardErrorKind::BadRequest,
                _ => DashboardErrorKind::Unavailable,
            },
            DashboardError::TooManySubscribers(_) => DashboardErrorKind::TooManySubscribers,
            DashboardError::Bind { .. } => DashboardErrorKind::Bind,
            DashboardError::InvalidConfig(_) => DashboardErrorKind::InvalidConfig,
        }
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
            DashboardError::UnknownProject("x".into()).status_code(),
            StatusCode::NOT_FOUND
        );
        let amb = DashboardError::AmbiguousProject {
            id: "1".into(),
            candidates: "a, b".into(),
        };
        assert_eq!(amb.status_code(), StatusCode::CONFLICT);
        assert_eq!(body_json(&amb)["error"]["kind"], "ambiguous_project");
        assert_eq!(
            DashboardError::Cloud(CloudError::Stopped).status_code(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            DashboardError::TooManySubscribers(2).status_code(),
            StatusCode::SERVICE_UNAVAILABLE
        );
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
