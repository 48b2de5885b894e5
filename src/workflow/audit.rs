//! The audit trail for auditors (search, export, verification of the hash chain) and the statistics.

use chrono::NaiveDate;

use super::error::{Result, WorkflowError};
use super::unit;
use crate::db::{DbPool, audit, stats};
use crate::domain::audit::{AuditEvent, AuditFilter};
use crate::domain::audit_chain::VerificationReport;
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

/// Recomputes every chain, reading `batch` events at a time, and reports the first broken link.
pub async fn verify(pool: &DbPool, batch: i64) -> Result<VerificationReport> {
    unit::read(pool, async |conn| Ok(audit::verify_chains(conn, batch).await?)).await
}

/// The figures for the period from `from` to `to`, both included.
pub async fn statistics(pool: &DbPool, from: NaiveDate, to: NaiveDate) -> Result<Statistics> {
    if to < from {
        return Err(WorkflowError::field("to", "must not be before from"));
    }
    unit::read(pool, async |conn| Ok(stats::statistics(conn, from, to).await?)).await
}
