//! What of a store's rooms the server takes at start: the current limits and the protocol's
//! own name and value rules apply, as if each variable were set again by a client.

use scratchcomm_wire::CloudValue;
use serde_json::value::RawValue;
use std::collections::BTreeMap;

use super::{value_to_json, StoredRoom};
use crate::config::ServerConfig;
use crate::protocol::{valid_name, valid_value};

/// The rooms and variables of `stored` that the server accepts under `config`, at most
/// `max_rooms` rooms of at most `max_variables_per_room` variables (the first by project id
/// and name). What is left out is logged; it stays in the store.
pub(crate) fn admit(
    stored: Vec<StoredRoom>,
    config: &ServerConfig,
) -> Vec<(String, BTreeMap<String, CloudValue>)> {
    let limits = &config.limits;
    let mut rooms = Vec::new();
    let mut skipped_rooms = 0usize;
    for room in stored {
        if rooms.len() >= limits.max_rooms {
            skipped_rooms += 1;
            continue;
        }
        let mut kept = BTreeMap::new();
        let mut skipped = 0usize;
        for (name, value) in room.variables {
            if kept.len() < limits.max_variables_per_room && acceptable(&name, &value, config) {
                kept.insert(name, value);
            } else {
                skipped += 1;
            }
        }
        if skipped > 0 {
            tracing::warn!(
                project = %room.project,
                skipped,
                "not loading stored variables beyond the limits or invalid under the current settings"
            );
        }
        if !kept.is_empty() {
            rooms.push((room.project, kept));
        }
    }
    if skipped_rooms > 0 {
        tracing::warn!(
            skipped_rooms,
            max_rooms = limits.max_rooms,
            "not loading stored rooms beyond max_rooms"
        );
    }
    rooms
}

fn acceptable(name: &str, value: &CloudValue, config: &ServerConfig) -> bool {
    let name_json = serde_json::Value::from(name).to_string();
    let name_ok =
        RawValue::from_string(name_json).is_ok_and(|raw| valid_name(Some(&raw), config).is_ok());
    let value_ok = RawValue::from_string(value_to_json(value))
        .is_ok_and(|raw| valid_value(&raw, config).is_some());
    name_ok && value_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Limits;

    fn room(project: &str, vars: &[(&str, &str)]) -> StoredRoom {
        StoredRoom {
            project: project.to_owned(),
            variables: vars
                .iter()
                .map(|(n, v)| (n.to_string(), CloudValue::from_raw_json(v).unwrap()))
                .collect(),
        }
    }

    #[test]
    fn limits_and_rules_apply_to_what_is_loaded() {
        let config = ServerConfig {
            max_value_chars: 5,
            limits: Limits {
                max_rooms: 2,
                max_variables_per_room: 2,
                ..Limits::default()
            },
            ..ServerConfig::default()
        };
        let stored = vec![
            room("1", &[("☁ a", "1"), ("☁ b", "2"), ("☁ c", "3")]),
            room(
                "2",
                &[
                    ("no prefix", "1"),
                    ("☁ long", "123456"),
                    ("☁ word", "\"abc\""),
                ],
            ),
            room("3", &[("☁ a", "\"12\"")]),
            room("4", &[("☁ a", "1")]),
        ];
        let rooms = admit(stored, &config);
        let summary: Vec<(String, Vec<String>)> = rooms
            .into_iter()
            .map(|(p, v)| (p, v.into_keys().collect()))
            .collect();
        // Room 2 keeps nothing, so it takes no room slot; room 4 is one room too many.
        assert_eq!(
            summary,
            vec![
                ("1".to_owned(), vec!["☁ a".to_owned(), "☁ b".to_owned()]),
                ("3".to_owned(), vec!["☁ a".to_owned()]),
            ]
        );
    }
}
