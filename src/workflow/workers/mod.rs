//! Workers after approval: naming workers to places, and what is recorded for each (the Standard
//! Employment Contract, visa, levy, arrival, briefing, wages, separation). Every change runs under its
//! case's lock (the guard of its places), checks the place's lifecycle as of the event's own date, and
//! is audited with the worker as it was and as it is.

mod arrival;
mod contract;
mod employment;
mod naming;

pub use arrival::{Arrival, LevyPaid, VisaEvent, record_arrival, record_levy_payment, record_visa};
pub use contract::{ContractTerms, record_contract};
pub use employment::{
    BriefingAttendance, Separation, WagePaymentInput, record_briefing, record_separation, record_wage_payment,
};
pub use naming::{NewWorker, name_worker};

use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use super::error::{Result, WorkflowError};
use super::unit::{self, Change, Command, Locks, Reply};
use crate::db::workers::{self, Places};
use crate::db::{Conn, DbPool, policy};
use crate::domain::application::Application;
use crate::domain::audit::{AuditRecord, Entity};
use crate::domain::compliance::{Obligation, obligations};
use crate::domain::policy::{PolicySet, keys};
use crate::domain::worker::{
    BriefingStanding, PlaceEvent, PlaceRecord, PlaceState, Worker, WorkerRecord, briefing_standing, place_transition,
};
use crate::domain::{ApplicationId, Viewer};

/// A worker with its place and what it owes on a day: what the worker endpoints answer.
#[derive(Debug, Clone)]
pub struct WorkerView {
    pub place: PlaceRecord,
    pub worker: WorkerRecord,
    pub on: NaiveDate,
    /// The place's state on `on`.
    pub state: PlaceState,
    /// How the worker stands with the briefing on `on`; `None` before arrival.
    pub briefing: Option<BriefingStanding>,
    /// What is outstanding or overdue for this worker on `on`.
    pub obligations: Vec<Obligation>,
}

impl WorkerView {
    fn of(place: PlaceRecord, policy: &PolicySet, on: NaiveDate) -> Result<Self> {
        let worker = place.worker.clone().ok_or(WorkflowError::NotFound("worker"))?;
        let due_days = policy.get::<u32>(keys::WAGE_PAYMENT_DUE_DAYS, None, on)?.value;
        Ok(Self {
            obligations: obligations(std::slice::from_ref(&place), due_days, on),
            briefing: worker
                .worker
                .briefing_due_on
                .map(|due| briefing_standing(due, worker.briefing_attended_on(), on)),
            state: place.state(on),
            place,
            worker,
            on,
        })
    }
}

/// One worker as `viewer` may see it (another employer's is not found), as it stands on `today`.
pub async fn get(pool: &DbPool, viewer: Viewer, worker: Uuid, today: NaiveDate) -> Result<WorkerView> {
    unit::read(pool, async |conn| {
        let record = workers::get(conn, worker, viewer.scope())
            .await
            .map_err(super::error::not_found("worker"))?;
        crate::workflow::agencies::check_application(conn, viewer, record.place.application_id, None)
            .await
            .map_err(|_| WorkflowError::NotFound("worker"))?;
        let policy = policy::load(conn).await?;
        WorkerView::of(record, &policy, today)
    })
    .await
}

/// The application's places, in vacancy and place order, with the worker named to each.
pub async fn places(pool: &DbPool, viewer: Viewer, application: ApplicationId) -> Result<Vec<PlaceRecord>> {
    unit::read(pool, async |conn| {
        super::applications::visible(conn, viewer, application).await?;
        Ok(workers::load(conn, Places::OfApplication(application)).await?)
    })
    .await
}

/// One change to a worker's records, under its case's lock: `step` changes the worker as it is
/// (returning any record the service's own follow-on step owes), and the change is audited under
/// `event` with the worker before and after.
async fn change_worker(
    pool: &DbPool,
    cmd: &Command,
    worker: Uuid,
    event: &'static str,
    step: impl AsyncFnOnce(&mut Conn, &PlaceRecord, &Application) -> Result<Vec<AuditRecord>>,
    reply: impl FnOnce(&WorkerView) -> Result<Reply>,
) -> Result<Reply> {
    unit::write(
        pool,
        cmd,
        Locks::worker(worker),
        async |conn, locked| {
            let application = locked.application()?;
            let before = workers::get(conn, worker, None).await?;
            let mut audit = step(conn, &before, application).await?;
            let after = workers::get(conn, worker, None).await?;
            let entity = Entity::Worker {
                id: worker,
                application: application.id,
            };
            audit.push(AuditRecord::changed(entity, event, &before, &after)?);
            let policy = policy::load(conn).await?;
            Ok(Change {
                output: WorkerView::of(after, &policy, cmd.today)?,
                audit,
            })
        },
        reply,
    )
    .await
}

/// The worker named to `record`'s place.
fn worker_of(record: &PlaceRecord) -> Result<&WorkerRecord> {
    record.worker.as_ref().ok_or(WorkflowError::NotFound("worker"))
}

/// The place's next state for `event` on `on` (the event's own date, however late it is recorded): a
/// 409 naming where it stands, or 422 R-DEC-2 once it had lapsed by then.
fn next_state(record: &PlaceRecord, event: PlaceEvent, on: NaiveDate) -> Result<PlaceState> {
    let from = record.state(on);
    if from == PlaceState::Expired {
        return Err(WorkflowError::rule(
            "R-DEC-2",
            format!(
                "The place lapsed: no visa application was lodged by its AIP deadline {}.",
                record.place.aip_deadline
            ),
        ));
    }
    Ok(place_transition(from, event)?)
}

/// Saves the changed worker and moves its place to `to` (the place's replacement rule unchanged).
async fn save_step(conn: &mut Conn, before: &PlaceRecord, mut worker: Worker, to: PlaceState) -> Result<()> {
    worker.updated_at = Utc::now();
    workers::save_worker(conn, &worker).await?;
    Ok(workers::set_place_status(conn, before.place.id, to, before.place.replacement_allowed).await?)
}
