//! scratchattach's kits (docs/protocol.md): the "Cloud Requests" sprite of
//! `CloudRequests_Template.sb3` and `CloudStorage_Template.sb3`, over `☁ TO_HOST` and
//! `☁ FROM_HOST_1..9`, served with the same [`Registry`](crate::Registry) as the original
//! kit. Behaviour follows scratchattach 2.2.6 except for its bugs (§9), fixed as the spec
//! says.
//!
//! * `encoding` — the two-digit character table (§3).
//! * `framing` — what one TO_HOST value is (chunk, last chunk, packet re-request).
//! * `reassembly` — chunks by id, the 35-id dedupe, expiry of abandoned parts.
//! * `replies` — number / text / list replies, packets, the 15 remembered replies.
//! * `protocol` — [`SaProtocol`], the sans-IO state machine (values + clock → requests and
//!   paced FROM_HOST sets).
//! * `actor` — `SaHandler`, the actor over a `CloudHandle`; `bot` — its handle [`SaBot`].
//! * `storage` — [`CloudStorage`], the CloudStorage kit's databases as JSON files.
//! * `dispatch` — [`SaDispatcher`], handlers' outcomes → the kit's replies.

mod actor;
mod bot;
mod dispatch;
mod encoding;
mod framing;
mod protocol;
mod reassembly;
mod replies;
mod storage;

pub use bot::{SaBot, SaBotBuilder};
pub use dispatch::{SaDispatcher, SaStart};
pub use encoding::{sa_decode, sa_encode};
pub use protocol::{SaConfig, SaIncoming, SaPoll, SaProtocol, SaRequest};
pub use replies::SaReply;
pub use storage::{CloudStorage, StorageBuilder};
