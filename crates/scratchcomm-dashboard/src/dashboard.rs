//! The [`Dashboard`] itself: what it shows ([`Source`]), how it is mounted, and running
//! it on its own port ([`serve_dashboard`]).

use crate::error::DashboardError;
use crate::hub::{self, Hub};
use crate::{routes, Snapshot, SseLimits};
use actix_web::dev::ServerHandle;
use actix_web::web::ServiceConfig;
use actix_web::Scope;
use actix_web::{App, HttpServer};
use actors_cloud::{CloudHandle, SkyHandle};
use actors_requests::{RequestBot, SaBot};
use actors_socket::SocketHandle;
use std::net::SocketAddr;
use std::sync::Arc;

/// Something the dashboard can show; match with a `_` arm (new kinds may be added).
#[non_exhaustive]
pub enum Source {
    /// One cloud connection, shown as one project keyed by its source id.
    Connection(CloudHandle),
    /// Several connections.
    Connections(Vec<CloudHandle>),
    /// A Sky: every member is shown, including members added later.
    Sky(SkyHandle),
    /// A cloud socket: its clients and message count, shown under `id`.
    Socket {
        /// How the dashboard names it (empty: `socket-N`).
        id: String,
        /// The socket.
        handle: SocketHandle,
    },
    /// A request bot: its socket's panel plus request error counts and the latest errors.
    Requests {
        /// How the dashboard names it (empty: `socket-N`).
        id: String,
        /// The bot.
        bot: RequestBot,
    },
    /// A bot of scratchattach's kits: its connection's project, and a panel (named like a
    /// socket's, without clients: the kit has none) with its request statistics.
    SaRequests {
        /// How the dashboard names the panel (empty: `socket-N`).
        id: String,
        /// The bot.
        bot: SaBot,
    },
}

impl From<RequestBot> for Source {
    fn from(bot: RequestBot) -> Self {
        Source::Requests {
            id: String::new(),
            bot,
        }
    }
}

impl From<SaBot> for Source {
    fn from(bot: SaBot) -> Self {
        Source::SaRequests {
            id: String::new(),
            bot,
        }
    }
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

impl From<SkyHandle> for Source {
    fn from(sky: SkyHandle) -> Self {
        Source::Sky(sky)
    }
}

impl From<&SkyHandle> for Source {
    fn from(sky: &SkyHandle) -> Self {
        Source::Sky(sky.clone())
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
            Source::Sky(sky) => hub::feed::attach_sky(&self.hub, sky),
            Source::Socket { id, handle } => {
                hub::feed::attach_socket(&self.hub, self.socket_id(id), handle);
            }
            Source::Requests { id, bot } => {
                hub::requests::attach_requests(&self.hub, self.socket_id(id), bot);
            }
            Source::SaRequests { id, bot } => {
                // Already shown when attached before; the panel is the bot's own.
                hub::feed::attach_connection(&self.hub, bot.cloud().clone());
                hub::requests::attach_sa_requests(&self.hub, self.socket_id(id), bot);
            }
        }
        self
    }

    fn socket_id(&self, id: String) -> String {
        if id.is_empty() {
            format!("socket-{}", self.hub.socket_count() + 1)
        } else {
            id
        }
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
        self.hub.sync_skies();
        self.hub.snapshot()
    }

    /// End every open live stream. Live streams never end on their own, so call this
    /// before a graceful shutdown of the HTTP server (`ServerHandle::stop(true)`), which
    /// otherwise waits for them until its shutdown timeout. Browsers reconnect on their own
    /// if the dashboard is still served.
    pub fn close_streams(&self) {
        self.hub.close_streams();
    }

    /// Number of open live streams.
    pub fn subscriber_count(&self) -> usize {
        self.hub.subscriber_count()
    }
}

/// A dashboard served by its own HTTP server; see [`serve_dashboard`].
#[derive(Debug)]
pub struct RunningDashboard {
    url: String,
    local_addr: SocketAddr,
    server: ServerHandle,
}

impl RunningDashboard {
    /// The page's URL, e.g. `http://127.0.0.1:8080/dashboard/`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stop the server (open live streams are closed) and free the port.
    pub async fn stop(self) {
        self.server.stop(false).await;
    }
}

/// Serve `dashboard` at `addr` (e.g. `"127.0.0.1:0"` for any free port) with one worker
/// and no signal handling of its own; returns once listening. Must be called inside an
/// actix `System`; the server runs until [`RunningDashboard::stop`] or the System ends.
///
/// # Errors
///
/// A [`DashboardError`](crate::DashboardError) when the address cannot be bound.
pub async fn serve_dashboard(
    addr: &str,
    dashboard: Dashboard,
) -> Result<RunningDashboard, DashboardError> {
    let bind_err = |source| DashboardError::bind(addr, source);
    let d = dashboard.clone();
    let server = HttpServer::new(move || App::new().configure(d.configure()))
        .workers(1)
        .disable_signals()
        .shutdown_timeout(1)
        .bind(addr)
        .map_err(bind_err)?;
    let local_addr = *server
        .addrs()
        .first()
        .ok_or_else(|| bind_err(std::io::Error::other("no address to listen on")))?;
    let server = server.run();
    let handle = server.handle();
    actix_rt::spawn(server);
    let host = if local_addr.ip().is_unspecified() {
        "127.0.0.1".to_owned()
    } else if local_addr.is_ipv6() {
        format!("[{}]", local_addr.ip())
    } else {
        local_addr.ip().to_string()
    };
    Ok(RunningDashboard {
        url: format!("http://{host}:{}{}/", local_addr.port(), dashboard.path()),
        local_addr,
        server: handle,
    })
}
