use actix_web::http::Method;
use serde_json::json;
use sls_case::domain::Role;

use crate::helpers::{TestApp, employer_body};

#[actix_web::test]
async fn caseworker_registers_an_employer_and_the_audit_event_records_it() {
    let app = TestApp::spawn().await;
    let token = app.token_for("cw-chan", Role::Caseworker, None);
    let response = app.post("/v1/employers", &token, employer_body("12345678")).await;
    assert_eq!(response.status, 201);
    let body = response.json();
    assert_eq!(body["business_registration_number"], "12345678");
    assert_eq!(body["name_zh"], "金港酒家有限公司");
    assert_eq!(response.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(
        response.header("location"),
        Some(format!("/v1/employers/{}", body["id"].as_str().unwrap()))
    );
    let events = app.count(&format!(
        "SELECT count(*) AS n FROM audit_events WHERE action = 'employer.created' AND entity_id = '{}' \
         AND actor_sub = 'cw-chan' AND actor_role = 'caseworker' AND after->>'name_en' = 'Golden Harbour Restaurant Ltd'",
        body["id"].as_str().unwrap()
    ));
    assert_eq!(events, 1);
}

#[actix_web::test]
async fn admin_may_register_an_employer() {
    let app = TestApp::spawn().await;
    let response = app
        .post(
            "/v1/employers",
            &app.token(Role::Admin, None),
            employer_body("12345678"),
        )
        .await;
    assert_eq!(response.status, 201);
}

#[actix_web::test]
async fn registering_is_refused_for_every_other_role_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let own = app.create_employer("22222222").await;
    for role in [Role::Approver, Role::Auditor, Role::Employer] {
        let token = app.token(role, (role == Role::Employer).then_some(own));
        let response = app.post("/v1/employers", &token, employer_body("12345678")).await;
        response.assert_problem(403, "forbidden");
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM employers WHERE business_registration_number = '12345678'"),
        0
    );
}

#[actix_web::test]
async fn duplicate_business_registration_number_is_409_and_writes_nothing() {
    let app = TestApp::spawn().await;
    app.create_employer("12345678").await;
    let response = app
        .post(
            "/v1/employers",
            &app.token(Role::Caseworker, None),
            employer_body("12345678"),
        )
        .await;
    response.assert_problem(409, "conflict");
    assert_eq!(app.count("SELECT count(*) AS n FROM employers"), 1);
    assert_eq!(app.audit_count("employer.created"), 1);
}

#[actix_web::test]
async fn invalid_employer_fields_are_each_named() {
    let app = TestApp::spawn().await;
    let response = app
        .post(
            "/v1/employers",
            &app.token(Role::Caseworker, None),
            json!({"business_registration_number": "1234", "name_en": "  ", "business_address": ""}),
        )
        .await;
    let body = response.assert_invalid_field("business_registration_number");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"name_en") && fields.contains(&"business_address"),
        "{fields:?}"
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM employers"), 0);
}

#[actix_web::test]
async fn missing_employer_field_is_named() {
    let app = TestApp::spawn().await;
    let response = app
        .post(
            "/v1/employers",
            &app.token(Role::Caseworker, None),
            json!({"business_registration_number": "12345678"}),
        )
        .await;
    response.assert_invalid_field("name_en");
}

#[actix_web::test]
async fn staff_and_auditors_read_any_employer() {
    let app = TestApp::spawn().await;
    let id = app.create_employer("12345678").await;
    for role in [Role::Caseworker, Role::Approver, Role::Auditor] {
        let response = app.get(&format!("/v1/employers/{id}"), &app.token(role, None)).await;
        assert_eq!(response.status, 200, "{role}");
        assert_eq!(response.json()["id"], id.to_string());
    }
}

#[actix_web::test]
async fn employer_reads_itself_but_another_employer_is_not_found() {
    let app = TestApp::spawn().await;
    let (own, token) = app.employer_with_token("12345678").await;
    let other = app.create_employer("87654321").await;
    assert_eq!(app.get(&format!("/v1/employers/{own}"), &token).await.status, 200);
    app.get(&format!("/v1/employers/{other}"), &token)
        .await
        .assert_problem(404, "not-found");
}

#[actix_web::test]
async fn admin_may_not_read_employers() {
    let app = TestApp::spawn().await;
    let id = app.create_employer("12345678").await;
    let token = app.token(Role::Admin, None);
    app.get(&format!("/v1/employers/{id}"), &token)
        .await
        .assert_problem(403, "forbidden");
    app.get("/v1/employers", &token).await.assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn unknown_employer_is_404_and_malformed_id_is_400() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Caseworker, None);
    app.get(&format!("/v1/employers/{}", uuid::Uuid::new_v4()), &token)
        .await
        .assert_problem(404, "not-found");
    app.get("/v1/employers/not-a-uuid", &token)
        .await
        .assert_invalid_field("id");
}

#[actix_web::test]
async fn employer_list_pages_newest_first_with_a_cursor() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for brn in ["10000001", "10000002", "10000003", "10000004", "10000005"] {
        ids.push(app.create_employer(brn).await.to_string());
    }
    ids.reverse();
    let token = app.token(Role::Auditor, None);
    let mut seen = Vec::new();
    let mut path = "/v1/employers?limit=2".to_owned();
    loop {
        let body = app.get(&path, &token).await.json();
        seen.extend(
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_owned()),
        );
        match body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/employers?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, ids);
}

#[actix_web::test]
async fn employer_list_shows_an_employer_only_itself() {
    let app = TestApp::spawn().await;
    let (own, token) = app.employer_with_token("12345678").await;
    app.create_employer("87654321").await;
    let body = app.get("/v1/employers", &token).await.json();
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], own.to_string());
}

#[actix_web::test]
async fn employer_list_refuses_bad_paging_parameters_by_name() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Caseworker, None);
    app.get("/v1/employers?limit=0", &token)
        .await
        .assert_invalid_field("limit");
    app.get("/v1/employers?limit=501", &token)
        .await
        .assert_invalid_field("limit");
    app.get("/v1/employers?cursor=garbage", &token)
        .await
        .assert_invalid_field("cursor");
    app.get("/v1/employers?colour=blue", &token)
        .await
        .assert_invalid_field("colour");
}

#[actix_web::test]
async fn employer_endpoints_need_a_token() {
    let app = TestApp::spawn().await;
    app.call(Method::GET, "/v1/employers", None, None)
        .await
        .assert_problem(401, "unauthenticated");
    app.call(Method::POST, "/v1/employers", None, Some(employer_body("12345678")))
        .await
        .assert_problem(401, "unauthenticated");
}
