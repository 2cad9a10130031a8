//! The standalone [`CloudServer`] and the functions that mount the websocket endpoint into
//! an existing actix-web `App`.

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use crate::admission::{admit, Headers};
use crate::config::ServerConfig;
use crate::error::ServerError;
use crate::lean::LeanServer;
use crate::payload;
use crate::session;
use crate::state::CloudState;

/// How long `stop` waits for clients to take their 1001 close before cutting connections.
const STOP_GRACE: Duration = Duration::from_secs(2);

/// Mount the cloud endpoint on every path of an actix-web app (TurboWarp clients connect to
/// `/`, others to any path). Requests that are not websocket upgrades get 400.
///
/// Call `HttpServer::tcp_nodelay(true)` on your server as [`CloudServer::start`] does:
/// otherwise small frames wait for delayed ACKs (about 40 ms per reply, docs/performance.md H1).
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use scratchcomm_server::{configure, CloudState, ServerConfig};
/// let state = CloudState::new(ServerConfig::default()).expect("valid config");
/// actix_web::HttpServer::new(move || actix_web::App::new().configure(configure(state.clone())))
///     .tcp_nodelay(true)
///     .bind(("127.0.0.1", 8080))?
///     .run()
///     .await
/// # }
/// ```
pub fn configure(state: CloudState) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        let for_health = state.clone();
        cfg.route(
            "/health",
            web::get().to(move || std::future::ready(health(&for_health))),
        );
        cfg.default_service(web::to(move |req: HttpRequest, body: web::Payload| {
            upgrade(state.clone(), req, body)
        }));
    }
}

/// `GET /health`: 200 with `{"status":"ok",...}`, or 503 with `"status":"degraded"` while
/// a multi-node server cannot reach Redis (it still serves its own clients then).
fn health(state: &CloudState) -> HttpResponse {
    let (ok, body) = health_report(state);
    let mut response = if ok {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    response.content_type("application/json").body(body)
}

/// What `GET /health` answers, for both transports: whether the server is healthy (200,
/// else 503) and the JSON body.
pub(crate) fn health_report(state: &CloudState) -> (bool, String) {
    let redis = state.redis_health();
    let degraded = redis.as_ref().is_some_and(|r| !r.up);
    let body = serde_json::json!({
        "status": if degraded { "degraded" } else { "ok" },
        "connections": state.connection_count(),
        "rooms": state.room_count(),
        "redis": redis.as_ref().map(|r| serde_json::json!({
            "status": if r.up { "up" } else { "down" },
            "for_ms": r.for_ms as u64,
            "unpublished": r.unpublished,
            "error": r.error,
            "node": r.node,
            "rooms_followed": r.rooms_followed,
            "other_connections": r.other_connections,
            "other_rooms": r.other_rooms,
        })),
    });
    (!degraded, body.to_string())
}

/// Mount the cloud endpoint on one path only (e.g. `"/cloud"`), for apps that serve other
/// things too.
pub fn configure_at(state: CloudState, path: &str) -> impl FnOnce(&mut web::ServiceConfig) {
    let path = path.to_owned();
    move |cfg| {
        cfg.route(
            &path,
            web::get()
                .to(move |req: HttpRequest, body: web::Payload| upgrade(state.clone(), req, body)),
        );
    }
}

async fn upgrade(
    state: CloudState,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    let header = |name| {
        req.headers()
            .get(name)
            .and_then(|v: &actix_web::http::header::HeaderValue| v.to_str().ok())
    };
    let headers = Headers {
        cookie: header(actix_web::http::header::COOKIE),
        user_agent: header(actix_web::http::header::USER_AGENT),
    };
    let refusal = admit(headers, state.config());
    let body = payload::end_at_close(&req, body, state.config().limits.max_message_bytes).await?;
    let (response, ws, stream) = actix_ws::handle(&req, body)?;
    let max = state.config().limits.max_message_bytes;
    let mut stream = stream
        .max_frame_size(max)
        .aggregate_continuations()
        .max_continuation_size(max);
    actix_web::rt::spawn(async move { session::run(state, ws, &mut stream, refusal).await });
    Ok(response)
}

/// A running cloud server (TurboWarp protocol): plain `ws://` on its own worker threads
/// (`lean.rs`), `wss://` on an actix-web `HttpServer`.
pub struct CloudServer {
    state: CloudState,
    addr: SocketAddr,
    tls: bool,
    running: Option<Running>,
}

/// What serves the connections.
enum Running {
    Lean(LeanServer),
    Actix {
        handle: ServerHandle,
        task: tokio::task::JoinHandle<std::io::Result<()>>,
    },
}

impl CloudServer {
    /// Bind and start serving. Call inside a tokio runtime (an actix `System` is one); the
    /// socket is listening when this returns. The TLS files and the store are checked
    /// before anything is bound, and stored rooms are loaded before the first client can
    /// connect.
    ///
    /// # Errors
    ///
    /// A [`ServerError`] when the config is unusable ([`ServerConfig::validate`]), the host
    /// does not resolve, the TLS files or the store cannot be used, or the port cannot be
    /// bound.
    pub async fn start(config: ServerConfig) -> Result<CloudServer, ServerError> {
        let bind_to = resolve(&config.host, config.port)?;
        let workers = config.workers;
        let tls = config.tls.as_ref().map(|files| files.load()).transpose()?;
        let state = CloudState::open(config).await?;
        let Some(tls) = tls else {
            let (lean, addr) = LeanServer::start(state.clone(), bind_to, workers)
                .map_err(|source| ServerError::bind(bind_to, source))?;
            tracing::info!(%addr, tls = false, "cloud server listening");
            return Ok(CloudServer {
                state,
                addr,
                tls: false,
                running: Some(Running::Lean(lean)),
            });
        };
        let app_state = state.clone();
        let server = HttpServer::new(move || App::new().configure(configure(app_state.clone())))
            // Cloud traffic is small frames in quick succession (a request is two sets):
            // with Nagle's algorithm every reply waits for the peer's delayed ACK (~40 ms).
            .tcp_nodelay(true)
            .workers(workers)
            .shutdown_timeout(1)
            .disable_signals();
        let server = server
            .bind_rustls_0_23(bind_to, tls)
            .map_err(|source| ServerError::bind(bind_to, source))?;
        let addr = server.addrs().first().copied().unwrap_or(bind_to);
        let server = server.run();
        let handle = server.handle();
        let task = tokio::spawn(server);
        tracing::info!(%addr, tls = true, "cloud server listening");
        Ok(CloudServer {
            state,
            addr,
            tls: true,
            running: Some(Running::Actix { handle, task }),
        })
    }

    /// `ws://HOST:PORT/` of this server, `wss://HOST:PORT/` when it serves TLS.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "wss" } else { "ws" };
        match self.addr {
            SocketAddr::V4(a) => format!("{scheme}://{}:{}/", a.ip(), a.port()),
            SocketAddr::V6(a) => format!("{scheme}://[{}]:{}/", a.ip(), a.port()),
        }
    }

    /// The address the server listens on (the real port when 0 was configured).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `(full name, value text)` of every variable of a project, ordered by name; `None` if
    /// no client ever joined it.
    pub fn variables(&self, project_id: &str) -> Option<Vec<(String, String)>> {
        self.state.variables(project_id)
    }

    /// The shared state (connection counts, rooms, ...).
    pub fn state(&self) -> &CloudState {
        &self.state
    }

    /// Close every client with 1001 (going away), stop accepting, write every change to
    /// the store and close it, and free the port; when this returns a new server can bind
    /// the same port (and open the same data file). Takes up to about three seconds:
    /// clients get two seconds to leave, then connections whose client keeps the TCP
    /// connection open after the close frame are cut (after a quarter of a second on
    /// `ws://`, one more second on `wss://`). A failed final
    /// write is logged (see [`stop_and_store`](Self::stop_and_store) to get it).
    pub async fn stop(self) {
        if let Err(e) = self.stop_and_store().await {
            tracing::error!(error = %e, "the last changes could not be stored");
        }
    }

    /// [`stop`](Self::stop), returning whether the last write to the store worked.
    ///
    /// # Errors
    ///
    /// A [`ServerError`] of kind [`Store`](crate::ServerErrorKind::Store) when the last
    /// changes could not be written.
    pub async fn stop_and_store(mut self) -> Result<(), ServerError> {
        self.state.close_all();
        self.state.wait_idle(STOP_GRACE).await;
        match self.running.take() {
            Some(Running::Lean(lean)) => lean.stop().await,
            Some(Running::Actix { handle, task }) => {
                handle.stop(true).await;
                let _ = task.await;
            }
            None => {}
        }
        let stored = self.state.close_store().await;
        tracing::info!(addr = %self.addr, "cloud server stopped");
        stored
    }
}

impl Drop for CloudServer {
    /// A server dropped without `stop` still closes its clients and its port (without
    /// waiting for them).
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            self.state.close_all();
            match running {
                Running::Lean(lean) => lean.signal_stop(),
                Running::Actix { handle, .. } => drop(handle.stop(false)),
            }
        }
    }
}

impl std::fmt::Debug for CloudServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudServer")
            .field("addr", &self.addr)
            .field("state", &self.state)
            .finish()
    }
}

/// The socket address to bind for `host:port`: the first IPv4 address the host resolves to,
/// else its first address. `[::1]`-style brackets are accepted.
///
/// # Errors
///
/// A [`ServerError`] of kind [`Config`](crate::ServerErrorKind::Config) when the host does not resolve or names no address.
pub fn resolve(host: &str, port: u16) -> Result<SocketAddr, ServerError> {
    let invalid = |reason: String| ServerError::invalid_host(host, reason);
    if host.is_empty() {
        return Err(invalid("the host is empty".to_owned()));
    }
    let unbracketed = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = (unbracketed, port)
        .to_socket_addrs()
        .map_err(|e| invalid(e.to_string()))?
        .collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or_else(|| addrs.first())
        .copied()
        .ok_or_else(|| invalid("it resolves to no address".to_owned()))
}
