//! The rule results stored on a case, its decision record, and the employer's pre-submission check.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::visible_application;
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::db::casework::{self, DecisionRecord};
use crate::db::{DbPool, policy};
use crate::domain::rules::RuleResult;
use crate::domain::{ApplicationId, ApplicationStatus, Role};
use crate::error::{ApiError, Problem};
use crate::openapi::ReadOneErrors;
use crate::workflow::checks;

const CASE_READERS: [Role; 4] = [Role::Caseworker, Role::Approver, Role::Auditor, Role::Employer];

/// A stored evaluation of the rules.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionRecordResponse {
    pub id: Uuid,
    /// `SUBMISSION`, `RECRUITMENT`, `ASSESSMENT` (the recommendation) or `DECISION`.
    pub kind: String,
    /// The date the rules were evaluated as on.
    pub evaluated_on: NaiveDate,
    pub evaluated_by: String,
    /// `APPROVE`, `PARTIALLY_APPROVE` or `REFUSE`, for assessments and decisions.
    pub outcome: Option<String>,
    pub reason_codes: Vec<String>,
    /// Places per vacancy, for assessments and decisions.
    #[schema(value_type = Object)]
    pub places: serde_json::Value,
    /// Every rule evaluated: rule id and version, subject (vacancy), outcome, reason, inputs, output,
    /// the policy rows and the wage-table versions used.
    #[schema(value_type = Vec<Object>)]
    pub results: Vec<RuleResult>,
    pub recommended_by: Option<String>,
    pub decided_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<DecisionRecord> for DecisionRecordResponse {
    type Error = ApiError;
    fn try_from(r: DecisionRecord) -> Result<Self, ApiError> {
        Ok(Self {
            results: serde_json::from_value(r.results)?,
            id: r.id,
            kind: r.kind,
            evaluated_on: r.evaluated_on,
            evaluated_by: r.evaluated_by,
            outcome: r.outcome,
            reason_codes: r.reason_codes.into_iter().flatten().collect(),
            places: r.places,
            recommended_by: r.recommended_by,
            decided_by: r.decided_by,
            created_at: r.created_at,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChecksResponse {
    pub application_id: Uuid,
    /// The latest record of each kind, oldest kind first.
    pub records: Vec<DecisionRecordResponse>,
}

/// The latest result of every rule check on the case, with inputs and versions.
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
    let mut conn = pool.get().await?;
    visible_application(&mut conn, &user, id).await?;
    let all = casework::decision_records_of(&mut conn, id).await?;
    let mut latest: Vec<DecisionRecord> = Vec::new();
    for record in all {
        latest.retain(|r| r.kind != record.kind);
        latest.push(record);
    }
    let order = ["SUBMISSION", "RECRUITMENT", "ASSESSMENT", "DECISION"];
    latest.sort_by_key(|r| order.iter().position(|k| *k == r.kind));
    let records = latest
        .into_iter()
        .map(DecisionRecordResponse::try_from)
        .collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(ChecksResponse {
        application_id: id.0,
        records,
    }))
}

/// The decision record: outcome, places per vacancy, reason codes, every rule with its inputs and
/// versions, who recommended and who decided. 404 until the case is decided.
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
    let id = ApplicationId(id.into_inner());
    let mut conn = pool.get().await?;
    visible_application(&mut conn, &user, id).await?;
    let record = casework::decision_records_of(&mut conn, id)
        .await?
        .into_iter()
        .rfind(|r| r.kind == "DECISION")
        .ok_or(ApiError::NotFound("decision"))?;
    Ok(HttpResponse::Ok().json(DecisionRecordResponse::try_from(record)?))
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
    let today = clock.today();
    let mut conn = pool.get().await?;
    let mut app = visible_application(&mut conn, &user, id).await?;
    let policy = policy::load(&mut conn).await?;
    let mut results = checks::submission_checks(&mut conn, &policy, &app, today).await?;
    let would_pass_submission = checks::failures(&results).is_empty();
    if app.status == ApplicationStatus::Draft {
        // As if submitted today: snapshot the medians in memory only.
        for (vacancy, median) in checks::medians_on(&mut conn, &app, today).await? {
            if let Some(v) = app.vacancies.iter_mut().find(|v| v.id == vacancy) {
                v.progress.wage_table_id_at_submission = median.as_ref().map(|m| m.id);
                v.progress.median_at_submission_hkd = median.map(|m| m.median_monthly_wage_hkd);
            }
        }
        app.submitted_on = Some(today);
    }
    let (assessment, _, _) = checks::assessment(&mut conn, &policy, &app, today).await?;
    results.extend(assessment.into_iter().filter(|r| {
        r.rule_id == crate::domain::rules::wage::MEDIAN_WAGE || r.rule_id == crate::domain::rules::ratio::RATIO
    }));
    Ok(HttpResponse::Ok().json(PrecheckResponse {
        application_id: id.0,
        evaluated_on: today,
        would_pass_submission,
        results,
    }))
}
