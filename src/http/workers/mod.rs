//! Workers after approval: naming workers to places, and what is recorded for each (contract, visa,
//! levy, arrival, briefing, wages, separation). Every change locks the application (the guard of its
//! places), checks the place's lifecycle, and writes its audit event in the same transaction.

mod arrival;
mod employment;
mod naming;
mod standard_contract;

pub use arrival::{record_arrival, record_levy_payment, record_visa};
pub use employment::{record_briefing, record_separation, record_wage_payment};
pub use naming::{get_worker, list_places, name_worker};
pub use standard_contract::put_contract;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::employers::not_found;
use super::extract::{JsonBody, actor};
use super::idempotency::{self, Idempotency, WriteResponse};
use crate::auth::AuthUser;
use crate::db::audit::{self, Actor, Entity, NewAuditEvent};
use crate::db::workers::{self, Briefing, Contract, PlaceRecord, WagePayment, Worker};
use crate::db::{Conn, DbPool, policy};
use crate::domain::compliance::Obligation;
use crate::domain::policy::{PolicySet, keys};
use crate::domain::worker::{
    BriefingStanding, DeductionKind, PlaceEvent, PlaceState, briefing_standing, place_transition,
};
use crate::domain::{ApplicationId, EmployerId, Role};
use crate::error::{ApiError, FieldError};
use crate::personal_data::masked;
use crate::workflow::places;

const WORKER_READERS: [Role; 4] = [Role::Caseworker, Role::Approver, Role::Auditor, Role::Employer];

/// A place approved for a vacancy.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlaceResponse {
    pub id: Uuid,
    pub application_id: Uuid,
    pub vacancy_id: Uuid,
    pub post_title: String,
    pub post_code: Option<String>,
    pub place_no: i32,
    /// The visa application must be lodged by this date, or the place lapses (R-DEC-2).
    pub aip_deadline: NaiveDate,
    /// The policy value (`aip_visa_deadline_months`) the deadline came from.
    pub aip_deadline_policy_id: Option<Uuid>,
    /// Today's state: ALLOCATED, VISA_APPLIED, VISA_ISSUED, ARRIVED, EMPLOYED, CONTRACT_ENDED,
    /// TERMINATED_EARLY, EXPIRED or REVOKED. EXPIRED, EMPLOYED and CONTRACT_ENDED follow from dates.
    #[schema(value_type = String, example = "ALLOCATED")]
    pub state: PlaceState,
    /// False once a sanction forbids replacing the place's worker.
    pub replacement_allowed: bool,
    pub worker_id: Option<Uuid>,
}

impl PlaceResponse {
    pub(super) fn new(record: &PlaceRecord, today: NaiveDate) -> Self {
        Self {
            id: record.place.id,
            application_id: record.place.application_id,
            vacancy_id: record.place.vacancy_id,
            post_title: record.post_title.clone(),
            post_code: record.post_code.clone(),
            place_no: record.place.place_no,
            aip_deadline: record.place.aip_deadline,
            aip_deadline_policy_id: record.place.aip_deadline_policy_id,
            state: record.state(today),
            replacement_allowed: record.place.replacement_allowed,
            worker_id: record.worker.as_ref().map(|w| w.worker.id),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VisaResponse {
    pub applied_on: Option<NaiveDate>,
    pub issued_on: Option<NaiveDate>,
    pub visa_number: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContractResponse {
    pub template_version: String,
    pub signed_on: NaiveDate,
    pub post_code: Option<String>,
    pub monthly_wage_hkd: u32,
    pub normal_daily_hours: f64,
    pub overtime_terms: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub contract_months: u32,
    #[schema(value_type = String, example = "HK")]
    pub accommodation: String,
    pub accommodation_address: Option<String>,
    pub accommodation_deduction_hkd: u32,
    pub accommodation_actual_cost_hkd: Option<u32>,
    pub autopay_account_ref: String,
    /// Every rule the contract was checked against, with inputs, policy rows and wage-table versions.
    #[schema(value_type = Vec<Object>)]
    pub checks: serde_json::Value,
    pub version: i32,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

impl From<&Contract> for ContractResponse {
    fn from(c: &Contract) -> Self {
        Self {
            template_version: c.template_version.clone(),
            signed_on: c.signed_on,
            post_code: c.post_code.clone(),
            monthly_wage_hkd: c.monthly_wage_hkd.unsigned_abs(),
            normal_daily_hours: c.normal_daily_hours,
            overtime_terms: c.overtime_terms.clone(),
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            contract_months: c.contract_months.unsigned_abs(),
            accommodation: c.accommodation.clone(),
            accommodation_address: c.accommodation_address.clone(),
            accommodation_deduction_hkd: c.accommodation_deduction_hkd.unsigned_abs(),
            accommodation_actual_cost_hkd: c.accommodation_actual_cost_hkd.map(i32::unsigned_abs),
            autopay_account_ref: c.autopay_account_ref.clone(),
            checks: c.checks.clone(),
            version: c.version,
            recorded_by: c.recorded_by.clone(),
            recorded_at: c.recorded_at,
        }
    }
}

/// The Employees Retraining Levy (R-LEVY-1).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LevyResponse {
    /// Rate × contract months, fixed when the contract is recorded; absent before.
    pub amount_due_hkd: Option<u32>,
    pub monthly_rate_hkd: Option<u32>,
    pub contract_months: Option<u32>,
    pub paid_on: Option<NaiveDate>,
    pub receipt_ref: Option<String>,
    /// Always false: the levy is not refunded, even on early termination.
    pub refundable: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArrivalResponse {
    pub arrived_on: NaiveDate,
    pub port: Option<String>,
    /// Arrival + policy `briefing_due_days_after_arrival` (56): the briefing is overdue the day after.
    pub briefing_due_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BriefingSessionResponse {
    pub id: Uuid,
    pub session_ref: String,
    pub session_on: NaiveDate,
    pub attended: bool,
    pub paid_leave_confirmed: bool,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<&Briefing> for BriefingSessionResponse {
    fn from(b: &Briefing) -> Self {
        Self {
            id: b.id,
            session_ref: b.session_ref.clone(),
            session_on: b.session_on,
            attended: b.attended,
            paid_leave_confirmed: b.paid_leave_confirmed,
            recorded_by: b.recorded_by.clone(),
            created_at: b.created_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BriefingResponse {
    /// ATTENDED, ATTENDED_LATE, DUE or OVERDUE; absent before arrival.
    #[schema(value_type = Option<String>, example = "DUE")]
    pub standing: Option<BriefingStanding>,
    pub sessions: Vec<BriefingSessionResponse>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeductionLine {
    /// ACCOMMODATION, MEALS, AGENT_FEE, REBATE, MPF or OTHER. Meals, agents' fees and rebates may
    /// not be deducted at all (R-WAGE-5).
    #[schema(value_type = String, example = "ACCOMMODATION")]
    pub kind: DeductionKind,
    pub amount_hkd: u32,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WagePaymentResponse {
    pub id: Uuid,
    /// YYYY-MM.
    pub month: String,
    pub gross_hkd: u32,
    pub deductions: Vec<DeductionLine>,
    pub net_hkd: u32,
    pub autopay_ref: String,
    pub paid_on: NaiveDate,
    /// What the contract owes for the month (pro rata in the first and last month).
    pub owed_hkd: u32,
    /// BELOW_CONTRACT_WAGE, PROHIBITED_DEDUCTION, ACCOMMODATION_ABOVE_CONTRACT, PAID_LATE: the month's
    /// standing over its transfers up to and including this one.
    #[schema(value_type = Vec<String>)]
    pub flags: serde_json::Value,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<&WagePayment> for WagePaymentResponse {
    fn from(p: &WagePayment) -> Self {
        Self {
            id: p.id,
            month: p.wage_month.format("%Y-%m").to_string(),
            gross_hkd: p.gross_hkd.unsigned_abs(),
            deductions: serde_json::from_value(p.deductions.clone()).unwrap_or_default(),
            net_hkd: p.net_hkd.unsigned_abs(),
            autopay_ref: p.autopay_ref.clone(),
            paid_on: p.paid_on,
            owed_hkd: p.expected_hkd.unsigned_abs(),
            flags: p.flags.clone(),
            recorded_by: p.recorded_by.clone(),
            created_at: p.created_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SeparationResponse {
    pub separated_on: NaiveDate,
    #[schema(value_type = String, example = "RESIGNATION")]
    pub separation_type: String,
    pub departure_confirmed: Option<bool>,
}

/// Something the employer owes, with its due date and the rule behind it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ObligationResponse {
    /// VISA_APPLICATION, CONTRACT_UNSIGNED, LEVY_UNPAID, BRIEFING_DUE, WAGE_PAYMENT_DUE,
    /// WAGE_PAYMENT_IRREGULAR or RATIO_NOT_MET.
    #[schema(value_type = String, example = "BRIEFING_DUE")]
    pub kind: serde_json::Value,
    #[schema(example = "R-BRF-1")]
    pub rule_id: String,
    pub application_id: Option<Uuid>,
    pub place_id: Option<Uuid>,
    pub worker_id: Option<Uuid>,
    /// Absent when it falls due on an event (the levy falls due when the visa is issued).
    pub due_on: Option<NaiveDate>,
    pub overdue: bool,
    pub detail: String,
}

impl From<Obligation> for ObligationResponse {
    fn from(o: Obligation) -> Self {
        Self {
            kind: serde_json::to_value(o.kind).unwrap_or_default(),
            rule_id: o.rule_id,
            application_id: o.application_id,
            place_id: o.place_id,
            worker_id: o.worker_id,
            due_on: o.due_on,
            overdue: o.overdue,
            detail: o.detail,
        }
    }
}

/// A worker, the place it fills, everything recorded, and what is still owed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkerResponse {
    pub id: Uuid,
    pub application_id: Uuid,
    pub employer_id: Uuid,
    pub place: PlaceResponse,
    pub full_name: String,
    /// Only the last four characters: the number itself is never stored (docs/personal-data.md).
    #[schema(example = "****5678")]
    pub travel_document: String,
    #[schema(example = "PHL")]
    pub nationality: String,
    pub mainland_resident: bool,
    pub recruiting_enterprise: Option<String>,
    pub date_of_birth: NaiveDate,
    /// R-ELIG-5 and R-ELIG-6 as evaluated when the worker was named, with inputs and policy rows.
    #[schema(value_type = Vec<Object>)]
    pub checks: serde_json::Value,
    pub visa: VisaResponse,
    pub contract: Option<ContractResponse>,
    pub levy: LevyResponse,
    pub arrival: Option<ArrivalResponse>,
    pub briefing: BriefingResponse,
    pub wage_payments: Vec<WagePaymentResponse>,
    pub separation: Option<SeparationResponse>,
    /// What is outstanding or overdue for this worker today.
    pub obligations: Vec<ObligationResponse>,
    pub named_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl WorkerResponse {
    /// The worker on `record`; the record must have one.
    pub(super) fn new(record: &PlaceRecord, today: NaiveDate, wage_due_days: u32) -> Result<Self, ApiError> {
        let Some(w) = &record.worker else {
            return Err(ApiError::NotFound("worker"));
        };
        let worker = &w.worker;
        let contract = w.contract.as_ref();
        let obligations = places::obligations(std::slice::from_ref(record), wage_due_days, today);
        let attended_on = w.briefings.iter().filter(|b| b.attended).map(|b| b.session_on).min();
        Ok(Self {
            id: worker.id,
            application_id: worker.application_id,
            employer_id: worker.employer_id,
            place: PlaceResponse::new(record, today),
            full_name: worker.full_name.clone(),
            travel_document: masked(&worker.travel_document_last4),
            nationality: worker.nationality.clone(),
            mainland_resident: worker.mainland_resident,
            recruiting_enterprise: worker.recruiting_enterprise.clone(),
            date_of_birth: worker.date_of_birth,
            checks: worker.checks.clone(),
            visa: VisaResponse {
                applied_on: worker.visa_applied_on,
                issued_on: worker.visa_issued_on,
                visa_number: worker.visa_number.clone(),
            },
            contract: contract.map(Into::into),
            levy: LevyResponse {
                amount_due_hkd: contract.map(|c| c.levy_amount_hkd.unsigned_abs()),
                monthly_rate_hkd: contract.map(|c| c.levy_rate_hkd.unsigned_abs()),
                contract_months: contract.map(|c| c.contract_months.unsigned_abs()),
                paid_on: w.levy.as_ref().map(|l| l.paid_on),
                receipt_ref: w.levy.as_ref().map(|l| l.receipt_ref.clone()),
                refundable: false,
            },
            arrival: worker.arrived_on.map(|arrived_on| ArrivalResponse {
                arrived_on,
                port: worker.arrival_port.clone(),
                briefing_due_on: worker.briefing_due_on,
            }),
            briefing: BriefingResponse {
                standing: worker
                    .briefing_due_on
                    .map(|due| briefing_standing(due, attended_on, today)),
                sessions: w.briefings.iter().map(Into::into).collect(),
            },
            wage_payments: w.wage_payments.iter().map(Into::into).collect(),
            separation: worker.separated_on.zip(worker.separation_type.clone()).map(
                |(separated_on, separation_type)| SeparationResponse {
                    separated_on,
                    separation_type,
                    departure_confirmed: worker.departure_confirmed,
                },
            ),
            obligations: obligations.into_iter().map(Into::into).collect(),
            named_by: worker.named_by.clone(),
            created_at: worker.created_at,
            updated_at: worker.updated_at,
        })
    }
}

pub(super) fn wage_due_days(policy: &PolicySet, today: NaiveDate) -> Result<u32, ApiError> {
    Ok(policy.get::<u32>(keys::WAGE_PAYMENT_DUE_DAYS, None, today)?.value)
}

/// What a change to a worker needs from the request, taken before the transaction (the request
/// itself cannot cross into it).
pub(super) struct WorkerChange {
    actor: Actor,
    idempotency: Option<Idempotency>,
    scope: Option<EmployerId>,
    today: NaiveDate,
    worker: Uuid,
}

/// One step of a worker change: an async closure given the connection and the worker as it was.
/// (Spelled out so the transaction can require its future to be `Send`, as diesel-async's own
/// `AsyncFunc` does.)
pub(super) trait WorkerStep<A, B>:
    AsyncFnOnce(A, B) -> Result<(), ApiError> + FnOnce(A, B) -> <Self as WorkerStep<A, B>>::Fut
{
    type Fut: Future<Output = Result<(), ApiError>>;
}

impl<F, A, B, Fut> WorkerStep<A, B> for F
where
    F: AsyncFnOnce(A, B) -> Result<(), ApiError> + FnOnce(A, B) -> Fut,
    Fut: Future<Output = Result<(), ApiError>>,
{
    type Fut = Fut;
}

impl WorkerChange {
    /// The whole change, in one transaction: a retry gets its first answer; otherwise the worker is
    /// locked and loaded, `step` changes it, and the change is audited and answered with the worker
    /// as it is now.
    pub(super) async fn run<F>(
        self,
        pool: &DbPool,
        action: &'static str,
        status: StatusCode,
        step: F,
    ) -> Result<HttpResponse, ApiError>
    where
        for<'c, 'b> F: WorkerStep<&'c mut Conn, &'b PlaceRecord, Fut: Send> + Send,
    {
        let mut conn = pool.get().await?;
        let response = conn
            .transaction::<_, ApiError, _>(async move |conn| {
                if let Some(previous) = self.replay(conn).await? {
                    return Ok(previous);
                }
                let before = self.begin(conn).await?;
                step(conn, &before).await?;
                self.finish(conn, &before, action, status).await
            })
            .await?;
        Ok(response.into_response())
    }

    pub(super) fn new(
        req: &HttpRequest,
        user: &AuthUser,
        body: &JsonBody,
        today: NaiveDate,
        worker: Uuid,
    ) -> Result<Self, ApiError> {
        Ok(Self {
            actor: actor(user, req),
            idempotency: Idempotency::from_request(req, user, body.bytes())?,
            scope: user.employer_scope(),
            today,
            worker,
        })
    }

    /// The stored response, when this is a retry.
    async fn replay(&self, conn: &mut Conn) -> Result<Option<WriteResponse>, ApiError> {
        idempotency::replay(self.idempotency.as_ref(), conn).await
    }

    /// The worker as it is, with its application (which guards its places) locked until the
    /// transaction ends.
    async fn begin(&self, conn: &mut Conn) -> Result<PlaceRecord, ApiError> {
        let application = workers::application_of(conn, self.worker, self.scope)
            .await
            .map_err(not_found("worker"))?;
        workers::lock_application(conn, application).await?;
        Ok(workers::get(conn, self.worker, self.scope).await?)
    }

    /// Audits the change (before and after) and answers with the worker as it is now.
    async fn finish(
        &self,
        conn: &mut Conn,
        before: &PlaceRecord,
        action: &str,
        status: StatusCode,
    ) -> Result<WriteResponse, ApiError> {
        let policy = policy::load(conn).await?;
        let due_days = wage_due_days(&policy, self.today)?;
        let after = workers::get(conn, self.worker, None).await?;
        let body = WorkerResponse::new(&after, self.today, due_days)?;
        audit::append(
            conn,
            NewAuditEvent::changed(
                &self.actor,
                Entity::Worker {
                    id: self.worker,
                    application: ApplicationId(after.place.application_id),
                },
                action,
                &WorkerResponse::new(before, self.today, due_days)?,
                &body,
            )?,
        )
        .await?;
        tracing::info!(worker.id = %self.worker, action, "worker record changed");
        let response = WriteResponse::new(status, &body)?;
        idempotency::remember(self.idempotency.as_ref(), conn, &response).await?;
        Ok(response)
    }
}

/// Saves the changed worker and moves its place to `to` (the place's replacement rule unchanged).
pub(super) async fn save_step(
    conn: &mut Conn,
    before: &PlaceRecord,
    mut worker: Worker,
    to: PlaceState,
) -> Result<(), ApiError> {
    worker.updated_at = Utc::now();
    workers::save_worker(conn, &worker).await?;
    Ok(workers::set_place_status(conn, before.place.id, to, before.place.replacement_allowed).await?)
}

/// The place's next state for `event`, or a 409 naming where it stands (422 R-DEC-2 once lapsed).
pub(super) fn next_state(record: &PlaceRecord, event: PlaceEvent, today: NaiveDate) -> Result<PlaceState, ApiError> {
    let from = record.state(today);
    if from == PlaceState::Expired {
        return Err(ApiError::RuleViolation {
            rule_id: "R-DEC-2".into(),
            reason: format!(
                "The place lapsed: no visa application was lodged by its AIP deadline {}.",
                record.place.aip_deadline
            ),
        });
    }
    place_transition(from, event)
        .map_err(|e| ApiError::Conflict(format!("Cannot {}: the place is {}.", e.event, e.from)))
}

pub(super) fn worker_of(record: &PlaceRecord) -> Result<&workers::WorkerRecord, ApiError> {
    record.worker.as_ref().ok_or(ApiError::NotFound("worker"))
}

pub(super) fn not_in_future(field: &str, date: NaiveDate, today: NaiveDate, errors: &mut Vec<FieldError>) {
    if date > today {
        errors.push(FieldError::new(field, "must not be in the future"));
    }
}

pub(super) fn hkd(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}
