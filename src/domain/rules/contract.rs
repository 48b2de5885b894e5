//! The Standard Employment Contract against the approval and the scheme (R-CON-1/2, R-WAGE-1/5) and
//! the levy it sets (R-LEVY-1). The median-wage check is [`super::wage::median_wage`] with the
//! contract's wage as the offer.
//!
//! Rule ids beyond domain.md's suggestions: R-CON-4 (the contract is for the approved post) and
//! R-CON-5 (its wage is not below the wage approved).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Outcome, RuleResult, result};
use crate::domain::worker::contract_months;

pub const TERM: &str = "R-CON-1";
pub const TERMS: &str = "R-CON-2";
pub const POST: &str = "R-CON-4";
pub const APPROVED_WAGE: &str = "R-CON-5";
pub const DEDUCTION_CAP: &str = "R-WAGE-5";
pub const LEVY: &str = "R-LEVY-1";

/// Where the worker lives (R-CON-2); the Mainland options are for Mainland residents only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::VariantArray)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Accommodation {
    /// Provided by the employer in Hong Kong.
    Hk,
    /// Provided by the employer on the Mainland (cross-boundary workers).
    MainlandProvided,
    /// The worker's own residence on the Mainland: nothing provided, nothing deducted.
    OwnMainlandResidence,
}

impl Accommodation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hk => "HK",
            Self::MainlandProvided => "MAINLAND_PROVIDED",
            Self::OwnMainlandResidence => "OWN_MAINLAND_RESIDENCE",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Hk, Self::MainlandProvided, Self::OwnMainlandResidence]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermInput {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Policy `max_contract_months`.
    pub max_contract_months: u32,
}

/// R-CON-1: the term is at most the policy maximum (24 months).
pub fn term(input: &TermInput) -> RuleResult {
    let months = contract_months(input.starts_on, input.ends_on);
    let (outcome, reason) = if months <= input.max_contract_months {
        (
            Outcome::Pass,
            format!(
                "{} to {} is {months} months, within the {}-month maximum.",
                input.starts_on, input.ends_on, input.max_contract_months
            ),
        )
    } else {
        (
            Outcome::Fail,
            format!(
                "{} to {} is {months} months; the maximum is {}.",
                input.starts_on, input.ends_on, input.max_contract_months
            ),
        )
    };
    result(TERM, 1, input, outcome, reason, json!({ "contract_months": months }))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermsInput {
    pub normal_daily_hours: f64,
    /// Policy `max_daily_hours_incl_ot`.
    pub max_daily_hours: u32,
    pub accommodation: Accommodation,
    pub mainland_resident: bool,
}

/// R-CON-2: normal hours within the daily maximum, and a Mainland accommodation option only for a
/// Mainland resident.
pub fn terms(input: &TermsInput) -> RuleResult {
    let mut problems = Vec::new();
    if input.normal_daily_hours > f64::from(input.max_daily_hours) {
        problems.push(format!(
            "{} normal hours a day exceed the {}-hour maximum.",
            input.normal_daily_hours, input.max_daily_hours
        ));
    }
    if input.accommodation != Accommodation::Hk && !input.mainland_resident {
        problems.push(format!(
            "{} accommodation is only for Mainland residents.",
            input.accommodation.as_str()
        ));
    }
    let (outcome, reason) = if problems.is_empty() {
        (
            Outcome::Pass,
            format!(
                "{} normal hours a day and {} accommodation are allowed.",
                input.normal_daily_hours,
                input.accommodation.as_str()
            ),
        )
    } else {
        (Outcome::Fail, problems.join(" "))
    };
    result(TERMS, 1, input, outcome, reason, json!({}))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostInput {
    /// The approved vacancy's wage-table code (common posts) and title.
    pub approved_post_code: Option<String>,
    pub approved_post_title: String,
    /// What the contract names.
    pub contract_post_code: Option<String>,
    pub contract_post_title: String,
}

/// R-CON-4: the contract is for the approved post: the same wage-table code for a common post, the
/// same title (ignoring case and spacing) otherwise.
pub fn post(input: &PostInput) -> RuleResult {
    let normalise = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let same = match &input.approved_post_code {
        Some(code) => input.contract_post_code.as_deref() == Some(code.as_str()),
        None => normalise(&input.contract_post_title) == normalise(&input.approved_post_title),
    };
    let approved = input
        .approved_post_code
        .as_deref()
        .unwrap_or(&input.approved_post_title);
    let named = input
        .contract_post_code
        .as_deref()
        .unwrap_or(&input.contract_post_title);
    let (outcome, reason) = if same {
        (
            Outcome::Pass,
            format!("The contract is for the approved post {approved}."),
        )
    } else {
        (
            Outcome::Fail,
            format!("The contract names {named}, but the place was approved for {approved}."),
        )
    };
    result(POST, 1, input, outcome, reason, json!({}))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovedWageInput {
    pub contract_wage_hkd: u32,
    /// The monthly wage the application offered and the approval rests on.
    pub approved_wage_hkd: u32,
}

/// R-CON-5: the contract pays at least the wage approved.
pub fn approved_wage(input: &ApprovedWageInput) -> RuleResult {
    let (wage, approved) = (input.contract_wage_hkd, input.approved_wage_hkd);
    let (outcome, reason) = if wage >= approved {
        (
            Outcome::Pass,
            format!("HK${wage} is not below the approved HK${approved}."),
        )
    } else {
        (
            Outcome::Fail,
            format!("HK${wage} is HK${} below the approved HK${approved}.", approved - wage),
        )
    };
    result(APPROVED_WAGE, 1, input, outcome, reason, json!({}))
}

/// Policy `accommodation_deduction_cap`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeductionCap {
    pub percent_of_wage: u32,
    /// The cap is the lesser of the percentage and the actual cost.
    pub or_actual_cost: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeductionInput {
    pub monthly_wage_hkd: u32,
    pub accommodation: Accommodation,
    pub deduction_hkd: u32,
    pub actual_cost_hkd: Option<u32>,
    pub cap: DeductionCap,
}

/// The most that may be deducted for accommodation: nothing when none is provided, else the percentage
/// of the wage (rounded down), or the actual cost when lower.
pub fn deduction_allowed(input: &DeductionInput) -> u32 {
    if input.accommodation == Accommodation::OwnMainlandResidence {
        return 0;
    }
    let share = u32::try_from(u64::from(input.monthly_wage_hkd) * u64::from(input.cap.percent_of_wage) / 100)
        .unwrap_or(u32::MAX);
    match input.actual_cost_hkd {
        Some(cost) if input.cap.or_actual_cost => share.min(cost),
        _ => share,
    }
}

/// R-WAGE-5: the accommodation deduction is within its cap.
pub fn deduction(input: &DeductionInput) -> RuleResult {
    let allowed = deduction_allowed(input);
    let (outcome, reason) = if input.deduction_hkd <= allowed {
        (
            Outcome::Pass,
            format!(
                "HK${} deducted for accommodation is within the HK${allowed} allowed.",
                input.deduction_hkd
            ),
        )
    } else {
        (
            Outcome::Fail,
            format!(
                "HK${} deducted for accommodation exceeds the HK${allowed} allowed (the lesser of {}% of wages or the actual cost).",
                input.deduction_hkd, input.cap.percent_of_wage
            ),
        )
    };
    result(
        DEDUCTION_CAP,
        1,
        input,
        outcome,
        reason,
        json!({ "allowed_hkd": allowed }),
    )
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevyInput {
    pub contract_months: u32,
    /// Policy `erl_monthly_rate_hkd` in force on the date the contract was signed.
    pub monthly_rate_hkd: u32,
}

/// R-LEVY-1: the Employees Retraining Levy, rate × contract months, paid once and never refunded.
pub fn levy(input: &LevyInput) -> RuleResult {
    let amount = input.contract_months.saturating_mul(input.monthly_rate_hkd);
    result(
        LEVY,
        1,
        input,
        Outcome::Pass,
        format!(
            "HK${} × {} months = HK${amount}, payable once and not refundable.",
            input.monthly_rate_hkd, input.contract_months
        ),
        json!({ "amount_hkd": amount }),
    )
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn twenty_four_months_pass_and_twenty_five_fail() {
        let input = |ends: &str| TermInput {
            starts_on: d("2026-05-01"),
            ends_on: d(ends),
            max_contract_months: 24,
        };
        let at = term(&input("2028-04-30"));
        assert!(at.passed());
        assert_eq!(at.output["contract_months"], 24);
        let over = term(&input("2028-05-01"));
        assert!(!over.passed());
        assert_eq!(over.output["contract_months"], 25);
        assert_eq!(over.rule_id, TERM);
    }

    #[test]
    fn a_wage_one_dollar_under_the_approved_wage_fails() {
        let input = |wage| ApprovedWageInput {
            contract_wage_hkd: wage,
            approved_wage_hkd: 15000,
        };
        assert!(approved_wage(&input(15000)).passed());
        assert!(!approved_wage(&input(14999)).passed());
        assert!(approved_wage(&input(15001)).passed());
    }

    #[test]
    fn hours_over_the_daily_maximum_and_mainland_options_for_non_residents_fail() {
        let input = |hours, accommodation, mainland| TermsInput {
            normal_daily_hours: hours,
            max_daily_hours: 12,
            accommodation,
            mainland_resident: mainland,
        };
        assert!(terms(&input(12.0, Accommodation::Hk, false)).passed());
        assert!(!terms(&input(12.5, Accommodation::Hk, false)).passed());
        assert!(!terms(&input(10.0, Accommodation::MainlandProvided, false)).passed());
        assert!(terms(&input(10.0, Accommodation::MainlandProvided, true)).passed());
        assert!(terms(&input(10.0, Accommodation::OwnMainlandResidence, true)).passed());
    }

    #[test]
    fn the_post_must_be_the_approved_one() {
        let input = |approved: Option<&str>, named: Option<&str>, title: &str| PostInput {
            approved_post_code: approved.map(str::to_owned),
            approved_post_title: "Dish  Washer".into(),
            contract_post_code: named.map(str::to_owned),
            contract_post_title: title.into(),
        };
        assert!(post(&input(Some("DISHWASHER"), Some("DISHWASHER"), "Kitchen helper")).passed());
        assert!(
            !post(&input(
                Some("DISHWASHER"),
                Some("CHINESE_RESTAURANT_WAITER"),
                "Dishwasher"
            ))
            .passed()
        );
        assert!(!post(&input(Some("DISHWASHER"), None, "Dish Washer")).passed());
        assert!(post(&input(None, None, "dish washer")).passed());
        assert!(!post(&input(None, None, "Cook")).passed());
    }

    #[test]
    fn the_deduction_cap_is_the_lesser_of_ten_percent_and_the_actual_cost() {
        let input = |deduction, cost| DeductionInput {
            monthly_wage_hkd: 15500,
            accommodation: Accommodation::Hk,
            deduction_hkd: deduction,
            actual_cost_hkd: cost,
            cap: DeductionCap {
                percent_of_wage: 10,
                or_actual_cost: true,
            },
        };
        assert!(deduction(&input(1550, None)).passed());
        assert!(!deduction(&input(1551, None)).passed());
        assert!(deduction(&input(1200, Some(1200))).passed());
        assert!(!deduction(&input(1201, Some(1200))).passed());
        assert_eq!(deduction(&input(0, Some(2000))).output["allowed_hkd"], 1550);
        let mut own = input(1, None);
        own.accommodation = Accommodation::OwnMainlandResidence;
        assert!(!deduction(&own).passed());
    }

    #[test]
    fn the_levy_is_the_rate_times_the_months() {
        let due = |months, rate| {
            levy(&LevyInput {
                contract_months: months,
                monthly_rate_hkd: rate,
            })
            .output["amount_hkd"]
                .as_u64()
                .unwrap()
        };
        assert_eq!(due(24, 400), 9600);
        assert_eq!(due(12, 400), 4800);
        // The 2008-2013 suspension.
        assert_eq!(due(24, 0), 0);
    }

    proptest! {
        #[test]
        fn the_deduction_rule_passes_exactly_up_to_the_cap(wage in 1u32..200_000, cost in proptest::option::of(0u32..50_000), deduction_hkd in 0u32..50_000) {
            let input = DeductionInput {
                monthly_wage_hkd: wage,
                accommodation: Accommodation::Hk,
                deduction_hkd,
                actual_cost_hkd: cost,
                cap: DeductionCap { percent_of_wage: 10, or_actual_cost: true },
            };
            let cap = (wage / 10).min(cost.unwrap_or(u32::MAX));
            prop_assert_eq!(deduction(&input).passed(), deduction_hkd <= cap);
        }

        #[test]
        fn the_term_passes_exactly_when_the_months_are_within_the_maximum(start in 0u32..3650, days in 0u32..1200) {
            let starts_on = d("2024-01-01") + chrono::Days::new(u64::from(start));
            let ends_on = starts_on + chrono::Days::new(u64::from(days));
            let input = TermInput { starts_on, ends_on, max_contract_months: 24 };
            let months = contract_months(starts_on, ends_on);
            prop_assert_eq!(term(&input).passed(), months <= 24);
            // A term of n months ends before the same day n months on.
            prop_assert!(starts_on.checked_add_months(chrono::Months::new(months)).unwrap() > ends_on);
        }
    }
}
