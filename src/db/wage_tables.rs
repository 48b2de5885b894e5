//! Median monthly wage tables: versioned and immutable once published.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{wage_table_rows, wage_tables};
use super::{int, unsigned};
use crate::domain::reference::{MedianWage, NewWageTable, WageTable};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = wage_tables)]
struct WageTableRow {
    id: Uuid,
    version_label: String,
    statistical_month: Option<NaiveDate>,
    published_on: NaiveDate,
    effective_from: NaiveDate,
    source_note: String,
    is_sample: bool,
    created_by: String,
    created_at: DateTime<Utc>,
}

impl WageTableRow {
    fn with_rows(self, row_count: usize) -> WageTable {
        WageTable {
            id: self.id,
            version_label: self.version_label,
            statistical_month: self.statistical_month,
            published_on: self.published_on,
            effective_from: self.effective_from,
            source_note: self.source_note,
            is_sample: self.is_sample,
            created_by: self.created_by,
            created_at: self.created_at,
            row_count: u32::try_from(row_count).unwrap_or(u32::MAX),
        }
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = wage_table_rows)]
struct WageRow {
    table_id: Uuid,
    post_code: String,
    title_en: String,
    title_zh: Option<String>,
    industry_section: String,
    median_monthly_wage_hkd: i32,
    normal_hours_per_day: Option<f64>,
    is_common_post: bool,
}

impl From<WageRow> for MedianWage {
    fn from(r: WageRow) -> Self {
        Self {
            post_code: r.post_code,
            title_en: r.title_en,
            title_zh: r.title_zh,
            industry_section: r.industry_section,
            median_monthly_wage_hkd: unsigned(r.median_monthly_wage_hkd),
            normal_hours_per_day: r.normal_hours_per_day,
            is_common_post: r.is_common_post,
        }
    }
}

/// Publishes a table with its rows (in the caller's transaction).
pub async fn insert(conn: &mut AsyncPgConnection, new: &NewWageTable, created_by: &str) -> QueryResult<WageTable> {
    let table = WageTableRow {
        id: Uuid::new_v4(),
        version_label: new.version_label.clone(),
        statistical_month: new.statistical_month,
        published_on: new.published_on,
        effective_from: new.effective_from,
        source_note: new.source_note.clone(),
        is_sample: false,
        created_by: created_by.to_owned(),
        created_at: Utc::now(),
    };
    diesel::insert_into(wage_tables::table)
        .values(&table)
        .execute(conn)
        .await?;
    let rows: Vec<WageRow> = new
        .rows
        .iter()
        .map(|r| WageRow {
            table_id: table.id,
            post_code: r.post_code.clone(),
            title_en: r.title_en.clone(),
            title_zh: r.title_zh.clone(),
            industry_section: r.industry_section.clone(),
            median_monthly_wage_hkd: int(r.median_monthly_wage_hkd),
            normal_hours_per_day: r.normal_hours_per_day,
            is_common_post: r.is_common_post,
        })
        .collect();
    // Postgres caps bind parameters per statement; insert in chunks.
    for chunk in rows.chunks(1000) {
        diesel::insert_into(wage_table_rows::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(table.with_rows(rows.len()))
}

/// Every table, newest first.
pub async fn list(conn: &mut AsyncPgConnection) -> QueryResult<Vec<WageTable>> {
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
            t.with_rows(usize::try_from(n).unwrap_or(0))
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

pub async fn get(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<(WageTable, Vec<MedianWage>)> {
    let table: WageTableRow = wage_tables::table
        .find(id)
        .select(WageTableRow::as_select())
        .first(conn)
        .await?;
    let rows: Vec<WageRow> = wage_table_rows::table
        .filter(wage_table_rows::table_id.eq(id))
        .order(wage_table_rows::post_code)
        .select(WageRow::as_select())
        .load(conn)
        .await?;
    Ok((table.with_rows(rows.len()), rows.into_iter().map(Into::into).collect()))
}

/// The median for `post_code` in the table in force on `on` (the latest effective on or before it),
/// with the table; `None` when no table is in force.
pub async fn lookup(
    conn: &mut AsyncPgConnection,
    post_code: &str,
    on: NaiveDate,
) -> QueryResult<Option<(WageTable, Option<MedianWage>)>> {
    let table: Option<WageTableRow> = wage_tables::table
        .filter(wage_tables::effective_from.le(on))
        .order((wage_tables::effective_from.desc(), wage_tables::created_at.desc()))
        .select(WageTableRow::as_select())
        .first(conn)
        .await
        .optional()?;
    let Some(table) = table else {
        return Ok(None);
    };
    let row: Option<WageRow> = wage_table_rows::table
        .filter(
            wage_table_rows::table_id
                .eq(table.id)
                .and(wage_table_rows::post_code.eq(post_code)),
        )
        .select(WageRow::as_select())
        .first(conn)
        .await
        .optional()?;
    // The row count is not needed for a lookup.
    Ok(Some((table.with_rows(0), row.map(Into::into))))
}
