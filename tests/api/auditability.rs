//! Tamper evidence, the service role's limits, point-in-time views, audit search and export, and
//! statistics.

use actix_web::http::{Method, header};
use actix_web::test::TestRequest;
use diesel::RunQueryDsl;
use serde_json::{Value, json};
use sls_case::domain::Role;

use crate::helpers::{TestApp, employer_body};
use crate::workflow::{Case, dishwashers, publish_wage_table, waiters};

fn sql(app: &TestApp, statement: &str) {
    diesel::sql_query(statement)
        .execute(&mut app.db.connect())
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

async fn verify(app: &TestApp) -> Value {
    let response = app.get("/v1/audit/verify", &app.token(Role::Auditor, None)).await;
    assert_eq!(response.status, 200);
    response.json()
}

#[actix_web::test]
async fn verification_passes_on_an_untouched_trail_and_finds_one_altered_byte() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("30000001").await;
    let draft = app.create_draft(&token).await;
    let id = draft["id"].as_str().unwrap();
    app.post(
        &format!("/v1/applications/{id}/actions/submit"),
        &token,
        json!({"comment": "Ready"}),
    )
    .await;
    app.post(&format!("/v1/applications/{id}/actions/withdraw"), &token, json!({}))
        .await;

    let clean = verify(&app).await;
    assert_eq!(clean["intact"], true);
    assert_eq!(
        clean["events_checked"],
        app.count("SELECT count(*) AS n FROM audit_events")
    );
    assert_eq!(clean["first_broken_link"], Value::Null);

    // A superuser bypasses the trigger and changes one byte of one event.
    let target = app.count(&format!(
        "SELECT seq AS n FROM audit_events WHERE application_id = '{id}' AND action = 'application.submit'"
    ));
    sql(
        &app,
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete",
    );
    sql(
        &app,
        &format!("UPDATE audit_events SET comment = 'Readz' WHERE seq = {target}"),
    );
    let broken = verify(&app).await;
    assert_eq!(broken["intact"], false);
    assert_eq!(broken["first_broken_link"]["seq"], target);
    assert!(
        broken["first_broken_link"]["reason"]
            .as_str()
            .unwrap()
            .contains("altered")
    );
}

#[actix_web::test]
async fn deleting_an_event_or_rewriting_its_hash_breaks_the_next_link() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("30000002").await;
    let draft = app.create_draft(&token).await;
    let id = draft["id"].as_str().unwrap();
    let patch = |version: i64, text: &'static str| {
        TestRequest::patch()
            .uri(&format!("/v1/applications/{id}"))
            .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
            .insert_header((header::IF_MATCH, format!("\"{version}\"")))
            .set_json(json!({"justification": text}))
    };
    app.send(patch(1, "one")).await;
    app.send(patch(2, "two")).await;
    let middle = app.count(&format!(
        "SELECT seq AS n FROM audit_events WHERE application_id = '{id}' AND chain_position = 2"
    ));
    sql(
        &app,
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete",
    );
    sql(
        &app,
        &format!("UPDATE audit_events SET hash = repeat('0', 64) WHERE seq = {middle}"),
    );
    let broken = verify(&app).await;
    assert_eq!(
        broken["first_broken_link"]["seq"], middle,
        "its own hash no longer matches its content"
    );
    sql(&app, &format!("DELETE FROM audit_events WHERE seq = {middle}"));
    let broken = verify(&app).await;
    assert_eq!(broken["first_broken_link"]["chain_position"], 3);
    assert!(
        broken["first_broken_link"]["reason"]
            .as_str()
            .unwrap()
            .contains("missing")
    );
}

#[actix_web::test]
async fn concurrent_writers_to_one_chain_never_fork_it() {
    let app = TestApp::spawn().await;
    let (employer, token) = app.employer_with_token("30000003").await;
    let path = format!("/v1/employers/{employer}/headcount-returns");
    let requests = (0..24).map(|i| {
        let body = json!({"as_of": "2026-03-01", "full_time_locals": i, "imported_workers": 0, "evidence_ref": format!("MPF {i}")});
        let (app, path, token) = (&app, &path, &token);
        async move { app.post(path, token, body).await }
    });
    for response in futures_util::future::join_all(requests).await {
        assert_eq!(response.status, 201);
    }
    assert_eq!(
        app.count(&format!(
            "SELECT count(DISTINCT chain_position) AS n FROM audit_events WHERE chain_key = 'employer:{employer}'"
        )),
        25
    );
    assert_eq!(verify(&app).await["intact"], true);
}

#[actix_web::test]
async fn the_service_role_cannot_change_history_even_with_the_triggers_gone() {
    let app = TestApp::spawn().await;
    app.create_employer("30000004").await;
    sql(
        &app,
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete",
    );
    sql(
        &app,
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_truncate",
    );
    let mut conn = app.db.connect();
    diesel::sql_query("SET ROLE sls_app").execute(&mut conn).unwrap();
    for statement in [
        "UPDATE audit_events SET actor_sub = 'x'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
        "UPDATE decision_records SET outcome = 'APPROVE'",
        "DELETE FROM policy_values",
        "UPDATE wage_table_rows SET median_monthly_wage_hkd = 1",
    ] {
        let err = diesel::sql_query(statement).execute(&mut conn).expect_err(statement);
        assert!(err.to_string().contains("permission denied"), "{statement}: {err}");
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM audit_events"), 1);
}

#[actix_web::test]
async fn events_record_the_agency_acting_for_the_employer_and_the_decision_record_of_a_decision() {
    let app = TestApp::spawn().await;
    publish_wage_table(&app).await;
    let case = Case::draft(&app, "30000005", 10, vec![dishwashers(1, 14000)]).await;
    app.authorise_agency(case.employer, "Harbour Staffing", Some(vec![case.id.clone()]))
        .await;
    let agent = sls_case::auth::JwtKeys::new(
        &secrecy::SecretString::from(crate::helpers::TEST_SECRET),
        &crate::helpers::jwt_settings(),
    )
    .mint_for_agency(
        "agent-ho",
        Role::Employer,
        Some(case.employer),
        Some("Harbour Staffing"),
        std::time::Duration::from_secs(60),
    )
    .unwrap();
    assert_eq!(case.act(&agent, "submit", json!({})).await.status, 200);
    case.ok(&case.caseworker, "start-screening").await;
    case.ok(&case.caseworker, "screen-in").await;
    case.to_decision("2026-03-30").await;
    case.ok(&case.approver, "approve").await;
    let history = app
        .get(&format!("/v1/applications/{}/history", case.id), &case.caseworker)
        .await
        .json();
    let event = |action: &str| {
        history["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == action)
            .unwrap()
            .clone()
    };
    let submit = event("application.submit");
    assert_eq!(submit["actor"]["sub"], "agent-ho");
    assert_eq!(submit["on_behalf_of"], format!("employer:{}", case.employer));
    assert_eq!(submit["agency"], "Harbour Staffing");
    assert_eq!(
        event("application.approve")["decision_record_id"],
        case.decision().await["id"]
    );
    assert!(event("application.recommend")["decision_record_id"].is_string());
}

#[actix_web::test]
async fn employers_see_their_history_without_caseworkers_internal_notes() {
    let app = TestApp::spawn().await;
    let case = Case::draft(&app, "30000006", 10, vec![dishwashers(1, 14000)]).await;
    case.act(
        &case.employer_token,
        "submit",
        json!({"comment": "Please process quickly"}),
    )
    .await;
    case.ok(&case.caseworker, "start-screening").await;
    case.act(
        &case.caseworker,
        "screen-out",
        json!({"comment": "Internal: BR looks dormant"}),
    )
    .await;
    let comments = |body: Value| -> Vec<Value> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["comment"].clone())
            .collect()
    };
    let own = comments(
        app.get(&format!("/v1/applications/{}/history", case.id), &case.employer_token)
            .await
            .json(),
    );
    let staff = comments(
        app.get(&format!("/v1/applications/{}/history", case.id), &case.caseworker)
            .await
            .json(),
    );
    assert_eq!(
        own,
        vec![Value::Null, json!("Please process quickly"), Value::Null, Value::Null]
    );
    assert_eq!(staff[3], json!("Internal: BR looks dormant"));
    assert_eq!(
        own.len(),
        staff.len(),
        "the employer sees every event, only without the notes"
    );
}

#[actix_web::test]
async fn a_case_as_it_stood_at_any_moment_equals_the_replay_of_its_history_up_to_then() {
    let app = TestApp::spawn().await;
    let case = Case::draft(&app, "30000007", 10, vec![waiters(2, 17000)]).await;
    let path = format!("/v1/applications/{}", case.id);
    let before_creation = app.count(&format!(
        "SELECT (extract(epoch FROM created_at) * 1000000)::bigint - 1 AS n FROM applications WHERE id = '{}'",
        case.id
    ));
    let mut moments: Vec<(String, Value)> = Vec::new();
    moments.push(snapshot(&app, &path).await);
    case.ok(&case.employer_token, "submit").await;
    moments.push(snapshot(&app, &path).await);
    case.ok(&case.caseworker, "start-screening").await;
    case.ok(&case.caseworker, "screen-in").await;
    moments.push(snapshot(&app, &path).await);
    let auditor = app.token(Role::Auditor, None);
    let history = app.get(&format!("{path}/history"), &auditor).await.json();
    for (at, live) in &moments {
        let encoded = at.replace('+', "%2B");
        let then = app.get(&format!("{path}?as_of={encoded}"), &auditor).await;
        assert_eq!(then.status, 200);
        assert_eq!(&then.json(), live, "as of {at}");
        // The same as taking the last snapshot in the history up to that moment.
        let at: chrono::DateTime<chrono::Utc> = at.parse().unwrap();
        let replayed = history["items"]
            .as_array()
            .unwrap()
            .iter()
            .rfind(|e| {
                let occurred: chrono::DateTime<chrono::Utc> = e["occurred_at"].as_str().unwrap().parse().unwrap();
                occurred <= at && e["action"].as_str().unwrap().starts_with("application.")
            })
            .unwrap()["after"]
            .clone();
        assert_eq!(replayed["status"], live["status"]);
        assert_eq!(replayed["version"], live["version"]);
    }
    assert_eq!(moments[0].1["status"], "DRAFT");
    assert_eq!(moments[2].1["status"], "LOCAL_RECRUITMENT");
    let before = chrono::DateTime::from_timestamp_micros(before_creation)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    app.get(&format!("{path}?as_of={}", before.replace('+', "%2B")), &auditor)
        .await
        .assert_problem(404, "not-found");
    app.get(&format!("{path}?as_of=yesterday"), &auditor)
        .await
        .assert_invalid_field("as_of");
    let (_, stranger) = app.employer_with_token("30000008").await;
    app.get(&format!("{path}?as_of={}", moments[1].0.replace('+', "%2B")), &stranger)
        .await
        .assert_problem(404, "not-found");
}

#[actix_web::test]
async fn audit_search_filters_and_pages_through_every_event_once() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("30000009").await;
    let mut ids = Vec::new();
    // Seven months apart, so the six-month bar never refuses them.
    for today in ["2026-03-02", "2026-10-02", "2027-05-02"] {
        app.set_today(today);
        let draft = app.create_draft(&token).await;
        let id = draft["id"].as_str().unwrap().to_owned();
        app.post(&format!("/v1/applications/{id}/actions/submit"), &token, json!({}))
            .await;
        ids.push(id);
    }
    let auditor = app.token(Role::Auditor, None);
    let total = app.count("SELECT count(*) AS n FROM audit_events");
    let mut seen = Vec::new();
    let mut path = "/v1/audit/events?limit=2".to_owned();
    loop {
        let body = app.get(&path, &auditor).await.json();
        seen.extend(
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["seq"].as_i64().unwrap()),
        );
        match body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/audit/events?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len() as i64, total);
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
    let one_case = app
        .get(&format!("/v1/audit/events?application_id={}", ids[1]), &auditor)
        .await
        .json();
    let actions: Vec<&str> = one_case["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["application.created", "application.submit"]);
    let submits = app
        .get(
            "/v1/audit/events?action=application.submit&actor=test-employer",
            &auditor,
        )
        .await
        .json();
    assert_eq!(submits["items"].as_array().unwrap().len(), 3);
    let future = app
        .get("/v1/audit/events?from=2099-01-01T00:00:00Z", &auditor)
        .await
        .json();
    assert!(future["items"].as_array().unwrap().is_empty());
    app.get("/v1/audit/events?from=soon", &auditor)
        .await
        .assert_invalid_field("from");
    app.get("/v1/audit/events?cursor=abc", &auditor)
        .await
        .assert_invalid_field("cursor");
    for role in [Role::Caseworker, Role::Approver, Role::Admin] {
        app.get("/v1/audit/events", &app.token(role, None))
            .await
            .assert_problem(403, "forbidden");
        app.get("/v1/audit/verify", &app.token(role, None))
            .await
            .assert_problem(403, "forbidden");
    }
}

#[actix_web::test]
async fn the_export_streams_every_event_in_ndjson_or_csv_across_many_batches() {
    let app = TestApp::spawn().await;
    // 1,300 events: more than two export batches.
    sql(
        &app,
        "INSERT INTO audit_events (id, actor_sub, actor_role, entity_type, entity_id, action, comment) \
         SELECT gen_random_uuid(), 'bulk', 'admin', 'policy', gen_random_uuid(), 'policy.value_added', 'line, with \"quotes\"' \
           FROM generate_series(1, 1300)",
    );
    let auditor = app.token(Role::Auditor, None);
    let ndjson = app.get("/v1/audit/export", &auditor).await;
    assert_eq!(ndjson.content_type(), "application/x-ndjson");
    let lines: Vec<Value> = String::from_utf8(ndjson.bytes.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1300);
    assert!(lines.windows(2).all(|w| w[0]["seq"].as_i64() < w[1]["seq"].as_i64()));
    let csv = app
        .send(
            TestRequest::get()
                .uri("/v1/audit/export?actor=bulk")
                .insert_header((header::AUTHORIZATION, format!("Bearer {auditor}")))
                .insert_header((header::ACCEPT, "text/csv")),
        )
        .await;
    assert!(csv.content_type().starts_with("text/csv"));
    let mut reader = csv::Reader::from_reader(&csv.bytes[..]);
    assert_eq!(reader.headers().unwrap().get(0), Some("seq"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1300);
    assert_eq!(&rows[0][14], "line, with \"quotes\"");
    // Written as it is read, a batch of at most 500 events per chunk: memory stays flat however many.
    let chunks = app
        .chunks(
            TestRequest::get()
                .uri("/v1/audit/export")
                .insert_header((header::AUTHORIZATION, format!("Bearer {auditor}"))),
        )
        .await;
    assert!(chunks.len() >= 3, "{} chunks", chunks.len());
    assert!(chunks.iter().all(|c| c.iter().filter(|&&b| b == b'\n').count() <= 500));
    assert_eq!(
        chunks
            .iter()
            .map(|c| c.iter().filter(|&&b| b == b'\n').count())
            .sum::<usize>(),
        1300
    );
    app.get("/v1/audit/export", &app.token(Role::Caseworker, None))
        .await
        .assert_problem(403, "forbidden");
    app.call(Method::GET, "/v1/audit/export", None, None)
        .await
        .assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn statistics_count_a_known_set_of_cases_exactly() {
    let app = TestApp::spawn().await;
    publish_wage_table(&app).await;
    // March 2026: five cases submitted (12 workers asked for).
    let approved = Case::draft(&app, "40000001", 10, vec![dishwashers(2, 14000)]).await;
    let partial = Case::draft(&app, "40000002", 5, vec![dishwashers(3, 14000)]).await;
    let refused = Case::draft(&app, "40000003", 10, vec![dishwashers(1, 13000)]).await;
    let recruiting = Case::draft(&app, "40000004", 10, vec![waiters(4, 17000)]).await;
    let screening = Case::draft(&app, "40000005", 10, vec![dishwashers(2, 14000)]).await;
    let _draft = Case::draft(&app, "40000006", 10, vec![dishwashers(9, 14000)]).await;
    for case in [&approved, &partial, &refused, &recruiting] {
        case.start_recruitment().await;
    }
    screening.ok(&screening.employer_token, "submit").await;
    screening.ok(&screening.caseworker, "start-screening").await;
    for case in [&approved, &partial, &refused] {
        case.to_decision("2026-03-30").await;
    }
    approved.ok(&approved.approver, "approve").await;
    partial.ok(&partial.approver, "approve").await;
    refused
        .act(
            &refused.approver,
            "refuse",
            json!({"reason_codes": ["WAGE_BELOW_MEDIAN"]}),
        )
        .await;

    let stats = app
        .get(
            "/v1/stats?from=2026-03-01&to=2026-03-31",
            &app.token(Role::Auditor, None),
        )
        .await;
    assert_eq!(stats.status, 200);
    let s = stats.json();
    assert_eq!(s["received"], json!({"applications": 5, "workers": 12}));
    assert_eq!(s["approved"], json!({"applications": 2, "workers": 4}));
    assert_eq!(
        s["in_processing"],
        json!({"applications": 2, "recruitment_started": 1, "recruitment_completed": 0})
    );
    assert_eq!(s["refusals_by_reason"], json!({"WAGE_BELOW_MEDIAN": 1}));
    let posts: Vec<(String, i64, i64, i64)> = s["by_post"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["key"].as_str().unwrap().to_owned(),
                b["applications"].as_i64().unwrap(),
                b["workers_requested"].as_i64().unwrap(),
                b["workers_approved"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        posts,
        vec![
            ("CHINESE_RESTAURANT_WAITER".into(), 1, 4, 0),
            ("DISHWASHER".into(), 4, 8, 4)
        ]
    );
    let categories: Vec<(String, i64)> = s["by_designated_category"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["key"].as_str().unwrap().to_owned(),
                b["workers_requested"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(categories, vec![("NONE".into(), 8), ("WAITER".into(), 4)]);

    // February saw nothing; by the end of February nothing was in processing.
    let feb = app
        .get(
            "/v1/stats?from=2026-02-01&to=2026-02-28",
            &app.token(Role::Caseworker, None),
        )
        .await
        .json();
    assert_eq!(feb["received"]["applications"], 0);
    assert_eq!(feb["in_processing"]["applications"], 0);
    // In mid-March, recruitment had started for four cases and none had completed it.
    let mid = app
        .get(
            "/v1/stats?from=2026-03-01&to=2026-03-15",
            &app.token(Role::Approver, None),
        )
        .await
        .json();
    assert_eq!(
        mid["in_processing"],
        json!({"applications": 5, "recruitment_started": 4, "recruitment_completed": 0})
    );
    assert_eq!(mid["approved"]["applications"], 0);

    app.get(
        "/v1/stats?from=2026-03-31&to=2026-03-01",
        &app.token(Role::Auditor, None),
    )
    .await
    .assert_invalid_field("to");
    app.get("/v1/stats?from=2026-03-01", &app.token(Role::Auditor, None))
        .await
        .assert_invalid_field("to");
    app.get("/v1/stats?from=2026-03-01&to=2026-03-31", &app.token(Role::Admin, None))
        .await
        .assert_problem(403, "forbidden");
    let (_, employer) = app.employer_with_token("40000007").await;
    app.get("/v1/stats?from=2026-03-01&to=2026-03-31", &employer)
        .await
        .assert_problem(403, "forbidden");
}

/// The case now (without the SLA clock, which a past view does not carry) and the instant it was read.
async fn snapshot(app: &TestApp, path: &str) -> (String, Value) {
    let mut live = app.get(path, &app.token(Role::Auditor, None)).await.json();
    live.as_object_mut().unwrap().remove("sla");
    (
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        live,
    )
}

#[actix_web::test]
async fn the_csv_export_escapes_cells_a_spreadsheet_would_run_as_formulas() {
    let app = TestApp::spawn().await;
    let formula_sub = "=cmd|' /C calc'!A0";
    let (_, employer) = app.employer_with_token("80000001").await;
    let draft = app.create_draft(&employer).await;
    let id = draft["id"].as_str().unwrap();
    let withdrawn = app
        .post(
            &format!("/v1/applications/{id}/actions/withdraw"),
            &employer,
            json!({"comment": "@SUM(1+1)*cmd|' /C calc'!A0"}),
        )
        .await;
    assert_eq!(withdrawn.status, 200, "{}", String::from_utf8_lossy(&withdrawn.bytes));
    let caseworker = app.token_for(formula_sub, Role::Caseworker, None);
    assert_eq!(
        app.post("/v1/employers", &caseworker, employer_body("80000002"))
            .await
            .status,
        201
    );
    let auditor = app.token(Role::Auditor, None);
    let export = |accept: &'static str| {
        TestRequest::get()
            .uri("/v1/audit/export")
            .insert_header((header::AUTHORIZATION, format!("Bearer {auditor}")))
            .insert_header((header::ACCEPT, accept))
    };
    let csv = app.send(export("text/csv")).await;
    let mut reader = csv::Reader::from_reader(&csv.bytes[..]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let cells: Vec<&str> = rows.iter().flat_map(|r| r.iter()).collect();
    assert!(cells.contains(&"'@SUM(1+1)*cmd|' /C calc'!A0"), "{cells:?}");
    assert!(cells.contains(&"'=cmd|' /C calc'!A0"), "{cells:?}");
    let formulas = ['=', '+', '-', '@', '\t', '\r'];
    assert!(cells.iter().all(|c| !c.starts_with(formulas)), "{cells:?}");
    // NDJSON keeps every value exactly as stored: the hashes are computed over it.
    let ndjson = String::from_utf8(app.send(export("application/x-ndjson")).await.bytes.to_vec()).unwrap();
    let events: Vec<Value> = ndjson.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(events.iter().any(|e| e["comment"] == "@SUM(1+1)*cmd|' /C calc'!A0"));
    assert!(events.iter().any(|e| e["actor_sub"] == formula_sub), "{events:?}");
}
