//! Naming a worker to an approved place.

use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use super::WorkerView;
use crate::db::workers::{self, Places};
use crate::db::{Conn, DbPool, policy};
use crate::domain::application::Application;
use crate::domain::audit::{AuditRecord, Entity};
use crate::domain::policy::{PolicySet, keys};
use crate::domain::rules::{RuleResult, admission, ratio};
use crate::domain::worker::{PlaceRecord, PlaceState, Worker};
use crate::domain::{ApplicationId, ApplicationStatus, VacancyId};
use crate::personal_data::TravelDocumentRef;
use crate::workflow::error::{Result, WorkflowError, all_passed};
use crate::workflow::ratio::{self as ratio_inputs, Leaving};
use crate::workflow::unit::{self, Change, Command, Locks, Reply};

/// A worker as the employer names it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWorker {
    /// The approved vacancy the worker fills; the first free place of it is taken.
    pub vacancy: VacancyId,
    pub full_name: String,
    /// What is kept of the travel document number (never the number itself).
    pub travel_document: TravelDocumentRef,
    /// ISO 3166-1 alpha-3.
    pub nationality: String,
    pub mainland_resident: bool,
    pub recruiting_enterprise: Option<String>,
    pub date_of_birth: NaiveDate,
}

/// The application statuses in which workers may be named.
const NAMING_STATUSES: [ApplicationStatus; 3] = [
    ApplicationStatus::Approved,
    ApplicationStatus::PartiallyApproved,
    ApplicationStatus::Active,
];

/// Names a worker to the first free place of the vacancy: never more workers than places approved, and
/// only while the ratio still covers the place (R-RAT-1). Both read across the employer's places, so
/// naming runs under the employer's lock, then the case's.
pub async fn name_worker(
    pool: &DbPool,
    cmd: &Command,
    application: ApplicationId,
    new: NewWorker,
    reply: impl FnOnce(&WorkerView) -> Result<Reply>,
) -> Result<Reply> {
    unit::write(
        pool,
        cmd,
        Locks::application(application).and_employer(),
        async |conn, locked| {
            let app = locked.application()?;
            if !NAMING_STATUSES.contains(&app.status) {
                return Err(WorkflowError::Conflict(format!(
                    "Workers are named only on an approved application; this one is {}.",
                    app.status
                )));
            }
            let Some(vacancy) = app.vacancies.iter().find(|v| v.id == new.vacancy) else {
                return Err(WorkflowError::field(
                    "vacancy_id",
                    "is not a vacancy of this application",
                ));
            };
            let policy = policy::load(conn).await?;
            let mut checks = admission_checks(&policy, &new, cmd.today)?;
            all_passed(&checks)?;
            refuse_running_document(conn, &new.travel_document.hmac, cmd.today).await?;
            let place = free_place(conn, application, new.vacancy, cmd.today).await?;
            let category = vacancy.vacancy.designated_category_code.as_deref();
            checks.push(ratio_at_naming(conn, &policy, app, &place, category, cmd.today).await?);
            all_passed(&checks)?;
            let worker = new_worker(cmd, app, &place, new, checks);
            workers::insert_worker(conn, &worker).await?;
            let record = workers::get(conn, worker.id, None).await?;
            let entity = Entity::Worker {
                id: worker.id,
                application,
            };
            let audit = AuditRecord::created(entity, "worker.named", &record)?;
            Ok(Change::new(WorkerView::of(record, &policy, cmd.today)?, audit))
        },
        reply,
    )
    .await
}

/// R-ELIG-5 (nationality) and R-ELIG-6 (Mainland enterprise), as on the day the worker is named.
fn admission_checks(policy: &PolicySet, new: &NewWorker, on: NaiveDate) -> Result<Vec<RuleResult>> {
    let barred = policy.get::<Vec<String>>(keys::INADMISSIBLE_NATIONALITIES, None, on)?;
    Ok(vec![
        admission::nationality(&admission::NationalityInput {
            nationality: new.nationality.clone(),
            inadmissible: barred.value,
        })
        .with_provenance(None, vec![barred.source], vec![]),
        admission::mainland_enterprise(&admission::MainlandInput {
            mainland_resident: new.mainland_resident,
            recruiting_enterprise: new.recruiting_enterprise.clone(),
        }),
    ])
}

/// The same document on a place still running (any employer's) is the same person twice.
async fn refuse_running_document(conn: &mut Conn, hmac: &str, today: NaiveDate) -> Result<()> {
    for other in workers::with_travel_document(conn, hmac).await? {
        if !workers::get(conn, other, None).await?.state(today).is_closed() {
            return Err(WorkflowError::Conflict(
                "A worker with this travel document is already named on a place that is still running.".into(),
            ));
        }
    }
    Ok(())
}

/// The vacancy's first place with no worker and still open; R-DEC-2 when the free ones lapsed, R-DEC-1
/// when every place has its worker.
async fn free_place(
    conn: &mut Conn,
    application: ApplicationId,
    vacancy: VacancyId,
    today: NaiveDate,
) -> Result<PlaceRecord> {
    let of_vacancy: Vec<PlaceRecord> = workers::load(conn, Places::OfApplication(application))
        .await?
        .into_iter()
        .filter(|r| r.place.vacancy_id == vacancy)
        .collect();
    let unfilled = |state: PlaceState| {
        of_vacancy
            .iter()
            .filter(move |r| r.worker.is_none() && r.state(today) == state)
    };
    if let Some(free) = unfilled(PlaceState::Allocated).next() {
        return Ok(free.clone());
    }
    let lapsed = unfilled(PlaceState::Expired).count();
    Err(if lapsed > 0 {
        WorkflowError::rule(
            "R-DEC-2",
            format!("{lapsed} unfilled place(s) of this vacancy lapsed at their AIP deadline."),
        )
    } else {
        WorkflowError::rule(
            "R-DEC-1",
            format!(
                "{} place(s) were approved for this vacancy and every one has a worker named.",
                of_vacancy.len()
            ),
        )
    })
}

/// R-RAT-1 at naming: the ratio on the day still covers the place being filled, with every other place
/// and worker of the employer counted as the decision counts them.
async fn ratio_at_naming(
    conn: &mut Conn,
    policy: &PolicySet,
    app: &Application,
    place: &PlaceRecord,
    category: Option<&str>,
    today: NaiveDate,
) -> Result<RuleResult> {
    let counts = ratio_inputs::counts(conn, app.employer_id, Leaving::Place(place.place.id), today).await?;
    let scoped = ratio_inputs::scope_for(policy, category, today)?;
    let input = counts.input(&scoped.counted, scoped.locals_per_imported, 1, 0);
    Ok(ratio::ratio(&input).with_provenance(Some(place.place.id), scoped.sources, vec![]))
}

fn new_worker(
    cmd: &Command,
    app: &Application,
    place: &PlaceRecord,
    new: NewWorker,
    checks: Vec<RuleResult>,
) -> Worker {
    let id = Uuid::new_v4();
    let now = Utc::now();
    Worker {
        id,
        place_id: place.place.id,
        application_id: app.id,
        employer_id: app.employer_id,
        full_name: new.full_name,
        travel_document_hmac: new.travel_document.hmac,
        travel_document_last4: new.travel_document.last4,
        nationality: new.nationality,
        mainland_resident: new.mainland_resident,
        recruiting_enterprise: new.recruiting_enterprise,
        date_of_birth: new.date_of_birth,
        // The admission rules are about the worker; the ratio about the place it fills.
        checks: checks
            .into_iter()
            .map(|c| {
                if c.rule_id == ratio::RATIO {
                    c
                } else {
                    c.with_subject(Some(id))
                }
            })
            .collect(),
        visa_applied_on: None,
        visa_issued_on: None,
        visa_number: None,
        arrived_on: None,
        arrival_port: None,
        briefing_due_on: None,
        separated_on: None,
        separation_type: None,
        departure_confirmed: None,
        named_by: cmd.actor.sub.clone(),
        created_at: now,
        updated_at: now,
    }
}
