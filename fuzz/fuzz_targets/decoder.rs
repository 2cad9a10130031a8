//! The 91-character table codecs: `server_decode` (FROM_CLIENT digits) and `client_decode`
//! (the sprite's TO_CLIENT decoding) on anything, and both round trips.
//! Invariants: no panic; decoding never yields a character outside the table; for any text,
//! `server_decode(client_encode(t))` and `client_decode(server_encode(t))` give the text with
//! every character outside the table replaced by `?` (the sprite per UTF-16 unit).
#![no_main]
use actors_security::{
    client_decode, client_encode, in_table, sanitize, server_decode, server_encode,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = scratchcomm_fuzz::text(data);
    if let Ok(decoded) = server_decode(&text) {
        assert!(
            decoded.chars().all(in_table),
            "server_decode left the table"
        );
        assert!(
            decoded.chars().count() <= text.len() / 2,
            "server_decode grew"
        );
    }
    assert!(client_decode(&text).chars().all(in_table) || text.chars().count() % 2 == 1);

    let sane = sanitize(&text);
    assert_eq!(sane.chars().count(), text.chars().count());
    let encoded = server_encode(&text);
    assert_eq!(encoded.len(), 1 + 2 * text.chars().count());
    assert_eq!(
        client_decode(&encoded[1..]),
        sane,
        "server encoding does not round trip"
    );
    assert_eq!(server_decode(&encoded[1..]).expect("digits"), sane);

    let per_unit: String = text
        .chars()
        .flat_map(|c| {
            let unknown = if in_table(c) { 0 } else { c.len_utf16() };
            std::iter::repeat('?')
                .take(unknown)
                .chain(in_table(c).then_some(c))
        })
        .collect();
    let sprite = client_encode(&text);
    assert_eq!(
        server_decode(&sprite).expect("digits"),
        per_unit,
        "client encoding does not round trip"
    );
});
