//! Briefing, wages and separation: the worker in post.

use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::{DeductionLine, WorkerResponse, not_in_future};
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::domain::Role;
use crate::domain::worker::{SeparationType, month_start};
use crate::error::{ApiError, FieldError, Problem};
use crate::http::extract::JsonBody;
use crate::http::validate;
use crate::http::write::{command, respond};
use crate::openapi::WriteErrors;
use crate::workflow::DbPool;
use crate::workflow::workers::{self, BriefingAttendance, Separation, WagePaymentInput};

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"session_ref": "ERB-2026-05-20-AM", "session_on": "2026-05-20", "attended": true, "paid_leave_confirmed": true})))]
#[serde(deny_unknown_fields)]
pub struct BriefingRequest {
    /// The Labour Department's session reference.
    #[schema(example = "LD-BRF-2026-0612-AM")]
    #[validate(length(min = 1, max = 100), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub session_ref: String,
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub session_on: NaiveDate,
    pub attended: bool,
    /// The employer gave the worker paid leave to attend.
    pub paid_leave_confirmed: bool,
}

/// Record a briefing session and whether the worker attended (caseworker; R-BRF-1).
///
/// A session attended within 56 days of arrival, on paid leave, discharges R-BRF-1; a missed session is
/// recorded too and the obligation stays open.
///
/// Who may call it: caseworkers.
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
    let session = BriefingAttendance {
        session_ref: request.session_ref.trim().to_owned(),
        session_on: request.session_on,
        attended: request.attended,
        paid_leave_confirmed: request.paid_leave_confirmed,
    };
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let reply = workers::record_briefing(&pool, &cmd, id.into_inner(), session, WorkerResponse::created).await?;
    Ok(respond(reply))
}

/// The first day of a `YYYY-MM` wage month.
fn wage_month(month: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .ok()
        .filter(|_| month.len() == 7)
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"month": "2026-05", "gross_hkd": 14000, "net_hkd": 13000, "deductions": [{"kind": "ACCOMMODATION", "amount_hkd": 1000}], "autopay_ref": "HSBC AP 2026-05-0042", "paid_on": "2026-06-05"})))]
#[serde(deny_unknown_fields)]
pub struct WagePaymentRequest {
    /// The wage period, YYYY-MM.
    #[schema(example = "2026-06")]
    pub month: String,
    #[validate(range(max = 10_000_000))]
    #[schema(maximum = 10_000_000)]
    pub gross_hkd: u32,
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub deductions: Vec<DeductionLine>,
    /// Must equal gross less the deductions.
    pub net_hkd: u32,
    #[schema(example = "AUTOPAY-2026-06-0042")]
    #[validate(length(min = 1, max = 100), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub autopay_ref: String,
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub paid_on: NaiveDate,
}

/// Record a month's wage payment by autopay (employer or caseworker; R-CON-3).
///
/// A month may take more than one transfer (arrears made up later); the service flags, over the month's
/// transfers so far, a gross below what the contract owes, forbidden deductions, accommodation above the
/// contract's, and late payment.
///
/// Who may call it: the employer (for its own records only; another employer's are 404) or a caseworker.
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
    let request = body.parse_checked::<WagePaymentRequest>(|r, errors| r.check(today, errors))?;
    let payment = request.into_payment(today);
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let reply = workers::record_wage_payment(&pool, &cmd, id.into_inner(), payment, WorkerResponse::created).await?;
    Ok(respond(reply))
}

impl WagePaymentRequest {
    /// A past or current month as YYYY-MM, paid by now, its net gross less its deductions.
    fn check(&self, today: NaiveDate, errors: &mut Vec<FieldError>) {
        match wage_month(&self.month) {
            None => errors.push(FieldError::new("month", "must be a month as YYYY-MM")),
            Some(m) if m > month_start(today) => errors.push(FieldError::new("month", "must not be in the future")),
            Some(_) => {}
        }
        not_in_future("paid_on", self.paid_on, today, errors);
        let deducted: u64 = self.deductions.iter().map(|d| u64::from(d.amount_hkd)).sum();
        if u64::from(self.gross_hkd) < deducted {
            errors.push(FieldError::new("deductions", "must not add up to more than gross_hkd"));
        } else if u64::from(self.net_hkd) != u64::from(self.gross_hkd) - deducted {
            errors.push(FieldError::new("net_hkd", "must equal gross_hkd less the deductions"));
        }
    }

    /// The payment, for a request that passed [`Self::check`].
    fn into_payment(self, today: NaiveDate) -> WagePaymentInput {
        WagePaymentInput {
            month: wage_month(&self.month).unwrap_or(month_start(today)),
            gross_hkd: self.gross_hkd,
            deductions: self.deductions.into_iter().map(Into::into).collect(),
            net_hkd: self.net_hkd,
            autopay_ref: self.autopay_ref.trim().to_owned(),
            paid_on: self.paid_on,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"type": "RESIGNATION", "on": "2027-01-31", "departure_confirmed": true})))]
#[serde(deny_unknown_fields)]
pub struct SeparationRequest {
    #[serde(rename = "type")]
    #[schema(schema_with = crate::openapi::enums::separation_type)]
    pub separation_type: SeparationType,
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub on: NaiveDate,
    /// The worker has left Hong Kong.
    pub departure_confirmed: bool,
}

/// Record the end of employment (employer or caseworker).
///
/// The levy is not refunded.
///
/// Who may call it: the employer (for its own records only; another employer's are 404) or a caseworker.
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
    let separation = Separation {
        kind: request.separation_type,
        on: request.on,
        departure_confirmed: request.departure_confirmed,
    };
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let reply = workers::record_separation(&pool, &cmd, id.into_inner(), separation, WorkerResponse::ok).await?;
    Ok(respond(reply))
}
