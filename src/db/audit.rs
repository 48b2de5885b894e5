//! The audit trail: written in the caller's transaction, never updated or deleted (the database's
//! triggers refuse both).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use super::schema::audit_events;
use crate::domain::application::Application;
use crate::domain::{ApplicationId, ApplicationStatus, EmployerId, Role};

/// Who acted, as recorded on every event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub sub: String,
    pub role: Role,
    pub employer_id: Option<EmployerId>,
    /// The request that caused the change, to join the trail with the service's logs.
    pub request_id: Option<String>,
}

/// What an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Employer(EmployerId),
    Application(ApplicationId),
    Policy(Uuid),
    WageTable(Uuid),
}

/// One event to append.
#[derive(Debug, Clone)]
pub struct NewAuditEvent<'a> {
    pub actor: &'a Actor,
    pub entity: Entity,
    /// e.g. `employer.created`, `application.created`, `application.updated`, `application.submit`.
    pub action: String,
    pub from_status: Option<ApplicationStatus>,
    pub to_status: Option<ApplicationStatus>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub comment: Option<String>,
}

impl<'a> NewAuditEvent<'a> {
    /// A record created: what it is now, and nothing before it.
    pub fn created(
        actor: &'a Actor,
        entity: Entity,
        action: &str,
        after: &impl serde::Serialize,
    ) -> Result<Self, serde_json::Error> {
        Ok(Self {
            actor,
            entity,
            action: action.to_owned(),
            from_status: None,
            to_status: None,
            before: None,
            after: Some(serde_json::to_value(after)?),
            comment: None,
        })
    }

    /// A change to an application: its status and the whole case before (if it existed) and after.
    pub fn application_change(
        actor: &'a Actor,
        action: &str,
        before: Option<&Application>,
        after: &Application,
        comment: Option<String>,
    ) -> Result<Self, serde_json::Error> {
        Ok(Self {
            actor,
            entity: Entity::Application(after.id),
            action: action.to_owned(),
            from_status: before.map(|b| b.status),
            to_status: Some(after.status),
            before: before.map(serde_json::to_value).transpose()?,
            after: Some(serde_json::to_value(after)?),
            comment,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = audit_events)]
struct NewAuditRow<'a> {
    id: Uuid,
    request_id: Option<&'a str>,
    actor_sub: &'a str,
    actor_role: &'a str,
    actor_employer_id: Option<Uuid>,
    entity_type: &'a str,
    entity_id: Uuid,
    application_id: Option<Uuid>,
    action: &'a str,
    from_status: Option<&'a str>,
    to_status: Option<&'a str>,
    before: Option<&'a Value>,
    after: Option<&'a Value>,
    comment: Option<&'a str>,
}

/// A stored event.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
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
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub comment: Option<String>,
}

/// Appends one event. Call it inside the transaction that makes the change it records.
pub async fn append(conn: &mut AsyncPgConnection, event: NewAuditEvent<'_>) -> QueryResult<AuditEvent> {
    let (entity_type, entity_id, application_id) = match event.entity {
        Entity::Employer(id) => ("employer", id.0, None),
        Entity::Application(id) => ("application", id.0, Some(id.0)),
        Entity::Policy(id) => ("policy", id, None),
        Entity::WageTable(id) => ("wage_table", id, None),
    };
    diesel::insert_into(audit_events::table)
        .values(NewAuditRow {
            id: Uuid::new_v4(),
            request_id: event.actor.request_id.as_deref(),
            actor_sub: &event.actor.sub,
            actor_role: event.actor.role.as_str(),
            actor_employer_id: event.actor.employer_id.map(|id| id.0),
            entity_type,
            entity_id,
            application_id,
            action: &event.action,
            from_status: event.from_status.map(ApplicationStatus::as_str),
            to_status: event.to_status.map(ApplicationStatus::as_str),
            before: event.before.as_ref(),
            after: event.after.as_ref(),
            comment: event.comment.as_deref(),
        })
        .returning(AuditEvent::as_returning())
        .get_result(conn)
        .await
}

/// Every event of one case, oldest first.
pub async fn for_application(conn: &mut AsyncPgConnection, id: ApplicationId) -> QueryResult<Vec<AuditEvent>> {
    audit_events::table
        .filter(audit_events::application_id.eq(id.0))
        .order(audit_events::seq.asc())
        .select(AuditEvent::as_select())
        .load(conn)
        .await
}

/// Every event about one employer record, oldest first.
pub async fn for_employer(conn: &mut AsyncPgConnection, id: EmployerId) -> QueryResult<Vec<AuditEvent>> {
    audit_events::table
        .filter(
            audit_events::entity_type
                .eq("employer")
                .and(audit_events::entity_id.eq(id.0)),
        )
        .order(audit_events::seq.asc())
        .select(AuditEvent::as_select())
        .load(conn)
        .await
}
