use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use diesel_async::AsyncConnection;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::ApplicationResponse;
use crate::auth::AuthUser;
use crate::db::audit::{self, Entity, NewAuditEvent};
use crate::db::{DbPool, applications};
use crate::domain::{ApplicationAction, ApplicationId, transition};
use crate::error::{ApiError, Problem};
use crate::http::employers::not_found;
use crate::http::extract::{IfMatch, JsonBody, actor, etag};
use crate::http::idempotency::{self, Idempotency, WriteResponse};
use crate::http::validate;

/// An optional note recorded with the action in the case history. The body may be omitted.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    #[schema(example = "Submitted after review by our HR manager.")]
    #[validate(length(min = 1, max = 2000), custom(function = "validate::not_blank"))]
    pub comment: Option<String>,
}

/// Takes `action` on a case: role, ownership, `If-Match` and lifecycle checks, then the new status and
/// its audit event in one transaction.
async fn act(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    id: Uuid,
    body: JsonBody,
    action: ApplicationAction,
) -> Result<HttpResponse, ApiError> {
    user.require(&[action.permitted_role()])?;
    let comment = body
        .parse_or_default::<ActionRequest>()?
        .comment
        .map(|c| c.trim().to_owned());
    let id = ApplicationId(id);
    let scope = user.employer_scope();
    let actor = actor(&user, &req);
    let if_match = IfMatch::from_request(&req)?;
    let idempotency = Idempotency::from_request(&req, &user, &body)?;
    let role = user.role;
    let mut conn = pool.get().await?;
    let response = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            if let Some(previous) = idempotency::replay(idempotency.as_ref(), conn).await? {
                return Ok(previous);
            }
            let before = applications::get_for_update(conn, id, scope)
                .await
                .map_err(not_found("application"))?;
            if_match.check(before.version, false)?;
            let to = transition(before.status, action, actor.role)?;
            let after = applications::set_status(conn, id, to, action == ApplicationAction::Submit).await?;
            audit::append(
                conn,
                NewAuditEvent {
                    actor: &actor,
                    entity: Entity::Application(id),
                    action: format!("application.{}", action.as_str().replace('-', "_")),
                    from_status: Some(before.status),
                    to_status: Some(to),
                    before: Some(serde_json::to_value(&before).map_err(anyhow::Error::from)?),
                    after: Some(serde_json::to_value(&after).map_err(anyhow::Error::from)?),
                    comment,
                },
            )
            .await?;
            tracing::info!(application.id = %id, action = %action, status = %after.status, "application action taken");
            let tag = etag(after.version);
            let response = WriteResponse::new(StatusCode::OK, &ApplicationResponse::new(after, role))?.etag(tag);
            idempotency::remember(idempotency.as_ref(), conn, &response).await?;
            Ok(response)
        })
        .await?;
    Ok(response.into_response())
}

/// Submit a draft to the Labour Department.
#[utoipa::path(tag = "applications", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Application id"),
        ("If-Match" = Option<String>, Header, description = "When sent, must be the current ETag"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response"),
    ),
    request_body(content = Option<ActionRequest>, description = "Optional comment; the body may be empty"),
    responses(
        (status = 200, body = ApplicationResponse, headers(("ETag" = String))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the employer submits", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft", body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Idempotency-Key reused for a different request", body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/applications/{id}/actions/submit")]
pub async fn submit_application(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    act(user, req, pool, id.into_inner(), body, ApplicationAction::Submit).await
}

/// Withdraw a draft or an application not yet decided.
#[utoipa::path(tag = "applications", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Application id"),
        ("If-Match" = Option<String>, Header, description = "When sent, must be the current ETag"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response"),
    ),
    request_body(content = Option<ActionRequest>, description = "Optional reason; the body may be empty"),
    responses(
        (status = 200, body = ApplicationResponse, headers(("ETag" = String))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the employer withdraws", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided or closed", body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Idempotency-Key reused for a different request", body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/applications/{id}/actions/withdraw")]
pub async fn withdraw_application(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    act(user, req, pool, id.into_inner(), body, ApplicationAction::Withdraw).await
}
