//! `scratchcomm whoami`: log in one way and print the account data (secrets redacted).

use anyhow::Context;
use clap::{ArgGroup, Args};
use scratchcomm_accounts::{whoami, ApiConfig, Browser, LoginMethod, Password, SessionId};
use std::path::PathBuf;
use std::time::Duration;

/// The environment variable holding the password for `--username`.
const PASSWORD_VAR: &str = "SCRATCH_PASSWORD";

/// Arguments of `scratchcomm whoami`. `Debug` is redacted: ids and strings are secrets.
#[derive(Args)]
#[command(group(
    ArgGroup::new("login")
        .required(true)
        .args(["session_id", "username", "browser", "firefox_cookies", "session_string"]),
))]
pub struct WhoamiArgs {
    /// Log in with this session id (the `scratchsessionsid` cookie, quotes included).
    #[arg(long, value_name = "ID")]
    session_id: Option<String>,
    /// Log in with this username; the password is read from the SCRATCH_PASSWORD variable.
    #[arg(long, value_name = "NAME")]
    username: Option<String>,
    /// Use the session cookie of an installed browser: firefox, chrome, edge, edge-dev,
    /// safari, chromium, vivaldi, opera, brave or any.
    #[arg(long, value_name = "NAME", value_parser = parse_browser)]
    browser: Option<Browser>,
    /// Use the session cookie in this Firefox-format cookies.sqlite file.
    #[arg(long, value_name = "PATH")]
    firefox_cookies: Option<PathBuf>,
    /// Restore a saved session string (the original library's format).
    #[arg(long, value_name = "TEXT")]
    session_string: Option<String>,
    /// Base URL of the Scratch website (session and login endpoints).
    #[arg(long, value_name = "URL", default_value = scratchcomm_accounts::DEFAULT_API_BASE)]
    api_base: String,
    /// Seconds each request may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    timeout: f64,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

impl std::fmt::Debug for WhoamiArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |o: &Option<String>| o.as_ref().map(|_| "<redacted>");
        f.debug_struct("WhoamiArgs")
            .field("session_id", &hidden(&self.session_id))
            .field("username", &self.username)
            .field("browser", &self.browser)
            .field("firefox_cookies", &self.firefox_cookies)
            .field("session_string", &hidden(&self.session_string))
            .field("api_base", &self.api_base)
            .field("timeout", &self.timeout)
            .field("json", &self.json)
            .finish()
    }
}

fn parse_browser(name: &str) -> Result<Browser, String> {
    name.parse()
        .map_err(|e: scratchcomm_accounts::AccountsError| e.to_string())
}

fn login_method(args: &WhoamiArgs) -> anyhow::Result<LoginMethod> {
    if let Some(id) = &args.session_id {
        return Ok(LoginMethod::SessionId {
            session_id: SessionId::new(id.clone()),
            username: None,
        });
    }
    if let Some(username) = &args.username {
        let password = std::env::var(PASSWORD_VAR).with_context(|| {
            format!("--username needs the password in the {PASSWORD_VAR} environment variable")
        })?;
        return Ok(LoginMethod::Password {
            username: username.clone(),
            password: Password::new(password),
        });
    }
    if let Some(browser) = args.browser {
        return Ok(LoginMethod::Browser(browser));
    }
    if let Some(path) = &args.firefox_cookies {
        return Ok(LoginMethod::FirefoxCookies(path.clone()));
    }
    if let Some(text) = &args.session_string {
        return Ok(LoginMethod::SessionString(text.clone()));
    }
    anyhow::bail!(
        "give one of --session-id, --username, --browser, --firefox-cookies, --session-string"
    )
}

/// Log in as asked and print the account data.
pub fn run(args: WhoamiArgs) -> anyhow::Result<()> {
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 3600.0) {
        anyhow::bail!(
            "--timeout must be between 0 and 3600 seconds, got {}",
            args.timeout
        );
    }
    let config = ApiConfig::default()
        .api_base(&args.api_base)?
        .timeout(Duration::from_secs_f64(args.timeout));
    let method = login_method(&args)?;
    let report = actix_rt::System::new()
        .block_on(whoami(config, method))
        .context("cannot read the account")?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report.to_json())?);
    } else {
        print!("{}", report.to_text());
    }
    Ok(())
}
