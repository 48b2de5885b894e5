//! Worker places and what is recorded for each worker after approval: contract, levy, visa, arrival,
//! briefings, wage payments.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use super::schema::{
    briefing_attendances, employment_contracts, levy_payments, vacancies, wage_payments, worker_places, workers,
};
use super::{enum_text, from_json, int, parse_enum, to_json, unsigned};
use crate::domain::worker::{
    BriefingSession, Contract, LevyPayment, Place, PlaceRecord, PlaceState, WagePayment, Worker, WorkerRecord,
};
use crate::domain::{ApplicationId, EmployerId, VacancyId};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = worker_places)]
struct PlaceRow {
    id: Uuid,
    application_id: Uuid,
    vacancy_id: Uuid,
    employer_id: Uuid,
    place_no: i32,
    aip_deadline: NaiveDate,
    aip_deadline_policy_id: Option<Uuid>,
    status: String,
    replacement_allowed: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<PlaceRow> for Place {
    type Error = diesel::result::Error;

    fn try_from(r: PlaceRow) -> QueryResult<Self> {
        Ok(Self {
            id: r.id,
            application_id: ApplicationId(r.application_id),
            vacancy_id: VacancyId(r.vacancy_id),
            employer_id: EmployerId(r.employer_id),
            place_no: unsigned(r.place_no),
            aip_deadline: r.aip_deadline,
            aip_deadline_policy_id: r.aip_deadline_policy_id,
            stored_state: parse_enum(&r.status)?,
            replacement_allowed: r.replacement_allowed,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = workers, treat_none_as_null = true)]
struct WorkerRow {
    id: Uuid,
    place_id: Uuid,
    application_id: Uuid,
    employer_id: Uuid,
    full_name: String,
    travel_document_hmac: String,
    travel_document_last4: String,
    nationality: String,
    mainland_resident: bool,
    recruiting_enterprise: Option<String>,
    date_of_birth: NaiveDate,
    checks: Value,
    visa_applied_on: Option<NaiveDate>,
    visa_issued_on: Option<NaiveDate>,
    visa_number: Option<String>,
    arrived_on: Option<NaiveDate>,
    arrival_port: Option<String>,
    briefing_due_on: Option<NaiveDate>,
    separated_on: Option<NaiveDate>,
    separation_type: Option<String>,
    departure_confirmed: Option<bool>,
    named_by: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<WorkerRow> for Worker {
    type Error = diesel::result::Error;

    fn try_from(r: WorkerRow) -> QueryResult<Self> {
        Ok(Self {
            id: r.id,
            place_id: r.place_id,
            application_id: ApplicationId(r.application_id),
            employer_id: EmployerId(r.employer_id),
            full_name: r.full_name,
            travel_document_hmac: r.travel_document_hmac,
            travel_document_last4: r.travel_document_last4,
            nationality: r.nationality,
            mainland_resident: r.mainland_resident,
            recruiting_enterprise: r.recruiting_enterprise,
            date_of_birth: r.date_of_birth,
            checks: from_json(r.checks)?,
            visa_applied_on: r.visa_applied_on,
            visa_issued_on: r.visa_issued_on,
            visa_number: r.visa_number,
            arrived_on: r.arrived_on,
            arrival_port: r.arrival_port,
            briefing_due_on: r.briefing_due_on,
            separated_on: r.separated_on,
            separation_type: r.separation_type.as_deref().map(parse_enum).transpose()?,
            departure_confirmed: r.departure_confirmed,
            named_by: r.named_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

impl WorkerRow {
    fn of(w: &Worker) -> QueryResult<Self> {
        Ok(Self {
            id: w.id,
            place_id: w.place_id,
            application_id: w.application_id.0,
            employer_id: w.employer_id.0,
            full_name: w.full_name.clone(),
            travel_document_hmac: w.travel_document_hmac.clone(),
            travel_document_last4: w.travel_document_last4.clone(),
            nationality: w.nationality.clone(),
            mainland_resident: w.mainland_resident,
            recruiting_enterprise: w.recruiting_enterprise.clone(),
            date_of_birth: w.date_of_birth,
            checks: to_json(&w.checks)?,
            visa_applied_on: w.visa_applied_on,
            visa_issued_on: w.visa_issued_on,
            visa_number: w.visa_number.clone(),
            arrived_on: w.arrived_on,
            arrival_port: w.arrival_port.clone(),
            briefing_due_on: w.briefing_due_on,
            separated_on: w.separated_on,
            separation_type: w.separation_type.as_ref().map(enum_text),
            departure_confirmed: w.departure_confirmed,
            named_by: w.named_by.clone(),
            created_at: w.created_at,
            updated_at: w.updated_at,
        })
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = employment_contracts, treat_none_as_null = true)]
struct ContractRow {
    worker_id: Uuid,
    template_version: String,
    signed_on: NaiveDate,
    post_code: Option<String>,
    monthly_wage_hkd: i32,
    normal_daily_hours: f64,
    overtime_terms: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    contract_months: i32,
    accommodation: String,
    accommodation_address: Option<String>,
    accommodation_deduction_hkd: i32,
    accommodation_actual_cost_hkd: Option<i32>,
    autopay_account_ref: String,
    levy_rate_hkd: i32,
    levy_amount_hkd: i32,
    checks: Value,
    version: i32,
    recorded_by: String,
    recorded_at: DateTime<Utc>,
}

impl TryFrom<ContractRow> for Contract {
    type Error = diesel::result::Error;

    fn try_from(r: ContractRow) -> QueryResult<Self> {
        Ok(Self {
            worker_id: r.worker_id,
            template_version: r.template_version,
            signed_on: r.signed_on,
            post_code: r.post_code,
            monthly_wage_hkd: unsigned(r.monthly_wage_hkd),
            normal_daily_hours: r.normal_daily_hours,
            overtime_terms: r.overtime_terms,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            contract_months: unsigned(r.contract_months),
            accommodation: parse_enum(&r.accommodation)?,
            accommodation_address: r.accommodation_address,
            accommodation_deduction_hkd: unsigned(r.accommodation_deduction_hkd),
            accommodation_actual_cost_hkd: r.accommodation_actual_cost_hkd.map(unsigned),
            autopay_account_ref: r.autopay_account_ref,
            levy_rate_hkd: unsigned(r.levy_rate_hkd),
            levy_amount_hkd: unsigned(r.levy_amount_hkd),
            checks: from_json(r.checks)?,
            version: r.version,
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
        })
    }
}

impl ContractRow {
    fn of(c: &Contract) -> QueryResult<Self> {
        Ok(Self {
            worker_id: c.worker_id,
            template_version: c.template_version.clone(),
            signed_on: c.signed_on,
            post_code: c.post_code.clone(),
            monthly_wage_hkd: int(c.monthly_wage_hkd),
            normal_daily_hours: c.normal_daily_hours,
            overtime_terms: c.overtime_terms.clone(),
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            contract_months: int(c.contract_months),
            accommodation: enum_text(&c.accommodation),
            accommodation_address: c.accommodation_address.clone(),
            accommodation_deduction_hkd: int(c.accommodation_deduction_hkd),
            accommodation_actual_cost_hkd: c.accommodation_actual_cost_hkd.map(int),
            autopay_account_ref: c.autopay_account_ref.clone(),
            levy_rate_hkd: int(c.levy_rate_hkd),
            levy_amount_hkd: int(c.levy_amount_hkd),
            checks: to_json(&c.checks)?,
            version: c.version,
            recorded_by: c.recorded_by.clone(),
            recorded_at: c.recorded_at,
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = levy_payments)]
struct LevyPaymentRow {
    id: Uuid,
    worker_id: Uuid,
    contract_months: i32,
    rate_hkd: i32,
    amount_hkd: i32,
    paid_on: NaiveDate,
    receipt_ref: String,
    non_refundable: bool,
    recorded_by: String,
    created_at: DateTime<Utc>,
}

impl From<LevyPaymentRow> for LevyPayment {
    fn from(r: LevyPaymentRow) -> Self {
        Self {
            id: r.id,
            worker_id: r.worker_id,
            contract_months: unsigned(r.contract_months),
            rate_hkd: unsigned(r.rate_hkd),
            amount_hkd: unsigned(r.amount_hkd),
            paid_on: r.paid_on,
            receipt_ref: r.receipt_ref,
            non_refundable: r.non_refundable,
            recorded_by: r.recorded_by,
            created_at: r.created_at,
        }
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = briefing_attendances)]
struct BriefingRow {
    id: Uuid,
    worker_id: Uuid,
    session_ref: String,
    session_on: NaiveDate,
    attended: bool,
    paid_leave_confirmed: bool,
    recorded_by: String,
    created_at: DateTime<Utc>,
}

impl From<BriefingRow> for BriefingSession {
    fn from(r: BriefingRow) -> Self {
        Self {
            id: r.id,
            worker_id: r.worker_id,
            session_ref: r.session_ref,
            session_on: r.session_on,
            attended: r.attended,
            paid_leave_confirmed: r.paid_leave_confirmed,
            recorded_by: r.recorded_by,
            created_at: r.created_at,
        }
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = wage_payments)]
struct WagePaymentRow {
    id: Uuid,
    worker_id: Uuid,
    wage_month: NaiveDate,
    gross_hkd: i32,
    deductions: Value,
    net_hkd: i32,
    autopay_ref: String,
    paid_on: NaiveDate,
    expected_hkd: i32,
    flags: Value,
    recorded_by: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<WagePaymentRow> for WagePayment {
    type Error = diesel::result::Error;

    fn try_from(r: WagePaymentRow) -> QueryResult<Self> {
        Ok(Self {
            id: r.id,
            worker_id: r.worker_id,
            month: r.wage_month,
            gross_hkd: unsigned(r.gross_hkd),
            deductions: from_json(r.deductions)?,
            net_hkd: unsigned(r.net_hkd),
            autopay_ref: r.autopay_ref,
            paid_on: r.paid_on,
            owed_hkd: unsigned(r.expected_hkd),
            flags: from_json(r.flags)?,
            recorded_by: r.recorded_by,
            created_at: r.created_at,
        })
    }
}

pub async fn insert_places(conn: &mut AsyncPgConnection, places: &[Place]) -> QueryResult<()> {
    let rows: Vec<PlaceRow> = places
        .iter()
        .map(|p| PlaceRow {
            id: p.id,
            application_id: p.application_id.0,
            vacancy_id: p.vacancy_id.0,
            employer_id: p.employer_id.0,
            place_no: int(p.place_no),
            aip_deadline: p.aip_deadline,
            aip_deadline_policy_id: p.aip_deadline_policy_id,
            status: enum_text(&p.stored_state),
            replacement_allowed: p.replacement_allowed,
            created_at: p.created_at,
            updated_at: p.updated_at,
        })
        .collect();
    diesel::insert_into(worker_places::table)
        .values(rows)
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

/// The application and employer a worker belongs to, if the caller may see the worker (`scope`: an
/// employer user sees its own only).
pub async fn owners_of(
    conn: &mut AsyncPgConnection,
    worker: Uuid,
    scope: Option<EmployerId>,
) -> QueryResult<(ApplicationId, EmployerId)> {
    let mut query = workers::table
        .filter(workers::id.eq(worker))
        .select((workers::application_id, workers::employer_id))
        .into_boxed();
    if let Some(employer) = scope {
        query = query.filter(workers::employer_id.eq(employer.0));
    }
    let (application, employer) = query.first::<(Uuid, Uuid)>(conn).await?;
    Ok((ApplicationId(application), EmployerId(employer)))
}

/// A place with its vacancy's title, code and category, and its worker.
type PlaceJoin = (PlaceRow, String, Option<String>, Option<String>, Option<WorkerRow>);

/// Places with their posts and workers, in application, vacancy and place order.
pub async fn load(conn: &mut AsyncPgConnection, which: Places) -> QueryResult<Vec<PlaceRecord>> {
    let mut query = worker_places::table
        .inner_join(vacancies::table)
        .left_join(workers::table)
        .select((
            PlaceRow::as_select(),
            vacancies::post_title,
            vacancies::post_code,
            vacancies::designated_category_code,
            Option::<WorkerRow>::as_select(),
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
    let rows: Vec<PlaceJoin> = query.load(conn).await?;
    let ids: Vec<Uuid> = rows.iter().filter_map(|r| r.4.as_ref().map(|w| w.id)).collect();
    let mut contracts: Vec<Contract> = employment_contracts::table
        .filter(employment_contracts::worker_id.eq_any(&ids))
        .select(ContractRow::as_select())
        .load::<ContractRow>(conn)
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect::<QueryResult<_>>()?;
    let mut levies: Vec<LevyPayment> = levy_payments::table
        .filter(levy_payments::worker_id.eq_any(&ids))
        .select(LevyPaymentRow::as_select())
        .load::<LevyPaymentRow>(conn)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    let briefings: Vec<BriefingSession> = briefing_attendances::table
        .filter(briefing_attendances::worker_id.eq_any(&ids))
        .order((briefing_attendances::session_on, briefing_attendances::created_at))
        .select(BriefingRow::as_select())
        .load::<BriefingRow>(conn)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    let wages: Vec<WagePayment> = wage_payments::table
        .filter(wage_payments::worker_id.eq_any(&ids))
        .order((wage_payments::wage_month, wage_payments::created_at))
        .select(WagePaymentRow::as_select())
        .load::<WagePaymentRow>(conn)
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect::<QueryResult<_>>()?;
    rows.into_iter()
        .map(|(place, post_title, post_code, designated_category_code, worker)| {
            let worker = worker
                .map(|row| -> QueryResult<WorkerRecord> {
                    let id = row.id;
                    Ok(WorkerRecord {
                        contract: take(&mut contracts, |c| c.worker_id == id),
                        levy: take(&mut levies, |l| l.worker_id == id),
                        briefings: briefings.iter().filter(|b| b.worker_id == id).cloned().collect(),
                        wage_payments: wages.iter().filter(|p| p.worker_id == id).cloned().collect(),
                        worker: row.try_into()?,
                    })
                })
                .transpose()?;
            Ok(PlaceRecord {
                place: place.try_into()?,
                post_title,
                post_code,
                designated_category_code,
                worker,
            })
        })
        .collect()
}

fn take<T>(items: &mut Vec<T>, matches: impl Fn(&T) -> bool) -> Option<T> {
    items.iter().position(matches).map(|i| items.swap_remove(i))
}

/// One worker's place and records, if the caller may see it (`scope`: the employer's own only).
pub async fn get(conn: &mut AsyncPgConnection, worker: Uuid, scope: Option<EmployerId>) -> QueryResult<PlaceRecord> {
    load(conn, Places::OfWorker(worker))
        .await?
        .into_iter()
        .find(|r| scope.is_none_or(|e| r.place.employer_id == e))
        .ok_or(diesel::result::Error::NotFound)
}

pub async fn insert_worker(conn: &mut AsyncPgConnection, worker: &Worker) -> QueryResult<()> {
    diesel::insert_into(workers::table)
        .values(WorkerRow::of(worker)?)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn save_worker(conn: &mut AsyncPgConnection, worker: &Worker) -> QueryResult<()> {
    diesel::update(workers::table.find(worker.id))
        .set(WorkerRow::of(worker)?)
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
            worker_places::status.eq(enum_text(&state)),
            worker_places::replacement_allowed.eq(replacement_allowed),
            worker_places::updated_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Workers named with this travel document (by its keyed hash).
pub async fn with_travel_document(conn: &mut AsyncPgConnection, hmac: &str) -> QueryResult<Vec<Uuid>> {
    workers::table
        .filter(workers::travel_document_hmac.eq(hmac))
        .select(workers::id)
        .load(conn)
        .await
}

/// Records the worker's contract, replacing the one recorded before.
pub async fn save_contract(conn: &mut AsyncPgConnection, contract: &Contract) -> QueryResult<()> {
    let row = ContractRow::of(contract)?;
    diesel::insert_into(employment_contracts::table)
        .values(&row)
        .on_conflict(employment_contracts::worker_id)
        .do_update()
        .set(&row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn insert_levy_payment(conn: &mut AsyncPgConnection, p: &LevyPayment) -> QueryResult<()> {
    diesel::insert_into(levy_payments::table)
        .values(LevyPaymentRow {
            id: p.id,
            worker_id: p.worker_id,
            contract_months: int(p.contract_months),
            rate_hkd: int(p.rate_hkd),
            amount_hkd: int(p.amount_hkd),
            paid_on: p.paid_on,
            receipt_ref: p.receipt_ref.clone(),
            non_refundable: p.non_refundable,
            recorded_by: p.recorded_by.clone(),
            created_at: p.created_at,
        })
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn insert_briefing(conn: &mut AsyncPgConnection, b: &BriefingSession) -> QueryResult<()> {
    diesel::insert_into(briefing_attendances::table)
        .values(BriefingRow {
            id: b.id,
            worker_id: b.worker_id,
            session_ref: b.session_ref.clone(),
            session_on: b.session_on,
            attended: b.attended,
            paid_leave_confirmed: b.paid_leave_confirmed,
            recorded_by: b.recorded_by.clone(),
            created_at: b.created_at,
        })
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn insert_wage_payment(conn: &mut AsyncPgConnection, p: &WagePayment) -> QueryResult<()> {
    diesel::insert_into(wage_payments::table)
        .values(WagePaymentRow {
            id: p.id,
            worker_id: p.worker_id,
            wage_month: p.month,
            gross_hkd: int(p.gross_hkd),
            deductions: to_json(&p.deductions)?,
            net_hkd: int(p.net_hkd),
            autopay_ref: p.autopay_ref.clone(),
            paid_on: p.paid_on,
            expected_hkd: int(p.owed_hkd),
            flags: to_json(&p.flags)?,
            recorded_by: p.recorded_by.clone(),
            created_at: p.created_at,
        })
        .execute(conn)
        .await
        .map(|_| ())
}
