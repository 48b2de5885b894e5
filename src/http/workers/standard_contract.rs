//! The Standard Employment Contract, checked against the approval and the scheme.

use actix_web::{HttpRequest, HttpResponse, put, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::{WorkerResponse, not_in_future};
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::domain::Role;
use crate::domain::rules::contract::Accommodation;
use crate::error::{ApiError, FieldError, Problem};
use crate::http::extract::JsonBody;
use crate::http::validate;
use crate::http::write::{command, respond};
use crate::openapi::WriteErrors;
use crate::workflow::DbPool;
use crate::workflow::workers::{self, ContractTerms};

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"template_version": "ESLS-SEC-2023-09", "signed_on": "2026-03-01", "post_code": "DISHWASHER", "post_title": "Dishwasher", "monthly_wage_hkd": 14000, "normal_daily_hours": 10, "overtime_terms": "1.5 times the hourly rate", "starts_on": "2026-05-01", "ends_on": "2028-04-30", "accommodation": "HK", "accommodation_address": "Flat 3A, 8 Shanghai Street", "accommodation_deduction_hkd": 1000, "autopay_account_ref": "HSBC autopay 0042"})))]
#[serde(deny_unknown_fields)]
pub struct ContractRequest {
    /// The version of the government's SEC template used.
    #[schema(example = "ESLS-SEC-2023-09")]
    #[validate(length(min = 1, max = 50), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 50, pattern = "\\S")]
    pub template_version: String,
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub signed_on: NaiveDate,
    /// The post in the contract: its wage-table code for a common post …
    #[schema(example = "DISHWASHER")]
    #[validate(custom(function = "validate::code"))]
    #[schema(pattern = "^[A-Z][A-Z0-9_]*$", max_length = 50)]
    pub post_code: Option<String>,
    /// … and its title.
    #[schema(example = "Dishwasher")]
    #[validate(length(min = 1, max = 200), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub post_title: String,
    #[validate(range(min = 1, max = 1_000_000))]
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub monthly_wage_hkd: u32,
    #[validate(custom(function = "validate::daily_hours"))]
    #[schema(exclusive_minimum = 0, maximum = 24)]
    pub normal_daily_hours: f64,
    #[schema(example = "Overtime paid at 1.5 times the hourly rate")]
    #[validate(length(min = 1, max = 1000), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 1000, pattern = "\\S")]
    pub overtime_terms: String,
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub starts_on: NaiveDate,
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub ends_on: NaiveDate,
    /// HK, MAINLAND_PROVIDED or OWN_MAINLAND_RESIDENCE (the Mainland options for Mainland residents).
    #[schema(schema_with = crate::openapi::enums::accommodation)]
    pub accommodation: Accommodation,
    #[validate(length(min = 1, max = 500), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
    pub accommodation_address: Option<String>,
    /// Monthly deduction for accommodation: at most the lesser of 10% of wages and the actual cost.
    #[serde(default)]
    #[validate(range(max = 1_000_000))]
    #[schema(maximum = 1_000_000)]
    pub accommodation_deduction_hkd: u32,
    #[validate(range(max = 1_000_000))]
    #[schema(maximum = 1_000_000)]
    pub accommodation_actual_cost_hkd: Option<u32>,
    /// Where wages are paid by autopay (a reference, not the account number).
    #[schema(example = "HSBC autopay mandate 2026-0042")]
    #[validate(length(min = 1, max = 100), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub autopay_account_ref: String,
}

/// Record the signed Standard Employment Contract (employer).
///
/// Checked against the approval and the scheme (R-CON-1/2/4/5, R-WAGE-1/5); the levy it sets is fixed with
/// it (R-LEVY-1). May be replaced until the levy is paid or the worker arrives.
///
/// Who may call it: the employer, for its own records only (another employer's are 404).
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
    let terms = body
        .parse_checked::<ContractRequest>(|r, errors| r.check(today, errors))?
        .into();
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let reply = workers::record_contract(&pool, &cmd, id.into_inner(), terms, WorkerResponse::ok).await?;
    Ok(respond(reply))
}

impl ContractRequest {
    /// Signed by now and before it starts, ending after it starts, with an address for accommodation
    /// in Hong Kong.
    fn check(&self, today: NaiveDate, errors: &mut Vec<FieldError>) {
        not_in_future("signed_on", self.signed_on, today, errors);
        if self.ends_on < self.starts_on {
            errors.push(FieldError::new("ends_on", "must not be before starts_on"));
        }
        if self.signed_on > self.starts_on {
            errors.push(FieldError::new("signed_on", "must not be after starts_on"));
        }
        if self.accommodation == Accommodation::Hk && self.accommodation_address.is_none() {
            errors.push(FieldError::new(
                "accommodation_address",
                "is required for accommodation in Hong Kong",
            ));
        }
    }
}

impl From<ContractRequest> for ContractTerms {
    fn from(r: ContractRequest) -> Self {
        Self {
            template_version: r.template_version.trim().to_owned(),
            signed_on: r.signed_on,
            post_code: r.post_code,
            post_title: r.post_title,
            monthly_wage_hkd: r.monthly_wage_hkd,
            normal_daily_hours: r.normal_daily_hours,
            overtime_terms: r.overtime_terms.trim().to_owned(),
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            accommodation: r.accommodation,
            accommodation_address: r.accommodation_address.map(|a| a.trim().to_owned()),
            accommodation_deduction_hkd: r.accommodation_deduction_hkd,
            accommodation_actual_cost_hkd: r.accommodation_actual_cost_hkd,
            autopay_account_ref: r.autopay_account_ref.trim().to_owned(),
        }
    }
}
