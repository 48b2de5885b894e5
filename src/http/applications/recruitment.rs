//! Local recruitment records (R-REC-3..5): adverts, referrals of local job seekers and their interview
//! outcomes, weekly job-fair attendance, and the summary per vacancy.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::domain::casework::{Advert, JobFairAttendance, Referral, ReferralOutcome, ReferralSource};
use crate::domain::rules::recruitment::InterviewOutcome;
use crate::domain::{ApplicationId, Role, VacancyId};
use crate::error::{ApiError, FieldError, Problem};
use crate::http::CASE_READERS;
use crate::http::extract::JsonBody;
use crate::http::validate;
use crate::http::write::{command, created, ok, respond};
use crate::openapi::ReadOneErrors;
use crate::workflow::DbPool;
use crate::workflow::recruitment::{self, NewAdvert, NewJobFairAttendance, NewReferral, VacancyRecruitment};

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
    #[schema(schema_with = crate::openapi::enums::referral_source)]
    pub source: ReferralSource,
    /// The Labour Department's reference for the job seeker (no names are kept).
    pub job_seeker_ref: String,
    pub referred_on: NaiveDate,
    /// `INTERVIEWED`, `NO_SHOW`, `OFFERED`, `ACCEPTED`, `DECLINED` or `REJECTED`; absent until recorded.
    #[schema(schema_with = crate::openapi::enums::interview_outcome_or_null)]
    pub outcome: Option<InterviewOutcome>,
    pub outcome_reason: Option<String>,
    pub meets_requirements: Option<bool>,
    pub interview_on: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobFairResponse {
    pub id: Uuid,
    pub vacancy_id: Uuid,
    pub week_no: u32,
    pub session_on: NaiveDate,
    pub centre: String,
    pub attended: bool,
}

impl From<&Advert> for AdvertResponse {
    fn from(a: &Advert) -> Self {
        Self {
            id: a.id,
            vacancy_id: a.vacancy_id.0,
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
            vacancy_id: r.vacancy_id.0,
            source: r.source,
            job_seeker_ref: r.job_seeker_ref.clone(),
            referred_on: r.referred_on,
            outcome: r.outcome,
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
            vacancy_id: j.vacancy_id.0,
            week_no: j.week_no,
            session_on: j.session_on,
            centre: j.centre.clone(),
            attended: j.attended,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VacancyRecruitmentResponse {
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
    pub vacancies: Vec<VacancyRecruitmentResponse>,
}

impl From<VacancyRecruitment> for VacancyRecruitmentResponse {
    fn from(r: VacancyRecruitment) -> Self {
        let v = r.vacancy;
        Self {
            vacancy_id: v.id.0,
            post_title: v.vacancy.post_title,
            workers_requested: v.vacancy.workers_requested,
            period_days: v.progress.recruitment_days,
            period_starts_on: v.progress.recruitment_starts_on,
            period_ends_on: v.progress.recruitment_ends_on,
            job_fair_required: v.progress.job_fair_required,
            adverts: r.adverts.iter().map(Into::into).collect(),
            referrals: r.referrals.iter().map(Into::into).collect(),
            job_fairs: r.job_fairs.iter().map(Into::into).collect(),
            locals_hired: r.locals_hired,
            unmet_need: r.unmet_need,
        }
    }
}

/// The local recruitment of each vacancy.
///
/// period, adverts, referrals and outcomes, job fairs, hires and unmet need.
///
/// Who may call it: caseworkers, approvers and auditors; an employer user for its own records only (another
/// employer's are 404, as if they did not exist).
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
    user.require(&CASE_READERS)?;
    let id = ApplicationId(id.into_inner());
    let vacancies = recruitment::summary(&pool, user.viewer(), id).await?;
    Ok(HttpResponse::Ok().json(RecruitmentResponse {
        application_id: id.0,
        vacancies: vacancies.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"vacancy_id": "3f2b8c1e-9a4d-4c6b-8f0e-2d7a5b9c1e40", "newspaper": "Sing Tao Daily", "published_on": "2026-03-05", "reference": "Page B12"})))]
#[serde(deny_unknown_fields)]
pub struct CreateAdvertRequest {
    pub vacancy_id: Uuid,
    #[schema(example = "Ming Pao")]
    #[validate(length(min = 1, max = 200), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub newspaper: String,
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub published_on: NaiveDate,
    /// Where the copy of the advert is kept.
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reference: Option<String>,
}

/// Record a newspaper advert placed for a vacancy (employer or caseworker, during local recruitment).
///
/// The advert must be published within the vacancy's recruitment period; it counts towards R-REC-1. Send an
/// `Idempotency-Key` to make a retry safe.
///
/// Who may call it: the employer (for its own records only; another employer's are 404) or a caseworker.
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
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Employer, Role::Caseworker])?;
    let request = body.parse::<CreateAdvertRequest>()?;
    let new = NewAdvert {
        vacancy: VacancyId(request.vacancy_id),
        newspaper: request.newspaper.trim().to_owned(),
        published_on: request.published_on,
        reference: request.reference,
    };
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let id = ApplicationId(id.into_inner());
    let reply = recruitment::add_advert(&pool, &cmd, id, new, |a| created(&AdvertResponse::from(a))).await?;
    Ok(respond(reply))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"vacancy_id": "3f2b8c1e-9a4d-4c6b-8f0e-2d7a5b9c1e40", "source": "REFERRAL", "job_seeker_ref": "JS-2026-000123", "referred_on": "2026-03-06"})))]
#[serde(deny_unknown_fields)]
pub struct CreateReferralRequest {
    pub vacancy_id: Uuid,
    /// `REFERRAL` (by LD), `ADVERT`, `JOB_FAIR` or `DIRECT`.
    #[schema(schema_with = crate::openapi::enums::referral_source)]
    pub source: ReferralSource,
    /// LD's reference for the job seeker; no names or identity numbers.
    #[schema(example = "JS-2026-004512")]
    #[validate(length(min = 1, max = 100), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub job_seeker_ref: String,
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub referred_on: NaiveDate,
}

/// Refer a local job seeker to a vacancy (caseworker, during local recruitment).
///
/// The Labour Department refers a local job seeker (by reference, never by name) to a vacancy during its
/// recruitment period; the employer then records the interview outcome.
///
/// Who may call it: caseworkers.
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
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Caseworker])?;
    let request = body.parse::<CreateReferralRequest>()?;
    let new = NewReferral {
        vacancy: VacancyId(request.vacancy_id),
        source: request.source,
        job_seeker_ref: request.job_seeker_ref.trim().to_owned(),
        referred_on: request.referred_on,
    };
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let id = ApplicationId(id.into_inner());
    let reply = recruitment::refer_job_seeker(&pool, &cmd, id, new, |r| created(&ReferralResponse::from(r))).await?;
    Ok(respond(reply))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"outcome": "REJECTED", "reason": "Did not hold the food hygiene certificate the post requires", "meets_requirements": false, "interview_on": "2026-03-09"})))]
#[serde(deny_unknown_fields)]
pub struct RecordOutcomeRequest {
    #[schema(schema_with = crate::openapi::enums::interview_outcome)]
    pub outcome: InterviewOutcome,
    /// Why, for a rejection (required) or anything else worth noting.
    #[validate(length(min = 1, max = 2000), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub reason: Option<String>,
    /// Whether the job seeker met the advertised requirements. Required for a rejection.
    pub meets_requirements: Option<bool>,
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub interview_on: Option<NaiveDate>,
}

/// Record the interview outcome of a referred job seeker (the employer, during local recruitment).
///
/// Hired, rejected (with the reason and whether the seeker met the requirements), or did not attend. A
/// qualified local rejected without good reason leads to refusal (R-REC-5).
///
/// Who may call it: the employer, for its own records only (another employer's are 404).
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
    clock: web::Data<Clock>,
    path: web::Path<(Uuid, Uuid)>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Employer])?;
    let outcome = body
        .parse_checked::<RecordOutcomeRequest>(RecordOutcomeRequest::check)?
        .into();
    let (id, referral) = path.into_inner();
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let id = ApplicationId(id);
    let reply =
        recruitment::record_outcome(&pool, &cmd, id, referral, outcome, |r| ok(&ReferralResponse::from(r))).await?;
    Ok(respond(reply))
}

impl RecordOutcomeRequest {
    /// A rejection says why, and whether the job seeker met the requirements.
    fn check(&self, errors: &mut Vec<FieldError>) {
        if self.outcome == InterviewOutcome::Rejected {
            if self.reason.is_none() {
                errors.push(FieldError::new("reason", "is required for a rejection"));
            }
            if self.meets_requirements.is_none() {
                errors.push(FieldError::new("meets_requirements", "is required for a rejection"));
            }
        }
    }
}

impl From<RecordOutcomeRequest> for ReferralOutcome {
    fn from(r: RecordOutcomeRequest) -> Self {
        Self {
            outcome: r.outcome,
            reason: r.reason.map(|reason| reason.trim().to_owned()),
            meets_requirements: r.meets_requirements,
            interview_on: r.interview_on,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"vacancy_id": "3f2b8c1e-9a4d-4c6b-8f0e-2d7a5b9c1e40", "week_no": 1, "session_on": "2026-03-10", "centre": "Kowloon Job Centre", "attended": true})))]
#[serde(deny_unknown_fields)]
pub struct CreateJobFairRequest {
    pub vacancy_id: Uuid,
    /// Week of the recruitment period (1 is the first).
    #[validate(range(min = 1, max = 52))]
    #[schema(minimum = 1, maximum = 52)]
    pub week_no: u32,
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub session_on: NaiveDate,
    #[schema(example = "Kowloon East Job Centre")]
    #[validate(length(min = 1, max = 200), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub centre: String,
    pub attended: bool,
}

/// Record the employer's attendance at an on-site job fair (caseworker; R-REC-4).
///
/// One row per week of the recruitment period the employer was due at a job fair; weeks missed count against
/// R-REC-4 at the decision.
///
/// Who may call it: caseworkers.
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
    let today = clock.today();
    let request = body.parse_checked::<CreateJobFairRequest>(|r, errors| {
        if r.session_on > today {
            errors.push(FieldError::new("session_on", "must not be in the future"));
        }
    })?;
    let new = NewJobFairAttendance {
        vacancy: VacancyId(request.vacancy_id),
        week_no: request.week_no,
        session_on: request.session_on,
        centre: request.centre.trim().to_owned(),
        attended: request.attended,
    };
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let id = ApplicationId(id.into_inner());
    let reply = recruitment::record_job_fair(&pool, &cmd, id, new, |j| created(&JobFairResponse::from(j))).await?;
    Ok(respond(reply))
}
