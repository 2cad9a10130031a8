//! A fleet of request bots: one [`RequestBot`] per project held, on its own cloud
//! connection, whose replies pass the fencing check ([`FencedLink`]).

use crate::error::{FleetError, FleetErrorKind};
use crate::fence::FencedLink;
use crate::fleet::{Fleet, FleetConfig, Serving};
use actors_cloud::{CloudHandle, ConnectionConfig};
use actors_requests::{Registry, RequestBot};
use actors_socket::CloudLink;
use actors_socket::{SocketConfig, SocketHandle};
use scratchcomm_wire::ProjectId;
use std::sync::Arc;

/// Join the fleet of `config` serving requests: for each project gained, connect with
/// `connection(project)`, open a cloud socket with `socket()` over a [`FencedLink`] and
/// answer with the handlers of `registry()`. Losing the project stops that bot and its
/// connection. Inside an actix System.
///
/// # Errors
///
/// As [`Fleet::start`](crate::Fleet::start).
pub fn serve_requests<C, R, S>(
    config: FleetConfig,
    connection: C,
    registry: R,
    socket: S,
) -> Result<Fleet, FleetError>
where
    C: Fn(&ProjectId) -> ConnectionConfig + 'static,
    R: Fn() -> Registry + 'static,
    S: Fn() -> SocketConfig + 'static,
{
    registry()
        .validate()
        .map_err(|e| FleetError::invalid(format!("request registry: {e}")))?;
    Fleet::start(config, move |project, lease| {
        let connect = connection(&project).write_gate(lease.write_gate());
        let registry = registry();
        let socket_config = socket();
        async move {
            let serve_error = |what: &str, e: &dyn std::fmt::Display| {
                FleetError::new(
                    FleetErrorKind::Serve,
                    format!("project {}: {what}: {e}", project.as_str()),
                )
            };
            let cloud = CloudHandle::connect(connect)
                .await
                .map_err(|e| serve_error("cloud connection", &e))?;
            let link: Arc<dyn CloudLink> = Arc::new(FencedLink::new(cloud.clone(), lease));
            let socket = SocketHandle::listen(vec![link], socket_config);
            let bot = match RequestBot::builder(registry)
                .also_stop(cloud.clone())
                .start(socket.clone())
            {
                Ok(bot) => bot,
                Err(e) => {
                    socket.stop().await;
                    cloud.stop().await;
                    return Err(serve_error("request bot", &e));
                }
            };
            Ok(Serving::new(move || async move { bot.stop().await }))
        }
    })
}
