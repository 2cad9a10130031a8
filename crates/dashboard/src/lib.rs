//! A live dashboard for cloud connections (and cloud sockets), mountable into any
//! actix-web app with one call.
//!
//! ```no_run
//! # async fn demo(a: actors_cloud::CloudHandle, b: actors_cloud::CloudHandle) -> std::io::Result<()> {
//! use actix_web::{App, HttpServer};
//! use scratchcomm_dashboard::Dashboard;
//!
//! // Inside an actix System (e.g. `#[actix_web::main]`).
//! let dashboard = Dashboard::new(vec![a, b]).at("/dashboard");
//! HttpServer::new(move || App::new().configure(dashboard.configure()))
//!     .bind(("127.0.0.1", 8080))?
//!     .run()
//!     .await
//! # }
//! ```
//!
//! The page lists each project (host, project id, connection state, reconnect count) and
//! its variables, updated live over server-sent events fed by the actors' own event
//! streams, and has a form to set a value. See [`routes`] for the endpoints and [`hub`]
//! for the bounded backpressure policy of live subscribers. [`serve_dashboard`] runs a
//! dashboard on its own port (for CLIs and demos).
//!
//! Attach what you have with [`Source`]: connections now; a socket's clients (id,
//! username, secure) and message count. Connection state and reconnect counts are
//! derived from observed events ([`state`]).

mod error;
pub mod hub;
pub mod routes;
mod serve;
pub mod state;

pub use error::{DashboardError, DashboardErrorKind};
pub use hub::SseLimits;
pub use serve::{serve_dashboard, RunningDashboard};
pub use state::{
    ConnectionState, ConnectionStatus, ProjectView, Snapshot, SocketClientView, SocketView,
};

use actix_web::web::ServiceConfig;
use actix_web::Scope;
use actors_cloud::CloudHandle;
use actors_socket::SocketHandle;
use hub::Hub;
use std::sync::Arc;

/// Something the dashboard can show. New kinds (Sky, request bots) are added as their
/// crates expose what the dashboard needs; match with a `_` arm.
#[non_exhaustive]
pub enum Source {
    /// One cloud connection, shown as one project keyed by its source id.
    Connection(CloudHandle),
    /// Several connections (e.g. the members of a Sky).
    Connections(Vec<CloudHandle>),
    /// A cloud socket: its clients and message count, shown under `id`.
    Socket {
        /// How the dashboard names it.
        id: String,
        /// The socket.
        handle: SocketHandle,
    },
}

impl From<CloudHandle> for Source {
    fn from(h: CloudHandle) -> Self {
        Source::Connection(h)
    }
}

impl From<&CloudHandle> for Source {
    fn from(h: &CloudHandle) -> Self {
        Source::Connection(h.clone())
    }
}

impl From<Vec<CloudHandle>> for Source {
    fn from(v: Vec<CloudHandle>) -> Self {
        Source::Connections(v)
    }
}

impl From<SocketHandle> for Source {
    fn from(handle: SocketHandle) -> Self {
        Source::Socket {
            id: String::new(),
            handle,
        }
    }
}

/// A dashboard: cheap to clone; every clone (and every actix-web worker) shares the same
/// state and live subscribers.
#[derive(Clone)]
pub struct Dashboard {
    hub: Arc<Hub>,
    base: String,
    title: String,
}

impl std::fmt::Debug for Dashboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dashboard")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl Dashboard {
    /// A dashboard showing `source`, mounted at `/dashboard` unless [`at`](Self::at) says
    /// otherwise. Must be called inside a tokio runtime (an actix `System` is one): it
    /// starts one task per source that forwards the source's events.
    pub fn new(source: impl Into<Source>) -> Self {
        let d = Dashboard::empty();
        d.attach(source);
        d
    }

    /// A dashboard showing nothing yet; [`attach`](Self::attach) sources later.
    pub fn empty() -> Self {
        Dashboard {
            hub: Hub::new(SseLimits::default()),
            base: "/dashboard".into(),
            title: "scratchcommunication dashboard".into(),
        }
    }

    /// Show another source (on every clone, live). A connection whose source id is
    /// already shown is ignored. Must be called inside a tokio runtime.
    pub fn attach(&self, source: impl Into<Source>) -> &Self {
        match source.into() {
            Source::Connection(h) => {
                if !hub::feed::attach_connection(&self.hub, h) {
                    tracing::warn!("dashboard: connection already attached; ignored");
                }
            }
            Source::Connections(hs) => {
                for h in hs {
                    self.attach(h);
                }
            }
            Source::Socket { id, handle } => {
                let id = if id.is_empty() {
                    format!("socket-{}", self.hub.socket_count() + 1)
                } else {
                    id
                };
                hub::feed::attach_socket(&self.hub, id, handle);
            }
        }
        self
    }

    /// Mount at `path` (e.g. `/dashboard`, or `/` for the root). Trailing slashes are ignored.
    pub fn at(mut self, path: &str) -> Self {
        let trimmed = path.trim_matches('/');
        self.base = if trimmed.is_empty() {
            String::new()
        } else {
            format!("/{trimmed}")
        };
        self
    }

    /// The page title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Limits for live subscribers (applies to streams opened afterwards).
    pub fn limits(self, limits: SseLimits) -> Self {
        self.hub.set_limits(limits);
        self
    }

    /// The mount path (`""` at the root, else e.g. `/dashboard`).
    pub fn path(&self) -> &str {
        &self.base
    }

    /// A closure for `App::configure` that mounts every route under [`path`](Self::path).
    pub fn configure(&self) -> impl Fn(&mut ServiceConfig) + Clone + 'static {
        let d = self.clone();
        move |cfg: &mut ServiceConfig| {
            cfg.service(d.scope());
        }
    }

    /// The dashboard as an actix-web `Scope` at [`path`](Self::path), to add to an `App`
    /// or to nest (wrap it with your own middleware, e.g. authentication).
    pub fn scope(&self) -> Scope {
        routes::scope(
            self.hub.clone(),
            routes::PageSettings {
                base: self.base.clone(),
                title: self.title.clone(),
            },
        )
    }

    /// The current state, as `GET api/projects` serves it.
    pub fn snapshot(&self) -> Snapshot {
        self.hub.snapshot()
    }

    /// Number of open live streams.
    pub fn subscriber_count(&self) -> usize {
        self.hub.subscriber_count()
    }
}
