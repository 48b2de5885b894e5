//! Visa, levy and arrival: getting the worker to Hong Kong.

use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use super::{WorkerView, change_worker, next_state, save_step, worker_of};
use crate::db::{Conn, DbPool, applications, policy, workers};
use crate::domain::application::Application;
use crate::domain::audit::{Actor, AuditRecord, Entity};
use crate::domain::policy::keys;
use crate::domain::rules::contract;
use crate::domain::worker::{LevyPayment, PlaceEvent, PlaceRecord, PlaceState, briefing_due_on};
use crate::domain::{ApplicationAction, ApplicationStatus, Role, transition};
use crate::workflow::error::{Result, WorkflowError};
use crate::workflow::unit::{Command, Reply};

/// What happened to the worker's visa, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VisaEvent {
    /// The visa / entry permit application was lodged with ImmD.
    Applied { on: NaiveDate },
    /// ImmD issued the visa.
    Issued { on: NaiveDate, visa_number: String },
    /// ImmD refused the visa: recorded against the application lodged (the place stays as it is
    /// until the employer separates the worker or the place lapses).
    Refused { on: NaiveDate, reference: String },
}

/// Records the visa application (on or before the AIP deadline, with the contract signed) or its
/// issue, judged as of the event's own date however late it is recorded. The first visa application
/// of an approval makes it ACTIVE.
pub async fn record_visa(
    pool: &DbPool,
    cmd: &Command,
    worker: Uuid,
    visa: VisaEvent,
    reply: impl FnOnce(&WorkerView) -> Result<Reply>,
) -> Result<Reply> {
    let event = match visa {
        VisaEvent::Applied { .. } => "worker.visa_applied",
        VisaEvent::Issued { .. } => "worker.visa_issued",
        VisaEvent::Refused { .. } => "worker.visa_refused",
    };
    let step = async |conn: &mut Conn, before: &PlaceRecord, app: &Application| {
        let recorded = worker_of(before)?;
        let mut updated = recorded.worker.clone();
        let mut follow_on = Vec::new();
        let to = match &visa {
            VisaEvent::Applied { on } => {
                // As of the day it was lodged: on or before the AIP deadline the place was open
                // (R-DEC-2), however late the application is recorded.
                let to = next_state(before, PlaceEvent::ApplyForVisa, *on)?;
                if recorded.contract.is_none() {
                    return Err(WorkflowError::rule(
                        contract::TERMS,
                        "Record the signed Standard Employment Contract first: the visa application needs it.",
                    ));
                }
                updated.visa_applied_on = Some(*on);
                follow_on.extend(activate(conn, cmd, app).await?);
                to
            }
            VisaEvent::Issued { on, visa_number } => {
                let to = next_state(before, PlaceEvent::IssueVisa, *on)?;
                if updated.visa_applied_on.is_some_and(|applied| *on < applied) {
                    return Err(WorkflowError::field("on", "must not be before the visa application"));
                }
                updated.visa_issued_on = Some(*on);
                updated.visa_number = Some(visa_number.clone());
                to
            }
            VisaEvent::Refused { on, reference } => {
                let from = before.state(*on);
                if from != PlaceState::VisaApplied || updated.visa_applied_on.is_some_and(|applied| *on < applied) {
                    return Err(WorkflowError::Conflict(format!(
                        "A visa can be refused only after its application and before its issue; the place is {from} on {on}."
                    )));
                }
                let entity = Entity::Worker {
                    id: recorded.worker.id,
                    application: app.id,
                };
                let details = serde_json::json!({"refused_on": on, "reference": reference});
                follow_on.push(AuditRecord::created(entity, "worker.visa_refusal", &details)?);
                return Ok(follow_on);
            }
        };
        save_step(conn, before, updated, to).await?;
        Ok(follow_on)
    };
    change_worker(pool, cmd, worker, event, step, reply).await
}

/// The first place in use makes an approved application ACTIVE: the service's own step, recorded as
/// such within the request that caused it.
async fn activate(conn: &mut Conn, cmd: &Command, app: &Application) -> Result<Option<AuditRecord>> {
    if app.status == ApplicationStatus::Active {
        return Ok(None);
    }
    let to = transition(app.status, ApplicationAction::Activate, Role::System)?;
    let after = applications::set_status(conn, app.id, to, false, cmd.today).await?;
    Ok(Some(
        AuditRecord::application_change("application.activate", Some(app), &after)?
            .with_comment(Some("The first visa application of the approval was lodged.".into()))
            .by(Actor::system(cmd.actor.request_id.clone())),
    ))
}

/// The levy as paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevyPaid {
    pub amount_hkd: u32,
    pub paid_on: NaiveDate,
    pub receipt_ref: String,
}

/// Records the levy paid: the contract's amount, once; never refunded (R-LEVY-1).
pub async fn record_levy_payment(
    pool: &DbPool,
    cmd: &Command,
    worker: Uuid,
    paid: LevyPaid,
    reply: impl FnOnce(&WorkerView) -> Result<Reply>,
) -> Result<Reply> {
    let step = async |conn: &mut Conn, before: &PlaceRecord, _: &Application| {
        let recorded = worker_of(before)?;
        if recorded.levy.is_some() {
            return Err(WorkflowError::Conflict(
                "The levy for this worker is already paid.".into(),
            ));
        }
        let state = before.state(paid.paid_on);
        if matches!(state, PlaceState::Expired | PlaceState::Revoked) {
            return Err(WorkflowError::Conflict(format!(
                "No levy is owed on a place that is {state}."
            )));
        }
        let Some(signed) = &recorded.contract else {
            return Err(WorkflowError::rule(
                contract::LEVY,
                "The levy is set by the contract's months: record the contract first.",
            ));
        };
        if paid.amount_hkd != signed.levy_amount_hkd {
            return Err(WorkflowError::rule(
                contract::LEVY,
                format!(
                    "The levy due is HK${} × {} months = HK${}, not HK${}.",
                    signed.levy_rate_hkd, signed.contract_months, signed.levy_amount_hkd, paid.amount_hkd
                ),
            ));
        }
        let payment = LevyPayment {
            id: Uuid::new_v4(),
            worker_id: recorded.worker.id,
            contract_months: signed.contract_months,
            rate_hkd: signed.levy_rate_hkd,
            amount_hkd: signed.levy_amount_hkd,
            paid_on: paid.paid_on,
            receipt_ref: paid.receipt_ref.clone(),
            non_refundable: true,
            recorded_by: cmd.actor.sub.clone(),
            created_at: Utc::now(),
        };
        workers::insert_levy_payment(conn, &payment).await?;
        Ok(Vec::new())
    };
    change_worker(pool, cmd, worker, "worker.levy_paid", step, reply).await
}

/// The worker's arrival in Hong Kong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    pub arrived_on: NaiveDate,
    /// The control point, e.g. HKIA or Lok Ma Chau.
    pub port: Option<String>,
}

/// Records the arrival: the briefing falls due the policy's days after it, as in force on the day of
/// arrival (R-BRF-1).
pub async fn record_arrival(
    pool: &DbPool,
    cmd: &Command,
    worker: Uuid,
    arrival: Arrival,
    reply: impl FnOnce(&WorkerView) -> Result<Reply>,
) -> Result<Reply> {
    let step = async |conn: &mut Conn, before: &PlaceRecord, _: &Application| {
        let to = next_state(before, PlaceEvent::Arrive, arrival.arrived_on)?;
        let recorded = worker_of(before)?;
        let mut updated = recorded.worker.clone();
        if updated.visa_issued_on.is_some_and(|issued| arrival.arrived_on < issued) {
            return Err(WorkflowError::field(
                "arrived_on",
                "must not be before the visa was issued",
            ));
        }
        if recorded
            .contract
            .as_ref()
            .is_some_and(|c| arrival.arrived_on > c.ends_on)
        {
            return Err(WorkflowError::field(
                "arrived_on",
                "must not be after the contract's end",
            ));
        }
        let policy = policy::load(conn).await?;
        let days = policy.get::<u32>(keys::BRIEFING_DUE_DAYS_AFTER_ARRIVAL, None, arrival.arrived_on)?;
        updated.arrived_on = Some(arrival.arrived_on);
        updated.arrival_port = arrival.port.clone();
        updated.briefing_due_on = Some(briefing_due_on(arrival.arrived_on, days.value));
        save_step(conn, before, updated, to).await?;
        Ok(Vec::new())
    };
    change_worker(pool, cmd, worker, "worker.arrived", step, reply).await
}
