//! Effective-dated policy values (never updated: a change is a new row).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use super::schema::policy_values;
use super::{enum_text, parse_enum};
use crate::domain::policy::{NewPolicyValue, PolicyRecord, PolicySet, PolicyValue};

#[derive(Queryable, Selectable)]
#[diesel(table_name = policy_values)]
struct PolicyRow {
    id: Uuid,
    version: i64,
    key: String,
    scope: Option<String>,
    value: Value,
    effective_from: NaiveDate,
    effective_to: Option<NaiveDate>,
    confidence: String,
    source_note: String,
    created_by: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<PolicyRow> for PolicyRecord {
    type Error = diesel::result::Error;

    fn try_from(row: PolicyRow) -> QueryResult<Self> {
        Ok(Self {
            value: PolicyValue {
                id: row.id,
                key: row.key,
                scope: row.scope,
                value: row.value,
                effective_from: row.effective_from,
                effective_to: row.effective_to,
                source_note: row.source_note,
                version: row.version,
            },
            confidence: parse_enum(&row.confidence)?,
            created_by: row.created_by,
            created_at: row.created_at,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = policy_values)]
struct NewPolicyRow<'a> {
    id: Uuid,
    key: &'a str,
    scope: Option<&'a str>,
    value: &'a Value,
    effective_from: NaiveDate,
    effective_to: Option<NaiveDate>,
    confidence: String,
    source_note: &'a str,
    created_by: &'a str,
}

/// Every version of every key (a few dozen rows), in publication order.
pub async fn all(conn: &mut AsyncPgConnection) -> QueryResult<Vec<PolicyRecord>> {
    let rows: Vec<PolicyRow> = policy_values::table
        .order(policy_values::version)
        .select(PolicyRow::as_select())
        .load(conn)
        .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// The whole policy, ready to resolve.
pub async fn load(conn: &mut AsyncPgConnection) -> QueryResult<PolicySet> {
    Ok(PolicySet::new(all(conn).await?.into_iter().map(|r| r.value).collect()))
}

pub async fn insert(conn: &mut AsyncPgConnection, new: &NewPolicyValue, created_by: &str) -> QueryResult<PolicyRecord> {
    diesel::insert_into(policy_values::table)
        .values(NewPolicyRow {
            id: Uuid::new_v4(),
            key: &new.key,
            scope: new.scope.as_deref(),
            value: &new.value,
            effective_from: new.effective_from,
            effective_to: new.effective_to,
            confidence: enum_text(&new.confidence),
            source_note: &new.source_note,
            created_by,
        })
        .returning(PolicyRow::as_returning())
        .get_result(conn)
        .await?
        .try_into()
}
