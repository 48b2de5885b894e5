//! Applications (cases) and their vacancies, as the employer drafts them (R-APP-1).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{ApplicationId, ApplicationStatus, EmployerId, VacancyId};

/// One post the employer wants to fill with imported workers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Vacancy {
    pub post_title: String,
    /// One of the 26 designated job categories, when the post falls in one (domain.md §6).
    pub designated_category_code: Option<String>,
    pub workers_requested: u32,
    /// Offered monthly wage in whole Hong Kong dollars.
    pub monthly_wage_hkd: u32,
    pub normal_daily_hours: f64,
    pub duties: String,
    pub entry_requirements: Option<String>,
    /// Where the work is done; several workplaces are allowed.
    pub workplace_addresses: Vec<String>,
}

/// A draft as the employer creates it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewApplication {
    pub employer_id: EmployerId,
    /// Why the post cannot be filled locally (R-APP-1).
    pub justification: String,
    pub vacancies: Vec<Vacancy>,
}

/// An edit to a draft: each field that is `Some` replaces the stored one; vacancies are replaced whole.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DraftChanges {
    pub justification: Option<String>,
    pub vacancies: Option<Vec<Vacancy>>,
}

impl DraftChanges {
    pub fn is_empty(&self) -> bool {
        self.justification.is_none() && self.vacancies.is_none()
    }
}

/// A stored vacancy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredVacancy {
    pub id: VacancyId,
    #[serde(flatten)]
    pub vacancy: Vacancy,
}

/// An application as stored: what the audit trail snapshots before and after each change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Application {
    pub id: ApplicationId,
    pub reference: String,
    pub employer_id: EmployerId,
    pub status: ApplicationStatus,
    pub justification: String,
    pub version: i32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub vacancies: Vec<StoredVacancy>,
}

impl Application {
    /// Workers requested across all vacancies.
    pub fn workers_requested(&self) -> u32 {
        self.vacancies.iter().map(|v| v.vacancy.workers_requested).sum()
    }
}
