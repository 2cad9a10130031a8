//! Cloud-log JSON (`parse_log_page`) and what is computed from its entries: names,
//! timestamps, FROM_CLIENT client ids, value matching and paging.
//! Invariants: no panic; `same_value` is symmetric and reflexive; a client id read from a
//! value is 5 digits; the pager never returns more entries than it was fed.
#![no_main]
use libfuzzer_sys::fuzz_target;
use scratchcomm_accounts::{
    from_client_id, newest_of_client, parse_log_page, pick_setter, same_value,
};
use scratchcomm_accounts::{LogPager, LogQuery};
use scratchcomm_wire::ProjectId;

fuzz_target!(|data: &[u8]| {
    let Ok(entries) = parse_log_page("https://logs.invalid/?projectid=1", data) else {
        return;
    };
    for e in &entries {
        let _ = (e.short_name(), e.timestamp());
        assert!(
            same_value(&e.value, &e.value),
            "a value differs from itself"
        );
        if let Some(id) = from_client_id(e.value.as_str()) {
            assert!(id.len() == 5 && id.bytes().all(|b| b.is_ascii_digit()));
            assert!(newest_of_client(&entries, &id).is_some());
        }
    }
    for a in entries.iter().take(8) {
        for b in entries.iter().take(8) {
            assert_eq!(
                same_value(&a.value, &b.value),
                same_value(&b.value, &a.value)
            );
        }
        let _ = pick_setter(&entries, &a.value, entries.len() % 3);
    }
    let query = LogQuery::new(ProjectId::new("1").expect("id"));
    let mut pager = LogPager::new(&query, 3);
    let fed = entries.len();
    pager.feed(entries);
    let _ = pager.next_request();
    assert!(pager.finish().len() <= fed);
});
