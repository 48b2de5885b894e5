//! Workers after approval: naming workers to places, and what is recorded for each (contract, visa,
//! levy, arrival, briefing, wages, separation). The use cases are in `workflow::workers`; this module
//! holds the wire types and the handlers.

mod arrival;
mod employment;
mod naming;
mod standard_contract;

pub use arrival::{record_arrival, record_levy_payment, record_visa};
pub use employment::{record_briefing, record_separation, record_wage_payment};
pub use naming::{get_worker, list_places, name_worker};
pub use standard_contract::put_contract;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::compliance::Obligation;
use crate::domain::rules::RuleResult;
use crate::domain::rules::contract::Accommodation;
use crate::domain::worker::{
    BriefingSession, BriefingStanding, Contract, Deduction, DeductionKind, PlaceRecord, PlaceState, SeparationType,
    WageFlag, WagePayment,
};
use crate::error::FieldError;
use crate::personal_data::masked;
use crate::workflow::workers::WorkerView;
use crate::workflow::{self, Reply};

/// A place approved for a vacancy.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlaceResponse {
    pub id: Uuid,
    pub application_id: Uuid,
    pub vacancy_id: Uuid,
    pub post_title: String,
    pub post_code: Option<String>,
    pub place_no: u32,
    /// The visa application must be lodged by this date, or the place lapses (R-DEC-2).
    pub aip_deadline: NaiveDate,
    /// The policy value (`aip_visa_deadline_months`) the deadline came from.
    pub aip_deadline_policy_id: Option<Uuid>,
    /// Today's state: ALLOCATED, VISA_APPLIED, VISA_ISSUED, ARRIVED, EMPLOYED, CONTRACT_ENDED,
    /// TERMINATED_EARLY, EXPIRED or REVOKED. EXPIRED, EMPLOYED and CONTRACT_ENDED follow from dates.
    #[schema(schema_with = crate::openapi::enums::place_state)]
    pub state: PlaceState,
    /// False once a sanction forbids replacing the place's worker.
    pub replacement_allowed: bool,
    pub worker_id: Option<Uuid>,
}

impl PlaceResponse {
    pub(super) fn new(record: &PlaceRecord, today: NaiveDate) -> Self {
        Self {
            id: record.place.id,
            application_id: record.place.application_id.0,
            vacancy_id: record.place.vacancy_id.0,
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
    #[schema(schema_with = crate::openapi::enums::accommodation)]
    pub accommodation: Accommodation,
    pub accommodation_address: Option<String>,
    pub accommodation_deduction_hkd: u32,
    pub accommodation_actual_cost_hkd: Option<u32>,
    pub autopay_account_ref: String,
    /// Every rule the contract was checked against, with inputs, policy rows and wage-table versions.
    #[schema(value_type = Vec<Object>)]
    pub checks: Vec<RuleResult>,
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
            monthly_wage_hkd: c.monthly_wage_hkd,
            normal_daily_hours: c.normal_daily_hours,
            overtime_terms: c.overtime_terms.clone(),
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            contract_months: c.contract_months,
            accommodation: c.accommodation,
            accommodation_address: c.accommodation_address.clone(),
            accommodation_deduction_hkd: c.accommodation_deduction_hkd,
            accommodation_actual_cost_hkd: c.accommodation_actual_cost_hkd,
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

impl From<&BriefingSession> for BriefingSessionResponse {
    fn from(b: &BriefingSession) -> Self {
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
    #[schema(schema_with = crate::openapi::enums::briefing_standing_or_null)]
    pub standing: Option<BriefingStanding>,
    pub sessions: Vec<BriefingSessionResponse>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeductionLine {
    /// ACCOMMODATION, MEALS, AGENT_FEE, REBATE, MPF or OTHER. Meals, agents' fees and rebates may
    /// not be deducted at all (R-WAGE-5).
    #[schema(schema_with = crate::openapi::enums::deduction_kind)]
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
    #[schema(schema_with = crate::openapi::enums::wage_flags)]
    pub flags: Vec<WageFlag>,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<&WagePayment> for WagePaymentResponse {
    fn from(p: &WagePayment) -> Self {
        Self {
            id: p.id,
            month: p.month.format("%Y-%m").to_string(),
            gross_hkd: p.gross_hkd,
            deductions: p
                .deductions
                .iter()
                .map(|d| DeductionLine {
                    kind: d.kind,
                    amount_hkd: d.amount_hkd,
                })
                .collect(),
            net_hkd: p.net_hkd,
            autopay_ref: p.autopay_ref.clone(),
            paid_on: p.paid_on,
            owed_hkd: p.owed_hkd,
            flags: p.flags.clone(),
            recorded_by: p.recorded_by.clone(),
            created_at: p.created_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SeparationResponse {
    pub separated_on: NaiveDate,
    #[schema(schema_with = crate::openapi::enums::separation_type)]
    pub separation_type: SeparationType,
    pub departure_confirmed: Option<bool>,
}

/// Something the employer owes, with its due date and the rule behind it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ObligationResponse {
    /// VISA_APPLICATION, CONTRACT_UNSIGNED, LEVY_UNPAID, BRIEFING_DUE, WAGE_PAYMENT_DUE,
    /// WAGE_PAYMENT_IRREGULAR or RATIO_NOT_MET.
    #[schema(schema_with = crate::openapi::enums::obligation_kind)]
    pub kind: crate::domain::compliance::ObligationKind,
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
            kind: o.kind,
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
    /// R-ELIG-5, R-ELIG-6 and R-RAT-1 as evaluated when the worker was named, with inputs and policy
    /// rows.
    #[schema(value_type = Vec<Object>)]
    pub checks: Vec<RuleResult>,
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

impl From<&WorkerView> for WorkerResponse {
    fn from(view: &WorkerView) -> Self {
        let (w, worker) = (&view.worker, &view.worker.worker);
        let contract = w.contract.as_ref();
        Self {
            id: worker.id,
            application_id: worker.application_id.0,
            employer_id: worker.employer_id.0,
            place: PlaceResponse::new(&view.place, view.on),
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
            levy: LevyResponse::new(contract, w.levy.as_ref()),
            arrival: worker.arrived_on.map(|arrived_on| ArrivalResponse {
                arrived_on,
                port: worker.arrival_port.clone(),
                briefing_due_on: worker.briefing_due_on,
            }),
            briefing: BriefingResponse {
                standing: view.briefing,
                sessions: w.briefings.iter().map(Into::into).collect(),
            },
            wage_payments: w.wage_payments.iter().map(Into::into).collect(),
            separation: worker
                .separated_on
                .zip(worker.separation_type)
                .map(|(separated_on, separation_type)| SeparationResponse {
                    separated_on,
                    separation_type,
                    departure_confirmed: worker.departure_confirmed,
                }),
            obligations: view.obligations.iter().cloned().map(Into::into).collect(),
            named_by: worker.named_by.clone(),
            created_at: worker.created_at,
            updated_at: worker.updated_at,
        }
    }
}

impl LevyResponse {
    fn new(contract: Option<&Contract>, paid: Option<&crate::domain::worker::LevyPayment>) -> Self {
        Self {
            amount_due_hkd: contract.map(|c| c.levy_amount_hkd),
            monthly_rate_hkd: contract.map(|c| c.levy_rate_hkd),
            contract_months: contract.map(|c| c.contract_months),
            paid_on: paid.map(|l| l.paid_on),
            receipt_ref: paid.map(|l| l.receipt_ref.clone()),
            refundable: false,
        }
    }
}

impl WorkerResponse {
    /// The reply of a change to a worker, with `status`.
    fn reply(view: &WorkerView, status: u16) -> workflow::Result<Reply> {
        Reply::new(status, &Self::from(view))
    }

    /// `200 OK` with the worker as it is now.
    pub(super) fn ok(view: &WorkerView) -> workflow::Result<Reply> {
        Self::reply(view, 200)
    }

    /// `201 Created`: a record was added to the worker (a payment, a session).
    pub(super) fn created(view: &WorkerView) -> workflow::Result<Reply> {
        Self::reply(view, 201)
    }
}

impl From<DeductionLine> for Deduction {
    fn from(d: DeductionLine) -> Self {
        Self {
            kind: d.kind,
            amount_hkd: d.amount_hkd,
        }
    }
}

pub(super) fn not_in_future(field: &str, date: NaiveDate, today: NaiveDate, errors: &mut Vec<FieldError>) {
    if date > today {
        errors.push(FieldError::new(field, "must not be in the future"));
    }
}
