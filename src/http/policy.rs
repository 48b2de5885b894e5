//! Effective-dated policy: read by anyone signed in, added to (never edited) by administrators.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{JsonBody, QueryParams, actor};
use super::idempotency::{self, Idempotency, WriteResponse};
use super::validate;
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::db::DbPool;
use crate::db::audit::{self, Entity, NewAuditEvent};
use crate::db::policy::{self, NewPolicyRow, PolicyRow};
use crate::domain::Role;
use crate::domain::policy::{PolicySet, PolicyValue};
use crate::error::{ApiError, Problem};

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
    #[schema(value_type = Object, example = 42)]
    pub value: Value,
    pub effective_from: NaiveDate,
    /// Exclusive end, when the value was published with one.
    pub effective_to: Option<NaiveDate>,
    /// `firm`, `likely` or `assumption` (domain.md's tags).
    pub confidence: String,
    pub source_note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<PolicyRow> for PolicyValueResponse {
    fn from(r: PolicyRow) -> Self {
        Self {
            id: r.id,
            version: r.version,
            key: r.key,
            scope: r.scope,
            value: r.value,
            effective_from: r.effective_from,
            effective_to: r.effective_to,
            confidence: r.confidence,
            source_note: r.source_note,
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
#[serde(deny_unknown_fields)]
pub struct PolicyQuery {
    /// The values in force on this date (default: today in Hong Kong).
    pub on: Option<NaiveDate>,
    /// Only this key.
    pub key: Option<String>,
    /// Every version ever published instead of those in force (for audit).
    pub all: Option<bool>,
}

/// The policy values in force on a date, one per key and scope (or every version with `all=true`).
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
    let mut conn = pool.get().await?;
    let rows = policy::all(&mut conn).await?;
    let wanted = |row: &PolicyRow| query.key.as_ref().is_none_or(|k| k == &row.key);
    if query.all == Some(true) {
        let values = rows.into_iter().filter(wanted).map(Into::into).collect();
        return Ok(HttpResponse::Ok().json(PolicyResponse { on: None, values }));
    }
    let on = query.on.unwrap_or_else(|| clock.today());
    let set = PolicySet::new(rows.iter().map(PolicyValue::from).collect());
    // In (key, scope) order, as `in_force` lists them.
    let values = set
        .in_force(on)
        .into_iter()
        .filter_map(|v| rows.iter().find(|r| r.id == v.id))
        .filter(|r| wanted(r))
        .cloned()
        .map(Into::into)
        .collect();
    Ok(HttpResponse::Ok().json(PolicyResponse { on: Some(on), values }))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePolicyValueRequest {
    /// An existing policy key (new keys come with the code that reads them).
    #[schema(example = "recruitment_days")]
    pub key: String,
    /// A designated category code, or absent for every post.
    #[schema(example = "WAITER")]
    #[validate(custom(function = "validate::code"))]
    pub scope: Option<String>,
    /// Of the same JSON type as the key's existing values.
    #[schema(value_type = Object, example = 42)]
    pub value: Value,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    /// `firm`, `likely` or `assumption`.
    #[schema(example = "firm")]
    pub confidence: Confidence,
    #[schema(example = "LD press release of 2026-06-30")]
    #[validate(length(min = 1, max = 1000), custom(function = "validate::not_blank"))]
    pub source_note: String,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Firm,
    Likely,
    Assumption,
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Add a new effective-dated value for a policy key. History is never edited: the new row takes
/// effect from its date, and the old one stays on record.
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
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Admin])?;
    let request = body.parse::<CreatePolicyValueRequest>()?;
    if request.effective_to.is_some_and(|to| to <= request.effective_from) {
        return Err(ApiError::field("effective_to", "must be after effective_from"));
    }
    let actor = actor(&user, &req);
    let idempotency = Idempotency::from_request(&req, &user, body.bytes())?;
    let mut conn = pool.get().await?;
    let response = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            if let Some(previous) = idempotency::replay(idempotency.as_ref(), conn).await? {
                return Ok(previous);
            }
            let existing = policy::all(conn).await?;
            let Some(latest) = existing.iter().rev().find(|r| r.key == request.key) else {
                return Err(ApiError::field("key", "is not a policy key this service knows"));
            };
            if json_type(&latest.value) != json_type(&request.value) {
                return Err(ApiError::field(
                    "value",
                    format!("must be a {} like the key's other values", json_type(&latest.value)),
                ));
            }
            let confidence = serde_json::to_value(request.confidence)?;
            let row = policy::insert(
                conn,
                &NewPolicyRow {
                    id: Uuid::new_v4(),
                    key: &request.key,
                    scope: request.scope.as_deref(),
                    value: &request.value,
                    effective_from: request.effective_from,
                    effective_to: request.effective_to,
                    confidence: confidence.as_str().unwrap_or("firm"),
                    source_note: request.source_note.trim(),
                    created_by: &actor.sub,
                },
            )
            .await?;
            let body = PolicyValueResponse::from(row);
            audit::append(
                conn,
                NewAuditEvent::created(&actor, Entity::Policy(body.id), "policy.value_added", &body)?,
            )
            .await?;
            let response = WriteResponse::new(StatusCode::CREATED, &body)?;
            idempotency::remember(idempotency.as_ref(), conn, &response).await?;
            Ok(response)
        })
        .await?;
    Ok(response.into_response())
}
