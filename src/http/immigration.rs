//! Events from the Immigration Department's system.

use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::extract::JsonBody;
use super::validate;
use super::write::{command, respond};
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::domain::Role;
use crate::domain::worker::PlaceState;
use crate::error::{ApiError, FieldError, Problem};
use crate::workflow::DbPool;
use crate::workflow::immigration::{self, ImmigrationEvent};
use crate::workflow::unit::{IdempotencyKey, KeyOwner, Reply};
use crate::workflow::workers::{LevyPaid, WorkerView};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ImmigrationEventType {
    VisaIssued,
    VisaRefused,
    LevyPaid,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"event_id": "IMMD-EVT-2026-0001234", "type": "VISA_ISSUED", "worker_id": "6f1c2a64-5a0e-4d8b-9c3e-0a2b4c6d8e10", "occurred_on": "2026-04-20", "visa_number": "ID(E)123456"})))]
#[serde(deny_unknown_fields)]
pub struct ImmigrationEventRequest {
    /// The sender's own id of the event: sending it again changes nothing.
    #[validate(length(min = 1, max = 200), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub event_id: String,
    #[serde(rename = "type")]
    pub event_type: ImmigrationEventType,
    pub worker_id: Uuid,
    /// When it happened (the visa's issue or refusal, the levy's payment).
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub occurred_on: NaiveDate,
    /// `VISA_ISSUED`: the visa / entry permit number.
    #[serde(default, deserialize_with = "super::extract::present")]
    #[validate(length(min = 1, max = 100), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub visa_number: Option<String>,
    /// `VISA_REFUSED`: Immigration's reference of the refusal.
    #[serde(default, deserialize_with = "super::extract::present")]
    #[validate(length(min = 1, max = 100), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub reference: Option<String>,
    /// `LEVY_PAID`: the amount, which must be the contract's levy.
    #[serde(default, deserialize_with = "super::extract::present")]
    pub amount_hkd: Option<u32>,
    /// `LEVY_PAID`: the receipt.
    #[serde(default, deserialize_with = "super::extract::present")]
    #[validate(length(min = 1, max = 100), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub receipt_ref: Option<String>,
}

impl ImmigrationEventRequest {
    /// Each type carries its own fields, and no other type's.
    fn check(&self, today: NaiveDate, errors: &mut Vec<FieldError>) {
        let needs = |present: bool, wanted: bool, field: &str, errors: &mut Vec<FieldError>| match (present, wanted) {
            (false, true) => errors.push(FieldError::new(field, "is required for this type")),
            (true, false) => errors.push(FieldError::new(field, "does not belong to this type")),
            _ => {}
        };
        let t = self.event_type;
        needs(
            self.visa_number.is_some(),
            t == ImmigrationEventType::VisaIssued,
            "visa_number",
            errors,
        );
        needs(
            self.reference.is_some(),
            t == ImmigrationEventType::VisaRefused,
            "reference",
            errors,
        );
        needs(
            self.amount_hkd.is_some(),
            t == ImmigrationEventType::LevyPaid,
            "amount_hkd",
            errors,
        );
        needs(
            self.receipt_ref.is_some(),
            t == ImmigrationEventType::LevyPaid,
            "receipt_ref",
            errors,
        );
        if self.occurred_on > today {
            errors.push(FieldError::new("occurred_on", "must not be in the future"));
        }
    }

    fn event(self) -> ImmigrationEvent {
        let text = |s: Option<String>| s.unwrap_or_default().trim().to_owned();
        match self.event_type {
            ImmigrationEventType::VisaIssued => ImmigrationEvent::VisaIssued {
                on: self.occurred_on,
                visa_number: text(self.visa_number),
            },
            ImmigrationEventType::VisaRefused => ImmigrationEvent::VisaRefused {
                on: self.occurred_on,
                reference: text(self.reference),
            },
            ImmigrationEventType::LevyPaid => ImmigrationEvent::LevyPaid {
                paid: LevyPaid {
                    amount_hkd: self.amount_hkd.unwrap_or_default(),
                    paid_on: self.occurred_on,
                    receipt_ref: text(self.receipt_ref),
                },
            },
        }
    }
}

/// What Immigration is told back: the event taken, and where the worker's place stands. Nothing of the
/// worker's or employer's records beyond that.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImmigrationEventResponse {
    pub event_id: String,
    #[serde(rename = "type")]
    pub event_type: ImmigrationEventType,
    pub worker_id: Uuid,
    /// The place's state after the event (e.g. `VISA_ISSUED`).
    #[schema(value_type = String, example = "VISA_ISSUED")]
    pub place_state: PlaceState,
}

/// Take an event from the Immigration Department's system: a visa issued or refused, the levy paid.
///
/// `event_id` is the sender's own id: the same event sent again changes nothing and gets the first
/// answer again (with `Idempotency-Replayed: true`); the same id with a different body is 422. The event
/// is validated against the worker's place and contract as staff's hand entry is (the place's state on
/// `occurred_on`, the levy the contract sets) and audited with the sender's event id. Staff keep the
/// hand-entry path (`POST /v1/workers/{id}/visa`, `/levy`).
///
/// Who may call it: the Immigration Department's system (`immd` tokens).
#[utoipa::path(tag = "immigration", security(("bearer" = [])),
    request_body = ImmigrationEventRequest, responses(
    (status = 201, body = ImmigrationEventResponse),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such worker", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not a step the worker's place can take (e.g. no visa application lodged, levy already paid)", body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A rule not met (the levy is not the contract's; the place lapsed), or the event id sent before with another body", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[post("/immigration/events")]
pub async fn receive_event(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Immd])?;
    let today = clock.today();
    let request = body.parse_checked::<ImmigrationEventRequest>(|r, errors| r.check(today, errors))?;
    let mut cmd = command(&user, &req, &clock, body.bytes())?;
    // The sender's event id is Immigration's idempotency key, whatever header came with it and
    // whichever of its tokens sent it.
    cmd.idempotency = Some(IdempotencyKey {
        owner: KeyOwner::System(Role::Immd),
        key: request.event_id.trim().to_owned(),
        method: req.method().to_string(),
        route: "/v1/immigration/events".to_owned(),
        path: req.path().to_owned(),
        body_hash: format!("{:x}", Sha256::digest(body.bytes())),
    });
    let (event_id, event_type, worker) = (
        request.event_id.trim().to_owned(),
        request.event_type,
        request.worker_id,
    );
    let reply = immigration::receive(&pool, &cmd, &event_id, worker, request.event(), |view: &WorkerView| {
        let body = ImmigrationEventResponse {
            event_id: event_id.clone(),
            event_type,
            worker_id: worker,
            place_state: view.state,
        };
        Reply::new(201, &body)
    })
    .await?;
    Ok(respond(reply))
}
