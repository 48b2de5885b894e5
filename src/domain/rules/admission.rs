//! Who may be named to a place (domain.md §5.1): nationals of the countries policy lists are not
//! admissible (R-ELIG-5), and a Mainland resident must come through a Mainland-approved foreign labour
//! service cooperation enterprise (R-ELIG-6). Both bind to the day the worker is named.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Outcome, RuleResult, result};

pub const NATIONALITY: &str = "R-ELIG-5";
pub const MAINLAND_ENTERPRISE: &str = "R-ELIG-6";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NationalityInput {
    /// ISO 3166-1 alpha-3.
    pub nationality: String,
    /// Policy `inadmissible_nationalities`.
    pub inadmissible: Vec<String>,
}

/// R-ELIG-5: the worker's nationality is not on the policy's list.
pub fn nationality(input: &NationalityInput) -> RuleResult {
    let (outcome, reason) = if input.inadmissible.contains(&input.nationality) {
        (
            Outcome::Fail,
            format!(
                "Nationals of {} are not admissible under these entry arrangements.",
                input.nationality
            ),
        )
    } else {
        (
            Outcome::Pass,
            format!("Nationals of {} are admissible.", input.nationality),
        )
    };
    result(NATIONALITY, 1, input, outcome, reason, json!(null))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MainlandInput {
    pub mainland_resident: bool,
    pub recruiting_enterprise: Option<String>,
}

/// R-ELIG-6: a Mainland resident names the enterprise that recruited them.
pub fn mainland_enterprise(input: &MainlandInput) -> RuleResult {
    let named = input
        .recruiting_enterprise
        .as_deref()
        .is_some_and(|e| !e.trim().is_empty());
    let (outcome, reason) = match (input.mainland_resident, named) {
        (false, _) => (Outcome::Pass, "The worker is not a Mainland resident.".to_owned()),
        (true, true) => (
            Outcome::Pass,
            "The Mainland worker was recruited through the enterprise named.".to_owned(),
        ),
        (true, false) => (
            Outcome::Fail,
            "A Mainland worker must be recruited through a Mainland-approved foreign labour service cooperation enterprise: name it in recruiting_enterprise.".to_owned(),
        ),
    };
    result(MAINLAND_ENTERPRISE, 1, input, outcome, reason, json!(null))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn barred() -> Vec<String> {
        ["AFG", "CUB", "LAO", "PRK", "NPL", "VNM"].map(String::from).to_vec()
    }

    #[test]
    fn each_listed_nationality_fails_and_others_pass() {
        for code in barred() {
            let r = nationality(&NationalityInput {
                nationality: code.clone(),
                inadmissible: barred(),
            });
            assert!(!r.passed(), "{code}");
            assert_eq!(r.rule_id, NATIONALITY);
        }
        for code in ["PHL", "IDN", "CHN", "THA", "MMR"] {
            assert!(
                nationality(&NationalityInput {
                    nationality: code.into(),
                    inadmissible: barred(),
                })
                .passed(),
                "{code}"
            );
        }
        // The list is policy: an empty one bars nobody.
        assert!(
            nationality(&NationalityInput {
                nationality: "VNM".into(),
                inadmissible: vec![],
            })
            .passed()
        );
    }

    #[test]
    fn a_mainland_resident_needs_a_named_enterprise() {
        let check = |resident, enterprise: Option<&str>| {
            mainland_enterprise(&MainlandInput {
                mainland_resident: resident,
                recruiting_enterprise: enterprise.map(str::to_owned),
            })
            .passed()
        };
        assert!(check(false, None));
        assert!(check(false, Some("Any")));
        assert!(check(true, Some("Guangdong Foreign Labour Service Co.")));
        assert!(!check(true, None));
        assert!(!check(true, Some("  ")));
    }
}
