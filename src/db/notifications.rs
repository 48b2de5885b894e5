//! Notifications (the outbox), webhooks, and each webhook delivery with its attempts.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use super::schema::{notifications, webhook_attempts, webhook_deliveries, webhooks};
use crate::domain::notification::{Language, Notice, Notification, Recipient};
use crate::domain::{ApplicationId, EmployerId, Role};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notifications)]
struct NotificationRow {
    id: Uuid,
    seq: i64,
    employer_id: Option<Uuid>,
    recipient_sub: Option<String>,
    recipient_role: Option<String>,
    application_id: Option<Uuid>,
    worker_id: Option<Uuid>,
    params: Value,
    occurred_on: NaiveDate,
    created_at: DateTime<Utc>,
    read_at: Option<DateTime<Utc>>,
}

impl TryFrom<NotificationRow> for Notification {
    type Error = diesel::result::Error;

    fn try_from(row: NotificationRow) -> QueryResult<Self> {
        let recipient = match (row.employer_id, row.recipient_sub, row.recipient_role) {
            (Some(employer), _, _) => Recipient::Employer(EmployerId(employer)),
            (_, Some(sub), _) => Recipient::Staff(sub),
            (_, _, Some(role)) => Recipient::Role(super::parse_enum(&role)?),
            _ => {
                return Err(diesel::result::Error::DeserializationError(
                    "a notification without a recipient".into(),
                ));
            }
        };
        Ok(Self {
            id: row.id,
            seq: row.seq,
            notice: super::from_json(row.params)?,
            recipient,
            application_id: row.application_id.map(ApplicationId),
            worker_id: row.worker_id,
            occurred_on: row.occurred_on,
            created_at: row.created_at,
            read_at: row.read_at,
        })
    }
}

/// Stores a notification; returns it as stored.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    notice: &Notice,
    recipient: &Recipient,
    application: Option<ApplicationId>,
    worker: Option<Uuid>,
    on: NaiveDate,
) -> QueryResult<Notification> {
    let (employer, sub, role) = match recipient {
        Recipient::Employer(id) => (Some(id.0), None, None),
        Recipient::Staff(sub) => (None, Some(sub.as_str()), None),
        Recipient::Role(role) => (None, None, Some(role.as_str())),
    };
    let params = super::to_json(notice)?;
    diesel::insert_into(notifications::table)
        .values((
            notifications::id.eq(Uuid::new_v4()),
            notifications::kind.eq(notice.kind()),
            notifications::employer_id.eq(employer),
            notifications::recipient_sub.eq(sub),
            notifications::recipient_role.eq(role),
            notifications::application_id.eq(application.map(|a| a.0)),
            notifications::worker_id.eq(worker),
            notifications::params.eq(params),
            notifications::occurred_on.eq(on),
        ))
        .returning(NotificationRow::as_returning())
        .get_result::<NotificationRow>(conn)
        .await?
        .try_into()
}

/// Whose notifications a reader sees: an employer's, or a staff member's (addressed to them by name
/// or to their role); `None`: every notification (auditors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbox {
    Employer(EmployerId),
    Staff { sub: String, role: Role },
    Everything,
}

type Boxed<'a> = notifications::BoxedQuery<'a, diesel::pg::Pg>;

fn of_inbox(inbox: &Inbox) -> Boxed<'_> {
    let query = notifications::table.into_boxed();
    match inbox {
        Inbox::Employer(employer) => query.filter(notifications::employer_id.eq(employer.0)),
        Inbox::Staff { sub, role } => query.filter(
            notifications::recipient_sub
                .eq(sub.as_str())
                .or(notifications::recipient_role.eq(role.as_str())),
        ),
        Inbox::Everything => query,
    }
}

/// A page of the inbox, newest first (after `before_seq` when given), and the number unread in all.
pub async fn list(
    conn: &mut AsyncPgConnection,
    inbox: &Inbox,
    unread_only: bool,
    before_seq: Option<i64>,
    limit: i64,
) -> QueryResult<(Vec<Notification>, i64)> {
    let mut query = of_inbox(inbox);
    if unread_only {
        query = query.filter(notifications::read_at.is_null());
    }
    if let Some(seq) = before_seq {
        query = query.filter(notifications::seq.lt(seq));
    }
    let items = query
        .order(notifications::seq.desc())
        .limit(limit)
        .select(NotificationRow::as_select())
        .load::<NotificationRow>(conn)
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect::<QueryResult<Vec<_>>>()?;
    let unread = of_inbox(inbox)
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(conn)
        .await?;
    Ok((items, unread))
}

/// One notification of the inbox, locked for a change.
pub async fn get_for_update(conn: &mut AsyncPgConnection, inbox: &Inbox, id: Uuid) -> QueryResult<Notification> {
    // A boxed query cannot lock: find it in the inbox, then lock it by id.
    let found: Uuid = of_inbox(inbox)
        .filter(notifications::id.eq(id))
        .select(notifications::id)
        .first(conn)
        .await?;
    notifications::table
        .find(found)
        .for_update()
        .select(NotificationRow::as_select())
        .first::<NotificationRow>(conn)
        .await?
        .try_into()
}

/// Marks a notification read (now) or unread.
pub async fn set_read(conn: &mut AsyncPgConnection, id: Uuid, read: bool) -> QueryResult<Notification> {
    let read_at = read.then(Utc::now);
    diesel::update(notifications::table.find(id))
        .set(notifications::read_at.eq(read_at))
        .returning(NotificationRow::as_returning())
        .get_result::<NotificationRow>(conn)
        .await?
        .try_into()
}

/// A webhook as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = webhooks)]
pub struct Webhook {
    pub id: Uuid,
    pub employer_id: Uuid,
    pub url: String,
    pub language: String,
    pub active: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Webhook {
    pub fn language(&self) -> Language {
        Language::from_tag(&self.language).unwrap_or_default()
    }
}

pub async fn insert_webhook(
    conn: &mut AsyncPgConnection,
    employer: EmployerId,
    url: &str,
    language: Language,
    created_by: &str,
) -> QueryResult<Webhook> {
    diesel::insert_into(webhooks::table)
        .values((
            webhooks::id.eq(Uuid::new_v4()),
            webhooks::employer_id.eq(employer.0),
            webhooks::url.eq(url),
            webhooks::language.eq(language.as_str()),
            webhooks::created_by.eq(created_by),
        ))
        .returning(Webhook::as_returning())
        .get_result(conn)
        .await
}

/// Webhooks the reader may see (`scope`: one employer's), newest first.
pub async fn list_webhooks(conn: &mut AsyncPgConnection, scope: Option<EmployerId>) -> QueryResult<Vec<Webhook>> {
    let mut query = webhooks::table.into_boxed();
    if let Some(employer) = scope {
        query = query.filter(webhooks::employer_id.eq(employer.0));
    }
    query
        .order((webhooks::created_at.desc(), webhooks::id))
        .select(Webhook::as_select())
        .load(conn)
        .await
}

pub async fn get_webhook(conn: &mut AsyncPgConnection, id: Uuid, scope: Option<EmployerId>) -> QueryResult<Webhook> {
    let mut query = webhooks::table.filter(webhooks::id.eq(id)).into_boxed();
    if let Some(employer) = scope {
        query = query.filter(webhooks::employer_id.eq(employer.0));
    }
    query.select(Webhook::as_select()).first(conn).await
}

/// Stops deliveries to a webhook (kept, with its history).
pub async fn deactivate_webhook(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Webhook> {
    diesel::update(webhooks::table.find(id))
        .set((webhooks::active.eq(false), webhooks::updated_at.eq(diesel::dsl::now)))
        .returning(Webhook::as_returning())
        .get_result(conn)
        .await
}

/// A delivery of one notification to one webhook.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct Delivery {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub notification_id: Uuid,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One attempt at a delivery.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = webhook_attempts)]
pub struct Attempt {
    pub delivery_id: Uuid,
    pub attempt_no: i32,
    pub attempted_at: DateTime<Utc>,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i32,
}

/// A pending delivery of `notification` to each active webhook of `employer`; their ids.
pub async fn insert_deliveries(
    conn: &mut AsyncPgConnection,
    employer: EmployerId,
    notification: Uuid,
) -> QueryResult<Vec<Uuid>> {
    let hooks: Vec<Uuid> = webhooks::table
        .filter(webhooks::employer_id.eq(employer.0))
        .filter(webhooks::active.eq(true))
        .select(webhooks::id)
        .load(conn)
        .await?;
    let rows: Vec<_> = hooks
        .iter()
        .map(|hook| {
            (
                webhook_deliveries::id.eq(Uuid::new_v4()),
                webhook_deliveries::webhook_id.eq(*hook),
                webhook_deliveries::notification_id.eq(notification),
            )
        })
        .collect();
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    diesel::insert_into(webhook_deliveries::table)
        .values(rows)
        .returning(webhook_deliveries::id)
        .get_results(conn)
        .await
}

/// A delivery with its webhook and notification; in a transaction, the delivery stays locked until it
/// ends (an administrator's replay).
pub async fn delivery_for_update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<(Delivery, Webhook, Notification)> {
    let delivery: Delivery = webhook_deliveries::table
        .find(id)
        .for_update()
        .select(Delivery::as_select())
        .first(conn)
        .await?;
    let hook = get_webhook(conn, delivery.webhook_id, None).await?;
    let notification = notifications::table
        .find(delivery.notification_id)
        .select(NotificationRow::as_select())
        .first::<NotificationRow>(conn)
        .await?
        .try_into()?;
    Ok((delivery, hook, notification))
}

pub async fn get_delivery(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Delivery> {
    webhook_deliveries::table
        .find(id)
        .select(Delivery::as_select())
        .first(conn)
        .await
}

/// Records an attempt and the delivery's new state (`DELIVERED`, `PENDING` with its next attempt, or
/// `DEAD`).
pub async fn record_attempt(
    conn: &mut AsyncPgConnection,
    attempt: &Attempt,
    state: &str,
    next_attempt_at: Option<DateTime<Utc>>,
) -> QueryResult<Delivery> {
    diesel::insert_into(webhook_attempts::table)
        .values((
            webhook_attempts::delivery_id.eq(attempt.delivery_id),
            webhook_attempts::attempt_no.eq(attempt.attempt_no),
            webhook_attempts::attempted_at.eq(attempt.attempted_at),
            webhook_attempts::status_code.eq(attempt.status_code),
            webhook_attempts::error.eq(attempt.error.as_deref()),
            webhook_attempts::duration_ms.eq(attempt.duration_ms),
        ))
        .execute(conn)
        .await?;
    let delivered_at = (state == "DELIVERED").then_some(attempt.attempted_at);
    diesel::update(webhook_deliveries::table.find(attempt.delivery_id))
        .set((
            webhook_deliveries::state.eq(state),
            webhook_deliveries::attempts.eq(attempt.attempt_no),
            webhook_deliveries::next_attempt_at.eq(next_attempt_at),
            webhook_deliveries::delivered_at.eq(delivered_at),
            webhook_deliveries::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Delivery::as_returning())
        .get_result(conn)
        .await
}

/// A dead delivery made pending again (an administrator's replay).
pub async fn revive(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Delivery> {
    diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::state.eq("PENDING"),
            webhook_deliveries::next_attempt_at.eq(diesel::dsl::now),
            webhook_deliveries::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Delivery::as_returning())
        .get_result(conn)
        .await
}

/// A webhook's deliveries, newest first, each with its attempts (oldest first).
pub async fn deliveries_of(
    conn: &mut AsyncPgConnection,
    webhook: Uuid,
    limit: i64,
) -> QueryResult<Vec<(Delivery, Vec<Attempt>)>> {
    let deliveries: Vec<Delivery> = webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(webhook))
        .order((webhook_deliveries::created_at.desc(), webhook_deliveries::id))
        .limit(limit)
        .select(Delivery::as_select())
        .load(conn)
        .await?;
    let ids: Vec<Uuid> = deliveries.iter().map(|d| d.id).collect();
    let attempts: Vec<Attempt> = webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(&ids))
        .order((webhook_attempts::delivery_id, webhook_attempts::attempt_no))
        .select(Attempt::as_select())
        .load(conn)
        .await?;
    Ok(deliveries
        .into_iter()
        .map(|d| {
            let mine = attempts.iter().filter(|a| a.delivery_id == d.id).cloned().collect();
            (d, mine)
        })
        .collect())
}
