//! Work queues: a case's assignment (claim, assign, release, bulk) and the caller's queues.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::applications::ApplicationResponse;
use super::extract::{JsonBody, QueryParams, page_position};
use super::validate;
use super::write::{command, ok, respond};
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::domain::{ApplicationId, Role};
use crate::error::{ApiError, Problem};
use crate::workflow::DbPool;
use crate::workflow::assignment::{self, QueueView};

/// Who works queues: caseworkers, and approvers as team leads.
const QUEUE_WORKERS: [Role; 2] = [Role::Caseworker, Role::Approver];

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"assignee": "cw-chan"})))]
#[serde(deny_unknown_fields)]
pub struct AssignmentRequest {
    /// The officer (token subject) whose queue the case goes to; a caseworker may name only themselves.
    #[validate(length(min = 1, max = 200), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub assignee: String,
}

/// Put a case in an officer's queue (claim, or assign).
///
/// A caseworker claims a case for themselves (`assignee` = their own token subject) when it is in
/// nobody's queue or already theirs; an approver, as team lead, assigns any undecided case to any
/// officer. The new assignee is notified; the change is an audit event on the case.
///
/// Who may call it: caseworkers (for themselves) and approvers (for anyone).
#[utoipa::path(tag = "queues", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Application id"), ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = AssignmentRequest, responses(
    (status = 200, body = ApplicationResponse, headers(("ETag" = String))),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "A caseworker naming someone else, or releasing another's case", body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Decided, already in that queue, or in another officer's queue", body = Problem, content_type = "application/problem+json"),
    (status = 412, body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Idempotency-Key reused for a different request", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[put("/applications/{id}/assignment")]
pub async fn assign_application(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&QUEUE_WORKERS)?;
    let request = body.parse::<AssignmentRequest>()?;
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let assignee = Some(request.assignee.trim().to_owned());
    let reply = assignment::assign(&pool, &cmd, ApplicationId(id.into_inner()), assignee, |app| {
        ApplicationResponse::reply(app, user.role)
    })
    .await?;
    Ok(respond(reply))
}

/// Take a case out of its officer's queue (release).
///
/// A caseworker releases a case in their own queue; an approver releases any. The case goes back to the
/// unassigned queue; the change is an audit event on the case.
///
/// Who may call it: caseworkers (their own cases) and approvers (any).
#[utoipa::path(tag = "queues", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Application id")), responses(
    (status = 200, body = ApplicationResponse, headers(("ETag" = String))),
    (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "A caseworker releasing another's case", body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Decided, or in nobody's queue", body = Problem, content_type = "application/problem+json"),
    (status = 412, body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[delete("/applications/{id}/assignment")]
pub async fn release_application(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(&QUEUE_WORKERS)?;
    let cmd = command(&user, &req, &clock, b"")?;
    let reply = assignment::assign(&pool, &cmd, ApplicationId(id.into_inner()), None, |app| {
        ApplicationResponse::reply(app, user.role)
    })
    .await?;
    Ok(respond(reply))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"application_ids": ["6f1c2a64-5a0e-4d8b-9c3e-0a2b4c6d8e10"], "assignee": "cw-chan"})))]
#[serde(deny_unknown_fields)]
pub struct BulkAssignmentRequest {
    /// 1 to 500 undecided cases.
    #[validate(length(min = 1, max = 500))]
    #[schema(min_items = 1, max_items = 500)]
    pub application_ids: Vec<Uuid>,
    /// The officer (token subject) whose queue they go to.
    #[validate(length(min = 1, max = 200), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub assignee: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkAssignmentResponse {
    /// Every case as assigned, in the order of their ids.
    pub items: Vec<ApplicationResponse>,
}

/// Assign many cases to one officer, all or none.
///
/// Every case must exist and be undecided, and none may already be in that officer's queue; otherwise
/// nothing changes. One audit event per case.
///
/// Who may call it: approvers (team leads).
#[utoipa::path(tag = "queues", security(("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = BulkAssignmentRequest, responses(
    (status = 200, body = BulkAssignmentResponse),
    (status = 400, description = "Invalid body, or an id that is no application", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "A case decided, or already in that queue", body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Idempotency-Key reused for a different request", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[post("/assignments")]
pub async fn assign_applications(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Approver])?;
    let request = body.parse::<BulkAssignmentRequest>()?;
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let ids = request.application_ids.into_iter().map(ApplicationId).collect();
    let reply = assignment::assign_many(&pool, &cmd, ids, request.assignee.trim().to_owned(), |apps| {
        ok(&BulkAssignmentResponse {
            items: apps
                .iter()
                .map(|a| ApplicationResponse::new(a.clone(), user.role))
                .collect(),
        })
    })
    .await?;
    Ok(respond(reply))
}

/// Which queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
pub enum QueueName {
    #[default]
    Mine,
    Unassigned,
    Breached,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// `mine` (the default), `unassigned` or `breached`.
    #[param(schema_with = crate::openapi::enums::queue_name)]
    pub view: Option<QueueName>,
    /// Items per page (1 to 500, default 50).
    #[validate(range(min = 1, max = 500))]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^-?[0-9]{1,16}\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueCountsResponse {
    /// Undecided cases in the caller's queue.
    pub mine: i64,
    /// Undecided cases in nobody's queue.
    pub unassigned: i64,
    /// Undecided cases recorded as past their processing target.
    pub breached: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueResponse {
    pub view: String,
    /// Soonest SLA due date first (`sla_due_on` as of today).
    pub items: Vec<ApplicationResponse>,
    pub next_cursor: Option<String>,
    pub counts: QueueCountsResponse,
}

/// The caller's work queue: my cases, unassigned cases, or breached cases.
///
/// Undecided cases only, soonest SLA due date first (an open information request's pause counted in),
/// with the number in each of the three queues.
///
/// Who may call it: caseworkers, approvers and auditors (an auditor's own queue is empty).
#[utoipa::path(tag = "queues", security(("bearer" = [])), params(QueueQuery), responses(
    (status = 200, body = QueueResponse),
    (status = 400, description = "Invalid query parameter", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[get("/queue")]
pub async fn get_queue(
    user: AuthUser,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    query: QueryParams<QueueQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Caseworker, Role::Approver, Role::Auditor])?;
    let query = query.0;
    let (limit, cursor) = page_position(query.limit, query.cursor.as_deref())?;
    let name = query.view.unwrap_or_default();
    let view = match name {
        QueueName::Mine => QueueView::Mine,
        QueueName::Unassigned => QueueView::Unassigned,
        QueueName::Breached => QueueView::Breached,
    };
    let today = clock.today();
    let (page, counts) = assignment::queue(&pool, &user.sub, view, today, cursor, limit).await?;
    Ok(HttpResponse::Ok().json(QueueResponse {
        view: crate::http::representation::wire_name(&name),
        items: page
            .items
            .into_iter()
            .map(|a| ApplicationResponse::listed(a, user.role, today))
            .collect(),
        next_cursor: page.next_cursor.map(|c| c.encode()),
        counts: QueueCountsResponse {
            mine: counts.mine,
            unassigned: counts.unassigned,
            breached: counts.breached,
        },
    }))
}
