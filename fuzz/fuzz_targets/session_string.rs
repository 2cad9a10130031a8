//! Session strings (`SessionStringData::decode`, the reference's Base64 JSON) and their
//! round trip. Invariants: no panic on any text; `decode(encode(d))` gives back every field
//! of any `d` (Python-style JSON escapes included); the encoded text is standard Base64.
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use scratchcomm_accounts::{Password, SessionId, SessionStringData, XToken};

#[derive(Arbitrary, Debug)]
struct Input {
    raw: String,
    username: Option<String>,
    session_id: Option<String>,
    xtoken: Option<String>,
    password: Option<String>,
}

fuzz_target!(|input: Input| {
    if let Ok(d) = SessionStringData::decode(&input.raw) {
        // What loads must save and load to the same thing.
        let again = SessionStringData::decode(&d.encode()).expect("re-encoded string loads");
        assert_eq!(again.username, d.username);
        assert_eq!(
            again.session_id.as_ref().map(|s| s.expose().to_owned()),
            d.session_id.as_ref().map(|s| s.expose().to_owned())
        );
    }
    let data = SessionStringData {
        username: input.username.clone(),
        session_id: input.session_id.clone().map(SessionId::new),
        xtoken: input.xtoken.clone().map(XToken::new),
        password: input.password.clone().map(Password::new),
    };
    let encoded = data.encode();
    assert!(encoded
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)));
    let back = SessionStringData::decode(&encoded).expect("own session string loads");
    assert_eq!(back.username, input.username);
    assert_eq!(
        back.session_id.as_ref().map(|s| s.expose()),
        input.session_id.as_deref()
    );
    assert_eq!(
        back.xtoken.as_ref().map(|s| s.expose()),
        input.xtoken.as_deref()
    );
    assert_eq!(
        back.password.as_ref().map(|s| s.expose()),
        input.password.as_deref()
    );
});
