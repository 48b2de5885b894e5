//! Complaints (with their complainants kept apart) and inspections.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use super::schema::{complaints, inspections};
use crate::domain::EmployerId;
use crate::domain::inspection::{
    Channel, Complainant, ComplainantKind, Complaint, ComplaintStatus, Inspection, Subject,
};

fn code<T>(parsed: Option<T>, what: &str) -> QueryResult<T> {
    parsed.ok_or_else(|| diesel::result::Error::DeserializationError(format!("unknown {what}").into()))
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = complaints)]
struct ComplaintRow {
    id: Uuid,
    received_on: NaiveDate,
    channel: String,
    subject: String,
    complainant_kind: String,
    anonymous: bool,
    complainant_name: Option<String>,
    complainant_contact: Option<String>,
    summary: String,
    employer_id: Uuid,
    application_id: Option<Uuid>,
    worker_id: Option<Uuid>,
    status: String,
    conclusion: Option<String>,
    recorded_by: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i32,
}

impl TryFrom<ComplaintRow> for Complaint {
    type Error = diesel::result::Error;

    fn try_from(r: ComplaintRow) -> QueryResult<Self> {
        Ok(Self {
            id: r.id,
            received_on: r.received_on,
            channel: code(Channel::parse(&r.channel), "channel")?,
            subject: code(Subject::parse(&r.subject), "subject")?,
            complainant_kind: code(ComplainantKind::parse(&r.complainant_kind), "complainant kind")?,
            anonymous: r.anonymous,
            complainant: Some(Complainant {
                name: r.complainant_name,
                contact: r.complainant_contact,
            }),
            summary: r.summary,
            employer_id: EmployerId(r.employer_id),
            application_id: r.application_id,
            worker_id: r.worker_id,
            status: code(ComplaintStatus::parse(&r.status), "complaint status")?,
            conclusion: r.conclusion,
            recorded_by: r.recorded_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

pub async fn insert(conn: &mut AsyncPgConnection, c: &Complaint) -> QueryResult<()> {
    let who = c.complainant.clone().unwrap_or_default();
    diesel::insert_into(complaints::table)
        .values((
            complaints::id.eq(c.id),
            complaints::received_on.eq(c.received_on),
            complaints::channel.eq(c.channel.as_str()),
            complaints::subject.eq(c.subject.as_str()),
            complaints::complainant_kind.eq(c.complainant_kind.as_str()),
            complaints::anonymous.eq(c.anonymous),
            complaints::complainant_name.eq(who.name),
            complaints::complainant_contact.eq(who.contact),
            complaints::summary.eq(&c.summary),
            complaints::employer_id.eq(c.employer_id.0),
            complaints::application_id.eq(c.application_id),
            complaints::worker_id.eq(c.worker_id),
            complaints::status.eq(c.status.as_str()),
            complaints::recorded_by.eq(&c.recorded_by),
            complaints::created_at.eq(c.created_at),
            complaints::updated_at.eq(c.updated_at),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// One complaint, locked for a change when `for_update`.
pub async fn get(conn: &mut AsyncPgConnection, id: Uuid, for_update: bool) -> QueryResult<Complaint> {
    let query = complaints::table.find(id).select(ComplaintRow::as_select());
    let row = if for_update {
        query.for_update().first(conn).await?
    } else {
        query.first(conn).await?
    };
    Complaint::try_from(row)
}

/// Complaints newest first, optionally of one employer or in one status.
pub async fn list(
    conn: &mut AsyncPgConnection,
    employer: Option<EmployerId>,
    status: Option<ComplaintStatus>,
    limit: i64,
) -> QueryResult<Vec<Complaint>> {
    let mut query = complaints::table.select(ComplaintRow::as_select()).into_boxed();
    if let Some(employer) = employer {
        query = query.filter(complaints::employer_id.eq(employer.0));
    }
    if let Some(status) = status {
        query = query.filter(complaints::status.eq(status.as_str()));
    }
    let rows: Vec<ComplaintRow> = query
        .order((complaints::received_on.desc(), complaints::created_at.desc()))
        .limit(limit)
        .load(conn)
        .await?;
    rows.into_iter().map(Complaint::try_from).collect()
}

/// Moves a complaint on; returns it as it is now.
pub async fn set_status(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: ComplaintStatus,
    conclusion: Option<&str>,
) -> QueryResult<Complaint> {
    let row: ComplaintRow = diesel::update(complaints::table.find(id))
        .set((
            complaints::status.eq(status.as_str()),
            complaints::conclusion.eq(conclusion),
            complaints::updated_at.eq(Utc::now()),
            complaints::version.eq(complaints::version + 1),
        ))
        .returning(ComplaintRow::as_returning())
        .get_result(conn)
        .await?;
    Complaint::try_from(row)
}

/// Open displacement reviews of an employer (not yet concluded).
pub async fn open_displacement_reviews(conn: &mut AsyncPgConnection, employer: EmployerId) -> QueryResult<i64> {
    complaints::table
        .filter(complaints::employer_id.eq(employer.0))
        .filter(complaints::channel.eq(Channel::DisplacementReview.as_str()))
        .filter(complaints::status.eq_any([
            ComplaintStatus::Received.as_str(),
            ComplaintStatus::UnderInvestigation.as_str(),
        ]))
        .count()
        .get_result(conn)
        .await
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = inspections)]
struct InspectionRow {
    id: Uuid,
    employer_id: Uuid,
    complaint_id: Option<Uuid>,
    application_id: Option<Uuid>,
    inspected_on: NaiveDate,
    inspector: String,
    findings: Value,
    breach_found: bool,
    created_at: DateTime<Utc>,
}

impl TryFrom<InspectionRow> for Inspection {
    type Error = diesel::result::Error;

    fn try_from(r: InspectionRow) -> QueryResult<Self> {
        Ok(Self {
            id: r.id,
            employer_id: EmployerId(r.employer_id),
            complaint_id: r.complaint_id,
            application_id: r.application_id,
            inspected_on: r.inspected_on,
            inspector: r.inspector,
            findings: super::from_json(r.findings)?,
            breach_found: r.breach_found,
            created_at: r.created_at,
        })
    }
}

pub async fn insert_inspection(conn: &mut AsyncPgConnection, i: &Inspection) -> QueryResult<()> {
    diesel::insert_into(inspections::table)
        .values((
            inspections::id.eq(i.id),
            inspections::employer_id.eq(i.employer_id.0),
            inspections::complaint_id.eq(i.complaint_id),
            inspections::application_id.eq(i.application_id),
            inspections::inspected_on.eq(i.inspected_on),
            inspections::inspector.eq(&i.inspector),
            inspections::findings.eq(super::to_json(&i.findings)?),
            inspections::breach_found.eq(i.breach_found),
            inspections::created_at.eq(i.created_at),
        ))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn inspection(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Inspection> {
    let row: InspectionRow = inspections::table
        .find(id)
        .select(InspectionRow::as_select())
        .first(conn)
        .await?;
    Inspection::try_from(row)
}

/// Inspections newest first, optionally of one employer.
pub async fn inspections(
    conn: &mut AsyncPgConnection,
    employer: Option<EmployerId>,
    limit: i64,
) -> QueryResult<Vec<Inspection>> {
    let mut query = inspections::table.select(InspectionRow::as_select()).into_boxed();
    if let Some(employer) = employer {
        query = query.filter(inspections::employer_id.eq(employer.0));
    }
    let rows: Vec<InspectionRow> = query
        .order((inspections::inspected_on.desc(), inspections::created_at.desc()))
        .limit(limit)
        .load(conn)
        .await?;
    rows.into_iter().map(Inspection::try_from).collect()
}
