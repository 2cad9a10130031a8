//! [`PanicSupervisor`]: actix's `Supervisor` that also survives a panic.
//!
//! actix's own [`Supervisor`](actix::Supervisor) restarts an actor that *stopped*; a panic
//! in a handler, a stream handler, a spawned actor future or `started` unwinds out of the
//! actor's task instead, which drops the actor with all its state and leaves every
//! address dead. This supervisor polls the actor's context inside `catch_unwind`: a
//! panic is logged, counted, and handled like a stop — the context is restarted (spawned
//! futures and timers cancelled, [`Supervised::restarting`] called, then `started`
//! again) with the actor value itself, and so all its state, kept. The message being
//! handled at that moment is lost (its sender gets `MailboxError::Closed`).
//!
//! Restart rule: the first panic restarts at once; panics that follow each other within
//! [`CALM`] are restarted after a growing pause (50 ms doubling up to 5 s), so an actor
//! that panics in `started` cannot spin a core. It never gives up: the actor ends only
//! when it stops and no address is left, as under actix's `Supervisor`.
//!
//! Every actor of the framework runs under it: `CloudConnection`, `Sky`, `CloudSocket`,
//! `ClientActor`, `LinkWriter`, `RequestActor` (behind `RequestBot`), `SaHandler` (behind
//! `SaBot`, scratchattach's kits).

use actix::dev::ContextFut;
use actix::prelude::*;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{self, Poll};
use std::time::{Duration, Instant};

/// Panics closer together than this count as one crash loop (restarts slow down).
pub const CALM: Duration = Duration::from_secs(1);
/// First pause of a crash loop.
const FIRST_PAUSE: Duration = Duration::from_millis(50);
/// Longest pause of a crash loop.
const MAX_PAUSE: Duration = Duration::from_secs(5);

/// Panics caught by every [`PanicSupervisor`] of the process (for logs and tests).
static CAUGHT: AtomicU64 = AtomicU64::new(0);

/// How many actor panics every [`PanicSupervisor`] of the process caught so far.
pub fn panics_caught() -> u64 {
    CAUGHT.load(Ordering::Relaxed)
}

/// Runs an actor, restarting it (state kept) after a stop or a panic; see the module docs.
pub struct PanicSupervisor<A>
where
    A: Supervised + Actor<Context = Context<A>>,
{
    fut: ContextFut<A, Context<A>>,
    name: &'static str,
    last_panic: Option<Instant>,
    pause: Duration,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<A> PanicSupervisor<A>
where
    A: Supervised + Actor<Context = Context<A>>,
{
    /// Start the actor made by `f` (inside an actix System) under a panic-safe supervisor;
    /// `name` names it in the logs.
    pub fn start<F>(name: &'static str, f: F) -> Addr<A>
    where
        F: FnOnce(&mut Context<A>) -> A + 'static,
    {
        let mut ctx = Context::new();
        let act = f(&mut ctx);
        let addr = ctx.address();
        let fut = ctx.into_future(act);
        actix::spawn(PanicSupervisor {
            fut,
            name,
            last_panic: None,
            pause: Duration::ZERO,
            sleep: None,
        });
        addr
    }

    /// A panic was caught: log it and decide how long to wait before the restart.
    fn caught(&mut self, payload: &(dyn std::any::Any + Send)) {
        CAUGHT.fetch_add(1, Ordering::Relaxed);
        let text = panic_text(payload);
        let now = Instant::now();
        let looping = self
            .last_panic
            .is_some_and(|at| now.saturating_duration_since(at) < CALM);
        self.pause = if looping {
            (self.pause * 2).clamp(FIRST_PAUSE, MAX_PAUSE)
        } else {
            Duration::ZERO
        };
        self.last_panic = Some(now);
        tracing::error!(actor = self.name, panic = %text, pause_ms = self.pause.as_millis() as u64,
            "actor panicked; restarting it with its state");
    }
}

/// The text of a panic payload.
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

impl<A> Future for PanicSupervisor<A>
where
    A: Supervised + Actor<Context = Context<A>>,
{
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut task::Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        loop {
            if let Some(sleep) = this.sleep.as_mut() {
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.sleep = None;
            }
            let fut = Pin::new(&mut this.fut);
            match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
                Ok(Poll::Pending) => return Poll::Pending,
                Ok(Poll::Ready(())) => {
                    // Stopped: restart while an address exists (actix's rule).
                    if !this.fut.restart() {
                        return Poll::Ready(());
                    }
                }
                Err(payload) => {
                    this.caught(&*payload);
                    if !this.fut.restart() {
                        return Poll::Ready(());
                    }
                    if !this.pause.is_zero() {
                        this.sleep = Some(Box::pin(tokio::time::sleep(this.pause)));
                    }
                }
            }
        }
    }
}
