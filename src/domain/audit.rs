//! The audit trail's plain types: who acted, what an event is about, what a change appends, and an
//! event as stored. The unit of work (`workflow::unit`) appends a change's records in the change's own
//! transaction; the database chains and guards them (docs/audit.md).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::application::Application;
use super::{AgencyKey, ApplicationId, ApplicationStatus, EmployerId, Role, Viewer};

/// Who acted, as recorded on every event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub sub: String,
    pub role: Role,
    pub employer_id: Option<EmployerId>,
    /// The request that caused the change, to join the trail with the service's logs.
    pub request_id: Option<String>,
    /// Set when an agency acts for the employer: whom the actor acted for.
    pub on_behalf_of: Option<String>,
    /// The employment agency the actor belongs to, when an agency acts for the employer.
    pub agency: Option<String>,
}

impl Actor {
    /// The subject the service's own steps are recorded under.
    pub const SYSTEM_SUB: &'static str = "sls-case";

    /// The service itself, taking a step that follows from another (e.g. an approval becoming active),
    /// within the request `request_id`.
    pub fn system(request_id: Option<String>) -> Self {
        Self {
            sub: Self::SYSTEM_SUB.into(),
            role: Role::System,
            employer_id: None,
            request_id,
            on_behalf_of: None,
            agency: None,
        }
    }

    /// The actor as a reader: confined to its employer when it is an employer user.
    pub fn viewer(&self) -> Viewer {
        Viewer {
            role: self.role,
            employer: self.employer_id,
            agency: self.agency.as_deref().map(AgencyKey::of),
        }
    }

    /// The employer this actor is confined to (`None`: every employer); see [`Viewer::scope`].
    pub fn scope(&self) -> Option<EmployerId> {
        self.viewer().scope()
    }
}

/// What an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Employer(EmployerId),
    Application(ApplicationId),
    Policy(Uuid),
    WageTable(Uuid),
    /// A worker of a case: its events join the case's history and hash chain.
    Worker {
        id: Uuid,
        application: ApplicationId,
    },
    /// A notification; one about a case joins the case's history and hash chain.
    Notification {
        id: Uuid,
        application: Option<ApplicationId>,
    },
    /// An employer's webhook.
    Webhook(Uuid),
    /// A job of the service's queue.
    Job(Uuid),
    /// A complaint (and the displacement reviews the service raises).
    Complaint(Uuid),
    /// An inspection and its findings.
    Inspection(Uuid),
    /// A public holiday the working-day windows skip.
    Holiday(chrono::NaiveDate),
}

/// One event a change appends. The actor is the change's, unless `by` names another (the service's
/// own step inside a person's request).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub entity: Entity,
    /// e.g. `employer.created`, `application.submit`, `worker.arrived`.
    pub action: String,
    pub from_status: Option<ApplicationStatus>,
    pub to_status: Option<ApplicationStatus>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub comment: Option<String>,
    /// The decision record (rule results) this change produced, if any.
    pub decision_record_id: Option<Uuid>,
    pub by: Option<Actor>,
}

impl AuditRecord {
    /// A record created: what it is now, and nothing before it.
    pub fn created(entity: Entity, action: &str, after: &impl Serialize) -> Result<Self, serde_json::Error> {
        Ok(Self {
            entity,
            action: action.to_owned(),
            from_status: None,
            to_status: None,
            before: None,
            after: Some(serde_json::to_value(after)?),
            comment: None,
            decision_record_id: None,
            by: None,
        })
    }

    /// A record changed: what it was and what it is now.
    pub fn changed(
        entity: Entity,
        action: &str,
        before: &impl Serialize,
        after: &impl Serialize,
    ) -> Result<Self, serde_json::Error> {
        Ok(Self {
            before: Some(serde_json::to_value(before)?),
            ..Self::created(entity, action, after)?
        })
    }

    /// A change to an application: its status and the whole case before (if it existed) and after.
    pub fn application_change(
        action: &str,
        before: Option<&Application>,
        after: &Application,
    ) -> Result<Self, serde_json::Error> {
        Ok(Self {
            entity: Entity::Application(after.id),
            action: action.to_owned(),
            from_status: before.map(|b| b.status),
            to_status: Some(after.status),
            before: before.map(serde_json::to_value).transpose()?,
            after: Some(serde_json::to_value(after)?),
            comment: None,
            decision_record_id: None,
            by: None,
        })
    }

    pub fn with_comment(mut self, comment: Option<String>) -> Self {
        self.comment = comment;
        self
    }

    pub fn with_decision_record(mut self, id: Option<Uuid>) -> Self {
        self.decision_record_id = id;
        self
    }

    pub fn by(mut self, actor: Actor) -> Self {
        self.by = Some(actor);
        self
    }
}

/// A stored event with its place in the hash chain, its JSON columns (`before`, `after`) as `Json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredEvent<Json> {
    pub seq: i64,
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub request_id: Option<String>,
    pub actor_sub: String,
    pub actor_role: String,
    pub actor_employer_id: Option<Uuid>,
    pub entity_type: String,
    pub entity_id: Uuid,
    pub application_id: Option<Uuid>,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub before: Option<Json>,
    pub after: Option<Json>,
    pub comment: Option<String>,
    pub on_behalf_of: Option<String>,
    /// The employment agency the actor belongs to, when an agency acted for the employer.
    pub agency: Option<String>,
    pub decision_record_id: Option<Uuid>,
    pub chain_key: String,
    pub chain_position: i64,
    pub prev_hash: Option<String>,
    pub hash: String,
}

/// An event as read back, its JSON columns parsed.
pub type AuditEvent = StoredEvent<Value>;

impl AuditEvent {
    /// Written by Labour Department staff or the service, not by the employer's own users: employers
    /// see what happened, not the officers' notes on it.
    pub fn is_internal_to(&self, viewer: Role) -> bool {
        viewer == Role::Employer && self.actor_role != Role::Employer.as_str()
    }
}

/// Filters for the audit search and export.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub application_id: Option<Uuid>,
    pub actor_sub: Option<String>,
    pub action: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}
