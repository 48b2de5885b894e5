//! Visa, levy and arrival: getting the worker to Hong Kong.

use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::{WorkerResponse, not_in_future};
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::domain::Role;
use crate::error::{ApiError, FieldError, Problem};
use crate::http::extract::JsonBody;
use crate::http::validate;
use crate::http::write::{command, respond};
use crate::openapi::WriteErrors;
use crate::workflow::DbPool;
use crate::workflow::workers::{self, Arrival, LevyPaid};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VisaEvent {
    /// The visa / entry permit application was lodged with ImmD.
    Applied,
    /// ImmD issued the visa.
    Issued,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"event": "APPLIED", "on": "2026-04-10"})))]
#[serde(deny_unknown_fields)]
pub struct VisaRequest {
    pub event: VisaEvent,
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub on: NaiveDate,
    /// Required when the visa is issued.
    #[validate(length(min = 1, max = 50), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 50, pattern = "\\S")]
    pub visa_number: Option<String>,
}

/// Record the visa application (on or before the AIP deadline, with the contract signed) or its issue.
///
/// Judged as of `on`, however late it is recorded. The first visa application of an approval makes it
/// ACTIVE.
///
/// Who may call it: the employer (for its own records only; another employer's are 404) or a caseworker.
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
    let visa = body
        .parse_checked::<VisaRequest>(|r, errors| r.check(today, errors))?
        .into();
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let reply = workers::record_visa(&pool, &cmd, id.into_inner(), visa, WorkerResponse::ok).await?;
    Ok(respond(reply))
}

impl VisaRequest {
    /// Not in the future; the visa number comes with the issue, and only then.
    fn check(&self, today: NaiveDate, errors: &mut Vec<FieldError>) {
        not_in_future("on", self.on, today, errors);
        match self.event {
            VisaEvent::Issued if self.visa_number.is_none() => {
                errors.push(FieldError::new("visa_number", "is required when the visa is issued"))
            }
            VisaEvent::Applied if self.visa_number.is_some() => {
                errors.push(FieldError::new("visa_number", "is known only once the visa is issued"))
            }
            _ => {}
        }
    }
}

impl From<VisaRequest> for workers::VisaEvent {
    fn from(r: VisaRequest) -> Self {
        match (r.event, r.visa_number) {
            (VisaEvent::Issued, Some(number)) => Self::Issued {
                on: r.on,
                visa_number: number.trim().to_owned(),
            },
            _ => Self::Applied { on: r.on },
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"amount_hkd": 9600, "paid_on": "2026-04-20", "receipt_ref": "ERL-2026-000981"})))]
#[serde(deny_unknown_fields)]
pub struct LevyPaymentRequest {
    /// Must equal the amount due (rate × contract months, shown on the worker).
    pub amount_hkd: u32,
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub paid_on: NaiveDate,
    #[schema(example = "ERL-2026-000123")]
    #[validate(length(min = 1, max = 100), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub receipt_ref: String,
}

/// Record the levy paid (employer or caseworker).
///
/// Once per worker; never refunded.
///
/// Who may call it: the employer (for its own records only; another employer's are 404) or a caseworker.
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
    let paid = LevyPaid {
        amount_hkd: request.amount_hkd,
        paid_on: request.paid_on,
        receipt_ref: request.receipt_ref.trim().to_owned(),
    };
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let reply = workers::record_levy_payment(&pool, &cmd, id.into_inner(), paid, WorkerResponse::created).await?;
    Ok(respond(reply))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"arrived_on": "2026-05-02", "port": "HKIA"})))]
#[serde(deny_unknown_fields)]
pub struct ArrivalRequest {
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub arrived_on: NaiveDate,
    /// The control point, e.g. HKIA or Lok Ma Chau.
    #[schema(example = "HKIA")]
    #[validate(length(min = 1, max = 100), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub port: Option<String>,
}

/// Record the worker's arrival in Hong Kong (employer or caseworker): the 56-day briefing clock starts.
///
/// The visa must be issued. The arrival date starts the 56-day clock of the employment-rights briefing
/// (R-BRF-1) and is judged as of itself, however late it is recorded.
///
/// Who may call it: the employer (for its own records only; another employer's are 404) or a caseworker.
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
    let arrival = Arrival {
        arrived_on: request.arrived_on,
        port: request.port.map(|p| p.trim().to_owned()),
    };
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let reply = workers::record_arrival(&pool, &cmd, id.into_inner(), arrival, WorkerResponse::ok).await?;
    Ok(respond(reply))
}
