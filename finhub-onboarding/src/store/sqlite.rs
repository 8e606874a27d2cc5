//! [`SqliteStore`]: journeys in one SQLite file, for a batch on one
//! machine (feature `sqlite`, on by default; SQLite is compiled in).
//!
//! # The file
//!
//! One table, `journeys`, one row per journey:
//!
//! | column | type | what |
//! |---|---|---|
//! | `id` | `TEXT PRIMARY KEY` | the [`JourneyId`] |
//! | `revision` | `INTEGER` | the [`Revision`] (1 for the first save) |
//! | `phase` | `TEXT` | `running`, `waiting`, `done` or `failed` |
//! | `state` | `TEXT` | the journey's state, JSON |
//! | `updated_at` | `INTEGER` | time of the last save, Unix milliseconds |
//! | `claimed_by` | `TEXT` | the [`WorkerId`] holding the journey, if any |
//! | `lease_until` | `INTEGER` | end of that claim (or time of its release), Unix milliseconds |
//!
//! `PRAGMA user_version` is the layout's version (1); a file of a newer
//! layout is refused. The file is in WAL mode: readers never wait for the
//! writer, and `sqlite3 FILE 'select id, phase from journeys'` can watch a
//! batch while it runs.
//!
//! # Saves
//!
//! A save is `INSERT … ON CONFLICT DO NOTHING` (a new journey) or
//! `UPDATE … WHERE id = ? AND revision = ?`; when no row changes, the save
//! is a [`StoreError::Conflict`] naming the revision found, as
//! [`MemoryStore`](super::MemoryStore) does. SQLite runs blocking calls, so
//! none of them runs on the async runtime: one writer thread owns the only
//! writing connection and commits the saves (and claims) waiting for it
//! together, in one transaction (group commit: one disk sync for many
//! saves); each save still succeeds or conflicts on its own, and its
//! future completes only after the commit. Loads and lists run on
//! `spawn_blocking` threads with read-only connections.
//!
//! [`Durability::Full`] (the default) syncs the disk at every commit: a
//! save that returned survives a power cut. [`Durability::Normal`] may lose
//! the last commits on a power cut (never on a crash of the process), for
//! more saves per second.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use finhub_ext::{Clock, SystemClock};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use tokio::sync::oneshot;

use super::claim::{ClaimingStore, WorkerId, lease_end};
use super::encoding::{backend, phase_code, phase_from_code, revision_from, revision_value};
use super::{JourneyId, JourneyStore, Phase, RawValue, Record, Revision, StoreError, blocking};

/// The layout version written to `PRAGMA user_version`.
const LAYOUT_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS journeys (
    id          TEXT PRIMARY KEY NOT NULL,
    revision    INTEGER NOT NULL,
    phase       TEXT NOT NULL CHECK (phase IN ('running', 'waiting', 'done', 'failed')),
    state       TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    claimed_by  TEXT,
    lease_until INTEGER
);
CREATE INDEX IF NOT EXISTS journeys_by_phase ON journeys (phase, id);
CREATE INDEX IF NOT EXISTS journeys_by_lease ON journeys (phase, lease_until);
";

/// How far a commit is carried to the disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Durability {
    /// `synchronous = FULL`: a save that returned survives a power cut.
    #[default]
    Full,
    /// `synchronous = NORMAL`: the last commits may be lost on a power cut
    /// (not on a crash of the process); the file stays consistent.
    Normal,
}

/// How a [`SqliteStore`] is opened.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    durability: Durability,
    max_batch: usize,
    clock: Arc<dyn Clock>,
}

impl Default for SqliteOptions {
    /// [`Durability::Full`], up to 512 writes per commit, the system clock.
    fn default() -> Self {
        SqliteOptions {
            durability: Durability::Full,
            max_batch: 512,
            clock: Arc::new(SystemClock),
        }
    }
}

impl SqliteOptions {
    /// How far a commit is carried to the disk (default [`Durability::Full`]).
    pub fn durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// The most writes committed together (default 512; at least 1).
    pub fn max_batch(mut self, writes: usize) -> Self {
        self.max_batch = writes.max(1);
        self
    }

    /// The clock of `updated_at` and of leases (default the system clock;
    /// tests pass a [`ManualClock`](finhub_ext::ManualClock)).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}

/// Journeys in one SQLite file (see the [module docs](self)).
pub struct SqliteStore {
    writer: mpsc::Sender<Command>,
    readers: Arc<Readers>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.readers.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (or creates) the store in the file at `path`, with the default
    /// [`SqliteOptions`].
    pub async fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        Self::open_with(path, SqliteOptions::default()).await
    }

    /// Opens (or creates) the store in the file at `path`.
    pub async fn open_with(
        path: impl AsRef<Path>,
        options: SqliteOptions,
    ) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        let opened = path.clone();
        let durability = options.durability;
        let connection = blocking(move || open_writer(&opened, durability)).await?;
        let (writer, commands) = mpsc::channel();
        let max_batch = options.max_batch;
        let clock = options.clock;
        std::thread::Builder::new()
            .name("journey-store-writer".into())
            .spawn(move || run_writer(connection, commands, max_batch, clock))
            .map_err(|e| StoreError::Backend(Box::new(e)))?;
        Ok(SqliteStore {
            writer,
            readers: Arc::new(Readers {
                path,
                idle: Mutex::new(Vec::new()),
            }),
        })
    }

    /// Sends `command` to the writer thread and waits for its answer.
    async fn write<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.writer
            .send(make(reply))
            .map_err(|_| backend("the journey store's writer has stopped"))?;
        answer
            .await
            .map_err(|_| backend("the journey store's writer has stopped"))?
    }

    /// Runs `read` on a read-only connection, off the async runtime.
    async fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let readers = self.readers.clone();
        blocking(move || readers.with(read)).await
    }
}

fn sql(error: rusqlite::Error) -> StoreError {
    StoreError::Backend(Box::new(error))
}

/// Creates the store's file readable and writable by its owner only (it
/// holds customers' session tokens); SQLite gives its `-wal` and `-shm`
/// files the database file's permissions. An existing file is left as it is.
#[cfg(unix)]
fn create_owner_only(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Backend(Box::new(e))),
    }
}

fn open_writer(path: &Path, durability: Durability) -> Result<Connection, StoreError> {
    #[cfg(unix)]
    create_owner_only(path)?;
    let connection = Connection::open(path).map_err(sql)?;
    connection
        .busy_timeout(Duration::from_secs(5))
        .map_err(sql)?;
    let mode: String = connection
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(sql)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(backend(format!(
            "the journey store could not switch {} to WAL mode (got `{mode}`)",
            path.display()
        )));
    }
    let synchronous = match durability {
        Durability::Full => "FULL",
        Durability::Normal => "NORMAL",
    };
    connection
        .execute_batch(&format!("PRAGMA synchronous = {synchronous}"))
        .map_err(sql)?;
    let version: i64 = connection
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(sql)?;
    if version > LAYOUT_VERSION {
        return Err(backend(format!(
            "{} was written by a newer version of the journey store (layout {version}, this one reads {LAYOUT_VERSION})",
            path.display()
        )));
    }
    connection
        .execute_batch(&format!(
            "BEGIN IMMEDIATE; {SCHEMA} PRAGMA user_version = {LAYOUT_VERSION}; COMMIT;"
        ))
        .map_err(sql)?;
    Ok(connection)
}

/// The read-only connections, reused between reads.
struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    fn with<T>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let connection = match idle {
            Some(connection) => connection,
            None => {
                let connection = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )
                .map_err(sql)?;
                connection
                    .busy_timeout(Duration::from_secs(5))
                    .map_err(sql)?;
                connection
            }
        };
        let result = read(&connection);
        self.idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(connection);
        result
    }
}

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// A write for the writer thread.
enum Command {
    Save {
        id: JourneyId,
        expected: Option<Revision>,
        phase: Phase,
        state: String,
        reply: Reply<Revision>,
    },
    Claim {
        worker: WorkerId,
        lease: Duration,
        limit: usize,
        reply: Reply<Vec<Record>>,
    },
    Renew {
        worker: WorkerId,
        ids: Vec<JourneyId>,
        lease: Duration,
        reply: Reply<Vec<JourneyId>>,
    },
    Release {
        worker: WorkerId,
        ids: Vec<JourneyId>,
        reply: Reply<()>,
    },
}

/// Sends a write's answer once its transaction's fate is known: its own
/// result after the commit, or the commit's failure.
type Finish = Box<dyn FnOnce(Option<&str>) + Send>;

fn finish<T: Send + 'static>(reply: Reply<T>, result: Result<T, StoreError>) -> Finish {
    Box::new(move |failed: Option<&str>| {
        let answer = match failed {
            Some(why) => Err(backend(why.to_string())),
            None => result,
        };
        // The caller may have stopped waiting; nothing to do then.
        let _ = reply.send(answer);
    })
}

/// The writer thread: takes the writes waiting, runs them in one
/// transaction, commits, answers; until the store is dropped.
fn run_writer(
    connection: Connection,
    commands: mpsc::Receiver<Command>,
    max_batch: usize,
    clock: Arc<dyn Clock>,
) {
    while let Ok(first) = commands.recv() {
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match commands.try_recv() {
                Ok(command) => batch.push(command),
                Err(_) => break,
            }
        }
        commit_batch(&connection, batch, clock.as_ref());
    }
}

fn commit_batch(connection: &Connection, batch: Vec<Command>, clock: &dyn Clock) {
    if let Err(error) = connection.execute_batch("BEGIN IMMEDIATE") {
        let why = format!("journey store: cannot begin a transaction: {error}");
        for command in batch {
            command.fail(&why);
        }
        return;
    }
    let mut finished: Vec<Finish> = Vec::with_capacity(batch.len());
    let mut commands = batch.into_iter();
    for command in commands.by_ref() {
        finished.push(command.run(connection, clock));
        if connection.is_autocommit() {
            // An error rolled the whole transaction back: nothing of it,
            // earlier writes included, was saved.
            let why = "journey store: the transaction was rolled back by an error";
            for finish in finished {
                finish(Some(why));
            }
            for command in commands {
                command.fail(why);
            }
            return;
        }
    }
    match connection.execute_batch("COMMIT") {
        Ok(()) => {
            for finish in finished {
                finish(None);
            }
        }
        Err(error) => {
            let _ = connection.execute_batch("ROLLBACK");
            let why = format!("journey store: commit failed: {error}");
            for finish in finished {
                finish(Some(&why));
            }
        }
    }
}

impl Command {
    fn fail(self, why: &str) {
        let error = || backend(why.to_string());
        // The caller may have stopped waiting; nothing to do then.
        match self {
            Command::Save { reply, .. } => drop(reply.send(Err(error()))),
            Command::Claim { reply, .. } => drop(reply.send(Err(error()))),
            Command::Renew { reply, .. } => drop(reply.send(Err(error()))),
            Command::Release { reply, .. } => drop(reply.send(Err(error()))),
        }
    }

    /// Runs the write inside the open transaction.
    fn run(self, connection: &Connection, clock: &dyn Clock) -> Finish {
        let now = clock.now();
        match self {
            Command::Save {
                id,
                expected,
                phase,
                state,
                reply,
            } => finish(
                reply,
                save(
                    connection,
                    &id,
                    expected,
                    phase,
                    &state,
                    now.timestamp_millis(),
                ),
            ),
            Command::Claim {
                worker,
                lease,
                limit,
                reply,
            } => {
                let until = lease_end(now, lease).timestamp_millis();
                finish(
                    reply,
                    claim(connection, &worker, until, now.timestamp_millis(), limit),
                )
            }
            Command::Renew {
                worker,
                ids,
                lease,
                reply,
            } => {
                let until = lease_end(now, lease).timestamp_millis();
                let renewed = ids
                    .into_iter()
                    .filter_map(|id| {
                        connection
                            .prepare_cached(
                                "UPDATE journeys SET lease_until = ?1 WHERE id = ?2 AND claimed_by = ?3",
                            )
                            .and_then(|mut s| s.execute(params![until, id.as_str(), worker.as_str()]))
                            .map(|changed| (changed == 1).then_some(id))
                            .transpose()
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(sql);
                finish(reply, renewed)
            }
            Command::Release { worker, ids, reply } => {
                let released = ids
                    .iter()
                    .try_for_each(|id| {
                        connection
                            .prepare_cached(
                                "UPDATE journeys SET claimed_by = NULL, lease_until = ?1 WHERE id = ?2 AND claimed_by = ?3",
                            )
                            .and_then(|mut s| {
                                s.execute(params![
                                    now.timestamp_millis(),
                                    id.as_str(),
                                    worker.as_str()
                                ])
                            })
                            .map(drop)
                    })
                    .map_err(sql);
                finish(reply, released)
            }
        }
    }
}

fn save(
    connection: &Connection,
    id: &JourneyId,
    expected: Option<Revision>,
    phase: Phase,
    state: &str,
    now: i64,
) -> Result<Revision, StoreError> {
    let changed = match expected {
        None => connection
            .prepare_cached(
                "INSERT INTO journeys (id, revision, phase, state, updated_at) VALUES (?1, 1, ?2, ?3, ?4) ON CONFLICT (id) DO NOTHING",
            )
            .and_then(|mut s| s.execute(params![id.as_str(), phase_code(phase), state, now])),
        Some(revision) => {
            let revision = revision_value(revision)?;
            connection
                .prepare_cached(
                    "UPDATE journeys SET revision = revision + 1, phase = ?1, state = ?2, updated_at = ?3 WHERE id = ?4 AND revision = ?5",
                )
                .and_then(|mut s| {
                    s.execute(params![phase_code(phase), state, now, id.as_str(), revision])
                })
        }
    }
    .map_err(sql)?;
    if changed == 1 {
        return Ok(Revision(expected.map_or(1, |r| r.0 + 1)));
    }
    let found = connection
        .prepare_cached("SELECT revision FROM journeys WHERE id = ?1")
        .and_then(|mut s| {
            s.query_row([id.as_str()], |row| row.get::<_, i64>(0))
                .optional()
        })
        .map_err(sql)?
        .map(revision_from)
        .transpose()?;
    Err(StoreError::Conflict {
        id: id.clone(),
        expected,
        found,
    })
}

fn claim(
    connection: &Connection,
    worker: &WorkerId,
    until: i64,
    now: i64,
    limit: usize,
) -> Result<Vec<Record>, StoreError> {
    let mut statement = connection
        .prepare_cached(
            "UPDATE journeys SET claimed_by = ?1, lease_until = ?2
             WHERE id IN (
                 SELECT id FROM journeys
                 WHERE phase IN ('running', 'waiting')
                   AND (claimed_by IS NULL OR lease_until <= ?3)
                 ORDER BY lease_until ASC NULLS FIRST, id
                 LIMIT ?4)
             RETURNING id, revision, phase, state",
        )
        .map_err(sql)?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = statement
        .query_map(params![worker.as_str(), until, now, limit], raw_record)
        .map_err(sql)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql)?;
    rows.into_iter().map(RawRecord::decode).collect()
}

/// A row as read, before its parts are checked.
struct RawRecord {
    id: String,
    revision: i64,
    phase: String,
    state: String,
}

fn raw_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawRecord> {
    Ok(RawRecord {
        id: row.get(0)?,
        revision: row.get(1)?,
        phase: row.get(2)?,
        state: row.get(3)?,
    })
}

impl RawRecord {
    fn decode(self) -> Result<Record, StoreError> {
        Ok(Record {
            revision: revision_from(self.revision)?,
            phase: phase_from_code(&self.phase)?,
            state: serde_json::from_str(&self.state).map_err(|e| {
                backend(format!(
                    "journey {}: the stored state is not JSON: {e}",
                    self.id
                ))
            })?,
            id: JourneyId::new(self.id),
        })
    }
}

impl JourneyStore for SqliteStore {
    async fn load(&self, id: &JourneyId) -> Result<Option<Record>, StoreError> {
        let id = id.clone();
        self.read(move |connection| {
            connection
                .prepare_cached("SELECT id, revision, phase, state FROM journeys WHERE id = ?1")
                .and_then(|mut s| s.query_row([id.as_str()], raw_record).optional())
                .map_err(sql)?
                .map(RawRecord::decode)
                .transpose()
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
        let state = state.get().to_owned();
        let id = id.clone();
        self.write(|reply| Command::Save {
            id,
            expected,
            phase,
            state,
            reply,
        })
        .await
    }

    async fn list(&self, phase: Option<Phase>) -> Result<Vec<JourneyId>, StoreError> {
        self.read(move |connection| {
            let ids = match phase {
                Some(phase) => connection
                    .prepare_cached("SELECT id FROM journeys WHERE phase = ?1 ORDER BY id")
                    .and_then(|mut s| {
                        s.query_map([phase_code(phase)], |row| row.get::<_, String>(0))?
                            .collect::<Result<Vec<_>, _>>()
                    }),
                None => connection
                    .prepare_cached("SELECT id FROM journeys ORDER BY id")
                    .and_then(|mut s| {
                        s.query_map([], |row| row.get::<_, String>(0))?
                            .collect::<Result<Vec<_>, _>>()
                    }),
            }
            .map_err(sql)?;
            Ok(ids.into_iter().map(JourneyId::new).collect())
        })
        .await
    }
}

impl ClaimingStore for SqliteStore {
    async fn claim(
        &self,
        worker: &WorkerId,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<Record>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let worker = worker.clone();
        self.write(|reply| Command::Claim {
            worker,
            lease,
            limit,
            reply,
        })
        .await
    }

    async fn renew(
        &self,
        worker: &WorkerId,
        ids: &[JourneyId],
        lease: Duration,
    ) -> Result<Vec<JourneyId>, StoreError> {
        let (worker, ids) = (worker.clone(), ids.to_vec());
        self.write(|reply| Command::Renew {
            worker,
            ids,
            lease,
            reply,
        })
        .await
    }

    async fn release(&self, worker: &WorkerId, ids: &[JourneyId]) -> Result<(), StoreError> {
        let (worker, ids) = (worker.clone(), ids.to_vec());
        self.write(|reply| Command::Release { worker, ids, reply })
            .await
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    /// The store holds customers' session tokens: a new store's files are
    /// its owner's only.
    #[tokio::test]
    async fn a_new_store_is_readable_by_its_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("onboarding.db");
        let store = SqliteStore::open(&path).await.unwrap();
        let state = RawValue::from_string("{\"v\":1}".into()).unwrap();
        store
            .save(
                &JourneyId::new("a@example.com"),
                None,
                Phase::Running,
                &state,
            )
            .await
            .unwrap();
        for file in ["onboarding.db", "onboarding.db-wal", "onboarding.db-shm"] {
            let file = dir.path().join(file);
            if let Ok(metadata) = std::fs::metadata(&file) {
                let mode = metadata.permissions().mode() & 0o777;
                assert_eq!(mode & 0o077, 0, "{} is {mode:o}", file.display());
            }
        }
        assert!(path.exists());
    }
}
