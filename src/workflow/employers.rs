//! Employers: registered by caseworkers or administrators; read by staff, auditors and the employer
//! itself.

use super::error::{Result, WorkflowError, not_found};
use super::unit::{self, Change, Command, Locks, Reply};
use crate::db::pagination::{Cursor, Page};
use crate::db::{Conn, DbPool, employers};
use crate::domain::audit::{AuditRecord, Entity};
use crate::domain::employer::Employer;
use crate::domain::{EmployerId, NewEmployer, Viewer};

/// Registers an employer; its business registration number must be new.
pub async fn register(
    pool: &DbPool,
    cmd: &Command,
    new: NewEmployer,
    reply: impl FnOnce(&Employer) -> Result<Reply>,
) -> Result<Reply> {
    unit::write(
        pool,
        cmd,
        Locks::nothing(),
        async |conn, _| {
            let employer = employers::insert(conn, &new)
                .await
                .map_err(|err| match WorkflowError::from(err) {
                    WorkflowError::Conflict(_) => WorkflowError::Conflict(
                        "An employer with this business registration number is already registered.".into(),
                    ),
                    other => other,
                })?;
            let record = AuditRecord::created(Entity::Employer(employer.id), "employer.created", &employer)?;
            Ok(Change::new(employer, record))
        },
        reply,
    )
    .await
}

/// The employer, if `viewer` may see it (another employer's is not found).
pub(crate) async fn visible(conn: &mut Conn, viewer: Viewer, id: EmployerId) -> Result<Employer> {
    let employer = employers::get(conn, id, viewer.scope())
        .await
        .map_err(not_found("employer"))?;
    super::agencies::check_employer_wide(conn, viewer, None).await?;
    Ok(employer)
}

pub async fn get(pool: &DbPool, viewer: Viewer, id: EmployerId) -> Result<Employer> {
    unit::read(pool, async |conn| visible(conn, viewer, id).await).await
}

/// Employers newest first, a page at a time (an employer user sees only itself).
pub async fn list(pool: &DbPool, viewer: Viewer, after: Option<Cursor>, limit: usize) -> Result<Page<Employer>> {
    unit::read(pool, async |conn| {
        if super::agencies::check_employer_wide(conn, viewer, None).await.is_err() {
            return Ok(Page::empty());
        }
        Ok(employers::list(conn, viewer.scope(), after, limit, false).await?)
    })
    .await
}

/// The language the employer's notices are written in by default.
pub async fn preferred_language(pool: &DbPool, id: EmployerId) -> Result<crate::domain::notification::Language> {
    unit::read(pool, async |conn| {
        Ok(crate::db::employers::get(conn, id, None)
            .await
            .map(|e| e.preferred_language)
            .unwrap_or_default())
    })
    .await
}
