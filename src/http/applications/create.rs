use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::{ApplicationResponse, VacancyRequest};
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::domain::application::ApplicationType;
use crate::domain::{NewApplication, Role};
use crate::error::{ApiError, Problem};
use crate::http::extract::JsonBody;
use crate::http::validate;
use crate::http::write::{command, respond};
use crate::workflow::{DbPool, applications};

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"application_type": "NEW", "justification": "Two waiter posts advertised for three months without suitable local applicants.", "vacancies": [{"post_title": "Waiter", "post_code": "CHINESE_RESTAURANT_WAITER", "designated_category_code": "WAITER", "industry_sector": "CATERING", "workers_requested": 2, "monthly_wage_hkd": 17500, "normal_daily_hours": 9.5, "duties": "Serve customers, take orders, clear tables", "workplace_addresses": ["G/F, 8 Nathan Road, Tsim Sha Tsui"]}]})))]
#[serde(deny_unknown_fields)]
pub struct CreateApplicationRequest {
    /// `NEW` (default) or `RENEWAL` of existing workers' contracts (exempt from the six-month bar).
    #[schema(schema_with = crate::openapi::enums::application_type_or_null)]
    pub application_type: Option<ApplicationType>,
    /// Why the posts cannot be filled locally.
    #[schema(example = "Two waiter posts have been advertised for three months without suitable applicants.")]
    #[validate(length(min = 1, max = 5000), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 5000, pattern = "\\S")]
    pub justification: String,
    /// One or more posts (at most 20).
    #[validate(length(min = 1, max = 20), nested)]
    #[schema(min_items = 1, max_items = 20)]
    pub vacancies: Vec<VacancyRequest>,
}

/// Create a draft application for the caller's employer.
///
/// The draft holds one or more vacancies; nothing is checked against the scheme until it is submitted (`POST
/// /actions/submit`). Send an `Idempotency-Key` to make a retry safe.
///
/// Who may call it: the employer, for its own records only (another employer's are 404).
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
    clock: web::Data<Clock>,
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
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let reply = applications::create_draft(&pool, &cmd, new, |app| {
        Ok(ApplicationResponse::reply(app, user.role)?
            .with_status_created()
            .with_location(format!("/v1/applications/{}", app.id)))
    })
    .await?;
    Ok(respond(reply))
}
