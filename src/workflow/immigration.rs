//! Events from the Immigration Department's system (`immd`): a visa issued or refused, the levy paid.
//! Each carries the sender's own event id, which is the change's idempotency key: the same event twice
//! changes nothing (the first reply is given again), and the same id with another body is refused. The
//! changes are the workers' own use cases, judged as the staff's hand entry is (the place's state on
//! the event's date, the contract's levy), and every audit event names the sender's event id.

use chrono::NaiveDate;
use uuid::Uuid;

use super::error::Result;
use super::unit::{Command, Reply};
use super::workers::{self, LevyPaid, VisaEvent, WorkerView};
use crate::db::DbPool;

/// What Immigration tells of a worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImmigrationEvent {
    VisaIssued { on: NaiveDate, visa_number: String },
    VisaRefused { on: NaiveDate, reference: String },
    LevyPaid { paid: LevyPaid },
}

/// Takes one event; `cmd` carries the sender's event id as its idempotency key.
pub async fn receive(
    pool: &DbPool,
    cmd: &Command,
    sender_event_id: &str,
    worker: Uuid,
    event: ImmigrationEvent,
    reply: impl FnOnce(&WorkerView) -> Result<Reply>,
) -> Result<Reply> {
    let mut cmd = cmd.clone();
    // Every audit event of the change names the sender's event, to join the two systems' records.
    cmd.actor.request_id = Some(format!("immd:{sender_event_id}"));
    match event {
        ImmigrationEvent::VisaIssued { on, visa_number } => {
            workers::record_visa(pool, &cmd, worker, VisaEvent::Issued { on, visa_number }, reply).await
        }
        ImmigrationEvent::VisaRefused { on, reference } => {
            workers::record_visa(pool, &cmd, worker, VisaEvent::Refused { on, reference }, reply).await
        }
        ImmigrationEvent::LevyPaid { paid } => workers::record_levy_payment(pool, &cmd, worker, paid, reply).await,
    }
}
