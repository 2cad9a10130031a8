//! Replies (docs/protocol.md §A5.1–5.3, §A5.7, B3, B4, B8, B9): what a handler's value is
//! sent as, the packets it is cut into, and the replies remembered for re-requests.

use std::collections::VecDeque;

use super::encoding::{sa_encode, LINE_BREAK};
use crate::error::{RequestError, RequestErrorKind};

/// Marker of a final packet whose payload is encoded text.
const FINAL_ENCODED: &str = "2222";
/// Marker of a final packet whose payload is a number sent as is.
const FINAL_NUMBER: &str = "3222";
/// The sprite numbers non-final packets with three digits (§5.9).
const MAX_PACKETS: usize = 999;
/// How many replies are remembered for re-requests (§5.7).
const REMEMBERED: usize = 15;

/// A reply of the scratchattach kit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SaReply {
    /// One value: a number reply when it is `[0-9]+` (B8), else encoded text (an empty one
    /// is sent as `-`, B9).
    Text(String),
    /// A list (the stage list `response` gets one item each); an empty list is sent as one
    /// empty final packet, so the sprite does not wait for its timeout (B4).
    List(Vec<String>),
}

/// The payload and final marker of `reply` to request `id`.
fn payload(reply: &SaReply, id: &str) -> (String, &'static str) {
    match reply {
        SaReply::Text(s) if id.ends_with('0') && is_number_reply(s) => (s.clone(), FINAL_NUMBER),
        SaReply::Text(s) if s.is_empty() => (sa_encode("-"), FINAL_ENCODED),
        SaReply::Text(s) => (sa_encode(s), FINAL_ENCODED),
        SaReply::List(items) => {
            let mut out = String::new();
            for item in items {
                out.push_str(&sa_encode(item));
                out.push_str(LINE_BREAK);
            }
            (out, FINAL_ENCODED)
        }
    }
}

/// Whether a text goes out as a number reply: digits only (B8, stricter than the
/// reference's `int()`, which lets `3.5`, ` 12` and `1_000` through and breaks the value).
fn is_number_reply(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The values that carry `reply` to request `id` with values of at most `length_limit − 1`
/// characters (§5.3): non-final packets `chunk.` ‖ id ‖ `NNN1`, then the final
/// `rest.` ‖ id ‖ marker.
pub(crate) fn packets(
    reply: &SaReply,
    id: &str,
    length_limit: usize,
) -> Result<Vec<String>, RequestError> {
    let (payload, marker) = payload(reply, id);
    let room = length_limit.saturating_sub(id.len() + 6);
    if room == 0 {
        return Err(RequestError::new(
            RequestErrorKind::BadArgument,
            format!("length limit {length_limit} leaves no room for a reply to id {id}"),
        ));
    }
    // The payload is ASCII digits, so byte positions are character positions.
    let mut rest = payload.as_str();
    let mut out = Vec::with_capacity(payload.len() / room + 1);
    while rest.len() > room {
        let index = out.len() + 1;
        if index > MAX_PACKETS {
            return Err(RequestError::new(
                RequestErrorKind::BadArgument,
                format!(
                    "a reply of {} digits needs more than {MAX_PACKETS} packets at length limit {length_limit}",
                    payload.len()
                ),
            ));
        }
        out.push(format!("{}.{id}{index:03}1", &rest[..room]));
        rest = &rest[room..];
    }
    out.push(format!("{rest}.{id}{marker}"));
    Ok(out)
}

/// The last replies with all their packets, final one included (B3).
#[derive(Debug, Default)]
pub(crate) struct Memory {
    replies: VecDeque<(String, Vec<String>)>,
}

impl Memory {
    pub(crate) fn remember(&mut self, id: &str, packets: Vec<String>) {
        self.replies.retain(|(i, _)| i != id);
        self.replies.push_front((id.to_string(), packets));
        self.replies.truncate(REMEMBERED);
    }

    pub(crate) fn contains(&self, id: &str) -> bool {
        self.replies.iter().any(|(i, _)| i == id)
    }

    /// Packet `index` (0-based) of the reply to `id`.
    pub(crate) fn packet(&self, id: &str, index: usize) -> Option<&str> {
        let (_, packets) = self.replies.iter().find(|(i, _)| i == id)?;
        packets.get(index).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> SaReply {
        SaReply::Text(s.into())
    }

    #[test]
    fn kinds_of_replies() {
        let one = |r: &SaReply| packets(r, "417950", 100_000).unwrap();
        assert_eq!(one(&text("pong")), ["51494733.4179502222"]);
        assert_eq!(one(&text("42")), ["42.4179503222"]);
        assert_eq!(one(&text("007")), ["007.4179503222"]);
        // B8: not digits only → encoded.
        assert_eq!(one(&text("3.5")), ["127514.4179502222"]);
        assert_eq!(one(&text("-42")), ["831311.4179502222"]);
        assert_eq!(one(&text("")), ["83.4179502222"]);
        // B4: an empty list is one empty final packet.
        assert_eq!(one(&SaReply::List(vec![])), [".4179502222"]);
        let list = SaReply::List(vec!["a".into(), "".into(), "b c".into(), "5".into()]);
        assert_eq!(one(&list), ["218989232025891489.4179502222"]);
        // An id not ending in 0 (server pushes) never gets a number reply.
        assert_eq!(
            packets(&text("7"), "1000000007825", 100_000).unwrap(),
            ["16.10000000078252222"]
        );
    }

    #[test]
    fn packet_sizes() {
        let long = text(&"7".repeat(300));
        let p = packets(&long, "417950", 256).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].len(), 255);
        assert!(p[0].ends_with(".4179500011"));
        assert!(p[1].ends_with(".4179503222"));
        assert_eq!(p[1].len(), 56 + 11);
        let huge = text(&"7".repeat(244 * 1000 + 1));
        assert!(packets(&huge, "417950", 256).is_err());
        assert!(packets(&long, "417950", 12).is_err());
    }

    #[test]
    fn memory_keeps_fifteen() {
        let mut m = Memory::default();
        for i in 0..16 {
            m.remember(&i.to_string(), vec![format!("p{i}"), format!("f{i}")]);
        }
        assert!(!m.contains("0"));
        assert_eq!(m.packet("15", 1), Some("f15"));
        assert_eq!(m.packet("15", 2), None);
        assert_eq!(m.packet("1", 0), Some("p1"));
    }
}
