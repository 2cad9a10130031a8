//! The `scratchsessionsid` cookie of an installed browser, read through the `rookie`
//! crate (which finds the profiles and decrypts Chromium-family cookies; nothing here
//! decrypts anything). The reference offers the same convenience (docs/protocol.md §2.4).

use crate::error::{AccountsError, Result};
use rookie::enums::Cookie;
use scratchcomm_wire::SessionId;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The domain whose cookie holds the session.
pub const SCRATCH_COOKIE_DOMAIN: &str = "scratch.mit.edu";
/// The session cookie's name.
pub const SESSION_COOKIE: &str = "scratchsessionsid";

/// A browser to take the session cookie from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Browser {
    /// Mozilla Firefox.
    Firefox,
    /// Google Chrome.
    Chrome,
    /// Microsoft Edge (any channel rookie finds).
    Edge,
    /// Microsoft Edge's dev channel (rookie searches Edge's stable, beta, dev and nightly
    /// profiles; on Linux this variant reads only the dev profiles).
    EdgeDev,
    /// macOS only.
    Safari,
    /// Chromium.
    Chromium,
    /// Vivaldi.
    Vivaldi,
    /// Opera.
    Opera,
    /// Brave.
    Brave,
    /// Every browser rookie knows; the first Scratch session cookie found wins.
    Any,
}

impl Browser {
    /// Every variant, for help texts.
    pub const ALL: [Browser; 10] = [
        Browser::Firefox,
        Browser::Chrome,
        Browser::Edge,
        Browser::EdgeDev,
        Browser::Safari,
        Browser::Chromium,
        Browser::Vivaldi,
        Browser::Opera,
        Browser::Brave,
        Browser::Any,
    ];

    /// The lower-case name accepted by [`FromStr`] (`edge-dev` for [`Browser::EdgeDev`]).
    pub fn name(self) -> &'static str {
        match self {
            Browser::Firefox => "firefox",
            Browser::Chrome => "chrome",
            Browser::Edge => "edge",
            Browser::EdgeDev => "edge-dev",
            Browser::Safari => "safari",
            Browser::Chromium => "chromium",
            Browser::Vivaldi => "vivaldi",
            Browser::Opera => "opera",
            Browser::Brave => "brave",
            Browser::Any => "any",
        }
    }
}

impl fmt::Display for Browser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Browser {
    type Err = AccountsError;
    fn from_str(s: &str) -> Result<Self> {
        let wanted = s.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        Browser::ALL
            .into_iter()
            .find(|b| b.name() == wanted || (wanted == "edgedev" && *b == Browser::EdgeDev))
            .ok_or_else(|| {
                let names: Vec<&str> = Browser::ALL.iter().map(|b| b.name()).collect();
                AccountsError::invalid_input(
                    format!("browser {s:?}"),
                    format!("expected one of {}", names.join(", ")),
                )
            })
    }
}

/// The Scratch session id stored by `browser`. Runs the (blocking) cookie read on a
/// blocking thread. Errors: `BrowserCookiesNotFound` naming the browser and why.
///
/// # Errors
///
/// An [`AccountsError`](crate::AccountsError) of kind `BrowserCookiesNotFound` naming the browser and why.
pub async fn scratch_session_id(browser: Browser) -> Result<SessionId> {
    let label = browser.to_string();
    off_thread(label.clone(), move || read_browser(browser))
        .await
        .and_then(|cookies| pick_session_cookie(&label, cookies))
}

/// The Scratch session id in a Firefox-format `cookies.sqlite` database at `db_path`.
///
/// # Errors
///
/// An [`AccountsError`](crate::AccountsError) of kind `BrowserCookiesNotFound` when the file cannot be read or holds no Scratch session cookie.
pub async fn scratch_session_id_from_firefox_db(db_path: &Path) -> Result<SessionId> {
    let label = format!("Firefox cookie database {}", db_path.display());
    let path: PathBuf = db_path.to_path_buf();
    off_thread(label.clone(), move || {
        rookie::firefox_based(path, Some(domains())).map_err(|e| format!("{e:#}"))
    })
    .await
    .and_then(|cookies| pick_session_cookie(&label, cookies))
}

fn domains() -> Vec<String> {
    vec![SCRATCH_COOKIE_DOMAIN.to_owned()]
}

async fn off_thread<F>(label: String, read: F) -> Result<Vec<Cookie>>
where
    F: FnOnce() -> Reading + Send + 'static,
{
    let not_found = |reason: String| AccountsError::browser_cookies_not_found(&label, reason);
    match actix_rt::task::spawn_blocking(read).await {
        Ok(Ok(cookies)) => Ok(cookies),
        Ok(Err(reason)) => Err(not_found(reason)),
        Err(join) => Err(not_found(format!("the cookie reader failed: {join}"))),
    }
}

/// What a cookie read gives: the cookies, or why there are none.
type Reading = std::result::Result<Vec<Cookie>, String>;

fn read_browser(browser: Browser) -> Reading {
    let d = Some(domains());
    let read = match browser {
        Browser::Firefox => rookie::firefox(d),
        Browser::Chrome => rookie::chrome(d),
        Browser::Edge => rookie::edge(d),
        Browser::EdgeDev => return edge_dev(d),
        Browser::Chromium => rookie::chromium(d),
        Browser::Vivaldi => rookie::vivaldi(d),
        Browser::Opera => rookie::opera(d),
        Browser::Brave => rookie::brave(d),
        Browser::Safari => return safari(d),
        Browser::Any => rookie::load(d),
    };
    read.map_err(|e| format!("{e:#}"))
}

#[cfg(target_os = "macos")]
fn safari(d: Option<Vec<String>>) -> Reading {
    rookie::safari(d).map_err(|e| format!("{e:#}"))
}

#[cfg(not(target_os = "macos"))]
fn safari(_d: Option<Vec<String>>) -> Reading {
    Err("Safari cookies exist only on macOS".to_owned())
}

#[cfg(target_os = "linux")]
fn edge_dev(d: Option<Vec<String>>) -> Reading {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let base = home.join(".config/microsoft-edge-dev");
    let mut candidates = vec![base.join("Default/Cookies")];
    if let Ok(entries) = std::fs::read_dir(&base) {
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with("Profile ") {
                candidates.push(entry.path().join("Cookies"));
            }
        }
    }
    let config = rookie::config::get_browser_config("edge");
    match candidates.into_iter().find(|p| p.exists()) {
        Some(db) => rookie::chromium_based(config, db, d).map_err(|e| format!("{e:#}")),
        None => Err("no Edge Dev profile under ~/.config/microsoft-edge-dev".to_owned()),
    }
}

#[cfg(not(target_os = "linux"))]
fn edge_dev(d: Option<Vec<String>>) -> Reading {
    // rookie's Edge search covers the dev channel's profile directories.
    rookie::edge(d).map_err(|e| format!("{e:#}"))
}

/// The session cookie among `cookies`: name `scratchsessionsid` on `scratch.mit.edu` or a
/// subdomain, non-empty; `.scratch.mit.edu` preferred, then the latest expiry.
pub fn pick_session_cookie(browser: &str, cookies: Vec<Cookie>) -> Result<SessionId> {
    cookies
        .into_iter()
        .filter(|c| c.name == SESSION_COOKIE && !c.value.is_empty())
        .filter(|c| {
            let host = c.domain.trim_start_matches('.');
            host == SCRATCH_COOKIE_DOMAIN || host.ends_with(".scratch.mit.edu")
        })
        .max_by_key(|c| {
            (
                c.domain == ".scratch.mit.edu",
                c.expires.unwrap_or(u64::MAX),
            )
        })
        .map(|c| SessionId::new(c.value))
        .ok_or_else(|| {
            AccountsError::browser_cookies_not_found(
                browser,
                format!("no {SESSION_COOKIE} cookie for {SCRATCH_COOKIE_DOMAIN}"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AccountsErrorKind as K;

    fn cookie(domain: &str, name: &str, value: &str, expires: Option<u64>) -> Cookie {
        Cookie {
            domain: domain.into(),
            path: "/".into(),
            secure: true,
            expires,
            name: name.into(),
            value: value.into(),
            http_only: true,
            same_site: 0,
        }
    }

    #[test]
    fn names_parse() {
        assert_eq!("Firefox".parse::<Browser>().unwrap(), Browser::Firefox);
        assert_eq!("edge_dev".parse::<Browser>().unwrap(), Browser::EdgeDev);
        assert_eq!("EdgeDev".parse::<Browser>().unwrap(), Browser::EdgeDev);
        for b in Browser::ALL {
            assert_eq!(b.name().parse::<Browser>().unwrap(), b);
        }
        let e = "netscape".parse::<Browser>().unwrap_err();
        assert_eq!(e.kind(), K::InvalidInput);
        assert!(e.to_string().contains("firefox"), "{e}");
    }

    #[test]
    fn picks_the_scratch_session_cookie() {
        let cookies = vec![
            cookie(".example.org", SESSION_COOKIE, "\"evil\"", None),
            cookie("scratch.mit.edu", "scratchcsrftoken", "x", None),
            cookie("scratch.mit.edu", SESSION_COOKIE, "\"host-only\"", Some(5)),
            cookie(".scratch.mit.edu", SESSION_COOKIE, "\"dot\"", Some(1)),
            cookie("notscratch.mit.edu", SESSION_COOKIE, "\"near\"", None),
        ];
        assert_eq!(
            pick_session_cookie("t", cookies).unwrap().expose(),
            "\"dot\""
        );
        let none = vec![cookie(".scratch.mit.edu", SESSION_COOKIE, "", None)];
        assert_eq!(
            pick_session_cookie("t", none).unwrap_err().kind(),
            K::BrowserCookiesNotFound
        );
    }
}
