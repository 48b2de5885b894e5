//! Agency authorisations: which of an employer's applications an agency may act on, and when.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::agency_authorisations;
use crate::domain::{AgencyKey, EmployerId};

/// An employer's authorisation of an agency.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = agency_authorisations)]
pub struct Authorisation {
    pub id: Uuid,
    pub employer_id: Uuid,
    pub agency: String,
    #[serde(skip)]
    pub agency_key: Uuid,
    /// `None`: every application of the employer, present and future.
    pub application_ids: Option<Vec<Uuid>>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub letter_document_id: Uuid,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<String>,
}

pub async fn insert(conn: &mut AsyncPgConnection, a: &Authorisation) -> QueryResult<()> {
    diesel::insert_into(agency_authorisations::table)
        .values((
            agency_authorisations::id.eq(a.id),
            agency_authorisations::employer_id.eq(a.employer_id),
            agency_authorisations::agency.eq(&a.agency),
            agency_authorisations::agency_key.eq(a.agency_key),
            agency_authorisations::application_ids.eq(a.application_ids.clone()),
            agency_authorisations::valid_from.eq(a.valid_from),
            agency_authorisations::valid_until.eq(a.valid_until),
            agency_authorisations::letter_document_id.eq(a.letter_document_id),
            agency_authorisations::created_by.eq(&a.created_by),
            agency_authorisations::created_at.eq(a.created_at),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// The employer's authorisations, newest first.
pub async fn of_employer(conn: &mut AsyncPgConnection, employer: EmployerId) -> QueryResult<Vec<Authorisation>> {
    agency_authorisations::table
        .filter(agency_authorisations::employer_id.eq(employer.0))
        .order((agency_authorisations::created_at.desc(), agency_authorisations::id))
        .select(Authorisation::as_select())
        .load(conn)
        .await
}

/// One authorisation of the employer, locked for a change.
pub async fn get_for_update(
    conn: &mut AsyncPgConnection,
    employer: EmployerId,
    id: Uuid,
) -> QueryResult<Authorisation> {
    agency_authorisations::table
        .find(id)
        .filter(agency_authorisations::employer_id.eq(employer.0))
        .select(Authorisation::as_select())
        .for_update()
        .first(conn)
        .await
}

pub async fn revoke(conn: &mut AsyncPgConnection, id: Uuid, by: &str) -> QueryResult<Authorisation> {
    diesel::update(agency_authorisations::table.find(id))
        .set((
            agency_authorisations::revoked_at.eq(Utc::now()),
            agency_authorisations::revoked_by.eq(by),
        ))
        .returning(Authorisation::as_returning())
        .get_result(conn)
        .await
}

/// The authorisations in force on `on` for the agency `key` acting for `employer`.
pub async fn in_force(
    conn: &mut AsyncPgConnection,
    employer: EmployerId,
    key: AgencyKey,
    on: NaiveDate,
) -> QueryResult<Vec<Option<Vec<Uuid>>>> {
    agency_authorisations::table
        .filter(agency_authorisations::employer_id.eq(employer.0))
        .filter(agency_authorisations::agency_key.eq(key.0))
        .filter(agency_authorisations::revoked_at.is_null())
        .filter(agency_authorisations::valid_from.le(on))
        .filter(agency_authorisations::valid_until.ge(on))
        .select(agency_authorisations::application_ids)
        .load(conn)
        .await
}
