//! The median-wage rule (R-WAGE-1, R-WAGE-3, R-WAGE-4): the offered monthly wage must not be below the
//! binding median, which policy `wage_binding` takes from the table in force on the submission date, on
//! the decision date, or the higher of the two. Non-common posts use the caseworker's benchmark instead.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Outcome, RuleResult, result};

pub const MEDIAN_WAGE: &str = "R-WAGE-1";

/// Which table's median binds (policy `wage_binding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WageBinding {
    Submission,
    Decision,
    HigherOfSubmissionAndDecision,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MedianWageInput {
    pub offered_monthly_wage_hkd: u32,
    pub binding: WageBinding,
    /// Median of the table in force on the submission date (common posts).
    pub median_at_submission_hkd: Option<u32>,
    /// Median of the table in force on the decision date (common posts), once deciding.
    pub median_at_decision_hkd: Option<u32>,
    /// For non-common posts: the caseworker's benchmark median and its source.
    pub benchmark_median_hkd: Option<u32>,
    pub benchmark_source: Option<String>,
}

/// The median that binds, by the policy; `None` when no median is known yet.
pub fn binding_median(input: &MedianWageInput) -> Option<u32> {
    if let Some(benchmark) = input.benchmark_median_hkd {
        return Some(benchmark);
    }
    let (submission, decision) = (input.median_at_submission_hkd, input.median_at_decision_hkd);
    match input.binding {
        WageBinding::Submission => submission,
        WageBinding::Decision => decision.or(submission),
        WageBinding::HigherOfSubmissionAndDecision => submission.max(decision),
    }
}

/// Offered wage ≥ binding median.
pub fn median_wage(input: &MedianWageInput) -> RuleResult {
    let median = binding_median(input);
    let offered = input.offered_monthly_wage_hkd;
    let (outcome, reason) = match median {
        None => (
            Outcome::Fail,
            "No median wage is known for this post: a benchmark must be entered.".to_owned(),
        ),
        Some(m) if offered >= m => (
            Outcome::Pass,
            format!("The offered HK${offered} is not below the median HK${m}."),
        ),
        Some(m) => (
            Outcome::Fail,
            format!(
                "The offered HK${offered} is HK${} below the median HK${m}.",
                m - offered
            ),
        ),
    };
    result(
        MEDIAN_WAGE,
        1,
        input,
        outcome,
        reason,
        json!({ "binding_median_hkd": median }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn input(
        offered: u32,
        binding: WageBinding,
        at_submission: Option<u32>,
        at_decision: Option<u32>,
    ) -> MedianWageInput {
        MedianWageInput {
            offered_monthly_wage_hkd: offered,
            binding,
            median_at_submission_hkd: at_submission,
            median_at_decision_hkd: at_decision,
            benchmark_median_hkd: None,
            benchmark_source: None,
        }
    }

    #[test]
    fn one_dollar_under_the_median_fails_and_the_median_itself_passes() {
        let b = WageBinding::Submission;
        assert_eq!(
            median_wage(&input(14_249, b, Some(14_250), None)).outcome,
            Outcome::Fail
        );
        assert_eq!(
            median_wage(&input(14_250, b, Some(14_250), None)).outcome,
            Outcome::Pass
        );
        assert_eq!(
            median_wage(&input(14_251, b, Some(14_250), None)).outcome,
            Outcome::Pass
        );
    }

    #[test]
    fn binding_picks_the_table_the_policy_names() {
        use WageBinding::*;
        // Median rose from 14,250 to 15,730 between submission and decision.
        let cases = [
            (Submission, 15_000, Outcome::Pass),
            (Decision, 15_000, Outcome::Fail),
            (HigherOfSubmissionAndDecision, 15_000, Outcome::Fail),
            (HigherOfSubmissionAndDecision, 15_730, Outcome::Pass),
        ];
        for (binding, offered, expected) in cases {
            assert_eq!(
                median_wage(&input(offered, binding, Some(14_250), Some(15_730))).outcome,
                expected,
                "{binding:?}"
            );
        }
        // A median that fell is never lower than the submission one under HIGHER_OF.
        assert_eq!(
            binding_median(&input(0, HigherOfSubmissionAndDecision, Some(15_730), Some(14_250))),
            Some(15_730)
        );
    }

    #[test]
    fn a_benchmark_binds_for_non_common_posts_and_none_fails() {
        let mut i = input(12_000, WageBinding::Submission, None, None);
        assert_eq!(median_wage(&i).outcome, Outcome::Fail);
        i.benchmark_median_hkd = Some(11_500);
        i.benchmark_source = Some("C&SD occupational wage survey, May 2025".into());
        assert_eq!(median_wage(&i).outcome, Outcome::Pass);
    }

    proptest! {
        #[test]
        fn passes_exactly_when_the_offer_is_at_least_every_median_that_binds(
            offered in 0u32..100_000, sub in 0u32..100_000, dec in 0u32..100_000,
        ) {
            let r = median_wage(&input(offered, WageBinding::HigherOfSubmissionAndDecision, Some(sub), Some(dec)));
            prop_assert_eq!(r.passed(), offered >= sub && offered >= dec);
            let r = median_wage(&input(offered, WageBinding::Submission, Some(sub), Some(dec)));
            prop_assert_eq!(r.passed(), offered >= sub);
        }
    }
}
