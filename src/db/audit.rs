//! The audit trail: written in the caller's transaction, never updated or deleted (the database's
//! triggers refuse both).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use super::schema::audit_events;
use crate::domain::application::Application;
use crate::domain::audit_chain::{ChainVerifier, ChainedEvent, VerificationReport};
use crate::domain::{ApplicationId, ApplicationStatus, EmployerId, Role};

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
    /// The decision record (rule results) this change produced, if any.
    pub decision_record_id: Option<Uuid>,
}

impl<'a> NewAuditEvent<'a> {
    pub fn with_decision_record(mut self, id: Option<Uuid>) -> Self {
        self.decision_record_id = id;
        self
    }

    /// A record changed: what it was and what it is now.
    pub fn changed(
        actor: &'a Actor,
        entity: Entity,
        action: &str,
        before: &impl serde::Serialize,
        after: &impl serde::Serialize,
    ) -> Result<Self, serde_json::Error> {
        Ok(Self {
            before: Some(serde_json::to_value(before)?),
            ..Self::created(actor, entity, action, after)?
        })
    }

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
            decision_record_id: None,
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
            decision_record_id: None,
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
    on_behalf_of: Option<&'a str>,
    decision_record_id: Option<Uuid>,
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
    pub on_behalf_of: Option<String>,
    pub decision_record_id: Option<Uuid>,
    pub chain_key: String,
    pub chain_position: i64,
    pub prev_hash: Option<String>,
    pub hash: String,
}

/// Appends one event. Call it inside the transaction that makes the change it records.
pub async fn append(conn: &mut AsyncPgConnection, event: NewAuditEvent<'_>) -> QueryResult<AuditEvent> {
    let (entity_type, entity_id, application_id) = match event.entity {
        Entity::Employer(id) => ("employer", id.0, None),
        Entity::Application(id) => ("application", id.0, Some(id.0)),
        Entity::Policy(id) => ("policy", id, None),
        Entity::WageTable(id) => ("wage_table", id, None),
        Entity::Worker { id, application } => ("worker", id, Some(application.0)),
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
            on_behalf_of: event.actor.on_behalf_of.as_deref(),
            decision_record_id: event.decision_record_id,
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

/// Filters for the audit search and export.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub application_id: Option<Uuid>,
    pub actor_sub: Option<String>,
    pub action: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Events matching `filter`, oldest first, after `after_seq`, at most `limit`.
pub async fn search(
    conn: &mut AsyncPgConnection,
    filter: &AuditFilter,
    after_seq: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    let mut query = audit_events::table.into_boxed();
    if let Some(id) = filter.application_id {
        query = query.filter(audit_events::application_id.eq(id));
    }
    if let Some(sub) = &filter.actor_sub {
        query = query.filter(audit_events::actor_sub.eq(sub.clone()));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_events::action.eq(action.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_events::occurred_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_events::occurred_at.lt(to));
    }
    if let Some(seq) = after_seq {
        query = query.filter(audit_events::seq.gt(seq));
    }
    query
        .order(audit_events::seq.asc())
        .limit(limit)
        .select(AuditEvent::as_select())
        .load(conn)
        .await
}

/// The case's events up to `at`, oldest first (for point-in-time views).
pub async fn for_application_until(
    conn: &mut AsyncPgConnection,
    id: ApplicationId,
    at: DateTime<Utc>,
) -> QueryResult<Vec<AuditEvent>> {
    audit_events::table
        .filter(
            audit_events::application_id
                .eq(id.0)
                .and(audit_events::occurred_at.le(at)),
        )
        .order(audit_events::seq.asc())
        .select(AuditEvent::as_select())
        .load(conn)
        .await
}

#[derive(diesel::QueryableByName)]
struct ChainRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    seq: i64,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    occurred_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    request_id: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    actor_sub: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    actor_role: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    actor_employer_id: Option<Uuid>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    on_behalf_of: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    entity_type: String,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    entity_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    application_id: Option<Uuid>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    action: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    from_status: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    to_status: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    before: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    after: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    comment: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    decision_record_id: Option<Uuid>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    chain_key: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    chain_position: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    prev_hash: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    hash: String,
}

/// The next `limit` events in chain order after `(chain_key, chain_position)`, as stored (JSON as
/// PostgreSQL's `jsonb` text), for verification.
pub async fn chain_batch(
    conn: &mut AsyncPgConnection,
    after: Option<(&str, i64)>,
    limit: i64,
) -> QueryResult<Vec<ChainedEvent>> {
    let (key, position) = after.unwrap_or(("", 0));
    let rows: Vec<ChainRow> = diesel::sql_query(
        "SELECT seq, id, occurred_at, request_id, actor_sub, actor_role, actor_employer_id, on_behalf_of, \
                entity_type, entity_id, application_id, action, from_status, to_status, before::text AS before, \
                after::text AS after, comment, decision_record_id, chain_key, chain_position, prev_hash, hash \
           FROM audit_events WHERE (chain_key, chain_position) > ($1, $2) \
          ORDER BY chain_key, chain_position LIMIT $3",
    )
    .bind::<diesel::sql_types::Text, _>(key)
    .bind::<diesel::sql_types::BigInt, _>(position)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ChainedEvent {
            seq: r.seq,
            id: r.id,
            occurred_at: r.occurred_at,
            request_id: r.request_id,
            actor_sub: r.actor_sub,
            actor_role: r.actor_role,
            actor_employer_id: r.actor_employer_id,
            on_behalf_of: r.on_behalf_of,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            application_id: r.application_id,
            action: r.action,
            from_status: r.from_status,
            to_status: r.to_status,
            before: r.before,
            after: r.after,
            comment: r.comment,
            decision_record_id: r.decision_record_id,
            chain_key: r.chain_key,
            chain_position: r.chain_position,
            prev_hash: r.prev_hash,
            hash: r.hash,
        })
        .collect())
}

/// Verifies every chain, reading `batch` events at a time (constant memory however many events).
pub async fn verify_chains(conn: &mut AsyncPgConnection, batch: i64) -> QueryResult<VerificationReport> {
    let mut verifier = ChainVerifier::new();
    let mut after: Option<(String, i64)> = None;
    loop {
        let events = chain_batch(conn, after.as_ref().map(|(k, p)| (k.as_str(), *p)), batch).await?;
        let Some(last) = events.last() else { break };
        after = Some((last.chain_key.clone(), last.chain_position));
        events.iter().for_each(|e| verifier.check(e));
    }
    Ok(verifier.finish())
}
