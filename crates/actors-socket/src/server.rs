//! Sans-IO server side of cloud sockets: FROM_CLIENT in ([`ServerProtocol`]), TO_CLIENT out
//! ([`OutboundMessage`]).

mod clients;
mod fragments;
mod inbound;
mod keys;
mod outbound;
mod replay;

pub use clients::{ClientState, ClientTable, SecureState};
pub use fragments::{FragmentLimits, FragmentStore};
pub use inbound::{InboundEvent, InboundLimits, KeyExchange, NewClient, ServerProtocol, Update};
pub use outbound::{OutboundMessage, RngRandom, SendOptions, SendRandom, ToClientSet};
pub use replay::ReplayGuard;
