//! Why a use case refused or failed. Mapped to RFC 9457 problems once, in `crate::error`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::TransitionError;
use crate::domain::lifecycle::GuardError;
use crate::domain::policy::PolicyError;
use crate::domain::rules::RuleResult;
use crate::domain::worker::PlaceTransitionError;

/// One failing input field and why it failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// Path of the field in the request, e.g. `vacancies[0].monthly_wage_hkd`, or a header/path/query name.
    #[schema(example = "vacancies[0].monthly_wage_hkd")]
    pub field: String,
    /// What is wrong with it, in plain words.
    #[schema(example = "must be at least 1")]
    pub reason: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Every way a use case can end other than success.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    /// An input field is invalid in a way only the stored data shows (e.g. a vacancy not of this case).
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    /// No such record, or not the caller's to see.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The caller may not do this to this record (e.g. decide a case it recommended).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The record's state does not allow it (e.g. a worker already arrived), or it exists already.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The case lifecycle refused the action.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// Well-formed, but a scheme rule is not met.
    #[error("rule {rule_id} violated: {reason}")]
    RuleViolation { rule_id: String, reason: String },
    /// An `Idempotency-Key` already used for a different request.
    #[error("idempotency key reused for a different request")]
    IdempotencyKeyReused,
    /// Another request with the same `Idempotency-Key` is being committed right now.
    #[error("a request with this idempotency key is in progress")]
    IdempotencyKeyInProgress,
    /// `If-Match` does not name the current version.
    #[error("stale If-Match: the current version is {current_version}")]
    PreconditionFailed { current_version: i32 },
    /// The change needs `If-Match` and none was sent.
    #[error("If-Match is required")]
    PreconditionRequired,
    /// The database aborted a concurrent transaction; retrying may succeed.
    #[error("concurrent update, retry")]
    ConcurrentUpdate,
    /// The database is unreachable or the pool is exhausted.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A document larger than the limit.
    #[error("larger than {limit} bytes")]
    TooLarge { limit: usize },
    /// A document's declared media type is not taken, or is not what its content is.
    #[error("unsupported content: {0}")]
    UnsupportedContent(String),
    /// The change was made already (a timer fired before, by this instance or another): nothing is
    /// written.
    #[error("already done: {0}")]
    AlreadyDone(&'static str),
    /// Anything else: a defect or a broken invariant.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type Result<T, E = WorkflowError> = std::result::Result<T, E>;

impl WorkflowError {
    pub fn field(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, reason)])
    }

    pub fn rule(rule_id: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::RuleViolation {
            rule_id: rule_id.into(),
            reason: reason.into(),
        }
    }

    /// A 422 naming the first failed rule and giving the reasons of all.
    pub fn rules_failed(failed: &[&RuleResult]) -> Self {
        let rule_id = failed.first().map_or_else(String::new, |r| r.rule_id.clone());
        let reason = failed
            .iter()
            .map(|r| format!("{}: {}", r.rule_id, r.reason))
            .collect::<Vec<_>>()
            .join(" ");
        Self::RuleViolation { rule_id, reason }
    }
}

/// Refuses with every failed rule when any of `results` failed.
pub fn all_passed(results: &[RuleResult]) -> Result<()> {
    let failed: Vec<&RuleResult> = results.iter().filter(|r| !r.passed()).collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(WorkflowError::rules_failed(&failed))
    }
}

/// PostgreSQL's words when it goes away or gives up on a statement: shut down (57P01), crashed (57P02),
/// starting or stopping (57P03), a statement or lock timeout or a cancel (57014, 55P03), an idle
/// transaction ended (25P03). diesel does not pass the SQLSTATE on, so the (stable, English) message
/// is what tells these apart from a defect; the server's `lc_messages` must be English (the default).
fn database_gone(message: &str) -> bool {
    [
        "terminating connection",
        "canceling statement due to",
        "the database system is",
    ]
    .iter()
    .any(|prefix| message.starts_with(prefix))
}

impl From<diesel::result::Error> for WorkflowError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        match err {
            Error::NotFound => Self::NotFound("resource"),
            Error::DatabaseError(Kind::SerializationFailure, _) => Self::ConcurrentUpdate,
            Error::DatabaseError(Kind::ClosedConnection | Kind::UnableToSendCommand, info) => {
                Self::Unavailable(info.message().to_owned())
            }
            Error::DatabaseError(_, info) if database_gone(info.message()) => {
                Self::Unavailable(info.message().to_owned())
            }
            Error::BrokenTransactionManager => Self::Unavailable("the connection broke mid-transaction".into()),
            Error::DatabaseError(Kind::UniqueViolation, info) => Self::Conflict(format!(
                "A record with the same key already exists ({}).",
                info.constraint_name().unwrap_or("unique key")
            )),
            other => Self::Internal(anyhow::Error::new(other)),
        }
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for WorkflowError {
    fn from(err: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        Self::Unavailable(err.to_string())
    }
}

impl From<serde_json::Error> for WorkflowError {
    fn from(err: serde_json::Error) -> Self {
        Self::Internal(anyhow::Error::new(err))
    }
}

/// A policy value missing or mistyped for the date a rule binds to: the rule cannot be applied.
impl From<PolicyError> for WorkflowError {
    fn from(err: PolicyError) -> Self {
        Self::rule("POLICY", err.to_string())
    }
}

impl From<GuardError> for WorkflowError {
    fn from(err: GuardError) -> Self {
        match err {
            GuardError::RecommendationMissing(_) => Self::rule(GuardError::RECOMMENDATION_RULE, err.to_string()),
            GuardError::RecommenderMayNotDecide => Self::Forbidden(err.to_string()),
        }
    }
}

impl From<PlaceTransitionError> for WorkflowError {
    fn from(err: PlaceTransitionError) -> Self {
        Self::Conflict(format!("Cannot {}: the place is {}.", err.event, err.from))
    }
}

/// Maps diesel's `NotFound` to "no `what`"; other errors as usual.
pub fn not_found(what: &'static str) -> impl Fn(diesel::result::Error) -> WorkflowError {
    move |err| match err {
        diesel::result::Error::NotFound => WorkflowError::NotFound(what),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorKind as Kind, Error};

    fn database_error(kind: Kind, message: &str) -> Error {
        Error::DatabaseError(kind, Box::new(message.to_owned()))
    }

    #[test]
    fn a_database_that_went_away_or_gave_up_is_unavailable_not_a_defect() {
        for (kind, message) in [
            (Kind::UnableToSendCommand, "connection closed"),
            (Kind::ClosedConnection, "server closed the connection unexpectedly"),
            (Kind::Unknown, "terminating connection due to administrator command"),
            (Kind::Unknown, "canceling statement due to statement timeout"),
            (Kind::Unknown, "canceling statement due to lock timeout"),
            (
                Kind::Unknown,
                "terminating connection due to idle-in-transaction timeout",
            ),
            (Kind::Unknown, "the database system is shutting down"),
        ] {
            let mapped = WorkflowError::from(database_error(kind, message));
            assert!(matches!(mapped, WorkflowError::Unavailable(_)), "{message}: {mapped:?}");
        }
        assert!(matches!(
            WorkflowError::from(Error::BrokenTransactionManager),
            WorkflowError::Unavailable(_)
        ));
        assert!(matches!(
            WorkflowError::from(database_error(Kind::Unknown, "column \"x\" does not exist")),
            WorkflowError::Internal(_)
        ));
    }
}
