//! Sans-IO server side of cloud sockets: FROM_CLIENT in ([`ServerProtocol`]), TO_CLIENT out
//! ([`OutboundMessage`]).

mod clients;
mod events;
mod fragments;
mod inbound;
mod outbound;
mod replay;

pub use clients::{ClientState, ClientTable, SecureState};
pub use events::{InboundEvent, InboundLimits, KeyExchange, NewClient, Update};
pub use fragments::{FragmentLimits, FragmentStore};
pub use inbound::ServerProtocol;
pub use outbound::{OutboundMessage, RngRandom, SendOptions, SendRandom, ToClientSet};
pub use replay::ReplayGuard;
