//! A socket over a Sky (`actors_cloud::SkyHandle`): every member connection is a
//! [`CloudLink`]; members added later are picked up when their first update arrives.

use super::link::{cloud_error, feed_from, host_of, CloudLink, EventSink};
use crate::error::SocketError;
use crate::types::Host;
use actors_cloud::{EventStream, SkyHandle, SourceId};
use futures_util::future::BoxFuture;

/// One member of a Sky, addressed through the Sky.
#[derive(Clone)]
pub struct SkyMemberLink {
    sky: SkyHandle,
    source: SourceId,
    host: Host,
}

impl std::fmt::Debug for SkyMemberLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SkyMemberLink")
            .field("source", &self.source)
            .field("host", &self.host)
            .finish()
    }
}

impl SkyMemberLink {
    /// The member `source` of `sky` (its host kind is read now; `Custom` if it is gone).
    pub fn new(sky: SkyHandle, source: SourceId) -> Self {
        let host = sky
            .member(&source)
            .map_or(Host::Custom, |m| host_of(m.host_kind()));
        SkyMemberLink { sky, source, host }
    }

    /// The member's source id.
    pub fn source(&self) -> &SourceId {
        &self.source
    }
}

impl CloudLink for SkyMemberLink {
    fn host(&self) -> Host {
        self.host
    }

    /// The member's own events (the whole Sky's if the member is gone).
    fn events(&self) -> EventStream {
        match self.sky.member(&self.source) {
            Some(m) => m.events(),
            None => self.sky.events(),
        }
    }

    /// On the member's actor (like a `CloudHandle`); over the Sky's events if it is gone.
    fn feed(&self, sink: EventSink) {
        match self.sky.member(&self.source) {
            Some(m) => CloudLink::feed(&m, sink),
            None => feed_from(self.sky.events(), sink),
        }
    }

    fn set(&self, name: String, value: String) -> BoxFuture<'static, Result<(), SocketError>> {
        let sky = self.sky.clone();
        let source = self.source.clone();
        Box::pin(async move { sky.set(&source, &name, value).await.map_err(cloud_error) })
    }

    fn get(&self, name: &str) -> Option<String> {
        self.sky.get(&self.source, name).map(|v| v.into_string())
    }

    /// Removes the member from the Sky (which stops it).
    fn stop(&self) -> BoxFuture<'static, ()> {
        let sky = self.sky.clone();
        let source = self.source.clone();
        Box::pin(async move {
            let _ = sky.remove(&source).await;
        })
    }
}
