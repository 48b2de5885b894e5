//! Reference data and policy: the designated job categories, effective-dated policy values and the
//! median wage tables. Read by everyone signed in; added to (never edited) by administrators.

use chrono::NaiveDate;
use serde_json::Value;
use uuid::Uuid;

use super::error::{Result, WorkflowError, not_found};
use super::unit::{self, Change, Command, Locks, Reply};
use crate::db::{DbPool, job_categories, policy, wage_tables};
use crate::domain::audit::{AuditRecord, Entity};
use crate::domain::policy::{NewPolicyValue, PolicyRecord, PolicySet, keys};
use crate::domain::reference::{JobCategory, MedianWage, NewWageTable, WageTable};

/// The 26 designated categories, each with whether its exclusion is in force on `on` (R-ELIG-4).
pub async fn job_categories(pool: &DbPool, on: NaiveDate) -> Result<Vec<(JobCategory, bool)>> {
    unit::read(pool, async |conn| {
        let policy = policy::load(conn).await?;
        let mut items = Vec::new();
        for category in job_categories::list(conn).await? {
            let suspended = policy
                .get::<bool>(keys::DESIGNATED_EXCLUSION_SUSPENDED, Some(&category.code), on)?
                .value;
            items.push((category, !suspended));
        }
        Ok(items)
    })
    .await
}

/// The policy values in force on `on`, one per key and scope, in key order; only `key` when given.
pub async fn policy_in_force(pool: &DbPool, on: NaiveDate, key: Option<&str>) -> Result<Vec<PolicyRecord>> {
    unit::read(pool, async |conn| {
        let records = policy::all(conn).await?;
        let set = PolicySet::new(records.iter().map(|r| r.value.clone()).collect());
        Ok(set
            .in_force(on)
            .into_iter()
            .filter(|v| key.is_none_or(|k| k == v.key))
            .filter_map(|v| records.iter().find(|r| r.value.id == v.id))
            .cloned()
            .collect())
    })
    .await
}

/// Every version ever published (for audit), in publication order; only `key` when given.
pub async fn policy_history(pool: &DbPool, key: Option<&str>) -> Result<Vec<PolicyRecord>> {
    unit::read(pool, async |conn| {
        let mut records = policy::all(conn).await?;
        records.retain(|r| key.is_none_or(|k| k == r.value.key));
        Ok(records)
    })
    .await
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Adds a new effective-dated value for an existing key. History is never edited: the new row takes
/// effect from its date, and the old one stays on record.
pub async fn add_policy_value(
    pool: &DbPool,
    cmd: &Command,
    new: NewPolicyValue,
    reply: impl FnOnce(&PolicyRecord) -> Result<Reply>,
) -> Result<Reply> {
    unit::write(
        pool,
        cmd,
        Locks::nothing(),
        async |conn, _| {
            let existing = policy::all(conn).await?;
            let Some(latest) = existing.iter().rev().find(|r| r.value.key == new.key) else {
                return Err(WorkflowError::field("key", "is not a policy key this service knows"));
            };
            if let Some(scope) = &new.scope
                && !job_categories::list(conn).await?.iter().any(|c| &c.code == scope)
            {
                // A scoped value is read only for its category's posts: any other scope would never apply.
                return Err(WorkflowError::field(
                    "scope",
                    "is not a designated job category (see GET /v1/job-categories)",
                ));
            }
            if json_type(&latest.value.value) != json_type(&new.value) {
                return Err(WorkflowError::field(
                    "value",
                    format!(
                        "must be a {} like the key's other values",
                        json_type(&latest.value.value)
                    ),
                ));
            }
            let added = policy::insert(conn, &new, &cmd.actor.sub).await?;
            let record = AuditRecord::created(Entity::Policy(added.value.id), "policy.value_added", &added)?;
            Ok(Change::new(added, record))
        },
        reply,
    )
    .await
}

/// Publishes a wage table. It must take effect after every table already published (history is not
/// rewritten); publications queue on one lock so two cannot both pass that check.
pub async fn publish_wage_table(
    pool: &DbPool,
    cmd: &Command,
    new: NewWageTable,
    reply: impl FnOnce(&WageTable) -> Result<Reply>,
) -> Result<Reply> {
    check_table(&new)?;
    unit::write(
        pool,
        cmd,
        Locks::named("wage_tables"),
        async |conn, _| {
            if let Some(latest) = wage_tables::list(conn).await?.first().map(|t| t.effective_from)
                && new.effective_from <= latest
            {
                return Err(WorkflowError::Conflict(format!(
                    "A new table must take effect after the latest one ({latest}); history is not rewritten."
                )));
            }
            let table =
                wage_tables::insert(conn, &new, &cmd.actor.sub)
                    .await
                    .map_err(|e| match WorkflowError::from(e) {
                        WorkflowError::Conflict(_) => {
                            WorkflowError::Conflict("A table with this version label exists.".into())
                        }
                        other => other,
                    })?;
            let record = AuditRecord::created(Entity::WageTable(table.id), "wage_table.published", &table)?;
            Ok(Change::new(table, record))
        },
        reply,
    )
    .await
}

/// A table lists each post once, at least one, and its statistical month is a month's first day.
fn check_table(new: &NewWageTable) -> Result<()> {
    if new.rows.is_empty() {
        return Err(WorkflowError::field("rows", "must list at least one post"));
    }
    let mut codes: Vec<&str> = new.rows.iter().map(|r| r.post_code.as_str()).collect();
    codes.sort_unstable();
    if let Some(dup) = codes.windows(2).find(|w| w[0] == w[1]) {
        return Err(WorkflowError::field(
            "rows",
            format!("list post {} more than once", dup[0]),
        ));
    }
    if new.statistical_month.is_some_and(|m| chrono::Datelike::day(&m) != 1) {
        return Err(WorkflowError::field(
            "statistical_month",
            "must be the first day of a month",
        ));
    }
    Ok(())
}

/// Every version of the wage table, newest first.
pub async fn wage_tables(pool: &DbPool) -> Result<Vec<WageTable>> {
    unit::read(pool, async |conn| Ok(wage_tables::list(conn).await?)).await
}

/// One version with its rows.
pub async fn wage_table(pool: &DbPool, id: Uuid) -> Result<(WageTable, Vec<MedianWage>)> {
    unit::read(pool, async |conn| {
        wage_tables::get(conn, id).await.map_err(not_found("wage table"))
    })
    .await
}

/// The median in force for a post on a date, and the table version that says so.
pub async fn lookup_median(pool: &DbPool, post_code: &str, on: NaiveDate) -> Result<(WageTable, MedianWage)> {
    unit::read(pool, async |conn| {
        let Some((table, row)) = wage_tables::lookup(conn, post_code, on).await? else {
            return Err(WorkflowError::NotFound("wage table in force on that date"));
        };
        let row = row.ok_or(WorkflowError::NotFound("row for that post in the table in force"))?;
        Ok((table, row))
    })
    .await
}
