//! The case table: one line per case. A case is a script of [`Step`]s; its outcome (what
//! every client received and how its connection ended) must be the same on both servers,
//! unless the case is listed in [`DIFFERENCES`].

use super::client::{frame, text, BINARY, CLOSE, PING, TEXT};
use super::run::Step::{self, Connect, Idle, Quick, Raw, RawThenWait, Text};
use std::time::Duration;

/// One scripted session.
pub struct Case {
    pub name: &'static str,
    pub steps: Vec<Step>,
}

/// Cases whose outcomes differ on purpose (each is in the crate docs, "Deliberate
/// differences from TurboWarp's server"): `(case, reason)`. The suite checks that they do
/// differ, so this list and the docs cannot go stale.
pub const DIFFERENCES: &[(&str, &str)] = &[
    (
        "name_object",
        "a JSON object or array as a variable name closes with 4000; TurboWarp keys its Map \
         by the object's identity, so every such set makes a new variable no name can reach",
    ),
    (
        "name_unpaired_surrogate",
        "a string that is not valid Unicode closes with 4000 (Rust strings are UTF-8)",
    ),
    (
        "user_scratch_team_name",
        "no list of Scratch Team usernames is shipped (TurboWarp's impersonation filter)",
    ),
    (
        "no_handshake",
        "a connection without a handshake is closed with 4000 after handshake_timeout (10 s); \
         TurboWarp drops it without a close frame at its next 30 s check after 30 s",
    ),
];

fn c(name: &'static str, steps: Vec<Step>) -> Case {
    Case { name, steps }
}

/// Client k joins the case's room as `u<k>`.
fn join(k: usize) -> Step {
    Text(k, hs(r#""$P""#, &format!("\"u{k}\"")))
}

/// A handshake message with raw JSON for `project_id` and `user`.
fn hs(project: &str, user: &str) -> String {
    format!(r#"{{"method":"handshake","project_id":{project},"user":{user}}}"#)
}

/// Client k sends a `set` with raw JSON for name and value.
fn set(k: usize, name: &str, value: &str) -> Step {
    Text(k, set_msg(name, value))
}

fn set_msg(name: &str, value: &str) -> String {
    format!(r#"{{"method":"set","name":{name},"value":{value}}}"#)
}

/// Client 1 watches client 0 set `☁ v` to `value` (raw JSON).
fn value(v: &str) -> Vec<Step> {
    vec![join(0), join(1), set(0, r#""☁ v""#, v), join(2)]
}

/// Client 1 watches client 0 set the variable `name` (raw JSON) to 7.
fn name(n: &str) -> Vec<Step> {
    vec![join(0), join(1), set(0, n, "7"), join(2)]
}

fn send(k: usize, t: &str) -> Step {
    Text(k, t.to_owned())
}

fn cookie(k: usize, v: &str) -> Step {
    Connect(k, vec![("Cookie", v.to_owned())])
}

/// A masked header (no payload) declaring `len` payload bytes.
fn declared(opcode: u8, len: u64) -> Vec<u8> {
    let mut f = vec![0x80 | opcode, 0x80 | 127];
    f.extend(len.to_be_bytes());
    f.extend([1, 2, 3, 4]);
    f
}

/// `n` steps made by `f(i)`.
fn many(n: usize, f: impl Fn(usize) -> Step) -> Vec<Step> {
    (0..n).map(f).collect()
}

fn cat(parts: Vec<Vec<Step>>) -> Vec<Step> {
    parts.concat()
}

const MIB: usize = 1024 * 1024;

/// A `set` message of exactly 1 MiB (its value far too long to be stored).
fn exactly_1_mib() -> String {
    let base = set_msg(r#""☁ x""#, r#""""#).len();
    set_msg(r#""☁ x""#, &format!("\"{}\"", "1".repeat(MIB - base)))
}

/// Cases that wait for the servers' timers (tens of seconds): run beside the others.
#[rustfmt::skip]
pub fn slow_cases() -> Vec<Case> {
    vec![
        // Handshake timeout: ours closes with 4000 at 10 s; TurboWarp's ConnectionManager
        // checks every 30 s (every second on the TurboWarp the slow cases run against) and
        // drops connections older than 30 s without a room, so by 60 s it has dropped this
        // one (the client answers pings: it is the handshake rule).
        c("no_handshake", vec![Idle(0, Duration::from_secs(65))]),
        // A handshake late but within both servers' limits is served as usual.
        c("handshake_after_5_s", vec![Idle(0, Duration::from_secs(5)), join(0), join(1), set(0, r#""☁ x""#, "1")]),
    ]
}

/// Every case, one per line.
#[rustfmt::skip]
pub fn cases() -> Vec<Case> {
    let set_x = set_msg(r#""☁ x""#, r#""1""#);
    vec![
        // Values: which are relayed and stored, and in what form.
        c("value_integer_string", value(r#""12""#)),
        c("value_negative_decimal", value(r#""-3.25""#)),
        c("value_empty_string", value(r#""""#)),
        c("value_leading_zeros", value(r#""007""#)),
        c("value_dot_only", value(r#"".""#)),
        c("value_dash_only", value(r#""-""#)),
        c("value_dash_dot", value(r#""-.""#)),
        c("value_trailing_dot", value(r#""5.""#)),
        c("value_leading_dot", value(r#"".5""#)),
        c("value_exponent_lower", value(r#""1e5""#)),
        c("value_exponent_upper", value(r#""1E5""#)),
        c("value_plus_sign", value(r#""+5""#)),
        c("value_space", value(r#"" 5""#)),
        c("value_two_points", value(r#""1.2.3""#)),
        c("value_letters", value(r#""abc""#)),
        c("value_hex", value(r#""0x10""#)),
        c("value_arabic_digits", value(r#""١٢""#)),
        c("value_number_integer", value("42")),
        c("value_number_negative_zero", value("-0")),
        c("value_number_small", value("-1.5e-3")),
        c("value_number_30_digits", value("123456789012345678901234567890")),
        c("value_number_overflow", value("1e400")),
        c("value_number_underflow", value("1e-400")),
        c("value_number_1e21", value("1e21")),
        c("value_number_exponent_upper", value("1E5")),
        c("value_number_long_fraction", value("0.1000000000000000055511151231257827")),
        c("value_number_max", value("1.7976931348623157e308")),
        c("value_true", value("true")),
        c("value_null", value("null")),
        c("value_array", value("[1]")),
        c("value_object", value("{}")),
        c("value_nested_200_deep", value(&format!("{}{}", "[".repeat(200), "]".repeat(200)))),
        c("value_missing", vec![join(0), join(1), send(0, r#"{"method":"set","name":"☁ v"}"#), join(2)]),
        c("value_100000_digits", value(&format!("\"{}\"", "9".repeat(100_000)))),
        c("value_100001_digits", value(&format!("\"{}\"", "9".repeat(100_001)))),
        // Names: TurboWarp relays whatever name it gets.
        c("name_without_prefix", name(r#""x""#)),
        c("name_cloud_without_space", name(r#""☁n""#)),
        c("name_prefix_only", name(r#""☁ ""#)),
        c("name_other_prefix", name(r#"":cloud: x""#)),
        c("name_1025_chars", name(&format!("\"☁ {}\"", "a".repeat(1023)))),
        c("name_empty", name(r#""""#)),
        c("name_number", name("5")),
        c("name_number_overflow", name("1e400")),
        c("name_null", name("null")),
        c("name_true", name("true")),
        c("name_missing", vec![join(0), join(1), send(0, r#"{"method":"set","value":"3"}"#), join(2)]),
        c("name_escapes", name(r#""☁ a\"b\\c\n\u0001\u2028é""#)),
        c("name_object", name("{}")),
        c("name_unpaired_surrogate", name(r#""☁ \ud800""#)),
        c("name_number_and_string_differ", vec![join(0), join(1), set(0, "5", "1"), set(0, r#""5""#, "2"), set(0, "5.0", "3"), join(2)]),
        // Handshakes: rooms, usernames, order.
        c("project_number_and_string_meet", vec![send(0, &hs("770001", r#""a""#)), send(1, &hs(r#""770001""#, r#""b""#)), set(0, r#""☁ x""#, "1")]),
        c("project_number_forms_meet", vec![send(0, &hs("7.70002e5", r#""a""#)), send(1, &hs(r#""770002""#, r#""b""#)), set(0, r#""☁ x""#, "1")]),
        c("project_array", vec![send(0, &hs(r#"["conf",7,[null,true]]"#, r#""a""#)), send(1, &hs(r#""conf,7,,true""#, r#""b""#)), set(0, r#""☁ x""#, "1")]),
        c("project_object", vec![send(0, &hs("{}", r#""a""#)), send(1, &hs(r#""[object Object]""#, r#""b""#)), set(0, r#""☁ x""#, "1")]),
        c("project_empty_string", vec![send(0, &hs(r#""""#, r#""a""#))]),
        c("project_999_chars", vec![send(0, &hs(&format!("\"{}\"", "p".repeat(999)), r#""a""#)), set(0, r#""☁ x""#, "1")]),
        c("project_1000_chars", vec![send(0, &hs(&format!("\"{}\"", "p".repeat(1000)), r#""a""#))]),
        c("project_missing", vec![send(0, r#"{"method":"handshake","user":"a"}"#), send(1, &hs(r#""undefined""#, r#""b""#)), set(0, r#""☁ x""#, "1")]),
        c("user_20_chars", vec![send(0, &hs(r#""$P""#, &format!("\"{}\"", "a".repeat(20)))), set(0, r#""☁ x""#, "1")]),
        c("user_21_chars", vec![send(0, &hs(r#""$P""#, &format!("\"{}\"", "a".repeat(21))))]),
        c("user_space", vec![send(0, &hs(r#""$P""#, r#""a b""#))]),
        c("user_dash_underscore", vec![send(0, &hs(r#""$P""#, r#""A-b_9""#)), set(0, r#""☁ x""#, "1")]),
        c("user_non_ascii", vec![send(0, &hs(r#""$P""#, r#""é""#))]),
        c("user_empty", vec![send(0, &hs(r#""$P""#, r#""""#))]),
        c("user_number", vec![send(0, &hs(r#""$P""#, "5"))]),
        c("user_missing", vec![send(0, r#"{"method":"handshake","project_id":"$P"}"#)]),
        c("user_scratch_team_name", vec![send(0, &hs(r#""$P""#, r#""chrisg""#)), set(0, r#""☁ x""#, "1")]),
        c("user_same_name_twice", vec![send(0, &hs(r#""$P""#, r#""same""#)), send(1, &hs(r#""$P""#, r#""same""#)), set(0, r#""☁ x""#, "1")]),
        c("bad_project_before_bad_user", vec![send(0, &hs(r#""""#, r#""a b""#))]),
        c("handshake_twice", vec![join(0), join(0)]),
        c("set_before_handshake", vec![send(0, &set_x)]),
        c("create_before_handshake", vec![send(0, r#"{"method":"create","name":"☁ x","value":"1"}"#)]),
        c("delete_before_handshake", vec![send(0, r#"{"method":"delete","name":"☁ x"}"#), join(0)]),
        c("rename_before_handshake", vec![send(0, r#"{"method":"rename","name":"☁ x","new_name":"☁ y"}"#), join(0)]),
        c("unknown_before_handshake", vec![send(0, r#"{"method":"hello"}"#)]),
        // Messages after the handshake.
        c("create_is_relayed_as_set", vec![join(0), join(1), send(0, r#"{"method":"create","name":"☁ x","value":"4"}"#), join(2)]),
        c("delete_is_ignored", vec![join(0), join(1), send(0, &set_x), send(0, r#"{"method":"delete","name":"☁ x"}"#), join(2)]),
        c("delete_missing_is_ignored", vec![join(0), send(0, r#"{"method":"delete","name":"☁ nope"}"#)]),
        c("rename_is_ignored", vec![join(0), join(1), send(0, &set_x), send(0, r#"{"method":"rename","name":"☁ x","new_name":"☁ y"}"#), join(2)]),
        c("unknown_method", vec![join(0), send(0, r#"{"method":"hello"}"#)]),
        c("method_not_string", vec![join(0), send(0, r#"{"method":5}"#)]),
        c("method_missing", vec![join(0), send(0, r#"{"name":"☁ x","value":"1"}"#)]),
        c("not_json", vec![join(0), send(0, "hello")]),
        c("json_array", vec![join(0), send(0, r#"["set","☁ x","1"]"#)]),
        c("json_string", vec![join(0), send(0, r#""set""#)]),
        c("json_null", vec![join(0), send(0, "null")]),
        c("empty_text", vec![join(0), send(0, "")]),
        c("duplicate_keys_last_wins", vec![join(0), join(1), send(0, r#"{"method":"set","name":"☁ x","value":"1","value":"2"}"#)]),
        c("extra_members_dropped", vec![join(0), join(1), send(0, r#"{"method":"set","name":"☁ x","value":"1","user":"z","extra":[1]}"#)]),
        c("whitespace_around_json", vec![join(0), join(1), send(0, "  \t{\"method\":\"set\",\"name\":\"☁ x\",\"value\":\"1\"}\r\n ")]),
        c("unicode_escape_in_method", vec![join(0), join(1), send(0, r#"{"method":"s\u0065t","name":"☁ x","value":"1"}"#)]),
        // Rooms and join dumps.
        c("sender_gets_no_echo", vec![join(0), send(0, &set_x), join(1)]),
        c("empty_room_sends_nothing", vec![join(0), join(1)]),
        c("dump_keeps_creation_order", vec![join(0), set(0, r#""☁ b""#, "1"), set(0, r#""☁ a""#, r#""2""#), set(0, r#""☁ c""#, "3"), set(0, r#""☁ a""#, "4"), join(1)]),
        c("relays_keep_order_per_client", vec![join(0), join(1), join(2), set(0, r#""☁ a""#, "1"), set(1, r#""☁ a""#, "2"), set(0, r#""☁ b""#, "3"), set(2, r#""☁ a""#, "4")]),
        c("rooms_are_separate", vec![join(0), send(1, &hs(r#""$P-other""#, r#""b""#)), send(0, &set_x), send(2, &hs(r#""$P-other""#, r#""c""#))]),
        c("leaving_keeps_variables", vec![join(0), send(0, &set_x), Raw(0, frame(true, 0, CLOSE, &1000u16.to_be_bytes())), join(1)]),
        // Frames: shapes the client sends.
        c("two_messages_in_one_frame", vec![join(0), join(1), send(0, &format!("{set_x}\n{set_x}"))]),
        c("binary_frame_ignored", vec![join(0), join(1), Raw(0, frame(true, 0, BINARY, set_x.as_bytes())), send(0, &set_msg(r#""☁ y""#, "2"))]),
        c("binary_invalid_utf8_ignored", vec![join(0), Raw(0, frame(true, 0, BINARY, &[0xff, 0xfe]))]),
        c("text_invalid_utf8", vec![join(0), Raw(0, frame(true, 0, TEXT, b"{\"method\":\"set\",\"name\":\"\xff\"}"))]),
        c("fragmented_text", vec![join(0), join(1), Raw(0, [frame(false, 0, TEXT, &set_x.as_bytes()[..10]), frame(true, 0, 0, &set_x.as_bytes()[10..])].concat())]),
        c("ping_between_fragments", vec![join(0), join(1), Raw(0, [frame(false, 0, TEXT, &set_x.as_bytes()[..10]), frame(true, 0, PING, b"p"), frame(true, 0, 0, &set_x.as_bytes()[10..])].concat())]),
        c("frame_of_exactly_1_mib", vec![join(0), join(1), send(0, &exactly_1_mib()), send(0, &set_x)]),
        c("frame_over_1_mib", vec![join(0), join(1), Raw(0, text(&format!("\"{}\"", "1".repeat(MIB - 1))))]),
        c("fragments_over_1_mib", vec![join(0), Raw(0, [frame(false, 0, TEXT, &vec![b'1'; 600_000]), frame(true, 0, 0, &vec![b'1'; 600_000])].concat())]),
        c("declared_2_pow_52", vec![join(0), RawThenWait(0, declared(TEXT, 1 << 52))]),
        c("declared_over_1_mib_binary", vec![join(0), RawThenWait(0, declared(BINARY, MIB as u64 + 1))]),
        c("reserved_bit_set", vec![join(0), Raw(0, frame(true, 4, TEXT, set_x.as_bytes()))]),
        c("unknown_opcode", vec![join(0), Raw(0, frame(true, 0, 0x3, b"x"))]),
        c("continuation_without_start", vec![join(0), Raw(0, frame(true, 0, 0, b"x"))]),
        c("ping_over_125_bytes", vec![join(0), Raw(0, frame(true, 0, PING, &[b'p'; 126]))]),
        c("unmasked_frame", vec![join(0), RawThenWait(0, [vec![0x81, 5], b"hello".to_vec()].concat())]),
        c("client_close_is_echoed", vec![join(0), Raw(0, frame(true, 0, CLOSE, &1000u16.to_be_bytes()))]),
        c("client_close_4321_is_echoed", vec![join(0), Raw(0, frame(true, 0, CLOSE, &4321u16.to_be_bytes()))]),
        // Connections.
        c("session_cookie_refused", vec![cookie(0, "scratchsessionsid=abc; other=1")]),
        c("other_cookie_first_accepted", vec![cookie(0, "other=1; scratchsessionsid=abc"), join(0), set(0, r#""☁ x""#, "1"), join(1)]),
        // Limits.
        c("variables_limit_128", cat(vec![vec![join(0), join(1)], many(129, |i| Quick(0, set_msg(&format!("\"☁ v{i}\""), "1"))), vec![join(2)]])),
        c("clients_limit_128", cat(vec![many(129, |i| Quick(i, hs(r#""$P""#, &format!("\"u{i}\"")))), vec![set(0, r#""☁ x""#, "1")]])),
    ]
}
