//! LAB consultation: the package members read, their views, the cases under consultation, and the
//! public holidays the working-day window skips.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::extract::JsonBody;
use super::validate;
use super::write::{command, created, respond};
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::db::consultations::Consultation;
use crate::domain::consultation::{Package, Stance, Verdict, View};
use crate::domain::rules::decision::{DecisionOutcome, ReasonCode};
use crate::domain::{ApplicationId, ApplicationStatus, Role};
use crate::error::{ApiError, Problem};
use crate::openapi::ReadOneErrors;
use crate::workflow::DbPool;
use crate::workflow::consultation::{self, ConsultationView};

/// Who reads consultations: LAB members (cases under consultation only), staff and auditors.
const CONSULTATION_READERS: [Role; 4] = [Role::LabMember, Role::Caseworker, Role::Approver, Role::Auditor];

/// The consultation package: what a LAB member needs to comment, and nothing more. Built from the
/// case's own figures and counts: no worker's or job seeker's personal data, no staff notes.
#[derive(Debug, Serialize, ToSchema)]
pub struct PackageResponse {
    pub application_id: Uuid,
    pub reference: String,
    /// The applicant company.
    pub employer_name: String,
    /// `NEW` or `RENEWAL`.
    pub application_type: String,
    pub submitted_on: Option<NaiveDate>,
    pub posts: Vec<PackagePostResponse>,
    /// The employer's staff as its latest headcount return gave them on the recommendation's date.
    pub ratio: Option<RatioPositionResponse>,
    pub recommendation: RecommendationResponse,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PackagePostResponse {
    pub vacancy_id: Uuid,
    pub post_title: String,
    pub designated_category_code: Option<String>,
    pub industry_sector: String,
    pub workers_requested: u32,
    pub monthly_wage_hkd: u32,
    /// The median the wage was held against (the wage table's, or the caseworker's benchmark).
    pub median_monthly_wage_hkd: Option<u32>,
    pub wage_at_or_above_median: Option<bool>,
    pub recruitment: RecruitmentSummaryResponse,
}

/// Local recruitment, as numbers.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecruitmentSummaryResponse {
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub adverts: u32,
    pub job_fair_sessions_attended: u32,
    pub job_seekers_referred: u32,
    /// Referrals by interview outcome (`INTERVIEWED`, `ACCEPTED`, …; `PENDING` without one).
    #[schema(value_type = Object, example = json!({"DECLINED": 2, "REJECTED": 1}))]
    pub outcomes: BTreeMap<String, u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RatioPositionResponse {
    pub as_of: NaiveDate,
    pub full_time_locals: u32,
    pub imported_workers: u32,
}

/// The caseworker's recommendation.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationResponse {
    #[schema(value_type = Option<String>, example = "APPROVE")]
    pub outcome: Option<DecisionOutcome>,
    #[schema(value_type = Vec<String>)]
    pub reason_codes: Vec<ReasonCode>,
    pub recommended_on: NaiveDate,
    /// Places recommended per vacancy id.
    #[schema(value_type = Object)]
    pub places: BTreeMap<Uuid, u32>,
}

impl From<Package> for PackageResponse {
    fn from(p: Package) -> Self {
        Self {
            application_id: p.application_id,
            reference: p.reference,
            employer_name: p.employer_name,
            application_type: p.application_type,
            submitted_on: p.submitted_on,
            posts: p
                .posts
                .into_iter()
                .map(|v| PackagePostResponse {
                    vacancy_id: v.vacancy_id,
                    post_title: v.post_title,
                    designated_category_code: v.designated_category_code,
                    industry_sector: v.industry_sector,
                    workers_requested: v.workers_requested,
                    monthly_wage_hkd: v.monthly_wage_hkd,
                    median_monthly_wage_hkd: v.median_monthly_wage_hkd,
                    wage_at_or_above_median: v.wage_at_or_above_median,
                    recruitment: RecruitmentSummaryResponse {
                        starts_on: v.recruitment.starts_on,
                        ends_on: v.recruitment.ends_on,
                        adverts: v.recruitment.adverts,
                        job_fair_sessions_attended: v.recruitment.job_fair_sessions_attended,
                        job_seekers_referred: v.recruitment.job_seekers_referred,
                        outcomes: v.recruitment.outcomes,
                    },
                })
                .collect(),
            ratio: p.ratio.map(|r| RatioPositionResponse {
                as_of: r.as_of,
                full_time_locals: r.full_time_locals,
                imported_workers: r.imported_workers,
            }),
            recommendation: RecommendationResponse {
                outcome: p.recommendation.outcome,
                reason_codes: p.recommendation.reason_codes,
                recommended_on: p.recommendation.recommended_on,
                places: p.recommendation.places,
            },
        }
    }
}

/// One member's view.
#[derive(Debug, Serialize, ToSchema)]
pub struct ViewResponse {
    pub id: Uuid,
    /// The member (token subject).
    pub member: String,
    #[schema(schema_with = crate::openapi::enums::stance)]
    pub stance: Stance,
    pub comment: Option<String>,
    pub recorded_on: NaiveDate,
}

impl From<View> for ViewResponse {
    fn from(v: View) -> Self {
        Self {
            id: v.id,
            member: v.member,
            stance: v.stance,
            comment: v.comment,
            recorded_on: v.recorded_on,
        }
    }
}

/// The outcome: consensus or not, the counts, the threshold, and where the case went.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerdictResponse {
    /// `CONSENSUS` or `NO_CONSENSUS`.
    #[schema(value_type = String, example = "CONSENSUS")]
    pub outcome: serde_json::Value,
    /// `DECISION` or `WORKING_GROUP`.
    #[schema(value_type = String, example = "DECISION")]
    pub routed_to: serde_json::Value,
    pub support: u32,
    pub object: u32,
    pub comment: u32,
    pub threshold: f64,
}

impl From<Verdict> for VerdictResponse {
    fn from(v: Verdict) -> Self {
        Self {
            outcome: serde_json::to_value(v.outcome).unwrap_or_default(),
            routed_to: serde_json::to_value(v.routed_to).unwrap_or_default(),
            support: v.tally.support,
            object: v.tally.object,
            comment: v.tally.comment,
            threshold: v.tally.threshold,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsultationResponse {
    pub application_id: Uuid,
    #[schema(schema_with = crate::openapi::enums::application_status)]
    pub status: ApplicationStatus,
    pub opened_on: NaiveDate,
    /// The last day views are taken (`working_days` Hong Kong working days after opening).
    pub closes_on: NaiveDate,
    pub working_days: u32,
    pub package: PackageResponse,
    /// Every view for staff and auditors; a LAB member's own view only.
    pub views: Vec<ViewResponse>,
    pub closed_on: Option<NaiveDate>,
    pub verdict: Option<VerdictResponse>,
    /// The policy values the window and the verdict use (key, value, policy id).
    #[schema(value_type = Object)]
    pub policy_used: serde_json::Value,
}

impl ConsultationResponse {
    fn of(c: Consultation, status: ApplicationStatus, views: Vec<View>) -> Self {
        Self {
            application_id: c.application_id,
            status,
            opened_on: c.opened_on,
            closes_on: c.closes_on,
            working_days: c.working_days,
            package: c.package.into(),
            views: views.into_iter().map(Into::into).collect(),
            closed_on: c.closed_on,
            verdict: c.verdict.map(Into::into),
            policy_used: c.policy_used,
        }
    }
}

impl From<ConsultationView> for ConsultationResponse {
    fn from(v: ConsultationView) -> Self {
        Self::of(v.consultation, v.status, v.views)
    }
}

/// The consultation of a case: the package, the window, the views and the verdict.
///
/// A LAB member reaches a case's consultation only while the case is under consultation (404 otherwise)
/// and sees the package, the window and its own view; staff and auditors see every view and the verdict.
///
/// Who may call it: LAB members, caseworkers, approvers and auditors.
#[utoipa::path(tag = "consultation", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Application id")), responses(
    (status = 200, body = ConsultationResponse),
    ReadOneErrors,
))]
#[get("/applications/{id}/consultation")]
pub async fn get_consultation(
    user: AuthUser,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(&CONSULTATION_READERS)?;
    let found = consultation::get(&pool, user.viewer(), &user.sub, ApplicationId(id.into_inner())).await?;
    Ok(HttpResponse::Ok().json(ConsultationResponse::from(found)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsultationListResponse {
    /// Newest first.
    pub items: Vec<ConsultationResponse>,
}

/// The cases under consultation now, with their packages.
///
/// Every case in LAB_CONSULTATION whose window is open, newest first, with its package (no views: read
/// one consultation for those).
///
/// Who may call it: LAB members, caseworkers, approvers and auditors.
#[utoipa::path(tag = "consultation", security(("bearer" = [])), responses(
    (status = 200, body = ConsultationListResponse),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[get("/consultations")]
pub async fn list_consultations(user: AuthUser, pool: web::Data<DbPool>) -> Result<HttpResponse, ApiError> {
    user.require(&CONSULTATION_READERS)?;
    let open = consultation::open_consultations(&pool).await?;
    let items = open
        .into_iter()
        .map(|c| ConsultationResponse::of(c, ApplicationStatus::LabConsultation, Vec::new()))
        .collect();
    Ok(HttpResponse::Ok().json(ConsultationListResponse { items }))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"stance": "SUPPORT", "comment": "Recruitment efforts were adequate."})))]
#[serde(deny_unknown_fields)]
pub struct CreateViewRequest {
    #[schema(schema_with = crate::openapi::enums::stance)]
    pub stance: Stance,
    #[serde(default, deserialize_with = "super::extract::present")]
    #[validate(length(min = 1, max = 4000), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 4000, pattern = "\\S")]
    pub comment: Option<String>,
}

/// Record a LAB member's view on a case under consultation (R-LAB-2).
///
/// One view per member, final: support, object or comment (a comment is required with `COMMENT`).
/// Taken while the window is open (422 after it closed); audited on the case.
///
/// Who may call it: LAB members.
#[utoipa::path(tag = "consultation", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Application id"), ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = CreateViewRequest, responses(
    (status = 201, body = ViewResponse),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such case, or not under consultation", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "This member's view is recorded already", body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "The window closed (R-LAB-2), or Idempotency-Key reused", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[post("/applications/{id}/consultation/views")]
pub async fn create_view(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::LabMember])?;
    let request = body.parse_checked::<CreateViewRequest>(|r, errors| {
        if r.stance == Stance::Comment && r.comment.is_none() {
            errors.push(crate::error::FieldError::new("comment", "is required with COMMENT"));
        }
    })?;
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let comment = request.comment.map(|c| c.trim().to_owned());
    let reply = consultation::record_view(
        &pool,
        &cmd,
        ApplicationId(id.into_inner()),
        request.stance,
        comment,
        |v| created(&ViewResponse::from(v.clone())),
    )
    .await?;
    Ok(respond(reply))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HolidayResponse {
    pub day: NaiveDate,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HolidayListResponse {
    /// By date.
    pub items: Vec<HolidayResponse>,
}

/// The Hong Kong general holidays the working-day windows skip.
///
/// Who may call it: every role.
#[utoipa::path(tag = "consultation", security(("bearer" = [])), responses(
    (status = 200, body = HolidayListResponse),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[get("/public-holidays")]
pub async fn list_holidays(_user: AuthUser, pool: web::Data<DbPool>) -> Result<HttpResponse, ApiError> {
    let items = consultation::holidays(&pool)
        .await?
        .into_iter()
        .map(|(day, name)| HolidayResponse { day, name })
        .collect();
    Ok(HttpResponse::Ok().json(HolidayListResponse { items }))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"day": "2027-01-01", "name": "The first day of January"})))]
#[serde(deny_unknown_fields)]
pub struct CreateHolidayRequest {
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub day: NaiveDate,
    #[validate(length(min = 1, max = 200), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
}

/// List a gazetted general holiday (administrators).
///
/// A listed holiday is never changed or removed; windows opened before it was listed keep their dates.
///
/// Who may call it: administrators.
#[utoipa::path(tag = "consultation", security(("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = CreateHolidayRequest, responses(
    (status = 201, body = HolidayResponse),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The day is listed already", body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Idempotency-Key reused for a different request", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[post("/public-holidays")]
pub async fn create_holiday(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Admin])?;
    let request = body.parse::<CreateHolidayRequest>()?;
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let reply = consultation::add_holiday(
        &pool,
        &cmd,
        request.day,
        request.name.trim().to_owned(),
        |(day, name)| {
            created(&HolidayResponse {
                day: *day,
                name: name.clone(),
            })
        },
    )
    .await?;
    Ok(respond(reply))
}
