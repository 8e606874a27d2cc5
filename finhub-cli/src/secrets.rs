//! Where the CLI's secrets (tenant key and secret, admin password, the
//! customer's password) come
//! from: a variable, a file or standard input — never the command line,
//! which other users of the machine can read (`ps`, `/proc`) and shells keep
//! in their history.
//!
//! A secret flag given the old way (`--tenant-secret VALUE`) is still
//! recognised, so that it is refused with a clear error; its value is
//! dropped while the command line is parsed and never stored or printed.

use std::env;
use std::io;
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use zeroize::Zeroize;

use crate::limited_read::{LimitedReadError, read_file_limited, read_limited};

/// Largest secret file (or standard input) read: 64 KiB.
pub const MAX_SECRET_BYTES: u64 = 64 * 1024;

/// One secret the CLI takes: what it is, its flags and its variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecretSpec {
    /// What it is, for messages ("tenant API secret").
    pub what: &'static str,
    /// The flag stem: `--{flag}-file`, `--{flag}-stdin`, refused `--{flag}`.
    pub flag: &'static str,
    /// The environment variable holding it.
    pub env: &'static str,
}

impl SecretSpec {
    /// The ways to give it, for messages.
    pub fn ways(&self) -> String {
        format!(
            "{}, --{}-file PATH or --{}-stdin",
            self.env, self.flag, self.flag
        )
    }
}

/// The tenant API key.
pub const TENANT_KEY: SecretSpec = SecretSpec {
    what: "tenant API key",
    flag: "tenant-key",
    env: "FINHUB_TENANT_KEY",
};

/// The tenant API secret.
pub const TENANT_SECRET: SecretSpec = SecretSpec {
    what: "tenant API secret",
    flag: "tenant-secret",
    env: "FINHUB_TENANT_SECRET",
};

/// The tenant admin's password.
pub const ADMIN_PASSWORD: SecretSpec = SecretSpec {
    what: "admin password",
    flag: "admin-password",
    env: "FINHUB_ADMIN_PASSWORD",
};

/// The password of the customer being onboarded: used for the
/// registration and for a login when the saved session cannot be renewed;
/// never saved.
pub const CUSTOMER_PASSWORD: SecretSpec = SecretSpec {
    what: "customer's password",
    flag: "customer-password",
    env: "FINHUB_CUSTOMER_PASSWORD",
};

/// Marks a secret flag that was given a value on the command line. The
/// value itself is dropped by [`discard`] while parsing: nothing holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GivenOnCommandLine;

/// Clap value parser for refused secret flags: forgets the value.
pub fn discard(_value: &str) -> Result<GivenOnCommandLine, std::convert::Infallible> {
    Ok(GivenOnCommandLine)
}

/// How one secret was asked for on the command line.
#[derive(Clone, Debug)]
pub struct SecretRequest {
    /// Which secret.
    pub spec: SecretSpec,
    /// `--{flag}-file PATH` (`-` means standard input).
    pub file: Option<PathBuf>,
    /// `--{flag}-stdin`.
    pub stdin: bool,
    /// The refused `--{flag} VALUE` was given.
    pub on_command_line: bool,
}

impl SecretRequest {
    fn reads_stdin(&self) -> bool {
        self.stdin || self.file.as_deref() == Some(Path::new("-"))
    }
}

/// Reads every requested secret: from its file or standard input when a
/// flag says so, else from its variable (absent or empty: `None`).
///
/// Checked before anything is read: no secret was given on the command
/// line, and at most one comes from standard input.
pub fn read_all(requests: &[SecretRequest]) -> Result<Vec<Option<SecretString>>, String> {
    if let Some(r) = requests.iter().find(|r| r.on_command_line) {
        return Err(format!(
            "--{} does not take the {} on the command line, where other users can read it \
             (ps, shell history); use {}",
            r.spec.flag,
            r.spec.what,
            r.spec.ways()
        ));
    }
    let from_stdin: Vec<&SecretRequest> = requests.iter().filter(|r| r.reads_stdin()).collect();
    if from_stdin.len() > 1 {
        let names: Vec<&str> = from_stdin.iter().map(|r| r.spec.what).collect();
        return Err(format!(
            "only one secret can be read from standard input, not {}; give the others in \
             files or variables",
            names.join(" and ")
        ));
    }
    requests.iter().map(read_one).collect()
}

fn read_one(request: &SecretRequest) -> Result<Option<SecretString>, String> {
    let spec = &request.spec;
    if request.reads_stdin() {
        let bytes = read_limited(io::stdin().lock(), MAX_SECRET_BYTES)
            .map_err(|e| format!("the {} from standard input: {}", spec.what, e))?;
        return secret_from_bytes(bytes, spec, "standard input").map(Some);
    }
    if let Some(path) = &request.file {
        let bytes = read_file_limited(path, MAX_SECRET_BYTES).map_err(|e| match e {
            LimitedReadError::Io(e) => format!("--{}-file {}: {e}", spec.flag, path.display()),
            too_large => format!("--{}-file {}: {too_large}", spec.flag, path.display()),
        })?;
        let source = format!("--{}-file {}", spec.flag, path.display());
        return secret_from_bytes(bytes, spec, &source).map(Some);
    }
    match env::var(spec.env) {
        Ok(value) if value.is_empty() => Ok(None),
        Ok(value) => Ok(Some(SecretString::from(value))),
        Err(env::VarError::NotPresent) => Ok(None),
        Err(env::VarError::NotUnicode(_)) => Err(format!("{} is not valid UTF-8", spec.env)),
    }
}

/// The secret in `bytes`: UTF-8, without one trailing line break, not empty.
fn secret_from_bytes(
    bytes: Vec<u8>,
    spec: &SecretSpec,
    source: &str,
) -> Result<SecretString, String> {
    let mut text = String::from_utf8(bytes).map_err(|e| {
        e.into_bytes().zeroize();
        format!("{source}: the {} is not valid UTF-8", spec.what)
    })?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    if text.is_empty() {
        return Err(format!("{source}: empty; expected the {}", spec.what));
    }
    Ok(SecretString::from(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn request(spec: SecretSpec) -> SecretRequest {
        SecretRequest {
            spec,
            file: None,
            stdin: false,
            on_command_line: false,
        }
    }

    #[test]
    fn a_secret_file_is_read_without_its_trailing_line_break() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, "s3cret-canary\r\n").unwrap();
        let secrets = read_all(&[SecretRequest {
            file: Some(path),
            ..request(TENANT_SECRET)
        }])
        .unwrap();
        assert_eq!(
            secrets[0].as_ref().unwrap().expose_secret(),
            "s3cret-canary"
        );
    }

    #[test]
    fn an_empty_or_huge_secret_file_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty");
        std::fs::write(&empty, "\n").unwrap();
        let err = read_all(&[SecretRequest {
            file: Some(empty),
            ..request(TENANT_KEY)
        }])
        .unwrap_err();
        assert!(
            err.contains("--tenant-key-file") && err.contains("empty"),
            "{err}"
        );
        let huge = dir.path().join("huge");
        std::fs::write(&huge, vec![b'x'; MAX_SECRET_BYTES as usize + 1]).unwrap();
        let err = read_all(&[SecretRequest {
            file: Some(huge),
            ..request(TENANT_KEY)
        }])
        .unwrap_err();
        assert!(err.contains("64 KiB"), "{err}");
    }

    #[test]
    fn a_value_on_the_command_line_is_refused_without_reading_anything() {
        let err = read_all(&[SecretRequest {
            on_command_line: true,
            ..request(ADMIN_PASSWORD)
        }])
        .unwrap_err();
        assert!(
            err.starts_with("--admin-password does not take the admin password")
                && err.contains(
                    "FINHUB_ADMIN_PASSWORD, --admin-password-file PATH or --admin-password-stdin"
                ),
            "{err}"
        );
    }

    #[test]
    fn at_most_one_secret_comes_from_standard_input() {
        let err = read_all(&[
            SecretRequest {
                stdin: true,
                ..request(TENANT_KEY)
            },
            SecretRequest {
                file: Some(PathBuf::from("-")),
                ..request(TENANT_SECRET)
            },
        ])
        .unwrap_err();
        assert!(
            err.starts_with("only one secret can be read from standard input")
                && err.contains("tenant API key and tenant API secret"),
            "{err}"
        );
    }
}
