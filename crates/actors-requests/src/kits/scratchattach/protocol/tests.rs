use super::*;

fn drain(p: &mut SaProtocol, mut now: Instant) -> Vec<(&'static str, String, Instant)> {
    let mut out = Vec::new();
    for _ in 0..10_000 {
        match p.poll(now) {
            SaPoll::Set { var, value, .. } => out.push((var, value, now)),
            SaPoll::Wait(t) => now = t,
            SaPoll::Idle => break,
        }
    }
    out
}

fn request(p: &mut SaProtocol, value: &str, now: Instant) -> SaRequest {
    match p.on_set("TO_HOST", value, now) {
        Some(SaIncoming::Request(r)) => r,
        other => panic!("{value}: {other:?}"),
    }
}

#[test]
fn requests_and_arguments() {
    let t0 = Instant::now();
    let mut p = SaProtocol::new(SaConfig::turbowarp());
    let r = request(&mut p, "2127279611961319.417950", t0);
    assert_eq!((r.id.as_str(), r.name.as_str()), ("417950", "add"));
    assert_eq!(r.args, ["2", "40"]);
    let r = request(&mut p, "2925354996.417951", t0);
    assert_eq!(r.args, [""]);
    assert_eq!(p.on_set("FROM_HOST_1", "51374733.417952", t0), None);
    assert_eq!(p.on_set("TO_HOST", "51374733.417950", t0), None, "dedupe");
    match p.on_set("TO_HOST", "21.417953", t0) {
        Some(SaIncoming::Request(r)) => assert_eq!(r.name, "a"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn spacing_rules() {
    let t0 = Instant::now();
    let mut p = SaProtocol::new(
        SaConfig::turbowarp()
            .length_limit(256)
            .spacing(Duration::ZERO)
            .part_expiry(Duration::from_secs(60)),
    );
    // Three single-packet replies go out at once, on variables 1, 2, 3.
    for id in ["100000", "100010", "100020"] {
        p.reply(id, &SaReply::Text("x".into())).unwrap();
    }
    let sets = drain(&mut p, t0);
    assert_eq!(
        sets.iter().map(|s| s.0).collect::<Vec<_>>(),
        ["FROM_HOST_1", "FROM_HOST_2", "FROM_HOST_3"]
    );
    assert!(sets.iter().all(|s| s.2 == t0));
    // A 12-packet reply: packets a frame apart, and variable 4 (…) is not reused within
    // three frames of its last set.
    p.reply("100030", &SaReply::Text("a".repeat(122 * 12 - 10)))
        .unwrap();
    let sets = drain(&mut p, t0);
    assert_eq!(sets.len(), 12);
    for w in sets.windows(2) {
        assert!(w[1].2 - w[0].2 >= PACKET_GAP);
    }
    for (i, a) in sets.iter().enumerate() {
        for b in &sets[i + 1..] {
            if a.0 == b.0 {
                assert!(b.2 - a.2 >= VAR_REUSE);
            }
        }
    }
    assert!(sets[11].1.ends_with(".1000302222"));
    // Spacing applies between all sets.
    let mut p = SaProtocol::new(SaConfig::scratch());
    p.reply("1", &SaReply::Text("x".into())).unwrap();
    p.reply("2", &SaReply::Text("y".into())).unwrap();
    let sets = drain(&mut p, t0);
    assert_eq!(sets[1].2 - sets[0].2, Duration::from_millis(100));
}

#[test]
fn re_requests_resend_remembered_packets_final_included() {
    let t0 = Instant::now();
    let mut p = SaProtocol::new(SaConfig::scratch());
    p.reply("417950", &SaReply::Text("z".repeat(200))).unwrap();
    let sent = drain(&mut p, t0);
    assert_eq!(sent.len(), 2);
    // Packet 2 (the final one, B3) asked for as `1.<id>9`, twice before it goes out.
    assert_eq!(p.on_set("TO_HOST", "1.4179509", t0), None);
    assert_eq!(p.on_set("TO_HOST", "1.4179509", t0), None);
    let again = drain(&mut p, t0 + Duration::from_secs(1));
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].1, sent[1].1);
    // The packet goes to the next variable in the rotation.
    assert_eq!(again[0].0, "FROM_HOST_3");
    // Unknown reply ids and packet numbers are ignored (B13).
    assert_eq!(p.on_set("TO_HOST", "0.5555559", t0), None);
    assert_eq!(p.on_set("TO_HOST", "7.4179509", t0), None);
    assert_eq!(p.queued(), 0);
}

#[test]
fn invalid_digits_are_reported() {
    let mut p = SaProtocol::new(SaConfig::turbowarp());
    // A chunk with a non-digit passes framing (the reference decodes later) and fails there.
    match p.on_set("TO_HOST", "2x21.417950", Instant::now()) {
        Some(SaIncoming::Invalid { id, .. }) => assert_eq!(id, "417950"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn server_push_vector() {
    // scratchattach_requests.json `send`: data "hello", id 1000000007825.
    let mut p = SaProtocol::new(SaConfig::turbowarp());
    let id = p.push(&SaReply::Text("hello".into()), 6825).unwrap();
    assert_eq!(id, "1000000007825");
    let sets = drain(&mut p, Instant::now());
    assert_eq!(sets[0].1, "3529434349.10000000078252222");
    assert_eq!(sets[0].0, "FROM_HOST_1");
    // A push whose id ends in 0 still never goes out as a number reply (B8 keeps the
    // reference's id rule: only ids ending in 0 may carry numbers, and 1000 + n never
    // produces a sprite request id).
    let id = p.push(&SaReply::Text("7".into()), 0).unwrap();
    assert_eq!(id, "1000000001000");
}

#[test]
fn validate_names_the_bad_setting() {
    assert!(SaConfig::scratch().validate().is_ok());
    let e = SaConfig::turbowarp()
        .length_limit(12)
        .validate()
        .unwrap_err();
    assert_eq!(e.kind(), crate::RequestErrorKind::InvalidConfig);
    assert!(e.detail().contains("length_limit"));
    let e = SaConfig::turbowarp().part_expiry(Duration::ZERO).validate();
    assert!(e.unwrap_err().detail().contains("part_expiry"));
}
