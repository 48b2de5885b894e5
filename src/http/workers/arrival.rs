//! Visa, levy and arrival: getting the worker to Hong Kong.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::db::audit::{self, Actor, NewAuditEvent};
use crate::db::workers::{self, LevyPayment};
use crate::db::{Conn, DbPool, applications, policy};
use crate::domain::policy::keys;
use crate::domain::rules::contract::{self};
use crate::domain::worker::{PlaceEvent, PlaceState, briefing_due_on};
use crate::domain::{ApplicationAction, ApplicationId, ApplicationStatus, Role, transition};
use crate::error::{ApiError, FieldError, Problem};
use crate::http::extract::JsonBody;
use crate::http::validate;
use crate::openapi::WriteErrors;

use super::{WorkerChange, WorkerResponse, next_state, not_in_future, save_step, worker_of};

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
    let by = change.actor.clone();
    let (event, action) = match request.event {
        VisaEvent::Applied => (PlaceEvent::ApplyForVisa, "worker.visa_applied"),
        VisaEvent::Issued => (PlaceEvent::IssueVisa, "worker.visa_issued"),
    };
    change
        .run(&pool, action, StatusCode::OK, async move |conn, before| {
            let mut worker = worker_of(before)?.worker.clone();
            let to = next_state(before, event, today)?;
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
                    if worker_of(before)?.contract.is_none() {
                        return Err(ApiError::RuleViolation {
                            rule_id: contract::TERMS.into(),
                            reason:
                                "Record the signed Standard Employment Contract first: the visa application needs it."
                                    .into(),
                        });
                    }
                    worker.visa_applied_on = Some(request.on);
                    activate(conn, &by, ApplicationId(before.place.application_id), today).await?;
                }
                VisaEvent::Issued => {
                    if worker.visa_applied_on.is_some_and(|applied| request.on < applied) {
                        return Err(ApiError::field("on", "must not be before the visa application"));
                    }
                    worker.visa_issued_on = Some(request.on);
                    worker.visa_number = request.visa_number.as_ref().map(|n| n.trim().to_owned());
                }
            }
            save_step(conn, before, worker, to).await
        })
        .await
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
    let recorded_by = change.actor.sub.clone();
    change
        .run(
            &pool,
            "worker.levy_paid",
            StatusCode::CREATED,
            async move |conn, before| {
                let worker = worker_of(before)?;
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
    change
        .run(&pool, "worker.arrived", StatusCode::OK, async move |conn, before| {
            let to = next_state(before, PlaceEvent::Arrive, today)?;
            let mut worker = worker_of(before)?.worker.clone();
            if worker.visa_issued_on.is_some_and(|issued| request.arrived_on < issued) {
                return Err(ApiError::field("arrived_on", "must not be before the visa was issued"));
            }
            let policy = policy::load(conn).await?;
            let days = policy.get::<u32>(keys::BRIEFING_DUE_DAYS_AFTER_ARRIVAL, None, request.arrived_on)?;
            worker.arrived_on = Some(request.arrived_on);
            worker.arrival_port = request.port.as_ref().map(|p| p.trim().to_owned());
            worker.briefing_due_on = Some(briefing_due_on(request.arrived_on, days.value));
            save_step(conn, before, worker, to).await
        })
        .await
}
