//! Per-employer records: headcount returns (full-time local staff), the quota position they give
//! under the ratio, and administrative sanctions.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Months, NaiveDate, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::employers::not_found;
use super::extract::{JsonBody, actor};
use super::idempotency::{self, Idempotency, WriteResponse};
use super::validate;
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::db::audit::{self, Entity, NewAuditEvent};
use crate::db::casework::{self, HeadcountReturn, Sanction};
use crate::db::{Conn, DbPool, employers, policy};
use crate::domain::policy::keys;
use crate::domain::rules::ratio::{self, RatioInput, RatioScope};
use crate::domain::{EmployerId, Role};
use crate::error::{ApiError, FieldError, Problem};
use crate::openapi::ReadOneErrors;
use crate::workflow::places;

const EMPLOYER_READERS: [Role; 4] = [Role::Caseworker, Role::Approver, Role::Auditor, Role::Employer];

/// The employer, if the caller may see it (another employer's is not found).
async fn visible_employer(conn: &mut Conn, user: &AuthUser, id: EmployerId) -> Result<(), ApiError> {
    employers::get(conn, id, user.employer_scope())
        .await
        .map_err(not_found("employer"))?;
    Ok(())
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateHeadcountReturnRequest {
    /// The date the counts describe.
    pub as_of: NaiveDate,
    /// Full-time local employees (≥ policy `ft_hours_threshold` hours a week), enterprise-wide.
    #[validate(range(max = 1_000_000))]
    pub full_time_locals: u32,
    /// Of those, per designated category (needed where the ratio is counted per post).
    #[serde(default)]
    #[schema(example = json!({"WAITER": 6}))]
    pub full_time_locals_per_post: BTreeMap<String, u32>,
    /// Imported workers employed now, enterprise-wide.
    #[validate(range(max = 1_000_000))]
    pub imported_workers: u32,
    #[serde(default)]
    #[schema(example = json!({"WAITER": 1}))]
    pub imported_per_post: BTreeMap<String, u32>,
    /// Where the evidence is (MPF remittance statements, payroll).
    #[schema(example = "MPF remittance statements Aug-Oct 2026, file HR/2026/114")]
    #[validate(length(min = 1, max = 500), custom(function = "validate::not_blank"))]
    pub evidence_ref: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HeadcountReturnResponse {
    pub id: Uuid,
    pub employer_id: Uuid,
    pub as_of: NaiveDate,
    pub full_time_locals: u32,
    #[schema(value_type = Object)]
    pub full_time_locals_per_post: serde_json::Value,
    pub imported_workers: u32,
    #[schema(value_type = Object)]
    pub imported_per_post: serde_json::Value,
    pub evidence_ref: String,
    pub filed_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<HeadcountReturn> for HeadcountReturnResponse {
    fn from(r: HeadcountReturn) -> Self {
        Self {
            id: r.id,
            employer_id: r.employer_id,
            as_of: r.as_of,
            full_time_locals: r.full_time_locals.unsigned_abs(),
            full_time_locals_per_post: r.full_time_locals_per_post,
            imported_workers: r.imported_workers.unsigned_abs(),
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

/// File a headcount return (the employer for itself, or a caseworker). Returns are never edited: a
/// correction is a newer return.
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
    let request = body.parse_checked::<CreateHeadcountReturnRequest>(|r, errors| {
        check_per_post(
            "full_time_locals_per_post",
            &r.full_time_locals_per_post,
            r.full_time_locals,
            errors,
        );
        check_per_post("imported_per_post", &r.imported_per_post, r.imported_workers, errors);
        if r.as_of > today {
            errors.push(FieldError::new("as_of", "must not be in the future"));
        }
    })?;
    let employer = EmployerId(id.into_inner());
    let actor = actor(&user, &req);
    let idempotency = Idempotency::from_request(&req, &user, body.bytes())?;
    let mut conn = pool.get().await?;
    visible_employer(&mut conn, &user, employer).await?;
    let response = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            if let Some(previous) = idempotency::replay(idempotency.as_ref(), conn).await? {
                return Ok(previous);
            }
            let to_json = |m: &BTreeMap<String, u32>| serde_json::to_value(m);
            let record = HeadcountReturn {
                id: Uuid::new_v4(),
                employer_id: employer.0,
                as_of: request.as_of,
                full_time_locals: i32::try_from(request.full_time_locals).unwrap_or(i32::MAX),
                full_time_locals_per_post: to_json(&request.full_time_locals_per_post)?,
                imported_workers: i32::try_from(request.imported_workers).unwrap_or(i32::MAX),
                imported_per_post: to_json(&request.imported_per_post)?,
                evidence_ref: request.evidence_ref.trim().to_owned(),
                filed_by: actor.sub.clone(),
                created_at: Utc::now(),
            };
            casework::insert_headcount_return(conn, &record).await?;
            let body = HeadcountReturnResponse::from(record);
            audit::append(
                conn,
                NewAuditEvent::created(
                    &actor,
                    Entity::Employer(employer),
                    "employer.headcount_return_filed",
                    &body,
                )?,
            )
            .await?;
            let response = WriteResponse::new(StatusCode::CREATED, &body)?;
            idempotency::remember(idempotency.as_ref(), conn, &response).await?;
            Ok(response)
        })
        .await?;
    Ok(response.into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HeadcountReturnListResponse {
    /// Newest first.
    pub items: Vec<HeadcountReturnResponse>,
}

/// The employer's headcount returns, newest first.
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
    user.require(&EMPLOYER_READERS)?;
    let employer = EmployerId(id.into_inner());
    let mut conn = pool.get().await?;
    visible_employer(&mut conn, &user, employer).await?;
    let items = casework::headcount_returns_of(&mut conn, employer)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(HttpResponse::Ok().json(HeadcountReturnListResponse { items }))
}

/// The ratio position in one scope.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuotaPosition {
    /// `ENTERPRISE`, or a designated category counted per post.
    pub scope: String,
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
    user.require(&EMPLOYER_READERS)?;
    let employer = EmployerId(id.into_inner());
    let today = clock.today();
    let mut conn = pool.get().await?;
    visible_employer(&mut conn, &user, employer).await?;
    let policy = policy::load(&mut conn).await?;
    let headcount = casework::latest_headcount_return(&mut conn, employer, today).await?;
    let in_use = places::in_use(&mut conn, employer, None, today).await?;
    let ratio_value = policy.get::<u32>(keys::RATIO_LOCAL_PER_IMPORTED, None, today)?.value;
    let position = |scope: String, locals: u32, imported: u32, places: u32| {
        let input = RatioInput {
            scope: RatioScope::Enterprise,
            post: None,
            locals_per_imported: ratio_value,
            full_time_locals: locals,
            imported_in_post: imported,
            places_already_approved: places,
            places_requested: u32::MAX,
            headcount_return_id: None,
        };
        let result = ratio::ratio(&input);
        let number = |k: &str| {
            result.output[k]
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(0)
        };
        QuotaPosition {
            scope,
            full_time_locals: locals,
            imported_workers: imported,
            places_approved: places,
            capacity: number("capacity"),
            places_still_allowed: number("allowed"),
        }
    };
    let enterprise = position(
        "ENTERPRISE".into(),
        headcount.as_ref().map_or(0, |h| h.full_time_locals.unsigned_abs()),
        headcount
            .as_ref()
            .map_or(0, |h| h.imported_workers.unsigned_abs())
            .max(in_use.in_post(None)),
        in_use.pending(None),
    );
    let mut per_post = Vec::new();
    let categories = crate::db::job_categories::list(&mut conn).await?;
    for category in categories {
        let scope = policy.get::<RatioScope>(keys::RATIO_SCOPE, Some(&category.code), today)?;
        if scope.value == RatioScope::PerPost {
            let code = Some(category.code.as_str());
            per_post.push(position(
                category.code.clone(),
                headcount.as_ref().map_or(0, |h| h.locals_in(&category.code)),
                headcount
                    .as_ref()
                    .map_or(0, |h| h.imported_in(&category.code))
                    .max(in_use.in_post(code)),
                in_use.pending(code),
            ));
        }
    }
    Ok(HttpResponse::Ok().json(QuotaResponse {
        employer_id: employer.0,
        on: today,
        locals_per_imported: ratio_value,
        headcount_return_id: headcount.map(|h| h.id),
        enterprise,
        per_post,
    }))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSanctionRequest {
    /// First day of the bar.
    pub bar_from: NaiveDate,
    /// Length of the bar in months; one of policy `sanction_bar_months_options` (12 or 24).
    #[schema(example = 12)]
    pub months: u32,
    #[validate(length(min = 1, max = 2000), custom(function = "validate::not_blank"))]
    pub reason: String,
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
}

impl From<Sanction> for SanctionResponse {
    fn from(s: Sanction) -> Self {
        Self {
            id: s.id,
            employer_id: s.employer_id,
            bar_from: s.bar_from,
            bar_until: s.bar_until,
            reason: s.reason,
            imposed_by: s.imposed_by,
            created_at: s.created_at,
        }
    }
}

/// Impose a bar on new applications (approver; R-SAN-1/2).
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
    id: web::Path<Uuid>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Approver])?;
    let request = body.parse::<CreateSanctionRequest>()?;
    let employer = EmployerId(id.into_inner());
    let actor = actor(&user, &req);
    let idempotency = Idempotency::from_request(&req, &user, body.bytes())?;
    let mut conn = pool.get().await?;
    visible_employer(&mut conn, &user, employer).await?;
    let response = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            if let Some(previous) = idempotency::replay(idempotency.as_ref(), conn).await? {
                return Ok(previous);
            }
            let policy = policy::load(conn).await?;
            let options = policy
                .get::<Vec<u32>>("sanction_bar_months_options", None, request.bar_from)?
                .value;
            if !options.contains(&request.months) {
                return Err(ApiError::field("months", format!("must be one of {options:?}")));
            }
            let bar_until = request
                .bar_from
                .checked_add_months(Months::new(request.months))
                .ok_or_else(|| ApiError::field("bar_from", "is out of range"))?;
            let sanction = Sanction {
                id: Uuid::new_v4(),
                employer_id: employer.0,
                bar_from: request.bar_from,
                bar_until,
                reason: request.reason.trim().to_owned(),
                imposed_by: actor.sub.clone(),
                created_at: Utc::now(),
            };
            casework::insert_sanction(conn, &sanction).await?;
            let body = SanctionResponse::from(sanction);
            audit::append(
                conn,
                NewAuditEvent::created(&actor, Entity::Employer(employer), "employer.sanction_imposed", &body)?,
            )
            .await?;
            let response = WriteResponse::new(StatusCode::CREATED, &body)?;
            idempotency::remember(idempotency.as_ref(), conn, &response).await?;
            Ok(response)
        })
        .await?;
    Ok(response.into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SanctionListResponse {
    pub items: Vec<SanctionResponse>,
}

/// The employer's sanctions.
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
    user.require(&EMPLOYER_READERS)?;
    let employer = EmployerId(id.into_inner());
    let mut conn = pool.get().await?;
    visible_employer(&mut conn, &user, employer).await?;
    let items = casework::sanctions_of(&mut conn, employer)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(HttpResponse::Ok().json(SanctionListResponse { items }))
}
