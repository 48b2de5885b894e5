//! actix's own failures come out in our problem+json shape too.

use actix_web::http::{Method, header};
use actix_web::test::TestRequest;
use sls_case::domain::Role;

use crate::helpers::{TestApp, draft_body};

fn post_raw(path: &str, token: &str, content_type: &str, body: &'static str) -> TestRequest {
    TestRequest::post()
        .uri(path)
        .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
        .insert_header((header::CONTENT_TYPE, content_type))
        .set_payload(body)
}

#[actix_web::test]
async fn broken_json_is_400_malformed_body_without_serde_internals() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    let response = app
        .send(post_raw(
            "/v1/applications",
            &token,
            "application/json",
            r#"{"justification": "#,
        ))
        .await;
    let problem = response.assert_problem(400, "malformed-body");
    assert!(problem["detail"].as_str().unwrap().contains("line 1"));
    assert!(!problem.to_string().contains("EOF while parsing"));
}

#[actix_web::test]
async fn a_body_that_is_not_json_is_415() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    app.send(post_raw("/v1/applications", &token, "text/plain", "justification=x"))
        .await
        .assert_problem(415, "unsupported-media-type");
    app.send(post_raw(
        "/v1/applications",
        &token,
        "application/x-www-form-urlencoded",
        "justification=x",
    ))
    .await
    .assert_problem(415, "unsupported-media-type");
}

#[actix_web::test]
async fn problem_plus_json_bodies_are_accepted_as_json() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    let body: &'static str = Box::leak(draft_body().to_string().into_boxed_str());
    let response = app
        .send(post_raw(
            "/v1/applications",
            &token,
            "application/merge-patch+json",
            body,
        ))
        .await;
    assert_eq!(response.status, 201);
}

#[actix_web::test]
async fn an_oversized_body_is_413_and_writes_nothing() {
    let app = TestApp::spawn_with_body_limit(512).await;
    let (_, token) = app.employer_with_token("12345678").await;
    let mut body = draft_body();
    body["justification"] = serde_json::json!("x".repeat(1000));
    app.post("/v1/applications", &token, body)
        .await
        .assert_problem(413, "payload-too-large");
    assert_eq!(app.count("SELECT count(*) AS n FROM applications"), 0);
}

#[actix_web::test]
async fn an_empty_body_where_one_is_needed_is_400() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    app.call(Method::POST, "/v1/applications", Some(&token), None)
        .await
        .assert_problem(400, "malformed-body");
}

#[actix_web::test]
async fn unknown_routes_are_404_and_known_paths_asked_with_another_method_405_with_allow() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Caseworker, None);
    app.get("/v1/nothing-here", &token)
        .await
        .assert_problem(404, "route-not-found");
    app.call(Method::GET, "/", None, None)
        .await
        .assert_problem(404, "route-not-found");
    app.call(Method::TRACE, "/v1/nothing-here", None, None)
        .await
        .assert_problem(404, "route-not-found");
    let id = uuid::Uuid::new_v4();
    for (method, path, allow) in [
        (Method::DELETE, "/v1/employers".to_owned(), "GET, POST"),
        (Method::TRACE, "/v1/employers".to_owned(), "GET, POST"),
        (Method::PUT, format!("/v1/applications/{id}"), "GET, PATCH"),
        (Method::POST, "/v1/wage-tables/lookup".to_owned(), "GET"),
        (Method::GET, format!("/v1/applications/{id}/actions/submit"), "POST"),
        (Method::HEAD, "/healthz".to_owned(), "GET"),
        (
            Method::from_bytes(b"PROPFIND").unwrap(),
            "/openapi.json".to_owned(),
            "GET",
        ),
    ] {
        // No token needed to learn which methods a path answers; the answer is the same with one.
        for token in [None, Some(token.as_str())] {
            let response = app.call(method.clone(), &path, token, None).await;
            if method != Method::HEAD {
                response.assert_problem(405, "method-not-allowed");
            } else {
                assert_eq!(response.status, 405);
            }
            assert_eq!(response.headers.get(header::ALLOW).unwrap(), allow, "{method} {path}");
        }
    }
    let options = app.call(Method::OPTIONS, "/v1/employers", None, None).await;
    assert_eq!(options.status, 204);
    assert_eq!(options.headers.get(header::ALLOW).unwrap(), "GET, POST, OPTIONS");
}

#[actix_web::test]
async fn actions_only_the_service_takes_are_403_to_every_role_and_unknown_actions_404() {
    let app = TestApp::spawn().await;
    let (_, employer_token) = app.employer_with_token("12345679").await;
    let draft = app.create_draft(&employer_token).await;
    let id = draft["id"].as_str().unwrap();
    let mut tokens = vec![employer_token];
    tokens.extend([Role::Caseworker, Role::Approver, Role::Auditor, Role::Admin].map(|role| app.token(role, None)));
    for action in [
        "close-no-response",
        "activate",
        "lapse",
        "complete",
        "approve-partially",
    ] {
        for token in &tokens {
            let response = app
                .post(
                    &format!("/v1/applications/{id}/actions/{action}"),
                    token,
                    serde_json::json!({}),
                )
                .await;
            let problem = response.assert_problem(403, "forbidden");
            assert!(
                problem["detail"].as_str().unwrap().contains("the service itself"),
                "{problem}"
            );
        }
    }
    app.post(
        &format!("/v1/applications/{id}/actions/fly"),
        &tokens[0],
        serde_json::json!({}),
    )
    .await
    .assert_problem(404, "route-not-found");
    assert_eq!(app.count("SELECT count(*) AS n FROM audit_events WHERE action LIKE 'application.%' AND action <> 'application.created'"), 0);
}

#[actix_web::test]
async fn a_malformed_authorization_header_is_401() {
    let app = TestApp::spawn().await;
    let request = TestRequest::get()
        .uri("/v1/employers")
        .insert_header((header::AUTHORIZATION, "Basic dXNlcjpwYXNz"));
    app.send(request).await.assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn every_id_path_and_audit_query_names_its_malformed_parameter() {
    let app = TestApp::spawn().await;
    let auditor = app.token(Role::Auditor, None);
    for path in [
        "/v1/applications/42/checks",
        "/v1/applications/42/decision",
        "/v1/applications/42/recruitment",
        "/v1/employers/42/headcount-returns",
        "/v1/employers/42/quota",
        "/v1/employers/42/sanctions",
        "/v1/wage-tables/42",
        "/v1/applications/42/workers",
        "/v1/applications/42/compliance",
        "/v1/employers/42/compliance",
        "/v1/workers/42",
    ] {
        app.get(path, &auditor).await.assert_invalid_field("id");
    }
    let instant = app
        .get("/v1/audit/export?to=tomorrow", &auditor)
        .await
        .assert_invalid_field("to");
    assert!(
        instant["errors"][0]["reason"].as_str().unwrap().contains("RFC 3339"),
        "{instant}"
    );
    app.get("/v1/audit/export?application_id=7", &auditor)
        .await
        .assert_invalid_field("application_id");
    app.get("/v1/audit/events?limit=501", &auditor)
        .await
        .assert_invalid_field("limit");
}

#[actix_web::test]
async fn a_bad_date_names_the_format_it_must_have() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin, None);
    for (bad, field) in [
        ("02/03/2026", "effective_from"),
        ("2026-02-30", "effective_from"),
        ("2026-03-02T10:00:00Z", "published_on"),
    ] {
        let mut body = serde_json::json!({
            "version_label": "DATES", "published_on": "2026-01-01", "effective_from": "2026-02-01",
            "source_note": "dates", "rows": []
        });
        body[field] = serde_json::json!(bad);
        let problem = app
            .post("/v1/wage-tables", &admin, body)
            .await
            .assert_invalid_field(field);
        let reason = problem["errors"][0]["reason"].as_str().unwrap();
        assert!(
            reason.contains("YYYY-MM-DD") && reason.contains("Hong Kong"),
            "{bad}: {reason}"
        );
    }
    let caseworker = app.token(Role::Caseworker, None);
    let lookup = app
        .get("/v1/wage-tables/lookup?post=DISHWASHER&on=2-3-2026", &caseworker)
        .await;
    let problem = lookup.assert_invalid_field("on");
    assert!(
        problem["errors"][0]["reason"].as_str().unwrap().contains("YYYY-MM-DD"),
        "{problem}"
    );
}

/// serde would read a struct from an array of its fields in order (`["cw-1"]` as `{"assignee":
/// "cw-1"}`); the API's bodies are objects, at every depth, as its OpenAPI document says.
#[actix_web::test]
async fn an_array_where_an_object_belongs_is_400_naming_it_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let (_, employer) = app.employer_with_token("12345678").await;
    let draft = app.create_draft(&employer).await;
    let approver = app.token(Role::Approver, None);
    let events = app.count("SELECT count(*) AS n FROM audit_events");

    let path = format!("/v1/applications/{}/assignment", draft["id"].as_str().unwrap());
    let top = app
        .call(
            Method::PUT,
            &path,
            Some(&approver),
            Some(serde_json::json!(["cw-chan"])),
        )
        .await;
    assert_eq!(reason(&top.assert_invalid_field("body"), "body"), "must be an object");

    let vacancy = draft_body()["vacancies"][0].clone();
    let fields: Vec<_> = vacancy.as_object().unwrap().values().cloned().collect();
    let nested = app
        .post(
            "/v1/applications",
            &employer,
            serde_json::json!({"justification": "Advertised for three months.", "vacancies": [fields]}),
        )
        .await;
    assert_eq!(
        reason(&nested.assert_invalid_field("vacancies[0]"), "vacancies[0]"),
        "must be an object"
    );

    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events"),
        events,
        "nothing was written"
    );
    let unassigned = app
        .get(
            &format!("/v1/applications/{}", draft["id"].as_str().unwrap()),
            &approver,
        )
        .await;
    assert!(unassigned.json()["assignee"].is_null());
}

fn reason<'a>(problem: &'a serde_json::Value, field: &str) -> &'a str {
    let errors = problem["errors"].as_array().unwrap();
    let error = errors.iter().find(|e| e["field"] == field).unwrap();
    error["reason"].as_str().unwrap()
}
