//! The 26 designated job categories (reference data seeded by migration).

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::job_categories;
use crate::domain::reference::JobCategory;

#[derive(Queryable, Selectable)]
#[diesel(table_name = job_categories)]
struct JobCategoryRow {
    code: String,
    ordinal: i16,
    name_en: String,
    name_zh: String,
    aliases: Vec<Option<String>>,
}

/// The categories in their published order.
pub async fn list(conn: &mut AsyncPgConnection) -> QueryResult<Vec<JobCategory>> {
    let rows: Vec<JobCategoryRow> = job_categories::table
        .select(JobCategoryRow::as_select())
        .order(job_categories::ordinal)
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| JobCategory {
            code: r.code,
            ordinal: r.ordinal,
            name_en: r.name_en,
            name_zh: r.name_zh,
            aliases: r.aliases.into_iter().flatten().collect(),
        })
        .collect())
}

/// Which of `codes` are designated categories.
pub async fn existing_codes(conn: &mut AsyncPgConnection, codes: &[&str]) -> QueryResult<Vec<String>> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    job_categories::table
        .select(job_categories::code)
        .filter(job_categories::code.eq_any(codes))
        .load(conn)
        .await
}
