//! A live dashboard for cloud connections, Skies, cloud sockets and request bots, mountable
//! into any actix-web app with one call.
//!
//! ```no_run
//! # async fn demo(a: actors_cloud::CloudHandle, b: actors_cloud::CloudHandle) -> std::io::Result<()> {
//! use actix_web::{App, HttpServer};
//! use scratchcomm_dashboard::Dashboard;
//!
//! // Inside an actix System (e.g. `#[actix_web::main]`).
//! let dashboard = Dashboard::new(vec![a, b]).at("/dashboard"); // or Dashboard::new(&sky)
//! HttpServer::new(move || App::new().configure(dashboard.configure()))
//!     .bind(("127.0.0.1", 8080))?
//!     .run()
//!     .await
//! # }
//! ```
//!
//! The page lists each project (host, project id, connection state, reconnect count) and
//! its variables, updated live over server-sent events fed by the actors' own event
//! streams (remote updates, and the app's own writes through the connection's handle as
//! `EventKind::Sent`), and has a form to set a value. Endpoints and the backpressure policy
//! of live subscribers are below. [`serve_dashboard`] runs a
//! dashboard on its own port (for CLIs and demos).
//!
//! Attach what you have with [`Source`]: connections, a Sky (members added later appear
//! too), a cloud socket (its clients: id, username, secure; and a message count), a request
//! bot (its socket, plus requests served, error counts, the latest errors and latency:
//! last, mean, p50/p99 over a bounded window — [`Latency`]).
//! Connection state and reconnect counts are derived from observed events
//! ([`ConnectionStatus`]).
//!
//! # Endpoints
//!
//! Relative to where the dashboard is mounted:
//!
//! | method | path | what |
//! |---|---|---|
//! | GET | `/` | the page (HTML/JS/CSS embedded in the binary) |
//! | GET | `/app.js`, `/style.css` | the page's script and style |
//! | GET | `/api/projects` | [`Snapshot`] as JSON |
//! | GET | `/api/events` | server-sent events: `snapshot`, then `project`, `variable`, `socket` |
//! | POST | `/api/projects/{id}/variables/{name}` | body `{"value": "42"}` or `{"value": 42}` |
//!
//! `{id}` is a connection's source id, or a project id that only one connection has.
//! Every error is `{"error": {"kind": "...", "message": "..."}}` with a 4xx/5xx status.
//! The POST must be sent as `Content-Type: application/json` (415 otherwise), so browsers
//! preflight cross-site requests to it, which the dashboard never allows. It has no
//! authentication of its own: wrap [`Dashboard::scope`] in your middleware when the app is
//! reachable by others.
//!
//! # Backpressure policy for live subscribers
//!
//! Each subscriber (one open `api/events` stream) has its own bounded queue of
//! [`SseLimits::buffer`] messages. Publishing never waits: when a subscriber's queue is
//! full, that subscriber is **disconnected** (its stream ends after the messages already
//! queued). Browsers' `EventSource` reconnects on its own after the `retry` delay sent
//! with every stream (1 s) and starts again from a full `snapshot`, so a slow client
//! loses no state, only intermediate values. At most [`SseLimits::max_subscribers`]
//! streams are open at once; more get a 503 JSON error. A comment line is sent every
//! [`SseLimits::keepalive`] so closed browser tabs are noticed and their slots freed.

mod dashboard;
mod error;
mod hub;
mod routes;
mod state;

pub use dashboard::{serve_dashboard, Dashboard, RunningDashboard, Source};
pub use error::{DashboardError, DashboardErrorKind};
pub use hub::SseLimits;
pub use state::{
    ConnectionState, ConnectionStatus, Latency, ProjectView, RequestErrorView, RequestStats,
    Snapshot, SocketClientView, SocketView,
};
