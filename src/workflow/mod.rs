//! The use cases: everything a person, a timer or a CLI can do, one function each. A use case takes
//! plain inputs and the actor (a [`Command`]), gathers what its rules need from storage and policy,
//! runs the pure rules of `domain::rules`, changes state, stores each rule result with its inputs and
//! versions, and leaves its audit records to the one unit of work ([`unit::write`]) that wraps every
//! write. Reads take the [`Viewer`](crate::domain::Viewer) they answer for. Nothing here knows HTTP;
//! the answer a write gives is rendered by its caller (`reply`) so that retries can be given it again.

pub mod agencies;
pub mod applications;
pub mod assignment;
pub mod audit;
pub mod checks;
pub mod consultation;
pub mod documents;
pub mod employer_records;
pub mod employers;
pub mod error;
pub mod immigration;
pub mod inbox;
pub mod inspections;
pub mod jobs;
pub mod lifecycle;
pub mod notify;
pub mod places;
pub mod ratio;
pub mod recruitment;
pub mod reference;
pub mod timers;
pub mod unit;
pub mod webhooks;
pub mod workers;

pub use crate::db::DbPool;
pub use crate::db::applications::{ApplicationFilter, ListOrder};
pub use crate::db::pagination::{CURSOR_PATTERN, Cursor, InvalidCursor, Page};
pub use error::{FieldError, Result, WorkflowError};
pub use unit::{Command, IdempotencyKey, IfMatch, KeyOwner, Reply};

/// What `/readyz` asks the database.
pub mod readiness {
    use super::{DbPool, Result, WorkflowError, unit};

    /// The database answers and has applied the migration `expected_version` (the newest this binary
    /// carries).
    /// Bounded by the pool's wait timeout: a probe answers quickly whether the database does or not.
    pub async fn schema_is_current(pool: &DbPool, expected_version: &str) -> Result<bool> {
        unit::read_within(pool, pool.wait_timeout(), async |conn| {
            crate::db::schema_is_current(conn, expected_version)
                .await
                .map_err(|e| WorkflowError::Unavailable(e.to_string()))
        })
        .await
    }
}
