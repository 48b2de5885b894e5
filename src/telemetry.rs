//! Logging: a tracing subscriber (text or JSON) built once, and the per-request span.
//!
//! The request span carries the method, the route *pattern* (never the raw query, which can carry
//! filters), the request id and the status. Tokens, bodies, client addresses and user agents are
//! never recorded: they are credentials or personal data. Nor are the PostgreSQL driver's statement
//! logs, whatever `RUST_LOG` says: at debug they list every bind parameter (workers' names, employers'
//! names, document hashes).

use std::io::IsTerminal;
use std::time::Instant;

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use tracing::{Span, Subscriber};
use tracing_actix_web::RootSpanBuilder;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::LogFormat;

/// Installs the global subscriber, writing to standard error (standard output is for what a command
/// prints: a token, a report, the OpenAPI document). `RUST_LOG` overrides `default_filter`. Colours
/// only on a terminal.
pub fn init(format: LogFormat, default_filter: &str) {
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| default_filter.to_owned());
    let colours = std::io::stderr().is_terminal();
    // A second initialisation (tests) is harmless: the first subscriber stays.
    let _ = subscriber(format, &filter, std::io::stderr, colours).try_init();
}

/// Crates whose logs below INFO carry the data they handle: never enabled, whatever the filter.
const QUIET_BELOW_INFO: [&str; 2] = ["tokio_postgres", "postgres_protocol"];

/// The service's subscriber: `filter` in `RUST_LOG` syntax (a malformed one falls back to `info`),
/// writing to `writer` (with ANSI colours when `colours`), with the driver's statement logs removed.
/// A JSON line carries the event's fields and its request's (`span`), once.
pub fn subscriber<W>(format: LogFormat, filter: &str, writer: W, colours: bool) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let quiet = QUIET_BELOW_INFO.iter().fold(
        Targets::new().with_default(LevelFilter::TRACE),
        |targets, crate_name| targets.with_target(*crate_name, LevelFilter::INFO),
    );
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(colours)
        .with_writer(writer);
    match format {
        LogFormat::Json => Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false)
                .finish()
                .with(quiet),
        ),
        LogFormat::Text => Box::new(builder.finish().with(quiet)),
    }
}

/// The id of a request: the client's `X-Request-Id` when it sent a usable one (1 to 128 letters,
/// digits, `-`, `_`, `.` or `:`, so a caller can follow its own id through our logs and audit trail),
/// otherwise a new UUID. Echoed in the response and recorded with every audit event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestIdentity(pub String);

impl RequestIdentity {
    pub fn of(client_sent: Option<&str>) -> Self {
        let usable = client_sent.filter(|id| {
            (1..=128).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
        });
        Self(usable.map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned))
    }
}

impl std::fmt::Display for RequestIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// When the request reached the service, for its latency.
struct Started(Instant);

/// The root span of every request, without personal data.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        request.extensions_mut().insert(Started(Instant::now()));
        let request_id = request
            .extensions()
            .get::<RequestIdentity>()
            .map(ToString::to_string)
            .unwrap_or_default();
        let route = request.match_pattern().unwrap_or_else(|| "UNMATCHED".to_owned());
        tracing::info_span!(
            "request",
            request_id = %request_id,
            method = %request.method(),
            route = %route,
            status = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, actix_web::Error>) {
        let (status, latency_ms) = match outcome {
            Ok(response) => {
                let started = response.request().extensions().get::<Started>().map(|s| s.0);
                let latency = started.map(|at| at.elapsed().as_secs_f64() * 1000.0);
                (response.status(), latency)
            }
            Err(err) => (err.as_response_error().status_code(), None),
        };
        span.record("status", status.as_u16());
        // One line per request: the span carries its id, method, route and status; the line its latency.
        span.in_scope(|| {
            if status.is_server_error() {
                tracing::warn!(latency_ms, "request finished");
            } else {
                tracing::info!(latency_ms, "request finished");
            }
        });
    }
}
