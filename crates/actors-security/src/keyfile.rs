//! Key files: the key string of [`Security::to_key_string`] in a file readable only by
//! its owner (mode 0600 on Unix). This is what `scratchcomm keygen --out` writes and what
//! the reference's `Security.from_string(open(path).read())` loads.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use crate::error::{SecurityError, SecurityErrorKind};
use crate::keys::Security;

/// Writes `security`'s key string and a newline to `path`, creating the file with mode
/// 0600 on Unix. Refuses to replace an existing file unless `overwrite` is true (an
/// existing file keeps its permissions, so they are reset to 0600 too).
///
/// # Errors
/// [`SecurityErrorKind::Io`] when the file exists (and `overwrite` is false) or cannot be
/// written; the message names the path, never the key.
pub fn write_key_file(
    path: &Path,
    security: &Security,
    overwrite: bool,
) -> Result<(), SecurityError> {
    let io_error = |e: std::io::Error| {
        SecurityError::new(
            SecurityErrorKind::Io,
            format!("cannot write key file {}: {e}", path.display()),
        )
    };
    let mut options = OpenOptions::new();
    options.write(true);
    if overwrite {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io_error)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(io_error)?;
    }
    let text = security.to_key_string();
    file.write_all(text.as_bytes()).map_err(io_error)?;
    file.write_all(b"\n").map_err(io_error)?;
    file.sync_all().map_err(io_error)
}

/// Reads a key file written by [`write_key_file`] or by the reference library.
///
/// # Errors
/// [`SecurityErrorKind::Io`] when the file cannot be read; the errors of
/// [`Security::from_key_string`] when its content is not a key.
pub fn read_key_file(path: &Path) -> Result<Security, SecurityError> {
    let text = zeroize::Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
        SecurityError::new(
            SecurityErrorKind::Io,
            format!("cannot read key file {}: {e}", path.display()),
        )
    })?);
    Security::from_key_string(text.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("actors-security-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("key.txt")
    }

    #[test]
    fn writes_private_file_and_reads_it_back() {
        let path = temp_path("rw");
        let _ = std::fs::remove_file(&path);
        let sec = Security::generate_ec();
        write_key_file(&path, &sec, false).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            read_key_file(&path).unwrap().public_data(),
            sec.public_data()
        );
        let err = write_key_file(&path, &Security::generate_ec(), false).unwrap_err();
        assert_eq!(err.kind(), SecurityErrorKind::Io);
        let other = Security::generate_ec();
        write_key_file(&path, &other, true).unwrap();
        assert_eq!(
            read_key_file(&path).unwrap().public_data(),
            other.public_data()
        );
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn missing_file_is_an_io_error() {
        let err = read_key_file(Path::new("/nonexistent/dir/key.txt")).unwrap_err();
        assert_eq!(err.kind(), SecurityErrorKind::Io);
        assert!(err.detail().contains("/nonexistent/dir/key.txt"));
    }
}
