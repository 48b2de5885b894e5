//! The HTTP layer: handlers (one module per resource), request parsing, and the adapters that give
//! actix's own errors the same problem+json shape as ours.

pub mod agencies;
pub mod applications;
pub mod audit;
pub mod compliance;
pub mod consultation;
pub mod documents;
pub mod employer_records;
pub mod employers;
pub mod extract;
pub mod immigration;
pub mod inspections;
pub mod job_categories;
mod json_objects;
pub mod notifications;
pub mod ops;
pub mod policy;
pub mod representation;
pub mod routes;
pub mod stats;
pub mod validate;
pub mod wage_tables;
pub mod work;
pub mod workers;
pub mod write;

use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::{StatusCode, header};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

use crate::domain::Role;
use crate::error::{ApiError, FieldError, PROBLEM_JSON, Problem, problem_type_uri};

/// Who reads cases and employers' records: staff and auditors all of them, an employer its own.
pub const CASE_READERS: [Role; 4] = [Role::Caseworker, Role::Approver, Role::Auditor, Role::Employer];

/// A path segment that does not parse (e.g. an id that is not a UUID).
pub fn path_error(err: actix_web::error::PathError, req: &HttpRequest) -> actix_web::Error {
    tracing::debug!(error = %err, "bad path parameter");
    let name = req
        .match_info()
        .iter()
        .next()
        .map_or("path", |(name, _)| name)
        .to_owned();
    ApiError::Validation(vec![FieldError::new(name, "must be a UUID")]).into()
}

/// actix's JSON and query extractors are not used by our handlers, but answer in our shape if they are.
pub fn json_error(err: actix_web::error::JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    // serde's message can quote the value sent, which can be personal data: not logged.
    let _ = err;
    tracing::debug!("bad JSON body");
    ApiError::MalformedBody("The request body is not valid JSON.".into()).into()
}

pub fn query_error(err: actix_web::error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    let _ = err;
    tracing::debug!("bad query string");
    ApiError::field("query", "is not valid").into()
}

/// The actix extractor configurations, in our error shape.
pub fn extractor_configs(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PathConfig::default().error_handler(path_error))
        .app_data(web::JsonConfig::default().error_handler(json_error))
        .app_data(web::QueryConfig::default().error_handler(query_error));
}

/// Last line of defence: any error response that is not already problem+json (from actix itself or a
/// library service) is rewritten as one, so clients never see plain text.
pub fn problem_for_foreign_error<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let already_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if already_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let (req, _) = res.into_parts();
    let response = foreign_problem(status);
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body::<B>(),
    ))
}

fn foreign_problem(status: StatusCode) -> HttpResponse<BoxBody> {
    let known = match status {
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => Some(ApiError::RouteNotFound),
        StatusCode::PAYLOAD_TOO_LARGE => Some(ApiError::PayloadTooLarge { limit: 0 }),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Some(ApiError::UnsupportedMediaType),
        StatusCode::UNAUTHORIZED => Some(ApiError::Unauthenticated),
        StatusCode::SERVICE_UNAVAILABLE => Some(ApiError::Unavailable("upstream".into())),
        _ => None,
    };
    if let Some(err) = known.filter(|e| e.status_code() == status || status == StatusCode::METHOD_NOT_ALLOWED) {
        let mut problem = err.to_problem();
        problem.status = status.as_u16();
        if let ApiError::PayloadTooLarge { .. } = err {
            problem.detail = "The request body is too large.".into();
        }
        return HttpResponse::build(status).content_type(PROBLEM_JSON).json(problem);
    }
    let reason = status.canonical_reason().unwrap_or("Error");
    let problem = Problem {
        problem_type: problem_type_uri(&format!("http-{}", status.as_u16())),
        title: reason.to_owned(),
        status: status.as_u16(),
        detail: if status.is_server_error() {
            "Something went wrong on our side. It has been logged.".into()
        } else {
            "The request could not be processed.".into()
        },
        errors: Vec::new(),
        rule_id: None,
    };
    HttpResponse::build(status).content_type(PROBLEM_JSON).json(problem)
}
