//! Employers: registered by caseworkers or administrators; read by staff, auditors and the employer
//! itself.

use actix_web::{HttpRequest, HttpResponse, get, http::header, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{JsonBody, QueryParams, etag, page_position};
use super::validate;
use super::write::{command, created, respond};
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::domain::employer::Employer;
use crate::domain::notification::Language;
use crate::domain::{EmployerId, NewEmployer, Role};
use crate::error::{ApiError, Problem};
use crate::openapi::ReadOneErrors;
use crate::workflow::{DbPool, employers};

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"business_registration_number": "12345678", "name_en": "Golden Harbour Restaurant Ltd", "name_zh": "金港酒家有限公司", "business_address": "1 Harbour Road, Wan Chai, Hong Kong"})))]
#[serde(deny_unknown_fields)]
pub struct CreateEmployerRequest {
    /// The 8 digits that head the Business Registration certificate number; unique.
    #[schema(example = "12345678")]
    #[validate(custom(function = "validate::business_registration_number"))]
    #[schema(pattern = "^[0-9]{8}$")]
    pub business_registration_number: String,
    #[schema(example = "Golden Harbour Restaurant Ltd")]
    #[validate(length(min = 1, max = 200), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name_en: String,
    #[schema(example = "金港酒家有限公司")]
    #[validate(length(min = 1, max = 200), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name_zh: Option<String>,
    #[schema(example = "1 Harbour Road, Wan Chai, Hong Kong")]
    #[validate(length(min = 1, max = 500), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
    pub business_address: String,
    /// The language the employer's notices are written in: `en` (default) or `zh-HK`.
    #[serde(default, deserialize_with = "crate::http::extract::present")]
    #[schema(schema_with = crate::openapi::enums::language)]
    pub preferred_language: Option<Language>,
}

impl From<CreateEmployerRequest> for NewEmployer {
    fn from(req: CreateEmployerRequest) -> Self {
        Self {
            business_registration_number: req.business_registration_number,
            name_en: req.name_en.trim().to_owned(),
            name_zh: req.name_zh.map(|n| n.trim().to_owned()),
            business_address: req.business_address.trim().to_owned(),
            preferred_language: req.preferred_language.unwrap_or_default(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EmployerResponse {
    pub id: Uuid,
    pub business_registration_number: String,
    pub name_en: String,
    pub name_zh: Option<String>,
    pub business_address: String,
    /// `en` or `zh-HK`.
    #[schema(schema_with = crate::openapi::enums::language)]
    pub preferred_language: Language,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Employer> for EmployerResponse {
    fn from(e: Employer) -> Self {
        Self {
            id: e.id.0,
            business_registration_number: e.business_registration_number,
            name_en: e.name_en,
            name_zh: e.name_zh,
            business_address: e.business_address,
            preferred_language: e.preferred_language,
            version: e.version,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EmployerListResponse {
    pub items: Vec<EmployerResponse>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Page size and position, shared by every list.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Items per page (1 to 500, default 50).
    #[validate(range(min = 1, max = 500))]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^-?[0-9]{1,16}\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    pub cursor: Option<String>,
}

/// Register an employer.
///
/// Creates the applicant company by its 8-digit Business Registration number (unique) with its names and
/// address. Send an `Idempotency-Key` to make a retry safe.
///
/// Who may call it: caseworkers and administrators.
#[utoipa::path(tag = "employers", security(("bearer" = [])), request_body = CreateEmployerRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    responses(
    (status = 201, body = EmployerResponse, headers(("ETag" = String), ("Location" = String))),
    (status = 400, description = "Invalid field(s)", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Only caseworkers and administrators register employers", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Business registration number already registered", body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Idempotency-Key reused for a different request", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[post("/employers")]
pub async fn create_employer(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Caseworker, Role::Admin])?;
    let new: NewEmployer = body.parse::<CreateEmployerRequest>()?.into();
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let reply = employers::register(&pool, &cmd, new, |employer| {
        Ok(created(&EmployerResponse::from(employer.clone()))?
            .with_etag(etag(employer.version))
            .with_location(format!("/v1/employers/{}", employer.id)))
    })
    .await?;
    Ok(respond(reply))
}

/// List employers, newest first.
///
/// An employer user sees only itself.
///
/// Who may call it: caseworkers, approvers and auditors; an employer user for its own records only (another
/// employer's are 404, as if they did not exist).
#[utoipa::path(tag = "employers", security(("bearer" = [])), params(PageQuery), responses(
    (status = 200, body = EmployerListResponse),
    (status = 400, description = "Invalid query parameter", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[get("/employers")]
pub async fn list_employers(
    user: AuthUser,
    pool: web::Data<DbPool>,
    query: QueryParams<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Caseworker, Role::Approver, Role::Auditor, Role::Employer])?;
    let (limit, cursor) = page_position(query.0.limit, query.0.cursor.as_deref())?;
    let page = employers::list(&pool, user.viewer(), cursor, limit).await?;
    Ok(HttpResponse::Ok().json(EmployerListResponse {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor.map(|c| c.encode()),
    }))
}

/// One employer.
///
/// An employer user can read only its own record (another's is 404).
///
/// Who may call it: caseworkers, approvers and auditors; an employer user for its own records only (another
/// employer's are 404, as if they did not exist).
#[utoipa::path(tag = "employers", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Employer id")), responses(
    (status = 200, body = EmployerResponse, headers(("ETag" = String))),
    ReadOneErrors,
))]
#[get("/employers/{id}")]
pub async fn get_employer(
    user: AuthUser,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Caseworker, Role::Approver, Role::Auditor, Role::Employer])?;
    let employer = employers::get(&pool, user.viewer(), EmployerId(id.into_inner())).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(employer.version)))
        .json(EmployerResponse::from(employer)))
}
