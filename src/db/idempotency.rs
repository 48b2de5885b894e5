//! Stored first responses for `Idempotency-Key` retries.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use super::schema::idempotency_keys;

/// Who owns a key: the caller, the employer and the agency it acts for, and the operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyScope {
    pub actor_sub: String,
    pub employer_id: Option<Uuid>,
    pub agency: Option<String>,
    pub method: String,
    /// The route pattern, e.g. `/v1/applications/{id}/actions/{action}`.
    pub route: String,
    pub key: String,
}

/// The request a key was first used for, and the response it got.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyUse {
    pub scope: KeyScope,
    pub path: String,
    /// SHA-256 of the request body, hex.
    pub body_hash: String,
    pub status: u16,
    pub etag: Option<String>,
    pub location: Option<String>,
    pub body: Value,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
struct KeyRow {
    actor_sub: String,
    employer_id: Option<Uuid>,
    agency: Option<String>,
    key: String,
    request_method: String,
    request_route: String,
    request_path: String,
    request_hash: String,
    response_status: i16,
    response_etag: Option<String>,
    response_location: Option<String>,
    response_body: Value,
}

/// The first use of the key in `scope`, if any.
pub async fn find(conn: &mut AsyncPgConnection, scope: &KeyScope) -> QueryResult<Option<KeyUse>> {
    use diesel::PgExpressionMethods;
    let row: Option<KeyRow> = idempotency_keys::table
        .filter(idempotency_keys::actor_sub.eq(&scope.actor_sub))
        .filter(idempotency_keys::employer_id.is_not_distinct_from(scope.employer_id))
        .filter(idempotency_keys::agency.is_not_distinct_from(scope.agency.as_deref()))
        .filter(idempotency_keys::request_method.eq(&scope.method))
        .filter(idempotency_keys::request_route.eq(&scope.route))
        .filter(idempotency_keys::key.eq(&scope.key))
        .select(KeyRow::as_select())
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|r| KeyUse {
        scope: KeyScope {
            actor_sub: r.actor_sub,
            employer_id: r.employer_id,
            agency: r.agency,
            method: r.request_method,
            route: r.request_route,
            key: r.key,
        },
        path: r.request_path,
        body_hash: r.request_hash,
        status: r.response_status.unsigned_abs(),
        etag: r.response_etag,
        location: r.response_location,
        body: r.response_body,
    }))
}

/// Stores the first response. A concurrent first use of the same key fails on the scope's unique key.
pub async fn save(conn: &mut AsyncPgConnection, used: &KeyUse) -> QueryResult<()> {
    let scope = used.scope.clone();
    diesel::insert_into(idempotency_keys::table)
        .values(KeyRow {
            actor_sub: scope.actor_sub,
            employer_id: scope.employer_id,
            agency: scope.agency,
            key: scope.key,
            request_method: scope.method,
            request_route: scope.route,
            request_path: used.path.clone(),
            request_hash: used.body_hash.clone(),
            response_status: i16::try_from(used.status).unwrap_or(i16::MAX),
            response_etag: used.etag.clone(),
            response_location: used.location.clone(),
            response_body: used.body.clone(),
        })
        .execute(conn)
        .await
        .map(|_| ())
}
