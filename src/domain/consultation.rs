//! Labour Advisory Board consultation (R-LAB-1/2): the package members read, the window in Hong Kong
//! working days, members' views and the outcome they add up to. Pure: the caller brings the holidays,
//! the policy values and the views.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::rules::decision::{DecisionOutcome, ReasonCode};

pub const RULE_ID: &str = "R-LAB-2";

/// A working day in Hong Kong: Monday to Friday, and not a general holiday.
pub fn is_working_day(day: NaiveDate, holidays: &BTreeSet<NaiveDate>) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !holidays.contains(&day)
}

/// The last day of a window of `working_days` working days opened on `opened_on`: the window starts the
/// working day after it opens (the day of circulation is not counted, as with Hong Kong's statutory
/// periods) and closes at the end of its last working day.
pub fn closes_on(opened_on: NaiveDate, working_days: u32, holidays: &BTreeSet<NaiveDate>) -> NaiveDate {
    let mut day = opened_on;
    let mut counted = 0;
    while counted < working_days {
        day = day.succ_opt().expect("a window within the calendar");
        if is_working_day(day, holidays) {
            counted += 1;
        }
    }
    day
}

super::codes!(
    /// A member's view on a case (`COMMENT`: a comment without taking a side).
    Stance {
        Support => "SUPPORT",
        Object => "OBJECT",
        Comment => "COMMENT",
    }
);

/// One member's recorded view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    pub id: Uuid,
    pub member: String,
    pub stance: Stance,
    pub comment: Option<String>,
    pub recorded_on: NaiveDate,
}

/// Whether the members agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    Consensus,
    NoConsensus,
}

/// Where the case goes after the consultation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Route {
    /// To the decision (DECISION_PENDING).
    Decision,
    /// To the LAB working group; a caseworker closes the consultation with its conclusion.
    WorkingGroup,
}

/// The views counted, with the threshold they were judged by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    pub support: u32,
    pub object: u32,
    pub comment: u32,
    pub threshold: f64,
}

/// The outcome of a consultation and where it sends the case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub outcome: Outcome,
    pub routed_to: Route,
    pub tally: Tally,
}

/// R-LAB-2: the members agree when, of those taking a side, at least `threshold` take the same one
/// (support or object). Comments take no side; with no side taken there is no consensus. Without
/// consensus the case goes to the LAB working group.
pub fn judge(views: &[View], threshold: f64) -> Verdict {
    let count = |stance| views.iter().filter(|v| v.stance == stance).count() as u32;
    let tally = Tally {
        support: count(Stance::Support),
        object: count(Stance::Object),
        comment: count(Stance::Comment),
        threshold,
    };
    let sided = tally.support + tally.object;
    let agree = sided > 0 && f64::from(tally.support.max(tally.object)) >= threshold * f64::from(sided);
    let (outcome, routed_to) = if agree {
        (Outcome::Consensus, Route::Decision)
    } else {
        (Outcome::NoConsensus, Route::WorkingGroup)
    };
    Verdict {
        outcome,
        routed_to,
        tally,
    }
}

/// What a LAB member reads: the posts, numbers and wages against the median, the results of local
/// recruitment as counts, the ratio position and the caseworker's recommendation. By construction it
/// holds no worker's or job seeker's personal data and no staff notes (comments, messages): it is built
/// from counts and the case's own figures only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Package {
    pub application_id: Uuid,
    pub reference: String,
    pub employer_name: String,
    pub application_type: String,
    pub submitted_on: Option<NaiveDate>,
    pub posts: Vec<PackagePost>,
    pub ratio: Option<RatioPosition>,
    pub recommendation: Recommendation,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackagePost {
    pub vacancy_id: Uuid,
    pub post_title: String,
    pub designated_category_code: Option<String>,
    pub industry_sector: String,
    pub workers_requested: u32,
    pub monthly_wage_hkd: u32,
    /// The median the wage was held against (the table's, or the caseworker's benchmark).
    pub median_monthly_wage_hkd: Option<u32>,
    pub wage_at_or_above_median: Option<bool>,
    pub recruitment: RecruitmentSummary,
}

/// Local recruitment as numbers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RecruitmentSummary {
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub adverts: u32,
    pub job_fair_sessions_attended: u32,
    pub job_seekers_referred: u32,
    /// Referrals by interview outcome (`INTERVIEWED`, `ACCEPTED`, …; `PENDING` without one).
    pub outcomes: BTreeMap<String, u32>,
}

/// The employer's staff as its latest headcount return gave them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatioPosition {
    pub as_of: NaiveDate,
    pub full_time_locals: u32,
    pub imported_workers: u32,
}

/// The caseworker's recommendation, as recorded by `recommend`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recommendation {
    pub outcome: Option<DecisionOutcome>,
    pub reason_codes: Vec<ReasonCode>,
    pub recommended_on: NaiveDate,
    pub places: BTreeMap<Uuid, u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn view(stance: Stance) -> View {
        View {
            id: Uuid::nil(),
            member: "m".into(),
            stance,
            comment: None,
            recorded_on: d("2026-03-02"),
        }
    }

    fn holidays(days: &[&str]) -> BTreeSet<NaiveDate> {
        days.iter().map(|s| d(s)).collect()
    }

    #[test]
    fn ten_working_days_skip_weekends_and_holidays() {
        // Opened Monday 2026-03-02: the 10th working day after it is Monday 2026-03-16.
        assert_eq!(closes_on(d("2026-03-02"), 10, &BTreeSet::new()), d("2026-03-16"));
        // Good Friday, the day after, Easter Monday and the day after Ching Ming 2026: opened Wednesday
        // 2026-04-01, the window skips 3, 4, 6 and 7 April.
        let easter = holidays(&["2026-04-03", "2026-04-04", "2026-04-06", "2026-04-07"]);
        assert_eq!(closes_on(d("2026-04-01"), 10, &easter), d("2026-04-20"));
        assert_eq!(closes_on(d("2026-04-01"), 10, &BTreeSet::new()), d("2026-04-15"));
        // Opened on a Saturday: counting starts on Monday.
        assert_eq!(closes_on(d("2026-03-07"), 1, &BTreeSet::new()), d("2026-03-09"));
    }

    #[test]
    fn every_window_ends_on_a_working_day_with_exactly_n_working_days_after_the_opening() {
        let hk = holidays(&["2026-01-01", "2026-02-17", "2026-02-18", "2026-02-19", "2026-04-03"]);
        let mut opened = d("2025-12-20");
        while opened < d("2026-05-01") {
            for n in 1..=15 {
                let closes = closes_on(opened, n, &hk);
                assert!(is_working_day(closes, &hk), "{opened} + {n}");
                let counted = opened
                    .iter_days()
                    .skip(1)
                    .take_while(|day| *day <= closes)
                    .filter(|day| is_working_day(*day, &hk))
                    .count();
                assert_eq!(counted, n as usize, "{opened} + {n} closes {closes}");
            }
            opened = opened.succ_opt().unwrap();
        }
    }

    #[test]
    fn consensus_needs_the_threshold_share_of_the_sides_taken() {
        // Every mix of up to 6 supports, 6 objections and 3 comments, at thresholds 0.5 to 1.
        for threshold in [0.5, 0.6, 0.75, 1.0] {
            for support in 0..=6u32 {
                for object in 0..=6u32 {
                    for comment in 0..=3u32 {
                        let views: Vec<View> = (0..support)
                            .map(|_| view(Stance::Support))
                            .chain((0..object).map(|_| view(Stance::Object)))
                            .chain((0..comment).map(|_| view(Stance::Comment)))
                            .collect();
                        let verdict = judge(&views, threshold);
                        let sided = support + object;
                        let majority = support.max(object);
                        let expected = sided > 0 && (majority as f64) / (sided as f64) >= threshold;
                        assert_eq!(
                            verdict.outcome == Outcome::Consensus,
                            expected,
                            "{support}/{object}/{comment} at {threshold}"
                        );
                        assert_eq!(verdict.routed_to == Route::Decision, expected);
                        assert_eq!(
                            (verdict.tally.support, verdict.tally.object, verdict.tally.comment),
                            (support, object, comment)
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_boundary_of_the_threshold_is_consensus() {
        let three_to_one = [Stance::Support, Stance::Support, Stance::Support, Stance::Object].map(view);
        assert_eq!(judge(&three_to_one, 0.75).outcome, Outcome::Consensus);
        assert_eq!(judge(&three_to_one, 0.76).outcome, Outcome::NoConsensus);
        assert_eq!(judge(&[], 0.75).outcome, Outcome::NoConsensus);
        assert_eq!(judge(&[view(Stance::Comment)], 0.75).routed_to, Route::WorkingGroup);
        assert_eq!(judge(&[view(Stance::Object)], 0.75).outcome, Outcome::Consensus);
    }
}
