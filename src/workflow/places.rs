//! Worker places: allocated when an application is approved, revoked with the approval; and what the
//! employer owes on them (compliance).

use chrono::{Months, NaiveDate, Utc};
use uuid::Uuid;

use super::error::{Result, WorkflowError};
use super::ratio::{self, Leaving};
use super::unit;
use crate::db::applications::VacancyDecision;
use crate::db::pagination::{Cursor, Page};
use crate::db::workers::{self, Places};
use crate::db::{Conn, DbPool, employers, policy};
use crate::domain::application::Application;
use crate::domain::compliance::{Obligation, obligations, sort_soonest_due_first};
use crate::domain::employer::Employer;
use crate::domain::policy::{PolicySet, keys};
use crate::domain::worker::{Place, PlaceEvent, PlaceRecord, PlaceState, place_transition};
use crate::domain::{ApplicationId, EmployerId, Viewer};

/// One place per approved place of each vacancy, each with the AIP deadline policy gives on the
/// decision date (R-DEC-2).
pub async fn allocate(conn: &mut Conn, app: &Application, decided: &[VacancyDecision], on: NaiveDate) -> Result<()> {
    let policy = policy::load(conn).await?;
    let months = policy.get::<u32>(keys::AIP_VISA_DEADLINE_MONTHS, None, on)?;
    let aip_deadline = on
        .checked_add_months(Months::new(months.value))
        .ok_or_else(|| WorkflowError::Internal(anyhow::anyhow!("AIP deadline out of range")))?;
    let now = Utc::now();
    let places: Vec<Place> = decided
        .iter()
        .flat_map(|v| {
            (1..=v.places).map(move |n| Place {
                id: Uuid::new_v4(),
                application_id: app.id,
                vacancy_id: v.vacancy,
                employer_id: app.employer_id,
                place_no: n,
                aip_deadline,
                aip_deadline_policy_id: Some(months.source.id),
                stored_state: PlaceState::Allocated,
                replacement_allowed: true,
                created_at: now,
                updated_at: now,
            })
        })
        .collect();
    Ok(workers::insert_places(conn, &places).await?)
}

/// A revoked approval: places not yet filled by a worker in Hong Kong are revoked; workers already
/// here stay to the end of their contracts, but no place may be refilled (domain.md §4.2). The
/// caller holds the application's lock.
pub async fn revoke(conn: &mut Conn, application: ApplicationId, today: NaiveDate) -> Result<()> {
    for record in workers::load(conn, Places::OfApplication(application)).await? {
        let stored = place_transition(record.state(today), PlaceEvent::Revoke).unwrap_or(record.place.stored_state);
        workers::set_place_status(conn, record.place.id, stored, false).await?;
    }
    Ok(())
}

/// What the employer owes on `records` (all its places) today, narrowed to one application when given,
/// with the ratio against its latest headcount return: soonest due first.
async fn owed(
    conn: &mut Conn,
    policy: &PolicySet,
    employer: EmployerId,
    records: &[PlaceRecord],
    application: Option<ApplicationId>,
    today: NaiveDate,
) -> Result<Vec<Obligation>> {
    let due_days = policy.get::<u32>(keys::WAGE_PAYMENT_DUE_DAYS, None, today)?.value;
    let of_case: Vec<PlaceRecord> = records
        .iter()
        .filter(|r| application.is_none_or(|a| r.place.application_id == a))
        .cloned()
        .collect();
    let mut owed = obligations(&of_case, due_days, today);
    let counts = ratio::counts_of(conn, employer, records, Leaving::Nothing, today).await?;
    owed.extend(ratio::obligations(policy, &counts, today)?);
    sort_soonest_due_first(&mut owed);
    Ok(owed)
}

/// Everything owed today on one application's places, with the employer's ratio.
pub async fn application_compliance(
    pool: &DbPool,
    viewer: Viewer,
    id: ApplicationId,
    today: NaiveDate,
) -> Result<(EmployerId, Vec<Obligation>)> {
    unit::read(pool, async |conn| {
        let app = super::applications::visible(conn, viewer, id).await?;
        let policy = policy::load(conn).await?;
        let records = workers::load(conn, Places::OfEmployer(app.employer_id)).await?;
        let owed = owed(conn, &policy, app.employer_id, &records, Some(id), today).await?;
        Ok((app.employer_id, owed))
    })
    .await
}

/// Everything owed today across all the employer's approvals.
pub async fn employer_compliance(
    pool: &DbPool,
    viewer: Viewer,
    employer: EmployerId,
    today: NaiveDate,
) -> Result<Vec<Obligation>> {
    unit::read(pool, async |conn| {
        super::employers::visible(conn, viewer, employer).await?;
        let policy = policy::load(conn).await?;
        let records = workers::load(conn, Places::OfEmployer(employer)).await?;
        owed(conn, &policy, employer, &records, None, today).await
    })
    .await
}

/// For a page of the employers with worker places, everything each owes today. One load of the page's
/// places, so a page costs the same however many employers there are.
pub async fn compliance_page(
    pool: &DbPool,
    after: Option<Cursor>,
    limit: usize,
    today: NaiveDate,
) -> Result<(Page<Employer>, Vec<(EmployerId, Vec<Obligation>)>)> {
    unit::read(pool, async |conn| {
        let page = employers::list(conn, None, after, limit, true).await?;
        let ids: Vec<EmployerId> = page.items.iter().map(|e| e.id).collect();
        let policy = policy::load(conn).await?;
        let records = workers::load(conn, Places::OfEmployers(ids.clone())).await?;
        let mut owed_by = Vec::with_capacity(ids.len());
        for employer in ids {
            let theirs: Vec<PlaceRecord> = records
                .iter()
                .filter(|r| r.place.employer_id == employer)
                .cloned()
                .collect();
            owed_by.push((employer, owed(conn, &policy, employer, &theirs, None, today).await?));
        }
        Ok((page, owed_by))
    })
    .await
}
