//! The `--state FILE` of `finhub onboard`: one journey of the onboarding
//! library, kept in the file by its [`FileStore::file`] — each save to an
//! exclusive `0600` temporary file beside it, flushed, renamed over the
//! file, the directory flushed, under an `flock`; a symbolic link at the
//! path is refused, never followed or replaced.
//!
//! The file holds the journey's state (ids, what was sent, what it waits
//! for), the customer's session tokens and a supplied activation code until
//! it is used, never a password. What this module adds:
//!
//! * a state file that group or others may read is set back to `0600`
//!   when it is opened, with a warning on stderr (it holds session tokens);
//! * a file written by an earlier `finhub onboard` (its own format, before
//!   the onboarding library) is refused naming the file and the format
//!   ([`StateError::EarlierFormat`]), as is a journey of another version
//!   ([`StateError::Version`]);
//! * the journey is keyed by the customer's e-mail and the FinHub it runs
//!   against ([`journey_id`]), so a file is never continued against another
//!   server ([`StateError::OtherFinhub`]).

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use finhub_onboarding::{
    FileStore, JOURNEY_VERSION, Journey, JourneyId, JourneyStore, LoadError, MAX_RECORD_BYTES,
    Runner, StoreError,
};

use crate::limited_read::read_file_limited;

/// Why a state file cannot be used. Each names the file; none quotes its
/// content.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The store refused the file (a symbolic link, not a regular file, not
    /// a journey record, too large, unreadable); the message names it.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Written by an earlier `finhub onboard`, in the command's own format.
    #[error(
        "{}: a state file of an earlier finhub onboard (its own format, unversioned); this \
         finhub reads journey version {supported} only: finish that onboarding with the finhub \
         that started it, or start again with a new --state file",
        path.display()
    )]
    EarlierFormat {
        /// The file.
        path: PathBuf,
        /// The journey version this finhub reads.
        supported: u32,
    },
    /// A journey of another version of the onboarding library.
    #[error(
        "{}: the journey is saved as version {found}; this finhub reads version {supported}",
        path.display()
    )]
    Version {
        /// The file.
        path: PathBuf,
        /// The version saved.
        found: u64,
        /// The version this finhub reads.
        supported: u32,
    },
    /// The saved state is not a journey.
    #[error("{}: not a finhub state file ({what})", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong, and where (never the content).
        what: String,
    },
    /// The journey runs against another FinHub.
    #[error(
        "{}: the onboarding of {email} against {saved}, not {base_url}; use --base-url {saved} \
         to continue it",
        path.display()
    )]
    OtherFinhub {
        /// The file.
        path: PathBuf,
        /// The customer's e-mail.
        email: String,
        /// The FinHub the journey runs against.
        saved: String,
        /// The FinHub of this run.
        base_url: String,
    },
    /// `--email` names another customer than the one of the file.
    #[error("{}: the onboarding of {saved}, not {given}; drop --email or use another --state file", path.display())]
    OtherCustomer {
        /// The file.
        path: PathBuf,
        /// The customer of the file.
        saved: String,
        /// The e-mail given.
        given: String,
    },
    /// The file is readable by others and could not be narrowed.
    #[error(
        "{}: group or others may read it (mode {mode:04o}) and it cannot be narrowed to 0600: {source}",
        path.display()
    )]
    Permissions {
        /// The file.
        path: PathBuf,
        /// Its mode.
        mode: u32,
        /// Why it could not be changed.
        source: std::io::Error,
    },
    /// The file could not be inspected.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// The key of the journey of `email` against `base_url`.
pub fn journey_id(email: &str, base_url: &str) -> JourneyId {
    JourneyId::new(format!("{email} on {base_url}"))
}

/// A `--state FILE`: the store of its one journey.
#[derive(Debug, Clone)]
pub struct StateFile {
    path: PathBuf,
    store: FileStore,
}

impl StateFile {
    /// Opens `path` (which need not exist yet; its directory must): refuses
    /// a file of an earlier `finhub onboard`, narrows a file others may
    /// read to `0600` (with a warning on stderr).
    pub fn open(path: &Path) -> Result<StateFile, StateError> {
        let store = FileStore::file(path)?;
        let state = StateFile {
            path: path.to_path_buf(),
            store,
        };
        match fs::symlink_metadata(path) {
            // The store refuses anything but a regular file by name.
            Ok(metadata) if metadata.file_type().is_file() => {
                narrow_permissions(path, &metadata)?;
                state.refuse_earlier_format()?;
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(StateError::Io {
                    path: path.to_path_buf(),
                    source,
                });
            }
        }
        Ok(state)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The store, for a [`Runner`].
    pub fn store(&self) -> FileStore {
        self.store.clone()
    }

    /// The id of the journey saved in the file, if any.
    pub async fn saved_id(&self) -> Result<Option<JourneyId>, StateError> {
        Ok(self.store.list(None).await?.into_iter().next())
    }

    /// The journey saved in the file, if any, for `base_url` (and the
    /// customer `email`, when given).
    pub async fn load(
        &self,
        runner: &Runner<FileStore>,
        base_url: &str,
        email: Option<&str>,
    ) -> Result<Option<Journey>, StateError> {
        let Some(id) = self.saved_id().await? else {
            return Ok(None);
        };
        let journey = match runner.load(&id).await {
            Ok(journey) => journey,
            Err(LoadError::Version { found, .. }) => {
                return Err(StateError::Version {
                    path: self.path.clone(),
                    found,
                    supported: JOURNEY_VERSION,
                });
            }
            Err(LoadError::Corrupt { what, .. }) => {
                return Err(StateError::Corrupt {
                    path: self.path.clone(),
                    what,
                });
            }
            Err(LoadError::Store(e)) => return Err(e.into()),
            Err(other) => {
                return Err(StateError::Corrupt {
                    path: self.path.clone(),
                    what: other.to_string(),
                });
            }
        };
        let Some(journey) = journey else {
            return Ok(None);
        };
        let saved_email = journey.customer().email.clone();
        if let Some(given) = email
            && !given.eq_ignore_ascii_case(&saved_email)
        {
            return Err(StateError::OtherCustomer {
                path: self.path.clone(),
                saved: saved_email,
                given: given.to_string(),
            });
        }
        if *journey.id() != journey_id(&saved_email, base_url) {
            let saved = journey
                .id()
                .as_str()
                .strip_prefix(&format!("{saved_email} on "))
                .unwrap_or("another FinHub")
                .to_string();
            return Err(StateError::OtherFinhub {
                path: self.path.clone(),
                email: saved_email,
                saved,
                base_url: base_url.to_string(),
            });
        }
        Ok(Some(journey))
    }

    /// Refuses the format of an earlier `finhub onboard` (an object with
    /// `base_url` and `completed`, no journey record).
    fn refuse_earlier_format(&self) -> Result<(), StateError> {
        let Ok(bytes) = read_file_limited(&self.path, MAX_RECORD_BYTES) else {
            // Unreadable or too large: the store says so by name.
            return Ok(());
        };
        let Ok(serde_json::Value::Object(fields)) = serde_json::from_slice(&bytes) else {
            return Ok(());
        };
        let earlier = fields.contains_key("base_url")
            && fields.contains_key("completed")
            && !fields.contains_key("revision");
        if earlier {
            return Err(StateError::EarlierFormat {
                path: self.path.clone(),
                supported: JOURNEY_VERSION,
            });
        }
        Ok(())
    }
}

/// Sets a state file that group or others may read back to `0600`, saying
/// so on stderr.
#[cfg(unix)]
fn narrow_permissions(path: &Path, before: &fs::Metadata) -> Result<(), StateError> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let mode = before.permissions().mode() & 0o777;
    if mode & 0o077 == 0 {
        return Ok(());
    }
    let io = |source| StateError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let opened = file.metadata().map_err(io)?;
    if (opened.dev(), opened.ino()) != (before.dev(), before.ino()) {
        return Err(io(std::io::Error::other(
            "the file was replaced while it was opened",
        )));
    }
    file.set_permissions(fs::Permissions::from_mode(0o600))
        .map_err(|source| StateError::Permissions {
            path: path.to_path_buf(),
            mode,
            source,
        })?;
    eprintln!(
        "warning: {}: group or others could read this state file (mode {mode:04o}); it is now \
         0600, but the customer's session in it may have been read",
        path.display()
    );
    Ok(())
}

#[cfg(not(unix))]
fn narrow_permissions(_: &Path, _: &fs::Metadata) -> Result<(), StateError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_file_of_an_earlier_finhub_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        fs::write(
            &path,
            r#"{"base_url": "https://finhub.example", "completed": ["categorization"],
                "password": "Canary-earlier-4e1b"}"#,
        )
        .unwrap();
        let err = StateFile::open(&path).unwrap_err();
        assert!(matches!(err, StateError::EarlierFormat { .. }), "{err:?}");
        let message = err.to_string();
        assert!(
            message.contains(&path.display().to_string())
                && message.contains("earlier finhub onboard")
                && message.contains("journey version 1"),
            "{message}"
        );
        assert!(!message.contains("Canary"), "{message}");
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_journey_is_refused_without_quoting_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        fs::write(&path, r#"{"password": Canary-broken-77}"#).unwrap();
        let state = StateFile::open(&path).unwrap();
        let err = state.saved_id().await.unwrap_err().to_string();
        assert!(err.contains("not a journey record"), "{err}");
        assert!(!err.contains("Canary"), "{err}");
    }

    #[test]
    fn the_journey_is_keyed_by_e_mail_and_finhub() {
        assert_eq!(
            journey_id("a@example.com", "https://finhub.example").as_str(),
            "a@example.com on https://finhub.example"
        );
    }
}
