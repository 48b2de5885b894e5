//! Work queues: a case sits in one officer's queue, or in nobody's. A caseworker claims an unassigned
//! case and releases their own; an approver, as team lead, assigns any case to anyone (one at a time or
//! in bulk) and releases any. Every change is audited on the case; the new assignee is told.

use chrono::NaiveDate;

use super::error::{Result, WorkflowError};
use super::notify;
use super::unit::{self, Change, Command, Locks, Reply};
use crate::db::applications::{self, ApplicationFilter, ListOrder};
use crate::db::pagination::Page;
use crate::db::{Conn, DbPool};
use crate::domain::application::Application;
use crate::domain::audit::AuditRecord;
use crate::domain::notification::Notice;
use crate::domain::{ApplicationId, Role};

/// Puts the case in `assignee`'s queue, or in nobody's (`None`).
pub async fn assign(
    pool: &DbPool,
    cmd: &Command,
    id: ApplicationId,
    assignee: Option<String>,
    reply: impl FnOnce(&Application) -> Result<Reply>,
) -> Result<Reply> {
    unit::write(
        pool,
        cmd,
        Locks::application(id),
        async |conn, locked| {
            let before = locked.application()?;
            let after = change(conn, cmd, before, assignee.as_deref()).await?;
            let action = if after.assignee.is_some() {
                "application.assigned"
            } else {
                "application.released"
            };
            let record = AuditRecord::application_change(action, Some(before), &after)?;
            Ok(Change::new(after, record))
        },
        reply,
    )
    .await
}

/// Assigns every case of `ids` to `assignee` in one transaction: all or none (locks taken in id order,
/// so two bulk assignments never deadlock).
pub async fn assign_many(
    pool: &DbPool,
    cmd: &Command,
    ids: Vec<ApplicationId>,
    assignee: String,
    reply: impl FnOnce(&Vec<Application>) -> Result<Reply>,
) -> Result<Reply> {
    let mut ids = ids;
    ids.sort_by_key(|id| id.0);
    ids.dedup();
    unit::write(
        pool,
        cmd,
        Locks::nothing(),
        async |conn, _| {
            let mut done = Vec::with_capacity(ids.len());
            let mut audit = Vec::with_capacity(ids.len());
            for id in &ids {
                let before = applications::get_for_update(conn, *id, None)
                    .await
                    .map_err(|_| WorkflowError::field("application_ids", format!("{} is not an application", id.0)))?;
                let after = change(conn, cmd, &before, Some(&assignee)).await?;
                audit.push(AuditRecord::application_change(
                    "application.assigned",
                    Some(&before),
                    &after,
                )?);
                done.push(after);
            }
            Ok(Change { output: done, audit })
        },
        reply,
    )
    .await
}

/// The rules of one assignment change, and the change.
async fn change(conn: &mut Conn, cmd: &Command, before: &Application, assignee: Option<&str>) -> Result<Application> {
    if !before.status.is_pre_decision() {
        return Err(WorkflowError::Conflict(format!(
            "Only a case not yet decided sits in a queue; {} is {}.",
            before.reference, before.status
        )));
    }
    let me = cmd.actor.sub.as_str();
    let lead = cmd.actor.role == Role::Approver;
    match (assignee, before.assignee.as_deref()) {
        (Some(to), _) if !lead && to != me => {
            return Err(WorkflowError::Forbidden(
                "A caseworker claims cases for themselves; a team lead (approver) assigns them to others.".into(),
            ));
        }
        (Some(_), Some(holder)) if !lead && holder != me => {
            return Err(WorkflowError::Conflict(format!(
                "{} is in {holder}'s queue; it must be released or reassigned by a team lead.",
                before.reference
            )));
        }
        (None, Some(holder)) if !lead && holder != me => {
            return Err(WorkflowError::Forbidden(
                "A caseworker releases only cases in their own queue.".into(),
            ));
        }
        (None, None) => {
            return Err(WorkflowError::Conflict(format!(
                "{} is in nobody's queue.",
                before.reference
            )));
        }
        (Some(to), Some(holder)) if to == holder => {
            return Err(WorkflowError::Conflict(format!(
                "{} is in {to}'s queue already.",
                before.reference
            )));
        }
        _ => {}
    }
    let after = applications::set_assignee(conn, before.id, assignee).await?;
    if let Some(to) = assignee
        && to != me
    {
        let notice = Notice::CaseAssigned {
            reference: after.reference.clone(),
            by: me.to_owned(),
        };
        notify::assignee(conn, &after, notice, cmd.today).await?;
    }
    Ok(after)
}

/// Which queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueView {
    /// The caller's own cases.
    Mine,
    /// Cases in nobody's queue.
    Unassigned,
    /// Cases recorded as past their processing target.
    Breached,
}

/// Counts of the three queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueCounts {
    pub mine: i64,
    pub unassigned: i64,
    pub breached: i64,
}

/// A queue of undecided cases, soonest SLA due first, and the counts of all three.
pub async fn queue(
    pool: &DbPool,
    sub: &str,
    view: QueueView,
    today: NaiveDate,
    after: Option<crate::db::pagination::Cursor>,
    limit: usize,
) -> Result<(Page<Application>, QueueCounts)> {
    let filter = ApplicationFilter {
        assignee: (view == QueueView::Mine).then(|| sub.to_owned()),
        assigned: (view == QueueView::Unassigned).then_some(false),
        breached: (view == QueueView::Breached).then_some(true),
        undecided_only: true,
        ..ApplicationFilter::default()
    };
    unit::read(pool, async |conn| {
        let page = applications::list(conn, &filter, None, ListOrder::SlaDue(today), after, limit).await?;
        let (mine, unassigned, breached) = applications::queue_counts(conn, sub).await?;
        Ok((
            page,
            QueueCounts {
                mine,
                unassigned,
                breached,
            },
        ))
    })
    .await
}
