//! Submission-time rules: designated categories (R-ELIG-4), excluded sectors (R-ELIG-3), the six-month
//! bar (R-APP-3) and sanction bars (R-SAN-2). All bind to the submission date.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Outcome, RuleResult, result};

pub const DESIGNATED_CATEGORY: &str = "R-ELIG-4";
pub const EXCLUDED_SECTOR: &str = "R-ELIG-3";
pub const COOLDOWN: &str = "R-APP-3";
pub const SANCTION_BAR: &str = "R-SAN-2";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignatedCategoryInput {
    /// The vacancy's designated category, if it has one.
    pub category: Option<String>,
    pub submission_date: NaiveDate,
    /// Policy `designated_exclusion_suspended` in force on the submission date.
    pub exclusion_suspended: bool,
}

/// A post in one of the 26 designated categories may be imported only while their exclusion is suspended.
pub fn designated_category(input: &DesignatedCategoryInput) -> RuleResult {
    let (outcome, reason) = match (&input.category, input.exclusion_suspended) {
        (None, _) => (
            Outcome::Pass,
            "The post is not in a designated job category.".to_owned(),
        ),
        (Some(code), true) => (
            Outcome::Pass,
            format!(
                "{code} is a designated job category; its exclusion was suspended on {}.",
                input.submission_date
            ),
        ),
        (Some(code), false) => (
            Outcome::Fail,
            format!(
                "{code} is a designated job category, excluded from importation on {}.",
                input.submission_date
            ),
        ),
    };
    result(DESIGNATED_CATEGORY, 1, input, outcome, reason, json!(null))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExcludedSectorInput {
    pub sector: String,
    /// Policy `excluded_sectors`: sectors covered by other importation schemes.
    pub excluded_sectors: Vec<String>,
}

/// Posts in sectors with their own importation scheme (care homes, construction, transport) are refused.
pub fn excluded_sector(input: &ExcludedSectorInput) -> RuleResult {
    let excluded = input.excluded_sectors.iter().any(|s| s == &input.sector);
    let (outcome, reason) = if excluded {
        (
            Outcome::Fail,
            format!(
                "The {} sector is covered by a separate importation scheme.",
                input.sector
            ),
        )
    } else {
        (
            Outcome::Pass,
            format!("The {} sector is within the scheme.", input.sector),
        )
    };
    result(EXCLUDED_SECTOR, 1, input, outcome, reason, json!(null))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CooldownInput {
    /// `NEW` or `RENEWAL`.
    pub application_type: String,
    pub submission_date: NaiveDate,
    /// When the employer last submitted another application, if ever.
    pub previous_submission_date: Option<NaiveDate>,
    /// Policy `cooldown_months` (0: no bar).
    pub cooldown_months: u32,
    /// Policy `cooldown_exempt_types`.
    pub exempt_types: Vec<String>,
}

/// After submitting, an employer may not submit again for `cooldown_months` (renewals exempt).
pub fn cooldown(input: &CooldownInput) -> RuleResult {
    let exempt = input.exempt_types.iter().any(|t| t == &input.application_type);
    let bar_ends = input
        .previous_submission_date
        .and_then(|prev| prev.checked_add_months(Months::new(input.cooldown_months)));
    let (outcome, reason) = match (exempt, input.previous_submission_date, bar_ends) {
        (true, _, _) => (
            Outcome::Pass,
            format!("{} applications are exempt from the bar.", input.application_type),
        ),
        (false, None, _) => (Outcome::Pass, "The employer has no earlier application.".to_owned()),
        (false, Some(prev), Some(ends)) if input.submission_date < ends => (
            Outcome::Fail,
            format!(
                "The employer submitted an application on {prev}; another may be submitted from {ends} ({} months).",
                input.cooldown_months
            ),
        ),
        (false, Some(prev), _) => (
            Outcome::Pass,
            format!(
                "The last application ({prev}) is {} months or more ago.",
                input.cooldown_months
            ),
        ),
    };
    result(COOLDOWN, 1, input, outcome, reason, json!({ "bar_ends_on": bar_ends }))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SanctionBar {
    pub bar_from: NaiveDate,
    /// First day the employer may apply again.
    pub bar_until: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SanctionBarInput {
    pub submission_date: NaiveDate,
    pub bars: Vec<SanctionBar>,
}

/// A sanctioned employer may not apply while its bar runs.
pub fn sanction_bar(input: &SanctionBarInput) -> RuleResult {
    let active = input
        .bars
        .iter()
        .find(|b| b.bar_from <= input.submission_date && input.submission_date < b.bar_until);
    let (outcome, reason) = match active {
        Some(bar) => (
            Outcome::Fail,
            format!("The employer is barred from applying until {}.", bar.bar_until),
        ),
        None => (Outcome::Pass, "No sanction bar is in force.".to_owned()),
    };
    result(SANCTION_BAR, 1, input, outcome, reason, json!(null))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn designated_category_table() {
        let cases = [
            (None, false, Outcome::Pass),
            (None, true, Outcome::Pass),
            (Some("WAITER"), true, Outcome::Pass),
            (Some("WAITER"), false, Outcome::Fail),
        ];
        for (category, suspended, expected) in cases {
            let input = DesignatedCategoryInput {
                category: category.map(Into::into),
                submission_date: d("2024-01-01"),
                exclusion_suspended: suspended,
            };
            assert_eq!(
                designated_category(&input).outcome,
                expected,
                "{category:?} suspended={suspended}"
            );
        }
    }

    #[test]
    fn excluded_sector_table() {
        let excluded = vec!["CONSTRUCTION".to_owned(), "RESIDENTIAL_CARE_HOME".to_owned()];
        for (sector, expected) in [
            ("CONSTRUCTION", Outcome::Fail),
            ("CATERING", Outcome::Pass),
            ("RESIDENTIAL_CARE_HOME", Outcome::Fail),
        ] {
            let input = ExcludedSectorInput {
                sector: sector.into(),
                excluded_sectors: excluded.clone(),
            };
            assert_eq!(excluded_sector(&input).outcome, expected, "{sector}");
        }
    }

    fn cooldown_at(submission: &str, previous: Option<&str>, kind: &str, months: u32) -> Outcome {
        cooldown(&CooldownInput {
            application_type: kind.into(),
            submission_date: d(submission),
            previous_submission_date: previous.map(d),
            cooldown_months: months,
            exempt_types: vec!["RENEWAL".into()],
        })
        .outcome
    }

    #[test]
    fn cooldown_bars_until_the_day_six_months_later_and_not_on_it() {
        assert_eq!(cooldown_at("2025-12-31", Some("2025-07-01"), "NEW", 6), Outcome::Fail);
        assert_eq!(cooldown_at("2026-01-01", Some("2025-07-01"), "NEW", 6), Outcome::Pass);
        assert_eq!(cooldown_at("2025-07-01", Some("2025-07-01"), "NEW", 6), Outcome::Fail);
    }

    #[test]
    fn cooldown_month_ends_clamp_to_the_last_day() {
        // 31 Aug + 6 months = 28 Feb (not 3 Mar).
        assert_eq!(cooldown_at("2026-02-27", Some("2025-08-31"), "NEW", 6), Outcome::Fail);
        assert_eq!(cooldown_at("2026-02-28", Some("2025-08-31"), "NEW", 6), Outcome::Pass);
    }

    #[test]
    fn cooldown_spares_renewals_first_applications_and_a_zero_bar() {
        assert_eq!(
            cooldown_at("2025-08-01", Some("2025-07-01"), "RENEWAL", 6),
            Outcome::Pass
        );
        assert_eq!(cooldown_at("2025-08-01", None, "NEW", 6), Outcome::Pass);
        assert_eq!(cooldown_at("2025-07-01", Some("2025-07-01"), "NEW", 0), Outcome::Pass);
    }

    #[test]
    fn sanction_bar_runs_from_its_first_day_to_the_day_before_it_ends() {
        let bars = vec![SanctionBar {
            bar_from: d("2025-01-01"),
            bar_until: d("2026-01-01"),
        }];
        let at = |day| {
            sanction_bar(&SanctionBarInput {
                submission_date: d(day),
                bars: bars.clone(),
            })
            .outcome
        };
        assert_eq!(at("2024-12-31"), Outcome::Pass);
        assert_eq!(at("2025-01-01"), Outcome::Fail);
        assert_eq!(at("2025-12-31"), Outcome::Fail);
        assert_eq!(at("2026-01-01"), Outcome::Pass);
    }
}
