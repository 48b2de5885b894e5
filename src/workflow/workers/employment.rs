//! Briefing, wages and separation: the worker in post.

use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use super::{WorkerView, change_worker, next_state, save_step, worker_of};
use crate::db::{Conn, DbPool, policy, workers};
use crate::domain::application::Application;
use crate::domain::policy::keys;
use crate::domain::worker::{
    BriefingSession, Deduction, PlaceEvent, PlaceRecord, SeparationType, WagePayment, WagePaymentFacts, month_start,
    wage_due_for_month, wage_flags,
};
use crate::workflow::error::{Result, WorkflowError};
use crate::workflow::unit::{Command, Reply};

/// A briefing session and whether the worker attended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BriefingAttendance {
    /// The Labour Department's session reference.
    pub session_ref: String,
    pub session_on: NaiveDate,
    pub attended: bool,
    /// The employer gave the worker paid leave to attend.
    pub paid_leave_confirmed: bool,
}

/// Records a briefing session (R-BRF-1). Judged by the session's date: the worker must have been here
/// then, and whether it was on time follows from the due date, however late it is recorded.
pub async fn record_briefing(
    pool: &DbPool,
    cmd: &Command,
    worker: Uuid,
    session: BriefingAttendance,
    reply: impl FnOnce(&WorkerView) -> Result<Reply>,
) -> Result<Reply> {
    let step = async |conn: &mut Conn, before: &PlaceRecord, _: &Application| {
        let recorded = worker_of(before)?;
        let Some(arrived_on) = recorded.worker.arrived_on else {
            return Err(WorkflowError::Conflict(
                "The briefing follows the arrival: record the arrival first.".into(),
            ));
        };
        if session.session_on < arrived_on {
            return Err(WorkflowError::field("session_on", "must not be before the arrival"));
        }
        if recorded
            .worker
            .separated_on
            .is_some_and(|left| session.session_on > left)
        {
            return Err(WorkflowError::field("session_on", "must not be after the worker left"));
        }
        let briefing = BriefingSession {
            id: Uuid::new_v4(),
            worker_id: recorded.worker.id,
            session_ref: session.session_ref.clone(),
            session_on: session.session_on,
            attended: session.attended,
            paid_leave_confirmed: session.paid_leave_confirmed,
            recorded_by: cmd.actor.sub.clone(),
            created_at: Utc::now(),
        };
        workers::insert_briefing(conn, &briefing).await?;
        Ok(Vec::new())
    };
    change_worker(pool, cmd, worker, "worker.briefing_recorded", step, reply).await
}

/// One autopay transfer of a month's wages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WagePaymentInput {
    /// First day of the wage month.
    pub month: NaiveDate,
    pub gross_hkd: u32,
    pub deductions: Vec<Deduction>,
    pub net_hkd: u32,
    pub autopay_ref: String,
    pub paid_on: NaiveDate,
}

/// Records a month's wage payment (R-CON-3). A month may take more than one transfer (arrears made up
/// later); the flags are the month's over its transfers so far, judged by the month and the payment
/// date against the due date policy set for that month.
pub async fn record_wage_payment(
    pool: &DbPool,
    cmd: &Command,
    worker: Uuid,
    payment: WagePaymentInput,
    reply: impl FnOnce(&WorkerView) -> Result<Reply>,
) -> Result<Reply> {
    let step = async |conn: &mut Conn, before: &PlaceRecord, _: &Application| {
        let recorded = worker_of(before)?;
        let (Some(signed), Some(_)) = (&recorded.contract, recorded.worker.arrived_on) else {
            return Err(WorkflowError::Conflict(
                "Wages are recorded for a worker who has arrived under a recorded contract.".into(),
            ));
        };
        let month = payment.month;
        let earlier: Vec<&WagePayment> = recorded.wage_payments.iter().filter(|p| p.month == month).collect();
        if earlier.iter().any(|p| p.autopay_ref == payment.autopay_ref) {
            return Err(WorkflowError::Conflict(format!(
                "Autopay transfer {} for {} is already recorded.",
                payment.autopay_ref,
                month.format("%Y-%m")
            )));
        }
        let owed = wage_due_for_month(signed.monthly_wage_hkd, signed.starts_on, signed.ends_on, month);
        if owed == 0 {
            return Err(WorkflowError::field("month", "is outside the contract's term"));
        }
        if recorded
            .worker
            .separated_on
            .is_some_and(|left| month > month_start(left))
        {
            return Err(WorkflowError::field("month", "is after the worker left"));
        }
        let policy = policy::load(conn).await?;
        let due_days = policy.get::<u32>(keys::WAGE_PAYMENT_DUE_DAYS, None, month)?.value;
        let deductions: Vec<(_, u32)> = earlier
            .iter()
            .flat_map(|p| p.deductions.iter())
            .chain(payment.deductions.iter())
            .map(|d| (d.kind, d.amount_hkd))
            .collect();
        let gross: u32 = earlier
            .iter()
            .map(|p| p.gross_hkd)
            .sum::<u32>()
            .saturating_add(payment.gross_hkd);
        let facts = WagePaymentFacts {
            month,
            gross_hkd: gross,
            deductions,
            paid_on: payment.paid_on,
        };
        let flags = wage_flags(&facts, owed, signed.accommodation_deduction_hkd, due_days);
        if !flags.is_empty() {
            tracing::warn!(worker.id = %recorded.worker.id, ?flags, "wage payment flagged");
        }
        let paid = WagePayment {
            id: Uuid::new_v4(),
            worker_id: recorded.worker.id,
            month,
            gross_hkd: payment.gross_hkd,
            deductions: payment.deductions.clone(),
            net_hkd: payment.net_hkd,
            autopay_ref: payment.autopay_ref.clone(),
            paid_on: payment.paid_on,
            owed_hkd: owed,
            flags,
            recorded_by: cmd.actor.sub.clone(),
            created_at: Utc::now(),
        };
        workers::insert_wage_payment(conn, &paid).await?;
        Ok(Vec::new())
    };
    change_worker(pool, cmd, worker, "worker.wage_paid", step, reply).await
}

/// The end of a worker's employment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Separation {
    pub kind: SeparationType,
    pub on: NaiveDate,
    /// The worker has left Hong Kong.
    pub departure_confirmed: bool,
}

/// Records the end of employment, judged as of its own date (an early end must fall before the
/// contract's end). The levy is not refunded.
pub async fn record_separation(
    pool: &DbPool,
    cmd: &Command,
    worker: Uuid,
    separation: Separation,
    reply: impl FnOnce(&WorkerView) -> Result<Reply>,
) -> Result<Reply> {
    let step = async |conn: &mut Conn, before: &PlaceRecord, _: &Application| {
        let recorded = worker_of(before)?;
        let mut updated = recorded.worker.clone();
        if updated.separated_on.is_some() {
            return Err(WorkflowError::Conflict(
                "The worker's separation is already recorded.".into(),
            ));
        }
        let early = separation.kind.is_early();
        let to = next_state(before, PlaceEvent::Separate { early }, separation.on)?;
        if updated.arrived_on.is_some_and(|arrived| separation.on < arrived) {
            return Err(WorkflowError::field("on", "must not be before the arrival"));
        }
        if !early && recorded.contract.as_ref().is_some_and(|c| separation.on < c.ends_on) {
            return Err(WorkflowError::field(
                "type",
                "CONTRACT_ENDED is for the contract's end date; an earlier end is a RESIGNATION, DISMISSAL or ABSCONDMENT",
            ));
        }
        updated.separated_on = Some(separation.on);
        updated.separation_type = Some(separation.kind);
        updated.departure_confirmed = Some(separation.departure_confirmed);
        save_step(conn, before, updated, to).await?;
        Ok(Vec::new())
    };
    change_worker(pool, cmd, worker, "worker.separated", step, reply).await
}
