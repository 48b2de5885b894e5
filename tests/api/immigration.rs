//! Immigration's events: by the sender's own event id, idempotently, validated against the place and
//! the contract as staff's hand entry is, and audited with the sender's id.

use actix_web::http::Method;
use serde_json::{Value, json};
use sls_case::domain::Role;

use crate::helpers::TestApp;
use crate::workers::{DOCUMENT, approved, contract_body, name, ok, put_contract, record};

/// An approved case with a worker named on 2026-04-10: the case and the worker's id.
async fn named_worker<'a>(app: &'a TestApp, brn: &str) -> (crate::workflow::Case<'a>, String) {
    let (case, vacancy) = approved(app, brn, 1).await;
    app.set_today("2026-04-10");
    let worker = ok(&name(&case, &vacancy, DOCUMENT).await, 201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (case, worker)
}

/// The contract signed (24 months) and the visa application lodged on 2026-04-08.
async fn lodge_visa_application(case: &crate::workflow::Case<'_>, worker: &str) {
    ok(
        &put_contract(case, worker, contract_body(14000, "2026-05-01", "2028-04-30")).await,
        200,
    );
    ok(
        &record(
            case,
            &case.employer_token,
            worker,
            "visa",
            json!({"event": "APPLIED", "on": "2026-04-08"}),
        )
        .await,
        200,
    );
}

async fn send(app: &TestApp, body: Value) -> crate::helpers::TestResponse {
    app.post("/v1/immigration/events", &app.token(Role::Immd, None), body)
        .await
}

#[actix_web::test]
async fn a_visa_issued_event_twice_changes_nothing_the_second_time() {
    let app = TestApp::spawn().await;
    let (case, worker) = named_worker(&app, "81000001").await;
    let issued = json!({"event_id": "IMMD-2026-000001", "type": "VISA_ISSUED", "worker_id": worker,
                        "occurred_on": "2026-04-10", "visa_number": "ID(E)555"});
    // No visa application yet: the place cannot take it, and nothing is written.
    send(&app, issued.clone()).await.assert_problem(409, "conflict");
    lodge_visa_application(&case, &worker).await;

    let before = app.count("SELECT count(*) AS n FROM audit_events");
    let first = send(&app, issued.clone()).await;
    assert_eq!(first.status, 201, "{}", String::from_utf8_lossy(&first.bytes));
    assert_eq!(first.json()["place_state"], "VISA_ISSUED");
    assert!(
        !String::from_utf8_lossy(&first.bytes).contains(DOCUMENT),
        "no personal data goes back"
    );
    let written = app.count("SELECT count(*) AS n FROM audit_events") - before;
    assert_eq!(written, 1);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE request_id = 'immd:IMMD-2026-000001' AND action = 'worker.visa_issued' AND actor_role = 'immd'"),
        1
    );
    // Again: the first answer, nothing written.
    let again = send(&app, issued.clone()).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.json(), first.json());
    assert_eq!(app.count("SELECT count(*) AS n FROM audit_events") - before, 1);
    // The same id with another body is refused.
    let mut changed = issued.clone();
    changed["visa_number"] = json!("ID(E)999");
    send(&app, changed).await.assert_problem(422, "idempotency-key-reused");
    let worker_now = app.get(&format!("/v1/workers/{worker}"), &case.caseworker).await.json();
    assert_eq!(worker_now["visa"]["visa_number"], "ID(E)555");
}

#[actix_web::test]
async fn the_same_event_sent_twice_at_once_is_taken_once() {
    let app = TestApp::spawn().await;
    let (case, worker) = named_worker(&app, "81000003").await;
    lodge_visa_application(&case, &worker).await;
    let issued = json!({"event_id": "IMMD-RACE-1", "type": "VISA_ISSUED", "worker_id": worker,
                        "occurred_on": "2026-04-10", "visa_number": "ID(E)777"});
    let responses = futures_util::future::join_all((0..4).map(|_| send(&app, issued.clone()))).await;
    let statuses: Vec<u16> = responses.iter().map(|r| r.status.as_u16()).collect();
    // Each is the first answer or its replay, or told to retry while the first commits; never two changes.
    assert!(statuses.iter().all(|s| [201, 409].contains(s)), "{statuses:?}");
    assert!(statuses.contains(&201));
    assert_eq!(app.audit_count("worker.visa_issued"), 1);
}

/// The event id is Immigration's, unique in its system: a retry through another of its gateways (another
/// `immd` token) is the same event, not a second one.
#[actix_web::test]
async fn the_same_event_from_two_immigration_gateways_is_taken_once() {
    let app = TestApp::spawn().await;
    let (case, worker) = named_worker(&app, "81000004").await;
    lodge_visa_application(&case, &worker).await;
    let issued = json!({"event_id": "IMMD-GW-1", "type": "VISA_ISSUED", "worker_id": worker,
                        "occurred_on": "2026-04-10", "visa_number": "ID(E)321"});
    let gateway = |sub: &str| app.token_for(sub, Role::Immd, None);
    let first = app
        .post("/v1/immigration/events", &gateway("immd-gateway-1"), issued.clone())
        .await;
    assert_eq!(first.status, 201, "{}", String::from_utf8_lossy(&first.bytes));
    let retried = app
        .post("/v1/immigration/events", &gateway("immd-gateway-2"), issued.clone())
        .await;
    assert_eq!(retried.status, 201);
    assert_eq!(retried.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(app.audit_count("worker.visa_issued"), 1);
    // Another body under the same id is refused whichever gateway sends it.
    let mut changed = issued;
    changed["visa_number"] = json!("ID(E)999");
    app.post("/v1/immigration/events", &gateway("immd-gateway-2"), changed)
        .await
        .assert_problem(422, "idempotency-key-reused");
}

#[actix_web::test]
async fn the_levy_must_be_the_contract_s_and_a_refusal_needs_a_pending_application() {
    let app = TestApp::spawn().await;
    let (case, worker) = named_worker(&app, "81000002").await;
    let refused = json!({"event_id": "IMMD-R-1", "type": "VISA_REFUSED", "worker_id": worker,
                         "occurred_on": "2026-04-10", "reference": "REF/2026/77"});
    send(&app, refused.clone()).await.assert_problem(409, "conflict");
    lodge_visa_application(&case, &worker).await;
    // 24 months × HK$400 = HK$9,600 (R-LEVY-1): anything else is refused.
    let levy = |amount: u32, id: &str| {
        json!({"event_id": id, "type": "LEVY_PAID", "worker_id": worker, "occurred_on": "2026-04-09",
               "amount_hkd": amount, "receipt_ref": "ERL-9"})
    };
    send(&app, levy(4800, "IMMD-L-1"))
        .await
        .assert_problem(422, "rule-violation");
    assert_eq!(send(&app, levy(9600, "IMMD-L-2")).await.status, 201);
    send(&app, levy(9600, "IMMD-L-3")).await.assert_problem(409, "conflict");
    // A refusal after the application lodged is recorded with Immigration's reference.
    let done = send(&app, refused).await;
    assert_eq!(done.status, 201, "{}", String::from_utf8_lossy(&done.bytes));
    assert_eq!(app.audit_count("worker.visa_refusal"), 1);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE action = 'worker.visa_refusal' AND after->>'reference' = 'REF/2026/77'"),
        1
    );
}

#[actix_web::test]
async fn each_type_carries_its_own_fields_and_only_immigration_sends_them() {
    let app = TestApp::spawn().await;
    let worker = uuid::Uuid::new_v4();
    for (body, field) in [
        (
            json!({"event_id": "E1", "type": "VISA_ISSUED", "worker_id": worker, "occurred_on": "2026-03-01"}),
            "visa_number",
        ),
        (
            json!({"event_id": "E2", "type": "LEVY_PAID", "worker_id": worker, "occurred_on": "2026-03-01", "receipt_ref": "R"}),
            "amount_hkd",
        ),
        (
            json!({"event_id": "E3", "type": "VISA_REFUSED", "worker_id": worker, "occurred_on": "2026-03-01", "reference": "R", "visa_number": "V"}),
            "visa_number",
        ),
        (
            json!({"event_id": " ", "type": "VISA_REFUSED", "worker_id": worker, "occurred_on": "2026-03-01", "reference": "R"}),
            "event_id",
        ),
        (
            json!({"event_id": "E5", "type": "VISA_REFUSED", "worker_id": worker, "occurred_on": "2099-03-01", "reference": "R"}),
            "occurred_on",
        ),
    ] {
        let refused = send(&app, body).await;
        refused.assert_problem(400, "validation-error");
        assert!(String::from_utf8_lossy(&refused.bytes).contains(field), "{field}");
    }
    let issued = json!({"event_id": "E6", "type": "VISA_ISSUED", "worker_id": worker, "occurred_on": "2026-03-01", "visa_number": "V"});
    send(&app, issued.clone()).await.assert_problem(404, "not-found");
    let caseworker = app.token(Role::Caseworker, None);
    app.call(Method::POST, "/v1/immigration/events", Some(&caseworker), Some(issued))
        .await
        .assert_problem(403, "forbidden");
    // Immigration reaches nothing else.
    let immd = app.token(Role::Immd, None);
    for path in [
        "/v1/applications",
        "/v1/employers",
        "/v1/complaints",
        "/v1/notifications",
    ] {
        assert_eq!(app.get(path, &immd).await.status, 403, "{path}");
    }
}
