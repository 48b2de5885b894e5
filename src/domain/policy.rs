//! Effective-dated policy: every threshold and duration of the scheme is a row with `effective_from`,
//! an optional `effective_to` (exclusive) and an optional scope (a designated category code). Rules
//! never hold a number; they ask the policy in force on the date they bind to.
//!
//! Resolution for (key, scope, date): among rows of that key in force on the date, a row scoped to the
//! asked scope beats an unscoped one; among equals the latest `effective_from` wins, then the latest
//! version (rows are never edited: a correction is a new row).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// One stored policy value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyValue {
    pub id: Uuid,
    pub key: String,
    pub scope: Option<String>,
    pub value: Value,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    pub source_note: String,
    /// Order of publication; a later version of the same key, scope and date supersedes an earlier one.
    pub version: i64,
}

impl PolicyValue {
    pub fn in_force_on(&self, on: NaiveDate) -> bool {
        self.effective_from <= on && self.effective_to.is_none_or(|to| on < to)
    }
}

/// How sure the scheme's sources are of a value (domain.md's tags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Published by the Labour Department or the Government.
    Firm,
    /// Reported consistently but not seen in official text.
    Likely,
    /// Our proposed default.
    Assumption,
}

impl Confidence {
    pub const ALL: [Confidence; 3] = [Self::Firm, Self::Likely, Self::Assumption];
}

/// A stored policy value with who published it and how sure its source is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyRecord {
    #[serde(flatten)]
    pub value: PolicyValue,
    pub confidence: Confidence,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A new effective-dated value for an existing key, as an administrator publishes it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPolicyValue {
    pub key: String,
    pub scope: Option<String>,
    pub value: Value,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    pub confidence: Confidence,
    pub source_note: String,
}

/// Which policy value a rule used: stored with every rule result, so auditors see the exact row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRef {
    pub id: Uuid,
    pub key: String,
    pub scope: Option<String>,
    pub effective_from: NaiveDate,
    pub value: Value,
}

/// A policy value read for a rule, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyUse<T> {
    pub value: T,
    pub source: PolicyRef,
}

/// Every version of every key, as loaded from storage.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    values: Vec<PolicyValue>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("no value of policy `{key}`{} is in force on {on}", scope.as_ref().map(|s| format!(" for {s}")).unwrap_or_default())]
    Missing {
        key: String,
        scope: Option<String>,
        on: NaiveDate,
    },
    #[error("policy `{key}` in force on {on} has a value of the wrong type: {value}")]
    WrongType { key: String, on: NaiveDate, value: Value },
}

impl PolicySet {
    pub fn new(values: Vec<PolicyValue>) -> Self {
        Self { values }
    }

    /// The value of `key` for `scope` (or the unscoped default) in force on `on`.
    pub fn resolve(&self, key: &str, scope: Option<&str>, on: NaiveDate) -> Option<&PolicyValue> {
        self.values
            .iter()
            .filter(|v| v.key == key && v.in_force_on(on))
            .filter(|v| v.scope.is_none() || v.scope.as_deref() == scope)
            .max_by_key(|v| (v.scope.is_some(), v.effective_from, v.version))
    }

    /// Typed read of `key`, recording which row was used.
    pub fn get<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
        scope: Option<&str>,
        on: NaiveDate,
    ) -> Result<PolicyUse<T>, PolicyError> {
        let row = self.resolve(key, scope, on).ok_or_else(|| PolicyError::Missing {
            key: key.to_owned(),
            scope: scope.map(str::to_owned),
            on,
        })?;
        let value = serde_json::from_value(row.value.clone()).map_err(|_| PolicyError::WrongType {
            key: key.to_owned(),
            on,
            value: row.value.clone(),
        })?;
        Ok(PolicyUse {
            value,
            source: PolicyRef {
                id: row.id,
                key: row.key.clone(),
                scope: row.scope.clone(),
                effective_from: row.effective_from,
                value: row.value.clone(),
            },
        })
    }

    /// Every (key, scope) value in force on `on`: what `GET /v1/policy?on=` shows.
    pub fn in_force(&self, on: NaiveDate) -> Vec<&PolicyValue> {
        let mut pairs: Vec<(&str, Option<&str>)> = self
            .values
            .iter()
            .map(|v| (v.key.as_str(), v.scope.as_deref()))
            .collect();
        pairs.sort();
        pairs.dedup();
        pairs
            .into_iter()
            .filter_map(|(key, scope)| {
                self.values
                    .iter()
                    .filter(|v| v.key == key && v.scope.as_deref() == scope && v.in_force_on(on))
                    .max_by_key(|v| (v.effective_from, v.version))
            })
            .collect()
    }
}

/// The policy keys the rules read (domain.md §9).
pub mod keys {
    pub const DESIGNATED_EXCLUSION_SUSPENDED: &str = "designated_exclusion_suspended";
    pub const EXCLUDED_SECTORS: &str = "excluded_sectors";
    pub const RECRUITMENT_DAYS: &str = "recruitment_days";
    pub const JOB_FAIR_WEEKLY_REQUIRED: &str = "job_fair_weekly_required";
    pub const RATIO_LOCAL_PER_IMPORTED: &str = "ratio_local_per_imported";
    pub const RATIO_SCOPE: &str = "ratio_scope";
    pub const COOLDOWN_MONTHS: &str = "cooldown_months";
    pub const COOLDOWN_EXEMPT_TYPES: &str = "cooldown_exempt_types";
    pub const WAGE_BINDING: &str = "wage_binding";
    pub const RFI_DUE_DAYS: &str = "rfi_due_days";
    pub const PROCESSING_TARGET_DAYS: &str = "processing_target_days";
    pub const AIP_VISA_DEADLINE_MONTHS: &str = "aip_visa_deadline_months";
    pub const INADMISSIBLE_NATIONALITIES: &str = "inadmissible_nationalities";
    pub const MAX_CONTRACT_MONTHS: &str = "max_contract_months";
    pub const MAX_DAILY_HOURS_INCL_OT: &str = "max_daily_hours_incl_ot";
    pub const ACCOMMODATION_DEDUCTION_CAP: &str = "accommodation_deduction_cap";
    pub const ERL_MONTHLY_RATE_HKD: &str = "erl_monthly_rate_hkd";
    pub const BRIEFING_DUE_DAYS_AFTER_ARRIVAL: &str = "briefing_due_days_after_arrival";
    pub const WAGE_PAYMENT_DUE_DAYS: &str = "wage_payment_due_days";
    pub const SANCTION_BAR_MONTHS_OPTIONS: &str = "sanction_bar_months_options";
    pub const LAB_CONSULTATION_DAYS: &str = "lab_consultation_days";
    pub const LAB_CONSENSUS_THRESHOLD: &str = "lab_consensus_threshold";
    // The timers' durations (docs/timers.md).
    pub const RFI_REMINDERS: &str = "rfi_reminders";
    pub const RFI_REMINDER_INTERVAL_DAYS: &str = "rfi_reminder_interval_days";
    pub const AIP_DEADLINE_NOTICE_DAYS: &str = "aip_deadline_notice_days";
    pub const CONTRACT_ENDING_NOTICE_DAYS: &str = "contract_ending_notice_days";
    pub const WAGE_TABLE_MAX_AGE_DAYS: &str = "wage_table_max_age_days";
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn row(key: &str, scope: Option<&str>, value: Value, from: &str, to: Option<&str>, version: i64) -> PolicyValue {
        PolicyValue {
            id: Uuid::new_v4(),
            key: key.into(),
            scope: scope.map(Into::into),
            value,
            effective_from: date(from),
            effective_to: to.map(date),
            source_note: String::new(),
            version,
        }
    }

    fn set() -> PolicySet {
        PolicySet::new(vec![
            row("recruitment_days", None, json!(28), "2023-09-04", None, 1),
            row("recruitment_days", Some("WAITER"), json!(42), "2025-09-18", None, 2),
            row("erl", None, json!(400), "1996-02-01", None, 3),
            row("erl", None, json!(0), "2008-08-01", Some("2013-08-01"), 4),
            row("erl", None, json!(400), "2013-08-01", None, 5),
        ])
    }

    #[test]
    fn scoped_value_applies_from_its_effective_date_and_not_the_day_before() {
        let s = set();
        let on = |d| s.get::<u32>("recruitment_days", Some("WAITER"), date(d)).unwrap().value;
        assert_eq!(on("2025-09-17"), 28);
        assert_eq!(on("2025-09-18"), 42);
    }

    #[test]
    fn other_scopes_keep_the_default() {
        let s = set();
        assert_eq!(
            s.get::<u32>("recruitment_days", Some("CASHIER"), date("2026-01-01"))
                .unwrap()
                .value,
            28
        );
        assert_eq!(
            s.get::<u32>("recruitment_days", None, date("2026-01-01"))
                .unwrap()
                .value,
            28
        );
    }

    #[test]
    fn a_bounded_value_ends_on_its_effective_to_date() {
        let s = set();
        let on = |d| s.get::<u32>("erl", None, date(d)).unwrap().value;
        assert_eq!(on("2008-07-31"), 400);
        assert_eq!(on("2008-08-01"), 0);
        assert_eq!(on("2013-07-31"), 0);
        assert_eq!(on("2013-08-01"), 400);
    }

    #[test]
    fn a_later_version_for_the_same_date_supersedes() {
        let mut values = set().values;
        values.push(row("recruitment_days", None, json!(30), "2023-09-04", None, 9));
        let s = PolicySet::new(values);
        assert_eq!(
            s.get::<u32>("recruitment_days", None, date("2024-01-01"))
                .unwrap()
                .value,
            30
        );
    }

    #[test]
    fn missing_and_mistyped_values_are_errors() {
        let s = set();
        assert!(matches!(
            s.get::<u32>("recruitment_days", None, date("2020-01-01")),
            Err(PolicyError::Missing { .. })
        ));
        assert!(matches!(
            s.get::<bool>("erl", None, date("2020-01-01")),
            Err(PolicyError::WrongType { .. })
        ));
    }

    #[test]
    fn the_use_records_which_row_answered() {
        let s = set();
        let used = s
            .get::<u32>("recruitment_days", Some("WAITER"), date("2026-01-01"))
            .unwrap();
        assert_eq!(used.source.scope.as_deref(), Some("WAITER"));
        assert_eq!(used.source.effective_from, date("2025-09-18"));
    }

    #[test]
    fn in_force_lists_one_value_per_key_and_scope() {
        let s = set();
        let listed: Vec<(String, Option<String>, Value)> = s
            .in_force(date("2026-01-01"))
            .into_iter()
            .map(|v| (v.key.clone(), v.scope.clone(), v.value.clone()))
            .collect();
        assert_eq!(
            listed,
            vec![
                ("erl".into(), None, json!(400)),
                ("recruitment_days".into(), None, json!(28)),
                ("recruitment_days".into(), Some("WAITER".into()), json!(42)),
            ]
        );
    }
}
