//! The one error type of the API and its RFC 9457 `application/problem+json` rendering.
//!
//! This is the only place that picks HTTP statuses. Every problem has a stable `type` URI (documented in
//! `docs/errors.md`); clients branch on it, never on `title` or `detail`. Internal causes are logged here,
//! once, and never sent to the client.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::TransitionError;
use crate::workflow::WorkflowError;

pub const PROBLEM_JSON: &str = "application/problem+json";

pub use crate::workflow::FieldError;

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// Stable identifier of the kind of problem.
    #[serde(rename = "type")]
    #[schema(example = "urn:sls-case:problem:validation-error")]
    pub problem_type: String,
    #[schema(example = "Your request is not valid")]
    pub title: String,
    #[schema(example = 400)]
    pub status: u16,
    #[schema(example = "1 field is not valid")]
    pub detail: String,
    /// For validation problems: every failing field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For rule violations: the id of the rule that was broken (e.g. `R-APP-3`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
}

/// Every kind of error the API can return.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Well-formed request whose fields fail validation (400, each field listed).
    #[error("validation failed for {} field(s)", .0.len())]
    Validation(Vec<FieldError>),
    /// The body could not be read as JSON at all (400).
    #[error("malformed request body: {0}")]
    MalformedBody(String),
    /// No bearer token, or one that is invalid or expired (401).
    #[error("authentication required")]
    Unauthenticated,
    /// Authenticated, but this role may not do this (403).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The resource does not exist, or is not the caller's to see (404).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// No such route (404).
    #[error("no such route")]
    RouteNotFound,
    /// The path exists but does not answer this method (405, with `Allow`).
    #[error("method not allowed; allowed: {allow}")]
    MethodNotAllowed { allow: String },
    /// The request conflicts with existing data, e.g. a duplicate business registration number (409).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The lifecycle refused the action (403 for the wrong role, 409 for the wrong status).
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The database aborted a concurrent transaction; retrying may succeed (409).
    #[error("concurrent update, retry")]
    ConcurrentUpdate,
    /// `If-Match` does not name the current version (412).
    #[error("stale If-Match: the resource has changed")]
    PreconditionFailed { current_etag: String },
    /// An update was sent without `If-Match` (428).
    #[error("If-Match is required")]
    PreconditionRequired,
    /// The body is larger than the configured limit (413).
    #[error("payload larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// `Accept` names no media type this operation produces (406).
    #[error("not acceptable; offered: {offered}")]
    NotAcceptable { offered: String },
    /// The body is not in a media type this endpoint accepts (415).
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// A document whose declared media type is not taken, or is not what its content is (415).
    #[error("unsupported document content: {0}")]
    UnsupportedContent(String),
    /// An `Idempotency-Key` already used for a different request (422).
    #[error("idempotency key reused for a different request")]
    IdempotencyKeyReused,
    /// Well-formed but breaks a scheme rule (422).
    #[error("rule {rule_id} violated: {reason}")]
    RuleViolation { rule_id: String, reason: String },
    /// The database is unreachable or the pool is exhausted (503).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else (500): logged with its cause, answered with a fixed body.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::Forbidden(detail.into())
    }

    pub fn field(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, reason)])
    }

    /// The stable slug of this kind of problem; the `type` is `urn:sls-case:problem:<slug>`.
    pub fn slug(&self) -> &'static str {
        match self {
            Self::Validation(_) => "validation-error",
            Self::MalformedBody(_) => "malformed-body",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not-found",
            Self::RouteNotFound => "route-not-found",
            Self::MethodNotAllowed { .. } => "method-not-allowed",
            Self::Conflict(_) => "conflict",
            Self::Transition(TransitionError::RoleNotPermitted { .. }) => "action-forbidden",
            Self::Transition(TransitionError::NotAllowedFromStatus { .. }) => "action-not-allowed",
            Self::ConcurrentUpdate => "concurrent-update",
            Self::PreconditionFailed { .. } => "precondition-failed",
            Self::PreconditionRequired => "precondition-required",
            Self::PayloadTooLarge { .. } => "payload-too-large",
            Self::NotAcceptable { .. } => "not-acceptable",
            Self::UnsupportedMediaType | Self::UnsupportedContent(_) => "unsupported-media-type",
            Self::IdempotencyKeyReused => "idempotency-key-reused",
            Self::RuleViolation { .. } => "rule-violation",
            Self::Unavailable(_) => "service-unavailable",
            Self::Internal(_) => "internal-error",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::Validation(_) => "Your request is not valid",
            Self::MalformedBody(_) => "Your request body is not valid JSON",
            Self::Unauthenticated => "Authentication required",
            Self::Forbidden(_) => "You may not do this",
            Self::NotFound(_) => "Not found",
            Self::RouteNotFound => "No such route",
            Self::MethodNotAllowed { .. } => "Method not allowed",
            Self::Conflict(_) => "Conflict with existing data",
            Self::Transition(TransitionError::RoleNotPermitted { .. }) => "Your role may not take this action",
            Self::Transition(TransitionError::NotAllowedFromStatus { .. }) => {
                "This action is not allowed in the application's current status"
            }
            Self::ConcurrentUpdate => "Concurrent update; please retry",
            Self::PreconditionFailed { .. } => "The resource has changed since you read it",
            Self::PreconditionRequired => "If-Match is required",
            Self::PayloadTooLarge { .. } => "Request body too large",
            Self::NotAcceptable { .. } => "None of the accepted media types can be produced",
            Self::UnsupportedMediaType | Self::UnsupportedContent(_) => "Unsupported media type",
            Self::IdempotencyKeyReused => "Idempotency-Key already used for another request",
            Self::RuleViolation { .. } => "A scheme rule is not met",
            Self::Unavailable(_) => "Service temporarily unavailable",
            Self::Internal(_) => "Internal server error",
        }
    }

    /// What the client is told; internal causes (database, pool, anyhow) never leave the service.
    fn detail(&self) -> String {
        match self {
            Self::Validation(errors) => match errors.len() {
                1 => format!("`{}` {}", errors[0].field, errors[0].reason),
                n => format!("{n} fields are not valid"),
            },
            Self::MalformedBody(detail) => detail.clone(),
            Self::Unauthenticated => "Send a valid, unexpired bearer token in the Authorization header.".into(),
            Self::Forbidden(detail) | Self::Conflict(detail) => detail.clone(),
            Self::NotFound(what) => format!("No {what} with that id exists, or it is not yours to see."),
            Self::RouteNotFound => "No endpoint matches this method and path; see /openapi.json.".into(),
            Self::Transition(err) => format!("{err}."),
            Self::ConcurrentUpdate => "Another change was committed at the same time; send the request again.".into(),
            Self::MethodNotAllowed { allow } => format!("This path answers {allow}; see /openapi.json."),
            Self::PreconditionFailed { current_etag } => {
                format!("If-Match does not match the current version {current_etag}; fetch it and retry.")
            }
            Self::PreconditionRequired => {
                "Send If-Match with the ETag you last read, so concurrent edits cannot be lost.".into()
            }
            Self::PayloadTooLarge { limit } => format!("The request body must be at most {limit} bytes."),
            Self::NotAcceptable { offered } => {
                format!("This operation answers in {offered}; send an Accept header naming one of them.")
            }
            Self::UnsupportedMediaType => "Send the body as application/json.".into(),
            Self::UnsupportedContent(detail) => detail.clone(),
            Self::IdempotencyKeyReused => {
                "This Idempotency-Key was first used with a different method, path or body; use a new key.".into()
            }
            Self::RuleViolation { reason, .. } => reason.clone(),
            Self::Unavailable(_) => "The database is not reachable right now; retry shortly.".into(),
            Self::Internal(_) => "Something went wrong on our side. It has been logged.".into(),
        }
    }

    pub fn to_problem(&self) -> Problem {
        Problem {
            problem_type: problem_type_uri(self.slug()),
            title: self.title().to_owned(),
            status: self.status_code().as_u16(),
            detail: self.detail(),
            errors: match self {
                Self::Validation(errors) => errors.clone(),
                _ => Vec::new(),
            },
            rule_id: match self {
                Self::RuleViolation { rule_id, .. } => Some(rule_id.clone()),
                _ => None,
            },
        }
    }
}

pub fn problem_type_uri(slug: &str) -> String {
    format!("urn:sls-case:problem:{slug}")
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Validation(_) | Self::MalformedBody(_) => StatusCode::BAD_REQUEST,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::Transition(TransitionError::RoleNotPermitted { .. }) => StatusCode::FORBIDDEN,
            Self::NotFound(_) | Self::RouteNotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_)
            | Self::ConcurrentUpdate
            | Self::Transition(TransitionError::NotAllowedFromStatus { .. }) => StatusCode::CONFLICT,
            Self::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            Self::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotAcceptable { .. } => StatusCode::NOT_ACCEPTABLE,
            Self::UnsupportedMediaType | Self::UnsupportedContent(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RuleViolation { .. } | Self::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        // Log once, here, where the error is turned into a response.
        match self {
            Self::Internal(err) => tracing::error!(error = %ErrorChain(err.as_ref()), "request failed"),
            Self::Unavailable(cause) => tracing::warn!(%cause, "database unavailable"),
            other => tracing::debug!(problem = other.slug(), "request refused"),
        }
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        match self {
            Self::Unauthenticated => {
                response.insert_header((header::WWW_AUTHENTICATE, r#"Bearer realm="sls-case""#));
            }
            Self::Unavailable(_) | Self::ConcurrentUpdate => {
                response.insert_header((header::RETRY_AFTER, "1"));
            }
            Self::MethodNotAllowed { allow } => {
                if let Ok(value) = HeaderValue::from_str(allow) {
                    response.insert_header((header::ALLOW, value));
                }
            }
            Self::PreconditionFailed { current_etag } => {
                if let Ok(value) = HeaderValue::from_str(current_etag) {
                    response.insert_header((header::ETAG, value));
                }
            }
            _ => {}
        }
        response.body(serde_json::to_vec(&self.to_problem()).unwrap_or_default())
    }
}

/// Formats an error with every cause in its chain, for the one log line an internal error gets.
struct ErrorChain<'a>(&'a (dyn std::error::Error + 'static));

impl fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

impl From<WorkflowError> for ApiError {
    fn from(err: WorkflowError) -> Self {
        match err {
            WorkflowError::Invalid(errors) => Self::Validation(errors),
            WorkflowError::NotFound(what) => Self::NotFound(what),
            WorkflowError::Forbidden(detail) => Self::Forbidden(detail),
            WorkflowError::Conflict(detail) => Self::Conflict(detail),
            WorkflowError::AlreadyDone(what) => Self::Conflict(format!("Already done: {what}.")),
            WorkflowError::Transition(err) => Self::Transition(err),
            WorkflowError::RuleViolation { rule_id, reason } => Self::RuleViolation { rule_id, reason },
            WorkflowError::IdempotencyKeyReused => Self::IdempotencyKeyReused,
            WorkflowError::IdempotencyKeyInProgress => Self::Conflict(
                "A request with this Idempotency-Key is already in progress; retry shortly to get its response.".into(),
            ),
            WorkflowError::PreconditionFailed { current_version } => Self::PreconditionFailed {
                current_etag: crate::http::extract::etag(current_version),
            },
            WorkflowError::PreconditionRequired => Self::PreconditionRequired,
            WorkflowError::ConcurrentUpdate => Self::ConcurrentUpdate,
            WorkflowError::Unavailable(cause) => Self::Unavailable(cause),
            WorkflowError::TooLarge { limit } => Self::PayloadTooLarge { limit },
            WorkflowError::UnsupportedContent(detail) => Self::UnsupportedContent(detail),
            WorkflowError::Internal(err) => Self::Internal(err),
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> Self {
        WorkflowError::from(err).into()
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(err: serde_json::Error) -> Self {
        Self::Internal(anyhow::Error::new(err))
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for ApiError {
    fn from(err: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        Self::Unavailable(err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ApplicationAction, ApplicationStatus, Role};

    #[test]
    fn validation_problem_lists_every_field_with_status_400() {
        let err = ApiError::Validation(vec![
            FieldError::new("a", "is required"),
            FieldError::new("b", "must be at least 1"),
        ]);
        let problem = err.to_problem();
        assert_eq!(problem.status, 400);
        assert_eq!(problem.problem_type, "urn:sls-case:problem:validation-error");
        assert_eq!(problem.errors.len(), 2);
        assert_eq!(problem.detail, "2 fields are not valid");
    }

    #[test]
    fn transition_errors_split_into_403_for_role_and_409_for_status() {
        let role = ApiError::from(TransitionError::RoleNotPermitted {
            role: Role::Auditor,
            action: ApplicationAction::Submit,
        });
        let status = ApiError::from(TransitionError::NotAllowedFromStatus {
            from: ApplicationStatus::Withdrawn,
            action: ApplicationAction::Submit,
        });
        assert_eq!(role.status_code(), StatusCode::FORBIDDEN);
        assert_eq!(status.status_code(), StatusCode::CONFLICT);
        assert_ne!(role.slug(), status.slug());
    }

    #[test]
    fn internal_errors_never_reveal_their_cause() {
        let err = ApiError::Internal(anyhow::anyhow!("password=hunter2 connection refused"));
        let problem = err.to_problem();
        assert_eq!(problem.status, 500);
        assert!(!problem.detail.contains("hunter2"));
    }

    #[test]
    fn diesel_not_found_and_serialization_failure_map_to_404_and_409() {
        assert_eq!(
            ApiError::from(diesel::result::Error::NotFound).status_code(),
            StatusCode::NOT_FOUND
        );
        let serialization = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::SerializationFailure,
            Box::new(String::from("could not serialize access")),
        );
        assert_eq!(ApiError::from(serialization).status_code(), StatusCode::CONFLICT);
    }
}
