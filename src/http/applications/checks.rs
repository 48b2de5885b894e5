//! The rule results stored on a case, its decision record, and the employer's pre-submission check.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::domain::casework::DecisionRecord;
use crate::domain::rules::RuleResult;
use crate::domain::rules::decision::VacancyPlaces;
use crate::domain::{ApplicationId, Role};
use crate::error::{ApiError, Problem};
use crate::http::CASE_READERS;
use crate::openapi::ReadOneErrors;
use crate::workflow::{DbPool, applications};

/// A stored evaluation of the rules.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionRecordResponse {
    pub id: Uuid,
    /// `SUBMISSION`, `RECRUITMENT`, `ASSESSMENT` (the recommendation) or `DECISION`.
    #[schema(schema_with = crate::openapi::enums::record_kind)]
    pub kind: crate::domain::casework::RecordKind,
    /// The date the rules were evaluated as on.
    pub evaluated_on: NaiveDate,
    pub evaluated_by: String,
    /// `APPROVE`, `PARTIALLY_APPROVE` or `REFUSE`, for assessments and decisions.
    #[schema(schema_with = crate::openapi::enums::decision_outcome_or_null)]
    pub outcome: Option<crate::domain::rules::decision::DecisionOutcome>,
    #[schema(schema_with = crate::openapi::enums::reason_codes)]
    pub reason_codes: Vec<crate::domain::rules::decision::ReasonCode>,
    /// Places per vacancy, for assessments and decisions.
    #[schema(value_type = Option<Vec<Object>>)]
    pub places: Option<Vec<VacancyPlaces>>,
    /// Every rule evaluated: rule id and version, subject (vacancy), outcome, reason, inputs, output,
    /// the policy rows and the wage-table versions used.
    #[schema(value_type = Vec<Object>)]
    pub results: Vec<RuleResult>,
    pub recommended_by: Option<String>,
    pub decided_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<DecisionRecord> for DecisionRecordResponse {
    fn from(r: DecisionRecord) -> Self {
        Self {
            id: r.id,
            kind: r.kind,
            evaluated_on: r.evaluated_on,
            evaluated_by: r.evaluated_by,
            outcome: r.outcome,
            reason_codes: r.reason_codes,
            places: r.places,
            results: r.results,
            recommended_by: r.recommended_by,
            decided_by: r.decided_by,
            created_at: r.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChecksResponse {
    pub application_id: Uuid,
    /// The latest record of each kind, oldest kind first.
    pub records: Vec<DecisionRecordResponse>,
}

/// The latest result of every rule check on the case, with inputs and versions.
///
/// One entry per rule (eligibility, recruitment, wage, ratio, …): its result, the inputs it read, the policy
/// rows and the wage-table version it used, and when it ran. Re-running a rule on its stored inputs gives
/// the same result.
///
/// Who may call it: caseworkers, approvers and auditors; an employer user for its own records only (another
/// employer's are 404, as if they did not exist).
#[utoipa::path(tag = "decisions", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Application id")), responses(
    (status = 200, body = ChecksResponse),
    ReadOneErrors,
))]
#[get("/applications/{id}/checks")]
pub async fn get_application_checks(
    user: AuthUser,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(&CASE_READERS)?;
    let id = ApplicationId(id.into_inner());
    let records = applications::checks(&pool, user.viewer(), id).await?;
    Ok(HttpResponse::Ok().json(ChecksResponse {
        application_id: id.0,
        records: records.into_iter().map(Into::into).collect(),
    }))
}

/// The decision record.
///
/// outcome, places per vacancy, reason codes, every rule with its inputs and versions, who recommended and
/// who decided. 404 until the case is decided.
///
/// Who may call it: caseworkers, approvers and auditors; an employer user for its own records only (another
/// employer's are 404, as if they did not exist).
#[utoipa::path(tag = "decisions", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Application id")), responses(
    (status = 200, body = DecisionRecordResponse),
    (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such case, or not decided yet", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[get("/applications/{id}/decision")]
pub async fn get_application_decision(
    user: AuthUser,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(&CASE_READERS)?;
    let record = applications::decision(&pool, user.viewer(), ApplicationId(id.into_inner())).await?;
    Ok(HttpResponse::Ok().json(DecisionRecordResponse::from(record)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PrecheckResponse {
    pub application_id: Uuid,
    /// The date the checks were run as on (today).
    pub evaluated_on: NaiveDate,
    /// True when submitting today would pass every submission rule.
    pub would_pass_submission: bool,
    /// Submission rules, the median wage and the ratio (against the latest headcount return), as
    /// they stand today. Nothing is stored.
    #[schema(value_type = Vec<Object>)]
    pub results: Vec<RuleResult>,
}

/// Run every check on a case without changing it: the employer's wage and quota calculator.
///
/// Runs every submission and decision check on the case as it stands (a draft included) and returns what
/// each rule would say today. Nothing is stored and nothing is audited.
///
/// Who may call it: the employer (its own case only; another employer's is 404), caseworkers and approvers.
#[utoipa::path(tag = "decisions", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Application id")), responses(
    (status = 200, body = PrecheckResponse),
    (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A policy value is missing for today", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[post("/applications/{id}/precheck")]
pub async fn precheck_application(
    user: AuthUser,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Employer, Role::Caseworker, Role::Approver])?;
    let id = ApplicationId(id.into_inner());
    let checked = applications::precheck(&pool, user.viewer(), id, clock.today()).await?;
    Ok(HttpResponse::Ok().json(PrecheckResponse {
        application_id: id.0,
        evaluated_on: checked.evaluated_on,
        would_pass_submission: checked.would_pass_submission,
        results: checked.results,
    }))
}
