//! Stored first responses for `Idempotency-Key` retries.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;

use super::schema::idempotency_keys;

/// The request a key was first used for, and the response it got.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct IdempotentRecord {
    pub actor_sub: String,
    pub key: String,
    pub request_method: String,
    pub request_path: String,
    pub request_hash: String,
    pub response_status: i16,
    pub response_etag: Option<String>,
    pub response_location: Option<String>,
    pub response_body: Value,
}

pub async fn find(conn: &mut AsyncPgConnection, actor_sub: &str, key: &str) -> QueryResult<Option<IdempotentRecord>> {
    idempotency_keys::table
        .filter(
            idempotency_keys::actor_sub
                .eq(actor_sub)
                .and(idempotency_keys::key.eq(key)),
        )
        .select(IdempotentRecord::as_select())
        .first(conn)
        .await
        .optional()
}

/// Stores the first response. A concurrent first use of the same key fails on the primary key.
pub async fn save(conn: &mut AsyncPgConnection, record: &IdempotentRecord) -> QueryResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values(record)
        .execute(conn)
        .await
        .map(|_| ())
}
