//! Applying received updates to the variable cache and turning them into events.

use crate::events::EventKind;
use dashmap::DashMap;
use scratchcomm_wire::{parse_batch, strip_prefix, CloudValue, Method};
use std::collections::HashSet;

/// How a received frame is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameMode {
    /// An ordinary frame: every update becomes an event.
    Live,
    /// The join snapshot of a first connect: cache only, no events (docs/protocol.md §1.3).
    FirstSnapshot,
    /// The join snapshot after a reconnect: cache, and a `Set` event only for values
    /// that differ from what we had, so nothing that changed while away goes unnoticed.
    ReconnectSnapshot,
}

/// An event produced from one update, before source/time are attached.
#[derive(Clone, Debug, PartialEq)]
pub struct Update {
    /// What happened.
    pub kind: EventKind,
    /// Full wire name.
    pub raw_name: String,
    /// The value (for a delete or rename: the value it had, if known).
    pub value: Option<CloudValue>,
    /// Who did it, if the server said.
    pub user: Option<String>,
}

/// Parse `frame`, update `cache` (keyed by full wire name), return the events to emit.
/// Malformed pieces are logged and skipped; the good ones around them still count.
pub fn apply_frame(
    cache: &DashMap<String, CloudValue>,
    frame: &str,
    mode: FrameMode,
) -> Vec<Update> {
    let mut out = Vec::new();
    for parsed in parse_batch(frame) {
        let u = match parsed {
            Ok(u) => u,
            Err(e) => {
                tracing::warn!(error = %e, "ignoring a malformed update from the cloud server");
                continue;
            }
        };
        let event = |kind: EventKind, value: Option<CloudValue>| Update {
            kind,
            raw_name: u.name.clone(),
            value,
            user: None,
        };
        match &u.method {
            Method::Set | Method::Create => {
                let Some(value) = u.value.clone() else {
                    continue;
                };
                let old = cache.insert(u.name.clone(), value.clone());
                let kind = if u.method == Method::Set {
                    EventKind::Set
                } else {
                    EventKind::Create
                };
                let emit = match mode {
                    FrameMode::Live => true,
                    FrameMode::FirstSnapshot => false,
                    FrameMode::ReconnectSnapshot => old.as_ref() != Some(&value),
                };
                if emit {
                    out.push(event(kind, Some(value)));
                }
            }
            Method::Delete => {
                let old = cache.remove(&u.name).map(|(_, v)| v);
                if mode == FrameMode::Live {
                    out.push(event(EventKind::Delete, old));
                }
            }
            Method::Rename => {
                let Some(new_full) = u.new_name.clone() else {
                    tracing::warn!(name = %u.name, "ignoring a rename without new_name");
                    continue;
                };
                let value = cache.remove(&u.name).map(|(_, v)| v);
                if let Some(v) = &value {
                    cache.insert(new_full.clone(), v.clone());
                }
                if mode == FrameMode::Live {
                    let new_name = strip_prefix(&new_full).to_owned();
                    out.push(event(EventKind::Rename { new_name }, value));
                }
            }
            other => {
                if mode == FrameMode::Live {
                    let method = other.as_str().to_owned();
                    out.push(event(EventKind::Other { method }, u.value.clone()));
                }
            }
        }
    }
    out
}

/// Apply the join dump of a reconnect: like [`FrameMode::ReconnectSnapshot`], but names in
/// `skip` (written by us after the dump was taken) keep their cached value. Returns the
/// events and every variable name the dump holds.
pub fn apply_snapshot(
    cache: &DashMap<String, CloudValue>,
    frame: &str,
    skip: &HashSet<String>,
) -> (Vec<Update>, HashSet<String>) {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for parsed in parse_batch(frame) {
        let u = match parsed {
            Ok(u) => u,
            Err(e) => {
                tracing::warn!(error = %e, "ignoring a malformed update in the join dump");
                continue;
            }
        };
        if !matches!(u.method, Method::Set | Method::Create) {
            continue; // a dump holds only sets; anything else is not state
        }
        let Some(value) = u.value else {
            continue;
        };
        seen.insert(u.name.clone());
        if skip.contains(&u.name) {
            continue;
        }
        let old = cache.insert(u.name.clone(), value.clone());
        if old.as_ref() != Some(&value) {
            out.push(Update {
                kind: EventKind::Set,
                raw_name: u.name,
                value: Some(value),
                user: None,
            });
        }
    }
    (out, seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BATCH: &str =
        "{\"method\":\"set\",\"name\":\"☁ A\",\"value\":\"1\"}\n{\"method\":\"set\",\"name\":\"☁ B\",\"value\":2}\n\n";

    #[test]
    fn reference_batch_becomes_two_events() {
        let cache = DashMap::new();
        let ups = apply_frame(&cache, BATCH, FrameMode::Live);
        assert_eq!(ups.len(), 2);
        assert_eq!(strip_prefix(&ups[0].raw_name), "A");
        assert_eq!(ups[0].raw_name, "☁ A");
        assert_eq!(ups[1].value.as_ref().unwrap().as_str(), "2");
        assert_eq!(cache.get("☁ B").unwrap().as_str(), "2");
    }

    #[test]
    fn first_snapshot_is_silent_but_cached() {
        let cache = DashMap::new();
        assert!(apply_frame(&cache, BATCH, FrameMode::FirstSnapshot).is_empty());
        assert_eq!(cache.get("☁ A").unwrap().as_str(), "1");
    }

    #[test]
    fn reconnect_snapshot_reports_only_changes() {
        let cache = DashMap::new();
        apply_frame(&cache, BATCH, FrameMode::FirstSnapshot);
        let changed = "{\"method\":\"set\",\"name\":\"☁ A\",\"value\":\"1\"}\n{\"method\":\"set\",\"name\":\"☁ B\",\"value\":\"3\"}";
        let ups = apply_frame(&cache, changed, FrameMode::ReconnectSnapshot);
        assert_eq!(ups.len(), 1);
        assert_eq!(ups[0].raw_name, "☁ B");
    }

    #[test]
    fn rename_delete_and_garbage() {
        let cache = DashMap::new();
        apply_frame(&cache, BATCH, FrameMode::Live);
        let frame = "not json\n{\"method\":\"rename\",\"name\":\"☁ A\",\"new_name\":\"☁ C\"}\n{\"method\":\"delete\",\"name\":\"☁ B\"}";
        let ups = apply_frame(&cache, frame, FrameMode::Live);
        assert_eq!(ups.len(), 2);
        assert_eq!(
            ups[0].kind,
            EventKind::Rename {
                new_name: "C".into()
            }
        );
        assert_eq!(ups[1].kind, EventKind::Delete);
        assert!(cache.get("☁ A").is_none() && cache.get("☁ B").is_none());
        assert_eq!(cache.get("☁ C").unwrap().as_str(), "1");
    }
}
