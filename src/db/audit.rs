//! The audit trail: written in the caller's transaction, never updated or deleted (the database's
//! triggers refuse both).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use super::schema::audit_events;
use crate::domain::audit::{Actor, AuditEvent, AuditFilter, AuditRecord, Entity};
use crate::domain::audit_chain::{ChainVerifier, ChainedEvent, VerificationReport};
use crate::domain::audit_checkpoint::ChainHead;
use crate::domain::{ApplicationId, ApplicationStatus, EmployerId};

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
    actor_agency: Option<&'a str>,
    decision_record_id: Option<Uuid>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_events)]
struct AuditRow {
    seq: i64,
    id: Uuid,
    occurred_at: DateTime<Utc>,
    request_id: Option<String>,
    actor_sub: String,
    actor_role: String,
    actor_employer_id: Option<Uuid>,
    entity_type: String,
    entity_id: Uuid,
    application_id: Option<Uuid>,
    action: String,
    from_status: Option<String>,
    to_status: Option<String>,
    before: Option<Value>,
    after: Option<Value>,
    comment: Option<String>,
    on_behalf_of: Option<String>,
    actor_agency: Option<String>,
    decision_record_id: Option<Uuid>,
    chain_key: String,
    chain_position: i64,
    prev_hash: Option<String>,
    hash: String,
}

impl From<AuditRow> for AuditEvent {
    fn from(r: AuditRow) -> Self {
        Self {
            seq: r.seq,
            id: r.id,
            occurred_at: r.occurred_at,
            request_id: r.request_id,
            actor_sub: r.actor_sub,
            actor_role: r.actor_role,
            actor_employer_id: r.actor_employer_id,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            application_id: r.application_id,
            action: r.action,
            from_status: r.from_status,
            to_status: r.to_status,
            before: r.before,
            after: r.after,
            comment: r.comment,
            on_behalf_of: r.on_behalf_of,
            agency: r.actor_agency,
            decision_record_id: r.decision_record_id,
            chain_key: r.chain_key,
            chain_position: r.chain_position,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

fn events(rows: Vec<AuditRow>) -> Vec<AuditEvent> {
    rows.into_iter().map(Into::into).collect()
}

/// Appends one event by `actor`. Call it inside the transaction that makes the change it records.
pub async fn append(conn: &mut AsyncPgConnection, actor: &Actor, event: &AuditRecord) -> QueryResult<AuditEvent> {
    let (entity_type, entity_id, application_id) = match event.entity {
        Entity::Employer(id) => ("employer", id.0, None),
        Entity::Application(id) => ("application", id.0, Some(id.0)),
        Entity::Policy(id) => ("policy", id, None),
        Entity::WageTable(id) => ("wage_table", id, None),
        Entity::Worker { id, application } => ("worker", id, Some(application.0)),
        Entity::Notification { id, application } => ("notification", id, application.map(|a| a.0)),
        Entity::Webhook(id) => ("webhook", id, None),
        Entity::Job(id) => ("job", id, None),
        Entity::Complaint(id) => ("complaint", id, None),
        Entity::Inspection(id) => ("inspection", id, None),
        // A holiday has no id of its own: its day, as a number, is one.
        Entity::Holiday(day) => (
            "holiday",
            Uuid::from_u128(chrono::Datelike::num_days_from_ce(&day).unsigned_abs().into()),
            None,
        ),
    };
    diesel::insert_into(audit_events::table)
        .values(NewAuditRow {
            id: Uuid::new_v4(),
            request_id: actor.request_id.as_deref(),
            actor_sub: &actor.sub,
            actor_role: actor.role.as_str(),
            actor_employer_id: actor.employer_id.map(|id| id.0),
            entity_type,
            entity_id,
            application_id,
            action: &event.action,
            from_status: event.from_status.map(ApplicationStatus::as_str),
            to_status: event.to_status.map(ApplicationStatus::as_str),
            before: event.before.as_ref(),
            after: event.after.as_ref(),
            comment: event.comment.as_deref(),
            on_behalf_of: actor.on_behalf_of.as_deref(),
            actor_agency: actor.agency.as_deref(),
            decision_record_id: event.decision_record_id,
        })
        .returning(AuditRow::as_returning())
        .get_result(conn)
        .await
        .map(Into::into)
}

/// Every event of one case, oldest first.
pub async fn for_application(conn: &mut AsyncPgConnection, id: ApplicationId) -> QueryResult<Vec<AuditEvent>> {
    audit_events::table
        .filter(audit_events::application_id.eq(id.0))
        .order(audit_events::seq.asc())
        .select(AuditRow::as_select())
        .load(conn)
        .await
        .map(events)
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
        .select(AuditRow::as_select())
        .load(conn)
        .await
        .map(events)
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
        .select(AuditRow::as_select())
        .load(conn)
        .await
        .map(events)
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
        .select(AuditRow::as_select())
        .load(conn)
        .await
        .map(events)
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
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    actor_agency: Option<String>,
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
                actor_agency, entity_type, entity_id, application_id, action, from_status, to_status, before::text AS before, \
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
            agency: r.actor_agency,
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

/// Verifies every chain, reading `batch` events at a time (constant memory however many events), and
/// shows each event to `also` (a checkpoint comparison) in the same pass.
pub async fn verify_chains(
    conn: &mut AsyncPgConnection,
    batch: i64,
    mut also: impl FnMut(&ChainedEvent),
) -> QueryResult<VerificationReport> {
    let mut verifier = ChainVerifier::new();
    let mut after: Option<(String, i64)> = None;
    loop {
        let events = chain_batch(conn, after.as_ref().map(|(k, p)| (k.as_str(), *p)), batch).await?;
        let Some(last) = events.last() else { break };
        after = Some((last.chain_key.clone(), last.chain_position));
        for event in &events {
            verifier.check(event);
            also(event);
        }
    }
    Ok(verifier.finish())
}

#[derive(QueryableByName)]
struct HeadRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    chain_key: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    chain_position: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    hash: String,
}

/// Every chain's last event, in chain order, read in one snapshot.
pub async fn chain_heads(conn: &mut AsyncPgConnection) -> QueryResult<Vec<ChainHead>> {
    let rows: Vec<HeadRow> = diesel::sql_query(
        "SELECT DISTINCT ON (chain_key) chain_key, chain_position, hash \
           FROM audit_events ORDER BY chain_key, chain_position DESC",
    )
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ChainHead {
            chain_key: r.chain_key,
            position: r.chain_position,
            hash: r.hash,
        })
        .collect())
}
