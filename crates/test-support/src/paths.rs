//! The repository's folders and free loopback ports.

use std::net::{Ipv4Addr, TcpListener};
use std::path::PathBuf;

/// The repository's root (the folder of the workspace's `Cargo.toml`).
pub fn repo_root() -> PathBuf {
    // crates/test-support → the root is two levels up.
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent()
        .and_then(|p| p.parent())
        .map(PathBuf::from)
        .unwrap_or(here)
}

/// `../shared/` beside the repository, if it is there.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = repo_root().join("..").join("shared");
    dir.is_dir().then_some(dir)
}

/// `../shared/<relative>` when it exists. Under CI (`CI` set) a missing file panics with its
/// path; elsewhere this prints why the test is skipped and returns `None`.
pub fn require_shared(relative: &str) -> Option<PathBuf> {
    let path = repo_root().join("..").join("shared").join(relative);
    if path.exists() {
        return Some(path);
    }
    let message = format!(
        "{} is missing: it belongs beside the repository in ../shared/",
        path.display()
    );
    if std::env::var_os("CI").is_some() {
        panic!("{message}");
    }
    eprintln!("skipped: {message}");
    None
}

/// A loopback port that was free a moment ago (bind to port 0, read it, release it). For
/// servers that cannot be given port 0 themselves.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_holds_the_workspace_manifest() {
        let manifest = std::fs::read_to_string(repo_root().join("Cargo.toml")).unwrap();
        assert!(manifest.contains("[workspace]"));
    }

    #[test]
    fn free_port_can_be_bound_again() {
        let port = free_port();
        assert_ne!(port, 0);
        TcpListener::bind((Ipv4Addr::LOCALHOST, port)).expect("the port is free");
    }
}
