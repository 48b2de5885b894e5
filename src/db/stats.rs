//! The figures the Labour Department reports to the Legislative Council, for a period of Hong Kong
//! calendar dates (both ends included).

use chrono::NaiveDate;
use diesel::sql_types::{BigInt, Date, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(Debug, Clone, PartialEq, Eq, diesel::QueryableByName)]
pub struct Totals {
    #[diesel(sql_type = BigInt)]
    pub applications: i64,
    #[diesel(sql_type = BigInt)]
    pub workers: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, diesel::QueryableByName)]
pub struct InProcessing {
    #[diesel(sql_type = BigInt)]
    pub applications: i64,
    #[diesel(sql_type = BigInt)]
    pub recruitment_started: i64,
    #[diesel(sql_type = BigInt)]
    pub recruitment_completed: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, diesel::QueryableByName)]
pub struct Breakdown {
    #[diesel(sql_type = Text)]
    pub key: String,
    #[diesel(sql_type = BigInt)]
    pub applications: i64,
    #[diesel(sql_type = BigInt)]
    pub workers_requested: i64,
    #[diesel(sql_type = BigInt)]
    pub workers_approved: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, diesel::QueryableByName)]
pub struct Count {
    #[diesel(sql_type = Text)]
    pub key: String,
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

/// Applications submitted in the period, and the workers they asked for.
pub async fn received(conn: &mut AsyncPgConnection, from: NaiveDate, to: NaiveDate) -> diesel::QueryResult<Totals> {
    diesel::sql_query(
        "SELECT count(DISTINCT a.id) AS applications, coalesce(sum(v.workers_requested), 0)::bigint AS workers \
           FROM applications a JOIN vacancies v ON v.application_id = a.id \
          WHERE a.submitted_on BETWEEN $1 AND $2",
    )
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .get_result(conn)
    .await
}

/// Applications approved (fully or partly) in the period, and the places granted.
pub async fn approved(conn: &mut AsyncPgConnection, from: NaiveDate, to: NaiveDate) -> diesel::QueryResult<Totals> {
    diesel::sql_query(
        "SELECT count(DISTINCT a.id) AS applications, coalesce(sum(v.places_approved), 0)::bigint AS workers \
           FROM applications a JOIN vacancies v ON v.application_id = a.id \
          WHERE a.decided_on BETWEEN $1 AND $2 AND v.places_approved > 0",
    )
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .get_result(conn)
    .await
}

/// Applications submitted by the end of the period and neither decided nor closed by then; of them,
/// how many had started (screened in) and completed local recruitment by then.
pub async fn in_processing(conn: &mut AsyncPgConnection, to: NaiveDate) -> diesel::QueryResult<InProcessing> {
    diesel::sql_query(
        "SELECT count(*) AS applications, \
                count(*) FILTER (WHERE screened_in_on <= $1) AS recruitment_started, \
                count(*) FILTER (WHERE recruitment_completed_on <= $1) AS recruitment_completed \
           FROM applications \
          WHERE submitted_on <= $1 \
            AND (decided_on IS NULL OR decided_on > $1) \
            AND (closed_on IS NULL OR closed_on > $1)",
    )
    .bind::<Date, _>(to)
    .get_result(conn)
    .await
}

/// Refusals decided in the period, counted by reason code.
pub async fn refusals_by_reason(
    conn: &mut AsyncPgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> diesel::QueryResult<Vec<Count>> {
    diesel::sql_query(
        "SELECT reason AS key, count(*) AS count \
           FROM decision_records d, unnest(d.reason_codes) AS reason \
          WHERE d.kind = 'DECISION' AND d.outcome = 'REFUSE' AND d.evaluated_on BETWEEN $1 AND $2 \
          GROUP BY reason ORDER BY reason",
    )
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .load(conn)
    .await
}

/// Applications received and workers requested in the period, and places approved in the period,
/// grouped by `key` (an SQL expression over the vacancy `v`).
async fn breakdown(
    conn: &mut AsyncPgConnection,
    key: &'static str,
    from: NaiveDate,
    to: NaiveDate,
) -> diesel::QueryResult<Vec<Breakdown>> {
    // `key` is one of two constants below, never input.
    diesel::sql_query(format!(
        "SELECT {key} AS key, \
                count(DISTINCT a.id) FILTER (WHERE a.submitted_on BETWEEN $1 AND $2) AS applications, \
                coalesce(sum(v.workers_requested) FILTER (WHERE a.submitted_on BETWEEN $1 AND $2), 0)::bigint AS workers_requested, \
                coalesce(sum(v.places_approved) FILTER (WHERE a.decided_on BETWEEN $1 AND $2), 0)::bigint AS workers_approved \
           FROM applications a JOIN vacancies v ON v.application_id = a.id \
          WHERE a.submitted_on BETWEEN $1 AND $2 OR a.decided_on BETWEEN $1 AND $2 \
          GROUP BY 1 ORDER BY 1"
    ))
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .load(conn)
    .await
}

pub async fn by_post(
    conn: &mut AsyncPgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> diesel::QueryResult<Vec<Breakdown>> {
    breakdown(conn, "coalesce(v.post_code, v.post_title)", from, to).await
}

pub async fn by_designated_category(
    conn: &mut AsyncPgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> diesel::QueryResult<Vec<Breakdown>> {
    breakdown(conn, "coalesce(v.designated_category_code, 'NONE')", from, to).await
}
