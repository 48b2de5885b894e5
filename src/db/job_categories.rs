//! The 26 designated job categories (reference data seeded by migration).

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::job_categories;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = job_categories)]
pub struct JobCategoryRow {
    pub code: String,
    pub ordinal: i16,
    pub name_en: String,
    pub name_zh: String,
    pub aliases: Vec<Option<String>>,
}

pub async fn list(conn: &mut AsyncPgConnection) -> QueryResult<Vec<JobCategoryRow>> {
    job_categories::table
        .select(JobCategoryRow::as_select())
        .order(job_categories::ordinal)
        .load(conn)
        .await
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
