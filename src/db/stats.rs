//! The figures the Labour Department reports to the Legislative Council, for a period of Hong Kong
//! calendar dates (both ends included).

use chrono::NaiveDate;
use diesel::sql_types::{BigInt, Date, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::stats::{Breakdown, InProcessing, Statistics, Totals};

#[derive(diesel::QueryableByName)]
struct TotalsRow {
    #[diesel(sql_type = BigInt)]
    applications: i64,
    #[diesel(sql_type = BigInt)]
    workers: i64,
}

#[derive(diesel::QueryableByName)]
struct InProcessingRow {
    #[diesel(sql_type = BigInt)]
    applications: i64,
    #[diesel(sql_type = BigInt)]
    recruitment_started: i64,
    #[diesel(sql_type = BigInt)]
    recruitment_completed: i64,
}

#[derive(diesel::QueryableByName)]
struct BreakdownRow {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    applications: i64,
    #[diesel(sql_type = BigInt)]
    workers_requested: i64,
    #[diesel(sql_type = BigInt)]
    workers_approved: i64,
}

#[derive(diesel::QueryableByName)]
struct CountRow {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// Applications submitted in the period, and the workers they asked for.
async fn received(conn: &mut AsyncPgConnection, from: NaiveDate, to: NaiveDate) -> diesel::QueryResult<TotalsRow> {
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
async fn approved(conn: &mut AsyncPgConnection, from: NaiveDate, to: NaiveDate) -> diesel::QueryResult<TotalsRow> {
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
async fn in_processing(conn: &mut AsyncPgConnection, to: NaiveDate) -> diesel::QueryResult<InProcessingRow> {
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
async fn refusals_by_reason(
    conn: &mut AsyncPgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> diesel::QueryResult<Vec<CountRow>> {
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
) -> diesel::QueryResult<Vec<BreakdownRow>> {
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

async fn by_post(
    conn: &mut AsyncPgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> diesel::QueryResult<Vec<BreakdownRow>> {
    breakdown(conn, "coalesce(v.post_code, v.post_title)", from, to).await
}

async fn by_designated_category(
    conn: &mut AsyncPgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> diesel::QueryResult<Vec<BreakdownRow>> {
    breakdown(conn, "coalesce(v.designated_category_code, 'NONE')", from, to).await
}

impl From<TotalsRow> for Totals {
    fn from(r: TotalsRow) -> Self {
        Self {
            applications: r.applications,
            workers: r.workers,
        }
    }
}

impl From<BreakdownRow> for Breakdown {
    fn from(r: BreakdownRow) -> Self {
        Self {
            key: r.key,
            applications: r.applications,
            workers_requested: r.workers_requested,
            workers_approved: r.workers_approved,
        }
    }
}

/// Every figure for the period from `from` to `to` (both included).
pub async fn statistics(
    conn: &mut AsyncPgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> diesel::QueryResult<Statistics> {
    let processing = in_processing(conn, to).await?;
    Ok(Statistics {
        from,
        to,
        received: received(conn, from, to).await?.into(),
        approved: approved(conn, from, to).await?.into(),
        in_processing: InProcessing {
            applications: processing.applications,
            recruitment_started: processing.recruitment_started,
            recruitment_completed: processing.recruitment_completed,
        },
        refusals_by_reason: refusals_by_reason(conn, from, to)
            .await?
            .into_iter()
            .map(|c| (c.key, c.count))
            .collect(),
        by_post: by_post(conn, from, to).await?.into_iter().map(Into::into).collect(),
        by_designated_category: by_designated_category(conn, from, to)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    })
}
