//! Worker places and what is recorded for each worker after approval: contract, levy, visa, arrival,
//! briefings, wage payments.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use super::schema::{
    applications, briefing_attendances, employment_contracts, levy_payments, vacancies, wage_payments, worker_places,
    workers,
};
use crate::domain::worker::{PlaceState, effective_state};
use crate::domain::{ApplicationId, EmployerId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = worker_places)]
pub struct Place {
    pub id: Uuid,
    pub application_id: Uuid,
    pub vacancy_id: Uuid,
    pub employer_id: Uuid,
    pub place_no: i32,
    pub aip_deadline: NaiveDate,
    pub aip_deadline_policy_id: Option<Uuid>,
    pub status: String,
    pub replacement_allowed: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Place {
    pub fn stored_state(&self) -> PlaceState {
        // The column's CHECK allows only stored states.
        self.status.parse().unwrap_or(PlaceState::Allocated)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = workers, treat_none_as_null = true)]
pub struct Worker {
    pub id: Uuid,
    pub place_id: Uuid,
    pub application_id: Uuid,
    pub employer_id: Uuid,
    pub full_name: String,
    pub travel_document_hmac: String,
    pub travel_document_last4: String,
    pub nationality: String,
    pub mainland_resident: bool,
    pub recruiting_enterprise: Option<String>,
    pub date_of_birth: NaiveDate,
    pub checks: Value,
    pub visa_applied_on: Option<NaiveDate>,
    pub visa_issued_on: Option<NaiveDate>,
    pub visa_number: Option<String>,
    pub arrived_on: Option<NaiveDate>,
    pub arrival_port: Option<String>,
    pub briefing_due_on: Option<NaiveDate>,
    pub separated_on: Option<NaiveDate>,
    pub separation_type: Option<String>,
    pub departure_confirmed: Option<bool>,
    pub named_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = employment_contracts, treat_none_as_null = true)]
pub struct Contract {
    pub worker_id: Uuid,
    pub template_version: String,
    pub signed_on: NaiveDate,
    pub post_code: Option<String>,
    pub monthly_wage_hkd: i32,
    pub normal_daily_hours: f64,
    pub overtime_terms: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub contract_months: i32,
    pub accommodation: String,
    pub accommodation_address: Option<String>,
    pub accommodation_deduction_hkd: i32,
    pub accommodation_actual_cost_hkd: Option<i32>,
    pub autopay_account_ref: String,
    pub levy_rate_hkd: i32,
    pub levy_amount_hkd: i32,
    pub checks: Value,
    pub version: i32,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = levy_payments)]
pub struct LevyPayment {
    pub id: Uuid,
    pub worker_id: Uuid,
    pub contract_months: i32,
    pub rate_hkd: i32,
    pub amount_hkd: i32,
    pub paid_on: NaiveDate,
    pub receipt_ref: String,
    pub non_refundable: bool,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = briefing_attendances)]
pub struct Briefing {
    pub id: Uuid,
    pub worker_id: Uuid,
    pub session_ref: String,
    pub session_on: NaiveDate,
    pub attended: bool,
    pub paid_leave_confirmed: bool,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = wage_payments)]
pub struct WagePayment {
    pub id: Uuid,
    pub worker_id: Uuid,
    pub wage_month: NaiveDate,
    pub gross_hkd: i32,
    pub deductions: Value,
    pub net_hkd: i32,
    pub autopay_ref: String,
    pub paid_on: NaiveDate,
    pub expected_hkd: i32,
    pub flags: Value,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

/// Everything recorded for a named worker.
#[derive(Debug, Clone)]
pub struct WorkerRecord {
    pub worker: Worker,
    pub contract: Option<Contract>,
    pub levy: Option<LevyPayment>,
    /// Oldest session first.
    pub briefings: Vec<Briefing>,
    /// Oldest month first; a month's transfers in the order recorded.
    pub wage_payments: Vec<WagePayment>,
}

/// A place, its approved post, and its worker when one is named.
#[derive(Debug, Clone)]
pub struct PlaceRecord {
    pub place: Place,
    pub post_title: String,
    pub post_code: Option<String>,
    pub designated_category_code: Option<String>,
    pub worker: Option<WorkerRecord>,
}

impl PlaceRecord {
    /// The place's state today.
    pub fn state(&self, today: NaiveDate) -> PlaceState {
        let contract = self
            .worker
            .as_ref()
            .and_then(|w| w.contract.as_ref())
            .map(|c| (c.starts_on, c.ends_on));
        effective_state(self.place.stored_state(), self.place.aip_deadline, contract, today)
    }
}

pub async fn insert_places(conn: &mut AsyncPgConnection, places: &[Place]) -> QueryResult<()> {
    diesel::insert_into(worker_places::table)
        .values(places)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Which places to load.
#[derive(Debug, Clone)]
pub enum Places {
    OfApplication(ApplicationId),
    OfEmployer(EmployerId),
    OfEmployers(Vec<EmployerId>),
    OfWorker(Uuid),
}

/// Locks the application (FOR UPDATE) for the rest of the transaction. Its row guards its places:
/// naming a worker, every change to a place and every lifecycle action take it first, so they queue
/// instead of racing for the last place, and never deadlock (one lock, always the first).
pub async fn lock_application(conn: &mut AsyncPgConnection, application: ApplicationId) -> QueryResult<()> {
    applications::table
        .find(application.0)
        .select(applications::id)
        .for_update()
        .load::<Uuid>(conn)
        .await
        .map(|_| ())
}

/// The application a worker belongs to, if the caller may see the worker.
pub async fn application_of(
    conn: &mut AsyncPgConnection,
    worker: Uuid,
    scope: Option<EmployerId>,
) -> QueryResult<ApplicationId> {
    let mut query = workers::table
        .filter(workers::id.eq(worker))
        .select(workers::application_id)
        .into_boxed();
    if let Some(employer) = scope {
        query = query.filter(workers::employer_id.eq(employer.0));
    }
    query.first(conn).await.map(ApplicationId)
}

/// Places with their posts and workers, in application, vacancy and place order.
pub async fn load(conn: &mut AsyncPgConnection, which: Places) -> QueryResult<Vec<PlaceRecord>> {
    let mut query = worker_places::table
        .inner_join(vacancies::table)
        .left_join(workers::table)
        .select((
            Place::as_select(),
            vacancies::post_title,
            vacancies::post_code,
            vacancies::designated_category_code,
            Option::<Worker>::as_select(),
        ))
        .order((
            worker_places::application_id,
            vacancies::position,
            worker_places::place_no,
        ))
        .into_boxed();
    query = match which {
        Places::OfApplication(id) => query.filter(worker_places::application_id.eq(id.0)),
        Places::OfEmployer(id) => query.filter(worker_places::employer_id.eq(id.0)),
        Places::OfEmployers(ids) => {
            query.filter(worker_places::employer_id.eq_any(ids.into_iter().map(|e| e.0).collect::<Vec<_>>()))
        }
        Places::OfWorker(id) => query.filter(workers::id.eq(id)),
    };
    let rows: Vec<PlaceRow> = query.load(conn).await?;
    let ids: Vec<Uuid> = rows.iter().filter_map(|r| r.4.as_ref().map(|w| w.id)).collect();
    let mut contracts: Vec<Contract> = employment_contracts::table
        .filter(employment_contracts::worker_id.eq_any(&ids))
        .select(Contract::as_select())
        .load(conn)
        .await?;
    let mut levies: Vec<LevyPayment> = levy_payments::table
        .filter(levy_payments::worker_id.eq_any(&ids))
        .select(LevyPayment::as_select())
        .load(conn)
        .await?;
    let briefings: Vec<Briefing> = briefing_attendances::table
        .filter(briefing_attendances::worker_id.eq_any(&ids))
        .order((briefing_attendances::session_on, briefing_attendances::created_at))
        .select(Briefing::as_select())
        .load(conn)
        .await?;
    let wages: Vec<WagePayment> = wage_payments::table
        .filter(wage_payments::worker_id.eq_any(&ids))
        .order((wage_payments::wage_month, wage_payments::created_at))
        .select(WagePayment::as_select())
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(place, post_title, post_code, designated_category_code, worker)| {
            let worker = worker.map(|worker| {
                let id = worker.id;
                WorkerRecord {
                    contract: take(&mut contracts, |c| c.worker_id == id),
                    levy: take(&mut levies, |l| l.worker_id == id),
                    briefings: briefings.iter().filter(|b| b.worker_id == id).cloned().collect(),
                    wage_payments: wages.iter().filter(|p| p.worker_id == id).cloned().collect(),
                    worker,
                }
            });
            PlaceRecord {
                place,
                post_title,
                post_code,
                designated_category_code,
                worker,
            }
        })
        .collect())
}

/// A place with its vacancy's title, code and category, and its worker.
type PlaceRow = (Place, String, Option<String>, Option<String>, Option<Worker>);

fn take<T>(items: &mut Vec<T>, matches: impl Fn(&T) -> bool) -> Option<T> {
    items.iter().position(matches).map(|i| items.swap_remove(i))
}

/// One worker's place and records, if the caller may see it (`scope`: the employer's own only).
pub async fn get(conn: &mut AsyncPgConnection, worker: Uuid, scope: Option<EmployerId>) -> QueryResult<PlaceRecord> {
    load(conn, Places::OfWorker(worker))
        .await?
        .into_iter()
        .find(|r| scope.is_none_or(|e| r.place.employer_id == e.0))
        .ok_or(diesel::result::Error::NotFound)
}

pub async fn insert_worker(conn: &mut AsyncPgConnection, worker: &Worker) -> QueryResult<()> {
    diesel::insert_into(workers::table)
        .values(worker)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn save_worker(conn: &mut AsyncPgConnection, worker: &Worker) -> QueryResult<()> {
    diesel::update(workers::table.find(worker.id))
        .set(worker)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn set_place_status(
    conn: &mut AsyncPgConnection,
    place: Uuid,
    state: PlaceState,
    replacement_allowed: bool,
) -> QueryResult<()> {
    diesel::update(worker_places::table.find(place))
        .set((
            worker_places::status.eq(state.as_str()),
            worker_places::replacement_allowed.eq(replacement_allowed),
            worker_places::updated_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Workers named with this travel document (by its keyed hash), with their places.
pub async fn with_travel_document(conn: &mut AsyncPgConnection, hmac: &str) -> QueryResult<Vec<Uuid>> {
    workers::table
        .filter(workers::travel_document_hmac.eq(hmac))
        .select(workers::id)
        .load(conn)
        .await
}

pub async fn save_contract(conn: &mut AsyncPgConnection, contract: &Contract) -> QueryResult<()> {
    diesel::insert_into(employment_contracts::table)
        .values(contract)
        .on_conflict(employment_contracts::worker_id)
        .do_update()
        .set(contract)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn insert_levy_payment(conn: &mut AsyncPgConnection, payment: &LevyPayment) -> QueryResult<()> {
    diesel::insert_into(levy_payments::table)
        .values(payment)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn insert_briefing(conn: &mut AsyncPgConnection, briefing: &Briefing) -> QueryResult<()> {
    diesel::insert_into(briefing_attendances::table)
        .values(briefing)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn insert_wage_payment(conn: &mut AsyncPgConnection, payment: &WagePayment) -> QueryResult<()> {
    diesel::insert_into(wage_payments::table)
        .values(payment)
        .execute(conn)
        .await
        .map(|_| ())
}
