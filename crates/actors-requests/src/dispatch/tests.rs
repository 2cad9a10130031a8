use std::sync::atomic::{AtomicU32, Ordering};

use super::*;
use crate::{ErrorMessage, Failure, Outcome};
use futures_util::FutureExt;

fn caller() -> Caller {
    Caller::new("11111", Some("alice".into()))
}

fn run(d: &Dispatcher, text: &str) -> (Option<String>, Vec<RequestEvent>) {
    d.dispatch(caller(), text)
        .now_or_never()
        .expect("finishes at once")
}

fn registry() -> Registry {
    let mut r = Registry::new();
    r.request("ping", || "pong");
    r.request("add", |a: i64, b: i64| a + b).params(["a", "b"]);
    r.request("boom", || -> String { panic!("kaboom") });
    r.request("fail", || -> Result<i32, Failure> {
        Err(Failure::new("disk on fire"))
    });
    r.request("msg", || -> Result<i32, ErrorMessage> {
        Err(ErrorMessage::new("no such item"))
    });
    r.request("me", |c: Caller| {
        format!("{}:{}", c.client_id, c.username.unwrap_or_default())
    });
    r.request("nothing", || {});
    r.request("maybe", |x: Option<i64>| x);
    r.request_async("later", |s: String| async move { s.to_uppercase() });
    r.request_async("aboom", || async { panic!("async kaboom") as String });
    r
}

#[test]
fn typed_arguments_and_replies() {
    let d = Dispatcher::new(registry());
    assert_eq!(run(&d, "add 2 3").0.as_deref(), Some("5"));
    assert_eq!(run(&d, "add \"2\" \"3\"").0.as_deref(), Some("5"));
    assert_eq!(run(&d, "add(b=3, a=2)").0.as_deref(), Some("5"));
    assert_eq!(run(&d, "add -2 3").0.as_deref(), Some("1"));
    assert_eq!(run(&d, "me").0.as_deref(), Some("11111:alice"));
    assert_eq!(run(&d, "nothing").0.as_deref(), Some("None"));
    assert_eq!(run(&d, "maybe").0.as_deref(), Some("None"));
    assert_eq!(run(&d, "maybe 4").0.as_deref(), Some("4"));
    assert_eq!(run(&d, "later 'abc'").0.as_deref(), Some("ABC"));
    assert_eq!(run(&d, "msg").0.as_deref(), Some("no such item"));
}

#[test]
fn bad_arguments_get_a_clear_reply_and_an_event() {
    let d = Dispatcher::new(registry());
    let (reply, events) = run(&d, "add 'x' 3");
    assert_eq!(
        reply.as_deref(),
        Some("argument 1 (a) of add must be an integer from -9223372036854775808 to 9223372036854775807, got 'x'")
    );
    assert!(
        matches!(&events[..], [RequestEvent::HandlerError { error, .. }] if error.kind() == RequestErrorKind::BadArgument)
    );
    assert_eq!(
        run(&d, "add 1").0.as_deref(),
        Some("argument 2 (b) of add is missing")
    );
    assert_eq!(
        run(&d, "ping 1").0.as_deref(),
        Some("ping takes 0 arguments but 1 were given")
    );
    let fixed = ReplyTexts {
        bad_argument: Some("Bad arguments.".into()),
        ..ReplyTexts::default()
    };
    let d = Dispatcher::new(registry()).replies(fixed);
    assert_eq!(run(&d, "add 1").0.as_deref(), Some("Bad arguments."));
}

#[test]
fn only_the_last_sub_request_replies() {
    let d = Dispatcher::new(registry());
    assert_eq!(run(&d, "add 1 1; ping").0.as_deref(), Some("pong"));
    assert_eq!(run(&d, "ping; msg").0.as_deref(), Some("no such item"));
    assert_eq!(run(&d, "msg; ping").0.as_deref(), Some("pong"));
    assert_eq!(run(&d, ";;").0, None);
    assert_eq!(run(&d, "").0, None);
}

#[test]
fn failures_stop_later_sub_requests() {
    let count = std::sync::Arc::new(AtomicU32::new(0));
    let mut r = registry();
    let c = count.clone();
    r.request("count", move || c.fetch_add(1, Ordering::SeqCst));
    let d = Dispatcher::new(r);
    let (reply, events) = run(&d, "count; boom; count");
    assert_eq!(reply.as_deref(), Some("Something went wrong."));
    assert_eq!(count.load(Ordering::SeqCst), 1);
    match &events[..] {
        [RequestEvent::HandlerError { request, error, .. }] => {
            assert_eq!(request, "boom");
            assert_eq!(error.kind(), RequestErrorKind::Panic);
            assert_eq!(error.detail(), "kaboom");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(run(&d, "fail").0.as_deref(), Some("Something went wrong."));
    assert_eq!(run(&d, "aboom").0.as_deref(), Some("Something went wrong."));
    assert_eq!(
        run(&d, "add 'x' 1; count")
            .0
            .as_deref()
            .map(|s| s.starts_with("argument 1")),
        Some(true)
    );
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[test]
fn syntax_errors_and_unknown_requests() {
    let replies = ReplyTexts {
        syntax_error: "Syntax!".into(),
        unknown_request: "Unknown!".into(),
        failure: "Oops!".into(),
        bad_argument: None,
    };
    let d = Dispatcher::new(registry()).replies(replies);
    let (reply, events) = run(&d, "ping 'a'b");
    assert_eq!(reply.as_deref(), Some("Syntax!"));
    assert!(
        matches!(&events[..], [RequestEvent::InvalidSyntax { content, .. }] if content == "ping 'a'b")
    );
    assert_eq!(run(&d, "nope").0.as_deref(), Some("Unknown!"));
    assert_eq!(run(&d, "ping; nope").0.as_deref(), Some("Unknown!"));
    assert_eq!(run(&d, "fail").0.as_deref(), Some("Oops!"));
    let d = Dispatcher::new(registry());
    assert_eq!(
        run(&d, "nope").0.as_deref(),
        Some("The command syntax was wrong.")
    );
}

#[test]
fn error_hook_can_retry_once() {
    let tries = std::sync::Arc::new(AtomicU32::new(0));
    let mut r = Registry::new();
    let t = tries.clone();
    r.request("flaky", move || -> Result<&str, Failure> {
        match t.fetch_add(1, Ordering::SeqCst) {
            0 => Err(Failure::new("first try fails")),
            _ => Ok("ok"),
        }
    });
    r.request("broken", || -> Result<&str, Failure> {
        Err(Failure::new("always"))
    });
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let s = seen.clone();
    let d = Dispatcher::new(r).on_error(move |f| {
        s.lock().unwrap().push((f.request.name.clone(), f.attempt));
        ErrorAction::Retry
    });
    assert_eq!(run(&d, "flaky").0.as_deref(), Some("ok"));
    assert_eq!(tries.load(Ordering::SeqCst), 2);
    assert_eq!(
        run(&d, "broken").0.as_deref(),
        Some("Something went wrong.")
    );
    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            ("flaky".to_string(), 1),
            ("broken".to_string(), 1),
            ("broken".to_string(), 2)
        ]
    );
}

#[test]
fn error_hook_can_choose_the_reply() {
    let mut r = Registry::new();
    r.request("broken", || -> Result<&str, Failure> {
        Err(Failure::new("always"))
    });
    let d = Dispatcher::new(r.clone())
        .on_error(|f| ErrorAction::Reply(format!("sorry: {}", f.failure.message())));
    assert_eq!(run(&d, "broken").0.as_deref(), Some("sorry: always"));
    let d = Dispatcher::new(r).on_error(|_| ErrorAction::Silent);
    assert_eq!(run(&d, "broken").0, None);
}

#[test]
fn the_state_machine_hands_out_jobs_one_by_one() {
    let d = Dispatcher::new(registry());
    let mut dispatch = d.begin(caller(), "ping; later 'x'; add 1 2");
    let job = dispatch.next_job().unwrap();
    assert_eq!(
        (job.request(), job.is_inline(), job.is_async()),
        ("ping", false, false)
    );
    dispatch.complete(job.run_blocking());
    let job = dispatch.next_job().unwrap();
    assert_eq!(
        (job.request(), job.is_inline(), job.is_async()),
        ("later", true, true)
    );
    assert_eq!(job.run_blocking(), Outcome::Reply("X".into()));
    dispatch.complete(Outcome::Reply("X".into()));
    let job = dispatch.next_job().unwrap();
    assert_eq!(job.request(), "add");
    // The driver decides the outcome; the state machine only applies the rules.
    dispatch.complete(Outcome::Reply("from the driver".into()));
    assert!(dispatch.next_job().is_none());
    assert_eq!(dispatch.finish().0.as_deref(), Some("from the driver"));
}

#[test]
fn invalid_names_are_reported_by_validate() {
    let mut r = Registry::new();
    r.request("ok_name", || 1);
    assert!(r.validate().is_ok());
    r.request("not a name", || 1);
    assert_eq!(
        r.validate().unwrap_err().kind(),
        RequestErrorKind::InvalidName
    );
}

#[test]
fn inline_blocking_handlers_run_on_the_driver() {
    let mut r = Registry::new();
    r.request("quick", || 1).inline(true);
    r.request("pooled", || 2);
    let d = Dispatcher::new(r);
    let mut dispatch = d.begin(caller(), "quick; pooled");
    let quick = dispatch.next_job().unwrap();
    assert!(quick.is_inline() && !quick.is_async());
    dispatch.complete(quick.run_blocking());
    let pooled = dispatch.next_job().unwrap();
    assert!(!pooled.is_inline());
    dispatch.complete(pooled.run_blocking());
    assert_eq!(dispatch.finish().0.as_deref(), Some("2"));
}

#[test]
fn string_parameters_get_what_the_sprite_sent() {
    let mut r = Registry::new();
    r.request("say", |s: String| s);
    r.request("code", |c: char| c);
    r.request("raw", |v: Value| v);
    let d = Dispatcher::new(r);
    for (text, want) in [
        ("say 007", "007"),
        ("say 1e3", "1e3"),
        ("say 0x1A", "0x1A"),
        ("say  5", "5"),
        ("say Infinity", "Infinity"),
        ("say 5.", "5."),
        ("say 'x'", "x"),
        ("say(7.50)", "7.5"),
        ("code 7", "7"),
        ("raw 007", "7"),
        ("raw 1e3", "1000.0"),
    ] {
        assert_eq!(run(&d, text).0.as_deref(), Some(want), "{text:?}");
    }
}

#[test]
fn served_names_the_last_sub_request_or_the_raw_text() {
    let d = Dispatcher::new(registry());
    let mut dispatch = d.begin(caller(), "ping; add 1 2");
    assert_eq!(dispatch.label(), "ping; add 1 2");
    while let Some(job) = dispatch.next_job() {
        let outcome = job.run_blocking();
        dispatch.complete(outcome);
    }
    assert_eq!(dispatch.label(), "add");
    // The driver owns the clock: the elapsed time is whatever it measured.
    let served = dispatch.served(Duration::from_millis(7), true);
    match served {
        RequestEvent::Served {
            caller: who,
            request,
            elapsed,
            replied,
        } => {
            assert_eq!(who, caller());
            assert_eq!(
                (request.as_str(), elapsed, replied),
                ("add", Duration::from_millis(7), true)
            );
        }
        other => panic!("not served: {other:?}"),
    }
    // A failure stops later sub-requests: the failing one is the last that ran.
    let mut dispatch = d.begin(caller(), "fail; ping");
    while let Some(job) = dispatch.next_job() {
        let outcome = job.run_blocking();
        dispatch.complete(outcome);
    }
    assert_eq!(dispatch.label(), "fail");
    // Nothing parsed: the raw text.
    let dispatch = d.begin(caller(), "nope 1");
    assert_eq!(dispatch.label(), "nope 1");
    assert!(matches!(
        dispatch.served(Duration::ZERO, true),
        RequestEvent::Served { request, .. } if request == "nope 1"
    ));
}
