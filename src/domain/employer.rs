//! Employers: the applicant companies (R-ELIG-1).

use super::notification::Language;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::EmployerId;

/// An employer as a caseworker or administrator registers it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEmployer {
    /// The first 8 digits of the Business Registration certificate number; unique.
    pub business_registration_number: String,
    pub name_en: String,
    pub name_zh: Option<String>,
    pub business_address: String,
    /// The language its notices are written in, unless a request asks for another.
    pub preferred_language: Language,
}

/// A stored employer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Employer {
    pub id: EmployerId,
    pub business_registration_number: String,
    pub name_en: String,
    pub name_zh: Option<String>,
    pub business_address: String,
    pub preferred_language: Language,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
