use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::ApplicationResponse;
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::domain::rules::decision::ReasonCode;
use crate::domain::{ApplicationAction, ApplicationId};
use crate::error::{ApiError, FieldError, Problem};
use crate::http::extract::JsonBody;
use crate::http::validate;
use crate::http::write::{command, respond};
use crate::workflow::DbPool;
use crate::workflow::lifecycle::{self, ActionInput};

/// What an action may carry. Which fields an action needs is listed per action below.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"comment": "Submitted after review by our HR manager."})))]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// A note for the history. Required as the reason for `screen-out` and `terminate`.
    #[schema(example = "Submitted after review by our HR manager.")]
    #[validate(length(min = 1, max = 2000), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub comment: Option<String>,
    /// `request-info`: what is needed; `respond`: the answer. Required for both.
    #[validate(length(min = 1, max = 5000), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 5000, pattern = "\\S")]
    pub message: Option<String>,
    /// `request-info`: when the answer is due (default: policy `rfi_due_days` from today).
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub due_on: Option<NaiveDate>,
    /// `refuse`: the reasons (R-DEC-1). Required for `refuse`.
    #[schema(schema_with = crate::openapi::enums::reason_codes_or_null)]
    #[validate(length(min = 1, max = 6))]
    pub reason_codes: Option<Vec<ReasonCode>>,
}

impl ActionRequest {
    /// The input for `action`: each field it needs present, and none it does not take.
    fn into_input(self, action: ApplicationAction) -> Result<ActionInput, ApiError> {
        let missing = |field: &str| FieldError::new(field, format!("is required to {action}"));
        let mut errors = Vec::new();
        match action {
            ApplicationAction::RequestInfo | ApplicationAction::Respond if self.message.is_none() => {
                errors.push(missing("message"))
            }
            ApplicationAction::ScreenOut | ApplicationAction::Terminate | ApplicationAction::Revoke
                if self.comment.is_none() =>
            {
                errors.push(missing("comment"))
            }
            ApplicationAction::Refuse if self.reason_codes.is_none() => errors.push(missing("reason_codes")),
            _ => {}
        }
        if self.due_on.is_some() && action != ApplicationAction::RequestInfo {
            errors.push(FieldError::new("due_on", format!("does not apply to {action}")));
        }
        if self.reason_codes.is_some() && action != ApplicationAction::Refuse {
            errors.push(FieldError::new("reason_codes", format!("does not apply to {action}")));
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        Ok(ActionInput {
            comment: self.comment.map(|c| c.trim().to_owned()),
            message: self.message,
            due_on: self.due_on,
            reason_codes: self.reason_codes.unwrap_or_default(),
            firing: None,
        })
    }
}

/// Take a lifecycle action on an application.
///
/// | action | role | needs | what else happens |
/// |---|---|---|---|
/// | submit | employer | | R-ELIG-4, R-ELIG-3, R-APP-3, R-SAN-2 must pass (422 otherwise, nothing written);
/// medians in force are snapshotted |
/// | request-info | caseworker | message, due_on? | an information request; the SLA clock pauses |
/// | respond | employer | message | answers the open request |
/// | start-screening | caseworker | | |
/// | screen-in | caseworker | | each vacancy's recruitment period starts (28/42 days by policy) |
/// | screen-out | caseworker | comment | |
/// | complete-recruitment | caseworker | | the periods must have ended and every job seeker have an outcome
/// (422) |
/// | start-assessment | caseworker | | |
/// | recommend | caseworker | | every rule is evaluated and stored with the recommended outcome |
/// | start-consultation / close-consultation | caseworker | | a recommendation must exist |
/// | approve | approver (not the recommender) | | places per vacancy = min(unmet need, ratio);
/// PARTIALLY_APPROVED when fewer than asked; 422 when the rules allow none; one worker place per place, with
/// its AIP deadline |
/// | refuse | approver (not the recommender) | reason_codes | |
/// | revoke | approver | comment | places not yet filled by a worker in Hong Kong are revoked; none may be
/// refilled |
/// | terminate | approver | comment | |
/// | withdraw | employer | | |
///
/// No token needed.
#[utoipa::path(tag = "applications", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Application id"),
        ("action" = String, Path, description = "submit, request-info, respond, start-screening, screen-in, screen-out, complete-recruitment, start-assessment, recommend, start-consultation, close-consultation, approve, refuse, revoke, withdraw, terminate"),
        ("If-Match" = Option<String>, Header, description = "When sent, must be the current ETag"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response"),
    ),
    request_body(content = Option<ActionRequest>, description = "Optional for most actions; see the table",
        example = json!({"comment": "Submitted after review by our HR manager."})),
    responses(
        (status = 200, body = ApplicationResponse, headers(("ETag" = String))),
        (status = 400, description = "Invalid or missing field for this action", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Wrong role, the approver recommended this case, or an action only the service takes (close-no-response, activate, lapse, complete, approve-partially)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case (or not yours), or no such action", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the case's current status", body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A scheme rule is not met (rule_id names it), or the Idempotency-Key was reused", body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/applications/{id}/actions/{action}")]
pub async fn act_on_application(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    path: web::Path<(Uuid, String)>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let (id, action_name) = path.into_inner();
    let action = action_name
        .parse::<ApplicationAction>()
        .map_err(|_| ApiError::RouteNotFound)?;
    if !action.is_requestable() {
        return Err(ApiError::forbidden(format!(
            "`{action}` is taken by the service itself (a timer or a worker event), not by a person."
        )));
    }
    user.require(&[action.permitted_role()])?;
    let input = body.parse_or_default::<ActionRequest>()?.into_input(action)?;
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let id = ApplicationId(id);
    let reply = lifecycle::act(&pool, &cmd, id, action, input, |app| {
        ApplicationResponse::reply(app, user.role)
    })
    .await?;
    Ok(respond(reply))
}
