//! Effective-dated policy: read by anyone signed in, added to (never edited) by administrators.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{JsonBody, QueryParams};
use super::validate;
use super::write::{command, created, respond};
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::domain::Role;
use crate::domain::policy::{Confidence, NewPolicyValue, PolicyRecord};
use crate::error::{ApiError, FieldError, Problem};
use crate::workflow::{DbPool, reference};

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyValueResponse {
    pub id: Uuid,
    /// Publication order: a later version of the same key, scope and date supersedes an earlier one.
    pub version: i64,
    #[schema(example = "recruitment_days")]
    pub key: String,
    /// The designated category it applies to; absent for every post.
    #[schema(example = "WAITER")]
    pub scope: Option<String>,
    #[schema(value_type = serde_json::Value, example = 42)]
    pub value: Value,
    pub effective_from: NaiveDate,
    /// Exclusive end, when the value was published with one.
    pub effective_to: Option<NaiveDate>,
    /// `firm`, `likely` or `assumption` (domain.md's tags).
    #[schema(schema_with = crate::openapi::enums::confidence)]
    pub confidence: Confidence,
    pub source_note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<PolicyRecord> for PolicyValueResponse {
    fn from(r: PolicyRecord) -> Self {
        let v = r.value;
        Self {
            id: v.id,
            version: v.version,
            key: v.key,
            scope: v.scope,
            value: v.value,
            effective_from: v.effective_from,
            effective_to: v.effective_to,
            confidence: r.confidence,
            source_note: v.source_note,
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyResponse {
    /// The date asked about; absent when every version was asked for.
    pub on: Option<NaiveDate>,
    pub values: Vec<PolicyValueResponse>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PolicyQuery {
    /// The values in force on this date (default: today in Hong Kong).
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[param(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub on: Option<NaiveDate>,
    /// Only this key.
    pub key: Option<String>,
    /// Every version ever published instead of those in force (for audit).
    pub all: Option<bool>,
}

/// The policy values in force on a date, one per key and scope (or every version with `all=true`).
///
/// Every rule value (ratios, periods, deadlines, caps) with the date it takes effect from, its scope, its
/// confidence and its source. `on` picks the date; `key` filters; `all=true` lists every version.
///
/// Who may call it: any signed-in user.
#[utoipa::path(tag = "policy", security(("bearer" = [])), params(PolicyQuery), responses(
    (status = 200, body = PolicyResponse),
    (status = 400, description = "Invalid query parameter", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[get("/policy")]
pub async fn get_policy(
    user: AuthUser,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    query: QueryParams<PolicyQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(&Role::TOKEN_ROLES)?;
    let query = query.0;
    let (on, records) = if query.all == Some(true) {
        (None, reference::policy_history(&pool, query.key.as_deref()).await?)
    } else {
        let on = query.on.unwrap_or_else(|| clock.today());
        (
            Some(on),
            reference::policy_in_force(&pool, on, query.key.as_deref()).await?,
        )
    };
    let values = records.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(PolicyResponse { on, values }))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"key": "rfi_due_days", "value": 14, "effective_from": "2027-01-01", "confidence": "firm", "source_note": "LD circular 2026/11"})))]
#[serde(deny_unknown_fields)]
pub struct CreatePolicyValueRequest {
    /// An existing policy key (new keys come with the code that reads them).
    #[schema(example = "recruitment_days")]
    pub key: String,
    /// A designated category code, or absent for every post.
    #[schema(example = "WAITER")]
    #[validate(custom(function = "validate::code"))]
    #[schema(pattern = "^[A-Z][A-Z0-9_]*$", max_length = 50)]
    pub scope: Option<String>,
    /// Of the same JSON type as the key's existing values.
    #[schema(value_type = serde_json::Value, example = 42)]
    pub value: Value,
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub effective_from: NaiveDate,
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub effective_to: Option<NaiveDate>,
    /// `firm`, `likely` or `assumption`.
    #[schema(schema_with = crate::openapi::enums::confidence)]
    pub confidence: Confidence,
    #[schema(example = "LD press release of 2026-06-30")]
    #[validate(length(min = 1, max = 1000), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 1000, pattern = "\\S")]
    pub source_note: String,
}

/// Add a new effective-dated value for a policy key.
///
/// History is never edited: the new row takes effect from its date, and the old one stays on record.
///
/// Who may call it: administrators.
#[utoipa::path(tag = "policy", security(("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")), request_body = CreatePolicyValueRequest, responses(
    (status = 201, body = PolicyValueResponse),
    (status = 400, description = "Unknown key, wrong value type or invalid field", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Administrators only", body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Idempotency-Key reused for a different request", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[post("/policy")]
pub async fn create_policy_value(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Admin])?;
    let request = body.parse_checked::<CreatePolicyValueRequest>(|r, errors| {
        if r.effective_to.is_some_and(|to| to <= r.effective_from) {
            errors.push(FieldError::new("effective_to", "must be after effective_from"));
        }
    })?;
    let new = NewPolicyValue {
        key: request.key,
        scope: request.scope,
        value: request.value,
        effective_from: request.effective_from,
        effective_to: request.effective_to,
        confidence: request.confidence,
        source_note: request.source_note.trim().to_owned(),
    };
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let reply =
        reference::add_policy_value(&pool, &cmd, new, |r| created(&PolicyValueResponse::from(r.clone()))).await?;
    Ok(respond(reply))
}
