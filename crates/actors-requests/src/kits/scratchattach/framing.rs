//! What one `☁ TO_HOST` value is (docs/protocol.md §A4.3, §A4.4 steps 1–5, §A4.6).

/// The variable the sprite writes, without the `☁ ` prefix.
pub(crate) const TO_HOST: &str = "TO_HOST";

/// One TO_HOST value, classified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Inbound<'a> {
    /// A non-final chunk (`-` ‖ digits ‖ `.` ‖ id).
    Part { id: &'a str, digits: &'a str },
    /// The last chunk of a request (possibly empty).
    Last { id: &'a str, digits: &'a str },
    /// The sprite asks again for packet `index` (0-based) of a reply
    /// (`K.` ‖ reply id ‖ `9` asks for packet K+1).
    ReRequest { reply_id: &'a str, index: usize },
    /// Not a request: why.
    Invalid(&'static str),
}

/// Classify a TO_HOST value. `is_reply` tells whether an id is one of a remembered reply,
/// so that a re-request is recognised by the id it names (B2: `K.` ‖ id ‖ `9`), not only by
/// its length; an id of 7 digits ending in `9` is always a re-request (the sprite's own ids
/// end in `0`), answered or not (B13).
pub(crate) fn classify<'a>(value: &'a str, is_reply: impl Fn(&str) -> bool) -> Inbound<'a> {
    let Some((raw, id)) = value.split_once('.') else {
        return Inbound::Invalid("no '.' in the value");
    };
    if id.contains('.') {
        return Inbound::Invalid("more than one '.' in the value");
    }
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Inbound::Invalid("the request id is not digits");
    }
    if let Some(reply_id) = id.strip_suffix('9') {
        if id.len() == 7 || is_reply(reply_id) {
            let digits = !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit());
            return match raw.parse::<usize>() {
                Ok(index) if digits => Inbound::ReRequest { reply_id, index },
                _ => Inbound::Invalid("a packet re-request without a packet number"),
            };
        }
    }
    match raw.strip_prefix('-') {
        Some(digits) => Inbound::Part { id, digits },
        None => Inbound::Last { id, digits: raw },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> bool {
        false
    }

    #[test]
    fn values() {
        let last = |id, digits| Inbound::Last { id, digits };
        assert_eq!(
            classify("51374733.417950", none),
            last("417950", "51374733")
        );
        assert_eq!(classify(".417950", none), last("417950", ""));
        assert_eq!(
            classify("-2125.417950", none),
            Inbound::Part {
                id: "417950",
                digits: "2125"
            }
        );
        assert_eq!(
            classify("1.4179509", none),
            Inbound::ReRequest {
                reply_id: "417950",
                index: 1
            }
        );
        // A longer id of a remembered reply + 9 (B2) is a re-request too.
        assert_eq!(
            classify("0.10000000078259", |id| id == "1000000007825"),
            Inbound::ReRequest {
                reply_id: "1000000007825",
                index: 0
            }
        );
        for bad in [
            "51374733",
            "51374733.1.417950",
            "x.4179509",
            "12.41a950",
            "1.",
        ] {
            assert!(matches!(classify(bad, none), Inbound::Invalid(_)), "{bad}");
        }
    }
}
