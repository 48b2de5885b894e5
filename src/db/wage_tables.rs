//! Median monthly wage tables: versioned and immutable once published.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{wage_table_rows, wage_tables};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = wage_tables)]
pub struct WageTableRow {
    pub id: Uuid,
    pub version_label: String,
    pub statistical_month: Option<NaiveDate>,
    pub published_on: NaiveDate,
    pub effective_from: NaiveDate,
    pub source_note: String,
    pub is_sample: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = wage_table_rows)]
pub struct WageRow {
    pub table_id: Uuid,
    pub post_code: String,
    pub title_en: String,
    pub title_zh: Option<String>,
    pub industry_section: String,
    pub median_monthly_wage_hkd: i32,
    pub normal_hours_per_day: Option<f64>,
    pub is_common_post: bool,
}

/// Publishes a table with its rows (in the caller's transaction).
pub async fn insert(conn: &mut AsyncPgConnection, table: &WageTableRow, rows: &[WageRow]) -> QueryResult<()> {
    diesel::insert_into(wage_tables::table)
        .values(table)
        .execute(conn)
        .await?;
    // Postgres caps bind parameters per statement; insert in chunks.
    for chunk in rows.chunks(1000) {
        diesel::insert_into(wage_table_rows::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(())
}

pub async fn list(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(WageTableRow, i64)>> {
    let tables: Vec<WageTableRow> = wage_tables::table
        .order((wage_tables::effective_from.desc(), wage_tables::created_at.desc()))
        .select(WageTableRow::as_select())
        .load(conn)
        .await?;
    let counts: Vec<(Uuid, i64)> = wage_table_rows::table
        .group_by(wage_table_rows::table_id)
        .select((wage_table_rows::table_id, diesel::dsl::count_star()))
        .load(conn)
        .await?;
    Ok(tables
        .into_iter()
        .map(|t| {
            let n = counts.iter().find(|(id, _)| *id == t.id).map_or(0, |(_, n)| *n);
            (t, n)
        })
        .collect())
}

/// The version label of a table (without loading its rows).
pub async fn version_label(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<String> {
    wage_tables::table
        .find(id)
        .select(wage_tables::version_label)
        .first(conn)
        .await
}

pub async fn get(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<(WageTableRow, Vec<WageRow>)> {
    let table = wage_tables::table
        .find(id)
        .select(WageTableRow::as_select())
        .first(conn)
        .await?;
    let rows = wage_table_rows::table
        .filter(wage_table_rows::table_id.eq(id))
        .order(wage_table_rows::post_code)
        .select(WageRow::as_select())
        .load(conn)
        .await?;
    Ok((table, rows))
}

/// The table in force on `on`: the latest effective on or before it.
pub async fn in_force(conn: &mut AsyncPgConnection, on: NaiveDate) -> QueryResult<Option<WageTableRow>> {
    wage_tables::table
        .filter(wage_tables::effective_from.le(on))
        .order((wage_tables::effective_from.desc(), wage_tables::created_at.desc()))
        .select(WageTableRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The median for `post_code` in the table in force on `on`, with the table.
pub async fn lookup(
    conn: &mut AsyncPgConnection,
    post_code: &str,
    on: NaiveDate,
) -> QueryResult<Option<(WageTableRow, Option<WageRow>)>> {
    let Some(table) = in_force(conn, on).await? else {
        return Ok(None);
    };
    let row = wage_table_rows::table
        .filter(
            wage_table_rows::table_id
                .eq(table.id)
                .and(wage_table_rows::post_code.eq(post_code)),
        )
        .select(WageRow::as_select())
        .first(conn)
        .await
        .optional()?;
    Ok(Some((table, row)))
}
