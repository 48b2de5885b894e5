//! The ESLS rules as pure functions. Each takes a typed input (which carries the policy values it needs,
//! so the function depends on nothing else) and returns a [`RuleResult`] holding its rule id, outcome,
//! reason, the input itself, and which policy rows and wage-table version supplied the values. That
//! result is what is stored and shown to auditors, and [`rerun`] evaluates it again from its stored input.

pub mod admission;
pub mod contract;
pub mod decision;
pub mod eligibility;
pub mod ratio;
pub mod recruitment;
pub mod wage;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::policy::PolicyRef;

/// How a rule came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    Pass,
    Fail,
}

/// The wage-table version a wage rule used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WageTableRef {
    pub id: Uuid,
    pub version_label: String,
    pub post_code: String,
    pub median_monthly_wage_hkd: u32,
}

/// One rule evaluated: stored and shown as is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleResult {
    /// e.g. `R-APP-3`.
    pub rule_id: String,
    /// Version of the rule's logic; bumped when the function's meaning changes.
    pub rule_version: u32,
    /// What the rule was applied to, e.g. a vacancy id; `None` for the application as a whole.
    pub subject: Option<Uuid>,
    pub outcome: Outcome,
    pub reason: String,
    /// The rule's input, exactly as evaluated.
    pub inputs: Value,
    /// What the rule computed besides pass/fail (e.g. places the ratio allows).
    #[serde(default)]
    pub output: Value,
    /// The policy rows the inputs' values came from.
    #[serde(default)]
    pub policy: Vec<PolicyRef>,
    /// The wage tables the inputs' medians came from.
    #[serde(default)]
    pub wage_tables: Vec<WageTableRef>,
}

impl RuleResult {
    pub fn passed(&self) -> bool {
        self.outcome == Outcome::Pass
    }

    /// What the rule was applied to, e.g. a worker.
    pub fn with_subject(mut self, subject: Option<Uuid>) -> Self {
        self.subject = subject;
        self
    }

    /// Attaches provenance (policy rows, wage tables) and the subject.
    pub fn with_provenance(
        mut self,
        subject: Option<Uuid>,
        policy: Vec<PolicyRef>,
        wage_tables: Vec<WageTableRef>,
    ) -> Self {
        self.subject = subject;
        self.policy = policy;
        self.wage_tables = wage_tables;
        self
    }
}

/// Builds a result from a typed input.
pub(crate) fn result<I: Serialize>(
    rule_id: &str,
    rule_version: u32,
    input: &I,
    outcome: Outcome,
    reason: String,
    output: Value,
) -> RuleResult {
    RuleResult {
        rule_id: rule_id.to_owned(),
        rule_version,
        subject: None,
        outcome,
        reason,
        inputs: serde_json::to_value(input).unwrap_or(Value::Null),
        output,
        policy: Vec::new(),
        wage_tables: Vec::new(),
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RerunError {
    #[error("unknown rule {0}")]
    UnknownRule(String),
    #[error("stored inputs of {0} do not parse: {1}")]
    BadInputs(String, String),
}

/// Evaluates a stored result's rule again from its stored inputs (provenance is carried over).
pub fn rerun(stored: &RuleResult) -> Result<RuleResult, RerunError> {
    fn input<T: serde::de::DeserializeOwned>(stored: &RuleResult) -> Result<T, RerunError> {
        serde_json::from_value(stored.inputs.clone())
            .map_err(|e| RerunError::BadInputs(stored.rule_id.clone(), e.to_string()))
    }
    let fresh = match stored.rule_id.as_str() {
        eligibility::DESIGNATED_CATEGORY => eligibility::designated_category(&input(stored)?),
        eligibility::EXCLUDED_SECTOR => eligibility::excluded_sector(&input(stored)?),
        eligibility::COOLDOWN => eligibility::cooldown(&input(stored)?),
        eligibility::SANCTION_BAR => eligibility::sanction_bar(&input(stored)?),
        recruitment::PERIOD_ENDED => recruitment::period_ended(&input(stored)?),
        recruitment::OUTCOMES_RECORDED => recruitment::outcomes_recorded(&input(stored)?),
        recruitment::LOCAL_CANDIDATES => recruitment::local_candidates_fairly_treated(&input(stored)?),
        recruitment::JOB_FAIRS => recruitment::job_fairs_attended(&input(stored)?),
        recruitment::UNMET_NEED => recruitment::unmet_need(&input(stored)?),
        wage::MEDIAN_WAGE => wage::median_wage(&input(stored)?),
        ratio::RATIO => ratio::ratio(&input(stored)?),
        admission::NATIONALITY => admission::nationality(&input(stored)?),
        admission::MAINLAND_ENTERPRISE => admission::mainland_enterprise(&input(stored)?),
        contract::TERM => contract::term(&input(stored)?),
        contract::TERMS => contract::terms(&input(stored)?),
        contract::POST => contract::post(&input(stored)?),
        contract::APPROVED_WAGE => contract::approved_wage(&input(stored)?),
        contract::DEDUCTION_CAP => contract::deduction(&input(stored)?),
        contract::LEVY => contract::levy(&input(stored)?),
        other => return Err(RerunError::UnknownRule(other.to_owned())),
    };
    Ok(fresh.with_provenance(stored.subject, stored.policy.clone(), stored.wage_tables.clone()))
}
