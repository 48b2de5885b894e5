//! The job runner: inside `sls-case serve` and as `sls-case worker`, any number of instances against
//! one database. Each takes one due job at a time with `FOR UPDATE SKIP LOCKED` (`db::jobs::claim`),
//! runs it, and records the outcome; a failed job is retried with exponential backoff until its
//! attempts run out, then stays FAILED for an administrator to see and retry. A job whose instance
//! stopped mid-run is taken again when its lease ends. The timer sweep is itself a job, enqueued once
//! per interval under a key every instance computes alike, so one sweep runs per interval.
//!
//! Jobs run on wall-clock time (retries, leases); the timers' business date is the service clock's.

use std::time::Duration;

use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use super::error::{Result, WorkflowError};
use super::unit::{self, Change, Command, Locks, Reply};
use super::{notify, timers, webhooks};
use crate::clock::Clock;
use crate::db::jobs::{self, Job, NewJob};
use crate::db::{self, DbPool};
use crate::domain::audit::{AuditRecord, Entity};
use crate::personal_data::TravelDocumentKey;

/// The job kind that runs every timer.
pub const TIMER_SWEEP: &str = "timer_sweep";

/// Attempts at a sweep before it is left FAILED (the next interval's sweep runs anyway).
const SWEEP_MAX_ATTEMPTS: i32 = 5;

/// How the runner paces itself.
#[derive(Debug, Clone)]
pub struct JobSettings {
    /// How often an idle runner looks for due jobs.
    pub poll_interval: Duration,
    /// How often the timers sweep (one sweep job per interval, whatever the number of instances).
    pub sweep_interval: Duration,
    /// How long a taken job is an instance's before another may take it again.
    pub lease: Duration,
    /// The first retry's delay; each further retry waits twice as long, up to `backoff_max`.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// How long a webhook receiver has to answer.
    pub webhook_timeout: Duration,
    /// Deliver to loopback and private addresses (development and tests; refused in production).
    pub webhook_private_addresses: bool,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(1),
            sweep_interval: Duration::from_secs(900),
            lease: Duration::from_secs(300),
            backoff_base: Duration::from_secs(30),
            backoff_max: Duration::from_secs(3600),
            webhook_timeout: Duration::from_secs(10),
            webhook_private_addresses: false,
        }
    }
}

/// The delay before retry `attempt` (1 after the first failure): `base * 2^(attempt-1)`, at most `max`.
pub fn backoff(attempt: u32, base: Duration, max: Duration) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(31));
    base.saturating_mul(factor).min(max)
}

/// What ran, for the caller to count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ran {
    Succeeded(String),
    Retried(String),
    Failed(String),
}

/// One instance's runner.
#[derive(Clone)]
pub struct Runner {
    pool: DbPool,
    clock: Clock,
    settings: JobSettings,
    instance: String,
    secrets: TravelDocumentKey,
    http: reqwest::Client,
}

impl Runner {
    pub fn new(pool: DbPool, clock: Clock, settings: JobSettings, secrets: TravelDocumentKey) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(settings.webhook_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("sls-case/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "local".into());
        Ok(Self {
            pool,
            clock,
            settings,
            instance: format!("{host}:{}:{}", std::process::id(), Uuid::new_v4().simple()),
            secrets,
            http,
        })
    }

    /// This instance's name, as jobs it holds record it.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Runs until the task is dropped: enqueue the interval's sweep, run every due job, wait, again.
    pub async fn run_forever(self) {
        tracing::info!(instance = %self.instance, "job runner started");
        loop {
            if let Err(err) = self.schedule_sweep().await {
                tracing::warn!(error = %err, "could not enqueue the timer sweep");
            }
            if let Err(err) = self.drain().await {
                tracing::warn!(error = %err, "job runner could not reach the database");
            }
            tokio::time::sleep(self.settings.poll_interval).await;
        }
    }

    /// Enqueues the sweep of the current interval, unless an instance already did; true when this call
    /// enqueued it.
    pub async fn schedule_sweep(&self) -> Result<bool> {
        let every = self.settings.sweep_interval.as_secs().max(1);
        let slot = u64::try_from(Utc::now().timestamp()).unwrap_or_default() / every;
        enqueue(
            &self.pool,
            TIMER_SWEEP,
            json!({}),
            Some(format!("{TIMER_SWEEP}:{every}:{slot}")),
            SWEEP_MAX_ATTEMPTS,
        )
        .await
    }

    /// Runs due jobs until none is left; what each came to.
    pub async fn drain(&self) -> Result<Vec<Ran>> {
        let mut ran = Vec::new();
        while let Some(outcome) = self.run_next().await? {
            ran.push(outcome);
        }
        Ok(ran)
    }

    /// Takes and runs the next due job, if any.
    pub async fn run_next(&self) -> Result<Option<Ran>> {
        let lease = self.settings.lease;
        let instance = self.instance.clone();
        let Some(job) = unit::read(&self.pool, async |conn| {
            Ok(jobs::claim(conn, &instance, Utc::now(), lease).await?)
        })
        .await?
        else {
            return Ok(None);
        };
        let result = self.execute(&job).await;
        let attempt = u32::try_from(job.attempts).unwrap_or(u32::MAX);
        let outcome = match result {
            Ok(()) => {
                unit::read(&self.pool, async |conn| {
                    Ok(jobs::succeed(conn, job.id, &instance).await?)
                })
                .await?;
                Ran::Succeeded(job.kind.clone())
            }
            Err(error) => {
                let retry_at = (job.attempts < job.max_attempts).then(|| {
                    let delay = backoff(attempt, self.settings.backoff_base, self.settings.backoff_max);
                    Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default()
                });
                tracing::warn!(job = %job.id, kind = %job.kind, attempt, error = %error, retry_at = ?retry_at, "job failed");
                unit::read(&self.pool, async |conn| {
                    Ok(jobs::fail(conn, job.id, &instance, &error, retry_at).await?)
                })
                .await?;
                match retry_at {
                    Some(_) => Ran::Retried(job.kind.clone()),
                    None => Ran::Failed(job.kind.clone()),
                }
            }
        };
        let result = match &outcome {
            Ran::Succeeded(_) => "succeeded",
            Ran::Retried(_) => "retried",
            Ran::Failed(_) => "failed",
        };
        crate::metrics::job_ran(&job.kind, result);
        Ok(Some(outcome))
    }

    /// Runs one job; the error's text is what the job records.
    async fn execute(&self, job: &Job) -> Result<(), String> {
        match job.kind.as_str() {
            TIMER_SWEEP => {
                let report = timers::sweep(&self.pool, self.clock.today())
                    .await
                    .map_err(|e| e.to_string())?;
                crate::metrics::timer_ran("sweep", report.total_failed() == 0);
                tracing::info!(fired = report.total_fired(), failed = report.total_failed(), on = ?report.on, "timers swept");
                match report.total_failed() {
                    0 => Ok(()),
                    n => Err(format!("{n} timer firing(s) failed: {:?}", report.failed)),
                }
            }
            notify::WEBHOOK_DELIVERY => {
                let delivery = job
                    .payload
                    .get("delivery_id")
                    .and_then(|v| v.as_str())
                    .and_then(|v| v.parse::<Uuid>().ok())
                    .ok_or_else(|| "the job names no delivery".to_owned())?;
                let last = job.attempts >= job.max_attempts;
                let retry_at = (!last).then(|| {
                    let delay = backoff(
                        u32::try_from(job.attempts).unwrap_or(u32::MAX),
                        self.settings.backoff_base,
                        self.settings.backoff_max,
                    );
                    Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default()
                });
                webhooks::deliver(
                    &self.pool,
                    &self.http,
                    &self.secrets,
                    &self.settings,
                    delivery,
                    retry_at,
                )
                .await
            }
            other => Err(format!("unknown job kind `{other}`")),
        }
    }
}

/// Enqueues a job now; false when its dedupe key was used already.
pub async fn enqueue(
    pool: &DbPool,
    kind: &str,
    payload: serde_json::Value,
    dedupe_key: Option<String>,
    max_attempts: i32,
) -> Result<bool> {
    let job = NewJob {
        kind: kind.to_owned(),
        payload,
        dedupe_key,
        max_attempts,
        run_at: Utc::now(),
    };
    unit::read(pool, async |conn| Ok(jobs::enqueue(conn, &job).await?)).await
}

/// Jobs in `state` (all when `None`), most recently changed first, with the count in each state.
pub async fn list(pool: &DbPool, state: Option<&str>, limit: i64) -> Result<(Vec<Job>, Vec<(String, i64)>)> {
    unit::read(pool, async |conn| {
        let items = jobs::list(conn, state, limit).await?;
        let counts = jobs::counts(conn).await?;
        Ok((items, counts))
    })
    .await
}

/// An administrator queues a FAILED job again with fresh attempts (audited).
pub async fn retry(pool: &DbPool, cmd: &Command, id: Uuid, reply: impl FnOnce(&Job) -> Result<Reply>) -> Result<Reply> {
    unit::write(
        pool,
        cmd,
        Locks::nothing(),
        async |conn, _| {
            let before = jobs::get(conn, id).await.map_err(super::error::not_found("job"))?;
            let Some(after) = jobs::retry(conn, id).await? else {
                return Err(WorkflowError::Conflict(format!(
                    "Only a FAILED job can be retried; this one is {}.",
                    before.state
                )));
            };
            if after.kind == notify::WEBHOOK_DELIVERY
                && let Some(delivery) = after
                    .payload
                    .get("delivery_id")
                    .and_then(|v| v.as_str())
                    .and_then(|v| v.parse().ok())
            {
                db::notifications::revive(conn, delivery).await?;
            }
            let record = AuditRecord::changed(
                Entity::Job(id),
                "job.retried",
                &job_summary(&before),
                &job_summary(&after),
            )?;
            Ok(Change::new(after, record))
        },
        reply,
    )
    .await
}

fn job_summary(job: &Job) -> serde_json::Value {
    json!({"kind": job.kind, "state": job.state, "attempts": job.attempts, "last_error": job.last_error})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_its_base_up_to_its_ceiling() {
        let (base, max) = (Duration::from_secs(30), Duration::from_secs(3600));
        let delays: Vec<u64> = (1..=9).map(|n| backoff(n, base, max).as_secs()).collect();
        assert_eq!(delays, vec![30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff(0, base, max), base);
        assert_eq!(backoff(u32::MAX, base, max), max);
    }
}
