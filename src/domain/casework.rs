//! The records a case collects on its way: information requests, local recruitment (adverts, referrals
//! and their outcomes, job fairs), headcount returns, sanctions, and decision records.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::inspection::SanctionKind;
use super::rules::RuleResult;
use super::rules::decision::{DecisionOutcome, ReasonCode, VacancyPlaces};
use super::rules::recruitment::InterviewOutcome;
use super::{ApplicationId, EmployerId, VacancyId};

/// A caseworker's request for information (R-SCR-2); the SLA clock pauses while it is open.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InfoRequest {
    pub id: Uuid,
    pub application_id: ApplicationId,
    pub message: String,
    pub requested_on: NaiveDate,
    pub due_on: NaiveDate,
    pub requested_by: String,
    pub response: Option<String>,
    pub responded_on: Option<NaiveDate>,
    pub responded_by: Option<String>,
}

/// A newspaper advert placed for a vacancy (R-REC-3).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Advert {
    pub id: Uuid,
    pub application_id: ApplicationId,
    pub vacancy_id: VacancyId,
    pub newspaper: String,
    pub published_on: NaiveDate,
    /// Where the copy of the advert is kept.
    pub reference: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// How a local job seeker came to the vacancy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReferralSource {
    /// Referred by the Labour Department.
    Referral,
    Advert,
    JobFair,
    Direct,
}

impl ReferralSource {
    pub const ALL: [ReferralSource; 4] = [Self::Referral, Self::Advert, Self::JobFair, Self::Direct];
}

/// A local job seeker referred to (or applying for) a vacancy, and how it ended (R-REC-5). No names
/// are kept: the Labour Department's reference identifies the job seeker.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Referral {
    pub id: Uuid,
    pub application_id: ApplicationId,
    pub vacancy_id: VacancyId,
    pub source: ReferralSource,
    pub job_seeker_ref: String,
    pub referred_on: NaiveDate,
    pub referred_by: String,
    pub outcome: Option<InterviewOutcome>,
    pub outcome_reason: Option<String>,
    pub meets_requirements: Option<bool>,
    pub interview_on: Option<NaiveDate>,
    pub outcome_recorded_by: Option<String>,
}

/// The employer's account of how a referral ended.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferralOutcome {
    pub outcome: InterviewOutcome,
    pub reason: Option<String>,
    pub meets_requirements: Option<bool>,
    pub interview_on: Option<NaiveDate>,
}

/// The employer's attendance at a weekly on-site job fair (R-REC-4).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobFairAttendance {
    pub id: Uuid,
    pub application_id: ApplicationId,
    pub vacancy_id: VacancyId,
    /// Week of the recruitment period, 1 the first.
    pub week_no: u32,
    pub session_on: NaiveDate,
    pub centre: String,
    pub attended: bool,
    pub recorded_by: String,
}

/// Everything recorded in an application's local recruitment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecruitmentRecords {
    pub adverts: Vec<Advert>,
    pub referrals: Vec<Referral>,
    pub job_fairs: Vec<JobFairAttendance>,
}

/// The employer's full-time local staff (and imported workers) as of a date, enterprise-wide and per
/// designated category: what the ratio counts (R-RAT-1..5). Never edited: a correction is a newer return.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeadcountReturn {
    pub id: Uuid,
    pub employer_id: EmployerId,
    pub as_of: NaiveDate,
    pub full_time_locals: u32,
    pub full_time_locals_per_post: BTreeMap<String, u32>,
    pub imported_workers: u32,
    pub imported_per_post: BTreeMap<String, u32>,
    pub evidence_ref: String,
    pub filed_by: String,
    pub created_at: DateTime<Utc>,
}

impl HeadcountReturn {
    /// Full-time locals in a post, as declared (0 when the return does not break it out).
    pub fn locals_in(&self, post: &str) -> u32 {
        self.full_time_locals_per_post.get(post).copied().unwrap_or(0)
    }

    /// Imported workers in a post, as declared (0 when the return does not break it out).
    pub fn imported_in(&self, post: &str) -> u32 {
        self.imported_per_post.get(post).copied().unwrap_or(0)
    }
}

/// A headcount return as filed.
#[derive(Debug, Clone, PartialEq)]
pub struct NewHeadcountReturn {
    pub as_of: NaiveDate,
    pub full_time_locals: u32,
    pub full_time_locals_per_post: BTreeMap<String, u32>,
    pub imported_workers: u32,
    pub imported_per_post: BTreeMap<String, u32>,
    pub evidence_ref: String,
}

/// An administrative bar on new applications (R-SAN-1/2), from `bar_from` until the day before
/// `bar_until`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sanction {
    pub id: Uuid,
    pub employer_id: EmployerId,
    pub bar_from: NaiveDate,
    /// First day the employer may apply again.
    pub bar_until: NaiveDate,
    pub reason: String,
    pub imposed_by: String,
    pub created_at: DateTime<Utc>,
    /// What it does: always the bar, and revocation of approvals and termination of pending
    /// applications when named (R-SAN-1 (a) to (c)).
    pub kinds: Vec<SanctionKind>,
    /// The employer's name may be published (R-SAN-2).
    pub published: bool,
    /// The cases, complaints and inspections it rests on.
    pub application_ids: Vec<Uuid>,
    pub complaint_ids: Vec<Uuid>,
    pub inspection_ids: Vec<Uuid>,
}

/// A sanction as an approver imposes it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSanction {
    pub bar_from: NaiveDate,
    /// One of policy `sanction_bar_months_options`.
    pub months: u32,
    pub reason: String,
    pub kinds: Vec<SanctionKind>,
    pub published: bool,
    pub application_ids: Vec<Uuid>,
    pub complaint_ids: Vec<Uuid>,
    pub inspection_ids: Vec<Uuid>,
}

/// Which evaluation of the rules a decision record keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, strum::VariantArray)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RecordKind {
    /// The submission checks (R-ELIG-4, R-ELIG-3, R-APP-3, R-SAN-2).
    Submission,
    /// The recruitment checks when recruitment completed.
    Recruitment,
    /// Everything the recommendation rests on.
    Assessment,
    /// Everything the decision rests on.
    Decision,
}

/// The rules evaluated at one step of a case, with their inputs, versions and outcome: what auditors
/// re-run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionRecord {
    pub id: Uuid,
    pub application_id: ApplicationId,
    pub kind: RecordKind,
    /// The date the rules were evaluated as on.
    pub evaluated_on: NaiveDate,
    pub evaluated_by: String,
    /// For assessments and decisions.
    pub outcome: Option<DecisionOutcome>,
    pub reason_codes: Vec<ReasonCode>,
    /// Places per vacancy, for assessments and decisions.
    pub places: Option<Vec<VacancyPlaces>>,
    pub results: Vec<RuleResult>,
    pub recommended_by: Option<String>,
    pub decided_by: Option<String>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}
