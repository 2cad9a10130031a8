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
//! `EventKind::Sent`), and has a form to set a value. See [`routes`] for the endpoints and [`hub`]
//! for the bounded backpressure policy of live subscribers. [`serve_dashboard`] runs a
//! dashboard on its own port (for CLIs and demos).
//!
//! Attach what you have with [`Source`]: connections, a Sky (members added later appear
//! too), a cloud socket (its clients: id, username, secure; and a message count), a request
//! bot (its socket, plus requests served, error counts, the latest errors and latency:
//! last, mean, p50/p99 over a bounded window — [`state::Latency`]).
//! Connection state and reconnect counts are derived from observed events ([`state`]).

#![warn(missing_docs)]

mod dashboard;
mod error;
pub mod hub;
pub mod routes;
pub mod state;

pub use dashboard::{serve_dashboard, Dashboard, RunningDashboard, Source};
pub use error::{DashboardError, DashboardErrorKind};
pub use hub::SseLimits;
pub use state::{
    ConnectionState, ConnectionStatus, ProjectView, RequestErrorView, RequestStats, Snapshot,
    SocketClientView, SocketView,
};
