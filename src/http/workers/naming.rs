//! An approval's places, naming a worker to one, and reading a worker.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{NaiveDate, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::db::audit::{self, Entity, NewAuditEvent};
use crate::db::workers::{self, PlaceRecord, Places, Worker};
use crate::db::{DbPool, applications, policy};
use crate::domain::policy::keys;
use crate::domain::rules::admission;
use crate::domain::worker::PlaceState;
use crate::domain::{ApplicationId, ApplicationStatus, Role};
use crate::error::{ApiError, FieldError, Problem};
use crate::http::applications::visible_application;
use crate::http::employers::not_found;
use crate::http::extract::{JsonBody, actor};
use crate::http::idempotency::{self, Idempotency, WriteResponse};
use crate::http::validate;
use crate::openapi::{ReadOneErrors, WriteErrors};
use crate::personal_data::TravelDocumentKey;
use crate::workflow::checks;

use super::{PlaceResponse, WORKER_READERS, WorkerResponse, wage_due_days};

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
