//! A cloud frame from any client of a room: `parse_batch` and the value grammar.
//! Invariants: no panic; one result per non-blank line; every parsed `set` survives being
//! sent again (`ClientMessage::to_frame`) and parsed back with the same name and text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use scratchcomm_wire::{
    is_numeral, is_plain_decimal, parse_batch, ClientMessage, CloudValue, Method, VarName,
};

fuzz_target!(|data: &[u8]| {
    let frame = scratchcomm_fuzz::text(data);
    let results = parse_batch(&frame);
    let pieces = frame.split('\n').filter(|p| !p.trim().is_empty()).count();
    assert_eq!(results.len(), pieces, "one result per non-blank line");
    for update in results.into_iter().flatten() {
        if matches!(update.method, Method::Set | Method::Create) {
            let value = update
                .value
                .clone()
                .expect("set without value was accepted");
            let again = ClientMessage::Set {
                name: update.name.clone(),
                value: CloudValue::new(value.as_str()),
                user: "fuzz".into(),
                project_id: serde_json::json!("1"),
            }
            .to_frame();
            let back = parse_batch(&again);
            assert_eq!(back.len(), 1, "re-sent set is one message: {again:?}");
            let back = back
                .into_iter()
                .next()
                .unwrap()
                .expect("re-sent set parses");
            assert_eq!(back.name, update.name);
            assert_eq!(
                back.value.as_ref().map(|v| v.as_str()),
                Some(value.as_str())
            );
        }
        let _ = VarName::literal(&update.name);
        if let Some(v) = &update.value {
            let _ = (is_numeral(v.as_str()), is_plain_decimal(v.as_str()));
        }
    }
    let _ = CloudValue::from_raw_json(&frame);
    let _ = VarName::new(&frame);
    let _ = scratchcomm_wire::ProjectId::new(frame.clone());
});
