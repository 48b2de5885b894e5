//! Applications and their vacancies.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::pagination::{Cursor, Page};
use super::schema::{applications, vacancies};
use crate::domain::application::{Application, ApplicationType, DraftChanges, StoredVacancy, VacancyProgress};
use crate::domain::{ApplicationId, ApplicationStatus, EmployerId, NewApplication, Vacancy, VacancyId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = applications)]
struct ApplicationRow {
    id: Uuid,
    reference: String,
    employer_id: Uuid,
    status: String,
    justification: String,
    version: i32,
    created_by: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    submitted_at: Option<DateTime<Utc>>,
    application_type: String,
    submitted_on: Option<NaiveDate>,
    screened_in_on: Option<NaiveDate>,
    recommended_by: Option<String>,
    decided_by: Option<String>,
    decided_on: Option<NaiveDate>,
    assignee: Option<String>,
    assigned_at: Option<DateTime<Utc>>,
    sla_due_on: Option<NaiveDate>,
    sla_paused_since: Option<NaiveDate>,
    sla_breached_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = vacancies)]
struct VacancyRow {
    id: Uuid,
    application_id: Uuid,
    post_title: String,
    designated_category_code: Option<String>,
    workers_requested: i32,
    monthly_wage_hkd: i32,
    normal_daily_hours: f64,
    duties: String,
    entry_requirements: Option<String>,
    workplace_addresses: Vec<Option<String>>,
    post_code: Option<String>,
    industry_sector: String,
    wage_table_id_at_submission: Option<Uuid>,
    median_at_submission_hkd: Option<i32>,
    wage_table_id_at_decision: Option<Uuid>,
    median_at_decision_hkd: Option<i32>,
    benchmark_median_hkd: Option<i32>,
    benchmark_source: Option<String>,
    recruitment_days: Option<i32>,
    recruitment_starts_on: Option<NaiveDate>,
    recruitment_ends_on: Option<NaiveDate>,
    job_fair_required: Option<bool>,
    places_approved: Option<i32>,
}

#[derive(Insertable)]
#[diesel(table_name = applications)]
struct NewApplicationRow<'a> {
    id: Uuid,
    employer_id: Uuid,
    application_type: &'a str,
    justification: &'a str,
    created_by: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = vacancies)]
struct NewVacancyRow<'a> {
    id: Uuid,
    application_id: Uuid,
    position: i16,
    post_title: &'a str,
    designated_category_code: Option<&'a str>,
    workers_requested: i32,
    monthly_wage_hkd: i32,
    normal_daily_hours: f64,
    duties: &'a str,
    entry_requirements: Option<&'a str>,
    workplace_addresses: Vec<&'a str>,
    post_code: Option<&'a str>,
    industry_sector: &'a str,
}

/// Non-negative integers stored as `integer` (CHECK constraints keep them so).
fn count(value: Option<i32>) -> Option<u32> {
    value.map(i32::unsigned_abs)
}

fn int(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

impl From<VacancyRow> for StoredVacancy {
    fn from(row: VacancyRow) -> Self {
        Self {
            id: VacancyId(row.id),
            vacancy: Vacancy {
                post_title: row.post_title,
                designated_category_code: row.designated_category_code,
                // The CHECK constraints keep these positive and small.
                workers_requested: row.workers_requested.unsigned_abs(),
                monthly_wage_hkd: row.monthly_wage_hkd.unsigned_abs(),
                normal_daily_hours: row.normal_daily_hours,
                duties: row.duties,
                entry_requirements: row.entry_requirements,
                workplace_addresses: row.workplace_addresses.into_iter().flatten().collect(),
                post_code: row.post_code,
                industry_sector: row.industry_sector,
            },
            progress: VacancyProgress {
                wage_table_id_at_submission: row.wage_table_id_at_submission,
                median_at_submission_hkd: count(row.median_at_submission_hkd),
                wage_table_id_at_decision: row.wage_table_id_at_decision,
                median_at_decision_hkd: count(row.median_at_decision_hkd),
                benchmark_median_hkd: count(row.benchmark_median_hkd),
                benchmark_source: row.benchmark_source,
                recruitment_days: count(row.recruitment_days),
                recruitment_starts_on: row.recruitment_starts_on,
                recruitment_ends_on: row.recruitment_ends_on,
                job_fair_required: row.job_fair_required,
                places_approved: count(row.places_approved),
            },
        }
    }
}

fn assemble(row: ApplicationRow, vacancies: Vec<StoredVacancy>) -> QueryResult<Application> {
    let status = row
        .status
        .parse::<ApplicationStatus>()
        .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
    Ok(Application {
        id: ApplicationId(row.id),
        reference: row.reference,
        employer_id: EmployerId(row.employer_id),
        status,
        justification: row.justification,
        version: row.version,
        created_by: row.created_by,
        created_at: row.created_at,
        updated_at: row.updated_at,
        submitted_at: row.submitted_at,
        application_type: ApplicationType::parse(&row.application_type).ok_or_else(|| {
            diesel::result::Error::DeserializationError(format!("application type {}", row.application_type).into())
        })?,
        submitted_on: row.submitted_on,
        screened_in_on: row.screened_in_on,
        recommended_by: row.recommended_by,
        decided_by: row.decided_by,
        decided_on: row.decided_on,
        vacancies,
        assignee: row.assignee,
        assigned_at: row.assigned_at,
        sla_due_on: row.sla_due_on,
        sla_paused_since: row.sla_paused_since,
        sla_breached_on: row.sla_breached_on,
    })
}

async fn insert_vacancies(
    conn: &mut AsyncPgConnection,
    application_id: ApplicationId,
    list: &[Vacancy],
) -> QueryResult<()> {
    let rows: Vec<NewVacancyRow<'_>> = list
        .iter()
        .enumerate()
        .map(|(position, v)| NewVacancyRow {
            id: Uuid::new_v4(),
            application_id: application_id.0,
            position: i16::try_from(position).unwrap_or(i16::MAX),
            post_title: &v.post_title,
            designated_category_code: v.designated_category_code.as_deref(),
            workers_requested: int(v.workers_requested),
            monthly_wage_hkd: int(v.monthly_wage_hkd),
            normal_daily_hours: v.normal_daily_hours,
            duties: &v.duties,
            entry_requirements: v.entry_requirements.as_deref(),
            workplace_addresses: v.workplace_addresses.iter().map(String::as_str).collect(),
            post_code: v.post_code.as_deref(),
            industry_sector: &v.industry_sector,
        })
        .collect();
    diesel::insert_into(vacancies::table).values(rows).execute(conn).await?;
    Ok(())
}

async fn load_vacancies(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<HashMap<Uuid, Vec<StoredVacancy>>> {
    let rows: Vec<VacancyRow> = vacancies::table
        .filter(vacancies::application_id.eq_any(ids))
        .order((vacancies::application_id, vacancies::position))
        .select(VacancyRow::as_select())
        .load(conn)
        .await?;
    let mut by_application: HashMap<Uuid, Vec<StoredVacancy>> = HashMap::new();
    for row in rows {
        by_application.entry(row.application_id).or_default().push(row.into());
    }
    Ok(by_application)
}

/// Stores a new draft with its vacancies.
pub async fn insert(conn: &mut AsyncPgConnection, new: &NewApplication, created_by: &str) -> QueryResult<Application> {
    let id = ApplicationId::new();
    diesel::insert_into(applications::table)
        .values(NewApplicationRow {
            id: id.0,
            employer_id: new.employer_id.0,
            application_type: new.application_type.as_str(),
            justification: &new.justification,
            created_by,
        })
        .execute(conn)
        .await?;
    insert_vacancies(conn, id, &new.vacancies).await?;
    get(conn, id, None).await
}

/// The case `id`, confined to the `scope` employer when there is one. One query shape for both, so it
/// can also be locked (diesel cannot lock a boxed query).
fn scoped(id: ApplicationId, scope: Option<EmployerId>) -> ScopedQuery {
    let unscoped = scope.is_none();
    let own = scope.map_or(Uuid::nil(), |s| s.0);
    applications::table.filter(applications::id.eq(id.0)).filter(
        applications::employer_id
            .eq(own)
            .or(unscoped.into_sql::<diesel::sql_types::Bool>()),
    )
}

type ScopedQuery = diesel::dsl::Filter<
    diesel::dsl::Filter<applications::table, diesel::dsl::Eq<applications::id, Uuid>>,
    diesel::dsl::Or<
        diesel::dsl::Eq<applications::employer_id, Uuid>,
        diesel::dsl::AsExprOf<bool, diesel::sql_types::Bool>,
    >,
>;

/// One application with its vacancies; `scope` confines an employer user to its own cases.
pub async fn get(
    conn: &mut AsyncPgConnection,
    id: ApplicationId,
    scope: Option<EmployerId>,
) -> QueryResult<Application> {
    let row = scoped(id, scope)
        .select(ApplicationRow::as_select())
        .first(conn)
        .await?;
    let vacancies = load_vacancies(conn, &[row.id])
        .await?
        .remove(&row.id)
        .unwrap_or_default();
    assemble(row, vacancies)
}

/// Like [`get`], and locks the row until the transaction ends, so concurrent changes to one case (and
/// to its worker places, which it guards) are applied one after the other. `FOR NO KEY UPDATE`: rows
/// referring to the case can still be inserted.
pub async fn get_for_update(
    conn: &mut AsyncPgConnection,
    id: ApplicationId,
    scope: Option<EmployerId>,
) -> QueryResult<Application> {
    let row = scoped(id, scope)
        .select(ApplicationRow::as_select())
        .for_no_key_update()
        .first(conn)
        .await?;
    let vacancies = load_vacancies(conn, &[row.id])
        .await?
        .remove(&row.id)
        .unwrap_or_default();
    assemble(row, vacancies)
}

/// The employer a case belongs to (it never changes), if the caller may see the case.
pub async fn employer_of(
    conn: &mut AsyncPgConnection,
    id: ApplicationId,
    scope: Option<EmployerId>,
) -> QueryResult<EmployerId> {
    scoped(id, scope)
        .select(applications::employer_id)
        .first::<Uuid>(conn)
        .await
        .map(EmployerId)
}

/// What a staff list can be narrowed to.
#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    pub status: Option<ApplicationStatus>,
    pub employer_id: Option<EmployerId>,
    /// In this officer's queue.
    pub assignee: Option<String>,
    /// `true`: in nobody's queue; `false`: in someone's.
    pub assigned: Option<bool>,
    /// `true`: recorded as past the processing target; `false`: not.
    pub breached: Option<bool>,
    /// Only cases not yet decided (what queues hold).
    pub undecided_only: bool,
    /// Only these cases (what an agency is authorised for).
    pub only: Option<Vec<Uuid>>,
}

/// The names of the statuses of a case not yet decided (what queues and the SLA timer look at).
pub(crate) fn undecided() -> Vec<&'static str> {
    ApplicationStatus::ALL
        .into_iter()
        .filter(|s| s.is_pre_decision())
        .map(ApplicationStatus::as_str)
        .collect()
}

/// The order of a list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ListOrder {
    /// Newest first (the cursor names the last item's creation).
    #[default]
    Newest,
    /// Soonest SLA due date first as of this day, cases without one left out (the cursor names the
    /// last item's due date, at midnight UTC).
    SlaDue(NaiveDate),
}

/// The SLA due date as of `today` in SQL: the stored date moved on by each day of an open pause (the
/// same rule as `domain::timers::sla_due_on`).
fn sla_due_as_of(
    today: NaiveDate,
) -> Box<dyn BoxableExpression<applications::table, diesel::pg::Pg, SqlType = diesel::sql_types::Date>> {
    Box::new(
        diesel::dsl::sql::<diesel::sql_types::Date>(
            "(applications.sla_due_on + CASE WHEN applications.sla_paused_since IS NULL THEN 0 ELSE GREATEST(0, ",
        )
        .bind::<diesel::sql_types::Date, _>(today)
        .sql(" - applications.sla_paused_since) END)"),
    )
}

/// Applications one page at a time, in `order`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &ApplicationFilter,
    scope: Option<EmployerId>,
    order: ListOrder,
    after: Option<Cursor>,
    limit: usize,
) -> QueryResult<Page<Application>> {
    let mut query = applications::table.into_boxed();
    if let Some(own) = scope {
        query = query.filter(applications::employer_id.eq(own.0));
    }
    if let Some(employer) = filter.employer_id {
        query = query.filter(applications::employer_id.eq(employer.0));
    }
    if let Some(status) = filter.status {
        query = query.filter(applications::status.eq(status.as_str()));
    }
    if let Some(only) = &filter.only {
        query = query.filter(applications::id.eq_any(only.clone()));
    }
    if let Some(assignee) = &filter.assignee {
        query = query.filter(applications::assignee.eq(assignee.clone()));
    }
    match filter.assigned {
        Some(true) => query = query.filter(applications::assignee.is_not_null()),
        Some(false) => query = query.filter(applications::assignee.is_null()),
        None => {}
    }
    match filter.breached {
        Some(true) => query = query.filter(applications::sla_breached_on.is_not_null()),
        Some(false) => query = query.filter(applications::sla_breached_on.is_null()),
        None => {}
    }
    if filter.undecided_only {
        query = query.filter(applications::status.eq_any(undecided()));
    }
    query = match order {
        ListOrder::Newest => {
            if let Some(cursor) = after {
                query = query.filter(
                    applications::created_at
                        .lt(cursor.created_at)
                        .or(applications::created_at
                            .eq(cursor.created_at)
                            .and(applications::id.lt(cursor.id))),
                );
            }
            query.order((applications::created_at.desc(), applications::id.desc()))
        }
        ListOrder::SlaDue(today) => {
            query = query.filter(applications::sla_due_on.is_not_null());
            if let Some(cursor) = after {
                let due = cursor.created_at.date_naive();
                query = query.filter(
                    sla_due_as_of(today)
                        .gt(due)
                        .or(sla_due_as_of(today).eq(due).and(applications::id.gt(cursor.id))),
                );
            }
            query.order((sla_due_as_of(today).asc(), applications::id.asc()))
        }
    };
    let rows: Vec<ApplicationRow> = query
        .select(ApplicationRow::as_select())
        .limit(limit as i64 + 1)
        .load(conn)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut vacancies = load_vacancies(conn, &ids).await?;
    let items = rows
        .into_iter()
        .map(|row| {
            let own = vacancies.remove(&row.id).unwrap_or_default();
            assemble(row, own)
        })
        .collect::<QueryResult<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, limit, |a| Cursor {
        created_at: match (order, a.sla_due_on) {
            (ListOrder::SlaDue(today), Some(due)) => crate::domain::timers::sla_due_on(due, a.sla_paused_since, today)
                .and_hms_opt(0, 0, 0)
                .map_or(a.created_at, |t| t.and_utc()),
            _ => a.created_at,
        },
        id: a.id.0,
    }))
}

/// Stores the SLA clock: its due date with every ended pause counted in, and the open pause's start.
/// The caller holds the row lock; the change that moved the clock bumps the version.
pub async fn store_sla(
    conn: &mut AsyncPgConnection,
    id: ApplicationId,
    due_on: NaiveDate,
    paused_since: Option<NaiveDate>,
) -> QueryResult<()> {
    diesel::update(applications::table.filter(applications::id.eq(id.0)))
        .set((
            applications::sla_due_on.eq(due_on),
            applications::sla_paused_since.eq(paused_since),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Puts the case in `assignee`'s queue (`None`: nobody's), and bumps its version.
pub async fn set_assignee(
    conn: &mut AsyncPgConnection,
    id: ApplicationId,
    assignee: Option<&str>,
) -> QueryResult<Application> {
    let assigned_at = assignee.map(|_| Utc::now());
    diesel::update(applications::table.filter(applications::id.eq(id.0)))
        .set((
            applications::assignee.eq(assignee),
            applications::assigned_at.eq(assigned_at),
            applications::version.eq(applications::version + 1),
            applications::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    get(conn, id, None).await
}

/// Records the day the case passed its processing target, and bumps its version.
pub async fn record_sla_breach(
    conn: &mut AsyncPgConnection,
    id: ApplicationId,
    on: NaiveDate,
) -> QueryResult<Application> {
    diesel::update(applications::table.filter(applications::id.eq(id.0)))
        .set((
            applications::sla_breached_on.eq(on),
            applications::version.eq(applications::version + 1),
            applications::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    get(conn, id, None).await
}

/// How many undecided cases are in `assignee`'s queue, in nobody's, and recorded as breached.
pub async fn queue_counts(conn: &mut AsyncPgConnection, assignee: &str) -> QueryResult<(i64, i64, i64)> {
    use diesel::dsl::sql;
    use diesel::sql_types::BigInt;
    applications::table
        .filter(applications::status.eq_any(undecided()))
        .select((
            sql::<BigInt>("count(*) FILTER (WHERE assignee = ")
                .bind::<diesel::sql_types::Text, _>(assignee)
                .sql(")"),
            sql::<BigInt>("count(*) FILTER (WHERE assignee IS NULL)"),
            sql::<BigInt>("count(*) FILTER (WHERE sla_breached_on IS NOT NULL)"),
        ))
        .get_result(conn)
        .await
}

/// Applies `changes` to a draft and bumps its version. The caller holds the row lock.
pub async fn update_draft(
    conn: &mut AsyncPgConnection,
    id: ApplicationId,
    changes: &DraftChanges,
) -> QueryResult<Application> {
    diesel::update(applications::table.filter(applications::id.eq(id.0)))
        .set((
            changes
                .justification
                .as_deref()
                .map(|j| applications::justification.eq(j)),
            applications::version.eq(applications::version + 1),
            applications::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    if let Some(list) = &changes.vacancies {
        diesel::delete(vacancies::table.filter(vacancies::application_id.eq(id.0)))
            .execute(conn)
            .await?;
        insert_vacancies(conn, id, list).await?;
    }
    get(conn, id, None).await
}

/// Moves a case to `to` (as decided by the lifecycle) on the date `on`, and bumps its version. The
/// caller holds the row lock. `submitted_at` is stamped when the case is submitted; `closed_on` when it
/// reaches a terminal status; `recruitment_completed_on` when recruitment completes.
pub async fn set_status(
    conn: &mut AsyncPgConnection,
    id: ApplicationId,
    to: ApplicationStatus,
    stamp_submitted: bool,
    on: NaiveDate,
) -> QueryResult<Application> {
    let submitted_at = stamp_submitted.then_some(applications::submitted_at.eq(diesel::dsl::now));
    let closed_on = to.is_terminal().then_some(applications::closed_on.eq(on));
    let recruitment_completed =
        (to == ApplicationStatus::RecruitmentReview).then_some(applications::recruitment_completed_on.eq(on));
    diesel::update(applications::table.filter(applications::id.eq(id.0)))
        .set((
            applications::status.eq(to.as_str()),
            applications::version.eq(applications::version + 1),
            applications::updated_at.eq(diesel::dsl::now),
            submitted_at,
            closed_on,
            recruitment_completed,
        ))
        .execute(conn)
        .await?;
    get(conn, id, None).await
}

/// Stamps the submission date and each vacancy's median snapshot (table in force on that date).
pub async fn record_submission(
    conn: &mut AsyncPgConnection,
    id: ApplicationId,
    submitted_on: NaiveDate,
    medians: &[(VacancyId, Option<(Uuid, u32)>)],
) -> QueryResult<()> {
    diesel::update(applications::table.filter(applications::id.eq(id.0)))
        .set(applications::submitted_on.eq(submitted_on))
        .execute(conn)
        .await?;
    for (vacancy, median) in medians {
        diesel::update(vacancies::table.filter(vacancies::id.eq(vacancy.0)))
            .set((
                vacancies::wage_table_id_at_submission.eq(median.map(|(t, _)| t)),
                vacancies::median_at_submission_hkd.eq(median.map(|(_, m)| int(m))),
            ))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// One vacancy's local recruitment period, set at screen-in.
#[derive(Debug, Clone)]
pub struct RecruitmentPeriod {
    pub vacancy: VacancyId,
    pub days: u32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub job_fair_required: bool,
}

pub async fn record_screen_in(
    conn: &mut AsyncPgConnection,
    id: ApplicationId,
    screened_in_on: NaiveDate,
    periods: &[RecruitmentPeriod],
) -> QueryResult<()> {
    diesel::update(applications::table.filter(applications::id.eq(id.0)))
        .set(applications::screened_in_on.eq(screened_in_on))
        .execute(conn)
        .await?;
    for p in periods {
        diesel::update(vacancies::table.filter(vacancies::id.eq(p.vacancy.0)))
            .set((
                vacancies::recruitment_days.eq(int(p.days)),
                vacancies::recruitment_starts_on.eq(p.starts_on),
                vacancies::recruitment_ends_on.eq(p.ends_on),
                vacancies::job_fair_required.eq(p.job_fair_required),
            ))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Sets a non-common post's benchmark median (R-WAGE-4) and bumps the case's version.
pub async fn set_benchmark(
    conn: &mut AsyncPgConnection,
    id: ApplicationId,
    vacancy: VacancyId,
    median: u32,
    source: &str,
) -> QueryResult<Application> {
    let changed =
        diesel::update(vacancies::table.filter(vacancies::id.eq(vacancy.0).and(vacancies::application_id.eq(id.0))))
            .set((
                vacancies::benchmark_median_hkd.eq(int(median)),
                vacancies::benchmark_source.eq(source),
            ))
            .execute(conn)
            .await?;
    if changed == 0 {
        return Err(diesel::result::Error::NotFound);
    }
    bump(conn, id).await?;
    get(conn, id, None).await
}

async fn bump(conn: &mut AsyncPgConnection, id: ApplicationId) -> QueryResult<()> {
    diesel::update(applications::table.filter(applications::id.eq(id.0)))
        .set((
            applications::version.eq(applications::version + 1),
            applications::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn record_recommendation(conn: &mut AsyncPgConnection, id: ApplicationId, by: &str) -> QueryResult<()> {
    diesel::update(applications::table.filter(applications::id.eq(id.0)))
        .set(applications::recommended_by.eq(by))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Places granted to one vacancy, with the decision-date median that bound them.
#[derive(Debug, Clone)]
pub struct VacancyDecision {
    pub vacancy: VacancyId,
    pub places: u32,
    pub median_at_decision: Option<(Uuid, u32)>,
}

pub async fn record_decision(
    conn: &mut AsyncPgConnection,
    id: ApplicationId,
    decided_by: &str,
    decided_on: NaiveDate,
    vacancies_decided: &[VacancyDecision],
) -> QueryResult<()> {
    diesel::update(applications::table.filter(applications::id.eq(id.0)))
        .set((
            applications::decided_by.eq(decided_by),
            applications::decided_on.eq(decided_on),
        ))
        .execute(conn)
        .await?;
    for d in vacancies_decided {
        diesel::update(vacancies::table.filter(vacancies::id.eq(d.vacancy.0)))
            .set((
                vacancies::places_approved.eq(int(d.places)),
                vacancies::wage_table_id_at_decision.eq(d.median_at_decision.map(|(t, _)| t)),
                vacancies::median_at_decision_hkd.eq(d.median_at_decision.map(|(_, m)| int(m))),
            ))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// The latest submission date of the employer's other new (not renewal) applications: what starts
/// the six-month bar. Renewals are exempt from the bar, and do not start one either.
pub async fn last_submission_on(
    conn: &mut AsyncPgConnection,
    employer: EmployerId,
    excluding: ApplicationId,
) -> QueryResult<Option<NaiveDate>> {
    applications::table
        .filter(
            applications::employer_id
                .eq(employer.0)
                .and(applications::id.ne(excluding.0)),
        )
        .filter(applications::application_type.eq(ApplicationType::New.as_str()))
        .select(diesel::dsl::max(applications::submitted_on))
        .first(conn)
        .await
}

/// The employer's cases in one of `statuses`, in id order (the order their locks are taken in).
pub async fn of_employer_in(
    conn: &mut AsyncPgConnection,
    employer: EmployerId,
    statuses: &[ApplicationStatus],
) -> QueryResult<Vec<ApplicationId>> {
    let statuses: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    let ids: Vec<Uuid> = applications::table
        .filter(applications::employer_id.eq(employer.0))
        .filter(applications::status.eq_any(statuses))
        .order(applications::id)
        .select(applications::id)
        .load(conn)
        .await?;
    Ok(ids.into_iter().map(ApplicationId).collect())
}
