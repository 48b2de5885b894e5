//! The 26 designated job categories.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db::{DbPool, job_categories};
use crate::domain::Role;
use crate::error::{ApiError, Problem};

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
}

#[derive(Serialize, ToSchema)]
pub struct JobCategoryListResponse {
    pub items: Vec<JobCategoryResponse>,
}

/// The 26 designated job categories, in their published order.
#[utoipa::path(tag = "reference data", security(("bearer" = [])), responses(
    (status = 200, body = JobCategoryListResponse),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[get("/job-categories")]
pub async fn list_job_categories(user: AuthUser, pool: web::Data<DbPool>) -> Result<HttpResponse, ApiError> {
    user.require(&Role::TOKEN_ROLES)?;
    let mut conn = pool.get().await?;
    let items = job_categories::list(&mut conn)
        .await?
        .into_iter()
        .map(|row| JobCategoryResponse {
            code: row.code,
            ordinal: row.ordinal,
            name_en: row.name_en,
            name_zh: row.name_zh,
            aliases: row.aliases.into_iter().flatten().collect(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(JobCategoryListResponse { items }))
}
