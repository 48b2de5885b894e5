use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use diesel_async::AsyncConnection;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::{ApplicationResponse, VacancyRequest};
use crate::auth::AuthUser;
use crate::db::audit::{self, NewAuditEvent};
use crate::db::{Conn, DbPool, applications, employers, job_categories};
use crate::domain::application::ApplicationType;
use crate::domain::{NewApplication, Role, Vacancy};
use crate::error::{ApiError, FieldError, Problem};
use crate::http::extract::{JsonBody, actor, etag};
use crate::http::idempotency::{self, Idempotency, WriteResponse};
use crate::http::validate;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApplicationRequest {
    /// `NEW` (default) or `RENEWAL` of existing workers' contracts (exempt from the six-month bar).
    #[schema(value_type = Option<String>, example = "NEW")]
    pub application_type: Option<ApplicationType>,
    /// Why the posts cannot be filled locally.
    #[schema(example = "Two waiter posts have been advertised for three months without suitable applicants.")]
    #[validate(length(min = 1, max = 5000), custom(function = "validate::not_blank"))]
    pub justification: String,
    /// One or more posts (at most 20).
    #[validate(length(min = 1, max = 20), nested)]
    pub vacancies: Vec<VacancyRequest>,
}

/// Refuses (400) vacancies that name a designated category that does not exist.
pub(super) async fn check_category_codes(conn: &mut Conn, vacancies: &[Vacancy]) -> Result<(), ApiError> {
    let named: Vec<&str> = vacancies
        .iter()
        .filter_map(|v| v.designated_category_code.as_deref())
        .collect();
    let known = job_categories::existing_codes(conn, &named).await?;
    let errors: Vec<FieldError> = vacancies
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            let code = v.designated_category_code.as_deref()?;
            (!known.iter().any(|k| k == code)).then(|| {
                FieldError::new(
                    format!("vacancies[{i}].designated_category_code"),
                    "is not one of the 26 designated job categories (see /v1/job-categories)",
                )
            })
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Create a draft application for the caller's employer.
#[utoipa::path(tag = "applications", security(("bearer" = [])), request_body = CreateApplicationRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    responses(
    (status = 201, body = ApplicationResponse, headers(("ETag" = String), ("Location" = String))),
    (status = 400, description = "Invalid field(s), each listed", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Only employers create applications, and only for a registered employer", body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Idempotency-Key reused for a different request", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[post("/applications")]
pub async fn create_application(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Employer])?;
    let employer_id = user
        .employer_scope()
        .ok_or_else(|| ApiError::forbidden("No employer in token."))?;
    let request = body.parse::<CreateApplicationRequest>()?;
    let new = NewApplication {
        employer_id,
        application_type: request.application_type.unwrap_or_default(),
        justification: request.justification.trim().to_owned(),
        vacancies: request.vacancies.into_iter().map(Into::into).collect(),
    };
    let idempotency = Idempotency::from_request(&req, &user, body.bytes())?;
    let actor = actor(&user, &req);
    let role = user.role;
    let mut conn = pool.get().await?;
    let response = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            if let Some(previous) = idempotency::replay(idempotency.as_ref(), conn).await? {
                return Ok(previous);
            }
            // A token can name an employer that was never registered (or was minted by mistake).
            if !employers::exists(conn, employer_id).await? {
                return Err(ApiError::forbidden("The employer in your token is not registered."));
            }
            check_category_codes(conn, &new.vacancies).await?;
            let application = applications::insert(conn, &new, &actor.sub).await?;
            audit::append(
                conn,
                NewAuditEvent::application_change(&actor, "application.created", None, &application, None)?,
            )
            .await?;
            tracing::info!(application.id = %application.id, employer.id = %employer_id, "draft application created");
            let location = format!("/v1/applications/{}", application.id);
            let tag = etag(application.version);
            let response = WriteResponse::new(StatusCode::CREATED, &ApplicationResponse::new(application, role))?
                .etag(tag)
                .location(location);
            idempotency::remember(idempotency.as_ref(), conn, &response).await?;
            Ok(response)
        })
        .await?;
    Ok(response.into_response())
}
