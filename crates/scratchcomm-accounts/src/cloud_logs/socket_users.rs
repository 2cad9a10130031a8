//! Usernames of cloud-socket clients from the cloud logs. A FROM_CLIENT value names its
//! client by the 5 characters after its first `.` (docs/protocol.md §3.3, §3.5 step 3), so the
//! newest `FROM_CLIENT` log entry carrying a client id was set by that client's user.

use super::{CloudLogs, LogEntry, LogQuery, HISTORY_PER_VARIABLE};
use crate::error::{AccountsError, Result};
use scratchcomm_wire::ProjectId;

/// The variable clients write to (§3.1), without the prefix.
pub const FROM_CLIENT: &str = "FROM_CLIENT";

/// The client id of a FROM_CLIENT value as the server reads it (§3.5 steps 1 and 3): the
/// 5 characters after the first `.` once every `-` is removed. `None` when there is no
/// `.` or fewer than 5 characters follow it, or they are not all digits.
pub fn from_client_id(value: &str) -> Option<String> {
    let v: String = value.chars().filter(|&c| c != '-').collect();
    let after = &v[v.find('.')? + 1..];
    let cid: String = after.chars().take(5).collect();
    (cid.len() == 5 && cid.bytes().all(|b| b.is_ascii_digit())).then_some(cid)
}

/// The newest entry (entries are newest first) whose FROM_CLIENT value names `client_id`.
pub fn newest_of_client<'a>(entries: &'a [LogEntry], client_id: &str) -> Option<&'a LogEntry> {
    entries
        .iter()
        .find(|e| from_client_id(e.value.as_str()).as_deref() == Some(client_id))
}

impl CloudLogs {
    /// Who set the newest FROM_CLIENT value of socket client `client_id` (5 digits), from
    /// the last 100 FROM_CLIENT log entries. `EventExpired` when none of them names it.
    ///
    /// # Errors
    ///
    /// `EventExpired` when none of the entries names the client; otherwise as [`CloudLogs::page`](crate::CloudLogs::page).
    pub async fn socket_client_user(
        &self,
        project_id: &ProjectId,
        client_id: &str,
    ) -> Result<LogEntry> {
        if client_id.len() != 5 || !client_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AccountsError::invalid_input(
                "client id",
                format!("{client_id:?} is not 5 digits"),
            ));
        }
        let query = LogQuery::new(project_id.clone())
            .limit(HISTORY_PER_VARIABLE)
            .name(FROM_CLIENT)?;
        let entries = self.fetch(&query).await?;
        newest_of_client(&entries, client_id)
            .cloned()
            .ok_or_else(|| {
                AccountsError::event_expired(
                    &format!("☁ {FROM_CLIENT}"),
                    &format!("(client {client_id})"),
                    0,
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scratchcomm_wire::CloudValue;

    fn entry(user: &str, value: &str) -> LogEntry {
        LogEntry {
            user: user.into(),
            verb: Some("set_var".into()),
            name: "☁ FROM_CLIENT".into(),
            value: CloudValue::new(value),
            timestamp_ms: 1,
        }
    }

    #[test]
    fn client_ids_are_read_as_the_server_reads_them() {
        // A secure connect from the real sprite capture (§3.4 example).
        let connect = "15919010605590315141405032057588550001774381137.762274253367252";
        assert_eq!(from_client_id(connect).as_deref(), Some("76227"));
        // Multi-packet values carry a leading "-"; key fragments start with 0.
        assert_eq!(from_client_id("-1234.12345999").as_deref(), Some("12345"));
        assert_eq!(from_client_id("058855123.00042").as_deref(), Some("00042"));
        assert_eq!(from_client_id("1234.1234").as_deref(), None);
        assert_eq!(from_client_id("1234.12a45").as_deref(), None);
        assert_eq!(from_client_id("12345").as_deref(), None);
        assert_eq!(from_client_id("").as_deref(), None);
        assert_eq!(from_client_id("1.☁☁☁☁☁").as_deref(), None);
    }

    #[test]
    fn picks_the_newest_entry_of_the_client() {
        let entries = vec![
            entry("bob", "1222.11111123"),
            entry("alice", "1999.22222999"),
            entry("mallory", "1555.22222555"),
        ];
        assert_eq!(newest_of_client(&entries, "22222").unwrap().user, "alice");
        assert_eq!(newest_of_client(&entries, "11111").unwrap().user, "bob");
        assert!(newest_of_client(&entries, "33333").is_none());
    }
}
