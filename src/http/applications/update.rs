use actix_web::{HttpRequest, HttpResponse, patch, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::{Validate, ValidationError};

use super::{ApplicationResponse, VacancyRequest};
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::domain::application::DraftChanges;
use crate::domain::{ApplicationId, Role};
use crate::error::{ApiError, Problem};
use crate::http::extract::JsonBody;
use crate::http::validate;
use crate::http::write::{command, respond};
use crate::workflow::{DbPool, applications};

/// Changes to a draft. Fields left out stay as they are; `vacancies`, when sent, replaces the list.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"justification": "Two waiter posts advertised for three months; one local applicant declined the offer."})))]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "at_least_one_change"))]
#[schema(min_properties = 1)]
pub struct UpdateApplicationRequest {
    /// Left out: unchanged. Never `null`: a draft always has a justification.
    #[serde(default, deserialize_with = "super::super::extract::present")]
    #[validate(length(min = 1, max = 5000), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 5000, pattern = "\\S", nullable = false)]
    pub justification: Option<String>,
    /// Left out: unchanged; sent: replaces the list. Never `null`.
    #[serde(default, deserialize_with = "super::super::extract::present")]
    #[validate(length(min = 1, max = 20), nested)]
    #[schema(min_items = 1, max_items = 20, nullable = false)]
    pub vacancies: Option<Vec<VacancyRequest>>,
}

fn at_least_one_change(req: &UpdateApplicationRequest) -> Result<(), ValidationError> {
    if req.justification.is_none() && req.vacancies.is_none() {
        Err(ValidationError::new("empty").with_message("send at least one of justification, vacancies".into()))
    } else {
        Ok(())
    }
}

/// Edit a draft.
///
/// Requires `If-Match` with the ETag last read, so concurrent edits are never lost.
///
/// Who may call it: the employer, for its own records only (another employer's are 404).
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
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Employer])?;
    let request = body.parse::<UpdateApplicationRequest>()?;
    let changes = DraftChanges {
        justification: request.justification.map(|j| j.trim().to_owned()),
        vacancies: request.vacancies.map(|list| list.into_iter().map(Into::into).collect()),
    };
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let id = ApplicationId(id.into_inner());
    let reply = applications::edit_draft(&pool, &cmd, id, changes, |app| {
        ApplicationResponse::reply(app, user.role)
    })
    .await?;
    Ok(respond(reply))
}
