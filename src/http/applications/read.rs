use actix_web::{HttpRequest, HttpResponse, get, http::header, web};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use uuid::Uuid;
use validator::Validate;

use super::{ApplicationListResponse, ApplicationResponse, HistoryResponse};
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::domain::{ApplicationId, ApplicationStatus, EmployerId};
use crate::error::{ApiError, Problem};
use crate::http::CASE_READERS;
use crate::http::extract::{QueryParams, etag, if_none_match_hits, page_position};
use crate::http::representation::{self, Format, JSON_OR_CSV, TableFormat, cell};
use crate::openapi::ReadOneErrors;
use crate::workflow::{ApplicationFilter, DbPool, ListOrder, applications};

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ApplicationListQuery {
    /// Only applications in this status.
    #[param(schema_with = crate::openapi::enums::application_status)]
    pub status: Option<ApplicationStatus>,
    /// Only this employer's applications (staff and auditors; an employer always sees only its own).
    pub employer_id: Option<Uuid>,
    /// Only cases in this officer's queue (token subject; `me` for the caller). Staff and auditors.
    #[validate(length(min = 1, max = 200))]
    #[param(min_length = 1, max_length = 200)]
    pub assignee: Option<String>,
    /// `true`: only cases in someone's queue; `false`: only cases in nobody's.
    pub assigned: Option<bool>,
    /// `true`: only cases recorded as past their processing target; `false`: only those not.
    pub breached: Option<bool>,
    /// `created` (newest first, the default) or `sla_due` (soonest SLA due date first; cases not yet
    /// submitted are left out).
    #[param(schema_with = crate::openapi::enums::application_sort)]
    pub sort: Option<ApplicationSort>,
    /// Items per page (1 to 500, default 50).
    #[validate(range(min = 1, max = 500))]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^-?[0-9]{1,16}\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    pub cursor: Option<String>,
    /// `json` or `csv`; overrides `Accept` (for a link a browser follows).
    #[param(schema_with = crate::openapi::enums::json_or_csv)]
    pub format: Option<TableFormat>,
}

/// The order of the applications list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationSort {
    #[default]
    Created,
    SlaDue,
}

/// The columns of the applications list as CSV.
const LIST_COLUMNS: [&str; 16] = [
    "reference",
    "id",
    "employer_id",
    "status",
    "application_type",
    "posts",
    "workers_requested",
    "places_approved",
    "submitted_on",
    "screened_in_on",
    "recommended_by",
    "decided_by",
    "decided_on",
    "created_by",
    "created_at",
    "version",
];

fn list_row(a: ApplicationResponse) -> [String; 16] {
    let posts: Vec<&str> = a.vacancies.iter().map(|v| v.post_title.as_str()).collect();
    [
        a.reference.clone(),
        a.id.to_string(),
        a.employer_id.to_string(),
        a.status.to_string(),
        a.application_type.as_str().to_owned(),
        posts.join("; "),
        a.workers_requested.to_string(),
        cell(a.places_approved),
        cell(a.submitted_on),
        cell(a.screened_in_on),
        cell(a.recommended_by),
        cell(a.decided_by),
        cell(a.decided_on),
        a.created_by,
        a.created_at.to_rfc3339(),
        a.version.to_string(),
    ]
}

/// List applications, newest first, one page at a time.
///
/// Filter by `status` and, for staff, `employer_id`; page with `limit` and `next_cursor`. An employer sees
/// only its own applications, whatever `employer_id` says. `Accept: text/csv` (or `format=csv`) gives the
/// page as CSV (a download, one row per application, the next page in a `Link: rel="next"` header).
///
/// Who may call it: caseworkers, approvers and auditors; an employer user for its own records only (another
/// employer's are 404, as if they did not exist).
#[utoipa::path(tag = "applications", security(("bearer" = [])), params(ApplicationListQuery), responses(
    (status = 200, content(
        (ApplicationListResponse = "application/json"),
        (String = "text/csv", example = "reference,id,employer_id,status,application_type,posts,workers_requested,places_approved,submitted_on,screened_in_on,recommended_by,decided_by,decided_on,created_by,created_at,version\nESLS-2026-000042,4b8f…,9c1d…,SUBMITTED,NEW,Dishwasher,2,,2026-03-02,,,,,employer-1,2026-03-02T02:00:00+00:00,2")
    ), headers(("Link" = String, description = "CSV only: the next page, `<…>; rel=\"next\"`"))),
    (status = 400, description = "Invalid query parameter", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[get("/applications")]
pub async fn list_applications(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    query: QueryParams<ApplicationListQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(&CASE_READERS)?;
    let query = query.0;
    let format = representation::choose(&req, query.format, &JSON_OR_CSV)?;
    let (limit, cursor) = page_position(query.limit, query.cursor.as_deref())?;
    let today = clock.today();
    let filter = ApplicationFilter {
        status: query.status,
        employer_id: query.employer_id.map(EmployerId),
        assignee: query.assignee.map(|a| if a == "me" { user.sub.clone() } else { a }),
        assigned: query.assigned,
        breached: query.breached,
        undecided_only: false,
        only: None,
    };
    let order = match query.sort.unwrap_or_default() {
        ApplicationSort::Created => ListOrder::Newest,
        ApplicationSort::SlaDue => ListOrder::SlaDue(today),
    };
    let page = applications::list(&pool, user.viewer(), filter, order, cursor, limit).await?;
    let items = page
        .items
        .into_iter()
        .map(|a| ApplicationResponse::listed(a, user.role, today));
    let next_cursor = page.next_cursor.map(|c| c.encode());
    if format == Format::Csv {
        let filename = format!("applications-{}.csv", clock.today());
        return representation::csv_page(
            &req,
            &filename,
            &LIST_COLUMNS,
            items.map(list_row),
            next_cursor.as_deref(),
        );
    }
    Ok(HttpResponse::Ok().json(ApplicationListResponse {
        items: items.collect(),
        next_cursor,
    }))
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct GetApplicationQuery {
    /// Rebuild the case as it stood at this instant (RFC 3339) from its history.
    pub as_of: Option<chrono::DateTime<chrono::Utc>>,
}

/// One application with its vacancies and the actions the caller may take now.
///
/// With its SLA clock, its ETag (send it back as `If-Match` to edit a draft) and the lifecycle actions
/// the caller's role may take in its current status. With `as_of` (an RFC 3339 instant), the case as it
/// stood then, rebuilt from its audit history.
///
/// Who may call it: caseworkers, approvers and auditors; an employer user for its own records only (another
/// employer's are 404, as if they did not exist).
#[utoipa::path(tag = "applications", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Application id"), GetApplicationQuery), responses(
    (status = 200, body = ApplicationResponse, headers(("ETag" = String))),
    (status = 304, description = "Not modified since the ETag sent in If-None-Match"),
    ReadOneErrors,
))]
#[get("/applications/{id}")]
pub async fn get_application(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
    query: QueryParams<GetApplicationQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(&CASE_READERS)?;
    let id = ApplicationId(id.into_inner());
    if let Some(as_of) = query.0.as_of {
        let then = applications::get_as_of(&pool, user.viewer(), id, as_of).await?;
        return Ok(HttpResponse::Ok().json(ApplicationResponse::new(then, user.role)));
    }
    let case = applications::get(&pool, user.viewer(), id, clock.today()).await?;
    let tag = etag(case.application.version);
    if if_none_match_hits(&req, case.application.version) {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, tag)).finish());
    }
    let mut body = ApplicationResponse::new(case.application, user.role);
    body.sla = case.sla;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, tag)).json(body))
}

/// Every event of the case, oldest first: who did what, when, and the case before and after.
///
/// The case's audit trail, including its workers' events: actor, role, agency acting for the employer,
/// action, status change, comment, the stored record before and after, the decision record of a decision,
/// and each event's hash and chain position.
///
/// Who may call it: caseworkers, approvers and auditors; an employer user for its own records only (another
/// employer's are 404, as if they did not exist).
#[utoipa::path(tag = "applications", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Application id")), responses(
    (status = 200, body = HistoryResponse),
    ReadOneErrors,
))]
#[get("/applications/{id}/history")]
pub async fn get_application_history(
    user: AuthUser,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(&CASE_READERS)?;
    let id = ApplicationId(id.into_inner());
    let events = applications::history(&pool, user.viewer(), id).await?;
    Ok(HttpResponse::Ok().json(HistoryResponse {
        application_id: id.0,
        items: events.into_iter().map(Into::into).collect(),
    }))
}
