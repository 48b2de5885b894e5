//! Agencies: an employer authorises an agency for named applications (or all) for a period, with the
//! letter as a document; the agency's token reaches only that, and every event it causes names it.

use serde_json::json;
use sls_case::domain::Role;

use crate::helpers::{PDF, TestApp};

#[actix_web::test]
async fn an_authorisation_reaches_only_within_its_period_and_until_it_is_revoked() {
    let app = TestApp::spawn().await;
    let (employer, own) = app.employer_with_token("71000001").await;
    let draft = app.create_draft(&own).await;
    let case = draft["id"].as_str().unwrap().to_owned();
    let agent = app.agency_token("agent-ho", employer, "Harbour Staffing");
    let read = |token: String| {
        let (app, path) = (&app, format!("/v1/applications/{case}"));
        async move { app.get(&path, &token).await.status.as_u16() }
    };
    assert_eq!(read(agent.clone()).await, 404, "no authorisation yet");

    let letter = app
        .upload(
            &format!("/v1/employers/{employer}/documents?kind=AUTHORISATION_LETTER&file_name=letter.pdf"),
            &own,
            "application/pdf",
            PDF,
        )
        .await
        .json();
    let authorise = |from: &str, until: &str| {
        json!({"agency": "Harbour Staffing", "application_ids": [case], "valid_from": from, "valid_until": until,
               "letter_document_id": letter["id"]})
    };
    let path = format!("/v1/employers/{employer}/agency-authorisations");
    // Ended yesterday (reads are judged on the real date): no reach.
    let yesterday = (chrono::Utc::now().date_naive() - chrono::Days::new(1)).to_string();
    assert_eq!(
        app.post(&path, &own, authorise("2025-01-01", &yesterday)).await.status,
        201
    );
    assert_eq!(read(agent.clone()).await, 404, "an ended authorisation reaches nothing");

    let granted = app.post(&path, &own, authorise("2025-01-01", "2030-12-31")).await;
    assert_eq!(granted.status, 201, "{}", String::from_utf8_lossy(&granted.bytes));
    let granted = granted.json();
    assert_eq!(granted["application_ids"], json!([case]));
    assert_eq!(read(agent.clone()).await, 200);

    // The agency acts; the event names the agency and the employer.
    let edited = app
        .call(
            actix_web::http::Method::PATCH,
            &format!("/v1/applications/{case}"),
            Some(&agent),
            Some(json!({"justification": "Edited by the agency"})),
        )
        .await;
    assert!(edited.status.is_success() || edited.status == 428, "{}", edited.status);
    let uploaded = app
        .upload(
            &format!("/v1/applications/{case}/documents?kind=ADVERT&file_name=advert.pdf"),
            &agent,
            "application/pdf",
            PDF,
        )
        .await;
    assert_eq!(uploaded.status, 201, "{}", String::from_utf8_lossy(&uploaded.bytes));
    assert_eq!(uploaded.json()["agency"], "Harbour Staffing");
    let history = app
        .get(
            &format!("/v1/applications/{case}/history"),
            &app.token(Role::Caseworker, None),
        )
        .await
        .json();
    let attached = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "document.attached")
        .unwrap()
        .clone();
    assert_eq!(attached["agency"], "Harbour Staffing");
    assert_eq!(attached["on_behalf_of"], format!("employer:{employer}"));
    assert_eq!(attached["actor"]["sub"], "agent-ho");
    // The agency is under the hash: the service's own recomputation of every hash agrees.
    let verified = app
        .get("/v1/audit/verify", &app.token(Role::Auditor, None))
        .await
        .json();
    assert_eq!(verified["intact"], true, "{verified}");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE actor_agency = 'Harbour Staffing'"),
        1
    );

    // An agency cannot authorise (itself or another), nor read the authorisations.
    app.post(&path, &agent, authorise("2025-01-01", "2030-12-31"))
        .await
        .assert_problem(404, "not-found");
    assert_eq!(app.get(&path, &agent).await.status, 404);
    // Revoked: nothing more through it.
    let revoke = format!("{path}/{}", granted["id"].as_str().unwrap());
    let revoked = app
        .call(actix_web::http::Method::DELETE, &revoke, Some(&own), None)
        .await;
    assert_eq!(revoked.status, 200, "{}", String::from_utf8_lossy(&revoked.bytes));
    assert!(revoked.json()["revoked_at"].is_string());
    assert_eq!(read(agent.clone()).await, 404);
    app.call(actix_web::http::Method::DELETE, &revoke, Some(&own), None)
        .await
        .assert_problem(409, "conflict");
    assert_eq!(app.audit_count("employer.agency_authorised"), 2);
    assert_eq!(app.audit_count("employer.agency_authorisation_revoked"), 1);
}

#[actix_web::test]
async fn an_authorisation_needs_the_employer_s_own_letter_and_applications() {
    let app = TestApp::spawn().await;
    let (employer, own) = app.employer_with_token("71000002").await;
    let (other, other_token) = app.employer_with_token("71000003").await;
    let theirs = app.create_draft(&other_token).await;
    let their_letter = app
        .upload(
            &format!("/v1/employers/{other}/documents?kind=AUTHORISATION_LETTER&file_name=l.pdf"),
            &other_token,
            "application/pdf",
            PDF,
        )
        .await
        .json();
    let licence = app
        .upload(
            &format!("/v1/employers/{employer}/documents?kind=LICENCE&file_name=l.pdf"),
            &own,
            "application/pdf",
            PDF,
        )
        .await
        .json();
    let path = format!("/v1/employers/{employer}/agency-authorisations");
    for (letter, applications, field) in [
        (&their_letter["id"], None, "letter_document_id"),
        (&licence["id"], None, "letter_document_id"),
        (&licence["id"], Some(json!([theirs["id"]])), "application_ids[0]"),
    ] {
        let mut body = json!({"agency": "A", "valid_from": "2026-01-01", "valid_until": "2026-12-31", "letter_document_id": letter});
        if let Some(ids) = applications {
            body["application_ids"] = ids;
        }
        let refused = app.post(&path, &own, body).await;
        refused.assert_problem(400, "validation-error");
        assert!(String::from_utf8_lossy(&refused.bytes).contains(field), "{field}");
    }
    app.post(
        &path,
        &own,
        json!({"agency": "A", "valid_from": "2026-12-31", "valid_until": "2026-01-01", "letter_document_id": licence["id"]}),
    )
    .await
    .assert_problem(400, "validation-error");
    assert_eq!(app.count("SELECT count(*) AS n FROM agency_authorisations"), 0);
}

#[actix_web::test]
async fn an_agency_for_named_applications_cannot_start_new_ones_or_read_the_employer_s_records() {
    let app = TestApp::spawn().await;
    let (employer, own) = app.employer_with_token("71000004").await;
    let draft = app.create_draft(&own).await;
    app.authorise_agency(
        employer,
        "Harbour Staffing",
        Some(vec![draft["id"].as_str().unwrap().to_owned()]),
    )
    .await;
    let agent = app.agency_token("agent-ho", employer, "Harbour Staffing");
    app.post("/v1/applications", &agent, crate::helpers::draft_body())
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(app.get(&format!("/v1/employers/{employer}"), &agent).await.status, 404);
    assert_eq!(app.get("/v1/employers", &agent).await.json()["items"], json!([]));
    // Authorised for every application, it starts one and reads the employer.
    app.authorise_agency(employer, "Harbour Staffing", None).await;
    assert_eq!(
        app.post("/v1/applications", &agent, crate::helpers::draft_body())
            .await
            .status,
        201
    );
    assert_eq!(app.get(&format!("/v1/employers/{employer}"), &agent).await.status, 200);
}
