//! The Standard Employment Contract, checked against the approval and the scheme.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, put, web};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::db::workers::{self, Contract};
use crate::db::{DbPool, applications, policy};
use crate::domain::policy::keys;
use crate::domain::rules::contract::{self, Accommodation, DeductionCap};
use crate::domain::rules::{RuleResult, WageTableRef};
use crate::domain::worker::{PlaceState, contract_months};
use crate::domain::{ApplicationId, Role};
use crate::error::{ApiError, FieldError, Problem};
use crate::http::extract::JsonBody;
use crate::http::validate;
use crate::openapi::WriteErrors;
use crate::workflow::checks;

use super::{WorkerChange, WorkerResponse, hkd, not_in_future, worker_of};

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractRequest {
    /// The version of the government's SEC template used.
    #[schema(example = "ESLS-SEC-2023-09")]
    #[validate(length(min = 1, max = 50), custom(function = "validate::not_blank"))]
    pub template_version: String,
    pub signed_on: NaiveDate,
    /// The post in the contract: its wage-table code for a common post …
    #[schema(example = "DISHWASHER")]
    #[validate(custom(function = "validate::code"))]
    pub post_code: Option<String>,
    /// … and its title.
    #[schema(example = "Dishwasher")]
    #[validate(length(min = 1, max = 200), custom(function = "validate::not_blank"))]
    pub post_title: String,
    #[validate(range(min = 1, max = 1_000_000))]
    pub monthly_wage_hkd: u32,
    #[validate(custom(function = "validate::daily_hours"))]
    pub normal_daily_hours: f64,
    #[schema(example = "Overtime paid at 1.5 times the hourly rate")]
    #[validate(length(min = 1, max = 1000), custom(function = "validate::not_blank"))]
    pub overtime_terms: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// HK, MAINLAND_PROVIDED or OWN_MAINLAND_RESIDENCE (the Mainland options for Mainland residents).
    #[schema(value_type = String, example = "HK")]
    pub accommodation: Accommodation,
    #[validate(length(min = 1, max = 500), custom(function = "validate::not_blank"))]
    pub accommodation_address: Option<String>,
    /// Monthly deduction for accommodation: at most the lesser of 10% of wages and the actual cost.
    #[serde(default)]
    #[validate(range(max = 1_000_000))]
    pub accommodation_deduction_hkd: u32,
    #[validate(range(max = 1_000_000))]
    pub accommodation_actual_cost_hkd: Option<u32>,
    /// Where wages are paid by autopay (a reference, not the account number).
    #[schema(example = "HSBC autopay mandate 2026-0042")]
    #[validate(length(min = 1, max = 100), custom(function = "validate::not_blank"))]
    pub autopay_account_ref: String,
}

/// Record the signed Standard Employment Contract (employer). Checked against the approval and the
/// scheme (R-CON-1/2/4/5, R-WAGE-1/5); the levy it sets is fixed with it (R-LEVY-1). May be replaced
/// until the levy is paid or the worker arrives.
#[utoipa::path(tag = "workers", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Worker id"), ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = ContractRequest, responses(
    (status = 200, body = WorkerResponse),
    WriteErrors,
    (status = 409, description = "The worker has arrived or the levy is paid (the contract in force stays), or the place is closed", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "R-WAGE-1 (below the binding median), R-CON-5 (below the approved wage), R-CON-1 (term over the maximum), R-WAGE-5 (deduction over its cap), R-CON-4 (another post), R-CON-2 (hours, accommodation); or the Idempotency-Key was reused", body = Problem, content_type = "application/problem+json"),
))]
#[put("/workers/{id}/contract")]
pub async fn put_contract(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Employer])?;
    let today = clock.today();
    let request = body.parse_checked::<ContractRequest>(|r, errors| {
        not_in_future("signed_on", r.signed_on, today, errors);
        if r.ends_on < r.starts_on {
            errors.push(FieldError::new("ends_on", "must not be before starts_on"));
        }
        if r.signed_on > r.starts_on {
            errors.push(FieldError::new("signed_on", "must not be after starts_on"));
        }
        if r.accommodation == Accommodation::Hk && r.accommodation_address.is_none() {
            errors.push(FieldError::new(
                "accommodation_address",
                "is required for accommodation in Hong Kong",
            ));
        }
    })?;
    let change = WorkerChange::new(&req, &user, &body, today, id.into_inner())?;
    let recorded_by = change.actor.sub.clone();
    change
        .run(
            &pool,
            "worker.contract_recorded",
            StatusCode::OK,
            async move |conn, before| {
                let worker = worker_of(before)?;
                let state = before.state(today);
                if !matches!(
                    state,
                    PlaceState::Allocated | PlaceState::VisaApplied | PlaceState::VisaIssued
                ) {
                    return Err(ApiError::Conflict(format!(
                        "The contract can be recorded only before the worker arrives; the place is {state}."
                    )));
                }
                if worker.levy.is_some() {
                    return Err(ApiError::Conflict(
                        "The levy was paid on this contract's months: the contract can no longer be replaced.".into(),
                    ));
                }
                let app = applications::get(conn, ApplicationId(before.place.application_id), None).await?;
                let vacancy = app
                    .vacancies
                    .iter()
                    .find(|v| v.id.0 == before.place.vacancy_id)
                    .ok_or(ApiError::NotFound("vacancy"))?;
                let policy = policy::load(conn).await?;
                let on = request.signed_on;
                let max_months = policy.get::<u32>(keys::MAX_CONTRACT_MONTHS, None, on)?;
                let max_hours = policy.get::<u32>(keys::MAX_DAILY_HOURS_INCL_OT, None, on)?;
                let cap = policy.get::<DeductionCap>(keys::ACCOMMODATION_DEDUCTION_CAP, None, on)?;
                let rate = policy.get::<u32>(keys::ERL_MONTHLY_RATE_HKD, None, on)?;
                let months = contract_months(request.starts_on, request.ends_on);
                let subject = Some(worker.worker.id);
                let with = |result: RuleResult, refs: Vec<&crate::domain::policy::PolicyRef>| {
                    result.with_provenance(subject, refs.into_iter().cloned().collect(), Vec::<WageTableRef>::new())
                };
                let results = vec![
                    with(
                        contract::post(&contract::PostInput {
                            approved_post_code: vacancy.vacancy.post_code.clone(),
                            approved_post_title: vacancy.vacancy.post_title.clone(),
                            contract_post_code: request.post_code.clone(),
                            contract_post_title: request.post_title.clone(),
                        }),
                        vec![],
                    ),
                    checks::contract_median(conn, &policy, &app, vacancy, request.monthly_wage_hkd)
                        .await?
                        .with_subject(subject),
                    with(
                        contract::approved_wage(&contract::ApprovedWageInput {
                            contract_wage_hkd: request.monthly_wage_hkd,
                            approved_wage_hkd: vacancy.vacancy.monthly_wage_hkd,
                        }),
                        vec![],
                    ),
                    with(
                        contract::term(&contract::TermInput {
                            starts_on: request.starts_on,
                            ends_on: request.ends_on,
                            max_contract_months: max_months.value,
                        }),
                        vec![&max_months.source],
                    ),
                    with(
                        contract::terms(&contract::TermsInput {
                            normal_daily_hours: request.normal_daily_hours,
                            max_daily_hours: max_hours.value,
                            accommodation: request.accommodation,
                            mainland_resident: worker.worker.mainland_resident,
                        }),
                        vec![&max_hours.source],
                    ),
                    with(
                        contract::deduction(&contract::DeductionInput {
                            monthly_wage_hkd: request.monthly_wage_hkd,
                            accommodation: request.accommodation,
                            deduction_hkd: request.accommodation_deduction_hkd,
                            actual_cost_hkd: request.accommodation_actual_cost_hkd,
                            cap: cap.value,
                        }),
                        vec![&cap.source],
                    ),
                    with(
                        contract::levy(&contract::LevyInput {
                            contract_months: months,
                            monthly_rate_hkd: rate.value,
                        }),
                        vec![&rate.source],
                    ),
                ];
                let failed = checks::failures(&results);
                if !failed.is_empty() {
                    return Err(checks::violation(&failed));
                }
                let levy = months.saturating_mul(rate.value);
                let version = worker.contract.as_ref().map_or(1, |c| c.version + 1);
                workers::save_contract(
                    conn,
                    &Contract {
                        worker_id: worker.worker.id,
                        template_version: request.template_version.trim().to_owned(),
                        signed_on: request.signed_on,
                        post_code: request.post_code.clone(),
                        monthly_wage_hkd: hkd(request.monthly_wage_hkd),
                        normal_daily_hours: request.normal_daily_hours,
                        overtime_terms: request.overtime_terms.trim().to_owned(),
                        starts_on: request.starts_on,
                        ends_on: request.ends_on,
                        contract_months: hkd(months),
                        accommodation: request.accommodation.as_str().to_owned(),
                        accommodation_address: request.accommodation_address.as_ref().map(|a| a.trim().to_owned()),
                        accommodation_deduction_hkd: hkd(request.accommodation_deduction_hkd),
                        accommodation_actual_cost_hkd: request.accommodation_actual_cost_hkd.map(hkd),
                        autopay_account_ref: request.autopay_account_ref.trim().to_owned(),
                        levy_rate_hkd: hkd(rate.value),
                        levy_amount_hkd: hkd(levy),
                        checks: serde_json::to_value(&results)?,
                        version,
                        recorded_by: recorded_by.clone(),
                        recorded_at: Utc::now(),
                    },
                )
                .await?;
                Ok(())
            },
        )
        .await
}
