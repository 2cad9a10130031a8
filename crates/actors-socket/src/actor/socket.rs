//! The `CloudSocket` actor: runs the sans-IO [`ServerProtocol`] over the FROM_CLIENT
//! updates of one or more cloud links, starts a [`AcceptedClient`] per client, and keeps the
//! accept backlog.

use super::client::AcceptedClient;
use super::config::SocketConfig;
use super::events::SocketEvent;
use super::link::{set_value, socket_events, CloudLink};
use super::sky::SkyMemberLink;
use super::wait_queue::WaitQueue;
use super::writer::LinkWriter;
use crate::error::SocketError;
use crate::server::{InboundEvent, NewClient, ServerProtocol, Update};
use crate::types::{now_centis, ClientId, SourceTag};
use actix::prelude::*;
use actors_cloud::{CloudEvent, EventKind, SkyHandle, SourceId};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{broadcast, oneshot};

type Accepted = (AcceptedClient, Option<String>);

mod life;
pub use life::StopReason;
pub(crate) use life::{HandleSide, Life};

/// Stream tag of the events of a Sky (its members get link tags on first sight).
const SKY_TAG: SourceTag = SourceTag::MAX;

/// The socket actor.
pub struct CloudSocket {
    /// One protocol state per link: client ids are only unique within one project.
    protocols: HashMap<SourceTag, ServerProtocol>,
    created: u64,
    links: Vec<Arc<dyn CloudLink>>,
    config: SocketConfig,
    clients: HashMap<(SourceTag, ClientId), AcceptedClient>,
    backlog: WaitQueue<Accepted>,
    events: broadcast::Sender<SocketEvent>,
    sky: Option<SkyHandle>,
    sky_tags: HashMap<SourceId, SourceTag>,
    /// One writer per link, started with its first client.
    writers: HashMap<SourceTag, Addr<LinkWriter>>,
    next_sender: u64,
    life: Life,
}

impl CloudSocket {
    pub(crate) fn new(
        links: Vec<Arc<dyn CloudLink>>,
        config: SocketConfig,
        events: broadcast::Sender<SocketEvent>,
        life: Life,
    ) -> Self {
        CloudSocket {
            life,
            protocols: HashMap::new(),
            created: now_centis(),
            links,
            backlog: WaitQueue::new(config.accept_backlog),
            config,
            clients: HashMap::new(),
            events,
            sky: None,
            sky_tags: HashMap::new(),
            writers: HashMap::new(),
            next_sender: 0,
        }
    }

    /// A socket over every member of `sky`, present and future.
    pub(crate) fn over_sky(
        sky: SkyHandle,
        config: SocketConfig,
        events: broadcast::Sender<SocketEvent>,
        life: Life,
    ) -> Self {
        let mut socket = Self::new(Vec::new(), config, events, life);
        socket.sky = Some(sky);
        socket
    }

    /// The link tag of Sky member `source`, creating its link on first sight.
    fn sky_tag(&mut self, source: &SourceId) -> Option<SourceTag> {
        if let Some(tag) = self.sky_tags.get(source) {
            return Some(*tag);
        }
        let sky = self.sky.clone()?;
        let tag = SourceTag::try_from(self.links.len())
            .ok()
            .filter(|t| *t != SKY_TAG)?;
        self.links
            .push(Arc::new(SkyMemberLink::new(sky, source.clone())));
        self.sky_tags.insert(source.clone(), tag);
        Some(tag)
    }

    fn emit(&self, event: SocketEvent) {
        let _ = self.events.send(event);
    }

    fn drop_client(&mut self, key: (SourceTag, ClientId), reason: &str) {
        let id = key.1;
        if let Some(old) = self.clients.remove(&key) {
            old.close(reason);
            self.emit(SocketEvent::ClientGone { client_id: id });
        }
    }

    fn new_client(&mut self, n: NewClient, ctx: &mut Context<Self>) {
        let key = (n.source, n.client_id);
        self.drop_client(key, "replaced by a new connection with the same id");
        let Some(link) = self.links.get(n.source as usize).cloned() else {
            return;
        };
        let size = self.config.packet_size.resolve(n.host);
        let secure = n.key.is_some();
        let spacing = self.config.to_client_spacing;
        let writer = self
            .writers
            .entry(n.source)
            .or_insert_with(|| LinkWriter::start(link.clone(), spacing))
            .clone();
        self.next_sender += 1;
        let client = AcceptedClient::start(
            n.client_id,
            n.key,
            (&link, writer, self.next_sender),
            size,
            self.config.send_options,
            self.config.inbox_capacity,
        );
        tracing::info!(client = %n.client_id, secure, from_connect = n.from_connect, "new socket client");
        self.clients.insert(key, client.clone());
        match self.config.username_lookup.clone() {
            None => self.announce(client, None),
            Some(lookup) => {
                let fut = lookup.lookup(n.client_id, n.host);
                ctx.spawn(fut.into_actor(self).map(move |name, act, _| {
                    if !client.is_closed() {
                        act.announce(client, name);
                    }
                }));
            }
        }
    }

    fn announce(&mut self, client: AcceptedClient, username: Option<String>) {
        client.set_username(username.clone());
        let client_id = client.client_id();
        self.emit(if client.is_secure() {
            SocketEvent::NewSecureUser {
                client_id,
                username: username.clone(),
            }
        } else {
            SocketEvent::NewUser {
                client_id,
                username: username.clone(),
            }
        });
        if self.backlog.push((client, username)) {
            tracing::warn!("accept backlog full; oldest pending client notification dropped");
        }
    }

    fn on_update(&mut self, tag: SourceTag, value: &str, ctx: &mut Context<Self>) {
        let Some(host) = self.links.get(tag as usize).map(|l| l.host()) else {
            return;
        };
        let update = Update {
            value,
            source: tag,
            host,
            now: now_centis(),
        };
        let (security, created, limits) = (
            self.config.security.clone(),
            self.created,
            self.config.limits,
        );
        let protocol = self
            .protocols
            .entry(tag)
            .or_insert_with(|| ServerProtocol::new(security, created, limits));
        for event in protocol.handle(update) {
            match event {
                InboundEvent::FragmentStored {
                    client_id,
                    fragment_id,
                } => tracing::trace!(client = %client_id, fragment_id, "key fragment stored"),
                InboundEvent::NewClient(n) => self.new_client(n, ctx),
                InboundEvent::MessagePart {
                    client_id,
                    part,
                    last,
                } => self.emit(SocketEvent::MessagePart {
                    client_id,
                    chars: part.chars().count(),
                    last,
                }),
                InboundEvent::Message { client_id, text } => {
                    if let Some(c) = self.clients.get(&(tag, client_id)) {
                        c.deliver(text.clone());
                        let secure = c.is_secure();
                        self.emit(SocketEvent::Message {
                            client_id,
                            secure,
                            text,
                        });
                    }
                }
                InboundEvent::Rejected { client_id, reason } => {
                    let client = client_id.map(|c| c.to_string()).unwrap_or_default();
                    tracing::warn!(client, %reason, "FROM_CLIENT packet rejected");
                    self.emit(SocketEvent::Rejected { client_id, reason });
                }
                InboundEvent::Evicted { client_id } => {
                    tracing::info!(client = %client_id, "client evicted: the client table is full");
                    self.emit(SocketEvent::Evicted { client_id });
                    self.drop_client((tag, client_id), "evicted: too many clients");
                }
            }
        }
    }
}

impl Actor for CloudSocket {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.watch_handles(ctx);
        if self.is_done() {
            return; // dormant after a final stop
        }
        for (tag, link) in self.links.iter().enumerate() {
            ctx.add_stream(socket_events(link.as_ref(), tag as SourceTag));
        }
        if let Some(sky) = &self.sky {
            ctx.add_stream(sky.events().map(|e| (SKY_TAG, e)));
        }
    }
}

impl StreamHandler<(SourceTag, CloudEvent)> for CloudSocket {
    fn handle(&mut self, (tag, event): (SourceTag, CloudEvent), ctx: &mut Context<Self>) {
        if self.is_done() {
            return;
        }
        match &event.kind {
            EventKind::Error { message } => self.life.last_error = Some(message.clone()),
            EventKind::Disconnect { code, .. } => self.life.last_close_code = *code,
            _ => {}
        }
        if let Some(value) = set_value(&event, "FROM_CLIENT") {
            let value = value.to_owned();
            let tag = if tag == SKY_TAG {
                match self.sky_tag(&event.source) {
                    Some(t) => t,
                    None => return,
                }
            } else {
                tag
            };
            self.guarded(tag, ctx, |act, ctx| act.on_update(tag, &value, ctx));
        }
    }

    fn finished(&mut self, ctx: &mut Context<Self>) {
        if self.is_done() {
            return;
        }
        tracing::warn!("a cloud link of the socket stopped for good");
        self.link_ended(ctx);
    }
}

/// Wait for the next client.
#[derive(Message)]
#[rtype(result = "oneshot::Receiver<Result<(AcceptedClient, Option<String>), SocketError>>")]
pub struct Accept;

impl Handler<Accept> for CloudSocket {
    type Result = MessageResult<Accept>;
    fn handle(&mut self, _: Accept, _: &mut Context<Self>) -> Self::Result {
        if self.is_done() {
            let (tx, rx) = oneshot::channel();
            let _ = tx.send(Err(self.stopped_error()));
            return MessageResult(rx);
        }
        MessageResult(self.backlog.pull())
    }
}

/// Every live client.
#[derive(Message)]
#[rtype(result = "Vec<AcceptedClient>")]
pub struct ListClients;

impl Handler<ListClients> for CloudSocket {
    type Result = MessageResult<ListClients>;
    fn handle(&mut self, _: ListClients, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.clients.values().cloned().collect())
    }
}

/// Stop the socket: every client is closed, pending accepts fail.
#[derive(Message)]
#[rtype(result = "()")]
pub struct StopSocket;

impl Handler<StopSocket> for CloudSocket {
    type Result = ();
    fn handle(&mut self, _: StopSocket, ctx: &mut Context<Self>) {
        self.finish(Ok(()), ctx);
    }
}
