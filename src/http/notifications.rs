//! Notifications (read and unread), webhooks with their delivery history, and the job queue.

use actix_web::http::header::{self, AcceptLanguage, Header};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{JsonBody, QueryParams};
use super::write::{command, created, ok, respond};
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::db::jobs::Job;
use crate::db::notifications::{Attempt, Delivery, Webhook};
use crate::domain::notification::{Language, Notification, Recipient};
use crate::domain::{EmployerId, Role};
use crate::error::{ApiError, FieldError, Problem};
use crate::openapi::ReadOneErrors;
use crate::personal_data::TravelDocumentKey;
use crate::workflow::{DbPool, inbox, jobs, webhooks};

/// The language a reader gets: the first of `Accept-Language` the service writes, else `preference`.
pub fn language(req: &HttpRequest, preference: Language) -> Language {
    AcceptLanguage::parse(req)
        .ok()
        .and_then(|accepted| {
            accepted.ranked().into_iter().find_map(|tag| match tag {
                header::Preference::Specific(tag) => Language::from_tag(tag.as_str()),
                header::Preference::Any => None,
            })
        })
        .unwrap_or(preference)
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NotificationQuery {
    /// `true`: only unread notifications.
    pub unread: Option<bool>,
    /// Items per page (1 to 500, default 50).
    #[validate(range(min = 1, max = 500))]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationResponse {
    pub id: Uuid,
    /// What it is about, e.g. `information_requested`, `decision`, `briefing_overdue`.
    pub kind: String,
    /// `en` or `zh-HK`: the caller's `Accept-Language`, else the employer's preferred language.
    pub language: String,
    pub title: String,
    pub body: String,
    /// The facts the text was written from.
    #[schema(value_type = Object)]
    pub facts: serde_json::Value,
    pub application_id: Option<Uuid>,
    pub worker_id: Option<Uuid>,
    /// Who it is for: `employer`, `staff` (a named officer) or `role`.
    pub recipient: String,
    pub occurred_on: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub read: bool,
    pub read_at: Option<DateTime<Utc>>,
}

impl NotificationResponse {
    fn new(n: Notification, language: Language) -> Self {
        let text = n.notice.text(language);
        Self {
            id: n.id,
            kind: n.notice.kind().to_owned(),
            language: language.as_str().to_owned(),
            title: text.title,
            body: text.body,
            facts: serde_json::to_value(&n.notice).unwrap_or_default(),
            application_id: n.application_id.map(|a| a.0),
            worker_id: n.worker_id,
            recipient: match n.recipient {
                Recipient::Employer(_) => "employer",
                Recipient::Staff(_) => "staff",
                Recipient::Role(_) => "role",
            }
            .to_owned(),
            occurred_on: n.occurred_on,
            created_at: n.created_at,
            read: n.read_at.is_some(),
            read_at: n.read_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationListResponse {
    /// Newest first.
    pub items: Vec<NotificationResponse>,
    pub next_cursor: Option<String>,
    /// Unread notifications in the caller's inbox in all.
    pub unread: i64,
}

/// The caller's notifications, newest first, with the number unread.
///
/// An employer's users see their employer's; caseworkers and approvers what is addressed to them (their
/// cases' events) or to their role; administrators warnings for administrators; auditors every
/// notification. Texts in English or Traditional Chinese (Hong Kong): the caller's `Accept-Language`,
/// else the employer's preferred language, else English.
///
/// Who may call it: employers, caseworkers, approvers, inspectors and administrators (each their own
/// inbox; an agency only its authorised cases' notices) and auditors (all). LAB members and Immigration have none.
#[utoipa::path(tag = "notifications", security(("bearer" = [])), params(NotificationQuery, ("Accept-Language" = Option<String>, Header, description = "`en` or `zh-HK` (also `zh`, `zh-Hant`, `zh-TW`)")), responses(
    (status = 200, body = NotificationListResponse),
    (status = 400, description = "Invalid query parameter", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[get("/notifications")]
pub async fn list_notifications(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    query: QueryParams<NotificationQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(&INBOX_READERS)?;
    let query = query.0;
    let inbox = inbox::inbox_of(user.viewer(), &user.sub)?;
    let preference = preferred_language(&pool, user.employer_id).await?;
    let language = language(&req, preference);
    let limit = i64::from(query.limit.unwrap_or(50));
    let before = match query.cursor.as_deref() {
        Some(raw) => Some(raw.parse::<i64>().ok().filter(|_| raw.len() <= 18).ok_or_else(|| {
            ApiError::Validation(vec![FieldError::new("cursor", "is not a cursor returned by this API")])
        })?),
        None => None,
    };
    let (items, unread) = inbox::list(
        &pool,
        user.viewer(),
        inbox,
        query.unread.unwrap_or(false),
        before,
        limit,
    )
    .await?;
    let next_cursor = (items.len() as i64 == limit)
        .then(|| items.last().map(|n| n.seq.to_string()))
        .flatten();
    Ok(HttpResponse::Ok().json(NotificationListResponse {
        items: items
            .into_iter()
            .map(|n| NotificationResponse::new(n, language))
            .collect(),
        next_cursor,
        unread,
    }))
}

async fn preferred_language(pool: &DbPool, employer: Option<EmployerId>) -> Result<Language, ApiError> {
    Ok(match employer {
        Some(employer) => crate::workflow::employers::preferred_language(pool, employer).await?,
        None => Language::En,
    })
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"read": true})))]
#[serde(deny_unknown_fields)]
pub struct MarkNotificationRequest {
    /// `true`: read; `false`: unread again.
    pub read: bool,
}

/// Mark a notification read or unread.
///
/// Only a notification of the caller's own inbox (another's is 404). Audited: when a notice was read
/// is part of its case's history.
///
/// Who may call it: employers, caseworkers, approvers, inspectors and administrators, for their own inbox.
#[utoipa::path(tag = "notifications", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Notification id"), ("Accept-Language" = Option<String>, Header, description = "`en` or `zh-HK`")),
    request_body = MarkNotificationRequest, responses(
    (status = 200, body = NotificationResponse),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[patch("/notifications/{id}")]
pub async fn mark_notification(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[
        Role::Employer,
        Role::Caseworker,
        Role::Approver,
        Role::Admin,
        Role::Inspector,
    ])?;
    let request = body.parse::<MarkNotificationRequest>()?;
    let inbox = inbox::inbox_of(user.viewer(), &user.sub)?;
    let language = language(&req, preferred_language(&pool, user.employer_id).await?);
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let reply = inbox::mark(&pool, &cmd, inbox, id.into_inner(), request.read, |n| {
        ok(&NotificationResponse::new(n.clone(), language))
    })
    .await?;
    Ok(respond(reply))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"url": "https://hr.example.com/hooks/esls", "language": "zh-HK"})))]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookRequest {
    /// Where notifications are POSTed: `https` (`http` only outside production).
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000, pattern = "^https?://")]
    pub url: String,
    /// The language of the texts sent: `en` (default) or `zh-HK`; never `null`.
    #[serde(default, deserialize_with = "crate::http::extract::present")]
    #[schema(schema_with = crate::openapi::enums::language)]
    pub language: Option<Language>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookResponse {
    pub id: Uuid,
    pub employer_id: Uuid,
    pub url: String,
    pub language: String,
    pub active: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// The signing secret: returned once, at registration. Verify `SLS-Signature: t=<unix>,v1=<hex>`
    /// as HMAC-SHA256 of `<t>.<body>` under it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl From<Webhook> for WebhookResponse {
    fn from(w: Webhook) -> Self {
        Self {
            id: w.id,
            employer_id: w.employer_id,
            url: w.url,
            language: w.language,
            active: w.active,
            created_by: w.created_by,
            created_at: w.created_at,
            secret: None,
        }
    }
}

/// Whether webhooks may point at `http` URLs and private addresses (outside production).
#[derive(Debug, Clone, Copy)]
pub struct WebhookPolicy {
    pub allow_insecure: bool,
}

impl CreateWebhookRequest {
    fn url(&self, policy: WebhookPolicy) -> Result<url::Url, ApiError> {
        let bad = |reason: &str| ApiError::Validation(vec![FieldError::new("url", reason)]);
        let url = url::Url::parse(self.url.trim()).map_err(|_| bad("must be an absolute http(s) URL"))?;
        match url.scheme() {
            "https" => {}
            "http" if policy.allow_insecure => {}
            "http" => return Err(bad("must use https")),
            _ => return Err(bad("must be an absolute http(s) URL")),
        }
        if url.host_str().is_none_or(str::is_empty) || !url.username().is_empty() || url.password().is_some() {
            return Err(bad("must name a host and carry no credentials"));
        }
        if !policy.allow_insecure
            && let Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) = url.host()
            && url
                .host_str()
                .and_then(|h| h.trim_matches(['[', ']']).parse().ok())
                .is_some_and(|ip| !webhooks::is_public(ip))
        {
            return Err(bad("must not be a private or loopback address"));
        }
        Ok(url)
    }
}

/// Register a webhook for the employer's notifications.
///
/// Every notification for the employer is POSTed to it as JSON, signed (`SLS-Signature`), with the
/// delivery's id (`SLS-Delivery-Id`); failed deliveries are retried with exponential backoff and
/// dead-lettered after 8 attempts. The signing secret is in this response only.
///
/// Who may call it: an employer's user, for its own employer.
#[utoipa::path(tag = "notifications", security(("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body = CreateWebhookRequest, responses(
    (status = 201, body = WebhookResponse),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Idempotency-Key reused for a different request", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[post("/webhooks")]
pub async fn create_webhook(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    secrets: web::Data<TravelDocumentKey>,
    policy: web::Data<WebhookPolicy>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Employer])?;
    let request = body.parse::<CreateWebhookRequest>()?;
    let url = request.url(**policy)?;
    let cmd = command(&user, &req, &clock, body.bytes())?;
    let reply = webhooks::register(&pool, &cmd, &secrets, url, request.language.unwrap_or_default(), |r| {
        created(&WebhookResponse {
            secret: Some(r.secret.clone()),
            ..r.webhook.clone().into()
        })
    })
    .await?;
    Ok(respond(reply))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookListResponse {
    pub items: Vec<WebhookResponse>,
}

/// The webhooks registered: an employer its own, auditors and administrators every one.
///
/// Who may call it: employers (their own), auditors and administrators.
#[utoipa::path(tag = "notifications", security(("bearer" = [])), responses(
    (status = 200, body = WebhookListResponse),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[get("/webhooks")]
pub async fn list_webhooks(user: AuthUser, pool: web::Data<DbPool>) -> Result<HttpResponse, ApiError> {
    user.require(&WEBHOOK_READERS)?;
    let items = webhooks::list(&pool, user.viewer()).await?;
    Ok(HttpResponse::Ok().json(WebhookListResponse {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// Who has an inbox: employers, staff, inspectors and administrators (their own), auditors (all).
const INBOX_READERS: [Role; 6] = [
    Role::Employer,
    Role::Caseworker,
    Role::Approver,
    Role::Auditor,
    Role::Admin,
    Role::Inspector,
];

const WEBHOOK_READERS: [Role; 3] = [Role::Employer, Role::Auditor, Role::Admin];

#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptResponse {
    pub attempt_no: i32,
    pub attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryResponse {
    pub id: Uuid,
    pub notification_id: Uuid,
    /// `PENDING`, `DELIVERED` or `DEAD` (dead-lettered: an administrator may replay it).
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Every attempt, oldest first.
    pub history: Vec<AttemptResponse>,
}

impl DeliveryResponse {
    fn new(d: Delivery, attempts: Vec<Attempt>) -> Self {
        Self {
            id: d.id,
            notification_id: d.notification_id,
            state: d.state,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
            delivered_at: d.delivered_at,
            created_at: d.created_at,
            history: attempts
                .into_iter()
                .map(|a| AttemptResponse {
                    attempt_no: a.attempt_no,
                    attempted_at: a.attempted_at,
                    status_code: a.status_code,
                    error: a.error,
                    duration_ms: a.duration_ms,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookHistoryResponse {
    pub webhook: WebhookResponse,
    /// The latest 100 deliveries, newest first, each with its attempts.
    pub deliveries: Vec<DeliveryResponse>,
}

/// A webhook with its delivery history.
///
/// Who may call it: employers (their own webhooks; another's are 404), auditors and administrators.
#[utoipa::path(tag = "notifications", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Webhook id")), responses(
    (status = 200, body = WebhookHistoryResponse),
    ReadOneErrors,
))]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    user: AuthUser,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(&WEBHOOK_READERS)?;
    let (webhook, deliveries) = webhooks::history(&pool, user.viewer(), id.into_inner(), 100).await?;
    Ok(HttpResponse::Ok().json(WebhookHistoryResponse {
        webhook: webhook.into(),
        deliveries: deliveries
            .into_iter()
            .map(|(d, a)| DeliveryResponse::new(d, a))
            .collect(),
    }))
}

/// Stop deliveries to a webhook (it stays, with its history; pending deliveries are dead-lettered).
///
/// Who may call it: the employer's users (their own webhooks; another's are 404).
#[utoipa::path(tag = "notifications", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Webhook id")), responses(
    (status = 200, body = WebhookResponse),
    (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Employer])?;
    let cmd = command(&user, &req, &clock, b"")?;
    let reply = webhooks::deactivate(&pool, &cmd, id.into_inner(), |w| ok(&WebhookResponse::from(w.clone()))).await?;
    Ok(respond(reply))
}

/// Send a dead-lettered delivery again (a new cycle of attempts).
///
/// Who may call it: administrators.
#[utoipa::path(tag = "notifications", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Webhook id"), ("delivery_id" = Uuid, Path, description = "Delivery id"), ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")), responses(
    (status = 202, body = DeliveryResponse),
    (status = 422, description = "Idempotency-Key reused for a different request", body = Problem, content_type = "application/problem+json"),
    (status = 400, description = "An id is not a UUID", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not dead-lettered, or the webhook is no longer active", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[post("/webhooks/{id}/deliveries/{delivery_id}/replay")]
pub async fn replay_delivery(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Admin])?;
    let (webhook, delivery) = path.into_inner();
    let cmd = command(&user, &req, &clock, b"")?;
    let reply = webhooks::replay(&pool, &cmd, webhook, delivery, |d| {
        let mut reply = ok(&DeliveryResponse::new(d.clone(), Vec::new()))?;
        reply.status = 202;
        Ok(reply)
    })
    .await?;
    Ok(respond(reply))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::VariantArray)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct JobQuery {
    /// Only jobs in this state (e.g. `FAILED`).
    #[param(schema_with = crate::openapi::enums::job_state)]
    pub state: Option<JobState>,
    /// At most this many (1 to 500, default 100).
    #[validate(range(min = 1, max = 500))]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobResponse {
    pub id: Uuid,
    /// `timer_sweep` or `webhook_delivery`.
    pub kind: String,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub state: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: DateTime<Utc>,
    /// The instance holding a running job.
    pub locked_by: Option<String>,
    pub locked_until: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<Job> for JobResponse {
    fn from(j: Job) -> Self {
        Self {
            id: j.id,
            kind: j.kind,
            payload: j.payload,
            state: j.state,
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            run_at: j.run_at,
            locked_by: j.locked_by,
            locked_until: j.locked_until,
            last_error: j.last_error,
            created_at: j.created_at,
            updated_at: j.updated_at,
            finished_at: j.finished_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobListResponse {
    /// Most recently changed first.
    pub items: Vec<JobResponse>,
    /// Jobs in each state, e.g. `{"FAILED": 2, "SUCCEEDED": 40}`.
    #[schema(value_type = Object)]
    pub counts: std::collections::BTreeMap<String, i64>,
}

/// The service's job queue: timer sweeps and webhook deliveries, with failed jobs and why.
///
/// Who may call it: administrators and auditors.
#[utoipa::path(tag = "operations", security(("bearer" = [])), params(JobQuery), responses(
    (status = 200, body = JobListResponse),
    (status = 400, description = "Invalid query parameter", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[get("/jobs")]
pub async fn list_jobs(
    user: AuthUser,
    pool: web::Data<DbPool>,
    query: QueryParams<JobQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Admin, Role::Auditor])?;
    let query = query.0;
    let state = query.state.map(|s| crate::http::representation::wire_name(&s));
    let (items, counts) = jobs::list(&pool, state.as_deref(), i64::from(query.limit.unwrap_or(100))).await?;
    Ok(HttpResponse::Ok().json(JobListResponse {
        items: items.into_iter().map(Into::into).collect(),
        counts: counts.into_iter().collect(),
    }))
}

/// Queue a FAILED job again with fresh attempts (a webhook delivery's dead letter is revived with it).
///
/// Who may call it: administrators.
#[utoipa::path(tag = "operations", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Job id"), ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")), responses(
    (status = 200, body = JobResponse),
    (status = 422, description = "Idempotency-Key reused for a different request", body = Problem, content_type = "application/problem+json"),
    (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The job is not FAILED", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[post("/jobs/{id}/retry")]
pub async fn retry_job(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Admin])?;
    let cmd = command(&user, &req, &clock, b"")?;
    let reply = jobs::retry(&pool, &cmd, id.into_inner(), |j| ok(&JobResponse::from(j.clone()))).await?;
    Ok(respond(reply))
}
