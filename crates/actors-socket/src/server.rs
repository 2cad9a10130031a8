//! Sans-IO server side of cloud sockets: FROM_CLIENT in ([`ServerProtocol`]), TO_CLIENT out
//! ([`OutboundMessage`]), paced and placed on the variables per link ([`Pacer`],
//! [`Rotation`]).

mod clients;
mod events;
mod fragments;
mod inbound;
mod outbound;
mod pacer;
mod rotation;

pub use events::{InboundEvent, InboundLimits, KeyExchange, NewClient, Update};
pub use fragments::FragmentLimits;
pub use inbound::ServerProtocol;
pub use outbound::{OutboundMessage, RngRandom, SendOptions, SendRandom, ToClientSet};
pub(crate) use pacer::{MessageId, Pacer, PacerStep, SenderKey};
pub use rotation::{Rotation, TO_CLIENT_VARS};
