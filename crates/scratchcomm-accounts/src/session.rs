//! A logged-in Scratch session, made from a session id, a password, a browser's cookies or
//! a saved session string, with the reference's fallbacks (docs/protocol.md §2.2–§2.4).

use crate::account::AccountData;
use crate::api::{login_session_id, lookup_session};
use crate::browser::{self, Browser};
use crate::cloud_logs::CloudLogs;
use crate::config::ApiConfig;
use crate::error::{AccountsError, Result};
use crate::secret::{session_id_hint, Password, XToken};
use crate::session_string::SessionStringData;
use scratchcomm_wire::SessionId;
use std::path::Path;

/// A Scratch session. Holds the session id (and the password only when created by a
/// password login); every secret prints redacted. `Send + Sync`; its async methods need a
/// running actix runtime (they use awc).
#[derive(Debug, Clone)]
pub struct Session {
    config: ApiConfig,
    session_id: SessionId,
    username: Option<String>,
    xtoken: Option<XToken>,
    password: Option<Password>,
    account: Option<AccountData>,
    lookup_error: Option<AccountsError>,
}

impl Session {
    /// A session from parts, without any network call (no account data until
    /// [`refresh`](Self::refresh)).
    pub fn offline(
        config: ApiConfig,
        session_id: SessionId,
        username: Option<String>,
        xtoken: Option<XToken>,
    ) -> Session {
        Session {
            config,
            session_id,
            username,
            xtoken,
            password: None,
            account: None,
            lookup_error: None,
        }
    }

    /// A session from a session id (§2.2). The username and X-Token are looked up; if the
    /// lookup fails and a `username` was given, the session is kept as the reference does
    /// (cloud variables work without the token): the failure is logged and returned later
    /// by [`account`](Self::account). Without a username the lookup failure is returned.
    ///
    /// # Errors
    ///
    /// Without a username, the lookup's [`AccountsError`](crate::AccountsError) (see [`refresh`](Self::refresh)).
    pub async fn from_session_id(
        config: ApiConfig,
        session_id: SessionId,
        username: Option<String>,
        xtoken: Option<XToken>,
    ) -> Result<Session> {
        let mut session = Session::offline(config, session_id, username, xtoken);
        session.lookup_lenient().await?;
        Ok(session)
    }

    /// Log in with a username and password (§2.3), then look the session up. The password
    /// is kept in memory (for a re-login when a lookup fails) but goes into a session string
    /// only through [`session_string_with_password`](Self::session_string_with_password).
    ///
    /// # Errors
    ///
    /// An [`AccountsError`](crate::AccountsError): `Timeout`, `Unreachable` or `HttpStatus` for the request, `MalformedJson` for an answer of the wrong shape, `WrongPassword` or `MissingCookie` when the login is refused.
    pub async fn login(config: ApiConfig, username: &str, password: Password) -> Result<Session> {
        let session_id = login_session_id(&config, username, &password).await?;
        let mut session = Session::offline(config, session_id, Some(username.to_owned()), None);
        session.password = Some(password);
        session.lookup_lenient().await?;
        Ok(session)
    }

    /// Use the `scratchsessionsid` cookie of an installed browser. The account is looked up
    /// strictly (the username is unknown before).
    ///
    /// # Errors
    ///
    /// `BrowserCookiesNotFound` when the browser has no session cookie; otherwise as [`refresh`](Self::refresh).
    pub async fn from_browser(config: ApiConfig, browser: Browser) -> Result<Session> {
        let session_id = browser::scratch_session_id(browser).await?;
        Self::strict(config, session_id).await
    }

    /// Use the `scratchsessionsid` cookie of a Firefox-format `cookies.sqlite` file.
    ///
    /// # Errors
    ///
    /// `BrowserCookiesNotFound` when the file has no session cookie; otherwise as [`refresh`](Self::refresh).
    pub async fn from_firefox_cookies(config: ApiConfig, db_path: &Path) -> Result<Session> {
        let session_id = browser::scratch_session_id_from_firefox_db(db_path).await?;
        Self::strict(config, session_id).await
    }

    /// Restore a saved session string (§2.4): try its session id (with its X-Token), then,
    /// if it holds a username and password, log in again. The error of the last attempt is
    /// returned when nothing works.
    ///
    /// # Errors
    ///
    /// `InvalidSessionString` when the text cannot be decoded; otherwise the error of the last login tried (see above).
    pub async fn from_session_string(config: ApiConfig, session_string: &str) -> Result<Session> {
        let data = SessionStringData::decode(session_string)?;
        let mut last_error = None;
        if let Some(id) = data.session_id.clone() {
            match lookup_session(&config, &id, data.xtoken.as_ref()).await {
                Ok(account) => {
                    let mut session = Session::offline(config, id, data.username, data.xtoken);
                    session.password = data.password;
                    session.adopt(account);
                    return Ok(session);
                }
                Err(e) => last_error = Some(e),
            }
        }
        if let (Some(username), Some(password)) = (data.username.clone(), data.password.clone()) {
            let id = login_session_id(&config, &username, &password).await?;
            let account = lookup_session(&config, &id, None).await?;
            let mut session = Session::offline(config, id, Some(username), None);
            session.password = Some(password);
            session.adopt(account);
            return Ok(session);
        }
        Err(last_error.unwrap_or_else(|| {
            AccountsError::invalid_session_string(
                "it holds neither a session id nor a username and password".to_owned(),
            )
        }))
    }

    async fn strict(config: ApiConfig, session_id: SessionId) -> Result<Session> {
        let account = lookup_session(&config, &session_id, None).await?;
        let mut session = Session::offline(config, session_id, None, None);
        session.adopt(account);
        Ok(session)
    }

    /// The reference's `_login` fallbacks: on failure re-login once with a known password,
    /// else keep going when the username is known.
    async fn lookup_lenient(&mut self) -> Result<()> {
        let result = self.refresh().await.map(|_| ());
        match result {
            Ok(()) => Ok(()),
            Err(e) if self.username.is_some() => {
                tracing::warn!(
                    error = %e,
                    "session lookup failed; continuing without account data (cloud variables still work)"
                );
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Look the session up again (§2.2); when that fails and the password is known, log in
    /// again and retry once. On failure the account data is dropped and the error is kept
    /// for [`account`](Self::account); the username and X-Token stay.
    ///
    /// # Errors
    ///
    /// An [`AccountsError`](crate::AccountsError): `Timeout`, `Unreachable` or `HttpStatus` for the request, `MalformedJson` for an answer of the wrong shape, `InvalidSession` when the session is no longer logged in.
    pub async fn refresh(&mut self) -> Result<&AccountData> {
        let mut result = lookup_session(&self.config, &self.session_id, self.xtoken.as_ref()).await;
        if result.is_err() {
            if let (Some(username), Some(password)) = (&self.username, &self.password) {
                tracing::info!("session lookup failed; logging in again with the password");
                match login_session_id(&self.config, username, password).await {
                    Ok(id) => {
                        self.session_id = id;
                        result = lookup_session(&self.config, &self.session_id, None).await;
                    }
                    Err(e) => result = Err(e),
                }
            }
        }
        match result {
            Ok(account) => {
                self.adopt(account);
                self.account()
            }
            Err(e) => {
                // The old data no longer describes a working session.
                self.account = None;
                self.lookup_error = Some(e.clone());
                Err(e)
            }
        }
    }

    fn adopt(&mut self, account: AccountData) {
        self.username = Some(account.username.clone());
        self.xtoken = Some(account.xtoken.clone());
        self.account = Some(account);
        self.lookup_error = None;
    }

    /// The account data of the last lookup if it succeeded, else its error
    /// (`MissingData` when no lookup was made).
    ///
    /// # Errors
    ///
    /// An [`AccountsError`](crate::AccountsError) of kind `MissingData` when no lookup was made, or the lookup's error.
    pub fn account(&self) -> Result<&AccountData> {
        match (&self.account, &self.lookup_error) {
            (Some(a), _) => Ok(a),
            (None, Some(e)) => Err(e.clone()),
            (None, None) => Err(AccountsError::missing_data(
                "no account data: the session was never looked up".to_owned(),
            )),
        }
    }

    /// The session id (print it only through [`session_id_hint`](Self::session_id_hint)).
    pub fn session_id(&self) -> &SessionId {
        &self.session_id
    }

    /// A safe-to-print hint of the session id: length and last characters.
    pub fn session_id_hint(&self) -> String {
        session_id_hint(&self.session_id)
    }

    /// The username: from the lookup, else as given.
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    /// The X-Token: from the lookup, else as given.
    pub fn xtoken(&self) -> Option<&XToken> {
        self.xtoken.as_ref()
    }

    /// Whether the password is held in memory.
    pub fn has_password(&self) -> bool {
        self.password.is_some()
    }

    /// Drop the password from memory (it is zeroized).
    pub fn forget_password(&mut self) {
        self.password = None;
    }

    /// The configuration the session's calls use.
    pub fn config(&self) -> &ApiConfig {
        &self.config
    }

    /// The session string without the password (§2.4).
    pub fn session_string(&self) -> String {
        self.string_data(false).encode()
    }

    /// The session string including the password when one is held. Only call this when
    /// the user asked for the password to be stored.
    pub fn session_string_with_password(&self) -> String {
        self.string_data(true).encode()
    }

    fn string_data(&self, with_password: bool) -> SessionStringData {
        SessionStringData {
            username: self.username.clone(),
            session_id: Some(self.session_id.clone()),
            xtoken: self.xtoken.clone(),
            password: if with_password {
                self.password.clone()
            } else {
                None
            },
        }
    }

    /// A cloud-logs client using this session's configuration.
    pub fn cloud_logs(&self) -> CloudLogs {
        CloudLogs::new(self.config.clone())
    }
}
