//! No secret reaches the log output, even at trace level. Alone in its test binary: it
//! installs the global tracing subscriber (a thread-local one misses callsites whose
//! interest other test threads already cached).

#[path = "support/fake_scratch.rs"]
mod fake_scratch;

use fake_scratch::*;
use scratchcomm_accounts::{Password, Session, SessionId};
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[actix_rt::test]
async fn no_secret_in_trace_output() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("only test in this binary");
    bounded(async {
        let fake = FakeScratch::start().await;
        fake.state
            .lock()
            .unwrap()
            .add_account("dora", "pw-dora-secret");
        let mut session =
            Session::login(api_config(&fake), "dora", Password::new("pw-dora-secret"))
                .await
                .unwrap();
        fake.state.lock().unwrap().expire_all();
        session.refresh().await.unwrap();
        let gone = SessionId::new("\"sid-gone-secret:0\"");
        Session::from_session_id(api_config(&fake), gone, Some("dora".into()), None)
            .await
            .unwrap();
        let _ = Session::login(api_config(&fake), "dora", Password::new("wrong-secret")).await;
        fake.stop().await;
    })
    .await;
    let out = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        out.contains("account request"),
        "tracing was captured: {out}"
    );
    assert!(out.contains("session lookup failed"), "{out}");
    for secret in [
        "pw-dora-secret",
        "sid-dora",
        "xtoken-of-dora",
        "sid-gone-secret",
        "wrong-secret",
    ] {
        assert!(!out.contains(secret), "{secret} leaked into logs:\n{out}");
    }
}
