//! The audit trail for auditors: search, a streaming export, and verification of the hash chain.

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::QueryParams;
use super::representation::{self, ExportFormat, Format, cell, csv_bytes};
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::domain::Role;
use crate::domain::audit::{AuditEvent, AuditFilter};
use crate::error::{ApiError, Problem};
use crate::workflow::{DbPool, audit};

/// One audit event with its place in the hash chain.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditEventResponse {
    pub seq: i64,
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub request_id: Option<String>,
    pub actor_sub: String,
    pub actor_role: String,
    pub actor_employer_id: Option<Uuid>,
    /// Whom the actor acted for, when an agency acted for an employer.
    pub on_behalf_of: Option<String>,
    /// The employment agency the actor belongs to, when an agency acted for an employer.
    pub agency: Option<String>,
    pub entity_type: String,
    pub entity_id: Uuid,
    pub application_id: Option<Uuid>,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    pub comment: Option<String>,
    /// The decision record (rule results) the change produced.
    pub decision_record_id: Option<Uuid>,
    pub chain_key: String,
    pub chain_position: i64,
    pub prev_hash: Option<String>,
    pub hash: String,
}

impl From<AuditEvent> for AuditEventResponse {
    fn from(e: AuditEvent) -> Self {
        Self {
            seq: e.seq,
            id: e.id,
            occurred_at: e.occurred_at,
            request_id: e.request_id,
            actor_sub: e.actor_sub,
            actor_role: e.actor_role,
            actor_employer_id: e.actor_employer_id,
            on_behalf_of: e.on_behalf_of,
            agency: e.agency,
            entity_type: e.entity_type,
            entity_id: e.entity_id,
            application_id: e.application_id,
            action: e.action,
            from_status: e.from_status,
            to_status: e.to_status,
            before: e.before,
            after: e.after,
            comment: e.comment,
            decision_record_id: e.decision_record_id,
            chain_key: e.chain_key,
            chain_position: e.chain_position,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only this case's events.
    pub application_id: Option<Uuid>,
    /// Only this actor's (`sub`).
    #[validate(length(min = 1, max = 200))]
    #[param(min_length = 1, max_length = 200)]
    pub actor: Option<String>,
    /// Only this action, e.g. `application.approve`.
    #[validate(length(min = 1, max = 100))]
    #[param(min_length = 1, max_length = 100)]
    pub action: Option<String>,
    /// From this instant (inclusive, RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Until this instant (exclusive, RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Items per page (1 to 500, default 50).
    #[validate(range(min = 1, max = 500))]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page (the last `seq` seen).
    #[param(pattern = "^[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

impl AuditQuery {
    fn filter(&self) -> AuditFilter {
        AuditFilter {
            application_id: self.application_id,
            actor_sub: self.actor.clone(),
            action: self.action.clone(),
            from: self.from,
            to: self.to,
        }
    }
}

/// The export's query: the list's filters, a `limit` on the whole export rather than a page, and the
/// representation.
#[derive(Debug, Clone, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditExportQuery {
    /// Only this case's events.
    pub application_id: Option<Uuid>,
    /// Only this actor's (`sub`).
    #[validate(length(min = 1, max = 200))]
    #[param(min_length = 1, max_length = 200)]
    pub actor: Option<String>,
    /// Only this action, e.g. `application.approve`.
    #[validate(length(min = 1, max = 100))]
    #[param(min_length = 1, max_length = 100)]
    pub action: Option<String>,
    /// From this instant (inclusive, RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Until this instant (exclusive, RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// At most this many events in all (1 to 100,000,000; default: every matching event).
    #[validate(range(min = 1, max = 100_000_000))]
    #[param(minimum = 1, maximum = 100_000_000)]
    pub limit: Option<u32>,
    /// Start after this `seq` (a list page's `next_cursor`).
    #[param(pattern = "^[0-9]{1,18}$")]
    pub cursor: Option<String>,
    /// `ndjson` or `csv`; overrides `Accept` (for a link a browser follows).
    #[param(schema_with = crate::openapi::enums::ndjson_or_csv)]
    pub format: Option<ExportFormat>,
}

impl AuditExportQuery {
    fn filter(&self) -> AuditFilter {
        AuditQuery {
            application_id: self.application_id,
            actor: self.actor.clone(),
            action: self.action.clone(),
            from: self.from,
            to: self.to,
            limit: None,
            cursor: None,
        }
        .filter()
    }
}

/// The cursor is the last `seq` seen.
fn after_seq(cursor: Option<&str>) -> Result<Option<i64>, ApiError> {
    cursor
        .map(|c| {
            c.parse::<i64>()
                .ok()
                .filter(|_| (1..=18).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| ApiError::field("cursor", "not a cursor returned by this API"))
        })
        .transpose()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventListResponse {
    pub items: Vec<AuditEventResponse>,
    pub next_cursor: Option<String>,
}

/// Every audit event, oldest first, filtered by case, actor, action and time range.
///
/// Keyset pagination on `seq` (`limit`, `next_cursor`). `from`/`to` are RFC 3339 instants. The same filters
/// drive `/v1/audit/export`.
///
/// Who may call it: auditors.
#[utoipa::path(tag = "audit", security(("bearer" = [])), params(AuditQuery), responses(
    (status = 200, body = AuditEventListResponse),
    (status = 400, description = "Invalid query parameter", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Auditors only", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[get("/audit/events")]
pub async fn list_audit_events(
    user: AuthUser,
    pool: web::Data<DbPool>,
    query: QueryParams<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Auditor])?;
    let query = query.0;
    let limit = i64::from(query.limit.unwrap_or(50));
    let mut events = audit::search(&pool, &query.filter(), after_seq(query.cursor.as_deref())?, limit + 1).await?;
    let more = events.len() as i64 > limit;
    events.truncate(limit as usize);
    let next_cursor = if more {
        events.last().map(|e| e.seq.to_string())
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(AuditEventListResponse {
        items: events.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// Events read from the database per round trip of the export.
const EXPORT_BATCH: i64 = 500;

const CSV_COLUMNS: [&str; 23] = [
    "seq",
    "id",
    "occurred_at",
    "request_id",
    "actor_sub",
    "actor_role",
    "actor_employer_id",
    "on_behalf_of",
    "entity_type",
    "entity_id",
    "application_id",
    "action",
    "from_status",
    "to_status",
    "comment",
    "decision_record_id",
    "chain_key",
    "chain_position",
    "prev_hash",
    "hash",
    "before",
    "after",
    // Added with agency authorisations: last, so the columns before it keep their places.
    "agency",
];

fn encode_batch(events: Vec<AuditEvent>, format: Format, header_row: bool) -> Result<Bytes, ApiError> {
    if format != Format::Csv {
        let mut out = Vec::with_capacity(events.len() * 512);
        for e in events {
            serde_json::to_writer(&mut out, &AuditEventResponse::from(e))?;
            out.push(b'\n');
        }
        return Ok(Bytes::from(out));
    }
    let uuid = |v: Option<Uuid>| cell(v);
    let json = |v: Option<serde_json::Value>| cell(v);
    let rows = events.into_iter().map(|e| {
        [
            e.seq.to_string(),
            e.id.to_string(),
            e.occurred_at.to_rfc3339(),
            e.request_id.unwrap_or_default(),
            e.actor_sub,
            e.actor_role,
            uuid(e.actor_employer_id),
            e.on_behalf_of.unwrap_or_default(),
            e.entity_type,
            e.entity_id.to_string(),
            uuid(e.application_id),
            e.action,
            e.from_status.unwrap_or_default(),
            e.to_status.unwrap_or_default(),
            e.comment.unwrap_or_default(),
            uuid(e.decision_record_id),
            e.chain_key,
            e.chain_position.to_string(),
            e.prev_hash.unwrap_or_default(),
            e.hash,
            json(e.before),
            json(e.after),
            e.agency.unwrap_or_default(),
        ]
    });
    csv_bytes(header_row.then_some(&CSV_COLUMNS[..]), rows)
}

/// The same events as a stream.
///
/// NDJSON (`application/x-ndjson`, the default, every value exact for re-hashing) or CSV (`text/csv`, cells
/// a spreadsheet would run as formulas quoted) by `Accept` or `format`, as a download
/// (`Content-Disposition`). The list's filters apply; `limit` caps the whole export. Read and sent a batch
/// at a time, so memory stays flat however large the range.
///
/// Who may call it: auditors.
#[utoipa::path(tag = "audit", security(("bearer" = [])), params(AuditExportQuery), responses(
    (status = 200, description = "One event per line (NDJSON) or per row (CSV, with a header row)", content(
        (String = "application/x-ndjson"), (String = "text/csv"))),
    (status = 400, description = "Invalid query parameter", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Auditors only", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[get("/audit/export")]
pub async fn export_audit_events(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    query: QueryParams<AuditExportQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Auditor])?;
    let format = representation::choose(&req, query.0.format, &[Format::Ndjson, Format::Csv])?;
    let (filter, start) = (query.0.filter(), after_seq(query.0.cursor.as_deref())?);
    let limit = query.0.limit.map_or(u64::MAX, u64::from);
    // The first batch is read before the first byte is sent: if the database is not there, the client
    // gets a problem, not a truncated stream.
    let first = audit::search(&pool, &filter, start, batch_size(limit)).await?;
    let stream = export_stream(pool.into_inner(), filter, first, format, limit);
    let extension = if format == Format::Csv { "csv" } else { "ndjson" };
    Ok(HttpResponse::Ok()
        .content_type(match format {
            Format::Csv => "text/csv; charset=utf-8",
            _ => format.media_type(),
        })
        .insert_header(representation::attachment(&format!(
            "audit-{}.{extension}",
            clock.today()
        )))
        .streaming(stream))
}

/// The next batch's size with `remaining` events still to send.
fn batch_size(remaining: u64) -> i64 {
    i64::try_from(remaining).map_or(EXPORT_BATCH, |r| r.min(EXPORT_BATCH))
}

/// `first`, then the following batches until one comes back short or `limit` events are sent, each
/// encoded as it is read.
fn export_stream(
    pool: std::sync::Arc<DbPool>,
    filter: AuditFilter,
    first: Vec<AuditEvent>,
    format: Format,
    limit: u64,
) -> impl futures_util::Stream<Item = Result<Bytes, ApiError>> {
    futures_util::stream::try_unfold(Some((Some(first), None, limit, true)), move |state| {
        let (pool, filter) = (pool.clone(), filter.clone());
        async move {
            let Some((batch, after, remaining, header_row)) = state else {
                return Ok::<_, ApiError>(None);
            };
            let events = match batch {
                Some(events) => events,
                None => audit::search(&pool, &filter, after, batch_size(remaining)).await?,
            };
            let remaining = remaining.saturating_sub(events.len() as u64);
            let finished = (events.len() as i64) < EXPORT_BATCH || remaining == 0;
            let last = events.last().map(|e| e.seq).or(after);
            let chunk = encode_batch(events, format, header_row)?;
            Ok(Some((chunk, (!finished).then_some((None, last, remaining, false)))))
        }
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationResponse {
    pub verified_at: DateTime<Utc>,
    pub events_checked: u64,
    pub chains_checked: u64,
    /// True when no link is broken.
    pub intact: bool,
    /// The first event whose link or content does not verify.
    #[schema(value_type = Option<Object>)]
    pub first_broken_link: Option<crate::domain::audit_chain::BrokenLink>,
    /// Digest of every chain's last event: record it to detect a removed tail later.
    pub heads_digest: String,
}

/// How long a verification over HTTP may take: about 15 million events on the reference machine;
/// longer trails are verified with `sls-case audit verify`, which has no bound.
const VERIFY_BOUND: std::time::Duration = std::time::Duration::from_secs(120);

/// Recompute the whole hash chain and report the events checked and the first broken link.
///
/// Reads every event in chain order and recomputes each hash from the raw columns, in Rust, independent of
/// the database's functions. Reports the events and chains checked, the first broken link and a digest of
/// the chain heads. Bounded to 120 s; use `sls-case audit verify` for larger trails.
///
/// Who may call it: auditors.
#[utoipa::path(tag = "audit", security(("bearer" = [])), responses(
    (status = 200, body = VerificationResponse),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Auditors only", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[get("/audit/verify")]
pub async fn verify_audit_chain(user: AuthUser, pool: web::Data<DbPool>) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Auditor])?;
    let report = audit::verify(&pool, 2000, VERIFY_BOUND).await?;
    Ok(HttpResponse::Ok().json(VerificationResponse {
        verified_at: Utc::now(),
        events_checked: report.events_checked,
        chains_checked: report.chains_checked,
        intact: report.intact,
        first_broken_link: report.first_broken_link,
        heads_digest: report.heads_digest,
    }))
}
