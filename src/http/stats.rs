//! Statistics for any period: what paragraph 22 of the LegCo paper reports, and more.

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::extract::QueryParams;
use crate::auth::AuthUser;
use crate::domain::Role;
use crate::domain::stats::{self, Statistics};
use crate::error::{ApiError, Problem};
use crate::workflow::{DbPool, audit};

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// First day of the period (Hong Kong date).
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[param(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub from: NaiveDate,
    /// Last day of the period (included).
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[param(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub to: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Totals {
    pub applications: i64,
    pub workers: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InProcessing {
    /// Submitted by the end of the period and neither decided nor closed by then.
    pub applications: i64,
    /// Of those, screened in (local recruitment started) by the end of the period.
    pub recruitment_started: i64,
    /// Of those, with local recruitment completed by the end of the period.
    pub recruitment_completed: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Breakdown {
    /// A post code (or title, for non-common posts) or a designated category (`NONE`: not designated).
    pub key: String,
    /// Applications received in the period with a vacancy under this key.
    pub applications: i64,
    pub workers_requested: i64,
    /// Places approved in the period under this key.
    pub workers_approved: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatsResponse {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Applications submitted in the period and the workers they requested.
    pub received: Totals,
    /// Applications approved (in full or in part) in the period and the places granted.
    pub approved: Totals,
    pub in_processing: InProcessing,
    /// Refusals decided in the period by reason code.
    #[schema(value_type = Object, example = json!({"WAGE_BELOW_MEDIAN": 2}))]
    pub refusals_by_reason: std::collections::BTreeMap<String, i64>,
    pub by_post: Vec<Breakdown>,
    pub by_designated_category: Vec<Breakdown>,
}

impl From<stats::Breakdown> for Breakdown {
    fn from(r: stats::Breakdown) -> Self {
        Self {
            key: r.key,
            applications: r.applications,
            workers_requested: r.workers_requested,
            workers_approved: r.workers_approved,
        }
    }
}

impl From<stats::Totals> for Totals {
    fn from(t: stats::Totals) -> Self {
        Self {
            applications: t.applications,
            workers: t.workers,
        }
    }
}

impl From<Statistics> for StatsResponse {
    fn from(s: Statistics) -> Self {
        Self {
            from: s.from,
            to: s.to,
            received: s.received.into(),
            approved: s.approved.into(),
            in_processing: InProcessing {
                applications: s.in_processing.applications,
                recruitment_started: s.in_processing.recruitment_started,
                recruitment_completed: s.in_processing.recruitment_completed,
            },
            refusals_by_reason: s.refusals_by_reason,
            by_post: s.by_post.into_iter().map(Into::into).collect(),
            by_designated_category: s.by_designated_category.into_iter().map(Into::into).collect(),
        }
    }
}

/// Figures for a period, as reported to the Legislative Council.
///
/// Applications received, approved and in processing between `from` and `to` (Hong Kong dates, both
/// included), refusals by reason, and figures by post and designated category.
///
/// Who may call it: caseworkers, approvers and auditors.
#[utoipa::path(tag = "statistics", security(("bearer" = [])), params(StatsQuery), responses(
    (status = 200, body = StatsResponse),
    (status = 400, description = "Invalid or missing dates", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[get("/stats")]
pub async fn get_stats(
    user: AuthUser,
    pool: web::Data<DbPool>,
    query: QueryParams<StatsQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Caseworker, Role::Approver, Role::Auditor])?;
    let StatsQuery { from, to } = query.0;
    let figures = audit::statistics(&pool, from, to).await?;
    Ok(HttpResponse::Ok().json(StatsResponse::from(figures)))
}
