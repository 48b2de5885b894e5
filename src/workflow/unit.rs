//! The one unit of work every write runs through. Read this to know how any write behaves:
//!
//! 1. **replay**: a retry with an `Idempotency-Key` already used for the same request gets the first
//!    reply, and nothing happens again;
//! 2. **locks**: the locks the use case declares, always in the order employer → application (whose row
//!    guards its worker places), so writes never deadlock and rules that read across an employer's
//!    cases see every committed change of the writers before them;
//! 3. **If-Match**: the locked case's version against the client's `If-Match`;
//! 4. **the change** itself, which returns its output and the audit records it owes;
//! 5. **audit**: every record appended (and chained by the database);
//! 6. **remember**: the reply stored for later retries with the same key;
//!
//! all in one transaction: everything commits, or nothing does.

use chrono::NaiveDate;
use serde_json::Value;
use uuid::Uuid;

use super::error::{Result, WorkflowError, not_found};
use crate::db::idempotency::{KeyScope, KeyUse};
use crate::db::{self, Conn, DbPool, applications, employers, workers};
use crate::domain::application::Application;
use crate::domain::audit::{Actor, AuditRecord};
use crate::domain::{ApplicationId, EmployerId, Role};

/// What every write carries from its caller: who acts, on which day, and the request's own conditions.
#[derive(Debug, Clone)]
pub struct Command {
    pub actor: Actor,
    /// The Hong Kong date the change happens on (the service clock's).
    pub today: NaiveDate,
    pub idempotency: Option<IdempotencyKey>,
    pub if_match: IfMatch,
}

impl Command {
    pub fn new(actor: Actor, today: NaiveDate) -> Self {
        Self {
            actor,
            today,
            idempotency: None,
            if_match: IfMatch::Absent,
        }
    }

    /// The employer the actor is confined to (`None`: every employer).
    pub fn scope(&self) -> Option<EmployerId> {
        self.actor.scope()
    }
}

/// An `Idempotency-Key` and the request it was sent with. The key belongs to its [`KeyOwner`] and the
/// operation (`method`, `route`); a retry must also repeat the same `path` and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    pub owner: KeyOwner,
    pub key: String,
    pub method: String,
    /// The route pattern, e.g. `/v1/applications/{id}/actions/{action}`.
    pub route: String,
    pub path: String,
    /// SHA-256 of the request body, hex.
    pub body_hash: String,
}

/// Among whose keys a key is unique.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum KeyOwner {
    /// The caller's own: its `sub`, the employer and the agency it acts for. Two callers never share one.
    #[default]
    Caller,
    /// A sending system's, whichever of its tokens sent it: the system's own event ids, unique in it,
    /// so a retry through another of its gateways is still the same event.
    System(Role),
}

/// The versions a client's `If-Match` names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum IfMatch {
    /// No `If-Match` sent.
    #[default]
    Absent,
    /// `If-Match: *`: any version.
    Any,
    /// The versions of the strong entity tags sent (a weak or foreign tag names none).
    Versions(Vec<i32>),
}

impl IfMatch {
    /// Checks the header against the current version; `required` makes a missing header a refusal.
    pub fn check(&self, current_version: i32, required: bool) -> Result<()> {
        match self {
            Self::Absent if required => Err(WorkflowError::PreconditionRequired),
            Self::Absent | Self::Any => Ok(()),
            Self::Versions(versions) if versions.contains(&current_version) => Ok(()),
            Self::Versions(_) => Err(WorkflowError::PreconditionFailed { current_version }),
        }
    }
}

/// What a use case locks before it changes anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locks {
    target: Target,
    employer_wide: bool,
    if_match: IfMatchRule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Nothing,
    /// A shared record without a row of its own (advisory lock by name).
    Named(&'static str),
    Employer(EmployerId),
    Application(ApplicationId),
    Worker(Uuid),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IfMatchRule {
    /// The target has no version a client can send.
    Ignored,
    Optional,
    Required,
}

impl Locks {
    /// A new record that depends on nothing another write could change at the same time.
    pub fn nothing() -> Self {
        Self {
            target: Target::Nothing,
            employer_wide: false,
            if_match: IfMatchRule::Ignored,
        }
    }

    /// A record shared by every writer of its kind (e.g. the wage tables' order of publication).
    pub fn named(name: &'static str) -> Self {
        Self {
            target: Target::Named(name),
            ..Self::nothing()
        }
    }

    /// The employer's own records (headcount returns, sanctions), which the employer-wide rules read.
    pub fn employer(id: EmployerId) -> Self {
        Self {
            target: Target::Employer(id),
            ..Self::nothing()
        }
    }

    /// One case (and its worker places); `If-Match` is honoured when sent.
    pub fn application(id: ApplicationId) -> Self {
        Self {
            target: Target::Application(id),
            employer_wide: false,
            if_match: IfMatchRule::Optional,
        }
    }

    /// One worker's records, under its case's lock.
    pub fn worker(id: Uuid) -> Self {
        Self {
            target: Target::Worker(id),
            ..Self::nothing()
        }
    }

    /// Also the case's employer, first: the change's rules read across the employer's cases.
    pub fn and_employer(mut self) -> Self {
        self.employer_wide = true;
        self
    }

    /// `If-Match` must be sent (edits of a draft).
    pub fn if_match_required(mut self) -> Self {
        self.if_match = IfMatchRule::Required;
        self
    }
}

/// What the locks hold, for the change to work on.
#[derive(Debug, Clone, Default)]
pub struct Locked {
    pub employer: Option<EmployerId>,
    /// The locked case as it is now.
    pub application: Option<Application>,
    /// The locked worker.
    pub worker: Option<Uuid>,
}

impl Locked {
    /// The locked case; an internal error when the use case declared none.
    pub fn application(&self) -> Result<&Application> {
        self.application
            .as_ref()
            .ok_or_else(|| WorkflowError::Internal(anyhow::anyhow!("the change needs a locked application")))
    }

    /// The locked employer; an internal error when the use case declared none.
    pub fn employer(&self) -> Result<EmployerId> {
        self.employer
            .ok_or_else(|| WorkflowError::Internal(anyhow::anyhow!("the change needs a locked employer")))
    }

    /// The locked worker; an internal error when the use case declared none.
    pub fn worker(&self) -> Result<Uuid> {
        self.worker
            .ok_or_else(|| WorkflowError::Internal(anyhow::anyhow!("the change needs a locked worker")))
    }
}

/// What a change produced, and the audit records it owes.
#[derive(Debug, Clone)]
pub struct Change<T> {
    pub output: T,
    pub audit: Vec<AuditRecord>,
}

impl<T> Change<T> {
    pub fn new(output: T, record: AuditRecord) -> Self {
        Self {
            output,
            audit: vec![record],
        }
    }

    /// One more record (e.g. the service's own step the change caused).
    pub fn and(mut self, record: AuditRecord) -> Self {
        self.audit.push(record);
        self
    }
}

/// The reply a write gave, as the caller rendered it: what a retry with the same key gets again.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub etag: Option<String>,
    pub location: Option<String>,
    pub body: Value,
    /// True when this is a retry's copy of the first reply.
    pub replayed: bool,
}

impl Reply {
    /// A reply with `status` and `body` as JSON.
    pub fn new(status: u16, body: &impl serde::Serialize) -> Result<Self> {
        Ok(Self {
            status,
            etag: None,
            location: None,
            body: serde_json::to_value(body)?,
            replayed: false,
        })
    }

    /// `201 Created`: the change made a new resource.
    pub fn with_status_created(mut self) -> Self {
        self.status = 201;
        self
    }

    pub fn with_etag(mut self, etag: String) -> Self {
        self.etag = Some(etag);
        self
    }

    pub fn with_location(mut self, location: String) -> Self {
        self.location = Some(location);
        self
    }
}

/// Runs one write: replay → locks → If-Match → `change` → audit → remember, in one transaction.
/// `reply` renders the change's output as the caller answers it (inside the transaction, so the
/// remembered reply is exactly the one given).
pub async fn write<T>(
    pool: &DbPool,
    cmd: &Command,
    locks: Locks,
    change: impl AsyncFnOnce(&mut Conn, Locked) -> Result<Change<T>>,
    reply: impl FnOnce(&T) -> Result<Reply>,
) -> Result<Reply> {
    write_within(pool, cmd, locks, pool.transaction_timeout(), change, reply).await
}

/// As [`write`], bounded by `bound` instead of the pool's transaction timeout: for a change that
/// streams a request body in (a document), whose time depends on its size.
pub async fn write_within<T>(
    pool: &DbPool,
    cmd: &Command,
    locks: Locks,
    bound: std::time::Duration,
    change: impl AsyncFnOnce(&mut Conn, Locked) -> Result<Change<T>>,
    reply: impl FnOnce(&T) -> Result<Reply>,
) -> Result<Reply> {
    with_connection(pool, bound, async |conn| {
        db::in_transaction(conn, async move |conn| {
            if let Some(first) = replay(conn, cmd).await? {
                return Ok(first);
            }
            let locked = take(conn, cmd, locks).await?;
            if let Some(application) = &locked.application {
                match locks.if_match {
                    IfMatchRule::Ignored => {}
                    IfMatchRule::Optional => cmd.if_match.check(application.version, false)?,
                    IfMatchRule::Required => cmd.if_match.check(application.version, true)?,
                }
            }
            let Change { output, audit } = change(conn, locked).await?;
            // Nothing hidden: a change that records nothing is a defect, and is not committed.
            let Some(first) = audit.first() else {
                return Err(WorkflowError::Internal(anyhow::anyhow!("a change must be audited")));
            };
            tracing::info!(action = %first.action, events = audit.len(), "change recorded");
            for record in &audit {
                db::audit::append(conn, record.by.as_ref().unwrap_or(&cmd.actor), record).await?;
            }
            let answer = reply(&output)?;
            remember(conn, cmd, &answer).await?;
            Ok(answer)
        })
        .await
    })
    .await
}

/// Runs `work` on a pooled connection within `bound`, waiting for the connection included. Past the
/// bound the work is abandoned (its connection closed, its transaction rolled back by the server) and
/// the caller gets `Unavailable`: however the database stalls, no request waits longer.
async fn with_connection<T>(
    pool: &DbPool,
    bound: std::time::Duration,
    work: impl AsyncFnOnce(&mut Conn) -> Result<T>,
) -> Result<T> {
    let run = async {
        let mut conn = pool.checkout().await?;
        let result = work(&mut conn).await;
        conn.release();
        result
    };
    tokio::time::timeout(bound, run).await.unwrap_or_else(|_| {
        tracing::warn!(bound_ms = bound.as_millis(), "database work abandoned at its deadline");
        Err(WorkflowError::Unavailable(format!(
            "the database did not answer within {} ms",
            bound.as_millis()
        )))
    })
}

/// Takes the declared locks, employer first, and loads what they guard.
async fn take(conn: &mut Conn, cmd: &Command, locks: Locks) -> Result<Locked> {
    let scope = cmd.scope();
    let mut locked = Locked::default();
    let (application, employer) = match locks.target {
        Target::Nothing => return Ok(locked),
        Target::Named(name) => {
            db::lock_named(conn, name).await?;
            return Ok(locked);
        }
        Target::Employer(id) => {
            employers::lock(conn, id, scope).await.map_err(not_found("employer"))?;
            super::agencies::check_employer_wide(conn, cmd.actor.viewer(), Some(cmd.today)).await?;
            locked.employer = Some(id);
            return Ok(locked);
        }
        Target::Application(id) => {
            let employer = if locks.employer_wide {
                Some(
                    applications::employer_of(conn, id, scope)
                        .await
                        .map_err(not_found("application"))?,
                )
            } else {
                None
            };
            (id, employer)
        }
        Target::Worker(id) => {
            let (application, employer) = workers::owners_of(conn, id, scope).await.map_err(not_found("worker"))?;
            locked.worker = Some(id);
            (application, locks.employer_wide.then_some(employer))
        }
    };
    // An agency reaches only the cases it is authorised for (checked before any lock is waited on); a
    // worker out of reach is not found as a worker.
    super::agencies::check_application(conn, cmd.actor.viewer(), application, Some(cmd.today))
        .await
        .map_err(|_| {
            WorkflowError::NotFound(if locked.worker.is_some() {
                "worker"
            } else {
                "application"
            })
        })?;
    if let Some(employer) = employer {
        employers::lock(conn, employer, None).await?;
    }
    let case = applications::get_for_update(conn, application, scope)
        .await
        .map_err(not_found("application"))?;
    locked.employer = Some(case.employer_id);
    locked.application = Some(case);
    Ok(locked)
}

/// Who owns `key` (the actor, or a sending system) and the operation.
fn key_scope(cmd: &Command, key: &IdempotencyKey) -> KeyScope {
    let (actor_sub, employer_id, agency) = match &key.owner {
        KeyOwner::Caller => (
            cmd.actor.sub.clone(),
            cmd.actor.employer_id.map(|e| e.0),
            cmd.actor.agency.clone(),
        ),
        // Keyed by the role, not a subject: the operation (part of the scope) is the system's alone.
        KeyOwner::System(role) => (format!("role:{}", role.as_str()), None, None),
    };
    KeyScope {
        actor_sub,
        employer_id,
        agency,
        method: key.method.clone(),
        route: key.route.clone(),
        key: key.key.clone(),
    }
}

/// The first reply, when this request's key was used before for the same request.
async fn replay(conn: &mut Conn, cmd: &Command) -> Result<Option<Reply>> {
    let Some(key) = &cmd.idempotency else {
        return Ok(None);
    };
    let Some(first) = db::idempotency::find(conn, &key_scope(cmd, key)).await? else {
        return Ok(None);
    };
    if (first.path.as_str(), first.body_hash.as_str()) != (key.path.as_str(), key.body_hash.as_str()) {
        return Err(WorkflowError::IdempotencyKeyReused);
    }
    Ok(Some(Reply {
        status: first.status,
        etag: first.etag,
        location: first.location,
        body: first.body,
        replayed: true,
    }))
}

/// Stores the reply for retries with the same key.
async fn remember(conn: &mut Conn, cmd: &Command, reply: &Reply) -> Result<()> {
    let Some(key) = &cmd.idempotency else {
        return Ok(());
    };
    let used = KeyUse {
        scope: key_scope(cmd, key),
        path: key.path.clone(),
        body_hash: key.body_hash.clone(),
        status: reply.status,
        etag: reply.etag.clone(),
        location: reply.location.clone(),
        body: reply.body.clone(),
    };
    db::idempotency::save(conn, &used)
        .await
        .map_err(|err| match WorkflowError::from(err) {
            // Another request with this key committed first; its retry will get the replay.
            WorkflowError::Conflict(_) => WorkflowError::IdempotencyKeyInProgress,
            other => other,
        })
}

/// Runs a read on a pooled connection, within the pool's transaction timeout (no transaction: each
/// read is one consistent statement or a view that tolerates concurrent writes).
pub async fn read<T>(pool: &DbPool, body: impl AsyncFnOnce(&mut Conn) -> Result<T>) -> Result<T> {
    with_connection(pool, pool.transaction_timeout(), body).await
}

/// As [`read`], within `bound` (e.g. a readiness probe, which must answer quickly either way).
pub async fn read_within<T>(
    pool: &DbPool,
    bound: std::time::Duration,
    body: impl AsyncFnOnce(&mut Conn) -> Result<T>,
) -> Result<T> {
    with_connection(pool, bound, body).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_names_versions_any_or_nothing() {
        assert!(IfMatch::Versions(vec![3]).check(3, true).is_ok());
        assert!(IfMatch::Versions(vec![1, 3]).check(3, true).is_ok());
        assert!(IfMatch::Any.check(3, true).is_ok());
        assert!(matches!(
            IfMatch::Versions(vec![2]).check(3, true),
            Err(WorkflowError::PreconditionFailed { current_version: 3 })
        ));
        assert!(matches!(
            IfMatch::Versions(vec![]).check(3, false),
            Err(WorkflowError::PreconditionFailed { .. })
        ));
        assert!(matches!(
            IfMatch::Absent.check(3, true),
            Err(WorkflowError::PreconditionRequired)
        ));
        assert!(IfMatch::Absent.check(3, false).is_ok());
    }

    #[test]
    fn locks_say_what_they_take() {
        let app = ApplicationId::new();
        let locks = Locks::application(app).and_employer().if_match_required();
        assert_eq!(locks.target, Target::Application(app));
        assert!(locks.employer_wide);
        assert_eq!(locks.if_match, IfMatchRule::Required);
        assert_eq!(Locks::worker(Uuid::nil()).if_match, IfMatchRule::Ignored);
    }
}
