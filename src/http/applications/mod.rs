//! Applications (cases): drafts with vacancies, their lifecycle actions and their history.

mod actions;
mod benchmark;
mod checks;
mod create;
mod read;
mod recruitment;
mod update;

pub use actions::act_on_application;
pub use benchmark::set_wage_benchmark;
pub use checks::{get_application_checks, get_application_decision, precheck_application};
pub use create::create_application;
pub use read::{ApplicationSort, get_application, get_application_history, list_applications};
pub use recruitment::{
    create_advert, create_job_fair_attendance, create_referral, get_recruitment, record_referral_outcome,
};
pub use update::update_application;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::validate;
use crate::domain::application::{Application, ApplicationType, SlaClock, StoredVacancy};
use crate::domain::audit::AuditEvent;
use crate::domain::lifecycle::available_actions;
use crate::domain::{ApplicationAction, ApplicationStatus, Role, Vacancy};

/// One post to fill.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VacancyRequest {
    #[schema(example = "Chinese restaurant waiter")]
    #[validate(length(min = 1, max = 200), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub post_title: String,
    /// The designated job category this post falls in, if any (see `GET /v1/job-categories`).
    #[schema(example = "WAITER")]
    pub designated_category_code: Option<String>,
    #[schema(example = 2, minimum = 1, maximum = 1000)]
    #[validate(range(min = 1, max = 1000))]
    #[schema(minimum = 1, maximum = 1000)]
    pub workers_requested: u32,
    /// Offered monthly wage in whole Hong Kong dollars.
    #[schema(example = 17500, minimum = 1, maximum = 1000000)]
    #[validate(range(min = 1, max = 1_000_000))]
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub monthly_wage_hkd: u32,
    #[schema(example = 9.5)]
    #[validate(custom(function = "validate::daily_hours"))]
    #[schema(exclusive_minimum = 0, maximum = 24)]
    pub normal_daily_hours: f64,
    #[schema(example = "Serve customers, take orders, clear tables")]
    #[validate(length(min = 1, max = 5000), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 5000, pattern = "\\S")]
    pub duties: String,
    #[schema(example = "Primary education; 1 year of experience")]
    #[validate(length(min = 1, max = 2000), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub entry_requirements: Option<String>,
    /// One or more workplaces.
    #[schema(example = json!(["G/F, 8 Nathan Road, Tsim Sha Tsui"]))]
    #[validate(length(min = 1, max = 20), custom(function = "validate::addresses"))]
    #[schema(schema_with = crate::openapi::schemas::addresses)]
    pub workplace_addresses: Vec<String>,
    /// The post's code in the median wage table, for a common post (see `GET /v1/wage-tables/lookup`).
    #[schema(example = "ASSISTANT_COOK")]
    #[validate(custom(function = "validate::code"))]
    #[schema(pattern = "^[A-Z][A-Z0-9_]*$", max_length = 50)]
    pub post_code: Option<String>,
    /// Industry sector, e.g. `CATERING`; sectors with their own importation scheme are refused at
    /// submission (R-ELIG-3). Default `OTHER`.
    #[schema(example = "CATERING")]
    #[validate(custom(function = "validate::code"))]
    #[schema(pattern = "^[A-Z][A-Z0-9_]*$", max_length = 50)]
    pub industry_sector: Option<String>,
}

impl From<VacancyRequest> for Vacancy {
    fn from(v: VacancyRequest) -> Self {
        Self {
            post_title: v.post_title.trim().to_owned(),
            designated_category_code: v.designated_category_code.map(|c| c.trim().to_owned()),
            workers_requested: v.workers_requested,
            monthly_wage_hkd: v.monthly_wage_hkd,
            normal_daily_hours: v.normal_daily_hours,
            duties: v.duties.trim().to_owned(),
            entry_requirements: v.entry_requirements.map(|r| r.trim().to_owned()),
            workplace_addresses: v.workplace_addresses.into_iter().map(|a| a.trim().to_owned()).collect(),
            post_code: v.post_code,
            industry_sector: v.industry_sector.unwrap_or_else(|| "OTHER".to_owned()),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct VacancyResponse {
    pub id: Uuid,
    pub post_title: String,
    pub designated_category_code: Option<String>,
    pub workers_requested: u32,
    pub monthly_wage_hkd: u32,
    pub normal_daily_hours: f64,
    pub duties: String,
    pub entry_requirements: Option<String>,
    pub workplace_addresses: Vec<String>,
    pub post_code: Option<String>,
    pub industry_sector: String,
    /// The median snapshot taken at submission (table in force that day), for common posts.
    pub wage_table_id_at_submission: Option<Uuid>,
    pub median_at_submission_hkd: Option<u32>,
    /// The median in force on the decision date, once decided.
    pub wage_table_id_at_decision: Option<Uuid>,
    pub median_at_decision_hkd: Option<u32>,
    /// For a non-common post: the caseworker's benchmark median and its source.
    pub benchmark_median_hkd: Option<u32>,
    pub benchmark_source: Option<String>,
    /// The local recruitment period, from screen-in.
    pub recruitment_days: Option<u32>,
    pub recruitment_starts_on: Option<NaiveDate>,
    pub recruitment_ends_on: Option<NaiveDate>,
    pub job_fair_required: Option<bool>,
    /// Places granted, once decided.
    pub places_approved: Option<u32>,
}

impl From<StoredVacancy> for VacancyResponse {
    fn from(stored: StoredVacancy) -> Self {
        let v = stored.vacancy;
        let p = stored.progress;
        Self {
            post_code: v.post_code,
            industry_sector: v.industry_sector,
            wage_table_id_at_submission: p.wage_table_id_at_submission,
            median_at_submission_hkd: p.median_at_submission_hkd,
            wage_table_id_at_decision: p.wage_table_id_at_decision,
            median_at_decision_hkd: p.median_at_decision_hkd,
            benchmark_median_hkd: p.benchmark_median_hkd,
            benchmark_source: p.benchmark_source,
            recruitment_days: p.recruitment_days,
            recruitment_starts_on: p.recruitment_starts_on,
            recruitment_ends_on: p.recruitment_ends_on,
            job_fair_required: p.job_fair_required,
            places_approved: p.places_approved,
            id: stored.id.0,
            post_title: v.post_title,
            designated_category_code: v.designated_category_code,
            workers_requested: v.workers_requested,
            monthly_wage_hkd: v.monthly_wage_hkd,
            normal_daily_hours: v.normal_daily_hours,
            duties: v.duties,
            entry_requirements: v.entry_requirements,
            workplace_addresses: v.workplace_addresses,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApplicationResponse {
    pub id: Uuid,
    /// The case number people quote, e.g. `ESLS-2026-000042`.
    #[schema(example = "ESLS-2026-000042")]
    pub reference: String,
    pub employer_id: Uuid,
    #[schema(schema_with = crate::openapi::enums::application_status)]
    pub status: ApplicationStatus,
    /// `NEW` or `RENEWAL`.
    #[schema(schema_with = crate::openapi::enums::application_type)]
    pub application_type: ApplicationType,
    /// The version; also sent as the `ETag` header. Send it back in `If-Match` to update.
    pub version: i32,
    pub justification: String,
    pub vacancies: Vec<VacancyResponse>,
    /// Workers requested across all vacancies.
    pub workers_requested: u32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// The Hong Kong dates the rules bound to.
    pub submitted_on: Option<NaiveDate>,
    pub screened_in_on: Option<NaiveDate>,
    pub recommended_by: Option<String>,
    pub decided_by: Option<String>,
    pub decided_on: Option<NaiveDate>,
    /// Places granted across all vacancies, once decided.
    pub places_approved: Option<u32>,
    /// The officer whose queue the case is in (staff and auditors only; never shown to employers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// The SLA due date today, an open information request's pause counted in (lists and queues).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sla_due_on: Option<NaiveDate>,
    /// The day the case was recorded as past its processing target (R-SLA-1).
    pub sla_breached_on: Option<NaiveDate>,
    /// The service-level clock (single-application reads only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub sla: Option<SlaClock>,
    /// The actions the caller's role may take now (`POST .../actions/{action}`).
    #[schema(schema_with = crate::openapi::enums::application_actions)]
    pub available_actions: Vec<ApplicationAction>,
}

impl ApplicationResponse {
    /// As a list or queue shows it: with the SLA due date as of `today`.
    pub fn listed(app: Application, viewer: Role, today: NaiveDate) -> Self {
        let due = app
            .sla_due_on
            .map(|due| crate::domain::timers::sla_due_on(due, app.sla_paused_since, today));
        Self {
            sla_due_on: due,
            ..Self::new(app, viewer)
        }
    }

    /// The reply of a change to a case: the case as `viewer` sees it, with its version as the ETag.
    pub fn reply(app: &Application, viewer: Role) -> crate::workflow::Result<crate::workflow::Reply> {
        Ok(super::write::ok(&Self::new(app.clone(), viewer))?.with_etag(super::extract::etag(app.version)))
    }

    pub fn new(app: Application, viewer: Role) -> Self {
        let places: Vec<u32> = app
            .vacancies
            .iter()
            .filter_map(|v| v.progress.places_approved)
            .collect();
        Self {
            workers_requested: app.workers_requested(),
            available_actions: available_actions(app.status, viewer)
                .into_iter()
                .filter(|a| a.is_requestable())
                .collect(),
            application_type: app.application_type,
            submitted_on: app.submitted_on,
            screened_in_on: app.screened_in_on,
            recommended_by: app.recommended_by,
            decided_by: app.decided_by,
            decided_on: app.decided_on,
            places_approved: (!places.is_empty()).then(|| places.iter().sum()),
            assignee: app.assignee.filter(|_| viewer != Role::Employer),
            sla_due_on: None,
            sla_breached_on: app.sla_breached_on,
            sla: None,
            id: app.id.0,
            reference: app.reference,
            employer_id: app.employer_id.0,
            status: app.status,
            version: app.version,
            justification: app.justification,
            vacancies: app.vacancies.into_iter().map(Into::into).collect(),
            created_by: app.created_by,
            created_at: app.created_at,
            updated_at: app.updated_at,
            submitted_at: app.submitted_at,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApplicationListResponse {
    pub items: Vec<ApplicationResponse>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Who did something, as recorded in the audit trail.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ActorResponse {
    pub sub: String,
    pub role: String,
    pub employer_id: Option<Uuid>,
}

/// One event of a case's history.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HistoryEventResponse {
    pub id: Uuid,
    /// Position in the audit trail (increasing).
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor: ActorResponse,
    #[schema(example = "application.submit")]
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    /// The case before the change (absent on creation).
    pub before: Option<serde_json::Value>,
    /// The case after the change.
    pub after: Option<serde_json::Value>,
    /// A comment; Labour Department staff's notes are internal and not shown to employers.
    pub comment: Option<String>,
    pub request_id: Option<String>,
    /// Whom the actor acted for, when an agency acted for the employer.
    pub on_behalf_of: Option<String>,
    /// The employment agency the actor belongs to, when an agency acted for the employer.
    pub agency: Option<String>,
    /// The decision record (rule results) the change produced.
    pub decision_record_id: Option<Uuid>,
    /// This event's hash in the case's tamper-evident chain.
    pub hash: String,
}

impl From<AuditEvent> for HistoryEventResponse {
    fn from(e: AuditEvent) -> Self {
        Self {
            id: e.id,
            seq: e.seq,
            occurred_at: e.occurred_at,
            actor: ActorResponse {
                sub: e.actor_sub,
                role: e.actor_role,
                employer_id: e.actor_employer_id,
            },
            action: e.action,
            from_status: e.from_status,
            to_status: e.to_status,
            before: e.before,
            after: e.after,
            comment: e.comment,
            request_id: e.request_id,
            on_behalf_of: e.on_behalf_of,
            agency: e.agency,
            decision_record_id: e.decision_record_id,
            hash: e.hash,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HistoryResponse {
    pub application_id: Uuid,
    /// Every event of the case, oldest first.
    pub items: Vec<HistoryEventResponse>,
}
