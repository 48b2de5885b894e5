//! Complaints, inspections and sanctions (§5.9, R-CMP-1, R-SAN-1, R-RAT-6): the complainant is seen by
//! inspectors only; the complaint workflow has its order; a sanction revokes and terminates through the
//! lifecycle and rests on the employer's own records; a drop in local staff after an approval opens a
//! displacement review.

use serde_json::{Value, json};
use sls_case::domain::Role;

use crate::helpers::TestApp;
use crate::workers::approved;
use crate::workflow::{Case, dishwashers};

fn complaint_body(employer: impl std::fmt::Display) -> Value {
    json!({"received_on": "2026-03-01", "channel": "HOTLINE", "subject": "WORK_OUTSIDE_POST",
           "complainant_kind": "WORKER", "anonymous": false, "complainant_name": "Wong Siu Ming",
           "complainant_contact": "9876 5432", "summary": "Cook made to clean the second branch",
           "employer_id": employer.to_string()})
}

#[actix_web::test]
async fn only_inspectors_see_who_complained_and_the_trail_never_holds_it() {
    let app = TestApp::spawn().await;
    let employer = app.create_employer("61000001").await;
    let inspector = app.token(Role::Inspector, None);
    let filed = app.post("/v1/complaints", &inspector, complaint_body(employer)).await;
    assert_eq!(filed.status, 201, "{}", String::from_utf8_lossy(&filed.bytes));
    let id = filed.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(filed.json()["complainant"]["name"], "Wong Siu Ming");
    assert_eq!(filed.json()["status"], "RECEIVED");
    for role in [Role::Caseworker, Role::Approver, Role::Auditor] {
        let token = app.token(role, None);
        for path in [format!("/v1/complaints/{id}"), "/v1/complaints".to_owned()] {
            let read = app.get(&path, &token).await;
            assert_eq!(read.status, 200, "{role} {path}");
            let text = String::from_utf8_lossy(&read.bytes);
            assert!(
                !text.contains("Wong Siu Ming") && !text.contains("9876 5432"),
                "{role} {path}: {text}"
            );
            assert!(text.contains("Cook made to clean"), "{role} {path}");
        }
    }
    assert_eq!(
        app.get(&format!("/v1/complaints/{id}"), &inspector).await.json()["complainant"]["contact"],
        "9876 5432"
    );
    // The trail: the complaint is there, its complainant is not.
    let auditor = app.token(Role::Auditor, None);
    let trail = app.get("/v1/audit/events?limit=500", &auditor).await;
    let text = String::from_utf8_lossy(&trail.bytes);
    assert!(text.contains("complaint.received"), "{text}");
    assert!(!text.contains("Wong Siu Ming") && !text.contains("9876 5432"));
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM audit_events WHERE action = 'complaint.received' AND after::text LIKE '%Wong%'"
        ),
        0
    );
    // Anonymous means no name or contact at all.
    let mut anonymous = complaint_body(employer);
    anonymous["anonymous"] = json!(true);
    app.post("/v1/complaints", &inspector, anonymous)
        .await
        .assert_problem(400, "validation-error");
    // Another employer's case cannot be named in a complaint about this one.
    let (_, other_token) = app.employer_with_token("61000002").await;
    let draft = app.create_draft(&other_token).await;
    let mut wrong_case = complaint_body(employer);
    wrong_case["application_id"] = draft["id"].clone();
    let refused = app.post("/v1/complaints", &inspector, wrong_case).await;
    refused.assert_problem(400, "validation-error");
    assert_eq!(app.count("SELECT count(*) AS n FROM complaints"), 1);
}

#[actix_web::test]
async fn a_complaint_is_investigated_before_it_is_concluded_and_a_conclusion_is_final() {
    let app = TestApp::spawn().await;
    let employer = app.create_employer("61000003").await;
    let inspector = app.token(Role::Inspector, None);
    let id = app
        .post("/v1/complaints", &inspector, complaint_body(employer))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let status = |body: Value| {
        let (app, inspector, id) = (&app, inspector.clone(), id.clone());
        async move { app.post(&format!("/v1/complaints/{id}/status"), &inspector, body).await }
    };
    status(json!({"status": "SUBSTANTIATED", "conclusion": "x"}))
        .await
        .assert_problem(409, "conflict");
    assert_eq!(status(json!({"status": "UNDER_INVESTIGATION"})).await.status, 200);
    status(json!({"status": "SUBSTANTIATED"}))
        .await
        .assert_problem(400, "validation-error");
    let concluded = status(json!({"status": "SUBSTANTIATED", "conclusion": "Seen at the branch on 2 visits"})).await;
    assert_eq!(concluded.status, 200);
    assert_eq!(concluded.json()["version"], 3);
    status(json!({"status": "UNSUBSTANTIATED", "conclusion": "x"}))
        .await
        .assert_problem(409, "conflict");
    assert_eq!(app.audit_count("complaint.under_investigation"), 1);
    assert_eq!(app.audit_count("complaint.substantiated"), 1);
    // A caseworker reads it but cannot move it.
    let caseworker = app.token(Role::Caseworker, None);
    app.post(
        &format!("/v1/complaints/{id}/status"),
        &caseworker,
        json!({"status": "UNDER_INVESTIGATION"}),
    )
    .await
    .assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn a_sanction_from_findings_revokes_approvals_and_terminates_pending_cases_through_the_lifecycle() {
    let app = TestApp::spawn().await;
    let (case, _) = approved(&app, "61000004", 1).await;
    // A renewal: exempt from the six-month bar between submissions (R-APP-3).
    let pending = case.another(vec![dishwashers(1, 14000)], "RENEWAL").await;
    pending.ok(&case.employer_token, "submit").await;
    let draft = case.another(vec![dishwashers(1, 14000)], "NEW").await;
    let inspector = app.token(Role::Inspector, None);
    let complaint = app
        .post("/v1/complaints", &inspector, complaint_body(case.employer))
        .await
        .json();
    let inspection = app
        .post(
            "/v1/inspections",
            &inspector,
            json!({"employer_id": case.employer, "complaint_id": complaint["id"], "application_id": case.id,
                   "inspected_on": "2026-03-30", "findings": [
                       {"subject": "WORK_OUTSIDE_POST", "breach": true, "description": "Cook cleaning"},
                       {"subject": "WAGES_OR_DEDUCTIONS", "breach": false, "description": "Autopay records in order"}]}),
        )
        .await;
    assert_eq!(inspection.status, 201, "{}", String::from_utf8_lossy(&inspection.bytes));
    assert_eq!(inspection.json()["breach_found"], true);

    // Grounds must be the employer's: another employer's complaint is refused, nothing written.
    let other = app.create_employer("61000005").await;
    let foreign = app
        .post("/v1/complaints", &inspector, complaint_body(other))
        .await
        .json();
    let before = app.count("SELECT count(*) AS n FROM audit_events");
    let sanction = |complaint_ids: Value| {
        json!({"bar_from": "2026-03-30", "months": 24, "reason": "Work outside the SEC post",
               "kinds": ["REVOKE_APPROVALS", "TERMINATE_PENDING"], "published": true,
               "application_ids": [case.id], "complaint_ids": complaint_ids,
               "inspection_ids": [inspection.json()["id"]]})
    };
    let path = format!("/v1/employers/{}/sanctions", case.employer);
    app.post(&path, &case.approver, sanction(json!([foreign["id"]])))
        .await
        .assert_problem(400, "validation-error");
    assert_eq!(app.count("SELECT count(*) AS n FROM audit_events"), before);

    let imposed = app
        .post(&path, &case.approver, sanction(json!([complaint["id"]])))
        .await;
    assert_eq!(imposed.status, 201, "{}", String::from_utf8_lossy(&imposed.bytes));
    let imposed = imposed.json();
    assert_eq!(
        imposed["kinds"],
        json!(["BAR_NEW_APPLICATIONS", "REVOKE_APPROVALS", "TERMINATE_PENDING"])
    );
    assert_eq!(imposed["published"], true);
    assert_eq!(imposed["complaint_ids"], json!([complaint["id"]]));
    // The approval is revoked and the pending case terminated, each by the approver through the
    // lifecycle (its own event in its own history); the draft is not a pending application.
    assert_eq!(case.get().await["status"], "REVOKED");
    assert_eq!(pending.get().await["status"], "PROCESSING_TERMINATED");
    assert_eq!(draft.get().await["status"], "DRAFT");
    let history = app
        .get(&format!("/v1/applications/{}/history", case.id), &case.caseworker)
        .await
        .json();
    let revoke = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "application.revoke")
        .unwrap()
        .clone();
    assert_eq!(revoke["actor"]["sub"], "ap-lee");
    assert!(
        revoke["comment"]
            .as_str()
            .unwrap()
            .contains(imposed["id"].as_str().unwrap())
    );
    // Its places are revoked too, and the bar refuses the draft's submission (R-SAN-2).
    draft
        .act(&case.employer_token, "submit", json!({}))
        .await
        .assert_problem(422, "rule-violation");
    assert_eq!(app.audit_count("employer.sanction_imposed"), 1);
}

#[actix_web::test]
async fn fewer_locals_after_an_approval_opens_one_displacement_review_for_inspectors() {
    let app = TestApp::spawn().await;
    // Approved on 2026-03-30 on a return of 10 full-time locals.
    let (case, _) = approved(&app, "61000006", 1).await;
    let file = |locals: u32| {
        let case = &case;
        async move {
            let filed = case
                .app
                .post(
                    &format!("/v1/employers/{}/headcount-returns", case.employer),
                    &case.employer_token,
                    json!({"as_of": "2026-03-30", "full_time_locals": locals, "imported_workers": 1, "evidence_ref": "MPF Mar"}),
                )
                .await;
            assert_eq!(filed.status, 201, "{}", String::from_utf8_lossy(&filed.bytes));
        }
    };
    let reviews = || app.count("SELECT count(*) AS n FROM complaints WHERE channel = 'DISPLACEMENT_REVIEW'");
    file(10).await;
    file(12).await;
    // Judged against the return the approval relied on (10), not the latest one (12).
    file(11).await;
    assert_eq!(
        reviews(),
        0,
        "as many locals as the approval relied on, or more, is no displacement"
    );
    file(9).await;
    assert_eq!(reviews(), 1);
    file(7).await;
    assert_eq!(reviews(), 1, "one open review at a time");
    let inspector = app.token(Role::Inspector, None);
    let listed = app
        .get(&format!("/v1/complaints?employer_id={}", case.employer), &inspector)
        .await
        .json();
    let review = &listed["items"][0];
    assert_eq!(review["channel"], "DISPLACEMENT_REVIEW");
    assert_eq!(review["subject"], "DISPLACEMENT");
    assert!(
        review["summary"].as_str().unwrap().contains("9 full-time local"),
        "{review}"
    );
    let told = app.get("/v1/notifications", &inspector).await.json();
    assert_eq!(told["items"][0]["kind"], "displacement_review");
    // Raised by the service itself, in the transaction of the return.
    let trail = app
        .get("/v1/audit/events?limit=500", &app.token(Role::Auditor, None))
        .await
        .json();
    let opened = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "complaint.displacement_review_opened")
        .unwrap()
        .clone();
    assert_eq!(opened["actor_role"], "system");
    // An employer without an approval is never reviewed.
    let fresh = Case::draft(&app, "61000007", 10, vec![dishwashers(1, 14000)]).await;
    let filed = app
        .post(
            &format!("/v1/employers/{}/headcount-returns", fresh.employer),
            &fresh.employer_token,
            json!({"as_of": "2026-03-30", "full_time_locals": 1, "imported_workers": 0, "evidence_ref": "MPF"}),
        )
        .await;
    assert_eq!(filed.status, 201);
    assert_eq!(reviews(), 1);
}

#[actix_web::test]
async fn bad_input_to_every_new_endpoint_is_400_naming_the_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let (employer, own) = app.employer_with_token("61000008").await;
    let inspector = app.token(Role::Inspector, None);
    let complaint = app
        .post("/v1/complaints", &inspector, complaint_body(employer))
        .await
        .json();
    let complaint = complaint["id"].as_str().unwrap().to_owned();
    let draft = app.create_draft(&own).await;
    let case = draft["id"].as_str().unwrap().to_owned();
    let lab = app.token(Role::LabMember, None);
    let admin = app.token(Role::Admin, None);
    let immd = app.token(Role::Immd, None);
    let before = app.count("SELECT count(*) AS n FROM audit_events");
    let mut bad_channel = complaint_body(employer);
    bad_channel["channel"] = json!("PIGEON");
    let cases: Vec<(&str, String, &String, Value, &str)> = vec![
        ("POST", "/v1/complaints".into(), &inspector, bad_channel, "channel"),
        (
            "POST",
            format!("/v1/complaints/{complaint}/status"),
            &inspector,
            json!({"status": "UNDER_INVESTIGATION", "conclusion": " "}),
            "conclusion",
        ),
        (
            "POST",
            "/v1/inspections".into(),
            &inspector,
            json!({"employer_id": employer, "inspected_on": "2026-03-01", "findings": []}),
            "findings",
        ),
        (
            "POST",
            format!("/v1/applications/{case}/consultation/views"),
            &lab,
            json!({"stance": "MAYBE"}),
            "stance",
        ),
        (
            "POST",
            format!("/v1/applications/{case}/consultation/views"),
            &lab,
            json!({"stance": "COMMENT"}),
            "comment",
        ),
        (
            "POST",
            "/v1/public-holidays".into(),
            &admin,
            json!({"day": "2026-02-30", "name": "x"}),
            "day",
        ),
        (
            "POST",
            format!("/v1/employers/{employer}/agency-authorisations"),
            &own,
            json!({"agency": "", "valid_from": "2026-01-01", "valid_until": "2026-12-31", "letter_document_id": uuid::Uuid::nil()}),
            "agency",
        ),
        (
            "POST",
            "/v1/immigration/events".into(),
            &immd,
            json!({"event_id": "E", "type": "VISA_LOST", "worker_id": uuid::Uuid::nil(), "occurred_on": "2026-03-01"}),
            "type",
        ),
        ("GET", "/v1/complaints?limit=0".into(), &inspector, Value::Null, "limit"),
        (
            "GET",
            "/v1/inspections?limit=501".into(),
            &inspector,
            Value::Null,
            "limit",
        ),
    ];
    for (method, path, token, body, field) in cases {
        let response = match method {
            "GET" => app.get(&path, token).await,
            _ => app.post(&path, token, body).await,
        };
        response.assert_invalid_field(field);
    }
    // Uploads: an unknown kind, a blank file name.
    for (query, field) in [
        ("kind=SELFIE&file_name=a.pdf", "kind"),
        ("kind=LICENCE&file_name=%20", "file_name"),
    ] {
        app.upload(
            &format!("/v1/employers/{employer}/documents?{query}"),
            &own,
            "application/pdf",
            crate::helpers::PDF,
        )
        .await
        .assert_invalid_field(field);
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM audit_events"), before);
    assert_eq!(app.count("SELECT count(*) AS n FROM documents"), 0);
}
