//! The sans-IO server protocol fed by hand, for the tests that drive `ServerProtocol`
//! without a connection: one FROM_CLIENT update in, its events out, and what those events
//! hold.

#![allow(dead_code)]

use actors_socket::{ClientId, Host};
use actors_socket::{InboundEvent, ServerProtocol, Update};

/// One FROM_CLIENT update from Scratch at `now` (ms), and the events it causes.
pub fn feed(p: &mut ServerProtocol, value: &str, now: u64) -> Vec<InboundEvent> {
    p.handle(Update {
        value,
        source: 0,
        host: Host::Scratch,
        now,
    })
}

/// The client ids the events evicted.
pub fn evicted(events: &[InboundEvent]) -> Vec<ClientId> {
    events
        .iter()
        .filter_map(|e| match e {
            InboundEvent::Evicted { client_id } => Some(*client_id),
            _ => None,
        })
        .collect()
}

/// The messages the events delivered.
pub fn messages(events: &[InboundEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            InboundEvent::Message { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}
