//! The figures the Labour Department reports to the Legislative Council (domain.md §10), for a period
//! of Hong Kong calendar dates (both ends included).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub applications: i64,
    pub workers: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InProcessing {
    /// Submitted by the end of the period and neither decided nor closed by then.
    pub applications: i64,
    /// Of those, screened in (local recruitment started) by the end of the period.
    pub recruitment_started: i64,
    /// Of those, with local recruitment completed by the end of the period.
    pub recruitment_completed: i64,
}

/// Figures for one post or designated category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Breakdown {
    pub key: String,
    pub applications: i64,
    pub workers_requested: i64,
    pub workers_approved: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statistics {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Applications submitted in the period and the workers they requested.
    pub received: Totals,
    /// Applications approved (in full or in part) in the period and the places granted.
    pub approved: Totals,
    pub in_processing: InProcessing,
    /// Refusals decided in the period by reason code.
    pub refusals_by_reason: BTreeMap<String, i64>,
    pub by_post: Vec<Breakdown>,
    pub by_designated_category: Vec<Breakdown>,
}
