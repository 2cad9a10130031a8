//! A model of scratchattach's sprite for the `SaBot` tests (its chunking, ids, slots and
//! decoding, SCRATCHATTACH.md §4.3, §5.9) and the registry the bots serve. Every wait is
//! bounded.

#![allow(dead_code)]

use std::time::Duration;

use actors_cloud::{CloudHandle, EventKind, EventStream};
use actors_requests::{sa_decode, sa_encode, Failure, Registry};

/// The server and connections of the request bot's tests (the test file declares `harness`).
#[allow(unused_imports)] // not every test file uses each
pub use super::harness::{connect, start_server, PROJECT, WAIT};

pub fn registry() -> Registry {
    let mut r = Registry::new();
    r.request("ping", || "pong");
    r.request("add", |a: i64, b: i64| a + b);
    r.request("echo", |s: String| s);
    r.request("long", |n: usize| {
        "abc".chars().cycle().take(n).collect::<String>()
    });
    r.request("lines", || vec!["one", "", "three"]);
    r.request("nothing", || ());
    r.request("fail", || -> Result<String, Failure> {
        Err(Failure::new("boom"))
    });
    r
}

/// What the sprite got: the items of `response` (a number reply is one raw item).
#[derive(Debug, PartialEq)]
pub enum Got {
    Items(Vec<String>),
    Timeout,
}

/// The sprite's side of one request over `cloud` (its own events stream `events`).
pub async fn request(
    cloud: &CloudHandle,
    events: &mut EventStream,
    id: u32,
    text: &str,
    wait: Duration,
) -> Got {
    let id = format!("{id:05}0");
    let digits = sa_encode(text);
    let chunks: Vec<&str> = digits
        .as_bytes()
        .chunks(245)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let n = chunks.len();
    for (i, chunk) in chunks.iter().enumerate() {
        let last = i + 1 == n && chunk.len() < 245;
        let value = if last {
            format!("{chunk}.{id}")
        } else {
            format!("-{chunk}.{id}")
        };
        cloud.set("TO_HOST", value.as_str()).await.unwrap();
    }
    if n == 0 || chunks[n - 1].len() == 245 {
        cloud
            .set("TO_HOST", format!(".{id}").as_str())
            .await
            .unwrap();
    }
    let mut slots: Vec<Option<String>> = vec![None];
    let mut encoded = true;
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let Ok(Some(event)) = tokio::time::timeout_at(deadline, events.next_event()).await else {
            return Got::Timeout;
        };
        if event.kind != EventKind::Set || !event.name.starts_with("FROM_HOST_") {
            continue;
        }
        let value = event.value.unwrap().into_string();
        if !value.contains(&format!(".{id}")) {
            continue;
        }
        let payload = value.split('.').next().unwrap().to_string();
        if value.ends_with("222") {
            encoded = value.ends_with("2222");
            *slots.last_mut().unwrap() = Some(payload);
        } else {
            let slot: usize = value[value.len() - 4..value.len() - 1].parse().unwrap();
            while slots.len() <= slot {
                slots.insert(slots.len() - 1, None);
            }
            slots[slot - 1] = Some(payload);
        }
        if slots.iter().all(Option::is_some) {
            break;
        }
    }
    let text: String = slots.into_iter().map(Option::unwrap).collect();
    if !encoded {
        return Got::Items(vec![text]);
    }
    let mut items = Vec::new();
    let mut item = String::new();
    for pair in text.as_bytes().chunks(2) {
        let pair = std::str::from_utf8(pair).unwrap();
        if pair == "89" {
            items.push(std::mem::take(&mut item));
        } else {
            item.push_str(&sa_decode(pair).unwrap());
        }
    }
    if !item.is_empty() {
        items.push(item);
    }
    Got::Items(items)
}

pub fn items(list: &[&str]) -> Got {
    Got::Items(list.iter().map(|s| s.to_string()).collect())
}
