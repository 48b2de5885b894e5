//! Use cases of the casework: gather a rule's inputs from storage and policy, run the pure rules of
//! `domain::rules`, and return their results. Handlers call these inside their transaction; nothing
//! here knows about HTTP, and the rules themselves know nothing about storage.

pub mod checks;
pub mod places;

use crate::domain::policy::PolicyError;
use crate::error::ApiError;

impl From<PolicyError> for ApiError {
    fn from(err: PolicyError) -> Self {
        ApiError::RuleViolation {
            rule_id: "POLICY".into(),
            reason: err.to_string(),
        }
    }
}
