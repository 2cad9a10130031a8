//! A fake Scratch website and cloud-data host on 127.0.0.1 (port 0) serving the documented
//! JSON shapes (PROTOCOL.md §1.7, §2.2, §2.3) and the failures the client must name:
//! wrong password, expired session, malformed JSON, missing cookie, slow answers.
#![allow(dead_code)]

use actix_web::{dev::ServerHandle, web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Session ids the fake treats specially.
pub const MALFORMED_SESSION: &str = "\"malformed-session\"";
pub const SLOW_SESSION: &str = "\"slow-session\"";
/// Users the fake treats specially on login.
pub const NO_COOKIE_USER: &str = "nocookie";
pub const SLOW_USER: &str = "slowpoke";
/// A project whose logs are not JSON.
pub const MALFORMED_PROJECT: &str = "999";
/// A project whose logs answer at once but then stall in the middle of the body.
pub const STALLING_PROJECT: &str = "998";
/// How long the slow answers take (tests configure a much shorter client timeout).
pub const SLOW_DELAY: Duration = Duration::from_secs(5);

/// One recorded request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
pub struct State {
    /// username -> (password, session id).
    pub accounts: HashMap<String, (String, String)>,
    /// session id -> username.
    pub sessions: HashMap<String, String>,
    /// project id -> log entries, newest first.
    pub logs: HashMap<String, Vec<Value>>,
    /// project id -> (project token, project JSON) for the project API and projects host.
    pub projects: HashMap<String, (String, Value)>,
    pub seen: Vec<Seen>,
    issued: u32,
}

impl State {
    /// Invalidate every session (as if they all expired).
    pub fn expire_all(&mut self) {
        self.sessions.clear();
    }
}

pub struct FakeScratch {
    pub addr: SocketAddr,
    pub state: Arc<Mutex<State>>,
    handle: ServerHandle,
}

impl FakeScratch {
    /// Start with the account `alice` / `pw` whose session id is `"sid-alice:1"`.
    pub async fn start() -> FakeScratch {
        let state = Arc::new(Mutex::new(State::default()));
        state.lock().unwrap().add_account("alice", "pw");
        let data = web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/session", web::post().to(session))
                .route("/login/", web::post().to(login))
                .route("/logs", web::get().to(logs))
                .route("/projects/{id}", web::get().to(project_api))
                .route("/{id}", web::get().to(project_json))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(0)
        .bind(("127.0.0.1", 0))
        .expect("bind 127.0.0.1:0");
        let addr = server.addrs()[0];
        let running = server.run();
        let handle = running.handle();
        actix_rt::spawn(running);
        FakeScratch {
            addr,
            state,
            handle,
        }
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    pub fn seen_paths(&self, path: &str) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.path == path).collect()
    }

    /// Stop without waiting for slow handlers; the port is closed afterwards.
    pub async fn stop(self) {
        self.handle.stop(false).await;
    }
}

impl State {
    pub fn add_account(&mut self, username: &str, password: &str) -> String {
        self.issued += 1;
        let id = format!("\"sid-{username}:{}\"", self.issued);
        self.accounts
            .insert(username.to_owned(), (password.to_owned(), id.clone()));
        self.sessions.insert(id.clone(), username.to_owned());
        id
    }

    fn relogin(&mut self, username: &str) -> String {
        self.issued += 1;
        let id = format!("\"sid-{username}:{}\"", self.issued);
        if let Some(account) = self.accounts.get_mut(username) {
            account.1 = id.clone();
        }
        self.sessions.insert(id.clone(), username.to_owned());
        id
    }
}

fn record(state: &Mutex<State>, req: &HttpRequest, body: &[u8]) {
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("?").to_owned()))
        .collect();
    state.lock().unwrap().seen.push(Seen {
        method: req.method().to_string(),
        path: req.path().to_owned(),
        query: req.query_string().to_owned(),
        headers,
        body: String::from_utf8_lossy(body).into_owned(),
    });
}

/// The `scratchsessionsid` value of a Cookie header: up to the next `; `.
fn session_cookie(req: &HttpRequest) -> Option<String> {
    let cookie = req.headers().get("cookie")?.to_str().ok()?;
    let start = cookie.find("scratchsessionsid=")? + "scratchsessionsid=".len();
    let rest = &cookie[start..];
    Some(rest.split("; ").next().unwrap_or(rest).to_owned())
}

pub fn account_json(username: &str, token: &str) -> Value {
    json!({
        "user": {"id": 4242, "banned": false, "username": username, "token": token,
                 "thumbnailUrl": "//cdn2.scratch.mit.edu/get_image/user/4242_32x32.png",
                 "dateJoined": "2020-01-02T03:04:05", "email": format!("{username}@example.org")},
        "permissions": {"admin": false, "scratcher": false, "new_scratcher": true,
                        "invite_scratcher": false, "educator": false, "student": false,
                        "mute_status": {}},
        "flags": {"must_reset_password": false, "has_outstanding_email_confirmation": false}
    })
}

async fn session(
    state: web::Data<Arc<Mutex<State>>>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    record(&state, &req, &body);
    let id = session_cookie(&req).unwrap_or_default();
    if id == MALFORMED_SESSION {
        return HttpResponse::Ok().body("{\"user\": {\"username\": ");
    }
    if id == SLOW_SESSION {
        actix_rt::time::sleep(SLOW_DELAY).await;
    }
    let user = state.lock().unwrap().sessions.get(&id).cloned();
    match user {
        Some(username) => {
            let token = format!("xtoken-of-{username}");
            HttpResponse::Ok().json(account_json(&username, &token))
        }
        // What Scratch answers for a session that is not logged in.
        None => HttpResponse::Ok().json(json!({})),
    }
}

async fn login(
    state: web::Data<Arc<Mutex<State>>>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    record(&state, &req, &body);
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let username = parsed["username"].as_str().unwrap_or("").to_owned();
    let password = parsed["password"].as_str().unwrap_or("").to_owned();
    if username == SLOW_USER {
        actix_rt::time::sleep(SLOW_DELAY).await;
    }
    if username == NO_COOKIE_USER {
        return HttpResponse::Ok()
            .json(json!([{"username": username, "success": 1, "msg": "", "messages": []}]));
    }
    let mut st = state.lock().unwrap();
    let known = st.accounts.get(&username).map(|(pw, _)| pw.clone());
    if known.as_deref() != Some(password.as_str()) {
        return HttpResponse::Forbidden().json(json!([{
            "username": username, "num_tries": 1, "success": 0,
            "msg": "Incorrect username or password.", "messages": []
        }]));
    }
    let id = st.relogin(&username);
    HttpResponse::Ok()
        .append_header(("set-cookie", "scratchcsrftoken=csrf123; Path=/"))
        .append_header((
            "set-cookie",
            format!("scratchsessionsid={id}; expires=Thu, 01 Jan 2099 00:00:00 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax; Secure"),
        ))
        .json(json!([{"username": username, "token": "t", "num_tries": 0, "success": 1,
                      "msg": "", "messages": [], "id": 4242}]))
}

async fn logs(
    state: web::Data<Arc<Mutex<State>>>,
    req: HttpRequest,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    record(&state, &req, b"");
    let project = query.get("projectid").cloned().unwrap_or_default();
    if project == MALFORMED_PROJECT {
        return HttpResponse::Ok().body("<html>rate limited</html>");
    }
    if project == STALLING_PROJECT {
        let start = futures_util::stream::once(async {
            Ok::<_, actix_web::Error>(web::Bytes::from_static(b"[{\"user\": "))
        });
        let stall = futures_util::stream::once(async {
            actix_rt::time::sleep(SLOW_DELAY).await;
            Ok::<_, actix_web::Error>(web::Bytes::from_static(b"\"x\"}]"))
        });
        return HttpResponse::Ok()
            .content_type("application/json")
            .streaming(futures_util::StreamExt::chain(start, stall));
    }
    let num = |k: &str| query.get(k).and_then(|v| v.parse::<usize>().ok());
    let (Some(limit), Some(offset)) = (num("limit"), num("offset")) else {
        return HttpResponse::BadRequest().finish();
    };
    let st = state.lock().unwrap();
    let all = st.logs.get(&project).cloned().unwrap_or_default();
    let page: Vec<Value> = all.into_iter().skip(offset).take(limit.min(100)).collect();
    HttpResponse::Ok().json(page)
}

/// `GET /projects/{id}` (the project API): metadata with the project token.
async fn project_api(
    state: web::Data<Arc<Mutex<State>>>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    record(&state, &req, b"");
    let st = state.lock().unwrap();
    match st.projects.get(id.as_str()) {
        Some((token, _)) => HttpResponse::Ok().json(json!({
            "id": id.parse::<u64>().unwrap_or(0), "title": "p", "project_token": token
        })),
        None => HttpResponse::NotFound().json(json!({"code": "NotFound", "message": ""})),
    }
}

/// `GET /{id}?token=..` (the projects host): the project JSON, only with the right token.
async fn project_json(
    state: web::Data<Arc<Mutex<State>>>,
    req: HttpRequest,
    id: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    record(&state, &req, b"");
    let st = state.lock().unwrap();
    match st.projects.get(id.as_str()) {
        Some((token, json)) if query.get("token") == Some(token) => {
            HttpResponse::Ok().json(json.clone())
        }
        Some(_) => HttpResponse::Forbidden().finish(),
        None => HttpResponse::NotFound().finish(),
    }
}

/// A project JSON whose stage has these cloud variables (`(name with ☁ , value)`) and one
/// ordinary variable.
pub fn project_with_cloud(vars: &[(&str, Value)]) -> Value {
    let mut variables = serde_json::Map::new();
    for (i, (name, value)) in vars.iter().enumerate() {
        variables.insert(format!("v{i}"), json!([name, value, true]));
    }
    variables.insert("plain".into(), json!(["my variable", 3]));
    json!({"targets": [
        {"isStage": true, "name": "Stage", "variables": variables},
        {"isStage": false, "name": "Sprite1", "variables": {}}
    ], "meta": {"semver": "3.0.0"}})
}

/// A log entry in Scratch's shape.
pub fn log_entry(user: &str, name: &str, value: &str, timestamp: u64) -> Value {
    json!({"user": user, "verb": "set_var", "name": format!("☁ {name}"),
           "value": value, "timestamp": timestamp})
}

/// A closed port: bound, read, released.
pub fn dead_addr() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    addr
}

/// Every test is bounded in time.
pub async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .expect("test exceeded 30 s")
}

/// A client configuration with the fake site as its API host and a short timeout.
pub fn api_config(fake: &FakeScratch) -> scratchcomm_accounts::ApiConfig {
    scratchcomm_accounts::ApiConfig::default()
        .api_base(&fake.base())
        .unwrap()
        .timeout(Duration::from_secs(5))
}
