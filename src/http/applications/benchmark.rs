use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, put, web};
use diesel_async::AsyncConnection;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::ApplicationResponse;
use crate::auth::AuthUser;
use crate::db::audit::{self, NewAuditEvent};
use crate::db::{DbPool, applications};
use crate::domain::{ApplicationId, Role, VacancyId};
use crate::error::{ApiError, Problem};
use crate::http::employers::not_found;
use crate::http::extract::{JsonBody, actor, etag};
use crate::http::idempotency::WriteResponse;
use crate::http::validate;

/// The benchmark median for a post with no row in the wage table (R-WAGE-4).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WageBenchmarkRequest {
    #[schema(example = 16200)]
    #[validate(range(min = 1, max = 1_000_000))]
    pub median_monthly_wage_hkd: u32,
    /// Where the figure comes from: C&SD occupation and statistical month.
    #[schema(example = "C&SD Annual Earnings and Hours Survey, May 2025, occupation 5131")]
    #[validate(length(min = 1, max = 500), custom(function = "validate::not_blank"))]
    pub source: String,
}

/// Enter the benchmark median for a non-common post (caseworker, before the decision).
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
    path: web::Path<(Uuid, Uuid)>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Caseworker])?;
    let request = body.parse::<WageBenchmarkRequest>()?;
    let (id, vacancy) = path.into_inner();
    let (id, vacancy, actor, role) = (ApplicationId(id), VacancyId(vacancy), actor(&user, &req), user.role);
    let mut conn = pool.get().await?;
    let response = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            let before = applications::get_for_update(conn, id, None)
                .await
                .map_err(not_found("application"))?;
            if !before.status.is_pre_decision() {
                return Err(ApiError::Conflict(format!(
                    "A benchmark can be entered only between submission and decision; this application is {}.",
                    before.status
                )));
            }
            let after = applications::set_benchmark(
                conn,
                id,
                vacancy,
                request.median_monthly_wage_hkd,
                request.source.trim(),
            )
            .await
            .map_err(not_found("vacancy"))?;
            audit::append(
                conn,
                NewAuditEvent::application_change(
                    &actor,
                    "application.wage_benchmark_set",
                    Some(&before),
                    &after,
                    None,
                )?,
            )
            .await?;
            let tag = etag(after.version);
            Ok(WriteResponse::new(StatusCode::OK, &ApplicationResponse::new(after, role))?.etag(tag))
        })
        .await?;
    Ok(response.into_response())
}
