//! The audit trail for auditors (search, export, verification of the hash chain) and the statistics.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};

use super::error::{Result, WorkflowError};
use super::unit;
use crate::db::{DbPool, audit, stats};
use crate::domain::audit::{AuditEvent, AuditFilter};
use crate::domain::audit_chain::VerificationReport;
use crate::domain::audit_checkpoint::{Checkpoint, CheckpointCheck, CheckpointReport};
use crate::domain::stats::Statistics;

/// Events matching `filter`, oldest first, after the event `after_seq`, at most `limit`.
pub async fn search(
    pool: &DbPool,
    filter: &AuditFilter,
    after_seq: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEvent>> {
    unit::read(pool, async |conn| {
        Ok(audit::search(conn, filter, after_seq, limit).await?)
    })
    .await
}

/// Recomputes every chain, reading `batch` events at a time, and reports the first broken link. A
/// whole trail takes longer than a request's usual bound (about 8 s per million events): the caller
/// gives its own.
pub async fn verify(pool: &DbPool, batch: i64, bound: Duration) -> Result<VerificationReport> {
    unit::read_within(pool, bound, async |conn| {
        Ok(audit::verify_chains(conn, batch, |_| {}).await?)
    })
    .await
}

/// As [`verify`], and compares the trail with a checkpoint taken earlier: every head it recorded must
/// still be there with its hash, and its signature must be `key`'s.
pub async fn verify_against(
    pool: &DbPool,
    batch: i64,
    bound: Duration,
    checkpoint: &Checkpoint,
    key: &[u8],
) -> Result<(VerificationReport, CheckpointReport)> {
    let mut check = CheckpointCheck::new(checkpoint, key);
    let report = unit::read_within(pool, bound, async |conn| {
        Ok(audit::verify_chains(conn, batch, |event| check.see(event)).await?)
    })
    .await?;
    Ok((report, check.finish()))
}

/// A checkpoint of every chain's head now, signed with `key`: kept outside the database, it lets a
/// later verification find a rewritten or removed tail.
pub async fn checkpoint(pool: &DbPool, key: &[u8], now: DateTime<Utc>) -> Result<Checkpoint> {
    let heads = unit::read(pool, async |conn| Ok(audit::chain_heads(conn).await?)).await?;
    Ok(Checkpoint::sign(key, now, heads))
}

/// The figures for the period from `from` to `to`, both included.
pub async fn statistics(pool: &DbPool, from: NaiveDate, to: NaiveDate) -> Result<Statistics> {
    if to < from {
        return Err(WorkflowError::field("to", "must not be before from"));
    }
    unit::read(pool, async |conn| Ok(stats::statistics(conn, from, to).await?)).await
}
