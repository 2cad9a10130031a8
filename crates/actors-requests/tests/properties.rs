//! Properties: the parsers never panic, and whatever the sprite serialises (§8.1) the lenient
//! parser reads back as the sprite meant it (arguments without `;`, which the sprite does
//! not escape): as numbers where it sent them raw, and as the typed text for `String`
//! parameters.

use actors_requests::{
    parse_message, serialize_request, CallArgs, Caller, FromRequest, ParseOptions, Rest, Value,
};
use actors_requests::{parse_normal, parse_normal_lenient, parse_python};
use proptest::prelude::*;

fn names(name: &str) -> Option<bool> {
    matches!(name, "echo" | "a" | "b5").then_some(true)
}

/// What the sprite means by an argument: the number JavaScript reads when it sends it raw,
/// else the text.
fn meant(arg: &str) -> Value {
    if !scratchcomm_wire::is_scratch_numeric(arg) {
        return Value::from(arg);
    }
    let parsed = parse_message(&format!("echo {arg}"), &names, ParseOptions::lenient())
        .expect("a raw number parses");
    parsed[0].args[0].clone()
}

fn number_text() -> impl Strategy<Value = String> {
    let ws = prop_oneof![
        Just(""),
        Just(" "),
        Just("\t"),
        Just("\u{a0}"),
        Just("\u{feff}"),
        Just("\n")
    ];
    let body = prop_oneof![
        "[+-]?[0-9]{1,6}",
        "[+-]?[0-9]{0,4}\\.[0-9]{1,4}",
        "[+-]?[0-9]{1,3}\\.?[eE][+-]?[0-9]{1,3}",
        "0[xX][0-9a-fA-F]{1,6}",
        "0[oO][0-7]{1,6}",
        "0[bB][01]{1,8}",
        "[+-]?Infinity",
        "[0-9]",
    ];
    (ws.clone(), body, ws).prop_map(|(a, b, c)| format!("{a}{b}{c}"))
}

fn argument() -> impl Strategy<Value = String> {
    prop_oneof![
        number_text(),
        "[^;]{0,12}",
        "[a-z'\"\\\\ ]{0,8}",
        "[0-9a-z._ ]{0,6}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parsers_never_panic(text in "\\PC{0,40}", name in "[a-z]{1,4}") {
        let _ = parse_message(&text, &names, ParseOptions::lenient());
        let _ = parse_message(&text, &names, ParseOptions::reference());
        let _ = parse_normal(&text, &name);
        let _ = parse_normal_lenient(&text, &name);
        let _ = parse_python(&text, &name);
    }

    #[test]
    fn python_like_text_never_panics(text in "f\\([0-9a-zA-Z_'\"\\\\(),=.+\\- #jxob]{0,30}\\)") {
        let _ = parse_python(&text, "f");
        let _ = parse_message(&text, &|_: &str| Some(true), ParseOptions::lenient());
    }

    #[test]
    fn lenient_keeps_every_reference_parse(text in "[a-z5 ;'\"\\\\.\\-0-9e]{0,24}") {
        if let Ok(reference) = parse_message(&text, &names, ParseOptions::reference()) {
            prop_assert_eq!(parse_message(&text, &names, ParseOptions::lenient()), Ok(reference));
        }
    }

    #[test]
    fn what_the_sprite_sends_is_read_back(
        name in prop_oneof![Just("echo"), Just("a")],
        args in proptest::collection::vec(argument(), 0..5),
    ) {
        let text = serialize_request(name, &args);
        let parsed = parse_message(&text, &names, ParseOptions::lenient());
        let parsed = parsed.map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
        prop_assert_eq!(parsed.len(), 1, "{:?}", text);
        prop_assert_eq!(&parsed[0].name, name);
        let want: Vec<Value> = args.iter().map(|a| meant(a)).collect();
        prop_assert_eq!(&parsed[0].args, &want, "{:?}", text);
        // A `String` parameter gets the argument as typed (numbers: without the whitespace
        // around them, which the sprite's raw join cannot keep).
        let sub = parsed.into_iter().next().unwrap();
        let mut call = CallArgs::new(Caller::new("1", None), name, sub.args, vec![], vec![])
            .texts(sub.texts);
        let strings = Rest::<String>::from_request(&mut call).unwrap().0;
        let typed: Vec<String> = args
            .iter()
            .map(|a| {
                if scratchcomm_wire::is_scratch_numeric(a) {
                    a.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}').to_string()
                } else {
                    a.clone()
                }
            })
            .collect();
        prop_assert_eq!(strings, typed, "{:?}", text);
    }

    #[test]
    fn raw_numbers_mean_what_javascript_reads(arg in number_text()) {
        prop_assume!(scratchcomm_wire::is_scratch_numeric(&arg));
        let value = meant(&arg);
        let js: f64 = {
            let t = arg.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
            let (neg, body) = match t.strip_prefix('-') {
                Some(b) => (true, b),
                None => (false, t.strip_prefix('+').unwrap_or(t)),
            };
            let lower = body.to_ascii_lowercase();
            let x = if body == "Infinity" {
                f64::INFINITY
            } else if let Some(h) = lower.strip_prefix("0x") {
                i64::from_str_radix(h, 16).unwrap() as f64
            } else if let Some(o) = lower.strip_prefix("0o") {
                i64::from_str_radix(o, 8).unwrap() as f64
            } else if let Some(b) = lower.strip_prefix("0b") {
                i64::from_str_radix(b, 2).unwrap() as f64
            } else {
                let fixed = if lower.starts_with('.') { format!("0{lower}") } else { lower };
                fixed.parse().unwrap()
            };
            if neg { -x } else { x }
        };
        prop_assert_eq!(value.as_f64(), Some(js), "{:?} read as {:?}", arg, value);
    }
}
