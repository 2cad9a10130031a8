//! The request bot end to end: an embedded cloud server on loopback, a bot on its own
//! connection, ScratchClients (doing what the sprite does) on theirs.

#[path = "support/harness.rs"]
mod harness;
#[path = "support/vector_handlers.rs"]
mod vector_handlers;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actors_requests::{ParseOptions, RequestBot, RequestErrorKind, RequestEvent};
use actors_socket::SocketErrorKind;
use harness::*;
use vector_handlers::{lenient_reply, registry};

/// Every requests.json case, sent by a client; the expected reply or, for `None`, silence.
async fn vector_cases(secure: bool, parse: ParseOptions) {
    let server = start_server().await;
    let builder = RequestBot::builder(registry()).parse_options(parse);
    let (_cloud, bot) = bot(&server.url(), builder, secure).await;
    let client = client(&server.url(), secure).await;
    let doc = vectors("requests.json");
    let mut count = 0;
    let lenient = parse == ParseOptions::lenient();
    for case in doc["cases"].as_array().unwrap() {
        let message = case["message"].as_str().unwrap();
        let mut want = expected(case, message, lenient);
        if actors_security::sanitize(message) != message {
            // `echo ٣`: characters outside the socket's table travel as `?` (§7.5), and
            // `echo ?` is a syntax error. The digit itself is covered by tests/vectors.rs.
            want = Some("The command syntax was wrong.".to_string());
        }
        client.send(message).await.expect("send");
        check_reply(&client, message, want).await;
        count += 1;
    }
    for case in doc["sprite_serialization"].as_array().unwrap() {
        let name = case["request_name"].as_str().unwrap();
        let args: Vec<&str> = case["arguments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        let message = case["request_string"].as_str().unwrap();
        let want = expected(case, message, lenient).expect("every sprite request is answered");
        let got = client.request(name, &args, WAIT).await.expect("reply");
        assert_eq!(got, want, "request {name} {args:?}");
        count += 1;
    }
    assert_eq!(count, 53);
    bot.stop().await;
    server.stop().await;
}

fn expected(case: &serde_json::Value, message: &str, lenient: bool) -> Option<String> {
    if lenient {
        if let Some(reply) = lenient_reply(message) {
            return Some(reply.to_string());
        }
    }
    let intended = &case["intended"];
    match intended["responses_sent_by_handler"]
        .as_array()
        .unwrap()
        .first()
    {
        Some(reply) => Some(reply.as_str().unwrap().to_string()),
        None => intended["process_request_return"]
            .as_str()
            .map(str::to_string),
    }
}

async fn check_reply(client: &actors_socket::ScratchClient, message: &str, want: Option<String>) {
    match want {
        Some(want) => {
            let got = client
                .recv(WAIT)
                .await
                .unwrap_or_else(|e| panic!("{message:?}: {e}"));
            assert_eq!(got, want, "message {message:?}");
        }
        None => {
            // No reply: the next message must not be preceded by anything.
            let got = client.recv(Duration::from_secs(2)).await;
            assert_eq!(
                got.unwrap_err().kind(),
                SocketErrorKind::Timeout,
                "{message:?}"
            );
        }
    }
}

#[actix_rt::test]
async fn vectors_insecure_reference_mode() {
    vector_cases(false, ParseOptions::reference()).await;
}

#[actix_rt::test]
async fn vectors_secure_lenient_mode() {
    vector_cases(true, ParseOptions::lenient()).await;
}

#[actix_rt::test]
async fn panics_unknown_requests_and_the_caller() {
    let server = start_server().await;
    let mut requests = registry();
    requests.request("boom", || -> String { panic!("kaboom") });
    requests.request_async("aboom", || async { panic!("async kaboom") as String });
    requests.request("whoami", |c: actors_requests::Caller| c.client_id);
    let (_cloud, bot) = bot(&server.url(), RequestBot::builder(requests), false).await;
    let mut events = bot.events();
    let client = client(&server.url(), false).await;
    assert_eq!(ask(&client, "boom").await, "Something went wrong.");
    assert_eq!(ask(&client, "aboom").await, "Something went wrong.");
    assert_eq!(
        ask(&client, "nope 1").await,
        "The command syntax was wrong."
    );
    // The bot survived and knows who is calling.
    assert_eq!(ask(&client, "ping").await, "pong");
    assert_eq!(ask(&client, "whoami").await, client.client_id().to_string());
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let event = tokio::time::timeout(WAIT, events.next_event())
            .await
            .expect("event in time");
        match event.expect("event") {
            // Every message is also reported as served (see the latency test).
            RequestEvent::Served { .. } => {}
            event => seen.push(event),
        }
    }
    let panics: Vec<&str> = seen
        .iter()
        .filter_map(|e| match e {
            RequestEvent::HandlerError { error, request, .. }
                if error.kind() == RequestErrorKind::Panic =>
            {
                Some(request.as_str())
            }
            _ => None,
        })
        .collect();
    assert_eq!(panics, ["boom", "aboom"]);
    assert!(seen.iter().any(|e| matches!(e,
        RequestEvent::InvalidSyntax { content, error, .. }
            if content == "nope 1" && error.kind() == RequestErrorKind::UnknownRequest)));
    bot.stop().await;
    server.stop().await;
}

#[actix_rt::test]
async fn long_requests_and_replies() {
    let server = start_server().await;
    let mut requests = registry();
    requests.request("repeat", |n: usize| {
        "xyz".repeat(n).chars().take(n).collect::<String>()
    });
    requests.request("length", |s: String| s.chars().count());
    let (_cloud, bot) = bot(&server.url(), RequestBot::builder(requests), true).await;
    let secure = client(&server.url(), true).await;
    let reply = secure.request("repeat", &["5000"], WAIT).await.unwrap();
    assert_eq!(reply, "xyz".repeat(2000)[..5000]);
    // Not periodic: identical packet plaintexts in one centisecond can collide (see stress.rs).
    let long: String = (0..2000).map(|i| format!("{i} ")).collect::<String>()[..6000].to_string();
    assert_eq!(
        secure
            .request("length", &[long.as_str()], WAIT)
            .await
            .unwrap(),
        "6000"
    );
    // Insecure replies are reliable up to two packets (§9 C1): 219 characters at 220.
    let plain = client(&server.url(), false).await;
    assert_eq!(
        plain.request("repeat", &["219"], WAIT).await.unwrap().len(),
        219
    );
    bot.stop().await;
    server.stop().await;
}

#[actix_rt::test]
async fn fifty_clients_while_a_slow_blocking_handler_runs() {
    let server = start_server().await;
    let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let started_tx = Mutex::new(started_tx);
    let release_rx = Mutex::new(release_rx);
    let mut requests = registry();
    requests.request("slow", move || {
        started_tx.lock().unwrap().send(()).unwrap();
        // Blocks its worker thread until every other client got its answer.
        match release_rx
            .lock()
            .unwrap()
            .recv_timeout(Duration::from_secs(120))
        {
            Ok(()) => "slow done",
            Err(_) => "never released",
        }
    });
    requests.request("square", |n: i64| n * n);
    requests.request_async("later", |n: i64| async move {
        tokio::time::sleep(Duration::from_millis(10)).await;
        n + 1
    });
    let (_cloud, bot) = bot(&server.url(), RequestBot::builder(requests), false).await;
    let clients: Vec<_> = distinct_clients(&server.url(), false, 50)
        .await
        .into_iter()
        .map(Arc::new)
        .collect();
    let slow_client = clients[0].clone();
    let slow =
        actix_rt::spawn(async move { slow_client.request("slow", &[] as &[&str], WAIT * 4).await });
    tokio::task::spawn_blocking(move || started_rx.recv_timeout(WAIT))
        .await
        .unwrap()
        .expect("slow handler started");
    let mut answers = Vec::new();
    for (i, c) in clients.iter().enumerate().skip(1) {
        let c = c.clone();
        answers.push(actix_rt::spawn(async move {
            let n = i.to_string();
            let (name, want) = match i % 3 {
                0 => ("square", (i * i).to_string()),
                1 => ("later", (i + 1).to_string()),
                _ => ("ping", "pong".to_string()),
            };
            let args: Vec<&str> = if name == "ping" {
                vec![]
            } else {
                vec![n.as_str()]
            };
            let got = c
                .request(name, &args, WAIT * 2)
                .await
                .expect("answer while slow runs");
            assert_eq!(got, want, "client {i}");
        }));
    }
    for a in answers {
        a.await.expect("client task");
    }
    // All 49 answered while the slow handler was still blocked.
    assert!(!slow.is_finished());
    release_tx.send(()).unwrap();
    assert_eq!(slow.await.unwrap().unwrap(), "slow done");
    bot.stop().await;
    server.stop().await;
}

#[actix_rt::test]
async fn run_for_then_cascade_stop() {
    let server = start_server().await;
    let (_cloud, bot) = bot(&server.url(), RequestBot::builder(registry()), false).await;
    let client = client(&server.url(), false).await;
    assert_eq!(ask(&client, "ping").await, "pong");
    assert!(bot.is_running());
    tokio::time::timeout(WAIT, bot.run_for(Duration::from_millis(200)))
        .await
        .expect("run_for ends");
    assert!(!bot.is_running());
    // Cascaded: the socket is stopped too.
    let accept = bot.socket().accept(Duration::from_millis(200)).await;
    assert_eq!(accept.unwrap_err().kind(), SocketErrorKind::Closed);
    server.stop().await;
}

#[actix_rt::test]
async fn stop_without_cascade_keeps_the_socket() {
    let server = start_server().await;
    let builder = RequestBot::builder(registry()).cascade_stop(false);
    let (_cloud, bot) = bot(&server.url(), builder, false).await;
    let client = client(&server.url(), false).await;
    assert_eq!(ask(&client, "ping").await, "pong");
    tokio::time::timeout(WAIT, bot.stop()).await.expect("stops");
    assert!(!bot.is_running());
    // The socket still runs: nobody answers now, but accepting only times out.
    client.send("ping").await.unwrap();
    let silent = client.recv(Duration::from_millis(1500)).await;
    assert_eq!(silent.unwrap_err().kind(), SocketErrorKind::Timeout);
    let accept = bot.socket().accept(Duration::from_millis(200)).await;
    assert_eq!(accept.unwrap_err().kind(), SocketErrorKind::Timeout);
    bot.socket().stop().await;
    server.stop().await;
}

#[actix_rt::test]
async fn error_hook_retries_once_and_replies() {
    use actors_requests::{ErrorAction, Failure};
    use std::sync::atomic::{AtomicU32, Ordering};
    let server = start_server().await;
    let tries = Arc::new(AtomicU32::new(0));
    let t = tries.clone();
    let mut requests = registry();
    requests.request("flaky", move || -> Result<&str, Failure> {
        match t.fetch_add(1, Ordering::SeqCst) {
            0 => Err(Failure::new("first try fails")),
            _ => Ok("second try works"),
        }
    });
    requests.request("broken", || -> Result<&str, Failure> {
        Err(Failure::new("always"))
    });
    let builder =
        RequestBot::builder(requests).on_error(|failed| match failed.request.name.as_str() {
            "flaky" => ErrorAction::Retry,
            _ => ErrorAction::Reply(format!("broken: {}", failed.failure.message())),
        });
    let (_cloud, bot) = bot(&server.url(), builder, false).await;
    let client = client(&server.url(), false).await;
    assert_eq!(ask(&client, "flaky").await, "second try works");
    assert_eq!(tries.load(Ordering::SeqCst), 2);
    assert_eq!(ask(&client, "broken").await, "broken: always");
    bot.stop().await;
    server.stop().await;
}

#[actix_rt::test]
async fn every_handled_message_is_reported_as_served_with_its_latency() {
    let server = start_server().await;
    let mut requests = registry();
    requests.request_async("nap", || async {
        actix_rt::time::sleep(Duration::from_millis(60)).await;
        "rested"
    });
    requests.request("quiet", || -> Result<i32, actors_requests::Failure> {
        Err(actors_requests::Failure::new("hush"))
    });
    let builder = RequestBot::builder(requests).on_error(|failed| {
        if failed.request.name == "quiet" {
            actors_requests::ErrorAction::Silent
        } else {
            actors_requests::ErrorAction::Fail
        }
    });
    let (_cloud, bot) = bot(&server.url(), builder, false).await;
    let mut events = bot.events();
    let client = client(&server.url(), false).await;
    assert_eq!(ask(&client, "nap").await, "rested");
    assert_eq!(
        ask(&client, "nope 1").await,
        "The command syntax was wrong."
    );
    client.send("ping; quiet").await.expect("send");
    let mut served = Vec::new();
    let mut errors = 0;
    while served.len() < 3 {
        let event = tokio::time::timeout(WAIT, events.next_event())
            .await
            .expect("event in time")
            .expect("event");
        match event {
            RequestEvent::Served {
                caller,
                request,
                elapsed,
                replied,
            } => {
                assert_eq!(caller.client_id, client.client_id().to_string());
                served.push((request, elapsed, replied));
            }
            RequestEvent::InvalidSyntax { .. } | RequestEvent::HandlerError { .. } => errors += 1,
            other => panic!("unexpected event {other:?}"),
        }
    }
    let names: Vec<(&str, bool)> = served.iter().map(|(r, _, s)| (r.as_str(), *s)).collect();
    // The last sub-request names the message; the raw text when it did not parse; `quiet`
    // fails silently (the error hook's choice), so nothing was sent.
    assert_eq!(names, [("nap", true), ("nope 1", true), ("quiet", false)]);
    // Measured from receipt to the reply being sent: at least the handler's own sleep.
    assert!(
        served[0].1 >= Duration::from_millis(60),
        "{:?}",
        served[0].1
    );
    assert_eq!(
        errors, 2,
        "the errors are still reported, each before its Served"
    );
    bot.stop().await;
    server.stop().await;
}
