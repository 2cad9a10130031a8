//! Running a dashboard on its own port (for the CLI demo and small tools).

use crate::error::DashboardError;
use crate::Dashboard;
use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer};
use std::net::SocketAddr;

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
pub async fn serve_dashboard(
    addr: &str,
    dashboard: Dashboard,
) -> Result<RunningDashboard, DashboardError> {
    let bind_err = |source| DashboardError::Bind {
        addr: addr.to_owned(),
        source,
    };
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
