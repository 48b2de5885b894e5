//! Per-employer records: headcount returns (full-time local staff), the quota position they give
//! under the ratio, and administrative sanctions.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::CASE_READERS;
use super::extract::JsonBody;
use super::validate;
use super::write::{command, created, respond};
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::domain::casework::{HeadcountReturn, NewHeadcountReturn, NewSanction, Sanction};
use crate::domain::inspection::SanctionKind;
use crate::domain::rules::ratio::Counted;
use crate::domain::{EmployerId, Role};
use crate::error::{ApiError, FieldError, Problem};
use crate::openapi::ReadOneErrors;
use crate::workflow::DbPool;
use crate::workflow::employer_records;
use crate::workflow::ratio::{Position, Quota};

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"as_of": "2026-02-28", "full_time_locals": 24, "full_time_locals_per_post": {"WAITER": 10}, "imported_workers": 0, "evidence_ref": "MPF contribution statements Dec 2025 to Feb 2026"})))]
#[serde(deny_unknown_fields)]
pub struct CreateHeadcountReturnRequest {
    /// The date the counts describe.
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub as_of: NaiveDate,
    /// Full-time local employees (≥ policy `ft_hours_threshold` hours a week), enterprise-wide.
    #[validate(range(max = 1_000_000))]
    #[schema(maximum = 1_000_000)]
    pub full_time_locals: u32,
    /// Of those, per designated category (needed where the ratio is counted per post).
    #[serde(default)]
    #[schema(example = json!({"WAITER": 6}))]
    pub full_time_locals_per_post: BTreeMap<String, u32>,
    /// Imported workers employed now, enterprise-wide.
    #[validate(range(max = 1_000_000))]
    #[schema(maximum = 1_000_000)]
    pub imported_workers: u32,
    #[serde(default)]
    #[schema(example = json!({"WAITER": 1}))]
    pub imported_per_post: BTreeMap<String, u32>,
    /// Where the evidence is (MPF remittance statements, payroll).
    #[schema(example = "MPF remittance statements Aug-Oct 2026, file HR/2026/114")]
    #[validate(length(min = 1, max = 500), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
    pub evidence_ref: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HeadcountReturnResponse {
    pub id: Uuid,
    pub employer_id: Uuid,
    pub as_of: NaiveDate,
    pub full_time_locals: u32,
    #[schema(value_type = Object)]
    pub full_time_locals_per_post: BTreeMap<String, u32>,
    pub imported_workers: u32,
    #[schema(value_type = Object)]
    pub imported_per_post: BTreeMap<String, u32>,
    pub evidence_ref: String,
    pub filed_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<HeadcountReturn> for HeadcountReturnResponse {
    fn from(r: HeadcountReturn) -> Self {
        Self {
            id: r.id,
            employer_id: r.employer_id.0,
            as_of: r.as_of,
            full_time_locals: r.full_time_locals,
            full_time_locals_per_post: r.full_time_locals_per_post,
            imported_workers: r.imported_workers,
            imported_per_post: r.imported_per_post,
            evidence_ref: r.evidence_ref,
            filed_by: r.filed_by,
            created_at: r.created_at,
        }
    }
}

fn check_per_post(name: &str, per_post: &BTreeMap<String, u32>, total: u32, errors: &mut Vec<FieldError>) {
    for code in per_post.keys() {
        if validate::code(code).is_err() {
            errors.push(FieldError::new(
                format!("{name}.{code}"),
                "must be a designated category code",
            ));
        }
    }
    if per_post.values().map(|n| u64::from(*n)).sum::<u64>() > u64::from(total) {
        errors.push(FieldError::new(
            name,
            "must not add up to more than the enterprise-wide total",
        ));
    }
}

/// File a headcount return (the employer for itself, or a caseworker).
///
/// Returns are never edited: a correction is a newer return.
///
/// Who may call it: the employer (for its own records only; another employer's are 404) or a caseworker.
#[utoipa::path(tag = "employers", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Employer id"), ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = CreateHeadcountReturnRequest, responses(
    (status = 201, body = HeadcountReturnResponse),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Idempotency-Key reused for a different request", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[post("/employers/{id}/headcount-returns")]
pub async fn create_headcount_return(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Employer, Role::Caseworker])?;
    let today = clock.today();
    let request = body.parse_checked::<CreateHeadcountReturnRequest>(|r, errors| r.check(today, errors))?;
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let employer = EmployerId(id.into_inner());
    let reply = employer_records::file_headcount_return(&pool, &cmd, employer, request.into(), |r| {
        created(&HeadcountReturnResponse::from(r.clone()))
    })
    .await?;
    Ok(respond(reply))
}

impl CreateHeadcountReturnRequest {
    /// Per-post counts name designated categories and add up to no more than the totals; the date
    /// is not in the future.
    fn check(&self, today: NaiveDate, errors: &mut Vec<FieldError>) {
        check_per_post(
            "full_time_locals_per_post",
            &self.full_time_locals_per_post,
            self.full_time_locals,
            errors,
        );
        check_per_post(
            "imported_per_post",
            &self.imported_per_post,
            self.imported_workers,
            errors,
        );
        if self.as_of > today {
            errors.push(FieldError::new("as_of", "must not be in the future"));
        }
    }
}

impl From<CreateHeadcountReturnRequest> for NewHeadcountReturn {
    fn from(r: CreateHeadcountReturnRequest) -> Self {
        Self {
            as_of: r.as_of,
            full_time_locals: r.full_time_locals,
            full_time_locals_per_post: r.full_time_locals_per_post,
            imported_workers: r.imported_workers,
            imported_per_post: r.imported_per_post,
            evidence_ref: r.evidence_ref.trim().to_owned(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HeadcountReturnListResponse {
    /// Newest first.
    pub items: Vec<HeadcountReturnResponse>,
}

/// The employer's headcount returns, newest first.
///
/// Each return: the date it describes, full-time local staff (overall and per post), imported workers, and
/// the evidence it rests on. The newest binds the ratio.
///
/// Who may call it: caseworkers, approvers and auditors; an employer user for its own records only (another
/// employer's are 404, as if they did not exist).
#[utoipa::path(tag = "employers", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Employer id")), responses(
    (status = 200, body = HeadcountReturnListResponse),
    ReadOneErrors,
))]
#[get("/employers/{id}/headcount-returns")]
pub async fn list_headcount_returns(
    user: AuthUser,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(&CASE_READERS)?;
    let returns = employer_records::headcount_returns(&pool, user.viewer(), EmployerId(id.into_inner())).await?;
    Ok(HttpResponse::Ok().json(HeadcountReturnListResponse {
        items: returns.into_iter().map(Into::into).collect(),
    }))
}

/// The ratio position in one scope.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuotaPosition {
    /// `ENTERPRISE`, or a designated category counted per post.
    pub scope: String,
    /// Full-time locals per imported worker in this scope (the post's own ratio where policy gives one).
    pub locals_per_imported: u32,
    pub full_time_locals: u32,
    /// Imported workers in post: the more of the headcount return's figure and the workers the
    /// service has recorded as arrived (contract not ended).
    pub imported_workers: u32,
    /// Places approved still waiting for their worker (allocated, visa applied or issued); lapsed,
    /// revoked and ended places free their capacity.
    pub places_approved: u32,
    /// Imported workers the ratio allows in this scope.
    pub capacity: u32,
    /// Places the ratio still allows.
    pub places_still_allowed: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuotaResponse {
    pub employer_id: Uuid,
    pub on: NaiveDate,
    /// Full-time locals per imported worker (policy in force today).
    pub locals_per_imported: u32,
    /// The headcount return the position rests on; absent when none was filed.
    pub headcount_return_id: Option<Uuid>,
    pub enterprise: QuotaPosition,
    /// Posts counted separately (policy `ratio_scope` = PER_POST today).
    pub per_post: Vec<QuotaPosition>,
}

/// The employer's ratio position today: staff, imported workers, places approved and still allowed.
///
/// From the latest headcount return and the policy ratio in force today: how many imported workers the
/// employer may have, how many places are approved or filled, and how many more may be approved.
///
/// Who may call it: caseworkers, approvers and auditors; an employer user for its own records only (another
/// employer's are 404, as if they did not exist).
#[utoipa::path(tag = "employers", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Employer id")), responses(
    (status = 200, body = QuotaResponse),
    (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A policy value is missing for today", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[get("/employers/{id}/quota")]
pub async fn get_quota(
    user: AuthUser,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(&CASE_READERS)?;
    let employer = EmployerId(id.into_inner());
    let quota = employer_records::quota(&pool, user.viewer(), employer, clock.today()).await?;
    Ok(HttpResponse::Ok().json(QuotaResponse::from(quota)))
}

impl From<Position> for QuotaPosition {
    fn from(p: Position) -> Self {
        Self {
            scope: match p.counted {
                Counted::Enterprise => "ENTERPRISE".to_owned(),
                Counted::Post(post) => post,
            },
            locals_per_imported: p.locals_per_imported,
            full_time_locals: p.full_time_locals,
            imported_workers: p.imported_workers,
            places_approved: p.places_approved,
            capacity: p.capacity,
            places_still_allowed: p.places_still_allowed,
        }
    }
}

impl From<Quota> for QuotaResponse {
    fn from(q: Quota) -> Self {
        Self {
            employer_id: q.employer.0,
            on: q.on,
            locals_per_imported: q.enterprise.locals_per_imported,
            headcount_return_id: q.headcount_return_id,
            enterprise: q.enterprise.into(),
            per_post: q.per_post.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"bar_from": "2026-04-01", "months": 12, "reason": "Convicted of wage offences under the Employment Ordinance (case ESS-2026-0142)"})))]
#[serde(deny_unknown_fields)]
pub struct CreateSanctionRequest {
    /// First day of the bar.
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub bar_from: NaiveDate,
    /// Length of the bar in months; one of policy `sanction_bar_months_options` (12 or 24).
    #[schema(example = 12)]
    pub months: u32,
    #[validate(length(min = 1, max = 2000), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub reason: String,
    /// What the sanction does besides the bar (always imposed): `REVOKE_APPROVALS` revokes every
    /// approval in force, `TERMINATE_PENDING` terminates every pending application (R-SAN-1).
    #[serde(default)]
    #[validate(length(max = 3))]
    #[schema(value_type = Vec<String>, max_items = 3, example = json!(["REVOKE_APPROVALS"]))]
    pub kinds: Vec<SanctionKind>,
    /// The employer's name may be published (R-SAN-2).
    #[serde(default)]
    pub published: bool,
    /// The cases, complaints and inspections the sanction rests on (the employer's own).
    #[serde(default)]
    #[validate(length(max = 100))]
    #[schema(max_items = 100)]
    pub application_ids: Vec<Uuid>,
    #[serde(default)]
    #[validate(length(max = 100))]
    #[schema(max_items = 100)]
    pub complaint_ids: Vec<Uuid>,
    #[serde(default)]
    #[validate(length(max = 100))]
    #[schema(max_items = 100)]
    pub inspection_ids: Vec<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SanctionResponse {
    pub id: Uuid,
    pub employer_id: Uuid,
    pub bar_from: NaiveDate,
    /// First day the employer may apply again.
    pub bar_until: NaiveDate,
    pub reason: String,
    pub imposed_by: String,
    pub created_at: DateTime<Utc>,
    /// `BAR_NEW_APPLICATIONS`, and `REVOKE_APPROVALS` / `TERMINATE_PENDING` when imposed.
    #[schema(value_type = Vec<String>)]
    pub kinds: Vec<SanctionKind>,
    pub published: bool,
    pub application_ids: Vec<Uuid>,
    pub complaint_ids: Vec<Uuid>,
    pub inspection_ids: Vec<Uuid>,
}

impl From<Sanction> for SanctionResponse {
    fn from(s: Sanction) -> Self {
        Self {
            id: s.id,
            employer_id: s.employer_id.0,
            bar_from: s.bar_from,
            bar_until: s.bar_until,
            reason: s.reason,
            imposed_by: s.imposed_by,
            created_at: s.created_at,
            kinds: s.kinds,
            published: s.published,
            application_ids: s.application_ids,
            complaint_ids: s.complaint_ids,
            inspection_ids: s.inspection_ids,
        }
    }
}

/// Impose a sanction (approver; R-SAN-1/2).
///
/// The bar runs from `bar_from` for `months`; submissions inside it are refused (R-SAN-2). With
/// `REVOKE_APPROVALS` every approval in force is revoked, and with `TERMINATE_PENDING` every pending
/// application terminated, through the lifecycle's revoke and terminate, in the same transaction (each an
/// event of its case). Sanctions are never edited; a new one is added.
///
/// Who may call it: approvers.
#[utoipa::path(tag = "employers", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Employer id"), ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = CreateSanctionRequest, responses(
    (status = 201, body = SanctionResponse),
    (status = 400, description = "Invalid field, or a bar length policy does not allow", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Idempotency-Key reused, or no sanction policy in force", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[post("/employers/{id}/sanctions")]
pub async fn create_sanction(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Approver])?;
    let request = body.parse::<CreateSanctionRequest>()?;
    let new = NewSanction {
        bar_from: request.bar_from,
        months: request.months,
        reason: request.reason.trim().to_owned(),
        kinds: request.kinds,
        published: request.published,
        application_ids: request.application_ids,
        complaint_ids: request.complaint_ids,
        inspection_ids: request.inspection_ids,
    };
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let employer = EmployerId(id.into_inner());
    let reply = employer_records::impose_sanction(&pool, &cmd, employer, new, |s| {
        created(&SanctionResponse::from(s.clone()))
    })
    .await?;
    Ok(respond(reply))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SanctionListResponse {
    pub items: Vec<SanctionResponse>,
}

/// The employer's sanctions.
///
/// Bars on new applications imposed on the employer, with their period and reason; a bar in force refuses
/// submission (R-SAN-2).
///
/// Who may call it: caseworkers, approvers and auditors; an employer user for its own records only (another
/// employer's are 404, as if they did not exist).
#[utoipa::path(tag = "employers", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Employer id")), responses(
    (status = 200, body = SanctionListResponse),
    ReadOneErrors,
))]
#[get("/employers/{id}/sanctions")]
pub async fn list_sanctions(
    user: AuthUser,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(&CASE_READERS)?;
    let sanctions = employer_records::sanctions(&pool, user.viewer(), EmployerId(id.into_inner())).await?;
    Ok(HttpResponse::Ok().json(SanctionListResponse {
        items: sanctions.into_iter().map(Into::into).collect(),
    }))
}
