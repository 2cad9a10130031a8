//! scratchattach's Cloud Requests kit (`SaProtocol`): TO_HOST values (framing, reassembly,
//! the 35-id dedupe, packet re-requests) and replies, fed from a clock.
//! Invariants: no panic; a request sent as the sprite sends it (245-digit `-chunk.id` parts
//! then `rest.id`), with any other ids' parts and raw values interleaved, comes back once,
//! whole (its name and `&`-split arguments), and its final value repeated is ignored; every
//! FROM_HOST set is at most `length_limit − 1` characters; sets are spaced by the config.
#![no_main]
use actors_requests::{sa_decode, sa_encode, SaConfig, SaIncoming, SaPoll, SaProtocol, SaReply};
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use std::collections::HashSet;
use std::time::{Duration, Instant};

#[derive(Arbitrary, Debug)]
enum Op {
    /// Any value of any variable.
    Raw { to_host: bool, value: String },
    /// A whole request, in order, with `noise` raw values between its parts.
    Request {
        id: u32,
        text: String,
        noise: Vec<String>,
        repeat_last: bool,
    },
    /// Answer request `id` (6 digits) with text or a list.
    Reply {
        id: u32,
        text: String,
        list: Option<Vec<String>>,
    },
    /// A server push.
    Push { text: String, nonce: u16 },
    /// Let time pass and make the due sets.
    Tick { millis: u16 },
}

#[derive(Arbitrary, Debug)]
struct Input {
    turbowarp: bool,
    limit: u8,
    ops: Vec<Op>,
}

const CHUNK: usize = 245;

fn feed(p: &mut SaProtocol, value: &str, now: Instant) -> Option<SaIncoming> {
    p.on_set("TO_HOST", value, now)
}

/// Feeds a raw value and marks the id it names: its request may now hold foreign parts.
fn feed_raw(p: &mut SaProtocol, value: &str, now: Instant, tainted: &mut HashSet<String>) {
    if let Some((_, id)) = value.rsplit_once('.') {
        tainted.insert(id.to_owned());
    }
    let _ = feed(p, value, now);
}

fuzz_target!(|input: Input| {
    let mut config = if input.turbowarp {
        SaConfig::turbowarp()
    } else {
        SaConfig::scratch()
    };
    // Small limits too, so replies split into many packets.
    config = config.length_limit(20 + usize::from(input.limit) * 2);
    let mut p = SaProtocol::new(config);
    let start = Instant::now();
    let mut now = start;
    let mut last_set: Option<Instant> = None;
    let mut answered: Vec<String> = Vec::new();
    let mut tainted: HashSet<String> = HashSet::new();
    for op in input.ops.into_iter().take(48) {
        match op {
            Op::Raw { to_host, value } => {
                if to_host {
                    feed_raw(&mut p, &value, now, &mut tainted);
                } else {
                    let _ = p.on_set("FROM_HOST_1", &value, now);
                }
            }
            Op::Request {
                id,
                text,
                noise,
                repeat_last,
            } => {
                // The sprite's ids: 6 digits, first one not 0, last one not 9 (§4).
                let id = format!("{}", 100_000 + id % 899_999);
                if id.ends_with('9') || answered.contains(&id) || tainted.contains(&id) {
                    continue;
                }
                let digits = sa_encode(&text);
                let chunks: Vec<&str> = if digits.is_empty() {
                    vec![""]
                } else {
                    (0..digits.len())
                        .step_by(CHUNK)
                        .map(|i| &digits[i..(i + CHUNK).min(digits.len())])
                        .collect()
                };
                let mut noise = noise.into_iter();
                let mut got = None;
                for (i, chunk) in chunks.iter().enumerate() {
                    let value = if i + 1 < chunks.len() {
                        format!("-{chunk}.{id}")
                    } else {
                        format!("{chunk}.{id}")
                    };
                    if let Some(n) = noise.next() {
                        // Noise must not be a part of this request.
                        if !n.ends_with(&format!(".{id}")) {
                            feed_raw(&mut p, &n, now, &mut tainted);
                        }
                    }
                    if let Some(r) = feed(&mut p, &value, now) {
                        assert!(got.is_none(), "a request completed twice");
                        got = Some(r);
                    }
                }
                answered.push(id.clone());
                if answered.len() > 30 {
                    answered.remove(0);
                }
                // Noise may have completed this id first (a `rest.id` value); then skip.
                let Some(got) = got else { continue };
                let expected = sa_decode(&digits).expect("the server's encoding decodes");
                match got {
                    SaIncoming::Request(r) => {
                        assert_eq!(r.id, id);
                        let mut pieces = expected.split('&');
                        assert_eq!(Some(r.name.as_str()), pieces.next());
                        assert!(r.args.iter().map(String::as_str).eq(pieces));
                    }
                    SaIncoming::Invalid { id, text, error } => {
                        panic!("request {id} ({text:?}) came back invalid: {error}")
                    }
                }
                if repeat_last {
                    let last = format!("{}.{id}", chunks.last().expect("one chunk at least"));
                    assert!(
                        feed(&mut p, &last, now).is_none(),
                        "a repeated final value completed a request again"
                    );
                }
            }
            Op::Reply { id, text, list } => {
                let id = format!("{}", 100_000 + id % 899_999);
                let reply = match list {
                    Some(items) => SaReply::List(items),
                    None => SaReply::Text(text),
                };
                let _ = p.reply(&id, &reply);
            }
            Op::Push { text, nonce } => {
                let _ = p.push(&SaReply::Text(text), nonce);
            }
            Op::Tick { millis } => {
                now += Duration::from_millis(u64::from(millis));
                for _ in 0..64 {
                    match p.poll(now) {
                        SaPoll::Set { var, value, .. } => {
                            assert!(var.starts_with("FROM_HOST_"));
                            assert!(
                                value.chars().count() < config.get_length_limit(),
                                "a set beyond the length limit"
                            );
                            if let Some(t) = last_set {
                                assert!(
                                    now - t >= config.get_spacing(),
                                    "sets closer than spacing"
                                );
                            }
                            last_set = Some(now);
                        }
                        SaPoll::Wait(t) => {
                            assert!(t > now, "told to wait for the past");
                            break;
                        }
                        SaPoll::Idle => break,
                    }
                }
            }
        }
    }
});
