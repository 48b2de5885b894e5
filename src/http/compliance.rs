//! What an employer still owes after approval, per application and across the employer: unsigned
//! contracts, unpaid levy, visa applications before the AIP deadline, briefings, wages, and the ratio
//! against the latest headcount return. Each obligation carries its due date and rule id.

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::applications::visible_application;
use super::employers::not_found;
use super::workers::ObligationResponse;
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::db::{DbPool, employers};
use crate::domain::compliance::Obligation;
use crate::domain::{ApplicationId, EmployerId, Role};
use crate::error::{ApiError, Problem};
use crate::openapi::ReadOneErrors;
use crate::workflow::places;

const READERS: [Role; 4] = [Role::Caseworker, Role::Approver, Role::Auditor, Role::Employer];

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplianceResponse {
    pub employer_id: Uuid,
    /// Set for an application's view.
    pub application_id: Option<Uuid>,
    /// The day the obligations were worked out for (Hong Kong date).
    pub on: NaiveDate,
    /// Obligations not yet due.
    pub outstanding: usize,
    /// Obligations past their due date.
    pub overdue: usize,
    /// Soonest due first; those without a date last.
    pub obligations: Vec<ObligationResponse>,
}

impl ComplianceResponse {
    fn new(employer: EmployerId, application: Option<ApplicationId>, on: NaiveDate, owed: Vec<Obligation>) -> Self {
        let overdue = owed.iter().filter(|o| o.overdue).count();
        Self {
            employer_id: employer.0,
            application_id: application.map(|a| a.0),
            on,
            outstanding: owed.len() - overdue,
            overdue,
            obligations: owed.into_iter().map(Into::into).collect(),
        }
    }
}

/// Outstanding and overdue obligations of one approved application, with the employer's ratio.
#[utoipa::path(tag = "workers", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Application id")), responses(
    (status = 200, body = ComplianceResponse),
    (status = 422, description = "A policy value is missing for today", body = Problem, content_type = "application/problem+json"),
    ReadOneErrors,
))]
#[get("/applications/{id}/compliance")]
pub async fn get_application_compliance(
    user: AuthUser,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(&READERS)?;
    let id = ApplicationId(id.into_inner());
    let today = clock.today();
    let mut conn = pool.get().await?;
    let app = visible_application(&mut conn, &user, id).await?;
    let owed = places::compliance(&mut conn, app.employer_id, Some(id), today).await?;
    Ok(HttpResponse::Ok().json(ComplianceResponse::new(app.employer_id, Some(id), today, owed)))
}

/// Outstanding and overdue obligations across all of an employer's approvals.
#[utoipa::path(tag = "workers", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Employer id")), responses(
    (status = 200, body = ComplianceResponse),
    (status = 422, description = "A policy value is missing for today", body = Problem, content_type = "application/problem+json"),
    ReadOneErrors,
))]
#[get("/employers/{id}/compliance")]
pub async fn get_employer_compliance(
    user: AuthUser,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(&READERS)?;
    let employer = EmployerId(id.into_inner());
    let today = clock.today();
    let mut conn = pool.get().await?;
    employers::get(&mut conn, employer, user.employer_scope())
        .await
        .map_err(not_found("employer"))?;
    let owed = places::compliance(&mut conn, employer, None, today).await?;
    Ok(HttpResponse::Ok().json(ComplianceResponse::new(employer, None, today, owed)))
}
