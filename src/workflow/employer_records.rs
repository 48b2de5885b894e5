//! Per-employer records: headcount returns (full-time local staff), the quota position they give under
//! the ratio, and administrative sanctions. Both kinds of record feed rules that read across the
//! employer's cases, so they are written under the employer's lock.

use chrono::{Months, NaiveDate, Utc};
use uuid::Uuid;

use super::error::{Result, WorkflowError};
use super::lifecycle::ActionInput;
use super::ratio::{self, Leaving, Quota};
use super::unit::{self, Change, Command, Locks, Reply};
use crate::db::{Conn, DbPool, applications, casework, complaints, job_categories, policy};
use crate::domain::audit::{AuditRecord, Entity};
use crate::domain::casework::{HeadcountReturn, NewHeadcountReturn, NewSanction, Sanction};
use crate::domain::inspection::SanctionKind;
use crate::domain::policy::keys;
use crate::domain::{ApplicationAction, ApplicationId, ApplicationStatus, EmployerId, Viewer};

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
            let relied_on = super::inspections::locals_relied_on(conn, employer).await?;
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
            let review =
                super::inspections::review_displacement(conn, cmd, employer, relied_on, filed.full_time_locals).await?;
            let mut change = Change::new(filed, record);
            change.audit.extend(review);
            Ok(change)
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

/// Imposes a sanction (R-SAN-1/2): a bar on new applications of a length policy allows, and, when its
/// kinds say so, the revocation of every approval in force and the termination of every pending
/// application, each through the lifecycle's own revoke and terminate, in the same transaction. The
/// cases, complaints and inspections it rests on must be the employer's.
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
            check_grounds(conn, employer, &new).await?;
            let mut kinds = vec![SanctionKind::BarNewApplications];
            kinds.extend(new.kinds.iter().filter(|k| **k != SanctionKind::BarNewApplications));
            kinds.dedup();
            let sanction = Sanction {
                id: Uuid::new_v4(),
                employer_id: employer,
                bar_from: new.bar_from,
                bar_until,
                reason: new.reason.clone(),
                imposed_by: cmd.actor.sub.clone(),
                created_at: Utc::now(),
                kinds,
                published: new.published,
                application_ids: new.application_ids.clone(),
                complaint_ids: new.complaint_ids.clone(),
                inspection_ids: new.inspection_ids.clone(),
            };
            casework::insert_sanction(conn, &sanction).await?;
            let record = AuditRecord::created(Entity::Employer(employer), "employer.sanction_imposed", &sanction)?;
            let mut change = Change::new(sanction.clone(), record);
            for (kind, action, statuses) in [
                (
                    SanctionKind::RevokeApprovals,
                    ApplicationAction::Revoke,
                    &APPROVALS_IN_FORCE[..],
                ),
                (
                    SanctionKind::TerminatePending,
                    ApplicationAction::Terminate,
                    &PENDING[..],
                ),
            ] {
                if !sanction.kinds.contains(&kind) {
                    continue;
                }
                let input = ActionInput {
                    comment: Some(format!("Sanction {}: {}", sanction.id, sanction.reason)),
                    ..ActionInput::default()
                };
                for id in applications::of_employer_in(conn, employer, statuses).await? {
                    let case = applications::get_for_update(conn, id, None).await?;
                    let (_, audit) = super::lifecycle::apply(conn, cmd, &case, action, &input).await?;
                    change.audit.extend(audit);
                }
            }
            Ok(change)
        },
        reply,
    )
    .await
}

/// Approvals a sanction revokes, and the applications it terminates (drafts are not pending).
const APPROVALS_IN_FORCE: [ApplicationStatus; 3] = [
    ApplicationStatus::Approved,
    ApplicationStatus::PartiallyApproved,
    ApplicationStatus::Active,
];
const PENDING: [ApplicationStatus; 8] = [
    ApplicationStatus::Submitted,
    ApplicationStatus::InfoRequested,
    ApplicationStatus::Screening,
    ApplicationStatus::LocalRecruitment,
    ApplicationStatus::RecruitmentReview,
    ApplicationStatus::Assessment,
    ApplicationStatus::LabConsultation,
    ApplicationStatus::DecisionPending,
];

/// The cases, complaints and inspections a sanction rests on are the employer's (a field error naming
/// the first that is not).
async fn check_grounds(conn: &mut Conn, employer: EmployerId, new: &NewSanction) -> Result<()> {
    for (i, id) in new.application_ids.iter().enumerate() {
        applications::get(conn, ApplicationId(*id), Some(employer))
            .await
            .map_err(|_| {
                WorkflowError::field(format!("application_ids[{i}]"), "names no application of this employer")
            })?;
    }
    for (i, id) in new.complaint_ids.iter().enumerate() {
        let found = complaints::get(conn, *id, false).await.ok();
        if found.is_none_or(|c| c.employer_id != employer) {
            return Err(WorkflowError::field(
                format!("complaint_ids[{i}]"),
                "names no complaint about this employer",
            ));
        }
    }
    for (i, id) in new.inspection_ids.iter().enumerate() {
        let found = complaints::inspection(conn, *id).await.ok();
        if found.is_none_or(|c| c.employer_id != employer) {
            return Err(WorkflowError::field(
                format!("inspection_ids[{i}]"),
                "names no inspection of this employer",
            ));
        }
    }
    Ok(())
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
