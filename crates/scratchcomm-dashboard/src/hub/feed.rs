//! Feeding the hub from the actors' own event streams: one task per attached source, woken
//! only by events (no polling). A task ends when its source's stream ends or the hub is gone.

use super::{frame, Hub, ProjectEntry, SocketEntry};
use crate::state::{ConnectionStatus, SocketClientView, SocketView};
use actors_cloud::{CloudHandle, SkyHandle};
use actors_socket::{SocketEvent, SocketHandle};
use futures_util::StreamExt;
use std::sync::{Arc, Mutex, Weak};

/// Attach a connection under its source id. Returns `false` (and changes nothing) when a
/// connection with that id is already attached.
pub(crate) fn attach_connection(hub: &Arc<Hub>, handle: CloudHandle) -> bool {
    let entry = Arc::new(ProjectEntry {
        id: handle.source().as_str().to_owned(),
        handle,
        status: Mutex::new(ConnectionStatus::attached()),
    });
    // Subscribe before the entry becomes visible, so no event after the first snapshot
    // can be missed.
    let mut events = entry.handle.events();
    if !hub.add_project(entry.clone()) {
        return false;
    }
    hub.publish(frame("project", &entry.view()));
    let weak: Weak<Hub> = Arc::downgrade(hub);
    tokio::spawn(async move {
        while let Some(event) = events.next().await {
            let Some(hub) = weak.upgrade() else { return };
            let update = super::lock(&entry.status).observe(&event);
            hub.publish_update(&entry, update);
        }
        if let Some(hub) = weak.upgrade() {
            let update = super::lock(&entry.status).ended();
            hub.publish_update(&entry, update);
        }
    });
    true
}

/// Attach a Sky: its members now, and members added later as soon as the dashboard is
/// read or the new member produces an event.
pub(crate) fn attach_sky(hub: &Arc<Hub>, sky: SkyHandle) {
    let mut events = sky.events();
    hub.add_sky(sky.clone());
    hub.sync_skies();
    let weak: Weak<Hub> = Arc::downgrade(hub);
    tokio::spawn(async move {
        while let Some(event) = events.next().await {
            let Some(hub) = weak.upgrade() else { return };
            if !hub.has_project(event.source.as_str()) {
                if let Some(member) = sky.member(&event.source) {
                    attach_connection(&hub, member);
                }
            }
        }
    });
}

/// Attach a cloud socket under `id`: its clients (id, username, secure) and a message count.
pub(crate) fn attach_socket(hub: &Arc<Hub>, id: String, handle: SocketHandle) -> Arc<SocketEntry> {
    let entry = Arc::new(SocketEntry {
        view: Mutex::new(SocketView {
            id,
            ..SocketView::default()
        }),
    });
    let mut events = handle.events();
    hub.add_socket(entry.clone());
    let weak: Weak<Hub> = Arc::downgrade(hub);
    let task_entry = entry.clone();
    tokio::spawn(async move {
        let entry = task_entry;
        resync(&weak, &entry, &handle).await;
        loop {
            let changed = match events.next_event().await {
                Some(SocketEvent::Lagged { missed }) => {
                    super::lock(&entry.view).missed_events += missed;
                    resync(&weak, &entry, &handle).await;
                    false
                }
                Some(event) => apply(&mut super::lock(&entry.view), &event),
                None => return,
            };
            let Some(hub) = weak.upgrade() else { return };
            if changed {
                let view = super::lock(&entry.view).clone();
                hub.publish(frame("socket", &view));
            }
        }
    });
    entry
}

/// Replace the client list with the socket's own and publish it.
async fn resync(hub: &Weak<Hub>, entry: &SocketEntry, handle: &SocketHandle) {
    let Ok(clients) = handle.clients().await else {
        return;
    };
    let view = {
        let mut view = super::lock(&entry.view);
        view.clients = clients
            .iter()
            .filter(|c| !c.is_closed())
            .map(|c| SocketClientView {
                id: c.client_id().to_string(),
                username: c.username(),
                secure: c.is_secure(),
            })
            .collect();
        view.clients.sort_by(|a, b| a.id.cmp(&b.id));
        view.clone()
    };
    if let Some(hub) = hub.upgrade() {
        hub.publish(frame("socket", &view));
    }
}

/// Apply one socket event to `view`; `true` when something visible changed.
pub(crate) fn apply(view: &mut SocketView, event: &SocketEvent) -> bool {
    let mut upsert = |id: String, username: &Option<String>, secure: bool| {
        match view.clients.iter_mut().find(|c| c.id == id) {
            Some(c) => {
                c.secure |= secure;
                if username.is_some() {
                    c.username = username.clone();
                }
            }
            None => {
                view.clients.push(SocketClientView {
                    id,
                    username: username.clone(),
                    secure,
                });
                view.clients.sort_by(|a, b| a.id.cmp(&b.id));
            }
        }
        true
    };
    match event {
        SocketEvent::NewUser {
            client_id,
            username,
        } => upsert(client_id.to_string(), username, false),
        SocketEvent::NewSecureUser {
            client_id,
            username,
        } => upsert(client_id.to_string(), username, true),
        SocketEvent::ClientGone { client_id } => {
            let id = client_id.to_string();
            let before = view.clients.len();
            view.clients.retain(|c| c.id != id);
            before != view.clients.len()
        }
        SocketEvent::Message { .. } => {
            view.messages += 1;
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actors_socket::ClientId;

    fn cid(s: &str) -> ClientId {
        ClientId::parse(s).unwrap()
    }

    #[test]
    fn socket_clients_follow_events() {
        let mut v = SocketView::default();
        assert!(apply(
            &mut v,
            &SocketEvent::NewUser {
                client_id: cid("00042"),
                username: None
            }
        ));
        assert!(apply(
            &mut v,
            &SocketEvent::NewSecureUser {
                client_id: cid("00007"),
                username: Some("amy".into())
            }
        ));
        assert_eq!(
            v.clients.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            ["00007", "00042"]
        );
        // The insecure client later completes a handshake: same row, now secure.
        apply(
            &mut v,
            &SocketEvent::NewSecureUser {
                client_id: cid("00042"),
                username: Some("bo".into()),
            },
        );
        assert_eq!(v.clients.len(), 2);
        assert!(v.clients[1].secure);
        assert_eq!(v.clients[1].username.as_deref(), Some("bo"));
        assert!(apply(
            &mut v,
            &SocketEvent::Message {
                client_id: cid("00007"),
                secure: true,
                text: "hi".into()
            }
        ));
        assert_eq!(v.messages, 1);
        assert!(!apply(
            &mut v,
            &SocketEvent::MessagePart {
                client_id: cid("00007"),
                chars: 3,
                last: false
            }
        ));
        assert!(apply(
            &mut v,
            &SocketEvent::ClientGone {
                client_id: cid("00007")
            }
        ));
        assert!(!apply(
            &mut v,
            &SocketEvent::ClientGone {
                client_id: cid("00007")
            }
        ));
        assert_eq!(v.clients.len(), 1);
    }
}
