//! An approval's places, naming a worker to one, and reading a worker.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::{PlaceResponse, WorkerResponse};
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::domain::{ApplicationId, Role, VacancyId};
use crate::error::{ApiError, FieldError, Problem};
use crate::http::CASE_READERS;
use crate::http::extract::JsonBody;
use crate::http::validate;
use crate::http::write::{command, respond};
use crate::openapi::{ReadOneErrors, WriteErrors};
use crate::personal_data::TravelDocumentKey;
use crate::workflow::DbPool;
use crate::workflow::workers::{self, NewWorker};

#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceListResponse {
    /// In vacancy and place order.
    pub items: Vec<PlaceResponse>,
}

/// The application's worker places, their state today and the worker named to each.
///
/// One place per worker approved: its AIP deadline, its state today (lapsed places show EXPIRED the day
/// after the deadline) and the worker named to it, if any.
///
/// Who may call it: caseworkers, approvers and auditors; an employer user for its own records only (another
/// employer's are 404, as if they did not exist).
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
    user.require(&CASE_READERS)?;
    let today = clock.today();
    let places = workers::places(&pool, user.viewer(), ApplicationId(id.into_inner())).await?;
    let items = places.iter().map(|r| PlaceResponse::new(r, today)).collect();
    Ok(HttpResponse::Ok().json(PlaceListResponse { items }))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"vacancy_id": "3f2b8c1e-9a4d-4c6b-8f0e-2d7a5b9c1e40", "full_name": "DELA CRUZ, Maria", "travel_document_number": "P7654321A", "nationality": "PHL", "date_of_birth": "1990-05-17"})))]
#[serde(deny_unknown_fields)]
pub struct NameWorkerRequest {
    /// The approved vacancy the worker fills; the first free place of it is taken.
    pub vacancy_id: Uuid,
    #[schema(example = "DELA CRUZ, Maria")]
    #[validate(length(min = 1, max = 200), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub full_name: String,
    /// Kept only as a keyed hash and its last four characters; never returned or logged.
    #[schema(example = "P1234567A")]
    #[validate(custom(function = "validate::travel_document"))]
    #[schema(
        pattern = "^[-\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*(?:[A-Za-z0-9][-\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*){5,20}$"
    )]
    pub travel_document_number: String,
    /// ISO 3166-1 alpha-3.
    #[schema(example = "PHL")]
    #[validate(custom(function = "validate::nationality"))]
    #[schema(pattern = "^[A-Z]{3}$")]
    pub nationality: String,
    /// A Mainland resident must have been recruited through a Mainland-approved enterprise (R-ELIG-6).
    #[serde(default)]
    pub mainland_resident: bool,
    #[validate(length(min = 1, max = 300), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 300, pattern = "\\S")]
    pub recruiting_enterprise: Option<String>,
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub date_of_birth: NaiveDate,
}

/// Name a worker for an approved place (employer).
///
/// Never more workers than places approved: the first free place of the vacancy is taken, and a 422 says
/// when none is left.
///
/// Who may call it: the employer, for its own records only (another employer's are 404).
#[utoipa::path(tag = "workers", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Application id"), ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = NameWorkerRequest, responses(
    (status = 201, body = WorkerResponse, headers(("Location" = String))),
    WriteErrors,
    (status = 409, description = "The application is not approved, or the same travel document is named on a live place", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "R-ELIG-5 (nationality), R-ELIG-6 (Mainland enterprise), R-DEC-1 (no place left), R-DEC-2 (places lapsed), R-RAT-1 (the ratio no longer covers the place); or the Idempotency-Key was reused", body = Problem, content_type = "application/problem+json"),
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
    let request = body.parse_checked::<NameWorkerRequest>(|r, errors| r.check(today, errors))?;
    let new = request.into_worker(&documents);
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let reply = workers::name_worker(&pool, &cmd, ApplicationId(id.into_inner()), new, |view| {
        Ok(WorkerResponse::created(view)?.with_location(format!("/v1/workers/{}", view.worker.worker.id)))
    })
    .await?;
    Ok(respond(reply))
}

impl NameWorkerRequest {
    /// Born in the past; only a Chinese national can be a Mainland resident.
    fn check(&self, today: NaiveDate, errors: &mut Vec<FieldError>) {
        if self.date_of_birth >= today {
            errors.push(FieldError::new("date_of_birth", "must be in the past"));
        }
        if self.mainland_resident && self.nationality != "CHN" {
            errors.push(FieldError::new("mainland_resident", "is only for nationality CHN"));
        }
    }

    /// The worker to name: the travel document number is kept only as its keyed hash and last four.
    fn into_worker(self, documents: &TravelDocumentKey) -> NewWorker {
        NewWorker {
            vacancy: VacancyId(self.vacancy_id),
            full_name: self.full_name.trim().to_owned(),
            travel_document: documents.protect(&self.travel_document_number),
            nationality: self.nationality,
            mainland_resident: self.mainland_resident,
            recruiting_enterprise: self.recruiting_enterprise.map(|e| e.trim().to_owned()),
            date_of_birth: self.date_of_birth,
        }
    }
}

/// One worker: the place, its state, everything recorded and what is still owed.
///
/// The worker's place and state, name, masked travel document, nationality, the Standard Employment
/// Contract, visa, levy, arrival, briefing, wage payments and separation, and what is still owed with its
/// due date.
///
/// Who may call it: caseworkers, approvers and auditors; an employer user for its own records only (another
/// employer's are 404, as if they did not exist).
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
    user.require(&CASE_READERS)?;
    let view = workers::get(&pool, user.viewer(), id.into_inner(), clock.today()).await?;
    Ok(HttpResponse::Ok().json(WorkerResponse::from(&view)))
}
