//! Webhooks: an employer registers a URL and receives each of its notifications there as a signed
//! POST (docs/notifications.md). Each delivery is retried with exponential backoff until it succeeds
//! or runs out of attempts (dead-lettered, for an administrator to replay); every attempt is kept.
//! A delivery recorded as delivered is never sent again.

use std::net::IpAddr;
use std::time::Instant;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use uuid::Uuid;

use super::error::{Result, WorkflowError, not_found};
use super::jobs::JobSettings;
use super::notify;
use super::unit::{self, Change, Command, Locks, Reply};
use crate::db::notifications::{self, Attempt, Delivery, Webhook};
use crate::db::{self, DbPool};
use crate::domain::Viewer;
use crate::domain::audit::{AuditRecord, Entity};
use crate::domain::notification::Language;
use crate::personal_data::TravelDocumentKey;

/// The header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
pub const SIGNATURE_HEADER: &str = "SLS-Signature";
pub const DELIVERY_HEADER: &str = "SLS-Delivery-Id";
pub const EVENT_HEADER: &str = "SLS-Event";

/// The signature of `body` sent at `timestamp` (Unix seconds) under `secret`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

/// A webhook registered, with its signing secret (shown once, at registration).
#[derive(Debug, Clone)]
pub struct Registered {
    pub webhook: Webhook,
    pub secret: String,
}

/// An employer registers a webhook for its own notifications.
pub async fn register(
    pool: &DbPool,
    cmd: &Command,
    secrets: &TravelDocumentKey,
    url: url::Url,
    language: Language,
    reply: impl FnOnce(&Registered) -> Result<Reply>,
) -> Result<Reply> {
    let employer = cmd
        .actor
        .employer_id
        .ok_or_else(|| WorkflowError::Forbidden("Only an employer's user registers its webhooks.".into()))?;
    unit::write(
        pool,
        cmd,
        Locks::employer(employer),
        async |conn, _| {
            let webhook = notifications::insert_webhook(conn, employer, url.as_str(), language, &cmd.actor.sub).await?;
            let record = AuditRecord::created(Entity::Webhook(webhook.id), "webhook.registered", &summary(&webhook))?;
            let secret = secrets.webhook_secret(webhook.id);
            Ok(Change::new(Registered { webhook, secret }, record))
        },
        reply,
    )
    .await
}

fn summary(webhook: &Webhook) -> serde_json::Value {
    json!({"employer_id": webhook.employer_id, "url": webhook.url, "language": webhook.language, "active": webhook.active})
}

/// Stops deliveries to a webhook (its history stays).
pub async fn deactivate(
    pool: &DbPool,
    cmd: &Command,
    id: Uuid,
    reply: impl FnOnce(&Webhook) -> Result<Reply>,
) -> Result<Reply> {
    unit::write(
        pool,
        cmd,
        Locks::nothing(),
        async |conn, _| {
            super::agencies::check_employer_wide(conn, cmd.actor.viewer(), Some(cmd.today)).await?;
            let before = notifications::get_webhook(conn, id, cmd.scope())
                .await
                .map_err(not_found("webhook"))?;
            let after = notifications::deactivate_webhook(conn, id).await?;
            let record = AuditRecord::changed(
                Entity::Webhook(id),
                "webhook.deactivated",
                &summary(&before),
                &summary(&after),
            )?;
            Ok(Change::new(after, record))
        },
        reply,
    )
    .await
}

/// The webhooks the viewer may see: an employer its own, auditors and administrators all.
pub async fn list(pool: &DbPool, viewer: Viewer) -> Result<Vec<Webhook>> {
    unit::read(pool, async |conn| {
        if super::agencies::check_employer_wide(conn, viewer, None).await.is_err() {
            return Ok(Vec::new());
        }
        Ok(notifications::list_webhooks(conn, viewer.scope()).await?)
    })
    .await
}

/// A webhook with its latest deliveries and their attempts.
pub async fn history(
    pool: &DbPool,
    viewer: Viewer,
    id: Uuid,
    limit: i64,
) -> Result<(Webhook, Vec<(Delivery, Vec<Attempt>)>)> {
    unit::read(pool, async |conn| {
        super::agencies::check_employer_wide(conn, viewer, None)
            .await
            .map_err(|_| WorkflowError::NotFound("webhook"))?;
        let webhook = notifications::get_webhook(conn, id, viewer.scope())
            .await
            .map_err(not_found("webhook"))?;
        let deliveries = notifications::deliveries_of(conn, id, limit).await?;
        Ok((webhook, deliveries))
    })
    .await
}

/// An administrator sends a dead-lettered delivery again (a new cycle of attempts; audited).
pub async fn replay(
    pool: &DbPool,
    cmd: &Command,
    webhook: Uuid,
    delivery: Uuid,
    reply: impl FnOnce(&Delivery) -> Result<Reply>,
) -> Result<Reply> {
    unit::write(
        pool,
        cmd,
        Locks::nothing(),
        async |conn, _| {
            let (before, hook, _) = notifications::delivery_for_update(conn, delivery)
                .await
                .map_err(not_found("delivery"))?;
            if before.webhook_id != webhook {
                return Err(WorkflowError::NotFound("delivery"));
            }
            if before.state != "DEAD" {
                return Err(WorkflowError::Conflict(format!(
                    "Only a dead-lettered delivery is replayed; this one is {}.",
                    before.state
                )));
            }
            if !hook.active {
                return Err(WorkflowError::Conflict("The webhook is no longer active.".into()));
            }
            let after = notifications::revive(conn, delivery).await?;
            notify::queue_delivery(conn, delivery, before.attempts).await?;
            let record = AuditRecord::changed(
                Entity::Webhook(webhook),
                "webhook.delivery_replayed",
                &json!({"delivery_id": delivery, "state": before.state, "attempts": before.attempts}),
                &json!({"delivery_id": delivery, "state": after.state, "attempts": after.attempts}),
            )?;
            Ok(Change::new(after, record))
        },
        reply,
    )
    .await
}

/// One attempt at `delivery`: nothing when it is no longer pending (delivered, or dead); otherwise the
/// signed POST, its attempt recorded, and the delivery DELIVERED, PENDING until `retry_at`, or DEAD when
/// there is no retry left. An error is the attempt's failure, for the job to retry.
pub async fn deliver(
    pool: &DbPool,
    http: &reqwest::Client,
    secrets: &TravelDocumentKey,
    settings: &JobSettings,
    delivery: Uuid,
    retry_at: Option<DateTime<Utc>>,
) -> Result<(), String> {
    let loaded = unit::read(pool, async |conn| {
        Ok(notifications::delivery_for_update(conn, delivery).await?)
    })
    .await
    .map_err(|e| e.to_string())?;
    let (pending, hook, notification) = loaded;
    if pending.state != "PENDING" {
        return Ok(());
    }
    if !hook.active {
        return record(
            pool,
            &pending,
            0,
            None,
            Some("the webhook was deactivated".into()),
            "DEAD",
            None,
        )
        .await;
    }
    let language = hook.language();
    let text = notification.notice.text(language);
    let body = serde_json::to_vec(&json!({
        "id": notification.id,
        "delivery_id": pending.id,
        "kind": notification.notice.kind(),
        "occurred_on": notification.occurred_on,
        "created_at": notification.created_at,
        "application_id": notification.application_id.map(|a| a.0),
        "worker_id": notification.worker_id,
        "language": language.as_str(),
        "title": text.title,
        "body": text.body,
        "facts": notification.notice,
    }))
    .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let sent = send(http, secrets, settings, &hook, &pending, &body).await;
    let elapsed = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    match sent {
        Ok(status) if (200..300).contains(&status) => {
            record(pool, &pending, elapsed, Some(status), None, "DELIVERED", None).await
        }
        outcome => {
            let (status, error) = match outcome {
                Ok(status) => (Some(status), format!("the receiver answered {status}")),
                Err(error) => (None, error),
            };
            let state = if retry_at.is_some() { "PENDING" } else { "DEAD" };
            record(pool, &pending, elapsed, status, Some(error.clone()), state, retry_at).await?;
            Err(error)
        }
    }
}

/// The POST itself: the receiver's status, or why there was none.
async fn send(
    http: &reqwest::Client,
    secrets: &TravelDocumentKey,
    settings: &JobSettings,
    hook: &Webhook,
    delivery: &Delivery,
    body: &[u8],
) -> Result<i32, String> {
    let url = url::Url::parse(&hook.url).map_err(|e| format!("the webhook's URL is not valid: {e}"))?;
    if !settings.webhook_private_addresses {
        refuse_private(&url).await?;
    }
    let secret = secrets.webhook_secret(hook.id);
    let response = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature(&secret, Utc::now().timestamp(), body))
        .header(DELIVERY_HEADER, delivery.id.to_string())
        .header(EVENT_HEADER, hook.id.to_string())
        .body(body.to_vec())
        .send()
        .await
        .map_err(|e| format!("no answer: {e}"))?;
    Ok(i32::from(response.status().as_u16()))
}

/// Production delivers only to public addresses: a webhook must not reach the service's own network.
async fn refuse_private(url: &url::Url) -> Result<(), String> {
    let host = url.host_str().ok_or("the URL has no host")?;
    let port = url.port_or_known_default().unwrap_or(443);
    let addresses = tokio::net::lookup_host((host.trim_matches(['[', ']']), port))
        .await
        .map_err(|e| format!("cannot resolve {host}: {e}"))?;
    for address in addresses {
        if !is_public(address.ip()) {
            return Err(format!("{host} resolves to a non-public address; not delivered"));
        }
    }
    Ok(())
}

/// Not loopback, private, link-local, unspecified, multicast or documentation space.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            let segments = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (segments[0] & 0xfe00) == 0xfc00
                || (segments[0] & 0xffc0) == 0xfe80
                || v6.to_ipv4_mapped().is_some_and(|v4| !is_public(IpAddr::V4(v4))))
        }
    }
}

/// Records an attempt and the delivery's new state.
async fn record(
    pool: &DbPool,
    delivery: &Delivery,
    duration_ms: i32,
    status_code: Option<i32>,
    error: Option<String>,
    state: &str,
    next_attempt_at: Option<DateTime<Utc>>,
) -> Result<(), String> {
    let attempt = Attempt {
        delivery_id: delivery.id,
        attempt_no: delivery.attempts + 1,
        attempted_at: Utc::now(),
        status_code,
        error: error.map(|e| e.chars().take(1000).collect()),
        duration_ms,
    };
    unit::read(pool, async |conn| {
        db::in_transaction(conn, async |conn| {
            Ok(notifications::record_attempt(conn, &attempt, state, next_attempt_at).await?)
        })
        .await
    })
    .await
    .map(|_| ())
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_covers_the_timestamp_and_the_body() {
        let a = signature("secret", 1_700_000_000, b"{}");
        assert!(a.starts_with("t=1700000000,v1="));
        assert_eq!(a.len(), "t=1700000000,v1=".len() + 64);
        assert_ne!(a, signature("secret", 1_700_000_001, b"{}"));
        assert_ne!(a, signature("secret", 1_700_000_000, b"{ }"));
        assert_ne!(a, signature("other", 1_700_000_000, b"{}"));
    }

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.4",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["8.8.8.8", "203.0.113.0", "2001:4860:4860::8888"] {
            let ip: IpAddr = public.parse().unwrap();
            // 203.0.113.0/24 is documentation space: not public.
            assert_eq!(is_public(ip), public != "203.0.113.0", "{public}");
        }
    }
}
