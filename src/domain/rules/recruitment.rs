//! Local recruitment rules (domain.md §5.4): the period (R-REC-1), every local job seeker's outcome
//! recorded (R-REC-5), no qualified local refused (R-REC-5), weekly job fairs where required (R-REC-4),
//! and the unmet need left for importation (R-REC-7).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::{Outcome, RuleResult, result};

pub const PERIOD_ENDED: &str = "R-REC-1";
pub const OUTCOMES_RECORDED: &str = "R-REC-5-OUTCOMES";
pub const LOCAL_CANDIDATES: &str = "R-REC-5";
pub const JOB_FAIRS: &str = "R-REC-4";
pub const UNMET_NEED: &str = "R-REC-7";

/// What became of a referred or applying local job seeker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::VariantArray)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InterviewOutcome {
    Interviewed,
    NoShow,
    Offered,
    Accepted,
    Declined,
    Rejected,
}

impl InterviewOutcome {
    /// A hire: the place is filled locally.
    pub fn is_hire(self) -> bool {
        self == Self::Accepted
    }

    /// Still open: the employer must record how it ended.
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Interviewed | Self::Offered)
    }
}

/// The last day of a recruitment period that starts on `start` and lasts `days` days.
pub fn period_end(start: NaiveDate, days: u32) -> NaiveDate {
    start + chrono::Days::new(u64::from(days.saturating_sub(1)))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodInput {
    pub period_ends_on: NaiveDate,
    pub today: NaiveDate,
}

/// Recruitment completes only after the last day of the period.
pub fn period_ended(input: &PeriodInput) -> RuleResult {
    let (outcome, reason) = if input.today > input.period_ends_on {
        (
            Outcome::Pass,
            format!("The recruitment period ended on {}.", input.period_ends_on),
        )
    } else {
        (
            Outcome::Fail,
            format!("The recruitment period runs until {} inclusive.", input.period_ends_on),
        )
    };
    result(PERIOD_ENDED, 1, input, outcome, reason, json!(null))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferralRecord {
    pub id: Uuid,
    pub outcome: Option<InterviewOutcome>,
    /// Whether the job seeker met the advertised requirements (recorded with the outcome).
    pub meets_requirements: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferralsInput {
    pub referrals: Vec<ReferralRecord>,
}

/// Every referred or applying local job seeker has a final outcome.
pub fn outcomes_recorded(input: &ReferralsInput) -> RuleResult {
    let open: Vec<Uuid> = input
        .referrals
        .iter()
        .filter(|r| !r.outcome.is_some_and(InterviewOutcome::is_final))
        .map(|r| r.id)
        .collect();
    let (outcome, reason) = if open.is_empty() {
        (
            Outcome::Pass,
            format!(
                "All {} local job seekers have a recorded outcome.",
                input.referrals.len()
            ),
        )
    } else {
        (
            Outcome::Fail,
            format!("{} local job seeker(s) have no final outcome recorded.", open.len()),
        )
    };
    result(
        OUTCOMES_RECORDED,
        1,
        input,
        outcome,
        reason,
        json!({ "open_referrals": open }),
    )
}

/// No local job seeker who met the advertised requirements was rejected.
pub fn local_candidates_fairly_treated(input: &ReferralsInput) -> RuleResult {
    let unfair: Vec<Uuid> = input
        .referrals
        .iter()
        .filter(|r| r.outcome == Some(InterviewOutcome::Rejected) && r.meets_requirements == Some(true))
        .map(|r| r.id)
        .collect();
    let (outcome, reason) = if unfair.is_empty() {
        (Outcome::Pass, "No qualified local job seeker was rejected.".to_owned())
    } else {
        (
            Outcome::Fail,
            format!(
                "{} local job seeker(s) who met the requirements were rejected.",
                unfair.len()
            ),
        )
    };
    result(
        LOCAL_CANDIDATES,
        1,
        input,
        outcome,
        reason,
        json!({ "unfairly_rejected": unfair }),
    )
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobFairInput {
    /// Policy `job_fair_weekly_required` for the vacancy's category on the submission date.
    pub required: bool,
    /// Weeks in the recruitment period (days / 7, rounded up).
    pub weeks_in_period: u32,
    /// Week numbers (1-based) with an attended session.
    pub attended_weeks: Vec<u32>,
}

/// Where required, the employer attended a job fair in every week of the period.
pub fn job_fairs_attended(input: &JobFairInput) -> RuleResult {
    let missed: Vec<u32> = if input.required {
        (1..=input.weeks_in_period)
            .filter(|w| !input.attended_weeks.contains(w))
            .collect()
    } else {
        Vec::new()
    };
    let (outcome, reason) = match (input.required, missed.is_empty()) {
        (false, _) => (
            Outcome::Pass,
            "Weekly job fairs are not required for this post.".to_owned(),
        ),
        (true, true) => (
            Outcome::Pass,
            format!(
                "A job fair was attended in each of the {} weeks.",
                input.weeks_in_period
            ),
        ),
        (true, false) => (
            Outcome::Fail,
            format!("No job fair was attended in week(s) {missed:?}."),
        ),
    };
    result(JOB_FAIRS, 1, input, outcome, reason, json!({ "missed_weeks": missed }))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnmetNeedInput {
    pub workers_requested: u32,
    pub locals_hired: u32,
}

/// Places still unfilled after local recruitment.
pub fn unmet(input: &UnmetNeedInput) -> u32 {
    input.workers_requested.saturating_sub(input.locals_hired)
}

/// Only places still unfilled after local recruitment can be approved; none left means no need.
pub fn unmet_need(input: &UnmetNeedInput) -> RuleResult {
    let unmet = unmet(input);
    let (outcome, reason) = if unmet > 0 {
        (
            Outcome::Pass,
            format!(
                "{unmet} of {} places remain unfilled after local recruitment.",
                input.workers_requested
            ),
        )
    } else {
        (Outcome::Fail, "Every place was filled by local recruitment.".to_owned())
    };
    result(UNMET_NEED, 1, input, outcome, reason, json!({ "unmet_need": unmet }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_28_day_period_starting_on_the_1st_ends_on_the_28th() {
        assert_eq!(period_end(d("2026-03-01"), 28), d("2026-03-28"));
        assert_eq!(period_end(d("2026-03-01"), 42), d("2026-04-11"));
    }

    #[test]
    fn recruitment_completes_the_day_after_the_period_not_on_its_last_day() {
        let at = |today| {
            period_ended(&PeriodInput {
                period_ends_on: d("2026-03-28"),
                today: d(today),
            })
            .outcome
        };
        assert_eq!(at("2026-03-28"), Outcome::Fail);
        assert_eq!(at("2026-03-29"), Outcome::Pass);
    }

    fn referral(outcome: Option<InterviewOutcome>, meets: Option<bool>) -> ReferralRecord {
        ReferralRecord {
            id: Uuid::new_v4(),
            outcome,
            meets_requirements: meets,
        }
    }

    #[test]
    fn outcomes_must_be_final_for_every_referral() {
        use InterviewOutcome::*;
        let finals = [NoShow, Accepted, Declined, Rejected];
        for o in finals {
            assert!(
                outcomes_recorded(&ReferralsInput {
                    referrals: vec![referral(Some(o), Some(false))]
                })
                .passed(),
                "{o:?}"
            );
        }
        for o in [None, Some(Interviewed), Some(Offered)] {
            assert!(
                !outcomes_recorded(&ReferralsInput {
                    referrals: vec![referral(o, None)]
                })
                .passed(),
                "{o:?}"
            );
        }
        assert!(outcomes_recorded(&ReferralsInput { referrals: vec![] }).passed());
    }

    #[test]
    fn rejecting_a_qualified_local_fails_and_other_rejections_do_not() {
        use InterviewOutcome::*;
        let check = |o, meets| {
            local_candidates_fairly_treated(&ReferralsInput {
                referrals: vec![referral(Some(o), meets)],
            })
            .outcome
        };
        assert_eq!(check(Rejected, Some(true)), Outcome::Fail);
        assert_eq!(check(Rejected, Some(false)), Outcome::Pass);
        assert_eq!(check(Declined, Some(true)), Outcome::Pass);
        assert_eq!(check(Accepted, Some(true)), Outcome::Pass);
    }

    #[test]
    fn job_fairs_need_every_week_only_where_required() {
        let at = |required, attended: Vec<u32>| {
            job_fairs_attended(&JobFairInput {
                required,
                weeks_in_period: 6,
                attended_weeks: attended,
            })
            .outcome
        };
        assert_eq!(at(true, vec![1, 2, 3, 4, 5, 6]), Outcome::Pass);
        assert_eq!(at(true, vec![1, 2, 3, 4, 6]), Outcome::Fail);
        assert_eq!(at(false, vec![]), Outcome::Pass);
    }

    #[test]
    fn unmet_need_is_requested_less_hired_never_negative() {
        let at = |requested, hired| {
            unmet_need(&UnmetNeedInput {
                workers_requested: requested,
                locals_hired: hired,
            })
        };
        assert_eq!(at(3, 1).output["unmet_need"], 2);
        assert_eq!(at(3, 3).outcome, Outcome::Fail);
        assert_eq!(at(3, 5).output["unmet_need"], 0);
    }
}
