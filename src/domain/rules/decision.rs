//! From rule results to a decision (R-DEC-1): places per vacancy are the least of the unmet need and
//! what the ratio allows, a vacancy whose wage is below the median gets none, and an application whose
//! recruitment was not fair (qualified local rejected, job fair missed) is refused as a whole.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::VariantArray)]
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

/// What the decision rests on for one vacancy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VacancyAssessment {
    pub vacancy_id: Uuid,
    pub requested: u32,
    /// Places still unfilled after local recruitment (R-REC-7).
    pub unmet_need: u32,
    /// Places the ratio allows for the unmet need (R-RAT-1).
    pub ratio_places: u32,
    /// The offered wage is not below the binding median (R-WAGE-1).
    pub wage_met: bool,
}

/// How local recruitment was conducted across the application (R-REC-4, R-REC-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecruitmentConduct {
    pub qualified_local_refused: bool,
    pub job_fair_missed: bool,
}

/// Decides from the assessment: places per vacancy and the reasons for any refused.
pub fn decide(vacancies: &[VacancyAssessment], conduct: RecruitmentConduct) -> Decision {
    let mut application_codes = Vec::new();
    if conduct.qualified_local_refused {
        application_codes.push(ReasonCode::LocalCandidateRefused);
    }
    if conduct.job_fair_missed {
        application_codes.push(ReasonCode::JobFairNotAttended);
    }
    let decided: Vec<VacancyPlaces> = vacancies
        .iter()
        .map(|v| {
            let mut codes = Vec::new();
            if v.unmet_need == 0 {
                codes.push(ReasonCode::NotGenuineNeed);
            }
            if v.ratio_places < v.unmet_need {
                codes.push(ReasonCode::RatioNotMet);
            }
            if !v.wage_met {
                codes.push(ReasonCode::WageBelowMedian);
            }
            let places = if !v.wage_met || !application_codes.is_empty() {
                0
            } else {
                v.unmet_need.min(v.ratio_places)
            };
            VacancyPlaces {
                vacancy_id: v.vacancy_id,
                requested: v.requested,
                places,
                reason_codes: codes,
            }
        })
        .collect();
    let total: u32 = decided.iter().map(|v| v.places).sum();
    let asked: u32 = vacancies.iter().map(|v| v.requested).sum();
    let mut reason_codes = application_codes;
    for v in &decided {
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
        vacancies: decided,
        reason_codes,
    }
}

impl Decision {
    /// A refusal: no places, whatever the rules would have allowed, for the approver's reasons.
    pub fn refusal(mut self, reason_codes: Vec<ReasonCode>) -> Self {
        for v in &mut self.vacancies {
            v.places = 0;
        }
        self.outcome = DecisionOutcome::Refuse;
        self.reason_codes = reason_codes;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vacancy(v: Uuid, requested: u32, unmet: u32, ratio_places: u32, wage_met: bool) -> VacancyAssessment {
        VacancyAssessment {
            vacancy_id: v,
            requested,
            unmet_need: unmet,
            ratio_places,
            wage_met,
        }
    }

    fn fair() -> RecruitmentConduct {
        RecruitmentConduct::default()
    }

    #[test]
    fn full_approval_when_need_ratio_and_wage_all_allow() {
        let v = Uuid::new_v4();
        let d = decide(&[vacancy(v, 2, 2, 2, true)], fair());
        assert_eq!(d.outcome, DecisionOutcome::Approve);
        assert_eq!(d.vacancies[0].places, 2);
        assert!(d.reason_codes.is_empty());
    }

    #[test]
    fn ratio_cap_gives_a_partial_approval_with_its_reason() {
        let v = Uuid::new_v4();
        let d = decide(&[vacancy(v, 3, 3, 1, true)], fair());
        assert_eq!(d.outcome, DecisionOutcome::PartiallyApprove);
        assert_eq!(d.vacancies[0].places, 1);
        assert_eq!(d.reason_codes, vec![ReasonCode::RatioNotMet]);
    }

    #[test]
    fn locals_hired_reduce_places_to_the_unmet_need() {
        let v = Uuid::new_v4();
        let d = decide(&[vacancy(v, 3, 1, 5, true)], fair());
        assert_eq!(d.vacancies[0].places, 1);
        assert_eq!(d.outcome, DecisionOutcome::PartiallyApprove);
    }

    #[test]
    fn wage_below_median_refuses_that_vacancy_only() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let d = decide(&[vacancy(a, 2, 2, 2, false), vacancy(b, 1, 1, 1, true)], fair());
        assert_eq!(d.outcome, DecisionOutcome::PartiallyApprove);
        assert_eq!((d.vacancies[0].places, d.vacancies[1].places), (0, 1));
        assert_eq!(d.reason_codes, vec![ReasonCode::WageBelowMedian]);
        let d = decide(&[vacancy(a, 2, 2, 2, false)], fair());
        assert_eq!(d.outcome, DecisionOutcome::Refuse);
    }

    #[test]
    fn an_unfairly_rejected_local_or_a_missed_job_fair_refuses_everything() {
        let v = Uuid::new_v4();
        for (conduct, code) in [
            (
                RecruitmentConduct {
                    qualified_local_refused: true,
                    job_fair_missed: false,
                },
                ReasonCode::LocalCandidateRefused,
            ),
            (
                RecruitmentConduct {
                    qualified_local_refused: false,
                    job_fair_missed: true,
                },
                ReasonCode::JobFairNotAttended,
            ),
        ] {
            let d = decide(&[vacancy(v, 2, 2, 2, true)], conduct);
            assert_eq!(d.outcome, DecisionOutcome::Refuse);
            assert_eq!(d.vacancies[0].places, 0);
            assert!(d.reason_codes.contains(&code));
        }
    }

    #[test]
    fn no_unmet_need_is_refused_as_not_genuine() {
        let v = Uuid::new_v4();
        let d = decide(&[vacancy(v, 2, 0, 4, true)], fair());
        assert_eq!(d.outcome, DecisionOutcome::Refuse);
        assert_eq!(d.reason_codes, vec![ReasonCode::NotGenuineNeed]);
    }

    #[test]
    fn a_refusal_grants_nothing_for_the_approver_s_reasons() {
        let v = Uuid::new_v4();
        let d = decide(&[vacancy(v, 2, 2, 2, true)], fair()).refusal(vec![ReasonCode::PoorComplianceRecord]);
        assert_eq!(d.outcome, DecisionOutcome::Refuse);
        assert_eq!(d.vacancies[0].places, 0);
        assert_eq!(d.reason_codes, vec![ReasonCode::PoorComplianceRecord]);
    }
}
