//! The timers' storage: their firings (one row per timer, subject and occurrence, which is what makes
//! each fire once) and the queries that find what may be due. The queries only narrow the search; the
//! pure rules in `domain::timers` decide.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Date, Integer, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::timer_firings;
use crate::domain::timers::Timer;

/// Records that `timer` fired for `subject`'s `occurrence`; false when it had fired already (in another
/// transaction, perhaps on another instance, which then holds the row until it commits or rolls back).
pub async fn record_firing(
    conn: &mut AsyncPgConnection,
    timer: Timer,
    subject: Uuid,
    occurrence: &str,
    on: NaiveDate,
) -> QueryResult<bool> {
    let inserted = diesel::insert_into(timer_firings::table)
        .values((
            timer_firings::timer.eq(timer.as_str()),
            timer_firings::subject_id.eq(subject),
            timer_firings::occurrence.eq(occurrence),
            timer_firings::fired_on.eq(on),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(inserted == 1)
}

/// How many times each timer has fired in all.
pub async fn firing_counts(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(String, i64)>> {
    timer_firings::table
        .group_by(timer_firings::timer)
        .select((timer_firings::timer, diesel::dsl::count_star()))
        .load(conn)
        .await
}

/// An open information request past its due date, on a case still waiting for it.
#[derive(Debug, Clone, QueryableByName)]
pub struct OverdueRequest {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub application_id: Uuid,
    #[diesel(sql_type = Date)]
    pub requested_on: NaiveDate,
    #[diesel(sql_type = Date)]
    pub due_on: NaiveDate,
}

pub async fn overdue_info_requests(conn: &mut AsyncPgConnection, today: NaiveDate) -> QueryResult<Vec<OverdueRequest>> {
    diesel::sql_query(
        "SELECT r.id, r.application_id, r.requested_on, r.due_on FROM info_requests r \
           JOIN applications a ON a.id = r.application_id \
          WHERE r.responded_on IS NULL AND a.status = 'INFO_REQUESTED' AND r.due_on < $1 \
          ORDER BY r.due_on, r.id",
    )
    .bind::<Date, _>(today)
    .load(conn)
    .await
}

/// A subject (case, place or worker) and the date it is due on.
#[derive(Debug, Clone, QueryableByName)]
pub struct Due {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub application_id: Uuid,
    #[diesel(sql_type = Date)]
    pub due_on: NaiveDate,
    #[diesel(sql_type = Integer)]
    pub count: i32,
}

/// Cases in local recruitment whose every recruitment period ended before `today`, not yet told.
pub async fn recruitment_ended(conn: &mut AsyncPgConnection, today: NaiveDate) -> QueryResult<Vec<Due>> {
    diesel::sql_query(
        "SELECT a.id, a.id AS application_id, e.ends_on AS due_on, 1 AS count FROM applications a \
           CROSS JOIN LATERAL (SELECT max(v.recruitment_ends_on) AS ends_on, \
                                      bool_and(v.recruitment_ends_on IS NOT NULL) AS all_set \
                                 FROM vacancies v WHERE v.application_id = a.id) e \
          WHERE a.status = 'LOCAL_RECRUITMENT' AND e.all_set AND e.ends_on < $1 \
            AND NOT EXISTS (SELECT 1 FROM timer_firings f WHERE f.timer = 'recruitment_ended' AND f.subject_id = a.id) \
          ORDER BY e.ends_on, a.id",
    )
    .bind::<Date, _>(today)
    .load(conn)
    .await
}

/// Per approved case: its earliest AIP deadline among unfilled places falling within `notice_days`, and
/// how many places have it.
pub async fn aip_deadlines_within(
    conn: &mut AsyncPgConnection,
    today: NaiveDate,
    notice_days: u32,
) -> QueryResult<Vec<Due>> {
    diesel::sql_query(
        "SELECT p.application_id AS id, p.application_id, min(p.aip_deadline) AS due_on, count(*)::integer AS count \
           FROM worker_places p JOIN applications a ON a.id = p.application_id \
          WHERE p.status = 'ALLOCATED' AND p.aip_deadline >= $1 AND p.aip_deadline <= $1 + $2 \
            AND a.status IN ('APPROVED', 'PARTIALLY_APPROVED', 'ACTIVE') \
          GROUP BY p.application_id ORDER BY 3, 1",
    )
    .bind::<Date, _>(today)
    .bind::<Integer, _>(i32::try_from(notice_days).unwrap_or(i32::MAX))
    .load(conn)
    .await
}

/// Places still allocated (no visa application) after their AIP deadline.
pub async fn places_past_deadline(conn: &mut AsyncPgConnection, today: NaiveDate) -> QueryResult<Vec<Due>> {
    diesel::sql_query(
        "SELECT id, application_id, aip_deadline AS due_on, place_no AS count FROM worker_places \
          WHERE status = 'ALLOCATED' AND aip_deadline < $1 ORDER BY aip_deadline, id",
    )
    .bind::<Date, _>(today)
    .load(conn)
    .await
}

/// Approvals none of whose places is still open on `today` (the rule decides from the places).
pub async fn approvals_without_open_places(conn: &mut AsyncPgConnection, today: NaiveDate) -> QueryResult<Vec<Due>> {
    diesel::sql_query(
        "SELECT a.id, a.id AS application_id, $1 AS due_on, 0 AS count FROM applications a \
          WHERE a.status IN ('APPROVED', 'PARTIALLY_APPROVED', 'ACTIVE') \
            AND EXISTS (SELECT 1 FROM worker_places p WHERE p.application_id = a.id) \
            AND NOT EXISTS (SELECT 1 FROM worker_places p WHERE p.application_id = a.id AND ( \
                    p.status IN ('VISA_APPLIED', 'VISA_ISSUED') \
                 OR (p.status = 'ALLOCATED' AND p.aip_deadline >= $1) \
                 OR (p.status = 'ARRIVED' AND NOT EXISTS ( \
                        SELECT 1 FROM workers w JOIN employment_contracts c ON c.worker_id = w.id \
                         WHERE w.place_id = p.id AND c.ends_on < $1)))) \
          ORDER BY a.id",
    )
    .bind::<Date, _>(today)
    .load(conn)
    .await
}

/// Workers in post whose briefing due date passed with no attendance, not yet recorded as overdue.
pub async fn briefings_overdue(conn: &mut AsyncPgConnection, today: NaiveDate) -> QueryResult<Vec<Due>> {
    diesel::sql_query(
        "SELECT w.id, w.application_id, w.briefing_due_on AS due_on, 0 AS count FROM workers w \
           JOIN worker_places p ON p.id = w.place_id \
          WHERE p.status = 'ARRIVED' AND w.separated_on IS NULL AND w.briefing_due_on < $1 \
            AND NOT EXISTS (SELECT 1 FROM briefing_attendances b WHERE b.worker_id = w.id AND b.attended) \
            AND NOT EXISTS (SELECT 1 FROM timer_firings f WHERE f.timer = 'briefing_overdue' AND f.subject_id = w.id) \
          ORDER BY w.briefing_due_on, w.id",
    )
    .bind::<Date, _>(today)
    .load(conn)
    .await
}

/// Workers in post whose contract ends within `notice_days`, not yet told for that end date.
pub async fn contracts_ending_within(
    conn: &mut AsyncPgConnection,
    today: NaiveDate,
    notice_days: u32,
) -> QueryResult<Vec<Due>> {
    diesel::sql_query(
        "SELECT w.id, w.application_id, c.ends_on AS due_on, 0 AS count FROM workers w \
           JOIN worker_places p ON p.id = w.place_id \
           JOIN employment_contracts c ON c.worker_id = w.id \
          WHERE p.status = 'ARRIVED' AND w.separated_on IS NULL \
            AND c.ends_on >= $1 AND c.ends_on <= $1 + $2 \
            AND NOT EXISTS (SELECT 1 FROM timer_firings f WHERE f.timer = 'contract_ending' AND f.subject_id = w.id \
                               AND f.occurrence = c.ends_on::text) \
          ORDER BY c.ends_on, w.id",
    )
    .bind::<Date, _>(today)
    .bind::<Integer, _>(i32::try_from(notice_days).unwrap_or(i32::MAX))
    .load(conn)
    .await
}

/// Undecided cases whose running SLA clock passed its due date, not yet recorded as breached.
pub async fn sla_past_due(conn: &mut AsyncPgConnection, today: NaiveDate) -> QueryResult<Vec<Due>> {
    diesel::sql_query(
        "SELECT id, id AS application_id, sla_due_on AS due_on, 0 AS count FROM applications \
          WHERE status = ANY($2) AND sla_breached_on IS NULL AND sla_paused_since IS NULL AND sla_due_on < $1 \
          ORDER BY sla_due_on, id",
    )
    .bind::<Date, _>(today)
    .bind::<diesel::sql_types::Array<Text>, _>(super::applications::undecided())
    .load(conn)
    .await
}

/// The latest published wage table: id, label and publication date.
#[derive(Debug, Clone, QueryableByName)]
pub struct LatestTable {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub version_label: String,
    #[diesel(sql_type = Nullable<Date>)]
    pub published_on: Option<NaiveDate>,
}

pub async fn latest_wage_table(conn: &mut AsyncPgConnection) -> QueryResult<Option<LatestTable>> {
    diesel::sql_query(
        "SELECT id, version_label, published_on FROM wage_tables ORDER BY published_on DESC, created_at DESC LIMIT 1",
    )
    .get_result(conn)
    .await
    .optional()
}
