//! The job queue: a table every instance takes work from with `FOR UPDATE SKIP LOCKED`, so two
//! instances never take the same job, and a job whose instance died is taken again once its lease ends.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Int8, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use super::schema::jobs;

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = jobs)]
pub struct Job {
    pub id: Uuid,
    pub kind: String,
    pub payload: Value,
    pub dedupe_key: Option<String>,
    pub state: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: DateTime<Utc>,
    pub locked_by: Option<String>,
    pub locked_until: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// A job to enqueue.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = jobs)]
pub struct NewJob {
    pub kind: String,
    pub payload: Value,
    pub dedupe_key: Option<String>,
    pub max_attempts: i32,
    pub run_at: DateTime<Utc>,
}

/// Enqueues `job`; with a dedupe key already used, nothing (false).
pub async fn enqueue(conn: &mut AsyncPgConnection, job: &NewJob) -> QueryResult<bool> {
    let inserted = diesel::insert_into(jobs::table)
        .values(job)
        .on_conflict(jobs::dedupe_key)
        .do_nothing()
        .execute(conn)
        .await?;
    Ok(inserted == 1)
}

/// Takes the job due first for `instance` until `lease` from now: queued and due, or running past its
/// lease (its instance stopped). Skips what another instance holds, so no job is taken twice.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    instance: &str,
    now: DateTime<Utc>,
    lease: std::time::Duration,
) -> QueryResult<Option<Job>> {
    let lease_micros = i64::try_from(lease.as_micros()).unwrap_or(i64::MAX);
    diesel::sql_query(
        "UPDATE jobs SET state = 'RUNNING', attempts = attempts + 1, locked_by = $1, \
                locked_until = $2 + make_interval(secs => $3::float8 / 1000000), updated_at = $2 \
          WHERE id = (SELECT id FROM jobs \
                       WHERE (state = 'QUEUED' AND run_at <= $2) OR (state = 'RUNNING' AND locked_until < $2) \
                       ORDER BY run_at LIMIT 1 FOR UPDATE SKIP LOCKED) \
          RETURNING *",
    )
    .bind::<Text, _>(instance)
    .bind::<Timestamptz, _>(now)
    .bind::<Int8, _>(lease_micros)
    .get_result::<Job>(conn)
    .await
    .optional()
}

/// The job succeeded (only if this instance still holds it).
pub async fn succeed(conn: &mut AsyncPgConnection, id: Uuid, instance: &str) -> QueryResult<()> {
    diesel::update(jobs::table.filter(jobs::id.eq(id)).filter(jobs::locked_by.eq(instance)))
        .set((
            jobs::state.eq("SUCCEEDED"),
            jobs::locked_until.eq(None::<DateTime<Utc>>),
            jobs::last_error.eq(None::<String>),
            jobs::finished_at.eq(diesel::dsl::now),
            jobs::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The job failed: again at `retry_at`, or FAILED for good when `retry_at` is `None`.
pub async fn fail(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    instance: &str,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> QueryResult<()> {
    let target = jobs::table.filter(jobs::id.eq(id)).filter(jobs::locked_by.eq(instance));
    let error: String = error.chars().take(2000).collect();
    match retry_at {
        Some(at) => {
            diesel::update(target)
                .set((
                    jobs::state.eq("QUEUED"),
                    jobs::run_at.eq(at),
                    jobs::locked_until.eq(None::<DateTime<Utc>>),
                    jobs::last_error.eq(error),
                    jobs::updated_at.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await
        }
        None => {
            diesel::update(target)
                .set((
                    jobs::state.eq("FAILED"),
                    jobs::locked_until.eq(None::<DateTime<Utc>>),
                    jobs::last_error.eq(error),
                    jobs::finished_at.eq(diesel::dsl::now),
                    jobs::updated_at.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await
        }
    }
    .map(|_| ())
}

/// A FAILED job queued again now with a fresh set of attempts; `None` when it is not FAILED.
pub async fn retry(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<Job>> {
    diesel::update(jobs::table.filter(jobs::id.eq(id)).filter(jobs::state.eq("FAILED")))
        .set((
            jobs::state.eq("QUEUED"),
            jobs::attempts.eq(0),
            jobs::run_at.eq(diesel::dsl::now),
            jobs::finished_at.eq(None::<DateTime<Utc>>),
            jobs::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Job::as_returning())
        .get_result(conn)
        .await
        .optional()
}

pub async fn get(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Job> {
    jobs::table.find(id).select(Job::as_select()).first(conn).await
}

/// Jobs in `state` (every state when `None`), most recently changed first.
pub async fn list(conn: &mut AsyncPgConnection, state: Option<&str>, limit: i64) -> QueryResult<Vec<Job>> {
    let mut query = jobs::table.into_boxed();
    if let Some(state) = state {
        query = query.filter(jobs::state.eq(state.to_owned()));
    }
    query
        .order((jobs::updated_at.desc(), jobs::id.desc()))
        .limit(limit)
        .select(Job::as_select())
        .load(conn)
        .await
}

/// How many jobs are in each state.
pub async fn counts(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(String, i64)>> {
    jobs::table
        .group_by(jobs::state)
        .select((jobs::state, diesel::dsl::count_star()))
        .load(conn)
        .await
}

/// Succeeded jobs older than `keep` are removed (the queue is work, not history).
pub async fn prune_succeeded(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    keep: std::time::Duration,
) -> QueryResult<usize> {
    let keep_micros = i64::try_from(keep.as_micros()).unwrap_or(i64::MAX);
    diesel::sql_query(
        "DELETE FROM jobs WHERE state = 'SUCCEEDED' AND finished_at < $1 - make_interval(secs => $2::float8 / 1000000)",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Int8, _>(keep_micros)
    .execute(conn)
    .await
}
