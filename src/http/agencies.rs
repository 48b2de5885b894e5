//! An employer's authorisations of employment agencies.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::extract::JsonBody;
use super::validate;
use super::write::{command, created, ok, respond};
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::db::agencies::Authorisation;
use crate::domain::{EmployerId, Role};
use crate::error::{ApiError, FieldError, Problem};
use crate::openapi::ReadOneErrors;
use crate::workflow::DbPool;
use crate::workflow::agencies::{self, NewAuthorisation};

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorisationResponse {
    pub id: Uuid,
    pub employer_id: Uuid,
    /// The agency, exactly as its users' tokens name it (`agency` claim).
    pub agency: String,
    /// The applications it may act on; absent (`null`): every application of the employer.
    pub application_ids: Option<Vec<Uuid>>,
    pub valid_from: NaiveDate,
    /// The last day it is in force.
    pub valid_until: NaiveDate,
    /// The authorisation letter, among the employer's documents.
    pub letter_document_id: Uuid,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<String>,
}

impl From<Authorisation> for AuthorisationResponse {
    fn from(a: Authorisation) -> Self {
        Self {
            id: a.id,
            employer_id: a.employer_id,
            agency: a.agency,
            application_ids: a.application_ids,
            valid_from: a.valid_from,
            valid_until: a.valid_until,
            letter_document_id: a.letter_document_id,
            created_by: a.created_by,
            created_at: a.created_at,
            revoked_at: a.revoked_at,
            revoked_by: a.revoked_by,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"agency": "Acme Staffing Ltd", "application_ids": ["6f1c2a64-5a0e-4d8b-9c3e-0a2b4c6d8e10"], "valid_from": "2026-12-01", "valid_until": "2027-11-30", "letter_document_id": "0b7c9d2e-4f6a-4b1c-8d3e-5f7a9b1c3d5e"})))]
#[serde(deny_unknown_fields)]
pub struct CreateAuthorisationRequest {
    /// The agency, exactly as its users' tokens name it.
    #[validate(length(min = 1, max = 200), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub agency: String,
    /// 1 to 100 of the employer's applications; leave out (or `null`) for every application.
    #[serde(default)]
    #[validate(length(min = 1, max = 100))]
    #[schema(min_items = 1, max_items = 100)]
    pub application_ids: Option<Vec<Uuid>>,
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub valid_from: NaiveDate,
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub valid_until: NaiveDate,
    /// An `AUTHORISATION_LETTER` uploaded to `POST /v1/employers/{id}/documents` first.
    pub letter_document_id: Uuid,
}

/// Authorise an employment agency to act for the employer.
///
/// For the named applications (or every one) from `valid_from` to `valid_until` inclusive, on the
/// strength of the authorisation letter. The agency's users then act with employer tokens naming the
/// agency (`agency` claim): they reach only what an authorisation in force gives them (404 otherwise),
/// and every event they cause records the agency as well as the employer. An agency cannot authorise.
///
/// Who may call it: the employer's own users (for itself only).
#[utoipa::path(tag = "agencies", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Employer id"), ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = CreateAuthorisationRequest, responses(
    (status = 201, body = AuthorisationResponse),
    (status = 400, description = "Invalid field, an application not the employer's, or no such letter", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Not an employer user, or an agency", body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Idempotency-Key reused for a different request", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[post("/employers/{id}/agency-authorisations")]
pub async fn create_authorisation(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Employer])?;
    let r = body.parse_checked::<CreateAuthorisationRequest>(|r, errors| {
        if r.valid_until < r.valid_from {
            errors.push(FieldError::new("valid_until", "must not be before valid_from"));
        }
    })?;
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let new = NewAuthorisation {
        agency: r.agency.trim().to_owned(),
        application_ids: r.application_ids,
        valid_from: r.valid_from,
        valid_until: r.valid_until,
        letter_document_id: r.letter_document_id,
    };
    let reply = agencies::authorise(&pool, &cmd, EmployerId(id.into_inner()), new, |a| {
        created(&AuthorisationResponse::from(a.clone()))
    })
    .await?;
    Ok(respond(reply))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorisationListResponse {
    /// Newest first, revoked ones included.
    pub items: Vec<AuthorisationResponse>,
}

/// The employer's agency authorisations.
///
/// Who may call it: caseworkers, approvers and auditors; the employer's own users (not an agency's) for
/// its own (another employer's are 404).
#[utoipa::path(tag = "agencies", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Employer id")), responses(
    (status = 200, body = AuthorisationListResponse),
    ReadOneErrors,
))]
#[get("/employers/{id}/agency-authorisations")]
pub async fn list_authorisations(
    user: AuthUser,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(&super::CASE_READERS)?;
    let items = agencies::list(&pool, user.viewer(), EmployerId(id.into_inner()))
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(HttpResponse::Ok().json(AuthorisationListResponse { items }))
}

/// Revoke an agency authorisation.
///
/// From now on the agency's tokens reach nothing through it. Audited on the employer.
///
/// Who may call it: the employer's own users (for itself only).
#[utoipa::path(tag = "agencies", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Employer id"), ("authorisation_id" = Uuid, Path, description = "Authorisation id")), responses(
    (status = 200, body = AuthorisationResponse),
    (status = 400, description = "An id is not a UUID", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Not an employer user, or an agency", body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Revoked already", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[delete("/employers/{id}/agency-authorisations/{authorisation_id}")]
pub async fn revoke_authorisation(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Employer])?;
    let (employer, authorisation) = path.into_inner();
    let cmd = command(&user, &req, &clock, b"")?;
    let reply = agencies::revoke(&pool, &cmd, EmployerId(employer), authorisation, |a| {
        ok(&AuthorisationResponse::from(a.clone()))
    })
    .await?;
    Ok(respond(reply))
}
