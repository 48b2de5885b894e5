//! Per-employer records: headcount returns (full-time local staff), the quota position they give under
//! the ratio, and administrative sanctions. Both kinds of record feed rules that read across the
//! employer's cases, so they are written under the employer's lock.

use chrono::{Months, NaiveDate, Utc};
use uuid::Uuid;

use super::error::{Result, WorkflowError};
use super::ratio::{self, Leaving, Quota};
use super::unit::{self, Change, Command, Locks, Reply};
use crate::db::{DbPool, casework, job_categories, policy};
use crate::domain::audit::{AuditRecord, Entity};
use crate::domain::casework::{HeadcountReturn, NewHeadcountReturn, NewSanction, Sanction};
use crate::domain::policy::keys;
use crate::domain::{EmployerId, Viewer};

/// Files a headcount return (the employer for itself, or a caseworker). Returns are never edited: a
/// correction is a newer return.
pub async fn file_headcount_return(
    pool: &DbPool,
    cmd: &Command,
    employer: EmployerId,
    new: NewHeadcountReturn,
    reply: impl FnOnce(&HeadcountReturn) -> Result<Reply>,
) -> Result<Reply> {
    unit::write(
        pool,
        cmd,
        Locks::employer(employer),
        async |conn, _| {
            let filed = HeadcountReturn {
                id: Uuid::new_v4(),
                employer_id: employer,
                as_of: new.as_of,
                full_time_locals: new.full_time_locals,
                full_time_locals_per_post: new.full_time_locals_per_post,
                imported_workers: new.imported_workers,
                imported_per_post: new.imported_per_post,
                evidence_ref: new.evidence_ref,
                filed_by: cmd.actor.sub.clone(),
                created_at: Utc::now(),
            };
            casework::insert_headcount_return(conn, &filed).await?;
            let record = AuditRecord::created(Entity::Employer(employer), "employer.headcount_return_filed", &filed)?;
            Ok(Change::new(filed, record))
        },
        reply,
    )
    .await
}

/// The employer's headcount returns, newest first.
pub async fn headcount_returns(pool: &DbPool, viewer: Viewer, employer: EmployerId) -> Result<Vec<HeadcountReturn>> {
    unit::read(pool, async |conn| {
        super::employers::visible(conn, viewer, employer).await?;
        Ok(casework::headcount_returns_of(conn, employer).await?)
    })
    .await
}

/// Imposes a bar on new applications (R-SAN-1/2) of a length policy allows.
pub async fn impose_sanction(
    pool: &DbPool,
    cmd: &Command,
    employer: EmployerId,
    new: NewSanction,
    reply: impl FnOnce(&Sanction) -> Result<Reply>,
) -> Result<Reply> {
    unit::write(
        pool,
        cmd,
        Locks::employer(employer),
        async |conn, _| {
            let policy = policy::load(conn).await?;
            let options = policy
                .get::<Vec<u32>>(keys::SANCTION_BAR_MONTHS_OPTIONS, None, new.bar_from)?
                .value;
            if !options.contains(&new.months) {
                return Err(WorkflowError::field("months", format!("must be one of {options:?}")));
            }
            let bar_until = new
                .bar_from
                .checked_add_months(Months::new(new.months))
                .ok_or_else(|| WorkflowError::field("bar_from", "is out of range"))?;
            let sanction = Sanction {
                id: Uuid::new_v4(),
                employer_id: employer,
                bar_from: new.bar_from,
                bar_until,
                reason: new.reason,
                imposed_by: cmd.actor.sub.clone(),
                created_at: Utc::now(),
            };
            casework::insert_sanction(conn, &sanction).await?;
            let record = AuditRecord::created(Entity::Employer(employer), "employer.sanction_imposed", &sanction)?;
            Ok(Change::new(sanction, record))
        },
        reply,
    )
    .await
}

pub async fn sanctions(pool: &DbPool, viewer: Viewer, employer: EmployerId) -> Result<Vec<Sanction>> {
    unit::read(pool, async |conn| {
        super::employers::visible(conn, viewer, employer).await?;
        Ok(casework::sanctions_of(conn, employer).await?)
    })
    .await
}

/// The employer's ratio position on `today`: staff, imported workers, places approved and still
/// allowed, enterprise-wide and per post (counted as the decision counts them).
pub async fn quota(pool: &DbPool, viewer: Viewer, employer: EmployerId, today: NaiveDate) -> Result<Quota> {
    unit::read(pool, async |conn| {
        super::employers::visible(conn, viewer, employer).await?;
        let policy = policy::load(conn).await?;
        let counts = ratio::counts(conn, employer, Leaving::Nothing, today).await?;
        let categories = job_categories::list(conn).await?;
        ratio::quota(&policy, employer, &counts, &categories, today)
    })
    .await
}
