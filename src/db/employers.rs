//! Employers.

use crate::domain::notification::Language;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::pagination::{Cursor, Page};
use super::schema::{employers, worker_places};
use crate::domain::employer::Employer;
use crate::domain::{EmployerId, NewEmployer};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = employers)]
struct EmployerRow {
    id: Uuid,
    business_registration_number: String,
    name_en: String,
    name_zh: Option<String>,
    business_address: String,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    preferred_language: String,
}

impl From<EmployerRow> for Employer {
    fn from(row: EmployerRow) -> Self {
        Self {
            id: EmployerId(row.id),
            business_registration_number: row.business_registration_number,
            name_en: row.name_en,
            name_zh: row.name_zh,
            business_address: row.business_address,
            preferred_language: Language::from_tag(&row.preferred_language).unwrap_or_default(),
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = employers)]
struct NewEmployerRow<'a> {
    id: Uuid,
    business_registration_number: &'a str,
    name_en: &'a str,
    name_zh: Option<&'a str>,
    business_address: &'a str,
    preferred_language: &'a str,
}

pub async fn insert(conn: &mut AsyncPgConnection, new: &NewEmployer) -> QueryResult<Employer> {
    diesel::insert_into(employers::table)
        .values(NewEmployerRow {
            id: Uuid::new_v4(),
            business_registration_number: &new.business_registration_number,
            name_en: &new.name_en,
            name_zh: new.name_zh.as_deref(),
            business_address: &new.business_address,
            preferred_language: new.preferred_language.as_str(),
        })
        .returning(EmployerRow::as_returning())
        .get_result(conn)
        .await
        .map(Employer::from)
}

/// One employer; `scope` confines an employer user to its own record.
pub async fn get(conn: &mut AsyncPgConnection, id: EmployerId, scope: Option<EmployerId>) -> QueryResult<Employer> {
    let mut query = employers::table.filter(employers::id.eq(id.0)).into_boxed();
    if let Some(own) = scope {
        query = query.filter(employers::id.eq(own.0));
    }
    query
        .select(EmployerRow::as_select())
        .first(conn)
        .await
        .map(Employer::from)
}

/// Locks the employer for the rest of the transaction (`FOR NO KEY UPDATE`: rows referring to it can
/// still be inserted). Rules that read across the employer's cases run under this lock, so two
/// requests cannot both pass a rule that only one of them may (docs/architecture.md, "Locks").
pub async fn lock(conn: &mut AsyncPgConnection, id: EmployerId, scope: Option<EmployerId>) -> QueryResult<()> {
    // An employer user may touch only its own record: another's is simply not found.
    if scope.is_some_and(|own| own != id) {
        return Err(diesel::result::Error::NotFound);
    }
    employers::table
        .find(id.0)
        .select(employers::id)
        .for_no_key_update()
        .first::<Uuid>(conn)
        .await
        .map(|_| ())
}

pub async fn exists(conn: &mut AsyncPgConnection, id: EmployerId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(employers::table.filter(employers::id.eq(id.0))))
        .get_result(conn)
        .await
}

/// Employers newest first; `scope` confines an employer user to its own record; `with_worker_places`
/// keeps only those with worker places (approvals).
pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: Option<EmployerId>,
    after: Option<Cursor>,
    limit: usize,
    with_worker_places: bool,
) -> QueryResult<Page<Employer>> {
    let mut query = employers::table.into_boxed();
    if let Some(own) = scope {
        query = query.filter(employers::id.eq(own.0));
    }
    if with_worker_places {
        query = query.filter(diesel::dsl::exists(
            worker_places::table.filter(worker_places::employer_id.eq(employers::id)),
        ));
    }
    if let Some(cursor) = after {
        query = query.filter(
            employers::created_at.lt(cursor.created_at).or(employers::created_at
                .eq(cursor.created_at)
                .and(employers::id.lt(cursor.id))),
        );
    }
    let rows: Vec<Employer> = query
        .select(EmployerRow::as_select())
        .order((employers::created_at.desc(), employers::id.desc()))
        .limit(limit as i64 + 1)
        .load(conn)
        .await?
        .into_iter()
        .map(Employer::from)
        .collect();
    Ok(Page::from_overfetch(rows, limit, |e| Cursor {
        created_at: e.created_at,
        id: e.id.0,
    }))
}
