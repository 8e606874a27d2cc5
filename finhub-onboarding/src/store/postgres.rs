//! [`PostgresStore`]: journeys in PostgreSQL, for a batch that several
//! machines run together (feature `postgres`).
//!
//! # The table
//!
//! `finhub_journeys`, in the first schema of the connection's
//! `search_path`, created when the store connects (under an advisory lock,
//! so that machines starting together do not race), one row per journey:
//!
//! | column | type | what |
//! |---|---|---|
//! | `id` | `text COLLATE "C" PRIMARY KEY` | the [`JourneyId`] (byte order, as the other stores list) |
//! | `revision` | `bigint` | the [`Revision`] |
//! | `phase` | `text` | `running`, `waiting`, `done` or `failed` |
//! | `state` | `jsonb` | the journey's state |
//! | `updated_at` | `timestamptz` | time of the last save |
//! | `claimed_by` | `text` | the [`WorkerId`] holding the journey, if any |
//! | `lease_until` | `timestamptz` | end of that claim (or time of its release) |
//!
//! # Saves and claims
//!
//! A save is `INSERT … ON CONFLICT DO NOTHING` or `UPDATE … WHERE id = $1
//! AND revision = $2`, a [`StoreError::Conflict`] when no row changes. A
//! claim is one statement, `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP
//! LOCKED LIMIT n) RETURNING …`: concurrent claimers pass over each other's
//! rows instead of waiting, and never get the same journey.
//!
//! Leases are measured by the database's clock (`statement_timestamp()`),
//! the one clock all machines share; [`PostgresStore::with_clock`] passes
//! an explicit "now" instead (tests).
//!
//! # Connections
//!
//! The store sends every statement over one connection (`tokio-postgres`
//! pipelines concurrent statements on it). [`PostgresStore::connect`]
//! connects without TLS, for a database on this machine or a trusted
//! network; for anything else, connect a `tokio_postgres::Client` with the
//! TLS connector of your choice and pass it to
//! [`PostgresStore::from_client`].

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use finhub_ext::Clock;
use tokio_postgres::types::Json;
use tokio_postgres::{Client, NoTls, Row, Statement};

use super::claim::{ClaimingStore, WorkerId};
use super::encoding::{phase_code, phase_from_code, revision_from, revision_value};
use super::{JourneyId, JourneyStore, Phase, RawValue, Record, Revision, StoreError};

/// Creates the table once, whoever connects first.
const SCHEMA: &str = "
BEGIN;
SELECT pg_advisory_xact_lock(5270681139427616306);
CREATE TABLE IF NOT EXISTS finhub_journeys (
    id          text COLLATE \"C\" PRIMARY KEY,
    revision    bigint NOT NULL,
    phase       text NOT NULL CHECK (phase IN ('running', 'waiting', 'done', 'failed')),
    state       jsonb NOT NULL,
    updated_at  timestamptz NOT NULL,
    claimed_by  text,
    lease_until timestamptz
);
CREATE INDEX IF NOT EXISTS finhub_journeys_by_phase ON finhub_journeys (phase, id);
CREATE INDEX IF NOT EXISTS finhub_journeys_by_lease ON finhub_journeys (phase, lease_until);
COMMIT;
";

/// "Now" in every statement: the explicit `$n` when given, else the
/// database's own clock.
macro_rules! now {
    ($n:literal) => {
        concat!("coalesce($", $n, "::timestamptz, statement_timestamp())")
    };
}

/// The statements, prepared once per connection.
struct Statements {
    load: Statement,
    insert: Statement,
    update: Statement,
    revision: Statement,
    list_all: Statement,
    list_phase: Statement,
    claim: Statement,
    renew: Statement,
    release: Statement,
}

/// Journeys in PostgreSQL (see the [module docs](self)).
pub struct PostgresStore {
    client: Client,
    statements: Statements,
    clock: Option<Arc<dyn Clock>>,
}

impl std::fmt::Debug for PostgresStore {
    /// Never prints the connection's configuration (it may hold a password).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("explicit_clock", &self.clock.is_some())
            .finish_non_exhaustive()
    }
}

fn pg(error: tokio_postgres::Error) -> StoreError {
    StoreError::Backend(Box::new(error))
}

impl PostgresStore {
    /// Connects without TLS with a `tokio-postgres` configuration string
    /// (`host=127.0.0.1 port=5432 user=batch dbname=onboarding`, or a
    /// `postgresql://` URL) and creates the table if needed. Errors never
    /// quote the configuration.
    pub async fn connect(config: &str) -> Result<PostgresStore, StoreError> {
        let (client, connection) = tokio_postgres::connect(config, NoTls).await.map_err(pg)?;
        // The connection runs until the client is dropped or the server
        // goes away; every later statement then fails with its error.
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Self::from_client(client).await
    }

    /// A store on a connected client (its connection task already spawned);
    /// creates the table if needed.
    pub async fn from_client(client: Client) -> Result<PostgresStore, StoreError> {
        client.batch_execute(SCHEMA).await.map_err(pg)?;
        let statements = Statements {
            load: client
                .prepare("SELECT id, revision, phase, state FROM finhub_journeys WHERE id = $1")
                .await
                .map_err(pg)?,
            insert: client
                .prepare(concat!(
                    "INSERT INTO finhub_journeys (id, revision, phase, state, updated_at) ",
                    "VALUES ($1, 1, $2, $3, ",
                    now!(4),
                    ") ON CONFLICT (id) DO NOTHING"
                ))
                .await
                .map_err(pg)?,
            update: client
                .prepare(concat!(
                    "UPDATE finhub_journeys SET revision = revision + 1, phase = $2, state = $3, ",
                    "updated_at = ",
                    now!(4),
                    " WHERE id = $1 AND revision = $5"
                ))
                .await
                .map_err(pg)?,
            revision: client
                .prepare("SELECT revision FROM finhub_journeys WHERE id = $1")
                .await
                .map_err(pg)?,
            list_all: client
                .prepare("SELECT id FROM finhub_journeys ORDER BY id")
                .await
                .map_err(pg)?,
            list_phase: client
                .prepare("SELECT id FROM finhub_journeys WHERE phase = $1 ORDER BY id")
                .await
                .map_err(pg)?,
            claim: client
                .prepare(concat!(
                    "UPDATE finhub_journeys SET claimed_by = $1, lease_until = ",
                    now!(2),
                    " + $3::bigint * interval '1 millisecond' ",
                    "WHERE id IN (SELECT id FROM finhub_journeys ",
                    "WHERE phase IN ('running', 'waiting') ",
                    "AND (claimed_by IS NULL OR lease_until <= ",
                    now!(2),
                    ") ORDER BY lease_until ASC NULLS FIRST, id LIMIT $4 ",
                    "FOR UPDATE SKIP LOCKED) ",
                    "RETURNING id, revision, phase, state"
                ))
                .await
                .map_err(pg)?,
            renew: client
                .prepare(concat!(
                    "UPDATE finhub_journeys SET lease_until = ",
                    now!(3),
                    " + $4::bigint * interval '1 millisecond' ",
                    "WHERE id = ANY($1) AND claimed_by = $2 RETURNING id"
                ))
                .await
                .map_err(pg)?,
            release: client
                .prepare(concat!(
                    "UPDATE finhub_journeys SET claimed_by = NULL, lease_until = ",
                    now!(3),
                    " WHERE id = ANY($1) AND claimed_by = $2"
                ))
                .await
                .map_err(pg)?,
        };
        Ok(PostgresStore {
            client,
            statements,
            clock: None,
        })
    }

    /// Measures leases and `updated_at` with `clock` instead of the
    /// database's clock (tests move a
    /// [`ManualClock`](finhub_ext::ManualClock) past a lease). With several
    /// machines, keep the database's clock: it is the one they share.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The explicit "now", if the store has a clock of its own.
    fn now(&self) -> Option<DateTime<Utc>> {
        self.clock.as_ref().map(|clock| clock.now())
    }
}

/// A lease in whole milliseconds.
fn millis(lease: Duration) -> i64 {
    i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2)
}

fn record(row: &Row) -> Result<Record, StoreError> {
    let id: String = row.try_get(0).map_err(pg)?;
    Ok(Record {
        revision: revision_from(row.try_get(1).map_err(pg)?)?,
        phase: phase_from_code(row.try_get(2).map_err(pg)?)?,
        state: row.try_get(3).map_err(pg)?,
        id: JourneyId::new(id),
    })
}

impl JourneyStore for PostgresStore {
    async fn load(&self, id: &JourneyId) -> Result<Option<Record>, StoreError> {
        self.client
            .query_opt(&self.statements.load, &[&id.as_str()])
            .await
            .map_err(pg)?
            .map(|row| record(&row))
            .transpose()
    }

    async fn save(
        &self,
        id: &JourneyId,
        expected: Option<Revision>,
        phase: Phase,
        state: &RawValue,
    ) -> Result<Revision, StoreError> {
        let now = self.now();
        // The text as saved, sent as `jsonb` without being parsed here.
        let state = Json(state);
        let changed = match expected {
            None => {
                self.client
                    .execute(
                        &self.statements.insert,
                        &[&id.as_str(), &phase_code(phase), &state, &now],
                    )
                    .await
            }
            Some(revision) => {
                let revision = revision_value(revision)?;
                self.client
                    .execute(
                        &self.statements.update,
                        &[&id.as_str(), &phase_code(phase), &state, &now, &revision],
                    )
                    .await
            }
        }
        .map_err(pg)?;
        if changed == 1 {
            return Ok(Revision(expected.map_or(1, |r| r.0 + 1)));
        }
        let found = self
            .client
            .query_opt(&self.statements.revision, &[&id.as_str()])
            .await
            .map_err(pg)?
            .map(|row| row.try_get::<_, i64>(0).map_err(pg).and_then(revision_from))
            .transpose()?;
        Err(StoreError::Conflict {
            id: id.clone(),
            expected,
            found,
        })
    }

    async fn list(&self, phase: Option<Phase>) -> Result<Vec<JourneyId>, StoreError> {
        let rows = match phase {
            Some(phase) => {
                self.client
                    .query(&self.statements.list_phase, &[&phase_code(phase)])
                    .await
            }
            None => self.client.query(&self.statements.list_all, &[]).await,
        }
        .map_err(pg)?;
        rows.iter()
            .map(|row| row.try_get::<_, String>(0).map(JourneyId::new).map_err(pg))
            .collect()
    }
}

impl ClaimingStore for PostgresStore {
    async fn claim(
        &self,
        worker: &WorkerId,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<Record>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.client
            .query(
                &self.statements.claim,
                &[&worker.as_str(), &self.now(), &millis(lease), &limit],
            )
            .await
            .map_err(pg)?
            .iter()
            .map(record)
            .collect()
    }

    async fn renew(
        &self,
        worker: &WorkerId,
        ids: &[JourneyId],
        lease: Duration,
    ) -> Result<Vec<JourneyId>, StoreError> {
        let ids: Vec<&str> = ids.iter().map(JourneyId::as_str).collect();
        let renewed = self
            .client
            .query(
                &self.statements.renew,
                &[&ids, &worker.as_str(), &self.now(), &millis(lease)],
            )
            .await
            .map_err(pg)?;
        let renewed: std::collections::HashSet<String> = renewed
            .iter()
            .map(|row| row.try_get(0).map_err(pg))
            .collect::<Result<_, _>>()?;
        // In the order asked for.
        Ok(ids
            .into_iter()
            .filter(|id| renewed.contains(*id))
            .map(JourneyId::new)
            .collect())
    }

    async fn release(&self, worker: &WorkerId, ids: &[JourneyId]) -> Result<(), StoreError> {
        let ids: Vec<&str> = ids.iter().map(JourneyId::as_str).collect();
        self.client
            .execute(
                &self.statements.release,
                &[&ids, &worker.as_str(), &self.now()],
            )
            .await
            .map_err(pg)?;
        Ok(())
    }
}
