//! Briefing, wages and separation: the worker in post.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::db::workers::{self, Briefing, WagePayment};
use crate::db::{DbPool, policy};
use crate::domain::Role;
use crate::domain::policy::keys;
use crate::domain::worker::{DeductionKind, PlaceEvent, WagePaymentFacts, month_start, wage_due_for_month, wage_flags};
use crate::error::{ApiError, FieldError, Problem};
use crate::http::extract::JsonBody;
use crate::http::validate;
use crate::openapi::WriteErrors;

use super::{DeductionLine, WorkerChange, WorkerResponse, hkd, next_state, not_in_future, save_step, worker_of};

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
    let recorded_by = change.actor.sub.clone();
    change
        .run(
            &pool,
            "worker.briefing_recorded",
            StatusCode::CREATED,
            async move |conn, before| {
                let worker = worker_of(before)?;
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
                        recorded_by: recorded_by.clone(),
                        created_at: Utc::now(),
                    },
                )
                .await?;
                Ok(())
            },
        )
        .await
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
    let recorded_by = change.actor.sub.clone();
    change
        .run(
            &pool,
            "worker.wage_paid",
            StatusCode::CREATED,
            async move |conn, before| {
                let worker = worker_of(before)?;
                let (Some(signed), Some(_)) = (&worker.contract, worker.worker.arrived_on) else {
                    return Err(ApiError::Conflict(
                        "Wages are recorded for a worker who has arrived under a recorded contract.".into(),
                    ));
                };
                let autopay_ref = request.autopay_ref.trim();
                let earlier: Vec<&WagePayment> =
                    worker.wage_payments.iter().filter(|p| p.wage_month == month).collect();
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
                    .flat_map(|p| {
                        serde_json::from_value::<Vec<DeductionLine>>(p.deductions.clone()).unwrap_or_default()
                    })
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
                        recorded_by: recorded_by.clone(),
                        created_at: Utc::now(),
                    },
                )
                .await?;
                Ok(())
            },
        )
        .await
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
    change
        .run(&pool, "worker.separated", StatusCode::OK, async move |conn, before| {
            let mut worker = worker_of(before)?.worker.clone();
            if worker.separated_on.is_some() {
                return Err(ApiError::Conflict("The worker's separation is already recorded.".into()));
            }
            let early = request.separation_type != SeparationType::ContractEnded;
            let to = next_state(before, PlaceEvent::Separate { early }, today)?;
            let ends_on = worker_of(before)?.contract.as_ref().map(|c| c.ends_on);
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
            save_step(conn, before, worker, to).await
        })
        .await
}
