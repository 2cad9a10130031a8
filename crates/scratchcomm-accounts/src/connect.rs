//! Connections made from a session, as the original's `Session.create_cloudconnection`,
//! `create_turbowarp_cloudconnection`, `create_cloud_socket` and
//! `create_turbowarp_cloud_socket` did (docs/protocol.md §1.1).

use crate::cloud_logs::CloudLogs;
use crate::error::{AccountsError, Result};
use crate::session::Session;
use actors_cloud::{CloudHandle, ConnectionConfig, HostKind};
use actors_socket::UsernameLookup;
use actors_socket::{ClientId, Host, SocketConfig, SocketHandle};
use futures_util::future::{self, BoxFuture};
use futures_util::FutureExt;
use scratchcomm_wire::ProjectId;
use std::sync::Arc;

/// The reference's default TurboWarp username.
pub const DEFAULT_TURBOWARP_USERNAME: &str = "player1000";

/// The TurboWarp contact text the reference falls back to (§1.1): the caller's contact if
/// not blank, else `@<username> on scratch` for a username other than `player1000`.
/// `None` when neither exists (the reference refuses to connect then).
pub fn turbowarp_contact(contact: Option<&str>, username: Option<&str>) -> Option<String> {
    match (contact.map(str::trim), username) {
        (Some(c), _) if !c.is_empty() => Some(c.to_owned()),
        (_, Some(u)) if !u.is_empty() && u != DEFAULT_TURBOWARP_USERNAME => {
            Some(format!("@{u} on scratch"))
        }
        _ => None,
    }
}

impl Session {
    fn require_username(&self, why: &str) -> Result<&str> {
        self.username().ok_or_else(|| {
            AccountsError::missing_data(format!(
                "{why} needs the account's username, and the session has none"
            ))
        })
    }

    /// The settings of a Scratch cloud connection with this session's id and username.
    ///
    /// # Errors
    ///
    /// An [`AccountsError`](crate::AccountsError): `InvalidInput` for a bad project id, `MissingData` when the session has no username.
    pub fn scratch_connection_config(&self, project_id: &str) -> Result<ConnectionConfig> {
        let username = self.require_username("a Scratch cloud connection")?;
        Ok(ConnectionConfig::scratch(
            project_id,
            self.session_id().clone(),
            username,
        ))
    }

    /// The settings of a TurboWarp connection: the username defaults to the account's,
    /// the contact info to `@<username> on scratch` (§1.1).
    ///
    /// # Errors
    ///
    /// As [`scratch_connection_config`](Self::scratch_connection_config).
    pub fn turbowarp_connection_config(
        &self,
        project_id: &str,
        username: Option<&str>,
        contact: Option<&str>,
    ) -> Result<ConnectionConfig> {
        let username = match username.filter(|u| !u.is_empty()) {
            Some(u) => u,
            None => self.require_username("a TurboWarp connection without a username")?,
        };
        let contact = turbowarp_contact(contact, Some(username))
            .or_else(|| turbowarp_contact(None, self.username()))
            .ok_or_else(|| {
                AccountsError::missing_data(
                    "You need to specify your contact_info for the turbowarp cloud.",
                )
            })?;
        Ok(ConnectionConfig::turbowarp(project_id, &contact).username(username))
    }

    /// Open a Scratch cloud connection (needs a running actix System).
    ///
    /// # Errors
    ///
    /// As [`scratch_connection_config`](Self::scratch_connection_config), or `CloudConnection` when the connection fails.
    pub async fn connect_scratch(&self, project_id: &str) -> Result<CloudHandle> {
        Ok(CloudHandle::connect(self.scratch_connection_config(project_id)?).await?)
    }

    /// Open a TurboWarp cloud connection (see
    /// [`turbowarp_connection_config`](Self::turbowarp_connection_config)).
    ///
    /// # Errors
    ///
    /// As [`turbowarp_connection_config`](Self::turbowarp_connection_config), or `CloudConnection` when the connection fails.
    pub async fn connect_turbowarp(
        &self,
        project_id: &str,
        username: Option<&str>,
        contact: Option<&str>,
    ) -> Result<CloudHandle> {
        let config = self.turbowarp_connection_config(project_id, username, contact)?;
        Ok(CloudHandle::connect(config).await?)
    }

    /// A username lookup for cloud sockets on Scratch project `project_id`, through this
    /// session's cloud-logs client.
    ///
    /// # Errors
    ///
    /// An [`AccountsError`](crate::AccountsError) of kind `InvalidInput` for a bad project id.
    pub fn socket_username_lookup(&self, project_id: &str) -> Result<Arc<dyn UsernameLookup>> {
        let project = ProjectId::scratch(project_id)
            .map_err(|e| AccountsError::invalid_input("project id", e.to_string()))?;
        Ok(Arc::new(LogsUsernameLookup::new(
            self.cloud_logs(),
            project,
        )))
    }

    /// `config` for a socket over `connection`: on a Scratch connection, unless `config`
    /// brings its own, new clients' usernames are looked up in this session's cloud logs
    /// for the connection's project. Other hosts have no logs: left as is.
    ///
    /// # Errors
    /// [`AccountsErrorKind::InvalidInput`](crate::AccountsErrorKind) when `connection` does
    /// not validate.
    pub fn socket_config_for(
        &self,
        connection: &ConnectionConfig,
        mut config: SocketConfig,
    ) -> Result<SocketConfig> {
        let project = connection
            .validate()
            .map_err(|e| AccountsError::invalid_input("connection settings", e.to_string()))?;
        if config.get_username_lookup().is_none() && connection.host_kind() == HostKind::Scratch {
            config = config.username_lookup(Arc::new(LogsUsernameLookup::new(
                self.cloud_logs(),
                project,
            )));
        }
        Ok(config)
    }

    /// Open a cloud connection with any settings (e.g. from
    /// [`scratch_connection_config`](Self::scratch_connection_config) or
    /// [`turbowarp_connection_config`](Self::turbowarp_connection_config), then adjusted)
    /// and listen on it as a cloud socket, with the username lookup of
    /// [`socket_config_for`](Self::socket_config_for). Returns the connection too, so the
    /// caller can stop it.
    ///
    /// # Errors
    ///
    /// An [`AccountsError`](crate::AccountsError): `InvalidInput` for a bad project id, `CloudConnection` when the connection fails, `CloudSocket` when the socket cannot be opened.
    pub async fn cloud_socket_with(
        &self,
        connection: ConnectionConfig,
        config: SocketConfig,
    ) -> Result<(CloudHandle, SocketHandle)> {
        let config = self.socket_config_for(&connection, config)?;
        let cloud = CloudHandle::connect(connection).await?;
        let socket = SocketHandle::listen_on(&cloud, config);
        Ok((cloud, socket))
    }

    /// Open a Scratch cloud connection and listen on it as a cloud socket, usernames from
    /// the cloud logs (see [`cloud_socket_with`](Self::cloud_socket_with) for other
    /// connection settings).
    ///
    /// # Errors
    ///
    /// As [`cloud_socket_with`](Self::cloud_socket_with).
    pub async fn cloud_socket(
        &self,
        project_id: &str,
        config: SocketConfig,
    ) -> Result<(CloudHandle, SocketHandle)> {
        let connection = self.scratch_connection_config(project_id)?;
        self.cloud_socket_with(connection, config).await
    }

    /// Open a TurboWarp connection (contact info as in
    /// [`turbowarp_connection_config`](Self::turbowarp_connection_config)) and listen on it
    /// as a cloud socket. TurboWarp has no logs: usernames stay unknown.
    ///
    /// # Errors
    ///
    /// As [`cloud_socket_with`](Self::cloud_socket_with).
    pub async fn turbowarp_cloud_socket(
        &self,
        project_id: &str,
        contact: Option<&str>,
        config: SocketConfig,
    ) -> Result<(CloudHandle, SocketHandle)> {
        let connection = self.turbowarp_connection_config(project_id, None, contact)?;
        self.cloud_socket_with(connection, config).await
    }
}

/// Finds cloud-socket usernames in the Scratch cloud logs (§1.7, §3.5): the newest
/// FROM_CLIENT entry naming the client. A failed lookup answers `None` (the client is
/// still registered, §9 S9) and is logged; other hosts always answer `None`.
#[derive(Debug, Clone)]
pub struct LogsUsernameLookup {
    logs: CloudLogs,
    project_id: ProjectId,
}

impl LogsUsernameLookup {
    /// A lookup reading `project_id`'s logs through `logs`.
    pub fn new(logs: CloudLogs, project_id: ProjectId) -> LogsUsernameLookup {
        LogsUsernameLookup { logs, project_id }
    }
}

impl UsernameLookup for LogsUsernameLookup {
    fn lookup(&self, client_id: ClientId, host: Host) -> BoxFuture<'static, Option<String>> {
        if host != Host::Scratch {
            return future::ready(None).boxed();
        }
        if actix_rt::System::try_current().is_none() {
            tracing::warn!(%client_id, "username lookup outside an actix runtime; skipped");
            return future::ready(None).boxed();
        }
        // awc futures stay on this thread; only the answer crosses back.
        let (tx, rx) = tokio::sync::oneshot::channel();
        let logs = self.logs.clone();
        let project = self.project_id.clone();
        actix_rt::spawn(async move {
            let cid = client_id.to_string();
            let user = match logs.socket_client_user(&project, &cid).await {
                Ok(entry) => Some(entry.user),
                Err(e) => {
                    tracing::warn!(%client_id, error = %e, "cloud-socket username lookup failed");
                    None
                }
            };
            let _ = tx.send(user);
        });
        async move { rx.await.ok().flatten() }.boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_fallbacks_match_the_reference() {
        assert_eq!(
            turbowarp_contact(Some("me@x.org"), None).unwrap(),
            "me@x.org"
        );
        assert_eq!(
            turbowarp_contact(Some("  "), Some("someone")).unwrap(),
            "@someone on scratch"
        );
        assert_eq!(turbowarp_contact(None, Some("player1000")), None);
        assert_eq!(turbowarp_contact(None, None), None);
    }
}
