//! `scratchcomm watch`: print every cloud-variable event of a project, one line each.
//! Also holds the connection arguments `scratchcomm set` shares.

use actors_cloud::{CloudEvent, CloudHandle, ConnectionConfig, EventKind, SessionId};
use clap::Args;

/// Which server and project to talk to, and who we are.
#[derive(Args, Debug, Clone)]
pub struct TargetArgs {
    /// `scratch`, `turbowarp`, or a ws:// / wss:// URL (e.g. the embedded server).
    #[arg(long)]
    pub host: String,
    /// Project id (decimal for Scratch).
    #[arg(long)]
    pub project: String,
    /// Contact info for the User-Agent (required for TurboWarp).
    #[arg(long)]
    pub contact: Option<String>,
    /// Username for the handshake (default: player + random digits; required for Scratch).
    #[arg(long)]
    pub username: Option<String>,
    /// Scratch session id (the `scratchsessionsid` cookie); only sent to Scratch.
    #[arg(long, env = "SCRATCH_SESSION_ID", hide_env_values = true)]
    pub session_id: Option<String>,
    /// Allow any string value, not only plain decimals (for custom hosts that relay strings).
    #[arg(long)]
    pub strings: bool,
    /// Fall over to this host when the current one cannot be opened (repeatable, in order):
    /// `turbowarp` (TurboWarp's hosts, same project id), `turbowarp-fallback` (TurboWarp's
    /// second domain) or a ws:// / wss:// URL.
    #[arg(long = "fallback", value_name = "HOST")]
    pub fallbacks: Vec<String>,
    /// Also trust the CA certificate(s) in this PEM file for wss:// hosts.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<std::path::PathBuf>,
    /// Accept any certificate of a wss:// host, unverified (a warning is logged).
    #[arg(long)]
    pub allow_no_certificate: bool,
}

impl TargetArgs {
    /// The connection settings these arguments describe.
    pub fn config(&self) -> anyhow::Result<ConnectionConfig> {
        let mut cfg = match self.host.as_str() {
            "scratch" => {
                let Some(session) = &self.session_id else {
                    anyhow::bail!("--host scratch needs --session-id (or SCRATCH_SESSION_ID)");
                };
                let Some(user) = &self.username else {
                    anyhow::bail!(
                        "--host scratch needs --username (the session's Scratch username)"
                    );
                };
                if self.strings {
                    anyhow::bail!("Scratch accepts numerals only; --strings is not allowed with --host scratch");
                }
                ConnectionConfig::scratch(
                    &self.project,
                    SessionId::new(session.clone()),
                    user.clone(),
                )
            }
            "turbowarp" => {
                ConnectionConfig::turbowarp(&self.project, self.contact.as_deref().unwrap_or(""))
            }
            url if url.starts_with("ws://") || url.starts_with("wss://") => {
                let mut c = ConnectionConfig::custom(url, &self.project);
                if let Some(contact) = &self.contact {
                    c = c.contact(contact);
                }
                c
            }
            other => anyhow::bail!(
                "--host {other:?}: expected scratch, turbowarp, or a ws:// or wss:// URL"
            ),
        };
        if self.host != "scratch" {
            if let Some(user) = &self.username {
                cfg = cfg.username(user.clone());
            }
            cfg = cfg.accept_strings(self.strings);
        }
        cfg = self.network(cfg)?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Fallback hosts and TLS settings.
    fn network(&self, mut cfg: ConnectionConfig) -> anyhow::Result<ConnectionConfig> {
        for fallback in &self.fallbacks {
            cfg = match fallback.as_str() {
                "turbowarp" => {
                    let Some(contact) = self.contact.as_deref() else {
                        anyhow::bail!("--fallback turbowarp needs --contact (TurboWarp requires it)");
                    };
                    cfg.fallback_to_turbowarp(contact)
                }
                "turbowarp-fallback" => cfg.turbowarp_fallback_host(),
                url if url.starts_with("ws://") || url.starts_with("wss://") => cfg.fallback_url(url),
                other => anyhow::bail!(
                    "--fallback {other:?}: expected turbowarp, turbowarp-fallback, or a ws:// or wss:// URL"
                ),
            };
        }
        if let Some(path) = &self.ca_file {
            let pem = std::fs::read(path).map_err(|e| {
                anyhow::anyhow!("--ca-file {}: cannot read it: {e}", path.display())
            })?;
            cfg = cfg.ca_pem(pem);
            if let Err(e) = cfg.tls_check() {
                anyhow::bail!("--ca-file {}: {e}", path.display());
            }
        }
        if self.allow_no_certificate {
            cfg = cfg.allow_no_certificate(true);
        }
        Ok(cfg)
    }
}

/// Arguments of `scratchcomm watch`.
#[derive(Args, Debug)]
pub struct WatchArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// One JSON object per line (`type`, `name`, `value`, ...).
    #[arg(long)]
    pub json: bool,
    /// Exit after this many variable events (set/create/delete/rename).
    #[arg(long)]
    pub count: Option<u64>,
    /// First print every variable the server already has (type `snapshot`).
    #[arg(long)]
    pub initial: bool,
}

/// Run `scratchcomm watch`.
pub fn run(args: WatchArgs) -> anyhow::Result<()> {
    let cfg = args.target.config()?;
    actix_rt::System::new().block_on(async move {
        let handle = CloudHandle::connect(cfg).await?;
        let mut events = handle.events();
        if args.initial {
            for (raw, value) in handle.variables() {
                let name = scratchcomm_wire::strip_prefix(&raw);
                if args.json {
                    let line = serde_json::json!({"type": "snapshot", "name": name, "value": value.as_str(), "raw_name": raw});
                    println!("{line}");
                } else {
                    println!("snapshot {name} = {value}");
                }
            }
        }
        if args.count == Some(0) {
            handle.stop().await;
            return Ok(());
        }
        let mut seen = 0u64;
        let mut failure = None;
        while let Some(ev) = events.next_event().await {
            println!(
                "{}",
                if args.json {
                    json_line(&ev)
                } else {
                    text_line(&ev)
                }
            );
            match &ev.kind {
                EventKind::Error { message } => failure = Some(message.clone()),
                EventKind::Set
                | EventKind::Create
                | EventKind::Delete
                | EventKind::Rename { .. } => seen += 1,
                _ => {}
            }
            if args.count.is_some_and(|n| seen >= n) {
                handle.stop().await;
                return Ok(());
            }
        }
        match failure {
            Some(m) => anyhow::bail!("{m}"),
            None => Ok(()),
        }
    })
}

fn value_text(ev: &CloudEvent) -> &str {
    ev.value.as_ref().map(|v| v.as_str()).unwrap_or("")
}

/// `set score = 42`, `rename a -> b`, `disconnect: reason`, ...
pub fn text_line(ev: &CloudEvent) -> String {
    let t = ev.event_type().as_str();
    match &ev.kind {
        EventKind::Set | EventKind::Create => format!("{t} {} = {}", ev.name, value_text(ev)),
        EventKind::Delete => format!("{t} {}", ev.name),
        EventKind::Rename { new_name } => format!("{t} {} -> {new_name}", ev.name),
        EventKind::Disconnect { reason, .. } => format!("{t}: {reason}"),
        EventKind::HostSwitch { from, to } => format!("{t}: {from} -> {to}"),
        EventKind::Error { message } => format!("{t}: {message}"),
        EventKind::Lagged { missed } => format!("{t}: {missed} events dropped"),
        EventKind::Other { method } => format!("{t} {method} {} = {}", ev.name, value_text(ev)),
        _ => t.to_owned(),
    }
}

/// One JSON object: `type`, `name`, `value` (null when none), `raw_name`, `project_id`,
/// `source`, `timestamp_ms`, plus `new_name` / `reason` and `close_code` / `message` /
/// `missed` when they apply.
pub fn json_line(ev: &CloudEvent) -> String {
    let ms = ev
        .timestamp
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let mut o = serde_json::json!({
        "type": ev.event_type().as_str(),
        "name": ev.name,
        "value": ev.value.as_ref().map(|v| v.as_str()),
        "raw_name": ev.raw_name,
        "project_id": ev.project_id.as_str(),
        "source": ev.source.as_str(),
        "timestamp_ms": ms,
    });
    let extra = match &ev.kind {
        EventKind::Rename { new_name } => Some(("new_name", serde_json::json!(new_name))),
        EventKind::Disconnect { reason, code } => {
            if let Some(map) = o.as_object_mut() {
                // The close code's number (null without a close frame), beside the text.
                map.insert(
                    "close_code".to_owned(),
                    serde_json::json!(code.map(|c| c.0)),
                );
            }
            Some(("reason", serde_json::json!(reason)))
        }
        EventKind::HostSwitch { to, .. } => Some(("to", serde_json::json!(to))),
        EventKind::Error { message } => Some(("message", serde_json::json!(message))),
        EventKind::Lagged { missed } => Some(("missed", serde_json::json!(missed))),
        EventKind::Other { method } => Some(("method", serde_json::json!(method))),
        EventKind::Custom { name, .. } => Some(("custom", serde_json::json!(name))),
        _ => None,
    };
    if let (Some((k, v)), Some(map)) = (extra, o.as_object_mut()) {
        map.insert(k.to_owned(), v);
    }
    o.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actors_cloud::{CloudValue, HostKind, ProjectId, SourceId};
    use clap::Parser;

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        t: TargetArgs,
    }

    fn cfg(args: &[&str]) -> anyhow::Result<ConnectionConfig> {
        let mut argv = vec!["x"];
        argv.extend_from_slice(args);
        T::try_parse_from(argv)?.t.config()
    }

    #[test]
    fn host_choices() {
        let c = cfg(&["--host", "ws://127.0.0.1:9080/", "--project", "p"]).unwrap();
        assert_eq!(c.host_kind(), HostKind::Custom);
        let c = cfg(&["--host", "turbowarp", "--project", "1", "--contact", "me"]).unwrap();
        assert_eq!(c.host_kind(), HostKind::TurboWarp);
        let args = [
            "--host",
            "scratch",
            "--project",
            "12",
            "--session-id",
            "s",
            "--username",
            "u",
        ];
        assert_eq!(cfg(&args).unwrap().host_kind(), HostKind::Scratch);
    }

    #[test]
    fn bad_inputs_are_one_clear_error() {
        let e = cfg(&["--host", "turbowarp", "--project", "1"]).unwrap_err();
        assert!(e.to_string().contains("contact"), "{e}");
        let e = cfg(&["--host", "ftp://x", "--project", "1"]).unwrap_err();
        assert!(e.to_string().contains("ws://"), "{e}");
        let e = cfg(&["--host", "ws://", "--project", "1"]).unwrap_err();
        assert!(e.to_string().contains("no host"), "{e}");
        let e = cfg(&["--host", "ws://h/", "--project", "a b"]).unwrap_err();
        assert!(e.to_string().contains("project id"), "{e}");
        let args = [
            "--host",
            "scratch",
            "--project",
            "x1",
            "--session-id",
            "s",
            "--username",
            "u",
        ];
        assert!(cfg(&args).unwrap_err().to_string().contains("decimal"));
        let e = cfg(&["--host", "scratch", "--project", "1", "--username", "u"]).unwrap_err();
        assert!(e.to_string().contains("session"), "{e}");
    }

    #[test]
    fn fallback_and_tls_flags() {
        let c = cfg(&[
            "--host",
            "scratch",
            "--project",
            "12",
            "--session-id",
            "s",
            "--username",
            "u",
            "--contact",
            "me",
            "--fallback",
            "turbowarp",
        ])
        .unwrap();
        assert_eq!(c.hosts().len(), 3);
        let c = cfg(&[
            "--host",
            "wss://127.0.0.1:1/",
            "--project",
            "p",
            "--fallback",
            "ws://127.0.0.1:2/",
            "--allow-no-certificate",
        ])
        .unwrap();
        assert_eq!(c.hosts()[1].url, "ws://127.0.0.1:2/");
        assert!(!c.get_tls().is_default());
        let e = cfg(&["--host", "ws://h/", "--project", "p", "--fallback", "x"]).unwrap_err();
        assert!(e.to_string().contains("--fallback"), "{e}");
        let missing = std::env::temp_dir().join("scratchcomm-no-such-ca.pem");
        let e = cfg(&[
            "--host",
            "ws://h/",
            "--project",
            "p",
            "--ca-file",
            missing.to_str().unwrap(),
        ])
        .unwrap_err();
        assert!(e.to_string().contains("--ca-file"), "{e}");
        let not_pem =
            std::env::temp_dir().join(format!("scratchcomm-ca-{}.txt", std::process::id()));
        std::fs::write(&not_pem, "hello").unwrap();
        let e = cfg(&[
            "--host",
            "ws://h/",
            "--project",
            "p",
            "--ca-file",
            not_pem.to_str().unwrap(),
        ])
        .unwrap_err();
        let _ = std::fs::remove_file(&not_pem);
        assert!(e.to_string().contains("PEM"), "{e}");
    }

    #[test]
    fn json_lines_have_type_name_value() {
        let ev = CloudEvent {
            kind: EventKind::Rename {
                new_name: "b".into(),
            },
            source: SourceId::new("s"),
            project_id: ProjectId::new("p").unwrap(),
            name: "a".into(),
            raw_name: "☁ a".into(),
            value: Some(CloudValue::new("5")),
            timestamp: std::time::UNIX_EPOCH,
            user: None,
        };
        let v: serde_json::Value = serde_json::from_str(&json_line(&ev)).unwrap();
        assert_eq!(v["type"], "rename");
        assert_eq!(v["name"], "a");
        assert_eq!(v["value"], "5");
        assert_eq!(v["new_name"], "b");
        assert_eq!(text_line(&ev), "rename a -> b");
        let gone = CloudEvent {
            kind: EventKind::Disconnect {
                code: Some(actors_cloud::CloseCode::USERNAME),
                reason: "closed with 4002 (invalid or taken username)".into(),
            },
            ..ev
        };
        let v: serde_json::Value = serde_json::from_str(&json_line(&gone)).unwrap();
        assert_eq!(v["close_code"], 4002);
        assert_eq!(v["reason"], "closed with 4002 (invalid or taken username)");
    }
}
