//! Applications (cases) and their vacancies, as the employer drafts them (R-APP-1).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ApplicationId, ApplicationStatus, EmployerId, VacancyId};

/// One post the employer wants to fill with imported workers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// The post's code in the median wage table, for common posts (R-APP-2).
    pub post_code: Option<String>,
    /// The industry sector (R-ELIG-3 refuses sectors with their own scheme).
    pub industry_sector: String,
}

/// A new application, or a renewal of existing workers' contracts (R-APP-4; exempt from R-APP-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, strum::VariantArray)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApplicationType {
    #[default]
    New,
    Renewal,
}

impl ApplicationType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "NEW",
            Self::Renewal => "RENEWAL",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "NEW" => Some(Self::New),
            "RENEWAL" => Some(Self::Renewal),
            _ => None,
        }
    }
}

/// What the service records on a vacancy as the case moves on.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct VacancyProgress {
    pub wage_table_id_at_submission: Option<Uuid>,
    pub median_at_submission_hkd: Option<u32>,
    pub wage_table_id_at_decision: Option<Uuid>,
    pub median_at_decision_hkd: Option<u32>,
    /// For non-common posts: the caseworker's benchmark median and its source (R-WAGE-4).
    pub benchmark_median_hkd: Option<u32>,
    pub benchmark_source: Option<String>,
    pub recruitment_days: Option<u32>,
    pub recruitment_starts_on: Option<NaiveDate>,
    pub recruitment_ends_on: Option<NaiveDate>,
    pub job_fair_required: Option<bool>,
    pub places_approved: Option<u32>,
}

/// A draft as the employer creates it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewApplication {
    pub employer_id: EmployerId,
    pub application_type: ApplicationType,
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredVacancy {
    pub id: VacancyId,
    #[serde(flatten)]
    pub vacancy: Vacancy,
    #[serde(flatten)]
    pub progress: VacancyProgress,
}

/// An application as stored: what the audit trail snapshots before and after each change, and what
/// a point-in-time view rebuilds from those snapshots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    pub application_type: ApplicationType,
    /// The Hong Kong dates the rules bind to.
    pub submitted_on: Option<NaiveDate>,
    pub screened_in_on: Option<NaiveDate>,
    pub recommended_by: Option<String>,
    pub decided_by: Option<String>,
    pub decided_on: Option<NaiveDate>,
    pub vacancies: Vec<StoredVacancy>,
    /// The officer whose queue the case is in (token subject).
    #[serde(default)]
    pub assignee: Option<String>,
    #[serde(default)]
    pub assigned_at: Option<DateTime<Utc>>,
    /// The SLA due date with every ended pause counted in (an open pause moves it on each day; see
    /// `timers::sla_due_on`). Set at submission.
    #[serde(default)]
    pub sla_due_on: Option<NaiveDate>,
    /// The SLA clock is paused since (an information request is open).
    #[serde(default)]
    pub sla_paused_since: Option<NaiveDate>,
    /// The day the SLA timer recorded the case as past its processing target.
    #[serde(default)]
    pub sla_breached_on: Option<NaiveDate>,
}

impl Application {
    /// Workers requested across all vacancies.
    pub fn workers_requested(&self) -> u32 {
        self.vacancies.iter().map(|v| v.vacancy.workers_requested).sum()
    }
}

/// The service-level clock of a case: days with the Labour Department since submission, paused while
/// an information request is open (R-SCR-2), against the processing target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaClock {
    pub started_on: NaiveDate,
    pub target_days: u32,
    pub elapsed_days: i64,
    pub paused_days: i64,
    pub paused: bool,
    pub due_on: NaiveDate,
}

/// Computes the clock from its start, the target and the (start, end) of each information request.
pub fn sla_clock(
    started_on: NaiveDate,
    target_days: u32,
    pauses: &[(NaiveDate, Option<NaiveDate>)],
    today: NaiveDate,
) -> SlaClock {
    let paused_days: i64 = pauses
        .iter()
        .map(|(from, to)| (to.unwrap_or(today) - *from).num_days().max(0))
        .sum();
    let paused = pauses.iter().any(|(_, to)| to.is_none());
    let elapsed_days = ((today - started_on).num_days() - paused_days).max(0);
    let due_on = started_on + chrono::Days::new(u64::from(target_days)) + chrono::Days::new(paused_days.unsigned_abs());
    SlaClock {
        started_on,
        target_days,
        elapsed_days,
        paused_days,
        paused,
        due_on,
    }
}

/// The case as it stood after the last of `snapshots` (the `after` of each application event, oldest
/// first): replaying the history is taking the latest complete snapshot.
pub fn replay(
    snapshots: impl IntoIterator<Item = serde_json::Value>,
) -> Option<Result<Application, serde_json::Error>> {
    snapshots.into_iter().last().map(serde_json::from_value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_clock_runs_from_submission_and_pauses_while_information_is_requested() {
        let clock = sla_clock(
            d("2026-01-01"),
            90,
            &[(d("2026-01-05"), Some(d("2026-01-15")))],
            d("2026-01-31"),
        );
        assert_eq!((clock.elapsed_days, clock.paused_days, clock.paused), (20, 10, false));
        assert_eq!(clock.due_on, d("2026-04-11"));
    }

    #[test]
    fn an_open_request_keeps_the_clock_paused_until_today() {
        let clock = sla_clock(d("2026-01-01"), 90, &[(d("2026-01-10"), None)], d("2026-01-20"));
        assert_eq!((clock.elapsed_days, clock.paused_days, clock.paused), (9, 10, true));
    }
}
