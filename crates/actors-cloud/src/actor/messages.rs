//! The public messages a `CloudConnection` handles (the handle wraps them).

use super::{CloudConnection, Reply};
use crate::bus::Callback;
use crate::core::Op;
use crate::events::{EventFilter, EventKind};
use crate::CloudEvent;
use actix::prelude::*;
use scratchcomm_wire::CloudValue;
use std::time::Instant;
use tokio::sync::oneshot;

/// Queue an operation (already validated); `reply` is told when it is written.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Submit {
    pub(crate) op: Op,
    pub(crate) reply: Option<Reply>,
}

impl Handler<Submit> for CloudConnection {
    type Result = ();
    fn handle(&mut self, msg: Submit, ctx: &mut Context<Self>) {
        let id = self.next_id;
        self.next_id += 1;
        if let Some(r) = msg.reply {
            self.waiters.insert(id, r);
        }
        let a = self.core.submit(msg.op, id, Instant::now());
        self.run(a, ctx);
    }
}

/// Subscribe a Recipient to the events that pass `filter`.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Subscribe {
    /// Which events.
    pub filter: EventFilter,
    /// Who gets them.
    pub recipient: Recipient<CloudEvent>,
}

impl Handler<Subscribe> for CloudConnection {
    type Result = ();
    fn handle(&mut self, msg: Subscribe, _ctx: &mut Context<Self>) {
        if !self.core.is_stopped() {
            self.bus.add_recipient(msg.filter, msg.recipient);
        }
    }
}

/// Register a callback for the events that pass `filter`.
#[derive(Message)]
#[rtype(result = "()")]
pub struct OnEvent {
    /// Which events.
    pub filter: EventFilter,
    /// What to call.
    pub callback: Callback,
}

impl Handler<OnEvent> for CloudConnection {
    type Result = ();
    fn handle(&mut self, msg: OnEvent, _ctx: &mut Context<Self>) {
        if !self.core.is_stopped() {
            self.bus.add_callback(msg.filter, msg.callback);
        }
    }
}

/// Emit a custom event to local subscribers only (never sent to the server).
#[derive(Message)]
#[rtype(result = "()")]
pub struct EmitCustom {
    /// The custom event's name (also its `name` field).
    pub name: String,
    /// Its values, in order (the event's `value` is the first).
    pub values: Vec<CloudValue>,
}

impl Handler<EmitCustom> for CloudConnection {
    type Result = ();
    fn handle(&mut self, msg: EmitCustom, _ctx: &mut Context<Self>) {
        let first = msg.values.first().cloned();
        let ev = self.core.event(
            EventKind::Custom {
                name: msg.name.clone(),
                values: msg.values,
            },
            &msg.name,
            first,
            Instant::now(),
        );
        self.emit(ev);
    }
}

/// Stop cleanly: write what is queued (bounded by the drain timeout), close, stay dormant.
#[derive(Message)]
#[rtype(result = "()")]
pub struct StopConnection {
    pub(crate) done: oneshot::Sender<()>,
}

impl Handler<StopConnection> for CloudConnection {
    type Result = ();
    fn handle(&mut self, msg: StopConnection, ctx: &mut Context<Self>) {
        if self.core.is_stopped() {
            let _ = msg.done.send(());
            return;
        }
        self.stop_waiters.push(msg.done);
        let a = self.core.stop(Instant::now());
        self.run(a, ctx);
    }
}
