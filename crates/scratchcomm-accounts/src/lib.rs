//! Scratch accounts for scratchcommunication (§1.7 and §2; every § in these docs is a section of the
//! repository's `docs/protocol.md`).
//!
//! * [`Session`]: log in from a session id, a username and password, an installed browser's
//!   cookies, or a saved session string; read the [`AccountData`] (username, email, user id,
//!   banned, new scratcher, mute status, X-Token, whole session JSON); save the session as
//!   the original library's session string.
//! * [`CloudLogs`]: the Scratch cloud-log endpoint, and the lazy "who set this value" lookup
//!   for cloud events ([`CloudEventLogs`] on `actors_cloud::CloudEvent`, [`EventUsers`]).
//! * Connections from a session, as the original library made them:
//!   [`Session::connect_scratch`], [`Session::connect_turbowarp`], [`Session::cloud_socket`],
//!   [`Session::turbowarp_cloud_socket`] (cloud-socket usernames from the logs through
//!   [`LogsUsernameLookup`]).
//! * Initial cloud values on Scratch from the project JSON, for the variables the server does
//!   not send: [`fetch_initial_values`], [`connect_with_initial_values`].
//!
//! Secrets ([`SessionId`], [`Password`], [`XToken`]) print
//! redacted and are zeroized on drop. Every failure is an [`AccountsError`] whose
//! [`kind`](AccountsError::kind) callers can branch on. The async functions use awc and
//! need a running actix runtime (`actix_rt::System` or `#[actix_rt::test]`).

mod account;
mod api;
mod browser;
mod cloud_events;
mod cloud_logs;
mod config;
mod connect;
mod error;
mod http;
mod project;
mod report;
mod secret;
mod session;
mod session_string;

pub use account::AccountData;
pub use api::{login_session_id, lookup_session};
pub use browser::{scratch_session_id, scratch_session_id_from_firefox_db, Browser};
pub use cloud_events::{CloudEventLogs, EventTicket, EventUsers};
pub use cloud_logs::{
    parse_log_page, CloudLogs, LogEntry, LogPager, LogQuery, SetHistory, SetTicket,
};
// What the cloud-log fuzz target checks; not part of the public API.
#[doc(hidden)]
pub use cloud_logs::{from_client_id, newest_of_client, pick_setter, same_value};
pub use config::{
    ApiConfig, BASE_COOKIES, DEFAULT_API_BASE, DEFAULT_HEADERS, DEFAULT_LOGS_BASE,
    DEFAULT_PROJECTS_BASE, DEFAULT_PROJECT_API_BASE, DEFAULT_TIMEOUT,
};
pub use connect::{turbowarp_contact, LogsUsernameLookup, DEFAULT_TURBOWARP_USERNAME};
pub use error::{AccountsError, AccountsErrorKind, Result};
pub use project::{
    cloud_variables, connect_with_initial_values, fetch_initial_values, fill_initial_values,
    project_token,
};
pub use report::{whoami, AccountReport, LoginMethod};
pub use scratchcomm_wire::SessionId;
pub use secret::{Password, XToken};
pub use session::Session;
pub use session_string::SessionStringData;
