//! Effective-dated policy values (never updated: a change is a new row).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use super::schema::policy_values;
use crate::domain::policy::{PolicySet, PolicyValue};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = policy_values)]
pub struct PolicyRow {
    pub id: Uuid,
    pub version: i64,
    pub key: String,
    pub scope: Option<String>,
    pub value: Value,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    pub confidence: String,
    pub source_note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<&PolicyRow> for PolicyValue {
    fn from(row: &PolicyRow) -> Self {
        Self {
            id: row.id,
            key: row.key.clone(),
            scope: row.scope.clone(),
            value: row.value.clone(),
            effective_from: row.effective_from,
            effective_to: row.effective_to,
            source_note: row.source_note.clone(),
            version: row.version,
        }
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = policy_values)]
pub struct NewPolicyRow<'a> {
    pub id: Uuid,
    pub key: &'a str,
    pub scope: Option<&'a str>,
    pub value: &'a Value,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    pub confidence: &'a str,
    pub source_note: &'a str,
    pub created_by: &'a str,
}

/// Every version of every key (a few dozen rows).
pub async fn all(conn: &mut AsyncPgConnection) -> QueryResult<Vec<PolicyRow>> {
    policy_values::table
        .order(policy_values::version)
        .select(PolicyRow::as_select())
        .load(conn)
        .await
}

/// The whole policy, ready to resolve.
pub async fn load(conn: &mut AsyncPgConnection) -> QueryResult<PolicySet> {
    Ok(PolicySet::new(all(conn).await?.iter().map(PolicyValue::from).collect()))
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &NewPolicyRow<'_>) -> QueryResult<PolicyRow> {
    diesel::insert_into(policy_values::table)
        .values(row)
        .returning(PolicyRow::as_returning())
        .get_result(conn)
        .await
}
