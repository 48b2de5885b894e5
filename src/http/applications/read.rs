use actix_web::{HttpRequest, HttpResponse, get, http::header, web};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;
use validator::Validate;

use super::visible_application;
use super::{ApplicationListResponse, ApplicationResponse, HistoryEventResponse, HistoryResponse};
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::db::applications::{self, ApplicationFilter};
use crate::db::{DbPool, audit, casework};
use crate::domain::application::{replay, sla_clock};
use crate::domain::policy::keys;
use crate::domain::{ApplicationId, ApplicationStatus, EmployerId, Role};
use crate::error::{ApiError, Problem};
use crate::http::extract::{QueryParams, etag, if_none_match_hits, page_position};
use crate::openapi::ReadOneErrors;

/// Who may read cases: staff and auditors all of them, employers their own.
const CASE_READERS: [Role; 4] = [Role::Caseworker, Role::Approver, Role::Auditor, Role::Employer];

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ApplicationListQuery {
    /// Only applications in this status.
    #[param(value_type = Option<String>, example = "SUBMITTED")]
    pub status: Option<ApplicationStatus>,
    /// Only this employer's applications (staff and auditors; an employer always sees only its own).
    pub employer_id: Option<Uuid>,
    /// Items per page (1 to 500, default 50).
    #[validate(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List applications, newest first, one page at a time.
#[utoipa::path(tag = "applications", security(("bearer" = [])), params(ApplicationListQuery), responses(
    (status = 200, body = ApplicationListResponse),
    (status = 400, description = "Invalid query parameter", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[get("/applications")]
pub async fn list_applications(
    user: AuthUser,
    pool: web::Data<DbPool>,
    query: QueryParams<ApplicationListQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(&CASE_READERS)?;
    let query = query.0;
    let (limit, cursor) = page_position(query.limit, query.cursor.as_deref())?;
    let filter = ApplicationFilter {
        status: query.status,
        employer_id: query.employer_id.map(EmployerId),
    };
    let mut conn = pool.get().await?;
    let page = applications::list(&mut conn, &filter, user.employer_scope(), cursor, limit).await?;
    Ok(HttpResponse::Ok().json(ApplicationListResponse {
        items: page
            .items
            .into_iter()
            .map(|a| ApplicationResponse::new(a, user.role))
            .collect(),
        next_cursor: page.next_cursor.map(|c| c.encode()),
    }))
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct GetApplicationQuery {
    /// Rebuild the case as it stood at this instant (RFC 3339) from its history.
    pub as_of: Option<chrono::DateTime<chrono::Utc>>,
}

/// One application with its vacancies and the actions the caller may take now; with `as_of`, the case
/// as it stood then (rebuilt from its audit history).
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
    let mut conn = pool.get().await?;
    if let Some(as_of) = query.0.as_of {
        let id = ApplicationId(id.into_inner());
        // Ownership first: another employer's case is not found, whatever the date.
        visible_application(&mut conn, &user, id).await?;
        let snapshots = audit::for_application_until(&mut conn, id, as_of)
            .await?
            .into_iter()
            .filter(|e| e.entity_type == "application" && e.action.starts_with("application."))
            .filter_map(|e| e.after);
        let application = replay(snapshots).ok_or(ApiError::NotFound("application at that time"))??;
        return Ok(HttpResponse::Ok().json(ApplicationResponse::new(application, user.role)));
    }
    let application = visible_application(&mut conn, &user, ApplicationId(id.into_inner())).await?;
    let tag = etag(application.version);
    if if_none_match_hits(&req, application.version) {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, tag)).finish());
    }
    let sla = match application.submitted_on {
        Some(started) => {
            let policy = crate::db::policy::load(&mut conn).await?;
            let target = policy.get::<u32>(keys::PROCESSING_TARGET_DAYS, None, started)?.value;
            let pauses: Vec<_> = casework::info_requests_of(&mut conn, application.id)
                .await?
                .into_iter()
                .map(|r| (r.requested_on, r.responded_on))
                .collect();
            // A decided case's clock stops on the decision date.
            let until = application.decided_on.unwrap_or_else(|| clock.today());
            Some(sla_clock(started, target, &pauses, until))
        }
        None => None,
    };
    let mut body = ApplicationResponse::new(application, user.role);
    body.sla = sla;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, tag)).json(body))
}

/// Every event of the case, oldest first: who did what, when, and the case before and after.
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
    let mut conn = pool.get().await?;
    // The scoped read doubles as the ownership check: another employer's case is not found.
    visible_application(&mut conn, &user, id).await?;
    let events = audit::for_application(&mut conn, id).await?;
    let employer_view = user.role == Role::Employer;
    let items = events
        .into_iter()
        .map(|e| {
            // Notes written by Labour Department staff are internal: employers see what happened,
            // not the officers' comments on it.
            let internal = employer_view && e.actor_role != Role::Employer.as_str();
            let mut event = HistoryEventResponse::from(e);
            if internal {
                event.comment = None;
            }
            event
        })
        .collect();
    Ok(HttpResponse::Ok().json(HistoryResponse {
        application_id: id.0,
        items,
    }))
}
