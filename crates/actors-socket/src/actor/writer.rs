//! The `LinkWriter` actor: executes the sans-IO [`Pacer`] of one cloud link. Every TO_CLIENT
//! set of every client on the link goes through it, so the sets are spaced, placed on the
//! shared variable rotation and written in order (§1.6, §9 C4; R1–R3 in
//! [`Rotation`](crate::server::Rotation)).
//!
//! It runs under a [`PanicSupervisor`](actors_cloud::PanicSupervisor): a panic in the
//! link's `set` (user code for a custom [`CloudLink`]) or anywhere else in the writer
//! restarts it with its queue, rotation and waiting senders kept; only the message whose
//! set was being written fails.

use super::link::CloudLink;
use crate::error::SocketError;
use crate::server::{MessageId, OutboundMessage, Pacer, PacerStep, RngRandom, SenderKey};
use crate::types::now_centis;
use actix::prelude::*;
use rand::SeedableRng;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

type Outcome = oneshot::Sender<Result<(), SocketError>>;

/// Writes the TO_CLIENT sets of one link through its [`Pacer`].
pub struct LinkWriter {
    link: Arc<dyn CloudLink>,
    pacer: Pacer,
    epoch: Instant,
    rng: RngRandom<rand::rngs::StdRng>,
    outcomes: HashMap<MessageId, Outcome>,
    timer: Option<SpawnHandle>,
}

impl LinkWriter {
    /// Starts the writer of `link` with sets at least `spacing` apart.
    pub fn start(link: Arc<dyn CloudLink>, spacing: Duration) -> Addr<LinkWriter> {
        let writer = LinkWriter {
            link,
            pacer: Pacer::new(spacing),
            epoch: Instant::now(),
            rng: RngRandom(rand::rngs::StdRng::from_entropy()),
            outcomes: HashMap::new(),
            timer: None,
        };
        actors_cloud::PanicSupervisor::start("LinkWriter", move |_| writer)
    }

    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    fn finish(&mut self, id: MessageId, result: Result<(), SocketError>) {
        if let Some(tx) = self.outcomes.remove(&id) {
            let _ = tx.send(result);
        }
    }

    /// Runs the pacer until it waits, is busy or idle.
    fn pump(&mut self, ctx: &mut Context<Self>) {
        if let Some(timer) = self.timer.take() {
            ctx.cancel_future(timer);
        }
        loop {
            let now = self.now();
            match self.pacer.poll(now, now_centis(), &mut self.rng) {
                PacerStep::Write { set, .. } => {
                    let link = &self.link;
                    let started = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        link.set(set.name(), set.value)
                    }));
                    let Ok(write) = started else {
                        tracing::error!("a cloud link's set panicked; restarting the link writer");
                        ctx.stop(); // `restarting` fails the message being written
                        return;
                    };
                    ctx.spawn(write.into_actor(self).map(|result, act, ctx| {
                        let now = act.now();
                        if let Some((id, outcome)) = act.pacer.written(now, result) {
                            act.finish(id, outcome);
                        }
                        act.pump(ctx);
                    }));
                    return;
                }
                PacerStep::Failed { id, error } => self.finish(id, Err(error)),
                PacerStep::WaitUntil(at) => {
                    let delay = at.saturating_sub(now);
                    self.timer = Some(ctx.run_later(delay, |act, ctx| {
                        act.timer = None;
                        act.pump(ctx);
                    }));
                    return;
                }
                PacerStep::Busy | PacerStep::Idle => return,
            }
        }
    }
}

impl Actor for LinkWriter {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.pump(ctx); // after a restart: carry on with the queue
    }
}

impl Supervised for LinkWriter {
    fn restarting(&mut self, _: &mut Context<Self>) {
        self.timer = None; // cancelled by the restart, like the write in flight
        let lost = Err(SocketError::closed(
            "the link writer restarted during this write",
        ));
        if let Some((id, outcome)) = self.pacer.written(self.now(), lost) {
            self.finish(id, outcome);
        }
        tracing::info!("link writer restarting");
    }
}

impl Drop for LinkWriter {
    fn drop(&mut self) {
        // Gone for good (its socket dropped every address): tell whoever still waits.
        for (_, tx) in self.outcomes.drain() {
            let _ = tx.send(Err(SocketError::closed("the socket's link writer stopped")));
        }
    }
}

#[cfg(feature = "fault-injection")]
actors_cloud::crash_handler!(LinkWriter);

/// Queue a message; the receiver gets its outcome once its final set is written (or it
/// failed or was cancelled).
#[derive(Message)]
#[rtype(result = "oneshot::Receiver<Result<(), SocketError>>")]
pub struct Enqueue {
    /// The sending client object.
    pub sender: SenderKey,
    /// The message.
    pub message: OutboundMessage,
}

impl Handler<Enqueue> for LinkWriter {
    type Result = MessageResult<Enqueue>;
    fn handle(&mut self, msg: Enqueue, ctx: &mut Context<Self>) -> Self::Result {
        let (tx, rx) = oneshot::channel();
        let id = self.pacer.enqueue(msg.sender, msg.message);
        self.outcomes.insert(id, tx);
        self.pump(ctx);
        MessageResult(rx)
    }
}

/// Drop every queued message of a sender (its client is closed); they fail with `reason`.
#[derive(Message)]
#[rtype(result = "()")]
pub struct CancelSender {
    /// The closed client object.
    pub sender: SenderKey,
    /// Why, for the failed sends.
    pub reason: String,
}

impl Handler<CancelSender> for LinkWriter {
    type Result = ();
    fn handle(&mut self, msg: CancelSender, ctx: &mut Context<Self>) {
        for id in self.pacer.cancel(msg.sender) {
            self.finish(id, Err(SocketError::closed(msg.reason.clone())));
        }
        self.pump(ctx);
    }
}
