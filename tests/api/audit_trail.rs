use actix_web::http::Method;
use diesel::RunQueryDsl;
use serde_json::{Value, json};
use sls_case::domain::Role;

use crate::helpers::TestApp;

#[actix_web::test]
async fn history_lists_every_event_of_the_case_oldest_first_for_its_readers() {
    let app = TestApp::spawn().await;
    let (employer, token) = app.employer_with_token("12345678").await;
    let draft = app.create_draft(&token).await;
    let id = draft["id"].as_str().unwrap();
    app.call(
        Method::POST,
        &format!("/v1/applications/{id}/actions/submit"),
        Some(&token),
        None,
    )
    .await;

    for reader in [
        token.clone(),
        app.token(Role::Caseworker, None),
        app.token(Role::Approver, None),
        app.token(Role::Auditor, None),
    ] {
        let response = app.get(&format!("/v1/applications/{id}/history"), &reader).await;
        assert_eq!(response.status, 200);
        let body = response.json();
        let events = body["items"].as_array().unwrap();
        let actions: Vec<&str> = events.iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, vec!["application.created", "application.submit"]);
        assert!(events[0]["seq"].as_i64() < events[1]["seq"].as_i64());
        assert_eq!(events[1]["from_status"], "DRAFT");
        assert_eq!(events[1]["to_status"], "SUBMITTED");
        assert_eq!(
            events[1]["actor"],
            json!({"sub": "test-employer", "role": "employer", "employer_id": employer.to_string()})
        );
        assert_eq!(events[0]["before"], Value::Null);
        assert_eq!(events[1]["after"]["status"], "SUBMITTED");
    }
}

#[actix_web::test]
async fn history_of_another_employers_case_is_not_found_and_admins_are_refused() {
    let app = TestApp::spawn().await;
    let (_, owner) = app.employer_with_token("12345678").await;
    let (_, stranger) = app.employer_with_token("87654321").await;
    let draft = app.create_draft(&owner).await;
    let path = format!("/v1/applications/{}/history", draft["id"].as_str().unwrap());
    app.get(&path, &stranger).await.assert_problem(404, "not-found");
    app.get(&path, &app.token(Role::Admin, None))
        .await
        .assert_problem(403, "forbidden");
    app.call(Method::GET, &path, None, None)
        .await
        .assert_problem(401, "unauthenticated");
    app.get("/v1/applications/nope/history", &owner)
        .await
        .assert_invalid_field("id");
}

#[actix_web::test]
async fn audit_rows_cannot_be_updated_deleted_or_truncated_even_by_the_owner() {
    let app = TestApp::spawn().await;
    app.create_employer("12345678").await;
    let mut conn = app.db.connect();
    for statement in [
        "UPDATE audit_events SET actor_sub = 'someone-else'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ] {
        let err = diesel::sql_query(statement).execute(&mut conn).expect_err(statement);
        assert!(err.to_string().contains("append-only"), "{statement}: {err}");
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE actor_sub = 'test-caseworker'"),
        1
    );
}

#[actix_web::test]
async fn a_change_whose_audit_event_cannot_be_written_is_rolled_back() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("12345678").await;
    let draft = app.create_draft(&token).await;
    // Make every further audit insert fail, as a broken audit store would.
    diesel::sql_query(
        "ALTER TABLE audit_events ADD CONSTRAINT audit_blocked CHECK (action <> 'application.submit') NOT VALID",
    )
    .execute(&mut app.db.connect())
    .unwrap();
    let response = app
        .call(
            Method::POST,
            &format!("/v1/applications/{}/actions/submit", draft["id"].as_str().unwrap()),
            Some(&token),
            None,
        )
        .await;
    let problem = response.assert_problem(500, "internal-error");
    assert!(
        !problem.to_string().contains("audit_blocked"),
        "internals must not leak: {problem}"
    );
    let status = app
        .get(&format!("/v1/applications/{}", draft["id"].as_str().unwrap()), &token)
        .await
        .json()["status"]
        .clone();
    assert_eq!(status, "DRAFT", "the status change must roll back with its audit event");
}
