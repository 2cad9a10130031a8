//! Fault injection for the restart tests (feature `fault-injection`; only tests turn it
//! on, so no release build can be made to panic on purpose).
//!
//! [`Crash`] makes an actor panic inside its own handler, as a bug would: the
//! [`PanicSupervisor`](crate::PanicSupervisor) catches it and restarts the actor with its
//! state. Every actor of the framework handles it (`CloudConnection`, `Sky`,
//! `CloudSocket`, `ClientActor`, `LinkWriter`, `RequestActor` (behind `RequestBot`),
//! `SaHandler` (behind `SaBot`)).

use actix::prelude::*;

/// Panic inside the receiving actor's handler with this text. The sender's `send` fails
/// with `MailboxError::Closed` (the message is lost in the panic).
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct Crash(pub &'static str);

/// Implements `Handler<Crash>` for an actor with `Context<Self>`: the handler panics.
#[macro_export]
#[doc(hidden)]
macro_rules! crash_handler {
    ($actor:ty) => {
        impl ::actix::Handler<$crate::fault::Crash> for $actor {
            type Result = ();
            fn handle(
                &mut self,
                msg: $crate::fault::Crash,
                _: &mut ::actix::Context<Self>,
            ) -> Self::Result {
                panic!("fault injected: {}", msg.0);
            }
        }
    };
}
