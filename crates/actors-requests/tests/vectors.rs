//! Every case of `tests/vectors/requests.json` (and the requests in `client_to_server.json`):
//! the reference parses, and the "intended" replies with the vectors' handlers, in both
//! parser modes. The lenient mode differs only where the reference rejects what the sprite
//! sends; those cases are listed here with the reply the lenient mode gives.

use actors_requests::{is_python_call, leading_name, parse_normal, parse_python};
use actors_requests::{Caller, Dispatcher, ParseOptions, Value};
use serde_json::Value as Json;

#[path = "support/vector_handlers.rs"]
mod vector_handlers;
use vector_handlers::{lenient_reply, registry};

use test_support::vectors::load as vectors;

fn intended(case: &Json) -> Option<String> {
    let intended = &case["intended"];
    let sent = intended["responses_sent_by_handler"].as_array().unwrap();
    assert!(sent.len() <= 1);
    match sent.first() {
        Some(reply) => Some(reply.as_str().unwrap().to_string()),
        None => intended["process_request_return"]
            .as_str()
            .map(str::to_string),
    }
}

fn reply(dispatcher: &Dispatcher, message: &str) -> Option<String> {
    let caller = Caller::new("24242", Some("sprite".into()));
    let fut = dispatcher.dispatch(caller, message);
    futures_util::FutureExt::now_or_never(fut)
        .expect("inline handlers finish at once")
        .0
}

fn all_messages() -> Vec<(String, Option<String>)> {
    let v = vectors("requests.json");
    let mut out = Vec::new();
    for case in v["cases"].as_array().unwrap() {
        out.push((
            case["message"].as_str().unwrap().to_string(),
            intended(case),
        ));
    }
    for case in v["sprite_serialization"].as_array().unwrap() {
        out.push((
            case["request_string"].as_str().unwrap().to_string(),
            intended(case),
        ));
    }
    out
}

#[test]
fn reference_mode_gives_every_intended_reply() {
    let d = Dispatcher::new(registry()).parse_options(ParseOptions::reference());
    let messages = all_messages();
    assert_eq!(messages.len(), 53);
    for (message, want) in messages {
        assert_eq!(reply(&d, &message), want, "message {message:?}");
    }
}

#[test]
fn lenient_mode_gives_the_intended_reply_or_accepts_what_the_sprite_sends() {
    let d = Dispatcher::new(registry());
    let mut accepted = 0;
    for (message, want) in all_messages() {
        let got = reply(&d, &message);
        match lenient_reply(&message) {
            Some(lenient) => {
                assert_eq!(
                    want.as_deref(),
                    Some("The command syntax was wrong."),
                    "{message:?}"
                );
                assert_eq!(got.as_deref(), Some(lenient), "message {message:?}");
                accepted += 1;
            }
            None => assert_eq!(got, want, "message {message:?}"),
        }
    }
    assert_eq!(accepted, 12);
}

fn json_value(arg: &Json) -> Value {
    match arg["type"].as_str().unwrap() {
        "int" => Value::from(arg["value"].as_i64().unwrap()),
        "float" => Value::Float(arg["value"].as_str().unwrap().parse().unwrap()),
        "str" => Value::from(arg["value"].as_str().unwrap()),
        other => panic!("unexpected type {other}"),
    }
}

#[test]
fn reference_parses_match() {
    let v = vectors("requests.json");
    let mut checked = 0;
    for case in v["cases"].as_array().unwrap() {
        for sub in case["parsed_sub_requests"].as_array().unwrap() {
            let raw = sub["raw"].as_str().unwrap();
            if sub["skipped"].as_bool() == Some(true) {
                assert_eq!(leading_name(raw), None);
                continue;
            }
            let name = sub["name_token"].as_str().unwrap();
            assert_eq!(leading_name(raw), Some(name));
            let python = sub["syntax"] == "python";
            assert_eq!(is_python_call(raw), python, "{raw:?}");
            let parsed = if python {
                parse_python(raw, name)
            } else {
                parse_normal(raw, name).map(|a| (a, Vec::new()))
            };
            match sub.get("parse_error") {
                Some(_) => assert!(parsed.is_err(), "{raw:?} parsed as {parsed:?}"),
                None => {
                    let (args, kwargs) = parsed.unwrap_or_else(|e| panic!("{raw:?}: {e}"));
                    let want: Vec<Value> = sub["args"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(json_value)
                        .collect();
                    assert_eq!(args, want, "{raw:?}");
                    let want_kw: Vec<(String, Value)> = sub["kwargs"]
                        .as_object()
                        .map(|m| m.iter().map(|(k, a)| (k.clone(), json_value(a))).collect())
                        .unwrap_or_default();
                    assert_eq!(kwargs, want_kw, "{raw:?}");
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 40);
}

#[test]
fn client_to_server_requests_parse() {
    let v = vectors("client_to_server.json");
    let registry = registry();
    let mut seen = 0;
    for case in v["cases"].as_array().unwrap() {
        let Some(parsed) = case.get("parsed") else {
            continue;
        };
        let message = case["server_received"].as_str().unwrap();
        for opts in [ParseOptions::reference(), ParseOptions::lenient()] {
            let subs = actors_requests::parse_message(message, &registry, opts).unwrap();
            assert_eq!(subs.len(), 1);
            assert_eq!(subs[0].name, parsed["name"].as_str().unwrap());
            let args: Vec<Value> = parsed["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(json_value)
                .collect();
            assert_eq!(subs[0].args, args);
            let kwargs: Vec<(String, Value)> = parsed["kwargs"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, a)| (k.clone(), json_value(a)))
                .collect();
            assert_eq!(subs[0].kwargs, kwargs);
        }
        seen += 1;
    }
    assert_eq!(seen, 2);
}
