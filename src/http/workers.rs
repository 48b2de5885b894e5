//! Workers after approval: naming workers to places, and what is recorded for each (contract, visa,
//! levy, arrival, briefing, wages, separation). Every change locks the application (the guard of its
//! places), checks the place's lifecycle, and writes its audit event in the same transaction.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::applications::visible_application;
use super::employers::not_found;
use super::extract::{JsonBody, actor};
use super::idempotency::{self, Idempotency, WriteResponse};
use super::validate;
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::db::audit::{self, Actor, Entity, NewAuditEvent};
use crate::db::workers::{self, Briefing, Contract, LevyPayment, PlaceRecord, Places, WagePayment, Worker};
use crate::db::{Conn, DbPool, applications, policy};
use crate::domain::compliance::Obligation;
use crate::domain::policy::{PolicySet, keys};
use crate::domain::rules::admission;
use crate::domain::rules::contract::{self, Accommodation, DeductionCap};
use crate::domain::rules::{RuleResult, WageTableRef};
use crate::domain::worker::{
    BriefingStanding, DeductionKind, PlaceEvent, PlaceState, WagePaymentFacts, briefing_due_on, briefing_standing,
    contract_months, month_start, place_transition, wage_due_for_month, wage_flags,
};
use crate::domain::{ApplicationAction, ApplicationId, ApplicationStatus, EmployerId, Role, transition};
use crate::error::{ApiError, FieldError, Problem};
use crate::openapi::{ReadOneErrors, WriteErrors};
use crate::personal_data::{TravelDocumentKey, masked};
use crate::workflow::{checks, places};

const WORKER_READERS: [Role; 4] = [Role::Caseworker, Role::Approver, Role::Auditor, Role::Employer];

// ---- responses ----

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
    fn new(record: &PlaceRecord, today: NaiveDate) -> Self {
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
    fn new(record: &PlaceRecord, today: NaiveDate, wage_due_days: u32) -> Result<Self, ApiError> {
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

fn wage_due_days(policy: &PolicySet, today: NaiveDate) -> Result<u32, ApiError> {
    Ok(policy.get::<u32>(keys::WAGE_PAYMENT_DUE_DAYS, None, today)?.value)
}

// ---- the shape every worker change shares ----

/// What a change to a worker needs from the request, taken before the transaction (the request
/// itself cannot cross into it).
struct WorkerChange {
    actor: Actor,
    idempotency: Option<Idempotency>,
    scope: Option<EmployerId>,
    today: NaiveDate,
    worker: Uuid,
}

impl WorkerChange {
    fn new(
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

/// The place's next state for `event`, or a 409 naming where it stands (422 R-DEC-2 once lapsed).
fn next_state(record: &PlaceRecord, event: PlaceEvent, today: NaiveDate) -> Result<PlaceState, ApiError> {
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

fn worker_of(record: &PlaceRecord) -> Result<&workers::WorkerRecord, ApiError> {
    record.worker.as_ref().ok_or(ApiError::NotFound("worker"))
}

fn not_in_future(field: &str, date: NaiveDate, today: NaiveDate, errors: &mut Vec<FieldError>) {
    if date > today {
        errors.push(FieldError::new(field, "must not be in the future"));
    }
}

fn hkd(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

// ---- places and naming ----

#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceListResponse {
    /// In vacancy and place order.
    pub items: Vec<PlaceResponse>,
}

/// The application's worker places, their state today and the worker named to each.
#[utoipa::path(tag = "workers", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Application id")), responses(
    (status = 200, body = PlaceListResponse),
    ReadOneErrors,
))]
#[get("/applications/{id}/workers")]
pub async fn list_places(
    user: AuthUser,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(&WORKER_READERS)?;
    let id = ApplicationId(id.into_inner());
    let today = clock.today();
    let mut conn = pool.get().await?;
    visible_application(&mut conn, &user, id).await?;
    let items = workers::load(&mut conn, Places::OfApplication(id))
        .await?
        .iter()
        .map(|r| PlaceResponse::new(r, today))
        .collect();
    Ok(HttpResponse::Ok().json(PlaceListResponse { items }))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NameWorkerRequest {
    /// The approved vacancy the worker fills; the first free place of it is taken.
    pub vacancy_id: Uuid,
    #[schema(example = "DELA CRUZ, Maria")]
    #[validate(length(min = 1, max = 200), custom(function = "validate::not_blank"))]
    pub full_name: String,
    /// Kept only as a keyed hash and its last four characters; never returned or logged.
    #[schema(example = "P1234567A")]
    #[validate(custom(function = "validate::travel_document"))]
    pub travel_document_number: String,
    /// ISO 3166-1 alpha-3.
    #[schema(example = "PHL")]
    #[validate(custom(function = "validate::nationality"))]
    pub nationality: String,
    /// A Mainland resident must have been recruited through a Mainland-approved enterprise (R-ELIG-6).
    #[serde(default)]
    pub mainland_resident: bool,
    #[validate(length(min = 1, max = 300), custom(function = "validate::not_blank"))]
    pub recruiting_enterprise: Option<String>,
    pub date_of_birth: NaiveDate,
}

/// The application statuses in which workers may be named.
const NAMING_STATUSES: [ApplicationStatus; 3] = [
    ApplicationStatus::Approved,
    ApplicationStatus::PartiallyApproved,
    ApplicationStatus::Active,
];

/// Name a worker for an approved place (employer). Never more workers than places approved: the first
/// free place of the vacancy is taken, and a 422 says when none is left.
#[utoipa::path(tag = "workers", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Application id"), ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = NameWorkerRequest, responses(
    (status = 201, body = WorkerResponse, headers(("Location" = String))),
    WriteErrors,
    (status = 409, description = "The application is not approved, or the same travel document is named on a live place", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "R-ELIG-5 (nationality), R-ELIG-6 (Mainland enterprise), R-DEC-1 (no place left), R-DEC-2 (places lapsed); or the Idempotency-Key was reused", body = Problem, content_type = "application/problem+json"),
))]
#[post("/applications/{id}/workers")]
pub async fn name_worker(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    documents: web::Data<TravelDocumentKey>,
    id: web::Path<Uuid>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Employer])?;
    let today = clock.today();
    let request = body.parse_checked::<NameWorkerRequest>(|r, errors| {
        if r.date_of_birth >= today {
            errors.push(FieldError::new("date_of_birth", "must be in the past"));
        }
        if r.mainland_resident && r.nationality != "CHN" {
            errors.push(FieldError::new("mainland_resident", "is only for nationality CHN"));
        }
    })?;
    let document = documents.protect(&request.travel_document_number);
    let id = ApplicationId(id.into_inner());
    let actor = actor(&user, &req);
    let scope = user.employer_scope();
    let idempotency = Idempotency::from_request(&req, &user, body.bytes())?;
    let mut conn = pool.get().await?;
    let response = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            if let Some(previous) = idempotency::replay(idempotency.as_ref(), conn).await? {
                return Ok(previous);
            }
            // Locked before reading, so the status and the free places read stay true until commit.
            workers::lock_application(conn, id).await?;
            let app = applications::get(conn, id, scope)
                .await
                .map_err(not_found("application"))?;
            if !NAMING_STATUSES.contains(&app.status) {
                return Err(ApiError::Conflict(format!(
                    "Workers are named only on an approved application; this one is {}.",
                    app.status
                )));
            }
            if !app.vacancies.iter().any(|v| v.id.0 == request.vacancy_id) {
                return Err(ApiError::field("vacancy_id", "is not a vacancy of this application"));
            }
            let policy = policy::load(conn).await?;
            let barred = policy.get::<Vec<String>>(keys::INADMISSIBLE_NATIONALITIES, None, today)?;
            let naming_checks = vec![
                admission::nationality(&admission::NationalityInput {
                    nationality: request.nationality.clone(),
                    inadmissible: barred.value,
                })
                .with_provenance(None, vec![barred.source], vec![]),
                admission::mainland_enterprise(&admission::MainlandInput {
                    mainland_resident: request.mainland_resident,
                    recruiting_enterprise: request.recruiting_enterprise.clone(),
                }),
            ];
            let failed = checks::failures(&naming_checks);
            if !failed.is_empty() {
                return Err(checks::violation(&failed));
            }
            // The same document on a place still running (any employer's) is the same person twice.
            for other in workers::with_travel_document(conn, &document.hmac).await? {
                if !workers::get(conn, other, None).await?.state(today).is_closed() {
                    return Err(ApiError::Conflict(
                        "A worker with this travel document is already named on a place that is still running.".into(),
                    ));
                }
            }
            let of_vacancy: Vec<PlaceRecord> = workers::load(conn, Places::OfApplication(id))
                .await?
                .into_iter()
                .filter(|r| r.place.vacancy_id == request.vacancy_id)
                .collect();
            let Some(free) = of_vacancy
                .iter()
                .find(|r| r.worker.is_none() && r.state(today) == PlaceState::Allocated)
            else {
                let lapsed = of_vacancy
                    .iter()
                    .filter(|r| r.worker.is_none() && r.state(today) == PlaceState::Expired)
                    .count();
                return Err(if lapsed > 0 {
                    ApiError::RuleViolation {
                        rule_id: "R-DEC-2".into(),
                        reason: format!("{lapsed} unfilled place(s) of this vacancy lapsed at their AIP deadline."),
                    }
                } else {
                    ApiError::RuleViolation {
                        rule_id: "R-DEC-1".into(),
                        reason: format!(
                            "{} place(s) were approved for this vacancy and every one has a worker named.",
                            of_vacancy.len()
                        ),
                    }
                });
            };
            let now = Utc::now();
            let worker_id = Uuid::new_v4();
            let worker = Worker {
                id: worker_id,
                place_id: free.place.id,
                application_id: id.0,
                employer_id: app.employer_id.0,
                full_name: request.full_name.trim().to_owned(),
                travel_document_hmac: document.hmac,
                travel_document_last4: document.last4,
                nationality: request.nationality.clone(),
                mainland_resident: request.mainland_resident,
                recruiting_enterprise: request.recruiting_enterprise.as_ref().map(|e| e.trim().to_owned()),
                date_of_birth: request.date_of_birth,
                checks: serde_json::to_value(
                    naming_checks
                        .into_iter()
                        .map(|c| c.with_subject(Some(worker_id)))
                        .collect::<Vec<_>>(),
                )?,
                visa_applied_on: None,
                visa_issued_on: None,
                visa_number: None,
                arrived_on: None,
                arrival_port: None,
                briefing_due_on: None,
                separated_on: None,
                separation_type: None,
                departure_confirmed: None,
                named_by: actor.sub.clone(),
                created_at: now,
                updated_at: now,
            };
            workers::insert_worker(conn, &worker).await?;
            let record = workers::get(conn, worker.id, None).await?;
            let body = WorkerResponse::new(&record, today, wage_due_days(&policy, today)?)?;
            audit::append(
                conn,
                NewAuditEvent::created(
                    &actor,
                    Entity::Worker {
                        id: worker.id,
                        application: id,
                    },
                    "worker.named",
                    &body,
                )?,
            )
            .await?;
            let response =
                WriteResponse::new(StatusCode::CREATED, &body)?.location(format!("/v1/workers/{}", worker.id));
            idempotency::remember(idempotency.as_ref(), conn, &response).await?;
            Ok(response)
        })
        .await?;
    Ok(response.into_response())
}

/// One worker: the place, its state, everything recorded and what is still owed.
#[utoipa::path(tag = "workers", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Worker id")), responses(
    (status = 200, body = WorkerResponse),
    ReadOneErrors,
))]
#[get("/workers/{id}")]
pub async fn get_worker(
    user: AuthUser,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(&WORKER_READERS)?;
    let today = clock.today();
    let mut conn = pool.get().await?;
    let record = workers::get(&mut conn, id.into_inner(), user.employer_scope())
        .await
        .map_err(not_found("worker"))?;
    let policy = policy::load(&mut conn).await?;
    Ok(HttpResponse::Ok().json(WorkerResponse::new(&record, today, wage_due_days(&policy, today)?)?))
}

// ---- the Standard Employment Contract ----

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
    let mut conn = pool.get().await?;
    let response = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            if let Some(previous) = change.replay(conn).await? {
                return Ok(previous);
            }
            let before = change.begin(conn).await?;
            let worker = worker_of(&before)?;
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
                    recorded_by: change.actor.sub.clone(),
                    recorded_at: Utc::now(),
                },
            )
            .await?;
            change
                .finish(conn, &before, "worker.contract_recorded", StatusCode::OK)
                .await
        })
        .await?;
    Ok(response.into_response())
}

// ---- visa, levy, arrival ----

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VisaEvent {
    /// The visa / entry permit application was lodged with ImmD.
    Applied,
    /// ImmD issued the visa.
    Issued,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisaRequest {
    pub event: VisaEvent,
    pub on: NaiveDate,
    /// Required when the visa is issued.
    #[validate(length(min = 1, max = 50), custom(function = "validate::not_blank"))]
    pub visa_number: Option<String>,
}

/// Record the visa application (before the AIP deadline, with the contract signed) or its issue.
/// The first visa application of an approval makes it ACTIVE.
#[utoipa::path(tag = "workers", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Worker id"), ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = VisaRequest, responses(
    (status = 200, body = WorkerResponse),
    WriteErrors,
    (status = 409, description = "Not allowed in the place's current state", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "R-DEC-2 (after the AIP deadline), R-CON-2 (no contract yet); or the Idempotency-Key was reused", body = Problem, content_type = "application/problem+json"),
))]
#[post("/workers/{id}/visa")]
pub async fn record_visa(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Employer, Role::Caseworker])?;
    let today = clock.today();
    let request = body.parse_checked::<VisaRequest>(|r, errors| {
        not_in_future("on", r.on, today, errors);
        match r.event {
            VisaEvent::Issued if r.visa_number.is_none() => {
                errors.push(FieldError::new("visa_number", "is required when the visa is issued"))
            }
            VisaEvent::Applied if r.visa_number.is_some() => {
                errors.push(FieldError::new("visa_number", "is known only once the visa is issued"))
            }
            _ => {}
        }
    })?;
    let change = WorkerChange::new(&req, &user, &body, today, id.into_inner())?;
    let mut conn = pool.get().await?;
    let response = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            if let Some(previous) = change.replay(conn).await? {
                return Ok(previous);
            }
            let before = change.begin(conn).await?;
            let mut worker = worker_of(&before)?.worker.clone();
            let (event, action) = match request.event {
                VisaEvent::Applied => (PlaceEvent::ApplyForVisa, "worker.visa_applied"),
                VisaEvent::Issued => (PlaceEvent::IssueVisa, "worker.visa_issued"),
            };
            let to = next_state(&before, event, today)?;
            match request.event {
                VisaEvent::Applied => {
                    if request.on > before.place.aip_deadline {
                        return Err(ApiError::RuleViolation {
                            rule_id: "R-DEC-2".into(),
                            reason: format!(
                                "The visa application of {} is after the AIP deadline {}.",
                                request.on, before.place.aip_deadline
                            ),
                        });
                    }
                    if worker_of(&before)?.contract.is_none() {
                        return Err(ApiError::RuleViolation {
                            rule_id: contract::TERMS.into(),
                            reason:
                                "Record the signed Standard Employment Contract first: the visa application needs it."
                                    .into(),
                        });
                    }
                    worker.visa_applied_on = Some(request.on);
                    activate(conn, &change.actor, ApplicationId(before.place.application_id), today).await?;
                }
                VisaEvent::Issued => {
                    if worker.visa_applied_on.is_some_and(|applied| request.on < applied) {
                        return Err(ApiError::field("on", "must not be before the visa application"));
                    }
                    worker.visa_issued_on = Some(request.on);
                    worker.visa_number = request.visa_number.as_ref().map(|n| n.trim().to_owned());
                }
            }
            worker.updated_at = Utc::now();
            workers::save_worker(conn, &worker).await?;
            workers::set_place_status(conn, before.place.id, to, before.place.replacement_allowed).await?;
            change.finish(conn, &before, action, StatusCode::OK).await
        })
        .await?;
    Ok(response.into_response())
}

/// The first place in use makes an approved application ACTIVE (the service's own step).
async fn activate(conn: &mut Conn, by: &Actor, id: ApplicationId, today: NaiveDate) -> Result<(), ApiError> {
    let before = applications::get_for_update(conn, id, None).await?;
    if before.status == ApplicationStatus::Active {
        return Ok(());
    }
    let to = transition(before.status, ApplicationAction::Activate, Role::System)?;
    let after = applications::set_status(conn, id, to, false, today).await?;
    let system = Actor {
        sub: "sls-case".into(),
        role: Role::System,
        employer_id: None,
        request_id: by.request_id.clone(),
        on_behalf_of: None,
    };
    audit::append(
        conn,
        NewAuditEvent::application_change(
            &system,
            "application.activate",
            Some(&before),
            &after,
            Some("The first visa application of the approval was lodged.".into()),
        )?,
    )
    .await?;
    Ok(())
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LevyPaymentRequest {
    /// Must equal the amount due (rate × contract months, shown on the worker).
    pub amount_hkd: u32,
    pub paid_on: NaiveDate,
    #[schema(example = "ERL-2026-000123")]
    #[validate(length(min = 1, max = 100), custom(function = "validate::not_blank"))]
    pub receipt_ref: String,
}

/// Record the levy paid (employer or caseworker). Once per worker; never refunded.
#[utoipa::path(tag = "workers", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Worker id"), ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = LevyPaymentRequest, responses(
    (status = 201, body = WorkerResponse),
    WriteErrors,
    (status = 409, description = "Already paid, or the place is closed", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "R-LEVY-1 (no contract yet, or not the amount due); or the Idempotency-Key was reused", body = Problem, content_type = "application/problem+json"),
))]
#[post("/workers/{id}/levy")]
pub async fn record_levy_payment(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Employer, Role::Caseworker])?;
    let today = clock.today();
    let request = body.parse_checked::<LevyPaymentRequest>(|r, errors| {
        not_in_future("paid_on", r.paid_on, today, errors);
    })?;
    let change = WorkerChange::new(&req, &user, &body, today, id.into_inner())?;
    let mut conn = pool.get().await?;
    let response = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            if let Some(previous) = change.replay(conn).await? {
                return Ok(previous);
            }
            let before = change.begin(conn).await?;
            let worker = worker_of(&before)?;
            if worker.levy.is_some() {
                return Err(ApiError::Conflict("The levy for this worker is already paid.".into()));
            }
            if matches!(before.state(today), PlaceState::Expired | PlaceState::Revoked) {
                return Err(ApiError::Conflict(format!(
                    "No levy is owed on a place that is {}.",
                    before.state(today)
                )));
            }
            let Some(signed) = &worker.contract else {
                return Err(ApiError::RuleViolation {
                    rule_id: contract::LEVY.into(),
                    reason: "The levy is set by the contract's months: record the contract first.".into(),
                });
            };
            let due = signed.levy_amount_hkd.unsigned_abs();
            if request.amount_hkd != due {
                return Err(ApiError::RuleViolation {
                    rule_id: contract::LEVY.into(),
                    reason: format!(
                        "The levy due is HK${} × {} months = HK${due}, not HK${}.",
                        signed.levy_rate_hkd, signed.contract_months, request.amount_hkd
                    ),
                });
            }
            workers::insert_levy_payment(
                conn,
                &LevyPayment {
                    id: Uuid::new_v4(),
                    worker_id: worker.worker.id,
                    contract_months: signed.contract_months,
                    rate_hkd: signed.levy_rate_hkd,
                    amount_hkd: signed.levy_amount_hkd,
                    paid_on: request.paid_on,
                    receipt_ref: request.receipt_ref.trim().to_owned(),
                    non_refundable: true,
                    recorded_by: change.actor.sub.clone(),
                    created_at: Utc::now(),
                },
            )
            .await?;
            change
                .finish(conn, &before, "worker.levy_paid", StatusCode::CREATED)
                .await
        })
        .await?;
    Ok(response.into_response())
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArrivalRequest {
    pub arrived_on: NaiveDate,
    /// The control point, e.g. HKIA or Lok Ma Chau.
    #[schema(example = "HKIA")]
    #[validate(length(min = 1, max = 100), custom(function = "validate::not_blank"))]
    pub port: Option<String>,
}

/// Record the worker's arrival in Hong Kong (employer or caseworker): the 56-day briefing clock starts.
#[utoipa::path(tag = "workers", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Worker id"), ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = ArrivalRequest, responses(
    (status = 200, body = WorkerResponse),
    WriteErrors,
    (status = 409, description = "No visa issued yet, or already arrived", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A policy value is missing, or the Idempotency-Key was reused", body = Problem, content_type = "application/problem+json"),
))]
#[post("/workers/{id}/arrival")]
pub async fn record_arrival(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Employer, Role::Caseworker])?;
    let today = clock.today();
    let request = body.parse_checked::<ArrivalRequest>(|r, errors| {
        not_in_future("arrived_on", r.arrived_on, today, errors);
    })?;
    let change = WorkerChange::new(&req, &user, &body, today, id.into_inner())?;
    let mut conn = pool.get().await?;
    let response = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            if let Some(previous) = change.replay(conn).await? {
                return Ok(previous);
            }
            let before = change.begin(conn).await?;
            let to = next_state(&before, PlaceEvent::Arrive, today)?;
            let mut worker = worker_of(&before)?.worker.clone();
            if worker.visa_issued_on.is_some_and(|issued| request.arrived_on < issued) {
                return Err(ApiError::field("arrived_on", "must not be before the visa was issued"));
            }
            let policy = policy::load(conn).await?;
            let days = policy.get::<u32>(keys::BRIEFING_DUE_DAYS_AFTER_ARRIVAL, None, request.arrived_on)?;
            worker.arrived_on = Some(request.arrived_on);
            worker.arrival_port = request.port.as_ref().map(|p| p.trim().to_owned());
            worker.briefing_due_on = Some(briefing_due_on(request.arrived_on, days.value));
            worker.updated_at = Utc::now();
            workers::save_worker(conn, &worker).await?;
            workers::set_place_status(conn, before.place.id, to, before.place.replacement_allowed).await?;
            change.finish(conn, &before, "worker.arrived", StatusCode::OK).await
        })
        .await?;
    Ok(response.into_response())
}

// ---- briefing, wages, separation ----

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BriefingRequest {
    /// The Labour Department's session reference.
    #[schema(example = "LD-BRF-2026-0612-AM")]
    #[validate(length(min = 1, max = 100), custom(function = "validate::not_blank"))]
    pub session_ref: String,
    pub session_on: NaiveDate,
    pub attended: bool,
    /// The employer gave the worker paid leave to attend.
    pub paid_leave_confirmed: bool,
}

/// Record a briefing session and whether the worker attended (caseworker; R-BRF-1).
#[utoipa::path(tag = "workers", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Worker id"), ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = BriefingRequest, responses(
    (status = 201, body = WorkerResponse),
    WriteErrors,
    (status = 409, description = "The worker has not arrived", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Idempotency-Key reused for a different request", body = Problem, content_type = "application/problem+json"),
))]
#[post("/workers/{id}/briefing")]
pub async fn record_briefing(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Caseworker])?;
    let today = clock.today();
    let request = body.parse_checked::<BriefingRequest>(|r, errors| {
        not_in_future("session_on", r.session_on, today, errors);
    })?;
    let change = WorkerChange::new(&req, &user, &body, today, id.into_inner())?;
    let mut conn = pool.get().await?;
    let response = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            if let Some(previous) = change.replay(conn).await? {
                return Ok(previous);
            }
            let before = change.begin(conn).await?;
            let worker = worker_of(&before)?;
            let Some(arrived_on) = worker.worker.arrived_on else {
                return Err(ApiError::Conflict(
                    "The briefing follows the arrival: record the arrival first.".into(),
                ));
            };
            if request.session_on < arrived_on {
                return Err(ApiError::field("session_on", "must not be before the arrival"));
            }
            workers::insert_briefing(
                conn,
                &Briefing {
                    id: Uuid::new_v4(),
                    worker_id: worker.worker.id,
                    session_ref: request.session_ref.trim().to_owned(),
                    session_on: request.session_on,
                    attended: request.attended,
                    paid_leave_confirmed: request.paid_leave_confirmed,
                    recorded_by: change.actor.sub.clone(),
                    created_at: Utc::now(),
                },
            )
            .await?;
            change
                .finish(conn, &before, "worker.briefing_recorded", StatusCode::CREATED)
                .await
        })
        .await?;
    Ok(response.into_response())
}

/// The first day of a `YYYY-MM` wage month.
fn wage_month(month: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .ok()
        .filter(|_| month.len() == 7)
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WagePaymentRequest {
    /// The wage period, YYYY-MM.
    #[schema(example = "2026-06")]
    pub month: String,
    #[validate(range(max = 10_000_000))]
    pub gross_hkd: u32,
    #[serde(default)]
    #[validate(length(max = 20))]
    pub deductions: Vec<DeductionLine>,
    /// Must equal gross less the deductions.
    pub net_hkd: u32,
    #[schema(example = "AUTOPAY-2026-06-0042")]
    #[validate(length(min = 1, max = 100), custom(function = "validate::not_blank"))]
    pub autopay_ref: String,
    pub paid_on: NaiveDate,
}

/// Record a month's wage payment by autopay (employer or caseworker; R-CON-3). A month may take more
/// than one transfer (arrears made up later); the service flags, over the month's transfers so far, a
/// gross below what the contract owes, forbidden deductions, accommodation above the contract's, and
/// late payment.
#[utoipa::path(tag = "workers", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Worker id"), ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = WagePaymentRequest, responses(
    (status = 201, body = WorkerResponse),
    WriteErrors,
    (status = 409, description = "The worker has not arrived or has no contract, or this autopay transfer is already recorded for the month", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A policy value is missing, or the Idempotency-Key was reused", body = Problem, content_type = "application/problem+json"),
))]
#[post("/workers/{id}/wage-payments")]
pub async fn record_wage_payment(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Employer, Role::Caseworker])?;
    let today = clock.today();
    let request = body.parse_checked::<WagePaymentRequest>(|r, errors| {
        match wage_month(&r.month) {
            None => errors.push(FieldError::new("month", "must be a month as YYYY-MM")),
            Some(m) if m > month_start(today) => errors.push(FieldError::new("month", "must not be in the future")),
            Some(_) => {}
        }
        not_in_future("paid_on", r.paid_on, today, errors);
        let deducted: u64 = r.deductions.iter().map(|d| u64::from(d.amount_hkd)).sum();
        if u64::from(r.gross_hkd) < deducted {
            errors.push(FieldError::new("deductions", "must not add up to more than gross_hkd"));
        } else if u64::from(r.net_hkd) != u64::from(r.gross_hkd) - deducted {
            errors.push(FieldError::new("net_hkd", "must equal gross_hkd less the deductions"));
        }
    })?;
    let month = wage_month(&request.month).unwrap_or(today);
    let change = WorkerChange::new(&req, &user, &body, today, id.into_inner())?;
    let mut conn = pool.get().await?;
    let response = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            if let Some(previous) = change.replay(conn).await? {
                return Ok(previous);
            }
            let before = change.begin(conn).await?;
            let worker = worker_of(&before)?;
            let (Some(signed), Some(_)) = (&worker.contract, worker.worker.arrived_on) else {
                return Err(ApiError::Conflict(
                    "Wages are recorded for a worker who has arrived under a recorded contract.".into(),
                ));
            };
            let autopay_ref = request.autopay_ref.trim();
            let earlier: Vec<&WagePayment> = worker.wage_payments.iter().filter(|p| p.wage_month == month).collect();
            if earlier.iter().any(|p| p.autopay_ref == autopay_ref) {
                return Err(ApiError::Conflict(format!(
                    "Autopay transfer {autopay_ref} for {} is already recorded.",
                    request.month
                )));
            }
            let owed = wage_due_for_month(
                signed.monthly_wage_hkd.unsigned_abs(),
                signed.starts_on,
                signed.ends_on,
                month,
            );
            if owed == 0 {
                return Err(ApiError::field("month", "is outside the contract's term"));
            }
            let policy = policy::load(conn).await?;
            let due_days = policy.get::<u32>(keys::WAGE_PAYMENT_DUE_DAYS, None, month)?.value;
            // A month may be paid in more than one transfer (arrears made up later): the flags are the
            // month's, over every transfer so far.
            let mut deductions: Vec<(DeductionKind, u32)> = earlier
                .iter()
                .flat_map(|p| serde_json::from_value::<Vec<DeductionLine>>(p.deductions.clone()).unwrap_or_default())
                .map(|d| (d.kind, d.amount_hkd))
                .collect();
            deductions.extend(request.deductions.iter().map(|d| (d.kind, d.amount_hkd)));
            let flags = wage_flags(
                &WagePaymentFacts {
                    month,
                    gross_hkd: earlier
                        .iter()
                        .map(|p| p.gross_hkd.unsigned_abs())
                        .sum::<u32>()
                        .saturating_add(request.gross_hkd),
                    deductions,
                    paid_on: request.paid_on,
                },
                owed,
                signed.accommodation_deduction_hkd.unsigned_abs(),
                due_days,
            );
            if !flags.is_empty() {
                tracing::warn!(worker.id = %worker.worker.id, ?flags, "wage payment flagged");
            }
            workers::insert_wage_payment(
                conn,
                &WagePayment {
                    id: Uuid::new_v4(),
                    worker_id: worker.worker.id,
                    wage_month: month,
                    gross_hkd: hkd(request.gross_hkd),
                    deductions: serde_json::to_value(&request.deductions)?,
                    net_hkd: hkd(request.net_hkd),
                    autopay_ref: autopay_ref.to_owned(),
                    paid_on: request.paid_on,
                    expected_hkd: hkd(owed),
                    flags: serde_json::to_value(&flags)?,
                    recorded_by: change.actor.sub.clone(),
                    created_at: Utc::now(),
                },
            )
            .await?;
            change
                .finish(conn, &before, "worker.wage_paid", StatusCode::CREATED)
                .await
        })
        .await?;
    Ok(response.into_response())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SeparationType {
    /// The contract ran its term.
    ContractEnded,
    Resignation,
    Dismissal,
    Abscondment,
}

impl SeparationType {
    fn as_str(self) -> &'static str {
        match self {
            Self::ContractEnded => "CONTRACT_ENDED",
            Self::Resignation => "RESIGNATION",
            Self::Dismissal => "DISMISSAL",
            Self::Abscondment => "ABSCONDMENT",
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeparationRequest {
    #[serde(rename = "type")]
    pub separation_type: SeparationType,
    pub on: NaiveDate,
    /// The worker has left Hong Kong.
    pub departure_confirmed: bool,
}

/// Record the end of employment (employer or caseworker). The levy is not refunded.
#[utoipa::path(tag = "workers", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Worker id"), ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = SeparationRequest, responses(
    (status = 200, body = WorkerResponse),
    WriteErrors,
    (status = 409, description = "The worker has not arrived, or has already left", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Idempotency-Key reused for a different request", body = Problem, content_type = "application/problem+json"),
))]
#[post("/workers/{id}/separation")]
pub async fn record_separation(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Employer, Role::Caseworker])?;
    let today = clock.today();
    let request = body.parse_checked::<SeparationRequest>(|r, errors| {
        not_in_future("on", r.on, today, errors);
    })?;
    let change = WorkerChange::new(&req, &user, &body, today, id.into_inner())?;
    let mut conn = pool.get().await?;
    let response = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            if let Some(previous) = change.replay(conn).await? {
                return Ok(previous);
            }
            let before = change.begin(conn).await?;
            let mut worker = worker_of(&before)?.worker.clone();
            if worker.separated_on.is_some() {
                return Err(ApiError::Conflict("The worker's separation is already recorded.".into()));
            }
            let early = request.separation_type != SeparationType::ContractEnded;
            let to = next_state(&before, PlaceEvent::Separate { early }, today)?;
            let ends_on = worker_of(&before)?.contract.as_ref().map(|c| c.ends_on);
            if worker.arrived_on.is_some_and(|arrived| request.on < arrived) {
                return Err(ApiError::field("on", "must not be before the arrival"));
            }
            if !early && ends_on.is_some_and(|end| request.on < end) {
                return Err(ApiError::field(
                    "type",
                    "CONTRACT_ENDED is for the contract's end date; an earlier end is a RESIGNATION, DISMISSAL or ABSCONDMENT",
                ));
            }
            worker.separated_on = Some(request.on);
            worker.separation_type = Some(request.separation_type.as_str().to_owned());
            worker.departure_confirmed = Some(request.departure_confirmed);
            worker.updated_at = Utc::now();
            workers::save_worker(conn, &worker).await?;
            workers::set_place_status(conn, before.place.id, to, before.place.replacement_allowed).await?;
            change.finish(conn, &before, "worker.separated", StatusCode::OK).await
        })
        .await?;
    Ok(response.into_response())
}
