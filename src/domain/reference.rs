//! Reference data the rules read: the 26 designated job categories and the versioned median monthly
//! wage tables (domain.md §6, §7).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

/// One of the 26 designated job categories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobCategory {
    pub code: String,
    /// Its number in the published list (1 to 26).
    pub ordinal: i16,
    pub name_en: String,
    pub name_zh: String,
    /// Other names it is searched by.
    pub aliases: Vec<String>,
}

/// A published version of the median monthly wage table: never edited once published.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WageTable {
    pub id: Uuid,
    pub version_label: String,
    /// The C&SD statistical month (its first day), when known.
    pub statistical_month: Option<NaiveDate>,
    pub published_on: NaiveDate,
    /// From when the table binds.
    pub effective_from: NaiveDate,
    pub source_note: String,
    /// A sample built from the few published figures, not an official table.
    pub is_sample: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub row_count: u32,
}

/// One post's row of a wage table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MedianWage {
    pub post_code: String,
    pub title_en: String,
    pub title_zh: Option<String>,
    pub industry_section: String,
    pub median_monthly_wage_hkd: u32,
    pub normal_hours_per_day: Option<f64>,
    pub is_common_post: bool,
}

/// A table as an administrator publishes it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWageTable {
    pub version_label: String,
    pub statistical_month: Option<NaiveDate>,
    pub published_on: NaiveDate,
    pub effective_from: NaiveDate,
    pub source_note: String,
    pub rows: Vec<MedianWage>,
}
