//! Wiring: the pool, the app (shared by `serve` and the tests), and the HTTP server.

use std::net::TcpListener;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{Condition, ErrorHandlers, from_fn};
use actix_web::{App, HttpMessage, HttpResponse, HttpServer, web};
use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use futures_util::FutureExt;
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa_actix_web::{AppExt, UtoipaApp, scope};
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::JwtKeys;
use crate::auth::oidc::IdentityProvider;
use crate::clock::Clock;
use crate::db::DbPool;
use crate::http::extract::BodyLimits;
use crate::http::ops::ExpectedSchema;
use crate::http::{
    self, agencies, applications, audit, compliance, consultation, documents, employer_records, employers, immigration,
    inspections, job_categories, notifications, ops, policy, stats, wage_tables, work, workers,
};
use crate::openapi::ApiDoc;
use crate::personal_data::TravelDocumentKey;
use crate::telemetry::{RequestIdentity, RequestSpan};

/// Everything the handlers share. Built once, before `HttpServer::new`, and cloned into each worker.
#[derive(Clone)]
pub struct AppState {
    pub pool: web::Data<DbPool>,
    pub jwt: web::Data<JwtKeys>,
    pub limits: web::Data<BodyLimits>,
    pub expected_schema: web::Data<ExpectedSchema>,
    pub clock: web::Data<Clock>,
    pub documents: web::Data<TravelDocumentKey>,
    pub metrics: PrometheusMetrics,
    /// Browser origins allowed cross-origin; empty: CORS off.
    pub cors_origins: Vec<String>,
    /// The OpenID Connect provider whose tokens are accepted besides the service's own.
    pub identity_provider: Option<web::Data<IdentityProvider>>,
    /// Whether webhooks may use `http` and private addresses.
    pub webhook_policy: web::Data<notifications::WebhookPolicy>,
}

impl AppState {
    pub fn new(
        pool: DbPool,
        jwt: JwtKeys,
        documents: TravelDocumentKey,
        max_body_bytes: usize,
    ) -> anyhow::Result<Self> {
        let metrics = PrometheusMetricsBuilder::new("sls_case")
            .mask_unmatched_patterns("UNMATCHED")
            .build()
            .map_err(|e| anyhow::anyhow!("building metrics: {e}"))?;
        crate::metrics::register(&metrics.registry)?;
        Ok(Self {
            pool: web::Data::new(pool),
            jwt: web::Data::new(jwt),
            limits: web::Data::new(BodyLimits {
                max_bytes: max_body_bytes,
                document_max_bytes: BodyLimits::DOCUMENT_MAX_BYTES,
            }),
            expected_schema: web::Data::new(ExpectedSchema(crate::db::latest_migration_version())),
            clock: web::Data::new(Clock::system()),
            documents: web::Data::new(documents),
            metrics,
            cors_origins: Vec::new(),
            identity_provider: None,
            webhook_policy: web::Data::new(notifications::WebhookPolicy { allow_insecure: true }),
        })
    }

    /// Takes documents of up to `max_bytes` (`SLS_DOCUMENT_MAX_BYTES`).
    pub fn with_document_limit(mut self, max_bytes: usize) -> Self {
        self.limits = web::Data::new(BodyLimits {
            max_bytes: self.limits.max_bytes,
            document_max_bytes: max_bytes,
        });
        self
    }

    /// Uses `clock` instead of the system clock (tests move it instead of waiting).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = web::Data::new(clock);
        self
    }

    /// Accepts `provider`'s tokens (`SLS_OIDC_*`).
    pub fn with_identity_provider(mut self, provider: IdentityProvider) -> Self {
        self.identity_provider = Some(web::Data::new(provider));
        self
    }

    /// Lets browsers on `origins` call the API (`SLS_CORS_ORIGINS`).
    /// Whether webhooks may use `http` and private addresses (refused in production).
    pub fn with_webhook_policy(mut self, policy: notifications::WebhookPolicy) -> Self {
        self.webhook_policy = web::Data::new(policy);
        self
    }

    pub fn with_cors_origins(mut self, origins: Vec<String>) -> Self {
        self.cors_origins = origins;
        self
    }
}

/// CORS for the configured origins only: the methods and headers the API uses, and the response
/// headers a browser client needs to read (ETag for If-Match, Location, Retry-After, the request id).
fn cors(origins: &[String]) -> Cors {
    let cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            http::write::IDEMPOTENCY_KEY,
            REQUEST_ID_HEADER.clone(),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::ALLOW,
            header::CONTENT_DISPOSITION,
            REQUEST_ID_HEADER.clone(),
            http::write::IDEMPOTENT_REPLAYED,
        ])
        .max_age(3600);
    origins.iter().fold(cors, |cors, origin| cors.allowed_origin(origin))
}

static REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application: routes, OpenAPI, docs, error shaping, metrics and request logging.
pub fn build_app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, api) = with_routes(App::new().into_utoipa_app().openapi(ApiDoc::openapi())).split_for_parts();
    let api = crate::openapi::finish(api);

    let routes = web::Data::new(http::routes::KnownRoutes::from_openapi(
        &api,
        &["/openapi.json", "/docs"],
    ));
    app.app_data(state.pool.clone())
        .app_data(state.jwt.clone())
        .app_data(state.limits.clone())
        .app_data(state.expected_schema.clone())
        .app_data(state.clock.clone())
        .app_data(state.documents.clone())
        .app_data(state.webhook_policy.clone())
        .app_data(web::Data::new(state.metrics.registry.clone()))
        .app_data(routes)
        .configure(|cfg| {
            if let Some(provider) = state.identity_provider.clone() {
                cfg.app_data(provider);
            }
        })
        .configure(http::extractor_configs)
        .route("/docs", web::get().to(redirect_to_docs))
        // No validator badge: it would fetch from an outside host and send it the document's URL.
        .service(
            SwaggerUi::new("/docs/{_:.*}")
                .url("/openapi.json", api)
                .config(utoipa_swagger_ui::Config::new(["/openapi.json"]).validator_url("none")),
        )
        .default_service(web::to(http::routes::unmatched))
        .wrap(from_fn(http::representation::refuse_unacceptable))
        .wrap(Condition::new(
            !state.cors_origins.is_empty(),
            cors(&state.cors_origins),
        ))
        .wrap(ErrorHandlers::new().default_handler(http::problem_for_foreign_error))
        .wrap(state.metrics.clone())
        .wrap(TracingLogger::<RequestSpan>::new())
        // Outermost: the request's id (the client's when usable), for the logs, the audit trail and
        // the response, so a client can quote it.
        .wrap_fn(|req, srv| {
            let sent = req.headers().get(&REQUEST_ID_HEADER).and_then(|v| v.to_str().ok());
            let id = RequestIdentity::of(sent);
            let echo = HeaderValue::from_str(&id.0).ok();
            req.extensions_mut().insert(id);
            actix_web::dev::Service::call(srv, req).map(move |res| {
                res.map(|mut res| {
                    if let Some(value) = echo {
                        res.headers_mut().insert(REQUEST_ID_HEADER.clone(), value);
                    }
                    res
                })
            })
        })
}

/// Every operation, registered with its OpenAPI description.
fn with_routes<T>(app: UtoipaApp<T>) -> UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.service(ops::get_health)
        .service(ops::get_readiness)
        .service(ops::get_metrics)
        .service(
            scope("/v1")
                .service(job_categories::list_job_categories)
                .service(policy::get_policy)
                .service(policy::create_policy_value)
                // `lookup` before `{id}`, which would otherwise claim it.
                .service(wage_tables::lookup_wage)
                .service(wage_tables::create_wage_table)
                .service(wage_tables::list_wage_tables)
                .service(wage_tables::get_wage_table)
                .service(employers::create_employer)
                .service(employers::list_employers)
                .service(employers::get_employer)
                .service(employer_records::create_headcount_return)
                .service(employer_records::list_headcount_returns)
                .service(employer_records::get_quota)
                .service(employer_records::create_sanction)
                .service(employer_records::list_sanctions)
                .service(applications::create_application)
                .service(applications::list_applications)
                .service(applications::get_application)
                .service(applications::update_application)
                .service(applications::act_on_application)
                .service(applications::precheck_application)
                .service(applications::get_application_checks)
                .service(applications::get_application_decision)
                .service(applications::set_wage_benchmark)
                .service(applications::get_recruitment)
                .service(applications::create_advert)
                .service(applications::create_referral)
                .service(applications::record_referral_outcome)
                .service(applications::create_job_fair_attendance)
                .service(workers::list_places)
                .service(workers::name_worker)
                .service(workers::get_worker)
                .service(workers::put_contract)
                .service(workers::record_visa)
                .service(workers::record_levy_payment)
                .service(workers::record_arrival)
                .service(workers::record_briefing)
                .service(workers::record_wage_payment)
                .service(workers::record_separation)
                .service(compliance::get_application_compliance)
                .service(compliance::get_employer_compliance)
                .service(compliance::list_compliance)
                .service(audit::list_audit_events)
                .service(audit::export_audit_events)
                .service(audit::verify_audit_chain)
                .service(stats::get_stats)
                .service(applications::get_application_history)
                .service(work::assign_application)
                .service(work::release_application)
                .service(work::assign_applications)
                .service(work::get_queue)
                .service(notifications::list_notifications)
                .service(notifications::mark_notification)
                .service(notifications::create_webhook)
                .service(notifications::list_webhooks)
                .service(notifications::get_webhook)
                .service(notifications::delete_webhook)
                .service(notifications::replay_delivery)
                .service(notifications::list_jobs)
                .service(notifications::retry_job)
                .service(consultation::list_consultations)
                .service(consultation::get_consultation)
                .service(consultation::create_view)
                .service(consultation::list_holidays)
                .service(consultation::create_holiday)
                .service(inspections::create_complaint)
                .service(inspections::list_complaints)
                .service(inspections::get_complaint)
                .service(inspections::move_complaint)
                .service(inspections::create_inspection)
                .service(inspections::list_inspections)
                .service(inspections::get_inspection)
                .service(agencies::create_authorisation)
                .service(agencies::list_authorisations)
                .service(agencies::revoke_authorisation)
                .service(immigration::receive_event)
                .service(documents::attach_application_document)
                .service(documents::list_application_documents)
                .service(documents::attach_employer_document)
                .service(documents::list_employer_documents)
                .service(documents::attach_worker_document)
                .service(documents::list_worker_documents)
                .service(documents::attach_complaint_document)
                .service(documents::list_complaint_documents)
                .service(documents::get_document)
                .service(documents::download_document),
        )
}

/// The OpenAPI document the service serves at `/openapi.json`, built without a database (for
/// `sls-case openapi` and client generation).
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    crate::openapi::finish(
        with_routes(App::new().into_utoipa_app().openapi(ApiDoc::openapi()))
            .split_for_parts()
            .1,
    )
}

async fn redirect_to_docs() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}

/// Starts the HTTP server on `listener` with `workers` worker threads.
pub fn run(listener: TcpListener, state: AppState, workers: usize) -> std::io::Result<Server> {
    let server = HttpServer::new(move || build_app(state.clone()))
        .workers(workers.max(1))
        .listen(listener)?
        .run();
    Ok(server)
}
