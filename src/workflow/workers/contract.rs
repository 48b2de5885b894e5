//! The Standard Employment Contract, checked against the approval and the scheme.

use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use super::{WorkerView, change_worker, worker_of};
use crate::db::{Conn, DbPool, policy, workers};
use crate::domain::application::{Application, StoredVacancy};
use crate::domain::policy::{PolicyRef, PolicySet, keys};
use crate::domain::rules::contract::{self, Accommodation, DeductionCap};
use crate::domain::rules::{RuleResult, WageTableRef};
use crate::domain::worker::{Contract, PlaceRecord, PlaceState, contract_months};
use crate::workflow::checks;
use crate::workflow::error::{Result, WorkflowError, all_passed};
use crate::workflow::unit::{Command, Reply};

/// The terms of a signed Standard Employment Contract.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractTerms {
    pub template_version: String,
    pub signed_on: NaiveDate,
    pub post_code: Option<String>,
    pub post_title: String,
    pub monthly_wage_hkd: u32,
    pub normal_daily_hours: f64,
    pub overtime_terms: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub accommodation: Accommodation,
    pub accommodation_address: Option<String>,
    pub accommodation_deduction_hkd: u32,
    pub accommodation_actual_cost_hkd: Option<u32>,
    pub autopay_account_ref: String,
}

/// Records the signed contract, checked against the approval and the scheme (R-CON-1/2/4/5,
/// R-WAGE-1/5) as on the day it was signed; the levy it sets is fixed with it (R-LEVY-1). It may be
/// replaced until the levy is paid or the worker arrives.
pub async fn record_contract(
    pool: &DbPool,
    cmd: &Command,
    worker: Uuid,
    terms: ContractTerms,
    reply: impl FnOnce(&WorkerView) -> Result<Reply>,
) -> Result<Reply> {
    let step = async |conn: &mut Conn, before: &PlaceRecord, app: &Application| {
        let recorded = worker_of(before)?;
        let state = before.state(terms.signed_on);
        if !matches!(
            state,
            PlaceState::Allocated | PlaceState::VisaApplied | PlaceState::VisaIssued
        ) {
            return Err(WorkflowError::Conflict(format!(
                "The contract can be recorded only before the worker arrives; the place is {state}."
            )));
        }
        if recorded.levy.is_some() {
            return Err(WorkflowError::Conflict(
                "The levy was paid on this contract's months: the contract can no longer be replaced.".into(),
            ));
        }
        let vacancy = app
            .vacancies
            .iter()
            .find(|v| v.id == before.place.vacancy_id)
            .ok_or(WorkflowError::NotFound("vacancy"))?;
        let policy = policy::load(conn).await?;
        let checked = contract_checks(conn, &policy, app, vacancy, before, &terms).await?;
        all_passed(&checked.results)?;
        let contract = Contract {
            worker_id: recorded.worker.id,
            template_version: terms.template_version.clone(),
            signed_on: terms.signed_on,
            post_code: terms.post_code.clone(),
            monthly_wage_hkd: terms.monthly_wage_hkd,
            normal_daily_hours: terms.normal_daily_hours,
            overtime_terms: terms.overtime_terms.clone(),
            starts_on: terms.starts_on,
            ends_on: terms.ends_on,
            contract_months: checked.months,
            accommodation: terms.accommodation,
            accommodation_address: terms.accommodation_address.clone(),
            accommodation_deduction_hkd: terms.accommodation_deduction_hkd,
            accommodation_actual_cost_hkd: terms.accommodation_actual_cost_hkd,
            autopay_account_ref: terms.autopay_account_ref.clone(),
            levy_rate_hkd: checked.levy_rate,
            levy_amount_hkd: checked.months.saturating_mul(checked.levy_rate),
            checks: checked.results,
            version: recorded.contract.as_ref().map_or(1, |c| c.version + 1),
            recorded_by: cmd.actor.sub.clone(),
            recorded_at: Utc::now(),
        };
        workers::save_contract(conn, &contract).await?;
        Ok(Vec::new())
    };
    change_worker(pool, cmd, worker, "worker.contract_recorded", step, reply).await
}

/// The contract's rule results, with the months and levy rate they fix.
struct Checked {
    results: Vec<RuleResult>,
    months: u32,
    levy_rate: u32,
}

/// Every rule of the contract, with policy as in force on the day it was signed.
async fn contract_checks(
    conn: &mut Conn,
    policy: &PolicySet,
    app: &Application,
    vacancy: &StoredVacancy,
    place: &PlaceRecord,
    terms: &ContractTerms,
) -> Result<Checked> {
    let on = terms.signed_on;
    let max_months = policy.get::<u32>(keys::MAX_CONTRACT_MONTHS, None, on)?;
    let max_hours = policy.get::<u32>(keys::MAX_DAILY_HOURS_INCL_OT, None, on)?;
    let cap = policy.get::<DeductionCap>(keys::ACCOMMODATION_DEDUCTION_CAP, None, on)?;
    let rate = policy.get::<u32>(keys::ERL_MONTHLY_RATE_HKD, None, on)?;
    let months = contract_months(terms.starts_on, terms.ends_on);
    let subject = place.worker.as_ref().map(|w| w.worker.id);
    let with = |result: RuleResult, refs: Vec<&PolicyRef>| {
        result.with_provenance(subject, refs.into_iter().cloned().collect(), Vec::<WageTableRef>::new())
    };
    let mainland_resident = place.worker.as_ref().is_some_and(|w| w.worker.mainland_resident);
    let results = vec![
        with(
            contract::post(&contract::PostInput {
                approved_post_code: vacancy.vacancy.post_code.clone(),
                approved_post_title: vacancy.vacancy.post_title.clone(),
                contract_post_code: terms.post_code.clone(),
                contract_post_title: terms.post_title.clone(),
            }),
            vec![],
        ),
        checks::contract_median(conn, policy, app, vacancy, terms.monthly_wage_hkd)
            .await?
            .with_subject(subject),
        with(
            contract::approved_wage(&contract::ApprovedWageInput {
                contract_wage_hkd: terms.monthly_wage_hkd,
                approved_wage_hkd: vacancy.vacancy.monthly_wage_hkd,
            }),
            vec![],
        ),
        with(
            contract::term(&contract::TermInput {
                starts_on: terms.starts_on,
                ends_on: terms.ends_on,
                max_contract_months: max_months.value,
            }),
            vec![&max_months.source],
        ),
        with(
            contract::terms(&contract::TermsInput {
                normal_daily_hours: terms.normal_daily_hours,
                max_daily_hours: max_hours.value,
                accommodation: terms.accommodation,
                mainland_resident,
            }),
            vec![&max_hours.source],
        ),
        with(
            contract::deduction(&contract::DeductionInput {
                monthly_wage_hkd: terms.monthly_wage_hkd,
                accommodation: terms.accommodation,
                deduction_hkd: terms.accommodation_deduction_hkd,
                actual_cost_hkd: terms.accommodation_actual_cost_hkd,
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
    Ok(Checked {
        results,
        months,
        levy_rate: rate.value,
    })
}
