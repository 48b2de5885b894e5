//! Operational endpoints: liveness, readiness, metrics. No token needed.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, Problem};
use crate::workflow::{DbPool, readiness};

#[derive(Serialize, ToSchema)]
pub struct HealthResponse {
    #[schema(example = "ok")]
    pub status: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct ReadyResponse {
    #[schema(example = "ready")]
    pub status: &'static str,
    /// The newest migration this binary carries, which the database has applied.
    pub schema_version: String,
}

/// The version the database must have for `/readyz` to pass.
#[derive(Debug, Clone)]
pub struct ExpectedSchema(pub String);

/// The process is alive (it does not touch the database).
///
/// Answers 200 while the process runs, whatever the database's state: for a liveness probe. Use `/readyz` to
/// know whether the service can serve.
///
/// No token needed.
#[utoipa::path(tag = "operations", responses((status = 200, body = HealthResponse)))]
#[get("/healthz")]
pub async fn get_health() -> HttpResponse {
    HttpResponse::Ok().json(HealthResponse { status: "ok" })
}

/// The database is reachable and has every migration this binary knows.
///
/// 200 when the database answers within `SLS_DB_TIMEOUT_SECS` and its schema has every migration this binary
/// knows; 503 otherwise (not migrated, or the database down or frozen). For a readiness probe and load
/// balancers.
///
/// No token needed.
#[utoipa::path(tag = "operations", responses(
    (status = 200, body = ReadyResponse),
    (status = 503, description = "Database unreachable or not migrated", body = Problem, content_type = "application/problem+json"),
))]
#[get("/readyz")]
pub async fn get_readiness(
    pool: web::Data<DbPool>,
    expected: web::Data<ExpectedSchema>,
) -> Result<HttpResponse, ApiError> {
    if !readiness::schema_is_current(&pool, &expected.0).await? {
        return Err(ApiError::Unavailable(format!("migration {} not applied", expected.0)));
    }
    Ok(HttpResponse::Ok().json(ReadyResponse {
        status: "ready",
        schema_version: expected.0.clone(),
    }))
}

/// Prometheus metrics: requests, the database pool, the process and the casework.
///
/// Prometheus text format: request counts and latencies per route pattern and status, the database pool
/// (size, available, waiting), the process, and business counters. See docs/operations.md for every series.
///
/// No token needed.
#[utoipa::path(tag = "operations", responses(
    (status = 200, description = "Prometheus text exposition format", body = String, content_type = "text/plain; version=0.0.4"),
    (status = 500, description = "Metrics could not be encoded", body = Problem, content_type = "application/problem+json"),
))]
#[get("/metrics")]
pub async fn get_metrics(
    registry: web::Data<prometheus::Registry>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    crate::metrics::observe_pool(pool.status());
    let text = prometheus::TextEncoder::new()
        .encode_to_string(&registry.gather())
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(text))
}
