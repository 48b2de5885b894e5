use actix_web::{HttpRequest, HttpResponse, http::header, patch, web};
use diesel_async::AsyncConnection;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::{Validate, ValidationError};

use super::create::check_category_codes;
use super::{ApplicationResponse, VacancyRequest};
use crate::auth::AuthUser;
use crate::db::audit::{self, NewAuditEvent};
use crate::db::{DbPool, applications};
use crate::domain::application::DraftChanges;
use crate::domain::{ApplicationId, ApplicationStatus, Role};
use crate::error::{ApiError, Problem};
use crate::http::employers::not_found;
use crate::http::extract::{IfMatch, JsonBody, actor, etag};
use crate::http::validate;

/// Changes to a draft. Fields left out stay as they are; `vacancies`, when sent, replaces the list.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "at_least_one_change"))]
pub struct UpdateApplicationRequest {
    #[validate(length(min = 1, max = 5000), custom(function = "validate::not_blank"))]
    pub justification: Option<String>,
    #[validate(length(min = 1, max = 20), nested)]
    pub vacancies: Option<Vec<VacancyRequest>>,
}

fn at_least_one_change(req: &UpdateApplicationRequest) -> Result<(), ValidationError> {
    if req.justification.is_none() && req.vacancies.is_none() {
        Err(ValidationError::new("empty").with_message("send at least one of justification, vacancies".into()))
    } else {
        Ok(())
    }
}

/// Edit a draft. Requires `If-Match` with the ETag last read, so concurrent edits are never lost.
#[utoipa::path(tag = "applications", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Application id"),
        ("If-Match" = String, Header, description = "The ETag of the version being edited"),
    ),
    request_body = UpdateApplicationRequest,
    responses(
        (status = 200, body = ApplicationResponse, headers(("ETag" = String))),
        (status = 400, description = "Invalid field(s), each listed", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the employer edits its drafts", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The application is no longer a draft", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version", body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json"),
    ))]
#[patch("/applications/{id}")]
pub async fn update_application(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Employer])?;
    let request = body.parse::<UpdateApplicationRequest>()?;
    let changes = DraftChanges {
        justification: request.justification.map(|j| j.trim().to_owned()),
        vacancies: request.vacancies.map(|list| list.into_iter().map(Into::into).collect()),
    };
    let id = ApplicationId(id.into_inner());
    let scope = user.employer_scope();
    let actor = actor(&user, &req);
    let if_match = IfMatch::from_request(&req)?;
    let if_match = &if_match;
    let mut conn = pool.get().await?;
    let application = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            let before = applications::get_for_update(conn, id, scope)
                .await
                .map_err(not_found("application"))?;
            if_match.check(before.version, true)?;
            if before.status != ApplicationStatus::Draft {
                return Err(ApiError::Conflict(format!(
                    "Only a draft can be edited; this application is {}.",
                    before.status
                )));
            }
            if let Some(vacancies) = &changes.vacancies {
                check_category_codes(conn, vacancies).await?;
            }
            let after = applications::update_draft(conn, id, &changes).await?;
            audit::append(
                conn,
                NewAuditEvent::application_change(&actor, "application.updated", Some(&before), &after, None)?,
            )
            .await?;
            Ok(after)
        })
        .await?;
    tracing::info!(application.id = %id, "draft application edited");
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(application.version)))
        .json(ApplicationResponse::new(application, user.role)))
}
