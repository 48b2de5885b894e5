//! What employers still owe after approval — per application, per employer, and for staff across every
//! employer with worker places: visa applications before the AIP deadline, unsigned contracts, unpaid
//! levy, briefings, wages, and the ratio against the latest headcount return. Each obligation carries
//! its due date and rule id.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::CASE_READERS;
use super::extract::{QueryParams, page_position};
use super::representation::{self, Format, FormatQuery, JSON_OR_CSV, TableFormat, cell};
use super::workers::ObligationResponse;
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::domain::compliance::{Obligation, ObligationKind};
use crate::domain::{ApplicationId, EmployerId, Role};
use crate::error::{ApiError, Problem};
use crate::openapi::ReadOneErrors;
use crate::workflow::{DbPool, places};

const CSV_EXAMPLE: &str = "on,employer_id,application_id,place_id,worker_id,kind,rule_id,due_on,overdue,detail\n2026-05-04,9c1d…,4b8f…,77aa…,,BRIEFING_DUE,R-BRF-1,2026-06-29,false,Briefing within 56 days of arrival";

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

/// The columns of a compliance view as CSV: one row per obligation.
const OBLIGATION_COLUMNS: [&str; 10] = [
    "on",
    "employer_id",
    "application_id",
    "place_id",
    "worker_id",
    "kind",
    "rule_id",
    "due_on",
    "overdue",
    "detail",
];

impl ComplianceResponse {
    fn csv_rows(self) -> impl Iterator<Item = [String; 10]> {
        let (on, employer) = (self.on.to_string(), self.employer_id.to_string());
        self.obligations.into_iter().map(move |o| {
            [
                on.clone(),
                employer.clone(),
                cell(o.application_id),
                cell(o.place_id),
                cell(o.worker_id),
                representation::wire_name(&o.kind),
                o.rule_id,
                cell(o.due_on),
                o.overdue.to_string(),
                o.detail,
            ]
        })
    }

    /// As JSON, or as a CSV download named `{name}-{on}.csv`.
    fn respond(self, format: Format, name: &str) -> Result<HttpResponse, ApiError> {
        if format == Format::Csv {
            let filename = format!("{name}-{}.csv", self.on);
            return representation::csv_download(&filename, &OBLIGATION_COLUMNS, self.csv_rows());
        }
        Ok(HttpResponse::Ok().json(self))
    }
}

/// Outstanding and overdue obligations of one approved application, with the employer's ratio.
///
/// For each worker place of the approval: what the employer still owes (visa application, contract, levy,
/// arrival, briefing, wages) with its due date, whether it is overdue, and the rule that sets it. Dates are
/// Hong Kong dates. `Accept: text/csv` (or `format=csv`) gives one row per obligation.
///
/// Who may call it: caseworkers, approvers and auditors; an employer user for its own records only (another
/// employer's are 404, as if they did not exist).
#[utoipa::path(tag = "workers", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Application id"), FormatQuery), responses(
    (status = 200, content((ComplianceResponse = "application/json"), (String = "text/csv", example = json!(CSV_EXAMPLE)))),
    (status = 422, description = "A policy value is missing for today", body = Problem, content_type = "application/problem+json"),
    ReadOneErrors,
))]
#[get("/applications/{id}/compliance")]
pub async fn get_application_compliance(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
    query: QueryParams<FormatQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(&CASE_READERS)?;
    let format = representation::choose(&req, query.0.format, &JSON_OR_CSV)?;
    let (id, today) = (ApplicationId(id.into_inner()), clock.today());
    let (employer, owed) = places::application_compliance(&pool, user.viewer(), id, today).await?;
    ComplianceResponse::new(employer, Some(id), today, owed)
        .respond(format, &format!("compliance-application-{}", id.0))
}

/// Outstanding and overdue obligations across all of an employer's approvals.
///
/// The same obligations as an application's compliance view, over every approval of the employer, with its
/// ratio position. `Accept: text/csv` (or `format=csv`) gives one row per obligation.
///
/// Who may call it: caseworkers, approvers and auditors; an employer user for its own records only (another
/// employer's are 404, as if they did not exist).
#[utoipa::path(tag = "workers", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Employer id"), FormatQuery), responses(
    (status = 200, content((ComplianceResponse = "application/json"), (String = "text/csv", example = json!(CSV_EXAMPLE)))),
    (status = 422, description = "A policy value is missing for today", body = Problem, content_type = "application/problem+json"),
    ReadOneErrors,
))]
#[get("/employers/{id}/compliance")]
pub async fn get_employer_compliance(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
    query: QueryParams<FormatQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(&CASE_READERS)?;
    let format = representation::choose(&req, query.0.format, &JSON_OR_CSV)?;
    let (employer, today) = (EmployerId(id.into_inner()), clock.today());
    let owed = places::employer_compliance(&pool, user.viewer(), employer, today).await?;
    ComplianceResponse::new(employer, None, today, owed).respond(format, &format!("compliance-employer-{}", employer.0))
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ComplianceQuery {
    /// Employers per page (1 to 100, default 20). Only employers with worker places are paged through.
    #[validate(range(min = 1, max = 100))]
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^-?[0-9]{1,16}\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    pub cursor: Option<String>,
    /// Only obligations past their due date.
    #[serde(default)]
    pub overdue_only: bool,
    /// Only this kind: VISA_APPLICATION, CONTRACT_UNSIGNED, LEVY_UNPAID, BRIEFING_DUE,
    /// WAGE_PAYMENT_DUE, WAGE_PAYMENT_IRREGULAR or RATIO_NOT_MET.
    #[param(schema_with = crate::openapi::enums::obligation_kind)]
    pub kind: Option<ObligationKind>,
    /// `json` or `csv`; overrides `Accept` (for a link a browser follows).
    #[param(schema_with = crate::openapi::enums::json_or_csv)]
    pub format: Option<TableFormat>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplianceListResponse {
    pub on: NaiveDate,
    /// The page's employers that owe something matching, each with those obligations; employers with
    /// nothing matching are left out (the cursor still moves past them).
    pub items: Vec<ComplianceResponse>,
    /// Pass as `cursor` to get the next page of employers; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Staff at a glance.
///
/// For each employer with worker places (paged), what it owes today, optionally only what is overdue or of
/// one kind. `Accept: text/csv` (or `format=csv`) gives one row per obligation, the next page in a
/// `Link: rel="next"` header.
///
/// Who may call it: caseworkers, approvers and auditors.
#[utoipa::path(tag = "workers", security(("bearer" = [])), params(ComplianceQuery), responses(
    (status = 200, content((ComplianceListResponse = "application/json"), (String = "text/csv", example = json!(CSV_EXAMPLE))),
        headers(("Link" = String, description = "CSV only: the next page, `<…>; rel=\"next\"`"))),
    (status = 400, description = "Invalid query parameter", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A policy value is missing for today", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[get("/compliance")]
pub async fn list_compliance(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    query: QueryParams<ComplianceQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Caseworker, Role::Approver, Role::Auditor])?;
    let query = query.0;
    let format = representation::choose(&req, query.format, &JSON_OR_CSV)?;
    let (limit, cursor) = page_position(Some(query.limit.unwrap_or(20)), query.cursor.as_deref())?;
    let today = clock.today();
    let (page, owed_by) = places::compliance_page(&pool, cursor, limit, today).await?;
    let items = owed_by
        .into_iter()
        .map(|(employer, owed)| {
            let matching: Vec<Obligation> = owed
                .into_iter()
                .filter(|o| (!query.overdue_only || o.overdue) && query.kind.is_none_or(|k| o.kind == k))
                .collect();
            (employer, matching)
        })
        .filter(|(_, matching)| !matching.is_empty())
        .map(|(employer, matching)| ComplianceResponse::new(employer, None, today, matching));
    let next_cursor = page.next_cursor.map(|c| c.encode());
    if format == Format::Csv {
        let rows = items.flat_map(ComplianceResponse::csv_rows);
        let filename = format!("compliance-{today}.csv");
        return representation::csv_page(&req, &filename, &OBLIGATION_COLUMNS, rows, next_cursor.as_deref());
    }
    Ok(HttpResponse::Ok().json(ComplianceListResponse {
        on: today,
        items: items.collect(),
        next_cursor,
    }))
}
