//! `scratchcomm keygen`: make a server key for secure cloud sockets.

use std::io::Write;
use std::path::PathBuf;

use actors_security::write_key_file;
use actors_security::Security;
use anyhow::Context;
use clap::Args;

/// Arguments of `scratchcomm keygen` (see [`AFTER_HELP`] for what goes where).
/// Where the key and the public data go; shown after the options in `--help`.
pub const AFTER_HELP: &str = "\
Output:
  The key string (the format the original Python library's Security.from_string loads)
  is SECRET. With --out FILE it is written to FILE (mode 0600; an existing FILE is kept
  unless --force) and stdout gets only the public data. Without --out, stdout gets the
  key string on its first line, then the public data.

  The public data is a JSON object: Scratch stage variable name -> value to put in the
  project's client sprite (for EC: [secure] public base, [secure] public point and
  [secure] key exchange scheme = EC; for RSA: exponent, modulus and scheme RSA).

Examples:
  scratchcomm keygen --out server.key > public.json
  scratchcomm keygen --rsa --out rsa.key";

#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct KeygenArgs {
    /// Make textbook RSA keys (public exponent 3, ~2080-bit modulus) instead of EC.
    /// EC is much faster for the client sprite.
    #[arg(long)]
    pub rsa: bool,
    /// Write the key string to FILE (created with mode 0600) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace FILE if it already exists.
    #[arg(long, requires = "out")]
    pub force: bool,
}

pub fn run(args: KeygenArgs) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    generate(&args, &mut out)
}

/// Does the work of [`run`], printing to `out`.
fn generate(args: &KeygenArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let security = if args.rsa {
        Security::generate_rsa()
    } else {
        Security::generate_ec()
    };
    match &args.out {
        Some(path) => write_key_file(path, &security, args.force)
            .with_context(|| "key not written (use --force to replace an existing file)")?,
        None => writeln!(out, "{}", security.to_key_string().as_str())?,
    }
    let public = serde_json::to_string_pretty(&security.public_data())?;
    writeln!(out, "{public}")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("keygen-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn writes_key_file_and_prints_public_data() {
        let dir = temp_dir("out");
        let path = dir.join("server.key");
        let args = KeygenArgs {
            rsa: false,
            out: Some(path.clone()),
            force: false,
        };
        let mut printed = Vec::new();
        generate(&args, &mut printed).unwrap();
        let public: BTreeMap<String, String> = serde_json::from_slice(&printed).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("ECxxxxx1[") && text.ends_with("]\n"));
        let loaded = Security::from_key_string(text.trim_end()).unwrap();
        assert_eq!(loaded.public_data(), public);
        assert_eq!(public["[secure] key exchange scheme"], "EC");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // An existing file is kept unless --force.
        let err = generate(&args, &mut Vec::new()).unwrap_err();
        assert!(format!("{err:#}").contains("--force"), "{err:#}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        let forced = KeygenArgs {
            force: true,
            ..args
        };
        generate(&forced, &mut Vec::new()).unwrap();
        assert_ne!(std::fs::read_to_string(&path).unwrap(), text);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn without_out_prints_key_then_public_data() {
        let args = KeygenArgs {
            rsa: false,
            out: None,
            force: false,
        };
        let mut printed = Vec::new();
        generate(&args, &mut printed).unwrap();
        let printed = String::from_utf8(printed).unwrap();
        let (key, json) = printed.split_once('\n').unwrap();
        let loaded = Security::from_key_string(key).unwrap();
        let public: BTreeMap<String, String> = serde_json::from_str(json).unwrap();
        assert_eq!(loaded.public_data(), public);
    }
}
