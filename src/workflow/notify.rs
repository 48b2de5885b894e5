//! Telling people: a notification is written in the transaction of the change it tells of (the
//! outbox), with a delivery job for each of the employer's webhooks, so a change is never committed
//! without its notice, nor a notice sent for a change that rolled back.

use chrono::{NaiveDate, Utc};
use serde_json::json;
use uuid::Uuid;

use super::error::Result;
use crate::db::jobs::{self, NewJob};
use crate::db::{Conn, notifications};
use crate::domain::ApplicationId;
use crate::domain::application::Application;
use crate::domain::notification::{Notice, Recipient};

/// Attempts at one webhook delivery before it is dead-lettered.
pub const WEBHOOK_MAX_ATTEMPTS: i32 = 8;

/// The job kind that delivers a notification to a webhook.
pub const WEBHOOK_DELIVERY: &str = "webhook_delivery";

/// Stores `notice` for `recipient`, and queues its delivery to each of an employer's active webhooks.
pub async fn notify(
    conn: &mut Conn,
    notice: &Notice,
    recipient: Recipient,
    application: Option<ApplicationId>,
    worker: Option<Uuid>,
    on: NaiveDate,
) -> Result<()> {
    let stored = notifications::insert(conn, notice, &recipient, application, worker, on).await?;
    if let Recipient::Employer(employer) = recipient {
        for delivery in notifications::insert_deliveries(conn, employer, stored.id).await? {
            queue_delivery(conn, delivery, 0).await?;
        }
    }
    Ok(())
}

/// Queues an attempt cycle of `delivery` (`cycle` 0 first, then one per administrator's replay).
pub async fn queue_delivery(conn: &mut Conn, delivery: Uuid, cycle: i32) -> Result<()> {
    jobs::enqueue(
        conn,
        &NewJob {
            kind: WEBHOOK_DELIVERY.to_owned(),
            payload: json!({ "delivery_id": delivery }),
            dedupe_key: Some(format!("{WEBHOOK_DELIVERY}:{delivery}:{cycle}")),
            max_attempts: WEBHOOK_MAX_ATTEMPTS,
            run_at: Utc::now(),
        },
    )
    .await?;
    Ok(())
}

/// Tells the employer of `app`.
pub async fn employer(conn: &mut Conn, app: &Application, notice: Notice, on: NaiveDate) -> Result<()> {
    notify(
        conn,
        &notice,
        Recipient::Employer(app.employer_id),
        Some(app.id),
        None,
        on,
    )
    .await
}

/// Tells the officer whose queue `app` is in, if anyone's.
pub async fn assignee(conn: &mut Conn, app: &Application, notice: Notice, on: NaiveDate) -> Result<()> {
    match &app.assignee {
        Some(sub) => notify(conn, &notice, Recipient::Staff(sub.clone()), Some(app.id), None, on).await,
        None => Ok(()),
    }
}
