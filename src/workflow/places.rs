//! Worker places: allocated when an application is approved, withdrawn when the approval is revoked.

use chrono::{Months, NaiveDate, Utc};
use uuid::Uuid;

use crate::db::applications::VacancyDecision;
use crate::db::workers::{self, Place, PlaceRecord, Places};
use crate::db::{Conn, casework, policy};
use crate::domain::application::Application;
use crate::domain::compliance::{
    ContractFacts, Obligation, ObligationKind, PlaceFacts, WorkerFacts, place_obligations, ratio_obligation,
};
use crate::domain::policy::PolicySet;
use crate::domain::policy::keys;
use crate::domain::rules::ratio::RatioScope;
use crate::domain::worker::{PlaceEvent, PlaceState, place_transition};
use crate::domain::{ApplicationId, EmployerId};
use crate::error::ApiError;

/// One place per approved place of each vacancy, each with the AIP deadline policy gives on the
/// decision date (R-DEC-2).
pub async fn allocate(
    conn: &mut Conn,
    app: &Application,
    decided: &[VacancyDecision],
    on: NaiveDate,
) -> Result<(), ApiError> {
    let policy = policy::load(conn).await?;
    let months = policy.get::<u32>(keys::AIP_VISA_DEADLINE_MONTHS, None, on)?;
    let aip_deadline = on
        .checked_add_months(Months::new(months.value))
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("AIP deadline out of range")))?;
    let deadline_policy = months.source.id;
    let now = Utc::now();
    let places: Vec<Place> = decided
        .iter()
        .flat_map(|v| {
            (1..=v.places).map(move |n| Place {
                id: Uuid::new_v4(),
                application_id: app.id.0,
                vacancy_id: v.vacancy.0,
                employer_id: app.employer_id.0,
                place_no: i32::try_from(n).unwrap_or(i32::MAX),
                aip_deadline,
                aip_deadline_policy_id: Some(deadline_policy),
                status: PlaceState::Allocated.as_str().to_owned(),
                replacement_allowed: true,
                created_at: now,
                updated_at: now,
            })
        })
        .collect();
    Ok(workers::insert_places(conn, &places).await?)
}

/// A revoked approval: places not yet filled by a worker in Hong Kong are revoked; workers already
/// here stay to the end of their contracts, but no place may be refilled (domain.md §4.2).
pub async fn revoke(conn: &mut Conn, application: ApplicationId, today: NaiveDate) -> Result<(), ApiError> {
    workers::lock_application(conn, application).await?;
    for record in workers::load(conn, Places::OfApplication(application)).await? {
        let state = record.state(today);
        let stored = match place_transition(state, PlaceEvent::Revoke) {
            Ok(revoked) => revoked,
            Err(_) => record.place.stored_state(),
        };
        workers::set_place_status(conn, record.place.id, stored, false).await?;
    }
    Ok(())
}

/// The facts the compliance rules need about a place, as recorded.
pub fn facts(record: &PlaceRecord, today: NaiveDate) -> PlaceFacts {
    PlaceFacts {
        place_id: record.place.id,
        application_id: record.place.application_id,
        state: record.state(today),
        aip_deadline: record.place.aip_deadline,
        worker: record.worker.as_ref().map(|w| WorkerFacts {
            worker_id: w.worker.id,
            contract: w.contract.as_ref().map(|c| ContractFacts {
                starts_on: c.starts_on,
                ends_on: c.ends_on,
                levy_amount_hkd: c.levy_amount_hkd.unsigned_abs(),
            }),
            visa_issued_on: w.worker.visa_issued_on,
            levy_paid: w.levy.is_some(),
            arrived_on: w.worker.arrived_on,
            briefing_due_on: w.worker.briefing_due_on,
            briefing_attended_on: w.briefings.iter().filter(|b| b.attended).map(|b| b.session_on).min(),
            separated_on: w.worker.separated_on,
            wage_payments: w
                .wage_payments
                .iter()
                .map(|p| {
                    (
                        p.wage_month,
                        serde_json::from_value(p.flags.clone()).unwrap_or_default(),
                    )
                })
                .collect(),
        }),
    }
}

/// Everything owed on these places today, in due-date order (undated last).
pub fn obligations(records: &[PlaceRecord], wage_due_days: u32, today: NaiveDate) -> Vec<Obligation> {
    let mut owed: Vec<Obligation> = records
        .iter()
        .flat_map(|r| place_obligations(&facts(r, today), wage_due_days, today))
        .collect();
    owed.sort_by_key(soonest_due_first);
    owed
}

/// Obligations in due-date order, those without a date last.
fn soonest_due_first(o: &Obligation) -> (bool, Option<NaiveDate>, ObligationKind) {
    (o.due_on.is_none(), o.due_on, o.kind)
}

/// R-RAT-1 after approval: the latest headcount return against the imported workers in post (the more
/// of what the return declares and what the service records), enterprise-wide and per post where policy
/// counts per post. Nothing when no return was filed.
/// `records` are all the employer's places.
pub async fn ratio_obligations(
    conn: &mut Conn,
    policy: &PolicySet,
    employer: EmployerId,
    records: &[PlaceRecord],
    today: NaiveDate,
) -> Result<Vec<Obligation>, ApiError> {
    let Some(headcount) = casework::latest_headcount_return(conn, employer, today).await? else {
        return Ok(Vec::new());
    };
    let in_post = PlacesInUse::from_records(records, today);
    let per = policy.get::<u32>(keys::RATIO_LOCAL_PER_IMPORTED, None, today)?.value;
    let mut owed: Vec<Obligation> = ratio_obligation(
        "the enterprise",
        headcount.full_time_locals.unsigned_abs(),
        in_post.in_post(None).max(headcount.imported_workers.unsigned_abs()),
        per,
        headcount.as_of,
    )
    .into_iter()
    .collect();
    for code in in_post.in_post.iter().filter_map(|(c, _)| c.as_deref()) {
        if policy.get::<RatioScope>(keys::RATIO_SCOPE, Some(code), today)?.value != RatioScope::PerPost {
            continue;
        }
        let per_post = policy
            .get::<u32>(keys::RATIO_LOCAL_PER_IMPORTED, Some(code), today)?
            .value;
        owed.extend(ratio_obligation(
            &format!("{code} posts"),
            headcount.locals_in(code),
            in_post.in_post(Some(code)).max(headcount.imported_in(code)),
            per_post,
            headcount.as_of,
        ));
    }
    Ok(owed)
}

/// Everything the employer owes today on its places (of one application, when given), with the ratio
/// against its latest headcount return: soonest due first.
pub async fn compliance(
    conn: &mut Conn,
    employer: EmployerId,
    application: Option<ApplicationId>,
    today: NaiveDate,
) -> Result<Vec<Obligation>, ApiError> {
    let policy = policy::load(conn).await?;
    let records = workers::load(conn, Places::OfEmployer(employer)).await?;
    owed_by(conn, &policy, employer, &records, application, today).await
}

/// For each employer with worker places (a page of them), everything it owes today.
pub async fn compliance_of(
    conn: &mut Conn,
    employers: &[EmployerId],
    today: NaiveDate,
) -> Result<Vec<(EmployerId, Vec<Obligation>)>, ApiError> {
    let policy = policy::load(conn).await?;
    let records = workers::load(conn, Places::OfEmployers(employers.to_vec())).await?;
    let mut owed = Vec::with_capacity(employers.len());
    for &employer in employers {
        let theirs: Vec<PlaceRecord> = records
            .iter()
            .filter(|r| r.place.employer_id == employer.0)
            .cloned()
            .collect();
        owed.push((employer, owed_by(conn, &policy, employer, &theirs, None, today).await?));
    }
    Ok(owed)
}

/// What `employer` owes on `records` (all its places), narrowed to one application when given.
async fn owed_by(
    conn: &mut Conn,
    policy: &PolicySet,
    employer: EmployerId,
    records: &[PlaceRecord],
    application: Option<ApplicationId>,
    today: NaiveDate,
) -> Result<Vec<Obligation>, ApiError> {
    let due_days = policy.get::<u32>(keys::WAGE_PAYMENT_DUE_DAYS, None, today)?.value;
    let mine: Vec<PlaceRecord> = records
        .iter()
        .filter(|r| application.is_none_or(|a| r.place.application_id == a.0))
        .cloned()
        .collect();
    let mut owed = obligations(&mine, due_days, today);
    owed.extend(ratio_obligations(conn, policy, employer, records, today).await?);
    owed.sort_by_key(soonest_due_first);
    Ok(owed)
}

/// How an employer's places use ratio capacity today, per designated category (`None`: other posts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlacesInUse {
    /// Places approved still waiting for their worker (allocated, visa applied or issued). Lapsed,
    /// revoked and ended places use nothing.
    pending: Vec<(Option<String>, u32)>,
    /// Workers the service has in post (arrived, contract not ended).
    in_post: Vec<(Option<String>, u32)>,
}

impl PlacesInUse {
    fn from_records<'r>(records: impl IntoIterator<Item = &'r PlaceRecord>, today: NaiveDate) -> Self {
        let mut uses = Self::default();
        for record in records {
            let state = record.state(today);
            let bucket = if state.in_post() {
                &mut uses.in_post
            } else if state.is_closed() {
                continue;
            } else {
                &mut uses.pending
            };
            let category = &record.designated_category_code;
            match bucket.iter_mut().find(|(c, _)| c == category) {
                Some((_, n)) => *n += 1,
                None => bucket.push((category.clone(), 1)),
            }
        }
        uses
    }

    fn total(counts: &[(Option<String>, u32)], category: Option<&str>) -> u32 {
        counts
            .iter()
            .filter(|(c, _)| category.is_none() || c.as_deref() == category)
            .map(|(_, n)| n)
            .sum()
    }

    /// Pending places in a category, or in all when `None`.
    pub fn pending(&self, category: Option<&str>) -> u32 {
        Self::total(&self.pending, category)
    }

    /// Workers in post in a category, or in all when `None`.
    pub fn in_post(&self, category: Option<&str>) -> u32 {
        Self::total(&self.in_post, category)
    }
}

/// The employer's places in use today, leaving out one application's (the one being decided).
pub async fn in_use(
    conn: &mut Conn,
    employer: EmployerId,
    excluding: Option<ApplicationId>,
    today: NaiveDate,
) -> Result<PlacesInUse, ApiError> {
    let records = workers::load(conn, Places::OfEmployer(employer)).await?;
    Ok(PlacesInUse::from_records(
        records
            .iter()
            .filter(|r| excluding.is_none_or(|a| r.place.application_id != a.0)),
        today,
    ))
}
