//! `Idempotency-Key` on POSTs that create or act (api.md conventions).
//!
//! The response of the first successful request with a key is stored in the same transaction as the
//! change, so a retry (after a timeout, say) gets that same response, marked `Idempotent-Replayed: true`,
//! and nothing happens twice. A key is scoped to the token's subject; reusing it for a different request
//! is refused with 422. Failed requests are not stored: their retry runs again.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::auth::AuthUser;
use crate::db::Conn;
use crate::db::idempotency::{self, IdempotentRecord};
use crate::error::ApiError;

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// A successful write's response, built inside the transaction so it can be stored with the change.
#[derive(Debug, Clone)]
pub struct WriteResponse {
    pub status: StatusCode,
    pub etag: Option<String>,
    pub location: Option<String>,
    pub body: Value,
    pub replayed: bool,
}

impl WriteResponse {
    pub fn new(status: StatusCode, body: &impl Serialize) -> Result<Self, ApiError> {
        Ok(Self {
            status,
            etag: None,
            location: None,
            body: serde_json::to_value(body)?,
            replayed: false,
        })
    }

    pub fn etag(mut self, etag: String) -> Self {
        self.etag = Some(etag);
        self
    }

    pub fn location(mut self, location: String) -> Self {
        self.location = Some(location);
        self
    }

    pub fn into_response(self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(etag) = self.etag {
            response.insert_header((header::ETAG, etag));
        }
        if let Some(location) = self.location {
            response.insert_header((header::LOCATION, location));
        }
        if self.replayed {
            response.insert_header((IDEMPOTENT_REPLAYED, "true"));
        }
        response.json(self.body)
    }
}

/// The key a request carries, with what identifies the request it may be replayed for.
#[derive(Debug, Clone)]
pub struct Idempotency {
    record: IdempotentRecord,
}

impl Idempotency {
    /// Reads the header; `None` when the client sent no key.
    pub fn from_request(req: &HttpRequest, user: &AuthUser, body: &[u8]) -> Result<Option<Self>, ApiError> {
        let Some(value) = req.headers().get(IDEMPOTENCY_KEY) else {
            return Ok(None);
        };
        let key = value
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|k| (1..=200).contains(&k.len()))
            .ok_or_else(|| ApiError::field("Idempotency-Key", "must be 1 to 200 visible ASCII characters"))?;
        let hash = format!("{:x}", Sha256::digest(body));
        Ok(Some(Self {
            record: IdempotentRecord {
                actor_sub: user.sub.clone(),
                key: key.to_owned(),
                request_method: req.method().to_string(),
                request_path: req.path().to_owned(),
                request_hash: hash,
                response_status: 0,
                response_etag: None,
                response_location: None,
                response_body: Value::Null,
            },
        }))
    }

    /// The stored response when this key was already used for this same request.
    pub async fn replay(&self, conn: &mut Conn) -> Result<Option<WriteResponse>, ApiError> {
        let Some(stored) = idempotency::find(conn, &self.record.actor_sub, &self.record.key).await? else {
            return Ok(None);
        };
        let same_request = stored.request_method == self.record.request_method
            && stored.request_path == self.record.request_path
            && stored.request_hash == self.record.request_hash;
        if !same_request {
            return Err(ApiError::IdempotencyKeyReused);
        }
        Ok(Some(WriteResponse {
            status: StatusCode::from_u16(stored.response_status.unsigned_abs())
                .map_err(|e| ApiError::Internal(e.into()))?,
            etag: stored.response_etag,
            location: stored.response_location,
            body: stored.response_body,
            replayed: true,
        }))
    }

    /// Stores the response for later retries (call in the transaction that made the change).
    pub async fn remember(&self, conn: &mut Conn, response: &WriteResponse) -> Result<(), ApiError> {
        let record = IdempotentRecord {
            response_status: i16::try_from(response.status.as_u16()).map_err(|e| ApiError::Internal(e.into()))?,
            response_etag: response.etag.clone(),
            response_location: response.location.clone(),
            response_body: response.body.clone(),
            ..self.record.clone()
        };
        idempotency::save(conn, &record)
            .await
            .map_err(|err| match ApiError::from(err) {
                // Another request with this key is committing right now; its retry will get the replay.
                ApiError::Conflict(_) => ApiError::Conflict(
                    "A request with this Idempotency-Key is already in progress; retry shortly.".into(),
                ),
                other => other,
            })
    }
}

/// Runs `replay` if a key was sent.
pub async fn replay(idempotency: Option<&Idempotency>, conn: &mut Conn) -> Result<Option<WriteResponse>, ApiError> {
    match idempotency {
        Some(key) => key.replay(conn).await,
        None => Ok(None),
    }
}

/// Runs `remember` if a key was sent.
pub async fn remember(
    idempotency: Option<&Idempotency>,
    conn: &mut Conn,
    response: &WriteResponse,
) -> Result<(), ApiError> {
    match idempotency {
        Some(key) => key.remember(conn, response).await,
        None => Ok(()),
    }
}
