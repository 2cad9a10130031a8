//! What of a store's rooms the server takes at start: the current limits and the protocol's
//! own name and value rules apply, as if each variable were set again by a client.

use indexmap::IndexMap;
use scratchcomm_wire::CloudValue;
use serde_json::value::RawValue;

use super::{value_to_json, StoredRoom};
use crate::config::ServerConfig;
use crate::message::{self, json_str, VarKey};
use crate::protocol::valid_name;

/// The rooms and variables of `stored` that the server accepts under `config`, at most
/// `max_rooms` rooms of at most `max_variables_per_room` variables (the first by project id
/// and name). What is left out is logged; it stays in the store.
pub(crate) fn admit(
    stored: Vec<StoredRoom>,
    config: &ServerConfig,
) -> Vec<(String, IndexMap<VarKey, CloudValue>)> {
    let limits = &config.limits;
    let mut rooms = Vec::new();
    let mut skipped_rooms = 0usize;
    for room in stored {
        if rooms.len() >= limits.max_rooms {
            skipped_rooms += 1;
            continue;
        }
        let mut kept = IndexMap::new();
        let mut skipped = 0usize;
        for (name, value) in room.variables {
            match admitted(&name, &value, config) {
                Some((key, value)) if kept.len() < limits.max_variables_per_room => {
                    kept.insert(key, value);
                }
                _ => skipped += 1,
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

/// A stored variable checked as if a client set it now: the name and value the room would
/// hold, or `None`.
fn admitted(name: &str, value: &CloudValue, config: &ServerConfig) -> Option<(VarKey, CloudValue)> {
    let member = RawValue::from_string(json_str(name)).ok()?;
    let key = valid_name(Some(&member), config).ok()?;
    let raw = RawValue::from_string(value_to_json(value)).ok()?;
    let value = message::value(Some(&raw), config.max_value_chars)?;
    Some((key, value))
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
        let config = ServerConfig::default()
            .max_value_chars(5)
            .require_cloud_prefix(true)
            .limits(Limits::default().max_rooms(2).max_variables_per_room(2));
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
            .map(|(p, v)| (p, v.keys().map(|k| k.as_str().to_owned()).collect()))
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
