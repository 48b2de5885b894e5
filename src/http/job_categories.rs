//! The 26 designated job categories.

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::domain::Role;
use crate::error::{ApiError, Problem};
use crate::http::extract::QueryParams;
use crate::workflow::{DbPool, reference};

#[derive(Serialize, ToSchema)]
pub struct JobCategoryResponse {
    #[schema(example = "WAITER")]
    pub code: String,
    /// Position in the published list of 26.
    #[schema(example = 3)]
    pub ordinal: i16,
    #[schema(example = "Waiter/Waitress")]
    pub name_en: String,
    #[schema(example = "侍應生")]
    pub name_zh: String,
    /// Other names the category is searched by.
    pub aliases: Vec<String>,
    /// Whether the category is excluded from importation on the date asked (policy
    /// `designated_exclusion_suspended`; R-ELIG-4).
    pub exclusion_in_force: bool,
}

#[derive(Serialize, ToSchema)]
pub struct JobCategoryListResponse {
    /// The date the exclusion status is given for.
    pub on: NaiveDate,
    pub items: Vec<JobCategoryResponse>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct JobCategoryQuery {
    /// The date for `exclusion_in_force` (default: today in Hong Kong).
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[param(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub on: Option<NaiveDate>,
}

/// The 26 designated job categories, in their published order.
///
/// Each category with its code, names and whether its exclusion from importation is in force on `on`
/// (default today in Hong Kong): the exclusion is effective-dated policy.
///
/// Who may call it: any signed-in user.
#[utoipa::path(tag = "reference data", security(("bearer" = [])), params(JobCategoryQuery), responses(
    (status = 200, body = JobCategoryListResponse),
    (status = 400, description = "Invalid query parameter", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No exclusion policy in force on that date", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[get("/job-categories")]
pub async fn list_job_categories(
    user: AuthUser,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    query: QueryParams<JobCategoryQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(&Role::TOKEN_ROLES)?;
    let on = query.0.on.unwrap_or_else(|| clock.today());
    let items = reference::job_categories(&pool, on)
        .await?
        .into_iter()
        .map(|(category, exclusion_in_force)| JobCategoryResponse {
            code: category.code,
            ordinal: category.ordinal,
            name_en: category.name_en,
            name_zh: category.name_zh,
            aliases: category.aliases,
            exclusion_in_force,
        })
        .collect();
    Ok(HttpResponse::Ok().json(JobCategoryListResponse { on, items }))
}
