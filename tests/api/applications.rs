use actix_web::http::{Method, header};
use actix_web::test::TestRequest;
use serde_json::{Value, json};
use sls_case::domain::Role;

use crate::helpers::{TestApp, draft_body, vacancy_body};

fn id(body: &Value) -> String {
    body["id"].as_str().unwrap().to_owned()
}

// ---- create ----

#[actix_web::test]
async fn employer_creates_a_draft_with_vacancies_and_an_audit_event() {
    let app = TestApp::spawn().await;
    let (employer, token) = app.employer_with_token("12345678").await;
    let response = app.post("/v1/applications", &token, draft_body()).await;
    assert_eq!(response.status, 201);
    let body = response.json();
    assert_eq!(body["status"], "DRAFT");
    assert_eq!(body["employer_id"], employer.to_string());
    assert_eq!(body["version"], 1);
    assert_eq!(body["workers_requested"], 2);
    assert_eq!(body["available_actions"], json!(["submit", "withdraw"]));
    assert!(body["reference"].as_str().unwrap().starts_with("ESLS-"));
    let vacancy = &body["vacancies"][0];
    assert_eq!(vacancy["designated_category_code"], "WAITER");
    assert_eq!(vacancy["monthly_wage_hkd"], 17500);
    assert_eq!(vacancy["normal_daily_hours"], 9.5);
    assert_eq!(response.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(
        response.header("location"),
        Some(format!("/v1/applications/{}", id(&body)))
    );
    let audited = app.count(&format!(
        "SELECT count(*) AS n FROM audit_events WHERE action = 'application.created' AND application_id = '{}' \
         AND actor_role = 'employer' AND actor_employer_id = '{employer}' AND to_status = 'DRAFT' AND before IS NULL \
         AND after->'vacancies'->0->>'post_title' = 'Chinese restaurant waiter' AND request_id IS NOT NULL",
        id(&body)
    ));
    assert_eq!(audited, 1);
}

#[actix_web::test]
async fn draft_may_list_several_vacancies_and_posts_outside_the_26_categories() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    let mut cook = vacancy_body();
    cook["post_title"] = json!("Dishwasher");
    cook["designated_category_code"] = Value::Null;
    cook["workers_requested"] = json!(3);
    let body = app
        .post(
            "/v1/applications",
            &token,
            json!({"justification": "Busy kitchen", "vacancies": [vacancy_body(), cook]}),
        )
        .await
        .json();
    assert_eq!(body["workers_requested"], 5);
    assert_eq!(body["vacancies"][1]["post_title"], "Dishwasher");
    assert_eq!(body["vacancies"][1]["designated_category_code"], Value::Null);
}

#[actix_web::test]
async fn create_names_each_invalid_vacancy_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    let mut bad = vacancy_body();
    bad["workers_requested"] = json!(0);
    bad["monthly_wage_hkd"] = json!(0);
    bad["normal_daily_hours"] = json!(25);
    bad["workplace_addresses"] = json!([]);
    let response = app
        .post(
            "/v1/applications",
            &token,
            json!({"justification": "x", "vacancies": [vacancy_body(), bad]}),
        )
        .await;
    let problem = response.assert_invalid_field("vacancies[1].workers_requested");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in [
        "vacancies[1].monthly_wage_hkd",
        "vacancies[1].normal_daily_hours",
        "vacancies[1].workplace_addresses",
    ] {
        assert!(fields.contains(&field), "{field} missing from {fields:?}");
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM applications"), 0);
    assert_eq!(app.audit_count("application.created"), 0);
}

#[actix_web::test]
async fn create_refuses_an_empty_vacancy_list() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    app.post(
        "/v1/applications",
        &token,
        json!({"justification": "x", "vacancies": []}),
    )
    .await
    .assert_invalid_field("vacancies");
}

#[actix_web::test]
async fn create_refuses_an_unknown_designated_category_by_field() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    let mut v = vacancy_body();
    v["designated_category_code"] = json!("ASTRONAUT");
    app.post(
        "/v1/applications",
        &token,
        json!({"justification": "x", "vacancies": [vacancy_body(), v]}),
    )
    .await
    .assert_invalid_field("vacancies[1].designated_category_code");
    assert_eq!(app.count("SELECT count(*) AS n FROM applications"), 0);
}

#[actix_web::test]
async fn create_is_for_employers_only() {
    let app = TestApp::spawn().await;
    for role in [Role::Caseworker, Role::Approver, Role::Auditor, Role::Admin] {
        app.post("/v1/applications", &app.token(role, None), draft_body())
            .await
            .assert_problem(403, "forbidden");
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM applications"), 0);
}

#[actix_web::test]
async fn create_is_refused_for_an_employer_token_naming_an_unregistered_employer() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Employer, Some(sls_case::domain::EmployerId::new()));
    app.post("/v1/applications", &token, draft_body())
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(app.count("SELECT count(*) AS n FROM applications"), 0);
}

// ---- read ----

#[actix_web::test]
async fn get_returns_the_case_with_its_etag_and_the_viewers_actions() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    let draft = app.create_draft(&token).await;
    let path = format!("/v1/applications/{}", id(&draft));
    let own = app.get(&path, &token).await;
    assert_eq!(own.status, 200);
    assert_eq!(own.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(own.json()["available_actions"], json!(["submit", "withdraw"]));
    let staff = app.get(&path, &app.token(Role::Caseworker, None)).await;
    assert_eq!(staff.json()["available_actions"], json!([]));
    assert_eq!(app.get(&path, &app.token(Role::Auditor, None)).await.status, 200);
    assert_eq!(app.get(&path, &app.token(Role::Approver, None)).await.status, 200);
}

#[actix_web::test]
async fn get_answers_304_when_if_none_match_is_current() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    let draft = app.create_draft(&token).await;
    let request = TestRequest::get()
        .uri(&format!("/v1/applications/{}", id(&draft)))
        .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
        .insert_header((header::IF_NONE_MATCH, "\"1\""));
    let response = app.send(request).await;
    assert_eq!(response.status, 304);
    assert!(response.bytes.is_empty());
}

#[actix_web::test]
async fn another_employers_application_is_not_found() {
    let app = TestApp::spawn().await;
    let (_, owner) = app.employer_with_token("12345678").await;
    let (_, stranger) = app.employer_with_token("87654321").await;
    let draft = app.create_draft(&owner).await;
    let path = format!("/v1/applications/{}", id(&draft));
    let problem = app.get(&path, &stranger).await.assert_problem(404, "not-found");
    assert!(!problem.to_string().contains("Chinese restaurant waiter"));
}

#[actix_web::test]
async fn admin_may_not_read_applications() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    let draft = app.create_draft(&token).await;
    let admin = app.token(Role::Admin, None);
    app.get(&format!("/v1/applications/{}", id(&draft)), &admin)
        .await
        .assert_problem(403, "forbidden");
    app.get("/v1/applications", &admin)
        .await
        .assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn list_filters_by_status_and_employer_and_confines_employers_to_their_own() {
    let app = TestApp::spawn().await;
    let (a, token_a) = app.employer_with_token("12345678").await;
    let (_, token_b) = app.employer_with_token("87654321").await;
    let a1 = app.create_draft(&token_a).await;
    let a2 = app.create_draft(&token_a).await;
    let b1 = app.create_draft(&token_b).await;
    app.call(
        Method::POST,
        &format!("/v1/applications/{}/actions/submit", id(&a2)),
        Some(&token_a),
        None,
    )
    .await;

    let ids = |body: Value| -> Vec<String> { body["items"].as_array().unwrap().iter().map(id).collect() };
    let cw = app.token(Role::Caseworker, None);
    assert_eq!(
        ids(app.get("/v1/applications", &cw).await.json()),
        vec![id(&b1), id(&a2), id(&a1)]
    );
    assert_eq!(
        ids(app.get("/v1/applications?status=SUBMITTED", &cw).await.json()),
        vec![id(&a2)]
    );
    assert_eq!(
        ids(app.get(&format!("/v1/applications?employer_id={a}"), &cw).await.json()),
        vec![id(&a2), id(&a1)]
    );
    // An employer asking for another employer's cases still sees only its own (none of them).
    assert_eq!(ids(app.get("/v1/applications", &token_b).await.json()), vec![id(&b1)]);
    assert!(
        ids(app
            .get(&format!("/v1/applications?employer_id={a}"), &token_b)
            .await
            .json())
        .is_empty()
    );
}

#[actix_web::test]
async fn list_pages_through_every_application_exactly_once() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    let mut created = Vec::new();
    for _ in 0..7 {
        created.push(id(&app.create_draft(&token).await));
    }
    created.reverse();
    let mut seen = Vec::new();
    let mut path = "/v1/applications?limit=3".to_owned();
    loop {
        let body = app.get(&path, &token).await.json();
        seen.extend(body["items"].as_array().unwrap().iter().map(id));
        match body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/applications?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, created);
}

#[actix_web::test]
async fn list_names_bad_filters() {
    let app = TestApp::spawn().await;
    let cw = app.token(Role::Caseworker, None);
    let problem = app
        .get("/v1/applications?status=PENDING", &cw)
        .await
        .assert_invalid_field("status");
    assert!(problem["errors"][0]["reason"].as_str().unwrap().contains("SUBMITTED"));
    app.get("/v1/applications?employer_id=42", &cw)
        .await
        .assert_invalid_field("employer_id");
    app.get("/v1/applications?limit=-1", &cw)
        .await
        .assert_invalid_field("limit");
}

// ---- update ----

async fn patch(
    app: &TestApp,
    path: &str,
    token: &str,
    if_match: Option<&str>,
    body: Value,
) -> crate::helpers::TestResponse {
    let mut request = TestRequest::patch()
        .uri(path)
        .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
        .set_json(body);
    if let Some(tag) = if_match {
        request = request.insert_header((header::IF_MATCH, tag));
    }
    app.send(request).await
}

#[actix_web::test]
async fn an_edit_may_leave_a_field_out_but_not_send_it_as_null() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    let draft = app.create_draft(&token).await;
    let path = format!("/v1/applications/{}", id(&draft));
    for (body, field) in [
        (json!({"vacancies": null}), "vacancies"),
        (
            json!({"justification": null, "vacancies": [vacancy_body()]}),
            "justification",
        ),
    ] {
        patch(&app, &path, &token, Some("\"1\""), body)
            .await
            .assert_invalid_field(field);
    }
    let unchanged = app.get(&path, &token).await.json();
    assert_eq!(unchanged["version"], 1);
    assert_eq!(unchanged["justification"], draft["justification"]);
}

#[actix_web::test]
async fn employer_edits_a_draft_with_if_match_and_the_audit_keeps_before_and_after() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    let draft = app.create_draft(&token).await;
    let path = format!("/v1/applications/{}", id(&draft));
    let mut v = vacancy_body();
    v["monthly_wage_hkd"] = json!(18000);
    let response = patch(&app, &path, &token, Some("\"1\""), json!({"vacancies": [v]})).await;
    assert_eq!(response.status, 200, "{}", String::from_utf8_lossy(&response.bytes));
    assert_eq!(response.header("etag").as_deref(), Some("\"2\""));
    let body = response.json();
    assert_eq!(body["version"], 2);
    assert_eq!(body["vacancies"][0]["monthly_wage_hkd"], 18000);
    assert_eq!(
        body["justification"], draft["justification"],
        "fields not sent are kept"
    );
    let audited = app.count(&format!(
        "SELECT count(*) AS n FROM audit_events WHERE action = 'application.updated' AND application_id = '{}' \
         AND (before->'vacancies'->0->>'monthly_wage_hkd')::int = 17500 \
         AND (after->'vacancies'->0->>'monthly_wage_hkd')::int = 18000",
        id(&draft)
    ));
    assert_eq!(audited, 1);
}

#[actix_web::test]
async fn stale_if_match_is_412_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    let draft = app.create_draft(&token).await;
    let path = format!("/v1/applications/{}", id(&draft));
    assert_eq!(
        patch(&app, &path, &token, Some("\"1\""), json!({"justification": "first"}))
            .await
            .status,
        200
    );
    let stale = patch(&app, &path, &token, Some("\"1\""), json!({"justification": "second"})).await;
    stale.assert_problem(412, "precondition-failed");
    assert_eq!(stale.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(app.get(&path, &token).await.json()["justification"], "first");
    assert_eq!(app.audit_count("application.updated"), 1);
}

#[actix_web::test]
async fn edit_without_if_match_is_428() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    let draft = app.create_draft(&token).await;
    patch(
        &app,
        &format!("/v1/applications/{}", id(&draft)),
        &token,
        None,
        json!({"justification": "x"}),
    )
    .await
    .assert_problem(428, "precondition-required");
}

#[actix_web::test]
async fn edit_names_invalid_fields_and_refuses_an_empty_change() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    let draft = app.create_draft(&token).await;
    let path = format!("/v1/applications/{}", id(&draft));
    let mut v = vacancy_body();
    v["post_title"] = json!("");
    patch(&app, &path, &token, Some("\"1\""), json!({"vacancies": [v]}))
        .await
        .assert_invalid_field("vacancies[0].post_title");
    patch(&app, &path, &token, Some("\"1\""), json!({}))
        .await
        .assert_invalid_field("body");
    patch(&app, &path, &token, Some("\"1\""), json!({"status": "APPROVED"}))
        .await
        .assert_invalid_field("status");
    assert_eq!(app.get(&path, &token).await.json()["version"], 1);
}

#[actix_web::test]
async fn a_submitted_application_can_no_longer_be_edited() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    let draft = app.create_draft(&token).await;
    let path = format!("/v1/applications/{}", id(&draft));
    app.call(Method::POST, &format!("{path}/actions/submit"), Some(&token), None)
        .await;
    patch(
        &app,
        &path,
        &token,
        Some("\"2\""),
        json!({"justification": "late change"}),
    )
    .await
    .assert_problem(409, "conflict");
}

#[actix_web::test]
async fn edit_is_for_the_owning_employer_only() {
    let app = TestApp::spawn().await;
    let (_, owner) = app.employer_with_token("12345678").await;
    let (_, stranger) = app.employer_with_token("87654321").await;
    let draft = app.create_draft(&owner).await;
    let path = format!("/v1/applications/{}", id(&draft));
    let change = json!({"justification": "hijack"});
    patch(&app, &path, &stranger, Some("\"1\""), change.clone())
        .await
        .assert_problem(404, "not-found");
    for role in [Role::Caseworker, Role::Approver, Role::Auditor, Role::Admin] {
        patch(&app, &path, &app.token(role, None), Some("\"1\""), change.clone())
            .await
            .assert_problem(403, "forbidden");
    }
    assert_eq!(app.get(&path, &owner).await.json()["version"], 1);
}

// ---- actions ----

#[actix_web::test]
async fn submit_moves_a_draft_to_submitted_stamps_it_and_audits_the_transition() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    let draft = app.create_draft(&token).await;
    let response = app
        .post(
            &format!("/v1/applications/{}/actions/submit", id(&draft)),
            &token,
            json!({"comment": "Ready"}),
        )
        .await;
    assert_eq!(response.status, 200);
    let body = response.json();
    assert_eq!(body["status"], "SUBMITTED");
    assert_eq!(body["version"], 2);
    assert!(body["submitted_at"].is_string());
    assert_eq!(body["available_actions"], json!(["withdraw"]));
    let audited = app.count(&format!(
        "SELECT count(*) AS n FROM audit_events WHERE action = 'application.submit' AND application_id = '{}' \
         AND from_status = 'DRAFT' AND to_status = 'SUBMITTED' AND comment = 'Ready' \
         AND before->>'status' = 'DRAFT' AND after->>'status' = 'SUBMITTED'",
        id(&draft)
    ));
    assert_eq!(audited, 1);
}

#[actix_web::test]
async fn submitting_twice_is_409_and_writes_no_second_event() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    let draft = app.create_draft(&token).await;
    let path = format!("/v1/applications/{}/actions/submit", id(&draft));
    assert_eq!(app.call(Method::POST, &path, Some(&token), None).await.status, 200);
    let problem = app
        .call(Method::POST, &path, Some(&token), None)
        .await
        .assert_problem(409, "action-not-allowed");
    assert!(problem["detail"].as_str().unwrap().contains("SUBMITTED"));
    assert_eq!(app.audit_count("application.submit"), 1);
}

#[actix_web::test]
async fn submit_honours_if_match_when_sent() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    let draft = app.create_draft(&token).await;
    let request = TestRequest::post()
        .uri(&format!("/v1/applications/{}/actions/submit", id(&draft)))
        .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
        .insert_header((header::IF_MATCH, "\"7\""));
    app.send(request).await.assert_problem(412, "precondition-failed");
    assert_eq!(
        app.get(&format!("/v1/applications/{}", id(&draft)), &token)
            .await
            .json()["status"],
        "DRAFT"
    );
}

#[actix_web::test]
async fn submit_names_a_bad_comment() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    let draft = app.create_draft(&token).await;
    app.post(
        &format!("/v1/applications/{}/actions/submit", id(&draft)),
        &token,
        json!({"comment": 42}),
    )
    .await
    .assert_invalid_field("comment");
}

#[actix_web::test]
async fn only_the_owning_employer_submits_or_withdraws() {
    let app = TestApp::spawn().await;
    let (_, owner) = app.employer_with_token("12345678").await;
    let (_, stranger) = app.employer_with_token("87654321").await;
    let draft = app.create_draft(&owner).await;
    for action in ["submit", "withdraw"] {
        let path = format!("/v1/applications/{}/actions/{action}", id(&draft));
        app.call(Method::POST, &path, Some(&stranger), None)
            .await
            .assert_problem(404, "not-found");
        for role in [Role::Caseworker, Role::Approver, Role::Auditor, Role::Admin] {
            app.call(Method::POST, &path, Some(&app.token(role, None)), None)
                .await
                .assert_problem(403, "forbidden");
        }
    }
    assert_eq!(
        app.get(&format!("/v1/applications/{}", id(&draft)), &owner)
            .await
            .json()["status"],
        "DRAFT"
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM audit_events WHERE action <> 'application.created' AND entity_type = 'application'"), 0);
}

#[actix_web::test]
async fn withdraw_ends_a_submitted_case_and_then_nothing_more_is_allowed() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    let draft = app.create_draft(&token).await;
    let base = format!("/v1/applications/{}", id(&draft));
    app.call(Method::POST, &format!("{base}/actions/submit"), Some(&token), None)
        .await;
    let response = app
        .post(
            &format!("{base}/actions/withdraw"),
            &token,
            json!({"comment": "Filled locally"}),
        )
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["status"], "WITHDRAWN");
    assert_eq!(response.json()["available_actions"], json!([]));
    app.call(Method::POST, &format!("{base}/actions/withdraw"), Some(&token), None)
        .await
        .assert_problem(409, "action-not-allowed");
    app.call(Method::POST, &format!("{base}/actions/submit"), Some(&token), None)
        .await
        .assert_problem(409, "action-not-allowed");
}

#[actix_web::test]
async fn a_draft_can_be_withdrawn_without_ever_being_submitted() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    let draft = app.create_draft(&token).await;
    let body = app
        .call(
            Method::POST,
            &format!("/v1/applications/{}/actions/withdraw", id(&draft)),
            Some(&token),
            None,
        )
        .await
        .json();
    assert_eq!(body["status"], "WITHDRAWN");
    assert_eq!(body["submitted_at"], Value::Null);
}

#[actix_web::test]
async fn a_malformed_application_id_is_named_on_every_case_endpoint() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    app.get("/v1/applications/42", &token).await.assert_invalid_field("id");
    for action in ["submit", "withdraw"] {
        app.call(
            Method::POST,
            &format!("/v1/applications/42/actions/{action}"),
            Some(&token),
            None,
        )
        .await
        .assert_invalid_field("id");
    }
    patch(
        &app,
        "/v1/applications/42",
        &token,
        Some("\"1\""),
        json!({"justification": "x"}),
    )
    .await
    .assert_invalid_field("id");
}

#[actix_web::test]
async fn unknown_action_is_a_404_problem() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    let draft = app.create_draft(&token).await;
    app.call(
        Method::POST,
        &format!("/v1/applications/{}/actions/approve-everything", id(&draft)),
        Some(&token),
        None,
    )
    .await
    .assert_problem(404, "route-not-found");
}

/// Every code the API accepts is one the database keeps: a sector code with digits is stored as sent
/// (it was once refused by the table's own check, a 500).
#[actix_web::test]
async fn a_sector_code_with_digits_is_stored_as_sent() {
    let app = TestApp::spawn().await;
    let (_, employer) = app.employer_with_token("12345678").await;
    let mut body = draft_body();
    body["vacancies"][0]["industry_sector"] = json!("SECTOR_2");
    let created = app.post("/v1/applications", &employer, body).await;
    assert_eq!(created.status, 201, "{}", String::from_utf8_lossy(&created.bytes));
    assert_eq!(created.json()["vacancies"][0]["industry_sector"], "SECTOR_2");
}
