use actix_web::{HttpRequest, HttpResponse, put, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::ApplicationResponse;
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::domain::{ApplicationId, Role, VacancyId};
use crate::error::{ApiError, Problem};
use crate::http::extract::JsonBody;
use crate::http::validate;
use crate::http::write::{command, respond};
use crate::workflow::DbPool;
use crate::workflow::applications::{self, WageBenchmark};

/// The benchmark median for a post with no row in the wage table (R-WAGE-4).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"median_monthly_wage_hkd": 15200, "source": "C&SD Annual Earnings and Hours Survey 2025, table 7"})))]
#[serde(deny_unknown_fields)]
pub struct WageBenchmarkRequest {
    #[schema(example = 16200)]
    #[validate(range(min = 1, max = 1_000_000))]
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub median_monthly_wage_hkd: u32,
    /// Where the figure comes from: C&SD occupation and statistical month.
    #[schema(example = "C&SD Annual Earnings and Hours Survey, May 2025, occupation 5131")]
    #[validate(length(min = 1, max = 500), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
    pub source: String,
}

/// Enter the benchmark median for a non-common post (caseworker, before the decision).
///
/// For a post the wage table does not cover, the caseworker enters the benchmark median to compare the
/// offered wage with, and its source; the median-wage check then uses it.
///
/// Who may call it: caseworkers.
#[utoipa::path(tag = "decisions", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Application id"), ("vacancy_id" = Uuid, Path, description = "Vacancy id")),
    request_body = WageBenchmarkRequest, responses(
    (status = 200, body = ApplicationResponse, headers(("ETag" = String))),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not submitted yet, or already decided", body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[put("/applications/{id}/vacancies/{vacancy_id}/wage-benchmark")]
pub async fn set_wage_benchmark(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    path: web::Path<(Uuid, Uuid)>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Caseworker])?;
    let request = body.parse::<WageBenchmarkRequest>()?;
    let benchmark = WageBenchmark {
        median_monthly_wage_hkd: request.median_monthly_wage_hkd,
        source: request.source.trim().to_owned(),
    };
    let (id, vacancy) = path.into_inner();
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let (id, vacancy) = (ApplicationId(id), VacancyId(vacancy));
    let reply = applications::set_wage_benchmark(&pool, &cmd, id, vacancy, benchmark, |app| {
        ApplicationResponse::reply(app, user.role)
    })
    .await?;
    Ok(respond(reply))
}
