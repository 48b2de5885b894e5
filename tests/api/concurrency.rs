//! Rules that read across an employer's cases hold when requests arrive together: they run under a
//! lock on the employer (then the case), so the answer cannot depend on timing. Each test fires the
//! requests at once and counts the successes the rules allow, and the audit events they left.

use std::time::Duration;

use diesel::RunQueryDsl;
use futures_util::future::join_all;
use serde_json::json;

use crate::helpers::{TestApp, TestResponse};
use crate::workers::{approved, name};
use crate::workflow::{Case, dishwashers, publish_wage_table};

fn statuses(responses: &[TestResponse]) -> Vec<u16> {
    responses.iter().map(|r| r.status.as_u16()).collect()
}

fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

/// Every refusal among `responses` is a 422 naming `rule_id`.
#[track_caller]
fn refused_by(responses: &[TestResponse], rule_id: &str) {
    for refused in responses.iter().filter(|r| r.status != 200 && r.status != 201) {
        assert_eq!(refused.assert_problem(422, "rule-violation")["rule_id"], rule_id);
    }
}

#[actix_web::test]
async fn concurrent_submissions_pass_the_six_month_bar_exactly_once() {
    let app = TestApp::spawn().await;
    let first = Case::draft(&app, "50000001", 10, vec![dishwashers(1, 14000)]).await;
    let mut cases = Vec::new();
    for _ in 0..5 {
        cases.push(first.another(vec![dishwashers(1, 14000)], "NEW").await);
    }
    cases.push(first);

    let responses = join_all(cases.iter().map(|c| c.act(&c.employer_token, "submit", json!({})))).await;

    let statuses = statuses(&responses);
    assert_eq!(count(&statuses, 200), 1, "{statuses:?}");
    assert_eq!(count(&statuses, 422), 5, "{statuses:?}");
    refused_by(&responses, "R-APP-3");
    assert_eq!(app.audit_count("application.submit"), 1);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM applications WHERE status = 'SUBMITTED'"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM decision_records WHERE kind = 'SUBMISSION'"),
        1
    );
}

#[actix_web::test]
async fn concurrent_approvals_never_grant_more_places_than_the_ratio_allows() {
    let app = TestApp::spawn().await;
    publish_wage_table(&app).await;
    // Ten full-time locals allow five imported workers; five renewals (exempt from the six-month bar)
    // ask for two each.
    let first = Case::draft(&app, "50000002", 10, vec![dishwashers(2, 14000)]).await;
    let mut cases = Vec::new();
    for _ in 0..4 {
        cases.push(first.another(vec![dishwashers(2, 14000)], "RENEWAL").await);
    }
    cases.push(first);
    for case in &cases {
        case.start_recruitment().await;
    }
    for case in &cases {
        case.to_decision("2026-03-30").await;
    }

    let responses = join_all(cases.iter().map(|c| c.act(&c.approver, "approve", json!({})))).await;

    // 2 + 2 + 1 (partial) places, then nothing left: the last two are refused the approval.
    let statuses = statuses(&responses);
    assert_eq!(count(&statuses, 200), 3, "{statuses:?}");
    assert_eq!(count(&statuses, 422), 2, "{statuses:?}");
    refused_by(&responses, "R-DEC-1");
    let granted: u64 = responses
        .iter()
        .filter(|r| r.status == 200)
        .map(|r| r.json()["places_approved"].as_u64().unwrap())
        .sum();
    assert_eq!(granted, 5);
    assert_eq!(app.count("SELECT count(*) AS n FROM worker_places"), 5);
    assert_eq!(app.audit_count("application.approve"), 3);
    let quota = app
        .get(
            &format!("/v1/employers/{}/quota", cases[0].employer),
            &cases[0].caseworker,
        )
        .await
        .json();
    assert_eq!(quota["enterprise"]["capacity"], 5);
    assert_eq!(quota["enterprise"]["places_approved"], 5);
    assert_eq!(quota["enterprise"]["places_still_allowed"], 0);
}

#[actix_web::test]
async fn concurrent_namings_fill_each_approved_place_once() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "50000003", 3).await;
    app.set_today("2026-04-10");

    let namings = (0..8).map(|i| {
        let (case, vacancy) = (&case, &vacancy);
        async move { name(case, vacancy, &format!("N{i}234567")).await }
    });
    let responses = join_all(namings).await;

    let statuses = statuses(&responses);
    assert_eq!(count(&statuses, 201), 3, "{statuses:?}");
    assert_eq!(count(&statuses, 422), 5, "{statuses:?}");
    refused_by(&responses, "R-DEC-1");
    assert_eq!(app.count("SELECT count(*) AS n FROM workers"), 3);
    assert_eq!(app.audit_count("worker.named"), 3);
    let places = app
        .get(&format!("/v1/applications/{}/workers", case.id), &case.caseworker)
        .await
        .json();
    let mut filled: Vec<&str> = places["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["worker_id"].as_str())
        .collect();
    filled.dedup();
    assert_eq!(filled.len(), 3, "each place has its own worker: {places}");
}

/// Holds the employer's lock from outside the service, as a long write of its would.
fn hold_employer_lock(app: &TestApp, employer: &str) -> diesel::PgConnection {
    let mut conn = app.db.connect();
    diesel::sql_query("BEGIN").execute(&mut conn).unwrap();
    diesel::sql_query(format!(
        "SELECT id FROM employers WHERE id = '{employer}' FOR NO KEY UPDATE"
    ))
    .execute(&mut conn)
    .unwrap();
    conn
}

#[actix_web::test]
async fn a_held_employer_lock_holds_that_employer_s_writes_and_no_one_else_s() {
    let app = TestApp::spawn().await;
    let waiting = Case::draft(&app, "50000004", 10, vec![dishwashers(1, 14000)]).await;
    let other = Case::draft(&app, "50000005", 10, vec![dishwashers(1, 14000)]).await;
    let mut holder = hold_employer_lock(&app, &waiting.employer.to_string());

    // Another employer's submission goes through while the lock is held.
    let through = tokio::time::timeout(
        Duration::from_secs(60),
        other.act(&other.employer_token, "submit", json!({})),
    )
    .await
    .expect("another employer's write does not wait for this employer's lock");
    assert_eq!(through.status, 200, "{}", String::from_utf8_lossy(&through.bytes));

    // This employer's submission waits for the lock (it cannot finish while the lock is held)...
    let submit = waiting.act(&waiting.employer_token, "submit", json!({}));
    let mut submit = std::pin::pin!(submit);
    assert!(
        tokio::time::timeout(Duration::from_millis(500), &mut submit)
            .await
            .is_err(),
        "the submission went through while its employer was locked"
    );
    // ... and goes through once it is released.
    diesel::sql_query("ROLLBACK").execute(&mut holder).unwrap();
    let released: TestResponse = submit.await;
    assert_eq!(released.status, 200, "{}", String::from_utf8_lossy(&released.bytes));
    assert_eq!(app.audit_count("application.submit"), 2);
}
