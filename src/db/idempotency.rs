//! Stored first responses for `Idempotency-Key` retries.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;

use super::schema::idempotency_keys;

/// The request a key was first used for, and the response it got.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyUse {
    pub actor_sub: String,
    pub key: String,
    pub method: String,
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
    key: String,
    request_method: String,
    request_path: String,
    request_hash: String,
    response_status: i16,
    response_etag: Option<String>,
    response_location: Option<String>,
    response_body: Value,
}

pub async fn find(conn: &mut AsyncPgConnection, actor_sub: &str, key: &str) -> QueryResult<Option<KeyUse>> {
    let row: Option<KeyRow> = idempotency_keys::table
        .filter(
            idempotency_keys::actor_sub
                .eq(actor_sub)
                .and(idempotency_keys::key.eq(key)),
        )
        .select(KeyRow::as_select())
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|r| KeyUse {
        actor_sub: r.actor_sub,
        key: r.key,
        method: r.request_method,
        path: r.request_path,
        body_hash: r.request_hash,
        status: r.response_status.unsigned_abs(),
        etag: r.response_etag,
        location: r.response_location,
        body: r.response_body,
    }))
}

/// Stores the first response. A concurrent first use of the same key fails on the primary key.
pub async fn save(conn: &mut AsyncPgConnection, used: &KeyUse) -> QueryResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values(KeyRow {
            actor_sub: used.actor_sub.clone(),
            key: used.key.clone(),
            request_method: used.method.clone(),
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
