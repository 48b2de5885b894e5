//! Complaints and inspections (§5.9, R-CMP-1), and the displacement reviews headcount returns raise
//! (R-RAT-6). Sanctions, which findings lead to, are in `employer_records`.

use chrono::Utc;
use uuid::Uuid;

use super::error::{Result, WorkflowError, not_found};
use super::notify;
use super::unit::{self, Change, Command, Locks, Reply};
use crate::db::{Conn, DbPool, applications, casework, complaints, employers, workers};
use crate::domain::audit::{Actor, AuditRecord, Entity};
use crate::domain::inspection::{
    Channel, Complainant, ComplainantKind, Complaint, ComplaintStatus, Finding, Inspection, Subject,
    displacement_suspected,
};
use crate::domain::notification::{Notice, Recipient};
use crate::domain::{ApplicationId, EmployerId, Role, Viewer};

/// A complaint as an inspector records it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewComplaint {
    pub received_on: chrono::NaiveDate,
    pub channel: Channel,
    pub subject: Subject,
    pub complainant_kind: ComplainantKind,
    pub anonymous: bool,
    pub complainant: Complainant,
    pub summary: String,
    pub employer_id: EmployerId,
    pub application_id: Option<Uuid>,
    pub worker_id: Option<Uuid>,
}

/// An inspection as an inspector records it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInspection {
    pub employer_id: EmployerId,
    pub complaint_id: Option<Uuid>,
    pub application_id: Option<Uuid>,
    pub inspected_on: chrono::NaiveDate,
    pub findings: Vec<Finding>,
}

/// The case and worker a record names must be the employer's (a field error otherwise).
async fn check_links(
    conn: &mut Conn,
    employer: EmployerId,
    application: Option<Uuid>,
    worker: Option<Uuid>,
) -> Result<()> {
    employers::get(conn, employer, None)
        .await
        .map_err(|_| WorkflowError::field("employer_id", "names no employer"))?;
    if let Some(id) = application {
        applications::get(conn, ApplicationId(id), Some(employer))
            .await
            .map_err(|_| WorkflowError::field("application_id", "names no application of this employer"))?;
    }
    if let Some(id) = worker {
        workers::owners_of(conn, id, Some(employer))
            .await
            .map_err(|_| WorkflowError::field("worker_id", "names no worker of this employer"))?;
    }
    Ok(())
}

/// What the audit trail keeps of a complaint: everything but the complainant's identity, which only
/// inspectors read (the record itself holds it).
fn audited(complaint: &Complaint) -> Complaint {
    Complaint {
        complainant: None,
        ..complaint.clone()
    }
}

/// Records a complaint (R-CMP-1): anonymous, or with the complainant's name and contact.
pub async fn record_complaint(
    pool: &DbPool,
    cmd: &Command,
    new: NewComplaint,
    reply: impl FnOnce(&Complaint) -> Result<Reply>,
) -> Result<Reply> {
    unit::write(
        pool,
        cmd,
        Locks::nothing(),
        async |conn, _| {
            check_links(conn, new.employer_id, new.application_id, new.worker_id).await?;
            let now = Utc::now();
            let complaint = Complaint {
                id: Uuid::new_v4(),
                received_on: new.received_on,
                channel: new.channel,
                subject: new.subject,
                complainant_kind: new.complainant_kind,
                anonymous: new.anonymous,
                complainant: Some(if new.anonymous {
                    Complainant::default()
                } else {
                    new.complainant.clone()
                }),
                summary: new.summary.clone(),
                employer_id: new.employer_id,
                application_id: new.application_id,
                worker_id: new.worker_id,
                status: ComplaintStatus::Received,
                conclusion: None,
                recorded_by: cmd.actor.sub.clone(),
                created_at: now,
                updated_at: now,
                version: 1,
            };
            complaints::insert(conn, &complaint).await?;
            let record = AuditRecord::created(
                Entity::Complaint(complaint.id),
                "complaint.received",
                &audited(&complaint),
            )?;
            Ok(Change::new(complaint, record))
        },
        reply,
    )
    .await
}

/// Moves a complaint along RECEIVED → UNDER_INVESTIGATION → a conclusion (which needs its reasons).
pub async fn move_complaint(
    pool: &DbPool,
    cmd: &Command,
    id: Uuid,
    status: ComplaintStatus,
    conclusion: Option<String>,
    reply: impl FnOnce(&Complaint) -> Result<Reply>,
) -> Result<Reply> {
    unit::write(
        pool,
        cmd,
        Locks::nothing(),
        async |conn, _| {
            let before = complaints::get(conn, id, true).await.map_err(not_found("complaint"))?;
            if let super::unit::IfMatch::Versions(_) = cmd.if_match {
                cmd.if_match.check(before.version, false)?;
            }
            if !before.status.may_move_to(status) {
                return Err(WorkflowError::Conflict(format!(
                    "a complaint {} cannot become {}",
                    before.status.as_str(),
                    status.as_str()
                )));
            }
            if status.is_concluded() && conclusion.is_none() {
                return Err(WorkflowError::field(
                    "conclusion",
                    "is required to conclude a complaint",
                ));
            }
            let after = complaints::set_status(conn, id, status, conclusion.as_deref()).await?;
            let record = AuditRecord::changed(
                Entity::Complaint(id),
                &format!("complaint.{}", status.as_str().to_lowercase()),
                &audited(&before),
                &audited(&after),
            )?;
            Ok(Change::new(after, record))
        },
        reply,
    )
    .await
}

/// Hides the complainant from every reader but inspectors.
fn for_reader(mut complaint: Complaint, viewer: Viewer) -> Complaint {
    if viewer.role != Role::Inspector {
        complaint.complainant = None;
    }
    complaint
}

pub async fn complaint(pool: &DbPool, viewer: Viewer, id: Uuid) -> Result<Complaint> {
    unit::read(pool, async |conn| {
        let complaint = complaints::get(conn, id, false).await.map_err(not_found("complaint"))?;
        Ok(for_reader(complaint, viewer))
    })
    .await
}

pub async fn complaints(
    pool: &DbPool,
    viewer: Viewer,
    employer: Option<EmployerId>,
    status: Option<ComplaintStatus>,
    limit: i64,
) -> Result<Vec<Complaint>> {
    unit::read(pool, async |conn| {
        let found = complaints::list(conn, employer, status, limit).await?;
        Ok(found.into_iter().map(|c| for_reader(c, viewer)).collect())
    })
    .await
}

/// Records an inspection and its findings; a complaint it follows must be of the same employer.
pub async fn record_inspection(
    pool: &DbPool,
    cmd: &Command,
    new: NewInspection,
    reply: impl FnOnce(&Inspection) -> Result<Reply>,
) -> Result<Reply> {
    unit::write(
        pool,
        cmd,
        Locks::nothing(),
        async |conn, _| {
            check_links(conn, new.employer_id, new.application_id, None).await?;
            if let Some(complaint) = new.complaint_id {
                let found = complaints::get(conn, complaint, false)
                    .await
                    .map_err(|_| WorkflowError::field("complaint_id", "names no complaint"))?;
                if found.employer_id != new.employer_id {
                    return Err(WorkflowError::field(
                        "complaint_id",
                        "is a complaint about another employer",
                    ));
                }
            }
            let inspection = Inspection {
                id: Uuid::new_v4(),
                employer_id: new.employer_id,
                complaint_id: new.complaint_id,
                application_id: new.application_id,
                inspected_on: new.inspected_on,
                inspector: cmd.actor.sub.clone(),
                breach_found: new.findings.iter().any(|f| f.breach),
                findings: new.findings.clone(),
                created_at: Utc::now(),
            };
            complaints::insert_inspection(conn, &inspection).await?;
            let record = AuditRecord::created(Entity::Inspection(inspection.id), "inspection.recorded", &inspection)?;
            Ok(Change::new(inspection, record))
        },
        reply,
    )
    .await
}

pub async fn inspection(pool: &DbPool, id: Uuid) -> Result<Inspection> {
    unit::read(pool, async |conn| {
        complaints::inspection(conn, id).await.map_err(not_found("inspection"))
    })
    .await
}

pub async fn inspections(pool: &DbPool, employer: Option<EmployerId>, limit: i64) -> Result<Vec<Inspection>> {
    unit::read(pool, async |conn| {
        Ok(complaints::inspections(conn, employer, limit).await?)
    })
    .await
}

/// The full-time locals the employer's latest approval in force relied on: the headcount return its
/// decision record's ratio check names (the one in force when it was decided, whatever was filed since).
pub(super) async fn locals_relied_on(conn: &mut Conn, employer: EmployerId) -> Result<Option<u32>> {
    let Some(record) = casework::latest_approval_record(conn, employer).await? else {
        return Ok(None);
    };
    let relied_on = record.results.iter().find_map(|r| {
        r.inputs
            .get("headcount_return_id")
            .and_then(|id| id.as_str())
            .and_then(|id| id.parse::<Uuid>().ok())
    });
    let Some(id) = relied_on else {
        return Ok(None);
    };
    Ok(casework::headcount_return(conn, id).await?.map(|r| r.full_time_locals))
}

/// R-RAT-6: a return with fewer full-time locals than an approval relied on opens a displacement
/// review for inspectors (one open review per employer at a time), raised by the service itself.
/// Returns the audit records it owes.
pub(super) async fn review_displacement(
    conn: &mut Conn,
    cmd: &Command,
    employer: EmployerId,
    relied_on: Option<u32>,
    now: u32,
) -> Result<Vec<AuditRecord>> {
    if !displacement_suspected(relied_on, now) || complaints::open_displacement_reviews(conn, employer).await? > 0 {
        return Ok(Vec::new());
    }
    let relied_on = relied_on.unwrap_or_default();
    let name = employers::get(conn, employer, None).await?.name_en;
    let at = Utc::now();
    let review = Complaint {
        id: Uuid::new_v4(),
        received_on: cmd.today,
        channel: Channel::DisplacementReview,
        subject: Subject::Displacement,
        complainant_kind: ComplainantKind::Service,
        anonymous: false,
        complainant: None,
        summary: format!(
            "R-RAT-6: a headcount return shows {now} full-time local employees, fewer than the {relied_on} the latest approval relied on."
        ),
        employer_id: employer,
        application_id: None,
        worker_id: None,
        status: ComplaintStatus::Received,
        conclusion: None,
        recorded_by: Actor::SYSTEM_SUB.to_owned(),
        created_at: at,
        updated_at: at,
        version: 1,
    };
    complaints::insert(conn, &review).await?;
    let notice = Notice::DisplacementReview {
        employer: name,
        relied_on,
        now,
    };
    notify::notify(conn, &notice, Recipient::Role(Role::Inspector), None, None, cmd.today).await?;
    let record = AuditRecord::created(
        Entity::Complaint(review.id),
        "complaint.displacement_review_opened",
        &review,
    )?
    .by(Actor::system(cmd.actor.request_id.clone()));
    Ok(vec![record])
}
