//! [`FileStore`]: journeys kept as files, one JSON file per journey in a
//! directory, or one journey in a file the caller names (Unix).
//!
//! See [`FileStore`] for how the files are written.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::store::{
    JourneyId, JourneyStore, Phase, RawValue, Record, Revision, StoreError, blocking,
};

/// A [`Record`] as written: the state embedded as the JSON text saved.
#[derive(serde::Serialize)]
struct Written<'a> {
    id: &'a JourneyId,
    revision: Revision,
    phase: Phase,
    state: &'a RawValue,
}

/// Largest journey file read: 4 MiB (a journey's state is a few KiB).
pub const MAX_RECORD_BYTES: u64 = 4 << 20;

/// Journeys as files, one JSON file per journey in a directory (Unix).
///
/// A journey's state holds its customer's session tokens, so the files
/// are written the careful way:
///
/// * the directory is created `0700`; each save goes to a fresh temporary
///   file in the same directory, created exclusively with mode `0600`
///   before any byte is written (`tempfile`), flushed to disk, renamed over
///   the journey's file, and the directory flushed: after a crash the file
///   is the old record or the new one, whole;
/// * saves are conditional on the revision: under an exclusive `flock` on
///   the directory's `.lock` file (released by the kernel if the process
///   dies), the stored revision is compared with the expected one before
///   the rename, so two processes saving the same journey cannot both win;
/// * a file name is the SHA-256 of the journey id (an id may hold any
///   character); the id itself is inside the record;
/// * a journey file that is a symbolic link, or larger than
///   [`MAX_RECORD_BYTES`], is refused; so is a file that holds another
///   journey than the one loaded or saved.
///
/// [`FileStore::file`] keeps one journey in a file the caller names (a
/// command line's `--state FILE`), written the same way; its lock is an
/// `flock` on the file's directory, so nothing but the file (and, during a
/// save, its temporary file) is ever created there.
#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
    /// The one journey file of a single-file store.
    file: Option<PathBuf>,
}

fn backend(path: &Path, error: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(Box::new(io::Error::other(format!(
        "{}: {error}",
        path.display()
    ))))
}

impl FileStore {
    /// A store in `dir`, created (mode `0700`) if it does not exist.
    pub fn open(dir: impl Into<PathBuf>) -> Result<FileStore, StoreError> {
        let dir = dir.into();
        if !dir.exists() {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&dir)
                .map_err(|e| backend(&dir, e))?;
        }
        if !dir.is_dir() {
            return Err(backend(&dir, "not a directory"));
        }
        Ok(FileStore { dir, file: None })
    }

    /// A store of one journey, kept in the file `path` (created `0600` on
    /// the first save; its directory must exist and is not created). It
    /// holds whichever journey is saved first: loading or saving another
    /// id is refused naming both, and [`list`](JourneyStore::list) tells
    /// which one it holds. Saves are written as in a directory store; the
    /// lock is an `flock` on the directory itself, so no other file is left
    /// beside `path`.
    pub fn file(path: impl Into<PathBuf>) -> Result<FileStore, StoreError> {
        let path = path.into();
        if path.file_name().is_none() {
            return Err(backend(&path, "not a file name"));
        }
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(backend(&dir, "not a directory (the journey file's)"));
        }
        Ok(FileStore {
            dir,
            file: Some(path),
        })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of journey `id` (in a single-file store, the file).
    pub fn path_of(&self, id: &JourneyId) -> PathBuf {
        if let Some(file) = &self.file {
            return file.clone();
        }
        let digest = Sha256::digest(id.as_str().as_bytes());
        let name: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{name}.json"))
    }

    fn read(path: &Path) -> Result<Option<Record>, StoreError> {
        let metadata = match fs::symlink_metadata(path) {
            Ok(metadata) => metadata,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(backend(path, e)),
        };
        if metadata.file_type().is_symlink() {
            return Err(backend(
                path,
                "is a symbolic link; a journey file is neither followed nor replaced through \
                 a link: give the real path",
            ));
        }
        if !metadata.file_type().is_file() {
            return Err(backend(path, "not a regular file"));
        }
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(path);
        let file = match file {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(backend(path, e)),
        };
        let mut bytes = Vec::new();
        file.take(MAX_RECORD_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| backend(path, e))?;
        if bytes.len() as u64 > MAX_RECORD_BYTES {
            return Err(backend(
                path,
                format!("larger than {MAX_RECORD_BYTES} bytes; not a journey"),
            ));
        }
        serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            backend(
                path,
                format!(
                    "not a journey record ({:?} at line {}, column {})",
                    e.classify(),
                    e.line(),
                    e.column()
                ),
            )
        })
    }

    /// The exclusive lock of the directory, held while it lives: on its
    /// `.lock` file, or in a single-file store on the directory itself.
    fn lock(&self) -> Result<File, StoreError> {
        if self.file.is_some() {
            let dir = File::open(&self.dir).map_err(|e| backend(&self.dir, e))?;
            rustix::fs::flock(&dir, rustix::fs::FlockOperation::LockExclusive)
                .map_err(|e| backend(&self.dir, e))?;
            return Ok(dir);
        }
        let path = self.dir.join(".lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(&path)
            .map_err(|e| backend(&path, e))?;
        rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)
            .map_err(|e| backend(&path, e))?;
        Ok(file)
    }

    fn save_now(
        &self,
        id: &JourneyId,
        expected: Option<Revision>,
        phase: Phase,
        state: &RawValue,
    ) -> Result<Revision, StoreError> {
        let path = self.path_of(id);
        let _lock = self.lock()?;
        let found = match FileStore::read(&path)? {
            Some(record) if record.id != *id => {
                return Err(backend(
                    &path,
                    format!("holds journey {}, not {id}", record.id),
                ));
            }
            record => record.map(|r| r.revision),
        };
        if found != expected {
            return Err(StoreError::Conflict {
                id: id.clone(),
                expected,
                found,
            });
        }
        let revision = Revision(found.map_or(1, |r| r.0 + 1));
        let record = Written {
            id,
            revision,
            phase,
            state,
        };
        let json = serde_json::to_vec_pretty(&record).map_err(|e| backend(&path, e))?;
        let prefix = match &self.file {
            Some(file) => format!(
                ".{}.",
                file.file_name().unwrap_or_default().to_string_lossy()
            ),
            None => ".journey.".to_string(),
        };
        let mut temp = tempfile::Builder::new()
            .prefix(&prefix)
            .suffix(".tmp")
            .permissions(fs::Permissions::from_mode(0o600))
            .tempfile_in(&self.dir)
            .map_err(|e| backend(&self.dir, e))?;
        temp.write_all(&json)
            .and_then(|()| temp.as_file().sync_all())
            .map_err(|e| backend(temp.path(), e))?;
        temp.persist(&path).map_err(|e| backend(&path, e.error))?;
        File::open(&self.dir)
            .and_then(|dir| dir.sync_all())
            .map_err(|e| backend(&self.dir, e))?;
        Ok(revision)
    }

    fn list_now(&self, phase: Option<Phase>) -> Result<Vec<JourneyId>, StoreError> {
        if let Some(file) = &self.file {
            return Ok(FileStore::read(file)?
                .filter(|record| phase.is_none_or(|p| record.phase == p))
                .map(|record| vec![record.id])
                .unwrap_or_default());
        }
        let mut ids = Vec::new();
        for entry in fs::read_dir(&self.dir).map_err(|e| backend(&self.dir, e))? {
            let entry = entry.map_err(|e| backend(&self.dir, e))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || !name.ends_with(".json") {
                continue;
            }
            if let Some(record) = FileStore::read(&entry.path())?
                && phase.is_none_or(|p| record.phase == p)
            {
                ids.push(record.id);
            }
        }
        ids.sort();
        Ok(ids)
    }
}

impl JourneyStore for FileStore {
    async fn load(&self, id: &JourneyId) -> Result<Option<Record>, StoreError> {
        let path = self.path_of(id);
        let id = id.clone();
        blocking(move || {
            let record = FileStore::read(&path)?;
            match record {
                Some(record) if record.id != id => Err(backend(
                    &path,
                    format!("holds journey {}, not {id}", record.id),
                )),
                other => Ok(other),
            }
        })
        .await
    }

    async fn save(
        &self,
        id: &JourneyId,
        expected: Option<Revision>,
        phase: Phase,
        state: &RawValue,
    ) -> Result<Revision, StoreError> {
        let store = self.clone();
        let (id, state) = (id.clone(), state.to_owned());
        blocking(move || store.save_now(&id, expected, phase, &state)).await
    }

    async fn list(&self, phase: Option<Phase>) -> Result<Vec<JourneyId>, StoreError> {
        let store = self.clone();
        blocking(move || store.list_now(phase)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(n: u64) -> serde_json::Value {
        serde_json::json!({"version": 1, "n": n})
    }

    fn state(n: u64) -> Box<RawValue> {
        serde_json::value::to_raw_value(&value(n)).unwrap()
    }

    #[tokio::test]
    async fn saves_are_conditional_atomic_and_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::open(dir.path().join("journeys")).unwrap();
        assert_eq!(
            fs::metadata(store.dir()).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let a = JourneyId::new("marcus@example.com");
        let b = JourneyId::new("../../etc/passwd");
        assert_eq!(store.load(&a).await.unwrap(), None);
        let r1 = store
            .save(&a, None, Phase::Running, &state(1))
            .await
            .unwrap();
        assert_eq!(r1, Revision(1));
        assert!(matches!(
            store.save(&a, None, Phase::Running, &state(9)).await,
            Err(StoreError::Conflict {
                expected: None,
                found: Some(Revision(1)),
                ..
            })
        ));
        let r2 = store
            .save(&a, Some(r1), Phase::Waiting, &state(2))
            .await
            .unwrap();
        assert!(matches!(
            store.save(&a, Some(r1), Phase::Done, &state(9)).await,
            Err(StoreError::Conflict {
                found: Some(Revision(2)),
                ..
            })
        ));
        store.save(&b, None, Phase::Done, &state(3)).await.unwrap();
        let loaded = store.load(&a).await.unwrap().unwrap();
        assert_eq!(
            (loaded.revision, loaded.phase, loaded.state),
            (r2, Phase::Waiting, value(2))
        );
        // One file per journey, 0600, inside the directory (the odd id
        // included), no temporary file left.
        let mut names: Vec<String> = fs::read_dir(store.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != ".lock")
            .collect();
        names.sort();
        assert_eq!(names.len(), 2, "{names:?}");
        for name in &names {
            assert!(name.ends_with(".json") && name.len() == 64 + 5, "{name}");
            let mode = fs::metadata(store.dir().join(name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
        }
        assert_eq!(store.list(None).await.unwrap(), vec![b.clone(), a.clone()]);
        assert_eq!(
            store.list(Some(Phase::Waiting)).await.unwrap(),
            vec![a.clone()]
        );
        assert_eq!(store.list(Some(Phase::Failed)).await.unwrap(), vec![]);
    }

    /// Many writers (tasks with their own store handles, as processes
    /// would have) race on one revision: exactly one wins each round.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writers_of_one_revision_get_one_winner() {
        let dir = tempfile::tempdir().unwrap();
        let id = JourneyId::new("race");
        let store = FileStore::open(dir.path()).unwrap();
        let mut revision = store
            .save(&id, None, Phase::Running, &state(0))
            .await
            .unwrap();
        for round in 1..=5u64 {
            let mut tasks = tokio::task::JoinSet::new();
            for writer in 0..8u64 {
                let store = FileStore::open(dir.path()).unwrap();
                let id = id.clone();
                tasks.spawn(async move {
                    store
                        .save(
                            &id,
                            Some(revision),
                            Phase::Running,
                            &state(round * 100 + writer),
                        )
                        .await
                });
            }
            let mut winners = Vec::new();
            while let Some(result) = tasks.join_next().await {
                match result.unwrap() {
                    Ok(r) => winners.push(r),
                    Err(StoreError::Conflict { .. }) => {}
                    Err(other) => panic!("{other}"),
                }
            }
            assert_eq!(winners, [Revision(revision.0 + 1)], "round {round}");
            revision = winners[0];
        }
        assert_eq!(
            store.load(&id).await.unwrap().unwrap().revision,
            Revision(6)
        );
    }

    #[tokio::test]
    async fn a_link_or_an_oversized_or_foreign_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::open(dir.path()).unwrap();
        let id = JourneyId::new("linked");
        let target = dir.path().join("elsewhere.txt");
        fs::write(&target, "{}").unwrap();
        std::os::unix::fs::symlink(&target, store.path_of(&id)).unwrap();
        let err = store.load(&id).await.unwrap_err();
        assert!(err.to_string().contains("is a symbolic link"), "{err}");

        let big = JourneyId::new("big");
        fs::write(
            store.path_of(&big),
            vec![b' '; MAX_RECORD_BYTES as usize + 1],
        )
        .unwrap();
        let err = store.load(&big).await.unwrap_err();
        assert!(err.to_string().contains("larger than"), "{err}");

        // A record of another journey under this one's name.
        let other = JourneyId::new("other");
        store
            .save(&other, None, Phase::Done, &state(1))
            .await
            .unwrap();
        let moved = JourneyId::new("moved");
        fs::rename(store.path_of(&other), store.path_of(&moved)).unwrap();
        let err = store.load(&moved).await.unwrap_err();
        assert!(err.to_string().contains("holds journey other"), "{err}");
    }

    /// A single-file store keeps one journey in the named file, written
    /// like a directory store's (0600, atomic, conditional), leaves nothing
    /// else beside it, and refuses another journey and a link.
    #[tokio::test]
    async fn a_single_file_store_keeps_one_journey_in_the_named_file() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("unrelated.txt"), "x").unwrap();
        let path = dir.path().join("onboarding.json");
        let store = FileStore::file(&path).unwrap();
        let a = JourneyId::new("marcus@example.com");
        assert_eq!(store.path_of(&a), path);
        assert_eq!(store.load(&a).await.unwrap(), None);
        assert_eq!(store.list(None).await.unwrap(), vec![]);
        let r1 = store
            .save(&a, None, Phase::Running, &state(1))
            .await
            .unwrap();
        let r2 = store
            .save(&a, Some(r1), Phase::Waiting, &state(2))
            .await
            .unwrap();
        assert!(matches!(
            store.save(&a, Some(r1), Phase::Done, &state(9)).await,
            Err(StoreError::Conflict { .. })
        ));
        let loaded = store.load(&a).await.unwrap().unwrap();
        assert_eq!((loaded.revision, loaded.state), (r2, value(2)));
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let mut names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["onboarding.json", "unrelated.txt"]);
        assert_eq!(store.list(None).await.unwrap(), vec![a.clone()]);
        assert_eq!(store.list(Some(Phase::Done)).await.unwrap(), vec![]);

        // Another journey: refused on load and on save, the file untouched.
        let b = JourneyId::new("ann@example.com");
        let err = store.load(&b).await.unwrap_err();
        assert!(
            err.to_string()
                .contains("holds journey marcus@example.com, not ann@example.com"),
            "{err}"
        );
        let err = store
            .save(&b, None, Phase::Running, &state(3))
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("holds journey marcus@example.com"),
            "{err}"
        );
        assert_eq!(store.load(&a).await.unwrap().unwrap().state, value(2));

        // A link at the path: refused, its target neither read nor written.
        let target = dir.path().join("elsewhere.txt");
        fs::write(&target, "precious").unwrap();
        let linked = dir.path().join("linked.json");
        std::os::unix::fs::symlink(&target, &linked).unwrap();
        let store = FileStore::file(&linked).unwrap();
        let err = store
            .save(&a, None, Phase::Running, &state(1))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("is a symbolic link"), "{err}");
        assert!(store.load(&a).await.is_err());
        assert_eq!(fs::read_to_string(&target).unwrap(), "precious");
        assert!(
            fs::symlink_metadata(&linked)
                .unwrap()
                .file_type()
                .is_symlink()
        );

        // A directory that does not exist is named.
        let err = FileStore::file(dir.path().join("missing").join("state.json")).unwrap_err();
        assert!(err.to_string().contains("missing"), "{err}");
    }
}
