//! Complaints and inspections (§5.9, R-CMP-1). Inspectors record and investigate; staff and auditors
//! read, without the complainant's identity, which only inspectors see.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{JsonBody, QueryParams};
use super::validate;
use super::write::{command, created, ok, respond};
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::domain::inspection::{
    Channel, Complainant, ComplainantKind, Complaint, ComplaintStatus, Finding, Inspection, Subject,
};
use crate::domain::{EmployerId, Role};
use crate::error::{ApiError, FieldError, Problem};
use crate::openapi::ReadOneErrors;
use crate::workflow::DbPool;
use crate::workflow::inspections::{self, NewComplaint, NewInspection};

/// Who reads complaints and inspections: inspectors, staff and auditors (employers do not).
const READERS: [Role; 4] = [Role::Inspector, Role::Caseworker, Role::Approver, Role::Auditor];

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplainantResponse {
    pub name: Option<String>,
    pub contact: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintResponse {
    pub id: Uuid,
    pub received_on: NaiveDate,
    #[schema(schema_with = crate::openapi::enums::complaint_channel)]
    pub channel: Channel,
    #[schema(schema_with = crate::openapi::enums::complaint_subject)]
    pub subject: Subject,
    #[schema(schema_with = crate::openapi::enums::complainant_kind)]
    pub complainant_kind: ComplainantKind,
    pub anonymous: bool,
    /// Who complained: shown to inspectors only (absent for everyone else, and when anonymous).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complainant: Option<ComplainantResponse>,
    pub summary: String,
    pub employer_id: Uuid,
    pub application_id: Option<Uuid>,
    pub worker_id: Option<Uuid>,
    #[schema(schema_with = crate::openapi::enums::complaint_status)]
    pub status: ComplaintStatus,
    pub conclusion: Option<String>,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl From<Complaint> for ComplaintResponse {
    fn from(c: Complaint) -> Self {
        Self {
            id: c.id,
            received_on: c.received_on,
            channel: c.channel,
            subject: c.subject,
            complainant_kind: c.complainant_kind,
            anonymous: c.anonymous,
            complainant: c
                .complainant
                .filter(|who| !c.anonymous && (who.name.is_some() || who.contact.is_some()))
                .map(|who| ComplainantResponse {
                    name: who.name,
                    contact: who.contact,
                }),
            summary: c.summary,
            employer_id: c.employer_id.0,
            application_id: c.application_id,
            worker_id: c.worker_id,
            status: c.status,
            conclusion: c.conclusion,
            recorded_by: c.recorded_by,
            created_at: c.created_at,
            updated_at: c.updated_at,
            version: c.version,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"received_on": "2026-11-30", "channel": "HOTLINE", "subject": "WORK_OUTSIDE_POST", "complainant_kind": "WORKER", "anonymous": false, "complainant_name": "Chan Tai Man", "complainant_contact": "9123 4567", "summary": "Imported cook made to work as a cleaner at a second branch.", "employer_id": "6f1c2a64-5a0e-4d8b-9c3e-0a2b4c6d8e10"})))]
#[serde(deny_unknown_fields)]
pub struct CreateComplaintRequest {
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub received_on: NaiveDate,
    #[schema(schema_with = crate::openapi::enums::complaint_channel)]
    pub channel: Channel,
    #[schema(schema_with = crate::openapi::enums::complaint_subject)]
    pub subject: Subject,
    #[schema(schema_with = crate::openapi::enums::complainant_kind)]
    pub complainant_kind: ComplainantKind,
    /// Anonymous: no name or contact may be given.
    pub anonymous: bool,
    #[serde(default, deserialize_with = "super::extract::present")]
    #[validate(length(min = 1, max = 200), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub complainant_name: Option<String>,
    #[serde(default, deserialize_with = "super::extract::present")]
    #[validate(length(min = 1, max = 200), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub complainant_contact: Option<String>,
    #[validate(length(min = 1, max = 4000), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 4000, pattern = "\\S")]
    pub summary: String,
    /// The employer complained about.
    pub employer_id: Uuid,
    /// The case and worker concerned, if any (the employer's own).
    #[serde(default, deserialize_with = "super::extract::present")]
    pub application_id: Option<Uuid>,
    #[serde(default, deserialize_with = "super::extract::present")]
    pub worker_id: Option<Uuid>,
}

impl CreateComplaintRequest {
    fn check(&self, today: NaiveDate, errors: &mut Vec<FieldError>) {
        if self.anonymous && (self.complainant_name.is_some() || self.complainant_contact.is_some()) {
            errors.push(FieldError::new(
                "anonymous",
                "an anonymous complaint carries no name or contact",
            ));
        }
        if self.complainant_kind == ComplainantKind::Service || self.channel == Channel::DisplacementReview {
            errors.push(FieldError::new(
                "channel",
                "DISPLACEMENT_REVIEW and SERVICE are the service's own",
            ));
        }
        if self.received_on > today {
            errors.push(FieldError::new("received_on", "must not be in the future"));
        }
    }
}

/// Record a complaint (R-CMP-1).
///
/// From a worker, a job seeker or the public, anonymous or named, about an employer (and a case or
/// worker of it). The complainant's identity is kept with the complaint, shown to inspectors only, and
/// left out of the audit trail. The complaint starts RECEIVED.
///
/// Who may call it: inspectors.
#[utoipa::path(tag = "inspections", security(("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = CreateComplaintRequest, responses(
    (status = 201, body = ComplaintResponse),
    (status = 400, description = "Invalid field, or an employer, case or worker that is not there", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Idempotency-Key reused for a different request", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[post("/complaints")]
pub async fn create_complaint(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Inspector])?;
    let today = clock.today();
    let r = body.parse_checked::<CreateComplaintRequest>(|r, errors| r.check(today, errors))?;
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let trimmed = |s: Option<String>| s.map(|s| s.trim().to_owned());
    let new = NewComplaint {
        received_on: r.received_on,
        channel: r.channel,
        subject: r.subject,
        complainant_kind: r.complainant_kind,
        anonymous: r.anonymous,
        complainant: Complainant {
            name: trimmed(r.complainant_name),
            contact: trimmed(r.complainant_contact),
        },
        summary: r.summary.trim().to_owned(),
        employer_id: EmployerId(r.employer_id),
        application_id: r.application_id,
        worker_id: r.worker_id,
    };
    let reply =
        inspections::record_complaint(&pool, &cmd, new, |c| created(&ComplaintResponse::from(c.clone()))).await?;
    Ok(respond(reply))
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ComplaintQuery {
    /// Only complaints about this employer.
    pub employer_id: Option<Uuid>,
    /// Only complaints in this status.
    #[param(schema_with = crate::openapi::enums::complaint_status)]
    pub status: Option<ComplaintStatus>,
    /// At most this many, newest first (default 50, at most 500).
    #[validate(range(min = 1, max = 500))]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintListResponse {
    /// Newest first.
    pub items: Vec<ComplaintResponse>,
}

/// Complaints, newest first (with the displacement reviews the service opens, R-RAT-6).
///
/// Who may call it: inspectors (with complainants' identities), caseworkers, approvers and auditors
/// (without).
#[utoipa::path(tag = "inspections", security(("bearer" = [])), params(ComplaintQuery), responses(
    (status = 200, body = ComplaintListResponse),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[get("/complaints")]
pub async fn list_complaints(
    user: AuthUser,
    pool: web::Data<DbPool>,
    query: QueryParams<ComplaintQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(&READERS)?;
    let q = query.0;
    let limit = i64::from(q.limit.unwrap_or(50));
    let items = inspections::complaints(&pool, user.viewer(), q.employer_id.map(EmployerId), q.status, limit)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(HttpResponse::Ok().json(ComplaintListResponse { items }))
}

/// One complaint.
///
/// Who may call it: inspectors (with the complainant's identity), caseworkers, approvers and auditors
/// (without).
#[utoipa::path(tag = "inspections", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Complaint id")), responses(
    (status = 200, body = ComplaintResponse),
    ReadOneErrors,
))]
#[get("/complaints/{id}")]
pub async fn get_complaint(
    user: AuthUser,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(&READERS)?;
    let complaint = inspections::complaint(&pool, user.viewer(), id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(ComplaintResponse::from(complaint)))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"status": "UNDER_INVESTIGATION"})))]
#[serde(deny_unknown_fields)]
pub struct ComplaintStatusRequest {
    #[schema(schema_with = crate::openapi::enums::complaint_status)]
    pub status: ComplaintStatus,
    /// Required to conclude (SUBSTANTIATED, UNSUBSTANTIATED, INSUFFICIENT_EVIDENCE).
    #[serde(default, deserialize_with = "super::extract::present")]
    #[validate(length(min = 1, max = 4000), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 4000, pattern = "\\S")]
    pub conclusion: Option<String>,
}

/// Move a complaint on: RECEIVED → UNDER_INVESTIGATION → a conclusion.
///
/// A conclusion needs its reasons and is final. `If-Match` with the complaint's version is honoured when
/// sent. Audited on the complaint (without the complainant's identity).
///
/// Who may call it: inspectors.
#[utoipa::path(tag = "inspections", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Complaint id"), ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = ComplaintStatusRequest, responses(
    (status = 200, body = ComplaintResponse),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not a step the complaint can take from where it is", body = Problem, content_type = "application/problem+json"),
    (status = 412, body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Idempotency-Key reused for a different request", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[post("/complaints/{id}/status")]
pub async fn move_complaint(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Inspector])?;
    let r = body.parse::<ComplaintStatusRequest>()?;
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let conclusion = r.conclusion.map(|c| c.trim().to_owned());
    let reply = inspections::move_complaint(&pool, &cmd, id.into_inner(), r.status, conclusion, |c| {
        ok(&ComplaintResponse::from(c.clone()))
    })
    .await?;
    Ok(respond(reply))
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingBody {
    #[schema(schema_with = crate::openapi::enums::complaint_subject)]
    pub subject: Subject,
    /// A breach was found (what a sanction can rest on).
    pub breach: bool,
    #[validate(length(min = 1, max = 4000), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 4000, pattern = "\\S")]
    pub description: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InspectionResponse {
    pub id: Uuid,
    pub employer_id: Uuid,
    pub complaint_id: Option<Uuid>,
    pub application_id: Option<Uuid>,
    pub inspected_on: NaiveDate,
    pub inspector: String,
    pub findings: Vec<FindingBody>,
    pub breach_found: bool,
    pub created_at: DateTime<Utc>,
}

impl From<Inspection> for InspectionResponse {
    fn from(i: Inspection) -> Self {
        Self {
            id: i.id,
            employer_id: i.employer_id.0,
            complaint_id: i.complaint_id,
            application_id: i.application_id,
            inspected_on: i.inspected_on,
            inspector: i.inspector,
            findings: i
                .findings
                .into_iter()
                .map(|f| FindingBody {
                    subject: f.subject,
                    breach: f.breach,
                    description: f.description,
                })
                .collect(),
            breach_found: i.breach_found,
            created_at: i.created_at,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"employer_id": "6f1c2a64-5a0e-4d8b-9c3e-0a2b4c6d8e10", "inspected_on": "2026-12-01", "findings": [{"subject": "WORK_OUTSIDE_POST", "breach": true, "description": "Imported cook found cleaning at the Mong Kok branch."}]})))]
#[serde(deny_unknown_fields)]
pub struct CreateInspectionRequest {
    pub employer_id: Uuid,
    /// The complaint it follows up, if any (about the same employer).
    #[serde(default, deserialize_with = "super::extract::present")]
    pub complaint_id: Option<Uuid>,
    #[serde(default, deserialize_with = "super::extract::present")]
    pub application_id: Option<Uuid>,
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub inspected_on: NaiveDate,
    /// 1 to 50 findings.
    #[validate(length(min = 1, max = 50), nested)]
    #[schema(min_items = 1, max_items = 50)]
    pub findings: Vec<FindingBody>,
}

/// Record an inspection and its findings.
///
/// An inspection of an employer, following up a complaint or not; a finding of a breach is what a
/// sanction can rest on (`POST /v1/employers/{id}/sanctions` with `inspection_ids`). Never edited.
///
/// Who may call it: inspectors.
#[utoipa::path(tag = "inspections", security(("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = CreateInspectionRequest, responses(
    (status = 201, body = InspectionResponse),
    (status = 400, description = "Invalid field, or an employer, case or complaint that is not there", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Idempotency-Key reused for a different request", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[post("/inspections")]
pub async fn create_inspection(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Inspector])?;
    let today = clock.today();
    let r = body.parse_checked::<CreateInspectionRequest>(|r, errors| {
        if r.inspected_on > today {
            errors.push(FieldError::new("inspected_on", "must not be in the future"));
        }
    })?;
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let new = NewInspection {
        employer_id: EmployerId(r.employer_id),
        complaint_id: r.complaint_id,
        application_id: r.application_id,
        inspected_on: r.inspected_on,
        findings: r
            .findings
            .into_iter()
            .map(|f| Finding {
                subject: f.subject,
                breach: f.breach,
                description: f.description.trim().to_owned(),
            })
            .collect(),
    };
    let reply =
        inspections::record_inspection(&pool, &cmd, new, |i| created(&InspectionResponse::from(i.clone()))).await?;
    Ok(respond(reply))
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InspectionQuery {
    /// Only inspections of this employer.
    pub employer_id: Option<Uuid>,
    /// At most this many, newest first (default 50, at most 500).
    #[validate(range(min = 1, max = 500))]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InspectionListResponse {
    /// Newest first.
    pub items: Vec<InspectionResponse>,
}

/// Inspections, newest first.
///
/// Who may call it: inspectors, caseworkers, approvers and auditors.
#[utoipa::path(tag = "inspections", security(("bearer" = [])), params(InspectionQuery), responses(
    (status = 200, body = InspectionListResponse),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[get("/inspections")]
pub async fn list_inspections(
    user: AuthUser,
    pool: web::Data<DbPool>,
    query: QueryParams<InspectionQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(&READERS)?;
    let q = query.0;
    let items = inspections::inspections(&pool, q.employer_id.map(EmployerId), i64::from(q.limit.unwrap_or(50)))
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(HttpResponse::Ok().json(InspectionListResponse { items }))
}

/// One inspection with its findings.
///
/// Who may call it: inspectors, caseworkers, approvers and auditors.
#[utoipa::path(tag = "inspections", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Inspection id")), responses(
    (status = 200, body = InspectionResponse),
    ReadOneErrors,
))]
#[get("/inspections/{id}")]
pub async fn get_inspection(
    user: AuthUser,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(&READERS)?;
    let inspection = inspections::inspection(&pool, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(InspectionResponse::from(inspection)))
}
