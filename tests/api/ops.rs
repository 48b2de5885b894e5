use actix_web::http::Method;
use sls_case::domain::Role;

use crate::helpers::TestApp;

#[actix_web::test]
async fn healthz_answers_ok_without_a_token() {
    let app = TestApp::spawn().await;
    let response = app.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["status"], "ok");
}

#[actix_web::test]
async fn readyz_reports_the_applied_schema_version() {
    let app = TestApp::spawn().await;
    let response = app.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.json()["schema_version"],
        sls_case::db::latest_migration_version()
    );
}

#[actix_web::test]
async fn readyz_is_503_when_the_latest_migration_is_missing() {
    let app = TestApp::spawn().await;
    let latest = sls_case::db::latest_migration_version();
    use diesel::RunQueryDsl;
    diesel::sql_query(format!(
        "DELETE FROM __diesel_schema_migrations WHERE version = '{latest}'"
    ))
    .execute(&mut app.db.connect())
    .unwrap();
    let response = app.call(Method::GET, "/readyz", None, None).await;
    response.assert_problem(503, "service-unavailable");
}

#[actix_web::test]
async fn metrics_count_requests_by_route_pattern_in_prometheus_format() {
    let app = TestApp::spawn().await;
    app.call(Method::GET, "/healthz", None, None).await;
    app.call(
        Method::GET,
        "/v1/applications/00000000-0000-0000-0000-000000000000",
        None,
        None,
    )
    .await;
    let response = app.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(response.status, 200);
    assert!(response.content_type().starts_with("text/plain"));
    let text = String::from_utf8(response.bytes.to_vec()).unwrap();
    assert!(
        text.contains(r#"sls_case_http_requests_total{endpoint="/healthz",method="GET",status="200"} 1"#),
        "{text}"
    );
    // Ids never become label values: the route pattern does.
    assert!(text.contains(r#"endpoint="/v1/applications/{id}""#), "{text}");
    assert!(!text.contains("00000000-0000-0000-0000-000000000000"));
}

#[actix_web::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let ok = app.call(Method::GET, "/healthz", None, None).await;
    let err = app.call(Method::GET, "/v1/employers", None, None).await;
    let a = ok.header("x-request-id").expect("request id on success");
    let b = err.header("x-request-id").expect("request id on error");
    assert_ne!(a, b);
    assert!(uuid::Uuid::parse_str(&a).is_ok());
}

#[actix_web::test]
async fn a_client_s_usable_request_id_is_kept_through_to_the_audit_trail_and_others_replaced() {
    let app = TestApp::spawn().await;
    let caseworker = app.token(Role::Caseworker, None);
    let register = |request_id: &'static str, brn: &str| {
        actix_web::test::TestRequest::post()
            .uri("/v1/employers")
            .insert_header(("authorization", format!("Bearer {caseworker}")))
            .insert_header(("x-request-id", request_id))
            .set_json(crate::helpers::employer_body(brn))
    };
    let kept = app.send(register("gateway-7f3a.42:retry_1", "61000001")).await;
    assert_eq!(kept.status, 201);
    assert_eq!(kept.header("x-request-id").as_deref(), Some("gateway-7f3a.42:retry_1"));
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE request_id = 'gateway-7f3a.42:retry_1'"),
        1
    );
    for unusable in ["has space", "<script>", ""] {
        let replaced = app.send(register(unusable, "61000002")).await;
        let id = replaced.header("x-request-id").unwrap();
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{unusable:?} gave {id}");
    }
    let too_long: &'static str = Box::leak("x".repeat(129).into_boxed_str());
    let replaced = app.send(register(too_long, "61000003")).await;
    assert!(uuid::Uuid::parse_str(&replaced.header("x-request-id").unwrap()).is_ok());
}

#[actix_web::test]
async fn docs_serve_swagger_ui_from_the_service_itself() {
    let app = TestApp::spawn().await;
    let redirect = app.call(Method::GET, "/docs", None, None).await;
    assert_eq!(redirect.status, 308);
    assert_eq!(redirect.header("location").as_deref(), Some("/docs/"));
    let page = app.call(Method::GET, "/docs/", None, None).await;
    assert_eq!(page.status, 200);
    let html = String::from_utf8(page.bytes.to_vec()).unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    // The bundle is vendored: no CDN in the page.
    assert!(!html.contains("unpkg.com") && !html.contains("cdn."), "{html}");
    let bundle = app.call(Method::GET, "/docs/swagger-ui-bundle.js", None, None).await;
    assert_eq!(bundle.status, 200);
    assert!(bundle.bytes.len() > 100_000);
    let init = app.call(Method::GET, "/docs/swagger-initializer.js", None, None).await;
    let init = String::from_utf8_lossy(&init.bytes);
    assert!(init.contains("/openapi.json"), "{init}");
    // No validator badge fetched from an outside host.
    assert!(init.contains(r#""validatorUrl": "none""#), "{init}");
}

#[actix_web::test]
async fn an_unreachable_database_is_a_503_problem_not_a_hang_or_a_500() {
    // Nothing listens on port 1: connecting fails at once, as a database outage would.
    let pool =
        sls_case::db::build_pool("postgres://sls_app@127.0.0.1:1/none", &crate::helpers::pool_settings(1)).unwrap();
    let state =
        sls_case::startup::AppState::new(pool, crate::helpers::jwt_keys(), crate::helpers::document_key(), 1024)
            .unwrap();
    let service = actix_web::test::init_service(sls_case::startup::build_app(state)).await;
    let token = crate::helpers::jwt_keys()
        .mint(
            "cw",
            sls_case::domain::Role::Caseworker,
            None,
            std::time::Duration::from_secs(60),
        )
        .unwrap();
    for path in ["/v1/applications", "/readyz"] {
        let request = actix_web::test::TestRequest::get()
            .uri(path)
            .insert_header(("authorization", format!("Bearer {token}")))
            .to_request();
        let response = actix_web::test::call_service(&service, request).await;
        assert_eq!(response.status(), 503, "{path}");
        assert_eq!(response.headers().get("retry-after").unwrap(), "1");
        let body: serde_json::Value = actix_web::test::read_body_json(response).await;
        assert_eq!(body["type"], "urn:sls-case:problem:service-unavailable");
    }
}

#[actix_web::test]
async fn metrics_show_the_pool_the_process_and_what_the_casework_did() {
    let app = TestApp::spawn().await;
    let case = crate::workflow::Case::draft(&app, "60000001", 10, vec![crate::workflow::dishwashers(1, 14000)]).await;
    // Submitted, and the retry with the same key replayed: counted once.
    for _ in 0..2 {
        let submit = actix_web::test::TestRequest::post()
            .uri(&format!("/v1/applications/{}/actions/submit", case.id))
            .insert_header(("authorization", format!("Bearer {}", case.employer_token)))
            .insert_header(("idempotency-key", "submit-once"));
        assert_eq!(app.send(submit).await.status, 200);
    }
    let text = String::from_utf8(app.call(Method::GET, "/metrics", None, None).await.bytes.to_vec()).unwrap();
    let value = |series: &str| -> f64 {
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("{series} missing in\n{text}"))
    };
    assert_eq!(value(r#"sls_case_application_actions_total{action="submit"}"#), 1.0);
    assert_eq!(value(r#"sls_case_db_pool_connections{state="max"}"#), 3.0);
    let open = value(r#"sls_case_db_pool_connections{state="open"}"#);
    let available = value(r#"sls_case_db_pool_connections{state="available"}"#);
    assert!(open >= 1.0 && available <= open, "open {open}, available {available}");
    assert_eq!(value(r#"sls_case_db_pool_connections{state="waiting"}"#), 0.0);
    assert!(value("process_resident_memory_bytes") > 0.0);
    assert!(value("process_open_fds") > 0.0);
}

#[actix_web::test]
async fn a_decision_is_counted_by_its_outcome() {
    let app = TestApp::spawn().await;
    crate::workers::approved(&app, "60000002", 1).await;
    let text = String::from_utf8(app.call(Method::GET, "/metrics", None, None).await.bytes.to_vec()).unwrap();
    assert!(
        text.contains(r#"sls_case_decisions_total{outcome="APPROVED"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"sls_case_application_actions_total{action="approve"} 1"#),
        "{text}"
    );
}

fn preflight(origin: &str) -> actix_web::test::TestRequest {
    actix_web::test::TestRequest::default()
        .method(Method::OPTIONS)
        .uri("/v1/applications")
        .insert_header(("origin", origin))
        .insert_header(("access-control-request-method", "POST"))
        .insert_header((
            "access-control-request-headers",
            "authorization, content-type, idempotency-key",
        ))
}

/// A caseworker's list of applications, asked by a page on `origin`.
async fn list_from(app: &TestApp, origin: &str) -> crate::helpers::TestResponse {
    let token = app.token(sls_case::domain::Role::Caseworker, None);
    app.send(
        actix_web::test::TestRequest::get()
            .uri("/v1/applications")
            .insert_header(("origin", origin))
            .insert_header(("authorization", format!("Bearer {token}"))),
    )
    .await
}

#[actix_web::test]
async fn cors_answers_the_configured_origins_only() {
    let app = TestApp::spawn_configured(256 * 1024, |state| {
        state.with_cors_origins(vec!["https://case.labour.gov.hk".to_owned()])
    })
    .await;
    let allowed = app.send(preflight("https://case.labour.gov.hk")).await;
    assert_eq!(allowed.status, 200);
    assert_eq!(
        allowed.header("access-control-allow-origin").as_deref(),
        Some("https://case.labour.gov.hk")
    );
    let methods = allowed.header("access-control-allow-methods").unwrap();
    assert!(methods.contains("POST") && methods.contains("PATCH"), "{methods}");
    let headers = allowed.header("access-control-allow-headers").unwrap().to_lowercase();
    assert!(
        headers.contains("idempotency-key") && headers.contains("authorization"),
        "{headers}"
    );

    // An actual request from the origin: readable, with the headers a client needs exposed.
    let listed = list_from(&app, "https://case.labour.gov.hk").await;
    assert_eq!(listed.status, 200);
    assert_eq!(
        listed.header("access-control-allow-origin").as_deref(),
        Some("https://case.labour.gov.hk")
    );
    let exposed = listed.header("access-control-expose-headers").unwrap().to_lowercase();
    assert!(
        exposed.contains("etag") && exposed.contains("x-request-id"),
        "{exposed}"
    );

    // Another site: no permission given, and a problem, not a bare error.
    let refused = app.send(preflight("https://evil.example")).await;
    assert_eq!(refused.header("access-control-allow-origin"), None);
    assert_eq!(refused.status, 400);
    assert_eq!(refused.content_type(), "application/problem+json");
}

#[actix_web::test]
async fn cors_is_off_by_default() {
    let app = TestApp::spawn().await;
    let preflight = app.send(preflight("https://case.labour.gov.hk")).await;
    assert_eq!(preflight.header("access-control-allow-origin"), None);
    let listed = list_from(&app, "https://case.labour.gov.hk").await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.header("access-control-allow-origin"), None);
}
