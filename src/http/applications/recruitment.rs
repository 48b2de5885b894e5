//! Local recruitment records (R-REC-3..5): adverts, referrals of local job seekers and their interview
//! outcomes, weekly job-fair attendance, and the summary per vacancy.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::NaiveDate;
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::visible_application;
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::db::audit::{self, Actor, Entity, NewAuditEvent};
use crate::db::casework::{self, Advert, JobFairAttendance, Referral};
use crate::db::{Conn, DbPool, applications};
use crate::domain::application::Application;
use crate::domain::rules::recruitment::InterviewOutcome;
use crate::domain::{ApplicationId, ApplicationStatus, EmployerId, Role};
use crate::error::{ApiError, Problem};
use crate::http::employers::not_found;
use crate::http::extract::{JsonBody, actor};
use crate::http::idempotency::{self, Idempotency, WriteResponse};
use crate::http::validate;
use crate::openapi::ReadOneErrors;

#[derive(Debug, Serialize, ToSchema)]
pub struct AdvertResponse {
    pub id: Uuid,
    pub vacancy_id: Uuid,
    pub newspaper: String,
    pub published_on: NaiveDate,
    pub reference: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralResponse {
    pub id: Uuid,
    pub vacancy_id: Uuid,
    /// `REFERRAL`, `ADVERT`, `JOB_FAIR` or `DIRECT`.
    pub source: String,
    /// The Labour Department's reference for the job seeker (no names are kept).
    pub job_seeker_ref: String,
    pub referred_on: NaiveDate,
    /// `INTERVIEWED`, `NO_SHOW`, `OFFERED`, `ACCEPTED`, `DECLINED` or `REJECTED`; absent until recorded.
    pub outcome: Option<String>,
    pub outcome_reason: Option<String>,
    pub meets_requirements: Option<bool>,
    pub interview_on: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobFairResponse {
    pub id: Uuid,
    pub vacancy_id: Uuid,
    pub week_no: i32,
    pub session_on: NaiveDate,
    pub centre: String,
    pub attended: bool,
}

impl From<&Advert> for AdvertResponse {
    fn from(a: &Advert) -> Self {
        Self {
            id: a.id,
            vacancy_id: a.vacancy_id,
            newspaper: a.newspaper.clone(),
            published_on: a.published_on,
            reference: a.reference.clone(),
        }
    }
}

impl From<&Referral> for ReferralResponse {
    fn from(r: &Referral) -> Self {
        Self {
            id: r.id,
            vacancy_id: r.vacancy_id,
            source: r.source.clone(),
            job_seeker_ref: r.job_seeker_ref.clone(),
            referred_on: r.referred_on,
            outcome: r.outcome.clone(),
            outcome_reason: r.outcome_reason.clone(),
            meets_requirements: r.meets_requirements,
            interview_on: r.interview_on,
        }
    }
}

impl From<&JobFairAttendance> for JobFairResponse {
    fn from(j: &JobFairAttendance) -> Self {
        Self {
            id: j.id,
            vacancy_id: j.vacancy_id,
            week_no: j.week_no,
            session_on: j.session_on,
            centre: j.centre.clone(),
            attended: j.attended,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VacancyRecruitment {
    pub vacancy_id: Uuid,
    pub post_title: String,
    pub workers_requested: u32,
    pub period_days: Option<u32>,
    pub period_starts_on: Option<NaiveDate>,
    pub period_ends_on: Option<NaiveDate>,
    pub job_fair_required: Option<bool>,
    pub adverts: Vec<AdvertResponse>,
    pub referrals: Vec<ReferralResponse>,
    pub job_fairs: Vec<JobFairResponse>,
    /// Local job seekers who accepted an offer.
    pub locals_hired: u32,
    /// Places still unfilled after local recruitment (R-REC-7).
    pub unmet_need: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecruitmentResponse {
    pub application_id: Uuid,
    pub vacancies: Vec<VacancyRecruitment>,
}

async fn summary(conn: &mut Conn, app: &Application) -> Result<RecruitmentResponse, ApiError> {
    let records = casework::recruitment_of(conn, app.id).await?;
    let vacancies = app
        .vacancies
        .iter()
        .map(|v| {
            let mine = |id: Uuid| id == v.id.0;
            let referrals: Vec<ReferralResponse> = records
                .referrals
                .iter()
                .filter(|r| mine(r.vacancy_id))
                .map(ReferralResponse::from)
                .collect();
            let hired = u32::try_from(
                referrals
                    .iter()
                    .filter(|r| r.outcome.as_deref() == Some("ACCEPTED"))
                    .count(),
            )
            .unwrap_or(u32::MAX);
            VacancyRecruitment {
                vacancy_id: v.id.0,
                post_title: v.vacancy.post_title.clone(),
                workers_requested: v.vacancy.workers_requested,
                period_days: v.progress.recruitment_days,
                period_starts_on: v.progress.recruitment_starts_on,
                period_ends_on: v.progress.recruitment_ends_on,
                job_fair_required: v.progress.job_fair_required,
                adverts: records
                    .adverts
                    .iter()
                    .filter(|a| mine(a.vacancy_id))
                    .map(AdvertResponse::from)
                    .collect(),
                job_fairs: records
                    .job_fairs
                    .iter()
                    .filter(|j| mine(j.vacancy_id))
                    .map(JobFairResponse::from)
                    .collect(),
                locals_hired: hired,
                unmet_need: v.vacancy.workers_requested.saturating_sub(hired),
                referrals,
            }
        })
        .collect();
    Ok(RecruitmentResponse {
        application_id: app.id.0,
        vacancies,
    })
}

/// The local recruitment of each vacancy: period, adverts, referrals and outcomes, job fairs, hires and
/// unmet need.
#[utoipa::path(tag = "recruitment", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Application id")), responses(
    (status = 200, body = RecruitmentResponse),
    ReadOneErrors,
))]
#[get("/applications/{id}/recruitment")]
pub async fn get_recruitment(
    user: AuthUser,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Caseworker, Role::Approver, Role::Auditor, Role::Employer])?;
    let mut conn = pool.get().await?;
    let app = visible_application(&mut conn, &user, ApplicationId(id.into_inner())).await?;
    Ok(HttpResponse::Ok().json(summary(&mut conn, &app).await?))
}

/// Locks the case (scoped to the caller's employer) and checks it is in local recruitment and the
/// vacancy is one of its own.
async fn open_recruitment(
    conn: &mut Conn,
    id: ApplicationId,
    scope: Option<EmployerId>,
    vacancy_id: Option<Uuid>,
) -> Result<Application, ApiError> {
    let app = applications::get_for_update(conn, id, scope)
        .await
        .map_err(not_found("application"))?;
    if app.status != ApplicationStatus::LocalRecruitment {
        return Err(ApiError::Conflict(format!(
            "Recruitment records can be added only during local recruitment; this application is {}.",
            app.status
        )));
    }
    if let Some(vacancy) = vacancy_id
        && !app.vacancies.iter().any(|v| v.id.0 == vacancy)
    {
        return Err(ApiError::field("vacancy_id", "is not a vacancy of this application"));
    }
    Ok(app)
}

async fn record(
    conn: &mut Conn,
    actor: &Actor,
    app: &Application,
    action: &str,
    detail: &impl Serialize,
) -> Result<(), ApiError> {
    let event = NewAuditEvent::created(
        actor,
        Entity::Application(app.id),
        &format!("recruitment.{action}"),
        detail,
    )?;
    audit::append(conn, event).await?;
    Ok(())
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAdvertRequest {
    pub vacancy_id: Uuid,
    #[schema(example = "Ming Pao")]
    #[validate(length(min = 1, max = 200), custom(function = "validate::not_blank"))]
    pub newspaper: String,
    pub published_on: NaiveDate,
    /// Where the copy of the advert is kept.
    #[validate(length(min = 1, max = 500))]
    pub reference: Option<String>,
}

/// Record a newspaper advert placed for a vacancy (employer or caseworker, during local recruitment).
#[utoipa::path(tag = "recruitment", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Application id"), ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = CreateAdvertRequest, responses(
    (status = 201, body = AdvertResponse),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not in local recruitment", body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Idempotency-Key reused for a different request", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[post("/applications/{id}/recruitment/adverts")]
pub async fn create_advert(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Employer, Role::Caseworker])?;
    let request = body.parse::<CreateAdvertRequest>()?;
    let (id, scope, actor) = (
        ApplicationId(id.into_inner()),
        user.employer_scope(),
        actor(&user, &req),
    );
    let idempotency = Idempotency::from_request(&req, &user, body.bytes())?;
    let mut conn = pool.get().await?;
    let response = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            if let Some(previous) = idempotency::replay(idempotency.as_ref(), conn).await? {
                return Ok(previous);
            }
            let app = open_recruitment(conn, id, scope, Some(request.vacancy_id)).await?;
            let advert = Advert {
                id: Uuid::new_v4(),
                application_id: id.0,
                vacancy_id: request.vacancy_id,
                newspaper: request.newspaper.trim().to_owned(),
                published_on: request.published_on,
                reference: request.reference,
                recorded_by: actor.sub.clone(),
                recorded_at: chrono::Utc::now(),
            };
            casework::insert_advert(conn, &advert).await?;
            let body = AdvertResponse::from(&advert);
            record(conn, &actor, &app, "advert_recorded", &body).await?;
            let response = WriteResponse::new(StatusCode::CREATED, &body)?;
            idempotency::remember(idempotency.as_ref(), conn, &response).await?;
            Ok(response)
        })
        .await?;
    Ok(response.into_response())
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReferralRequest {
    pub vacancy_id: Uuid,
    /// `REFERRAL` (by LD), `ADVERT`, `JOB_FAIR` or `DIRECT`.
    #[schema(example = "REFERRAL")]
    pub source: ReferralSource,
    /// LD's reference for the job seeker; no names or identity numbers.
    #[schema(example = "JS-2026-004512")]
    #[validate(length(min = 1, max = 100), custom(function = "validate::not_blank"))]
    pub job_seeker_ref: String,
    pub referred_on: NaiveDate,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReferralSource {
    Referral,
    Advert,
    JobFair,
    Direct,
}

/// Refer a local job seeker to a vacancy (caseworker, during local recruitment).
#[utoipa::path(tag = "recruitment", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Application id"), ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = CreateReferralRequest, responses(
    (status = 201, body = ReferralResponse),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not in local recruitment, or the job seeker is already referred to this vacancy", body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Idempotency-Key reused for a different request", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[post("/applications/{id}/recruitment/referrals")]
pub async fn create_referral(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Caseworker])?;
    let request = body.parse::<CreateReferralRequest>()?;
    let (id, actor) = (ApplicationId(id.into_inner()), actor(&user, &req));
    let idempotency = Idempotency::from_request(&req, &user, body.bytes())?;
    let mut conn = pool.get().await?;
    let response = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            if let Some(previous) = idempotency::replay(idempotency.as_ref(), conn).await? {
                return Ok(previous);
            }
            let app = open_recruitment(conn, id, None, Some(request.vacancy_id)).await?;
            let source = serde_json::to_value(request.source)?;
            let referral = Referral {
                id: Uuid::new_v4(),
                application_id: id.0,
                vacancy_id: request.vacancy_id,
                source: source.as_str().unwrap_or_default().to_owned(),
                job_seeker_ref: request.job_seeker_ref.trim().to_owned(),
                referred_on: request.referred_on,
                referred_by: actor.sub.clone(),
                outcome: None,
                outcome_reason: None,
                meets_requirements: None,
                interview_on: None,
                outcome_recorded_by: None,
            };
            casework::insert_referral(conn, &referral).await?;
            let body = ReferralResponse::from(&referral);
            record(conn, &actor, &app, "referral_added", &body).await?;
            let response = WriteResponse::new(StatusCode::CREATED, &body)?;
            idempotency::remember(idempotency.as_ref(), conn, &response).await?;
            Ok(response)
        })
        .await?;
    Ok(response.into_response())
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordOutcomeRequest {
    #[schema(value_type = String, example = "REJECTED")]
    pub outcome: InterviewOutcome,
    /// Why, for a rejection (required) or anything else worth noting.
    #[validate(length(min = 1, max = 2000), custom(function = "validate::not_blank"))]
    pub reason: Option<String>,
    /// Whether the job seeker met the advertised requirements. Required for a rejection.
    pub meets_requirements: Option<bool>,
    pub interview_on: Option<NaiveDate>,
}

/// Record the interview outcome of a referred job seeker (the employer, during local recruitment).
#[utoipa::path(tag = "recruitment", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Application id"), ("referral_id" = Uuid, Path, description = "Referral id")),
    request_body = RecordOutcomeRequest, responses(
    (status = 200, body = ReferralResponse),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not in local recruitment", body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[put("/applications/{id}/recruitment/referrals/{referral_id}/outcome")]
pub async fn record_referral_outcome(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    path: web::Path<(Uuid, Uuid)>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Employer])?;
    let request = body.parse::<RecordOutcomeRequest>()?;
    if request.outcome == InterviewOutcome::Rejected {
        let mut missing = Vec::new();
        if request.reason.is_none() {
            missing.push(crate::error::FieldError::new("reason", "is required for a rejection"));
        }
        if request.meets_requirements.is_none() {
            missing.push(crate::error::FieldError::new(
                "meets_requirements",
                "is required for a rejection",
            ));
        }
        if !missing.is_empty() {
            return Err(ApiError::Validation(missing));
        }
    }
    let (id, referral_id) = path.into_inner();
    let (id, scope, actor) = (ApplicationId(id), user.employer_scope(), actor(&user, &req));
    let mut conn = pool.get().await?;
    let response = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            let app = open_recruitment(conn, id, scope, None).await?;
            let outcome = serde_json::to_value(request.outcome)?;
            let referral = casework::record_outcome(
                conn,
                id,
                referral_id,
                &casework::OutcomeUpdate {
                    outcome: outcome.as_str().unwrap_or_default(),
                    reason: request.reason.as_deref().map(str::trim),
                    meets_requirements: request.meets_requirements,
                    interview_on: request.interview_on,
                    recorded_by: &actor.sub,
                },
            )
            .await
            .map_err(not_found("referral"))?;
            let body = ReferralResponse::from(&referral);
            record(conn, &actor, &app, "outcome_recorded", &body).await?;
            WriteResponse::new(StatusCode::OK, &body)
        })
        .await?;
    Ok(response.into_response())
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateJobFairRequest {
    pub vacancy_id: Uuid,
    /// Week of the recruitment period (1 is the first).
    #[validate(range(min = 1, max = 52))]
    pub week_no: i32,
    pub session_on: NaiveDate,
    #[schema(example = "Kowloon East Job Centre")]
    #[validate(length(min = 1, max = 200), custom(function = "validate::not_blank"))]
    pub centre: String,
    pub attended: bool,
}

/// Record the employer's attendance at an on-site job fair (caseworker; R-REC-4).
#[utoipa::path(tag = "recruitment", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Application id"), ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = CreateJobFairRequest, responses(
    (status = 201, body = JobFairResponse),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not in local recruitment, or this session is already recorded", body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Idempotency-Key reused for a different request", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[post("/applications/{id}/recruitment/job-fairs")]
pub async fn create_job_fair_attendance(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Caseworker])?;
    let request = body.parse::<CreateJobFairRequest>()?;
    if request.session_on > clock.today() {
        return Err(ApiError::field("session_on", "must not be in the future"));
    }
    let (id, actor) = (ApplicationId(id.into_inner()), actor(&user, &req));
    let idempotency = Idempotency::from_request(&req, &user, body.bytes())?;
    let mut conn = pool.get().await?;
    let response = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            if let Some(previous) = idempotency::replay(idempotency.as_ref(), conn).await? {
                return Ok(previous);
            }
            let app = open_recruitment(conn, id, None, Some(request.vacancy_id)).await?;
            let attendance = JobFairAttendance {
                id: Uuid::new_v4(),
                application_id: id.0,
                vacancy_id: request.vacancy_id,
                week_no: request.week_no,
                session_on: request.session_on,
                centre: request.centre.trim().to_owned(),
                attended: request.attended,
                recorded_by: actor.sub.clone(),
            };
            casework::insert_job_fair(conn, &attendance).await?;
            let body = JobFairResponse::from(&attendance);
            record(conn, &actor, &app, "job_fair_recorded", &body).await?;
            let response = WriteResponse::new(StatusCode::CREATED, &body)?;
            idempotency::remember(idempotency.as_ref(), conn, &response).await?;
            Ok(response)
        })
        .await?;
    Ok(response.into_response())
}
