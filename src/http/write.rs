//! What every write handler does around its use case: the [`Command`] it runs under (who acts, the
//! service's today, the `Idempotency-Key` and `If-Match` sent) and the HTTP response of the reply the
//! use case gave (or replayed).
//!
//! `Idempotency-Key` (api.md conventions): the reply of the first successful request with a key is
//! stored in the same transaction as the change, so a retry gets that same reply, marked
//! `Idempotent-Replayed: true`, and nothing happens twice. A key belongs to everything that owns the
//! result: the token's subject, the employer and agency it acts for, and the operation (method and route
//! pattern); reusing it in that scope for a different path or body is refused with 422. Failed requests
//! are not stored: their retry runs again. A retry that arrives while the first is still being committed
//! gets 409 ("in progress, retry shortly"), as the well-known payment APIs answer.

use crate::telemetry::RequestIdentity;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName};
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::extract::if_match;
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::domain::audit::Actor;
use crate::error::ApiError;
use crate::workflow::{self, Command, IdempotencyKey, KeyOwner, Reply};

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// The audit actor for this request: who, in which role, for which employer, and the request id.
pub fn actor(user: &AuthUser, req: &HttpRequest) -> Actor {
    Actor {
        sub: user.sub.clone(),
        role: user.role,
        employer_id: user.employer_id,
        request_id: req.extensions().get::<RequestIdentity>().map(ToString::to_string),
        on_behalf_of: user
            .agency
            .as_ref()
            .and(user.employer_id)
            .map(|e| format!("employer:{e}")),
        agency: user.agency.clone(),
    }
}

/// The command a write runs under; `body` is the request body, which a retry must repeat exactly.
pub fn command(user: &AuthUser, req: &HttpRequest, clock: &Clock, body: &[u8]) -> Result<Command, ApiError> {
    Ok(Command {
        actor: actor(user, req),
        today: clock.today(),
        idempotency: idempotency_key(req, body)?,
        if_match: if_match(req)?,
    })
}

/// The `Idempotency-Key` sent, with the request it was sent with; `None` when the client sent none.
fn idempotency_key(req: &HttpRequest, body: &[u8]) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(value) = req.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| (1..=200).contains(&k.len()))
        .ok_or_else(|| ApiError::field("Idempotency-Key", "must be 1 to 200 visible ASCII characters"))?;
    Ok(Some(IdempotencyKey {
        owner: KeyOwner::Caller,
        key: key.to_owned(),
        method: req.method().to_string(),
        route: req.match_pattern().unwrap_or_else(|| req.path().to_owned()),
        path: req.path().to_owned(),
        body_hash: format!("{:x}", Sha256::digest(body)),
    }))
}

/// `200 OK` with `body`.
pub fn ok(body: &impl Serialize) -> workflow::Result<Reply> {
    Reply::new(StatusCode::OK.as_u16(), body)
}

/// `201 Created` with `body`.
pub fn created(body: &impl Serialize) -> workflow::Result<Reply> {
    Reply::new(StatusCode::CREATED.as_u16(), body)
}

/// The HTTP response of a use case's reply.
pub fn respond(reply: Reply) -> HttpResponse {
    let mut response = HttpResponse::build(StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK));
    if let Some(etag) = reply.etag {
        response.insert_header((header::ETAG, etag));
    }
    if let Some(location) = reply.location {
        response.insert_header((header::LOCATION, location));
    }
    if reply.replayed {
        response.insert_header((IDEMPOTENT_REPLAYED, "true"));
    }
    response.json(reply.body)
}
