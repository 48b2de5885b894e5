//! Logging: a tracing subscriber (text or JSON) built once, and the per-request span.
//!
//! The request span carries the method, the route *pattern* (never the raw query, which can carry
//! filters), the request id and the status. Tokens, bodies, client addresses and user agents are
//! never recorded: they are credentials or personal data. Nor are the PostgreSQL driver's statement
//! logs, whatever `RUST_LOG` says: at debug they list every bind parameter (workers' names, employers'
//! names, document hashes).

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use tracing::{Span, Subscriber};
use tracing_actix_web::{RequestId, RootSpanBuilder};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::LogFormat;

/// Installs the global subscriber. `RUST_LOG` overrides `default_filter`.
pub fn init(format: LogFormat, default_filter: &str) {
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| default_filter.to_owned());
    // A second initialisation (tests) is harmless: the first subscriber stays.
    let _ = subscriber(format, &filter, std::io::stdout).try_init();
}

/// Crates whose logs below INFO carry the data they handle: never enabled, whatever the filter.
const QUIET_BELOW_INFO: [&str; 2] = ["tokio_postgres", "postgres_protocol"];

/// The service's subscriber: `filter` in `RUST_LOG` syntax (a malformed one falls back to `info`),
/// writing to `writer`, with the driver's statement logs removed.
pub fn subscriber<W>(format: LogFormat, filter: &str, writer: W) -> Box<dyn Subscriber + Send + Sync>
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
        .with_writer(writer);
    match format {
        LogFormat::Json => Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .finish()
                .with(quiet),
        ),
        LogFormat::Text => Box::new(builder.finish().with(quiet)),
    }
}

/// The root span of every request, without personal data.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
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
        let status = match outcome {
            Ok(response) => response.status(),
            Err(err) => err.as_response_error().status_code(),
        };
        span.record("status", status.as_u16());
        span.in_scope(|| {
            if status.is_server_error() {
                tracing::warn!(status = status.as_u16(), "request finished");
            } else {
                tracing::info!(status = status.as_u16(), "request finished");
            }
        });
    }
}
