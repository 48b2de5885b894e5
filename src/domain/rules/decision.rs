//! From rule results to a decision (R-DEC-1): places per vacancy are the least of the unmet need and
//! what the ratio allows, a vacancy whose wage is below the median gets none, and an application whose
//! recruitment was not fair (qualified local rejected, job fair missed) is refused as a whole.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{RuleResult, ratio, recruitment, wage};

/// Why places were refused (R-DEC-1 reason codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReasonCode {
    RatioNotMet,
    LocalCandidateRefused,
    JobFairNotAttended,
    WageBelowMedian,
    NotGenuineNeed,
    PoorComplianceRecord,
}

impl ReasonCode {
    pub const ALL: [ReasonCode; 6] = [
        Self::RatioNotMet,
        Self::LocalCandidateRefused,
        Self::JobFairNotAttended,
        Self::WageBelowMedian,
        Self::NotGenuineNeed,
        Self::PoorComplianceRecord,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::RatioNotMet => "RATIO_NOT_MET",
            Self::LocalCandidateRefused => "LOCAL_CANDIDATE_REFUSED",
            Self::JobFairNotAttended => "JOB_FAIR_NOT_ATTENDED",
            Self::WageBelowMedian => "WAGE_BELOW_MEDIAN",
            Self::NotGenuineNeed => "NOT_GENUINE_NEED",
            Self::PoorComplianceRecord => "POOR_COMPLIANCE_RECORD",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DecisionOutcome {
    Approve,
    PartiallyApprove,
    Refuse,
}

/// Places for one vacancy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VacancyPlaces {
    pub vacancy_id: Uuid,
    pub requested: u32,
    pub places: u32,
    pub reason_codes: Vec<ReasonCode>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub outcome: DecisionOutcome,
    pub vacancies: Vec<VacancyPlaces>,
    pub reason_codes: Vec<ReasonCode>,
}

fn failed(results: &[RuleResult], rule_id: &str, subject: Option<Uuid>) -> bool {
    results
        .iter()
        .any(|r| r.rule_id == rule_id && !r.passed() && (subject.is_none() || r.subject == subject))
}

fn output_u32(results: &[RuleResult], rule_id: &str, subject: Uuid, field: &str) -> Option<u32> {
    results
        .iter()
        .find(|r| r.rule_id == rule_id && r.subject == Some(subject))
        .and_then(|r| r.output[field].as_u64())
        .and_then(|v| u32::try_from(v).ok())
}

/// Decides from the assessment's rule results; `requested` lists each vacancy and its request.
pub fn decide(results: &[RuleResult], requested: &[(Uuid, u32)]) -> Decision {
    let mut application_codes = Vec::new();
    if failed(results, recruitment::LOCAL_CANDIDATES, None) {
        application_codes.push(ReasonCode::LocalCandidateRefused);
    }
    if failed(results, recruitment::JOB_FAIRS, None) {
        application_codes.push(ReasonCode::JobFairNotAttended);
    }
    let vacancies: Vec<VacancyPlaces> = requested
        .iter()
        .map(|&(id, asked)| {
            let mut codes = Vec::new();
            let unmet = output_u32(results, recruitment::UNMET_NEED, id, "unmet_need").unwrap_or(0);
            let by_ratio = output_u32(results, ratio::RATIO, id, "places").unwrap_or(0);
            if unmet == 0 {
                codes.push(ReasonCode::NotGenuineNeed);
            }
            if by_ratio < unmet {
                codes.push(ReasonCode::RatioNotMet);
            }
            if failed(results, wage::MEDIAN_WAGE, Some(id)) {
                codes.push(ReasonCode::WageBelowMedian);
            }
            let places = if codes.contains(&ReasonCode::WageBelowMedian) || !application_codes.is_empty() {
                0
            } else {
                unmet.min(by_ratio)
            };
            VacancyPlaces {
                vacancy_id: id,
                requested: asked,
                places,
                reason_codes: codes,
            }
        })
        .collect();
    let total: u32 = vacancies.iter().map(|v| v.places).sum();
    let asked: u32 = requested.iter().map(|(_, n)| n).sum();
    let mut reason_codes = application_codes;
    for v in &vacancies {
        reason_codes.extend(v.reason_codes.iter().copied());
    }
    reason_codes.sort();
    reason_codes.dedup();
    let outcome = match total {
        0 => DecisionOutcome::Refuse,
        t if t < asked => DecisionOutcome::PartiallyApprove,
        _ => DecisionOutcome::Approve,
    };
    Decision {
        outcome,
        vacancies,
        reason_codes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::rules::{Outcome, result};
    use serde_json::json;

    fn rule(id: &str, subject: Option<Uuid>, outcome: Outcome, output: serde_json::Value) -> RuleResult {
        let mut r = result(id, 1, &json!({}), outcome, String::new(), output);
        r.subject = subject;
        r
    }

    fn vacancy_results(v: Uuid, unmet: u32, ratio_places: u32, wage_ok: bool) -> Vec<RuleResult> {
        let pass = |ok: bool| if ok { Outcome::Pass } else { Outcome::Fail };
        vec![
            rule(
                recruitment::UNMET_NEED,
                Some(v),
                pass(unmet > 0),
                json!({"unmet_need": unmet}),
            ),
            rule(
                ratio::RATIO,
                Some(v),
                pass(ratio_places >= unmet),
                json!({"places": ratio_places}),
            ),
            rule(wage::MEDIAN_WAGE, Some(v), pass(wage_ok), json!({})),
        ]
    }

    #[test]
    fn full_approval_when_need_ratio_and_wage_all_allow() {
        let v = Uuid::new_v4();
        let d = decide(&vacancy_results(v, 2, 2, true), &[(v, 2)]);
        assert_eq!(d.outcome, DecisionOutcome::Approve);
        assert_eq!(d.vacancies[0].places, 2);
        assert!(d.reason_codes.is_empty());
    }

    #[test]
    fn ratio_cap_gives_a_partial_approval_with_its_reason() {
        let v = Uuid::new_v4();
        let d = decide(&vacancy_results(v, 3, 1, true), &[(v, 3)]);
        assert_eq!(d.outcome, DecisionOutcome::PartiallyApprove);
        assert_eq!(d.vacancies[0].places, 1);
        assert_eq!(d.reason_codes, vec![ReasonCode::RatioNotMet]);
    }

    #[test]
    fn locals_hired_reduce_places_to_the_unmet_need() {
        let v = Uuid::new_v4();
        let d = decide(&vacancy_results(v, 1, 5, true), &[(v, 3)]);
        assert_eq!(d.vacancies[0].places, 1);
        assert_eq!(d.outcome, DecisionOutcome::PartiallyApprove);
    }

    #[test]
    fn wage_below_median_refuses_that_vacancy_only() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let mut results = vacancy_results(a, 2, 2, false);
        results.extend(vacancy_results(b, 1, 1, true));
        let d = decide(&results, &[(a, 2), (b, 1)]);
        assert_eq!(d.outcome, DecisionOutcome::PartiallyApprove);
        assert_eq!((d.vacancies[0].places, d.vacancies[1].places), (0, 1));
        assert_eq!(d.reason_codes, vec![ReasonCode::WageBelowMedian]);
        let d = decide(&vacancy_results(a, 2, 2, false), &[(a, 2)]);
        assert_eq!(d.outcome, DecisionOutcome::Refuse);
    }

    #[test]
    fn an_unfairly_rejected_local_or_a_missed_job_fair_refuses_everything() {
        let v = Uuid::new_v4();
        for (rule_id, code) in [
            (recruitment::LOCAL_CANDIDATES, ReasonCode::LocalCandidateRefused),
            (recruitment::JOB_FAIRS, ReasonCode::JobFairNotAttended),
        ] {
            let mut results = vacancy_results(v, 2, 2, true);
            results.push(rule(rule_id, Some(v), Outcome::Fail, json!({})));
            let d = decide(&results, &[(v, 2)]);
            assert_eq!(d.outcome, DecisionOutcome::Refuse);
            assert_eq!(d.vacancies[0].places, 0);
            assert!(d.reason_codes.contains(&code));
        }
    }

    #[test]
    fn no_unmet_need_is_refused_as_not_genuine() {
        let v = Uuid::new_v4();
        let d = decide(&vacancy_results(v, 0, 4, true), &[(v, 2)]);
        assert_eq!(d.outcome, DecisionOutcome::Refuse);
        assert_eq!(d.reason_codes, vec![ReasonCode::NotGenuineNeed]);
    }
}
