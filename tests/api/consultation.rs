//! LAB consultation (R-LAB-1/2): the package members read holds no personal data and no staff notes;
//! views are taken within a window of Hong Kong working days; the window's close is a timer that
//! records the verdict and routes the case.

use serde_json::{Value, json};
use sls_case::domain::Role;

use crate::helpers::TestApp;
use crate::workflow::{Case, dishwashers, publish_wage_table};

/// A case whose recruitment turned up a job seeker (who declined), assessed with staff notes on every
/// step, and sent to the LAB on `opened_on`.
async fn under_consultation<'a>(app: &'a TestApp, brn: &str, opened_on: &str) -> Case<'a> {
    publish_wage_table(app).await;
    let case = Case::draft(app, brn, 10, vec![dishwashers(2, 14000)]).await;
    case.start_recruitment().await;
    let vacancy = case.vacancy_ids().await.remove(0);
    case.referral(&vacancy, "JS-CHAN-TAI-MAN-A1234567", "DECLINED", true)
        .await;
    app.set_today(opened_on);
    for action in [
        "complete-recruitment",
        "start-assessment",
        "recommend",
        "start-consultation",
    ] {
        let done = case
            .act(
                &case.caseworker,
                action,
                json!({"comment": "STAFF-NOTE: employer seemed evasive"}),
            )
            .await;
        assert_eq!(done.status, 200, "{action}: {}", String::from_utf8_lossy(&done.bytes));
    }
    case
}

async fn consultation(case: &Case<'_>, token: &str) -> crate::helpers::TestResponse {
    case.app
        .get(&format!("/v1/applications/{}/consultation", case.id), token)
        .await
}

fn member(app: &TestApp, n: u32) -> String {
    app.token_for(&format!("lab-member-{n}"), Role::LabMember, None)
}

async fn view(case: &Case<'_>, token: &str, stance: &str) -> crate::helpers::TestResponse {
    case.app
        .post(
            &format!("/v1/applications/{}/consultation/views", case.id),
            token,
            json!({"stance": stance, "comment": "A view"}),
        )
        .await
}

/// Every property name reachable from `schema` in the OpenAPI document.
fn property_names(doc: &Value, schema: &Value, names: &mut Vec<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap();
        return property_names(doc, &doc["components"]["schemas"][name], names);
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for part in schema[key].as_array().into_iter().flatten() {
            property_names(doc, part, names);
        }
    }
    if schema.get("items").is_some() {
        property_names(doc, &schema["items"], names);
    }
    for (name, property) in schema["properties"].as_object().into_iter().flatten() {
        names.push(name.clone());
        property_names(doc, property, names);
    }
}

#[actix_web::test]
async fn the_package_holds_no_personal_data_of_workers_or_job_seekers_and_no_staff_notes() {
    let app = TestApp::spawn().await;
    // The schema: nothing in the package can carry a person's particulars or a note.
    let doc = app
        .call(actix_web::http::Method::GET, "/openapi.json", None, None)
        .await
        .json();
    let mut names = Vec::new();
    property_names(&doc, &doc["components"]["schemas"]["PackageResponse"], &mut names);
    assert!(names.contains(&"posts".to_owned()) && names.contains(&"recommendation".to_owned()));
    let personal = [
        "name",
        "full_name",
        "job_seeker",
        "job_seeker_ref",
        "travel_document",
        "document",
        "passport",
        "nationality",
        "date_of_birth",
        "phone",
        "email",
        "contact",
        "address",
        "workplace_addresses",
        "comment",
        "message",
        "note",
        "reason",
        "outcome_reason",
        "response",
        "justification",
        "assignee",
        "recommended_by",
        "created_by",
    ];
    for name in &names {
        assert!(!personal.contains(&name.as_str()), "the package schema has `{name}`");
    }

    // The content: the job seeker's reference, the staff notes and the justification are nowhere.
    let case = under_consultation(&app, "51000001", "2026-04-01").await;
    let read = consultation(&case, &member(&app, 1)).await;
    assert_eq!(read.status, 200, "{}", String::from_utf8_lossy(&read.bytes));
    let text = String::from_utf8_lossy(&read.bytes).to_string();
    for secret in [
        "JS-CHAN-TAI-MAN",
        "STAFF-NOTE",
        "Interviewed on site",
        "No local applicants",
        "cw-chan",
    ] {
        assert!(!text.contains(secret), "the package shows {secret}: {text}");
    }
    let package = &read.json()["package"];
    let post = &package["posts"][0];
    assert_eq!(post["workers_requested"], 2);
    assert_eq!(post["monthly_wage_hkd"], 14000);
    assert_eq!(post["recruitment"]["job_seekers_referred"], 1);
    assert_eq!(post["recruitment"]["outcomes"], json!({"DECLINED": 1}));
    assert_eq!(package["ratio"]["full_time_locals"], 10);
    assert!(package["recommendation"]["outcome"].is_string());
}

#[actix_web::test]
async fn the_window_is_ten_hong_kong_working_days_and_views_after_it_are_refused() {
    let app = TestApp::spawn().await;
    // Opened Wednesday 2026-04-01: Good Friday, the day after, Easter Monday and the day after Ching
    // Ming (3, 4, 6, 7 April) and two weekends are skipped.
    let case = under_consultation(&app, "51000002", "2026-04-01").await;
    let staff = consultation(&case, &case.caseworker).await.json();
    assert_eq!(
        (staff["closes_on"].as_str(), staff["working_days"].as_u64()),
        (Some("2026-04-20"), Some(10))
    );
    assert_eq!(staff["policy_used"][0]["key"], "lab_consultation_days");

    app.set_today("2026-04-20");
    assert_eq!(view(&case, &member(&app, 1), "SUPPORT").await.status, 201);
    // One view per member, final.
    view(&case, &member(&app, 1), "OBJECT")
        .await
        .assert_problem(409, "conflict");
    app.set_today("2026-04-21");
    view(&case, &member(&app, 2), "SUPPORT")
        .await
        .assert_problem(422, "rule-violation");
    assert_eq!(app.count("SELECT count(*) AS n FROM lab_views"), 1);
}

#[actix_web::test]
async fn the_window_s_close_records_consensus_and_sends_the_case_to_the_decision_the_day_after() {
    let app = TestApp::spawn().await;
    let case = under_consultation(&app, "51000003", "2026-03-30").await;
    let closes_on = consultation(&case, &case.caseworker).await.json()["closes_on"]
        .as_str()
        .unwrap()
        .to_owned();
    // Monday 2026-03-30: the Easter and Ching Ming holidays (3, 4, 6, 7 April) are skipped.
    assert_eq!(closes_on, "2026-04-16");
    for (n, stance) in [
        (1, "SUPPORT"),
        (2, "SUPPORT"),
        (3, "SUPPORT"),
        (4, "OBJECT"),
        (5, "COMMENT"),
    ] {
        assert_eq!(view(&case, &member(&app, n), stance).await.status, 201);
    }
    // On the last day the window is still open.
    app.set_today(&closes_on);
    app.sweep().await;
    assert_eq!(case.get().await["status"], "LAB_CONSULTATION");
    // The day after: 3 of 4 sides taken agree (0.75, the threshold).
    app.set_today("2026-04-17");
    let report = app.sweep().await;
    assert_eq!(report.fired.get("lab_window_closed"), Some(&1));
    assert_eq!(case.get().await["status"], "DECISION_PENDING");
    let closed = consultation(&case, &case.caseworker).await.json();
    assert_eq!(closed["verdict"]["outcome"], "CONSENSUS");
    assert_eq!(closed["verdict"]["routed_to"], "DECISION");
    assert_eq!(
        (
            closed["verdict"]["support"].as_u64(),
            closed["verdict"]["object"].as_u64(),
            closed["verdict"]["comment"].as_u64()
        ),
        (Some(3), Some(1), Some(1))
    );
    assert_eq!(closed["views"].as_array().unwrap().len(), 5);
    let history = app
        .get(&format!("/v1/applications/{}/history", case.id), &case.caseworker)
        .await
        .json();
    let concluded = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "application.conclude_consultation")
        .unwrap()
        .clone();
    assert_eq!(concluded["actor"]["role"], "system");
    assert_eq!(app.audit_count("application.consultation_verdict"), 1);
    // Fired once: a second sweep does nothing, and the member no longer reaches the package.
    assert_eq!(app.sweep().await.fired.get("lab_window_closed"), None);
    assert_eq!(consultation(&case, &member(&app, 1)).await.status, 404);
    // The case is decided as usual.
    assert_eq!(case.ok(&case.approver, "approve").await["status"], "APPROVED");
}

#[actix_web::test]
async fn without_consensus_the_case_goes_to_the_working_group_and_its_conclusion_closes_the_consultation() {
    let app = TestApp::spawn().await;
    let case = under_consultation(&app, "51000004", "2026-03-30").await;
    assert_eq!(view(&case, &member(&app, 1), "SUPPORT").await.status, 201);
    assert_eq!(view(&case, &member(&app, 2), "OBJECT").await.status, 201);
    // The caseworker cannot close it early without consensus; nothing is written.
    let events = app.count("SELECT count(*) AS n FROM audit_events");
    case.act(&case.caseworker, "close-consultation", json!({}))
        .await
        .assert_problem(422, "rule-violation");
    assert_eq!(app.count("SELECT count(*) AS n FROM audit_events"), events);
    // A member sees its own view only.
    let own = consultation(&case, &member(&app, 1)).await.json();
    assert_eq!(own["views"].as_array().unwrap().len(), 1);
    assert_eq!(own["views"][0]["member"], "lab-member-1");
    assert!(own["verdict"].is_null());

    let officer = app.token_for("cw-chan", Role::Caseworker, None);
    app.call(
        actix_web::http::Method::PUT,
        &format!("/v1/applications/{}/assignment", case.id),
        Some(&officer),
        Some(json!({"assignee": "cw-chan"})),
    )
    .await;
    app.set_today("2026-04-17");
    app.sweep().await;
    assert_eq!(case.get().await["status"], "LAB_CONSULTATION");
    let routed = consultation(&case, &case.caseworker).await.json();
    assert_eq!(routed["verdict"]["outcome"], "NO_CONSENSUS");
    assert_eq!(routed["verdict"]["routed_to"], "WORKING_GROUP");
    let told = app.get("/v1/notifications", &officer).await.json();
    assert!(
        told["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "consultation_to_working_group"),
        "{told}"
    );
    // Members can no longer add views; the working group's conclusion closes it.
    view(&case, &member(&app, 3), "SUPPORT")
        .await
        .assert_problem(422, "rule-violation");
    case.act(&case.caseworker, "close-consultation", json!({}))
        .await
        .assert_problem(400, "validation-error");
    let closed = case
        .act(
            &case.caseworker,
            "close-consultation",
            json!({"comment": "LAB working group supports approval of 1 place"}),
        )
        .await;
    assert_eq!(closed.status, 200, "{}", String::from_utf8_lossy(&closed.bytes));
    assert_eq!(closed.json()["status"], "DECISION_PENDING");
    assert_eq!(app.sweep().await.fired.get("lab_window_closed"), None);
}

#[actix_web::test]
async fn a_member_reads_only_cases_under_consultation_and_nothing_else_of_a_case() {
    let app = TestApp::spawn().await;
    let case = under_consultation(&app, "51000005", "2026-03-30").await;
    let other = case.another(vec![dishwashers(1, 14000)], "NEW").await;
    let lab = member(&app, 1);
    let listed = app.get("/v1/consultations", &lab).await.json();
    let ids: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["application_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![case.id.as_str()]);
    assert_eq!(consultation(&other, &lab).await.status, 404);
    assert_eq!(view(&other, &lab, "SUPPORT").await.status, 404);
    // No other read of the case, its employer or its history.
    for path in [
        format!("/v1/applications/{}", case.id),
        format!("/v1/applications/{}/history", case.id),
        format!("/v1/employers/{}", case.employer),
        "/v1/applications".to_owned(),
    ] {
        assert_eq!(app.get(&path, &lab).await.status, 403, "{path}");
    }
    // An employer does not read the package of its own case either.
    assert_eq!(consultation(&case, &case.employer_token).await.status, 403);
}

#[actix_web::test]
async fn administrators_list_holidays_and_a_listed_holiday_moves_later_windows() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin, None);
    let added = app
        .post(
            "/v1/public-holidays",
            &admin,
            json!({"day": "2026-04-08", "name": "Typhoon day (test)"}),
        )
        .await;
    assert_eq!(added.status, 201, "{}", String::from_utf8_lossy(&added.bytes));
    app.post(
        "/v1/public-holidays",
        &admin,
        json!({"day": "2026-04-08", "name": "Again"}),
    )
    .await
    .assert_problem(409, "conflict");
    assert_eq!(app.audit_count("holiday.listed"), 1);
    let listed = app.get("/v1/public-holidays", &member(&app, 1)).await.json();
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["day"] == "2026-04-08")
    );
    // One more day off: the window opened on 2026-04-01 closes on 2026-04-21, not 04-20.
    let case = under_consultation(&app, "51000006", "2026-04-01").await;
    assert_eq!(
        consultation(&case, &case.caseworker).await.json()["closes_on"],
        "2026-04-21"
    );
}

#[actix_web::test]
async fn a_member_sending_a_view_twice_at_once_has_it_recorded_once() {
    let app = TestApp::spawn().await;
    let case = under_consultation(&app, "51000007", "2026-03-30").await;
    let lab = member(&app, 1);
    let responses = futures_util::future::join_all((0..4).map(|_| view(&case, &lab, "SUPPORT"))).await;
    let mut statuses: Vec<u16> = responses.iter().map(|r| r.status.as_u16()).collect();
    statuses.sort();
    assert_eq!(statuses, vec![201, 409, 409, 409]);
    assert_eq!(app.count("SELECT count(*) AS n FROM lab_views"), 1);
    assert_eq!(app.audit_count("application.lab_view_recorded"), 1);
}
