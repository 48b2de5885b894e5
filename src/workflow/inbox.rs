//! The notifications people read: an employer's users their employer's, staff what is addressed to them
//! by name or to their role, auditors everything; read and unread.

use uuid::Uuid;

use super::agencies::Reach;
use super::error::{Result, WorkflowError, not_found};
use super::unit::{self, Change, Command, Locks, Reply};
use crate::clock::Clock;
use crate::db::DbPool;
use crate::db::notifications::{self, Inbox};
use crate::domain::audit::{AuditRecord, Entity};
use crate::domain::notification::Notification;
use crate::domain::{Role, Viewer};

/// The inbox `viewer` (with token subject `sub`) reads.
pub fn inbox_of(viewer: Viewer, sub: &str) -> Result<Inbox> {
    match (viewer.role, viewer.employer) {
        (Role::Employer, Some(employer)) => Ok(Inbox::Employer(employer)),
        (Role::Auditor, _) => Ok(Inbox::Everything),
        (role @ (Role::Caseworker | Role::Approver | Role::Admin | Role::Inspector), _) => Ok(Inbox::Staff {
            sub: sub.to_owned(),
            role,
        }),
        _ => Err(WorkflowError::Forbidden("This role has no notifications.".into())),
    }
}

/// A page of the inbox, newest first, and how many are unread.
/// An agency acting for the employer reads the notices of the cases it is authorised for only.
pub async fn list(
    pool: &DbPool,
    viewer: Viewer,
    inbox: Inbox,
    unread_only: bool,
    before_seq: Option<i64>,
    limit: i64,
) -> Result<(Vec<Notification>, i64)> {
    unit::read(pool, async |conn| {
        let (mut items, unread) = notifications::list(conn, &inbox, unread_only, before_seq, limit).await?;
        let reach = super::agencies::reach(conn, viewer, Clock::system().today()).await?;
        if reach == Reach::All {
            return Ok((items, unread));
        }
        items.retain(|n| n.application_id.is_some_and(|a| reach.includes(a)));
        // The employer-wide count would tell of other cases: count what this reader may see.
        let unread = items.iter().filter(|n| n.read_at.is_none()).count() as i64;
        Ok((items, unread))
    })
    .await
}

/// Marks a notification of the reader's inbox read or unread (audited: when a notice was read is part
/// of the case's history).
pub async fn mark(
    pool: &DbPool,
    cmd: &Command,
    inbox: Inbox,
    id: Uuid,
    read: bool,
    reply: impl FnOnce(&Notification) -> Result<Reply>,
) -> Result<Reply> {
    unit::write(
        pool,
        cmd,
        Locks::nothing(),
        async |conn, _| {
            let before = notifications::get_for_update(conn, &inbox, id)
                .await
                .map_err(not_found("notification"))?;
            let reach = super::agencies::reach(conn, cmd.actor.viewer(), cmd.today).await?;
            if reach != Reach::All && !before.application_id.is_some_and(|a| reach.includes(a)) {
                return Err(WorkflowError::NotFound("notification"));
            }
            let after = notifications::set_read(conn, id, read).await?;
            let entity = Entity::Notification {
                id,
                application: after.application_id,
            };
            let action = if read {
                "notification.read"
            } else {
                "notification.unread"
            };
            let record = AuditRecord::changed(
                entity,
                action,
                &serde_json::json!({"kind": before.notice.kind(), "read_at": before.read_at}),
                &serde_json::json!({"kind": after.notice.kind(), "read_at": after.read_at}),
            )?;
            Ok(Change::new(after, record))
        },
        reply,
    )
    .await
}
