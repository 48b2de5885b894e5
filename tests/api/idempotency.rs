use actix_web::http::header;
use actix_web::test::TestRequest;
use serde_json::{Value, json};
use sls_case::domain::Role;

use crate::helpers::{TestApp, TestResponse, draft_body};

async fn post_with_key(app: &TestApp, path: &str, token: &str, key: &str, body: Option<Value>) -> TestResponse {
    let mut request = TestRequest::post()
        .uri(path)
        .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
        .insert_header(("Idempotency-Key", key));
    if let Some(body) = body {
        request = request.set_json(body);
    }
    app.send(request).await
}

#[actix_web::test]
async fn a_retried_create_with_the_same_key_returns_the_first_application_and_creates_nothing_more() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    let first = post_with_key(&app, "/v1/applications", &token, "create-1", Some(draft_body())).await;
    let retry = post_with_key(&app, "/v1/applications", &token, "create-1", Some(draft_body())).await;
    assert_eq!(first.status, 201);
    assert_eq!(retry.status, 201);
    assert_eq!(retry.json()["id"], first.json()["id"]);
    assert_eq!(retry.header("location"), first.header("location"));
    assert_eq!(retry.header("etag"), first.header("etag"));
    assert_eq!(retry.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(first.header("idempotent-replayed"), None);
    assert_eq!(app.count("SELECT count(*) AS n FROM applications"), 1);
    assert_eq!(app.audit_count("application.created"), 1);
}

#[actix_web::test]
async fn reusing_a_key_for_a_different_body_is_422_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    post_with_key(&app, "/v1/applications", &token, "k", Some(draft_body())).await;
    let mut other = draft_body();
    other["justification"] = json!("Something else");
    post_with_key(&app, "/v1/applications", &token, "k", Some(other))
        .await
        .assert_problem(422, "idempotency-key-reused");
    assert_eq!(app.count("SELECT count(*) AS n FROM applications"), 1);
}

#[actix_web::test]
async fn keys_belong_to_their_user_so_two_users_may_use_the_same_one() {
    let app = TestApp::spawn().await;
    let (employer, _) = app.employer_with_token("12345678").await;
    let alice = app.token_for("alice", Role::Employer, Some(employer));
    let bob = app.token_for("bob", Role::Employer, Some(employer));
    let a = post_with_key(&app, "/v1/applications", &alice, "same", Some(draft_body())).await;
    let b = post_with_key(&app, "/v1/applications", &bob, "same", Some(draft_body())).await;
    assert_ne!(a.json()["id"], b.json()["id"]);
    assert_eq!(app.count("SELECT count(*) AS n FROM applications"), 2);
}

#[actix_web::test]
async fn a_retried_submit_replays_its_success_instead_of_a_409() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    let draft = app.create_draft(&token).await;
    let path = format!("/v1/applications/{}/actions/submit", draft["id"].as_str().unwrap());
    let first = post_with_key(&app, &path, &token, "submit-1", None).await;
    let retry = post_with_key(&app, &path, &token, "submit-1", None).await;
    assert_eq!(first.status, 200);
    assert_eq!(retry.status, 200);
    assert_eq!(retry.json(), first.json());
    assert_eq!(app.audit_count("application.submit"), 1);
    // Without the key, a second submit is the usual conflict.
    app.post(&path, &token, json!({}))
        .await
        .assert_problem(409, "action-not-allowed");
}

#[actix_web::test]
async fn a_retried_employer_registration_replays_instead_of_a_duplicate_conflict() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Caseworker, None);
    let body = crate::helpers::employer_body("12345678");
    let first = post_with_key(&app, "/v1/employers", &token, "reg-1", Some(body.clone())).await;
    let retry = post_with_key(&app, "/v1/employers", &token, "reg-1", Some(body)).await;
    assert_eq!((first.status.as_u16(), retry.status.as_u16()), (201, 201));
    assert_eq!(retry.json()["id"], first.json()["id"]);
    assert_eq!(app.audit_count("employer.created"), 1);
}

#[actix_web::test]
async fn an_unusable_key_is_named() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    post_with_key(&app, "/v1/applications", &token, &"k".repeat(201), Some(draft_body()))
        .await
        .assert_invalid_field("Idempotency-Key");
    assert_eq!(app.count("SELECT count(*) AS n FROM applications"), 0);
}

#[actix_web::test]
async fn every_creating_post_replays_a_retry_for_example_a_headcount_return() {
    let app = TestApp::spawn().await;
    let (employer, token) = app.employer_with_token("12345678").await;
    let path = format!("/v1/employers/{employer}/headcount-returns");
    let body = json!({"as_of": "2026-03-01", "full_time_locals": 8, "imported_workers": 0, "evidence_ref": "MPF"});
    let first = post_with_key(&app, &path, &token, "hc-1", Some(body.clone())).await;
    let retry = post_with_key(&app, &path, &token, "hc-1", Some(body)).await;
    assert_eq!((first.status.as_u16(), retry.status.as_u16()), (201, 201));
    assert_eq!(retry.json()["id"], first.json()["id"]);
    assert_eq!(retry.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(app.count("SELECT count(*) AS n FROM headcount_returns"), 1);
    assert_eq!(app.audit_count("employer.headcount_return_filed"), 1);
}

#[actix_web::test]
async fn one_agency_user_s_key_for_one_employer_is_not_the_same_key_for_another() {
    let app = TestApp::spawn().await;
    let a = app.create_employer("12345678").await;
    let b = app.create_employer("87654321").await;
    app.authorise_agency(a, "Harbour Staffing Ltd", None).await;
    app.authorise_agency(b, "Harbour Staffing Ltd", None).await;
    let as_agency_for = |employer| {
        sls_case::auth::JwtKeys::new(
            &secrecy::SecretString::from(crate::helpers::TEST_SECRET),
            &crate::helpers::jwt_settings(),
        )
        .mint_for_agency(
            "agent-wong",
            Role::Employer,
            Some(employer),
            Some("Harbour Staffing Ltd"),
            std::time::Duration::from_secs(600),
        )
        .unwrap()
    };
    let for_a = post_with_key(&app, "/v1/applications", &as_agency_for(a), "K", Some(draft_body())).await;
    let for_b = post_with_key(&app, "/v1/applications", &as_agency_for(b), "K", Some(draft_body())).await;

    assert_eq!((for_a.status.as_u16(), for_b.status.as_u16()), (201, 201));
    assert_eq!(
        for_b.header("idempotent-replayed"),
        None,
        "B was handed A's application"
    );
    assert_ne!(for_b.json()["id"], for_a.json()["id"]);
    assert_eq!(for_b.json()["employer_id"], b.to_string());
    assert_eq!(app.count("SELECT count(*) AS n FROM applications"), 2);
    // The same key on another operation is another key: it neither replays nor conflicts.
    let filed = post_with_key(
        &app,
        &format!("/v1/employers/{a}/headcount-returns"),
        &as_agency_for(a),
        "K",
        Some(json!({"as_of": "2026-03-01", "full_time_locals": 8, "imported_workers": 0, "evidence_ref": "MPF"})),
    )
    .await;
    assert_eq!(filed.status, 201, "{}", String::from_utf8_lossy(&filed.bytes));
    assert_eq!(filed.header("idempotent-replayed"), None);
}
