use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::{Days, NaiveDate};
use diesel_async::AsyncConnection;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::ApplicationResponse;
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::db::applications::{RecruitmentPeriod, VacancyDecision};
use crate::db::audit::{self, Actor, NewAuditEvent};
use crate::db::casework::{self, DecisionRecord, InfoRequest};
use crate::db::{Conn, DbPool, applications, policy};
use crate::domain::application::Application;
use crate::domain::policy::keys;
use crate::domain::rules::decision::{Decision, DecisionOutcome, ReasonCode};
use crate::domain::rules::{RuleResult, recruitment};
use crate::domain::{ApplicationAction, ApplicationId, ApplicationStatus, transition};
use crate::error::{ApiError, FieldError, Problem};
use crate::http::employers::not_found;
use crate::http::extract::{IfMatch, JsonBody, actor, etag};
use crate::http::idempotency::{self, Idempotency, WriteResponse};
use crate::http::validate;
use crate::workflow::{checks, places};

/// What an action may carry. Which fields an action needs is listed per action below.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// A note for the history. Required as the reason for `screen-out` and `terminate`.
    #[schema(example = "Submitted after review by our HR manager.")]
    #[validate(length(min = 1, max = 2000), custom(function = "validate::not_blank"))]
    pub comment: Option<String>,
    /// `request-info`: what is needed; `respond`: the answer. Required for both.
    #[validate(length(min = 1, max = 5000), custom(function = "validate::not_blank"))]
    pub message: Option<String>,
    /// `request-info`: when the answer is due (default: policy `rfi_due_days` from today).
    pub due_on: Option<NaiveDate>,
    /// `refuse`: the reasons (R-DEC-1). Required for `refuse`.
    #[schema(value_type = Option<Vec<String>>, example = json!(["WAGE_BELOW_MEDIAN"]))]
    #[validate(length(min = 1, max = 6))]
    pub reason_codes: Option<Vec<ReasonCode>>,
}

/// The actions clients may take; the rest belong to the service's own timers.
pub const HTTP_ACTIONS: [ApplicationAction; 16] = [
    ApplicationAction::Submit,
    ApplicationAction::RequestInfo,
    ApplicationAction::Respond,
    ApplicationAction::StartScreening,
    ApplicationAction::ScreenIn,
    ApplicationAction::ScreenOut,
    ApplicationAction::CompleteRecruitment,
    ApplicationAction::StartAssessment,
    ApplicationAction::Recommend,
    ApplicationAction::StartConsultation,
    ApplicationAction::CloseConsultation,
    ApplicationAction::Approve,
    ApplicationAction::Refuse,
    ApplicationAction::Revoke,
    ApplicationAction::Withdraw,
    ApplicationAction::Terminate,
];

fn required_fields(action: ApplicationAction, body: &ActionRequest) -> Result<(), ApiError> {
    let missing = |field: &str| FieldError::new(field, format!("is required to {action}"));
    let mut errors = Vec::new();
    match action {
        ApplicationAction::RequestInfo | ApplicationAction::Respond if body.message.is_none() => {
            errors.push(missing("message"))
        }
        ApplicationAction::ScreenOut | ApplicationAction::Terminate | ApplicationAction::Revoke
            if body.comment.is_none() =>
        {
            errors.push(missing("comment"))
        }
        ApplicationAction::Refuse if body.reason_codes.is_none() => errors.push(missing("reason_codes")),
        _ => {}
    }
    if body.due_on.is_some() && action != ApplicationAction::RequestInfo {
        errors.push(FieldError::new("due_on", format!("does not apply to {action}")));
    }
    if body.reason_codes.is_some() && action != ApplicationAction::Refuse {
        errors.push(FieldError::new("reason_codes", format!("does not apply to {action}")));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Take a lifecycle action on an application.
///
/// | action | role | needs | what else happens |
/// |---|---|---|---|
/// | submit | employer | | R-ELIG-4, R-ELIG-3, R-APP-3, R-SAN-2 must pass (422 otherwise, nothing written); medians in force are snapshotted |
/// | request-info | caseworker | message, due_on? | an information request; the SLA clock pauses |
/// | respond | employer | message | answers the open request |
/// | start-screening | caseworker | | |
/// | screen-in | caseworker | | each vacancy's recruitment period starts (28/42 days by policy) |
/// | screen-out | caseworker | comment | |
/// | complete-recruitment | caseworker | | the periods must have ended and every job seeker have an outcome (422) |
/// | start-assessment | caseworker | | |
/// | recommend | caseworker | | every rule is evaluated and stored with the recommended outcome |
/// | start-consultation / close-consultation | caseworker | | a recommendation must exist |
/// | approve | approver (not the recommender) | | places per vacancy = min(unmet need, ratio); PARTIALLY_APPROVED when fewer than asked; 422 when the rules allow none; one worker place per place, with its AIP deadline |
/// | refuse | approver (not the recommender) | reason_codes | |
/// | revoke | approver | comment | places not yet filled by a worker in Hong Kong are revoked; none may be refilled |
/// | terminate | approver | comment | |
/// | withdraw | employer | | |
#[utoipa::path(tag = "applications", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Application id"),
        ("action" = String, Path, description = "submit, request-info, respond, start-screening, screen-in, screen-out, complete-recruitment, start-assessment, recommend, start-consultation, close-consultation, approve, refuse, revoke, withdraw, terminate"),
        ("If-Match" = Option<String>, Header, description = "When sent, must be the current ETag"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response"),
    ),
    request_body(content = Option<ActionRequest>, description = "Optional for most actions; see the table"),
    responses(
        (status = 200, body = ApplicationResponse, headers(("ETag" = String))),
        (status = 400, description = "Invalid or missing field for this action", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Wrong role, or the approver recommended this case", body = Problem, content_type = "application/problem+json"),
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
        .ok()
        .filter(|a| HTTP_ACTIONS.contains(a))
        .ok_or(ApiError::RouteNotFound)?;
    user.require(&[action.permitted_role()])?;
    let request = body.parse_or_default::<ActionRequest>()?;
    required_fields(action, &request)?;
    let if_match = IfMatch::from_request(&req)?;
    let idempotency = Idempotency::from_request(&req, &user, body.bytes())?;
    let id = ApplicationId(id);
    let scope = user.employer_scope();
    let actor = actor(&user, &req);
    let role = user.role;
    let today = clock.today();
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
            // Role and status first; the action's own checks come after.
            let mut to = transition(before.status, action, actor.role)?;
            let comment = request.comment.clone().map(|c| c.trim().to_owned());
            let effects = side_effects(conn, &before, action, &request, &actor, today).await?;
            if let Some(decided) = effects.status {
                to = decided;
            }
            let after = applications::set_status(conn, id, to, action == ApplicationAction::Submit, today).await?;
            audit::append(
                conn,
                NewAuditEvent::application_change(
                    &actor,
                    &format!("application.{}", action.as_str().replace('-', "_")),
                    Some(&before),
                    &after,
                    comment,
                )?
                .with_decision_record(effects.record),
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

/// What an action's side effects decided.
#[derive(Default)]
struct Effects {
    /// A different target status, when the action's outcome decides it (approve → partially approved).
    status: Option<ApplicationStatus>,
    /// The decision record the action stored, for the audit event to reference.
    record: Option<Uuid>,
}

/// What an action does besides changing the status.
async fn side_effects(
    conn: &mut Conn,
    app: &Application,
    action: ApplicationAction,
    request: &ActionRequest,
    actor: &Actor,
    today: NaiveDate,
) -> Result<Effects, ApiError> {
    use ApplicationAction as A;
    match action {
        A::Submit => {
            let policy = policy::load(conn).await?;
            let results = checks::submission_checks(conn, &policy, app, today).await?;
            let failed = checks::failures(&results);
            if !failed.is_empty() {
                return Err(checks::violation(&failed));
            }
            let medians = checks::medians_on(conn, app, today).await?;
            let snapshot: Vec<_> = medians
                .iter()
                .map(|(v, m)| (*v, m.as_ref().map(|m| (m.id, m.median_monthly_wage_hkd))))
                .collect();
            applications::record_submission(conn, app.id, today, &snapshot).await?;
            let e = Evaluation {
                kind: "SUBMISSION",
                on: today,
                results: &results,
                decision: None,
                recommended_by: None,
            };
            return Ok(Effects {
                status: None,
                record: Some(store_record(conn, app, actor, e).await?),
            });
        }
        A::RequestInfo => {
            let policy = policy::load(conn).await?;
            let days = policy.get::<u32>(keys::RFI_DUE_DAYS, None, today)?;
            let due_on = request.due_on.unwrap_or(today + Days::new(u64::from(days.value)));
            if due_on < today {
                return Err(ApiError::field("due_on", "must not be in the past"));
            }
            casework::insert_info_request(
                conn,
                &InfoRequest {
                    id: Uuid::new_v4(),
                    application_id: app.id.0,
                    message: request.message.clone().unwrap_or_default(),
                    requested_on: today,
                    due_on,
                    requested_by: actor.sub.clone(),
                    response: None,
                    responded_on: None,
                    responded_by: None,
                },
            )
            .await?;
        }
        A::Respond => {
            casework::answer_info_request(
                conn,
                app.id,
                request.message.as_deref().unwrap_or_default(),
                today,
                &actor.sub,
            )
            .await
            .map_err(not_found("open information request"))?;
        }
        A::ScreenIn => {
            let policy = policy::load(conn).await?;
            // The period rule binds to the submission date (R-REC-1: "applications submitted from ...").
            let bound_on = app.submitted_on.unwrap_or(today);
            let mut periods = Vec::new();
            for v in &app.vacancies {
                let post = v.vacancy.designated_category_code.as_deref();
                let days = policy.get::<u32>(keys::RECRUITMENT_DAYS, post, bound_on)?.value;
                let job_fair = policy
                    .get::<bool>(keys::JOB_FAIR_WEEKLY_REQUIRED, post, bound_on)?
                    .value;
                periods.push(RecruitmentPeriod {
                    vacancy: v.id,
                    days,
                    starts_on: today,
                    ends_on: recruitment::period_end(today, days),
                    job_fair_required: job_fair,
                });
            }
            applications::record_screen_in(conn, app.id, today, &periods).await?;
        }
        A::CompleteRecruitment => {
            let policy = policy::load(conn).await?;
            let results = checks::recruitment_checks(conn, &policy, app, today).await?;
            let gates: Vec<&RuleResult> = checks::failures(&results)
                .into_iter()
                .filter(|r| r.rule_id == recruitment::PERIOD_ENDED || r.rule_id == recruitment::OUTCOMES_RECORDED)
                .collect();
            if !gates.is_empty() {
                return Err(checks::violation(&gates));
            }
            let e = Evaluation {
                kind: "RECRUITMENT",
                on: today,
                results: &results,
                decision: None,
                recommended_by: None,
            };
            return Ok(Effects {
                status: None,
                record: Some(store_record(conn, app, actor, e).await?),
            });
        }
        A::Recommend => {
            let policy = policy::load(conn).await?;
            let (results, decision, _) = checks::assessment(conn, &policy, app, today).await?;
            applications::record_recommendation(conn, app.id, &actor.sub).await?;
            let e = Evaluation {
                kind: "ASSESSMENT",
                on: today,
                results: &results,
                decision: Some(&decision),
                recommended_by: None,
            };
            return Ok(Effects {
                status: None,
                record: Some(store_record(conn, app, actor, e).await?),
            });
        }
        A::StartConsultation if app.recommended_by.is_none() => {
            return Err(ApiError::RuleViolation {
                rule_id: "R-LAB-1".into(),
                reason: "A recommendation must be recorded before the Labour Advisory Board is consulted.".into(),
            });
        }
        A::Approve | A::Refuse => {
            let Some(recommender) = &app.recommended_by else {
                return Err(ApiError::RuleViolation {
                    rule_id: "R-LAB-1".into(),
                    reason: "There is no recommendation to decide on.".into(),
                });
            };
            if recommender == &actor.sub {
                return Err(ApiError::forbidden(
                    "You recommended this application; another approver must decide it (separation of duties).",
                ));
            }
            let policy = policy::load(conn).await?;
            let (results, mut decision, medians) = checks::assessment(conn, &policy, app, today).await?;
            let target = if action == A::Approve {
                match decision.outcome {
                    DecisionOutcome::Refuse => {
                        let codes: Vec<&str> = decision.reason_codes.iter().map(|c| c.as_str()).collect();
                        return Err(ApiError::RuleViolation {
                            rule_id: "R-DEC-1".into(),
                            reason: format!("The rules allow no places ({}); refuse instead.", codes.join(", ")),
                        });
                    }
                    DecisionOutcome::PartiallyApprove => transition(app.status, A::ApprovePartially, actor.role)?,
                    DecisionOutcome::Approve => ApplicationStatus::Approved,
                }
            } else {
                // A refusal grants no places, whatever the rules would have allowed.
                decision = Decision {
                    outcome: DecisionOutcome::Refuse,
                    vacancies: decision
                        .vacancies
                        .into_iter()
                        .map(|mut v| {
                            v.places = 0;
                            v
                        })
                        .collect(),
                    reason_codes: request.reason_codes.clone().unwrap_or_default(),
                };
                ApplicationStatus::Refused
            };
            let decided: Vec<VacancyDecision> = decision
                .vacancies
                .iter()
                .map(|v| VacancyDecision {
                    vacancy: crate::domain::VacancyId(v.vacancy_id),
                    places: v.places,
                    median_at_decision: medians
                        .iter()
                        .find(|(id, _)| id.0 == v.vacancy_id)
                        .and_then(|(_, m)| m.as_ref().map(|m| (m.id, m.median_monthly_wage_hkd))),
                })
                .collect();
            applications::record_decision(conn, app.id, &actor.sub, today, &decided).await?;
            if action == A::Approve {
                places::allocate(conn, app, &decided, today).await?;
            }
            let e = Evaluation {
                kind: "DECISION",
                on: today,
                results: &results,
                decision: Some(&decision),
                recommended_by: Some(recommender),
            };
            let record = store_record(conn, app, actor, e).await?;
            return Ok(Effects {
                status: Some(target),
                record: Some(record),
            });
        }
        A::Revoke => places::revoke(conn, app.id, today).await?,
        _ => {}
    }
    Ok(Effects::default())
}

/// What a decision record holds besides the application.
struct Evaluation<'a> {
    kind: &'a str,
    on: NaiveDate,
    results: &'a [RuleResult],
    decision: Option<&'a Decision>,
    /// For a decision: who recommended it.
    recommended_by: Option<&'a String>,
}

/// Stores a decision record: the rules evaluated, and the outcome when there is one.
async fn store_record(conn: &mut Conn, app: &Application, actor: &Actor, e: Evaluation<'_>) -> Result<Uuid, ApiError> {
    let id = Uuid::new_v4();
    let outcome = e.decision.map(|d| match d.outcome {
        DecisionOutcome::Approve => "APPROVE",
        DecisionOutcome::PartiallyApprove => "PARTIALLY_APPROVE",
        DecisionOutcome::Refuse => "REFUSE",
    });
    let recommended_by = match e.kind {
        "DECISION" => e.recommended_by.cloned(),
        "ASSESSMENT" => Some(actor.sub.clone()),
        _ => None,
    };
    casework::insert_decision_record(
        conn,
        &DecisionRecord {
            id,
            application_id: app.id.0,
            kind: e.kind.to_owned(),
            evaluated_on: e.on,
            evaluated_by: actor.sub.clone(),
            outcome: outcome.map(str::to_owned),
            reason_codes: e.decision.map_or_else(Vec::new, |d| {
                d.reason_codes.iter().map(|c| Some(c.as_str().to_owned())).collect()
            }),
            places: serde_json::to_value(e.decision.map(|d| &d.vacancies))?,
            results: serde_json::to_value(e.results)?,
            recommended_by,
            decided_by: (e.kind == "DECISION").then(|| actor.sub.clone()),
            note: None,
            created_at: chrono::Utc::now(),
        },
    )
    .await?;
    Ok(id)
}
