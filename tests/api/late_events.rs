//! Events are judged as of their own date, not the day they are recorded: a visa lodged, a contract
//! signed, an arrival, a briefing, a wage payment or a separation typed in late is held against the
//! deadlines and the policy in force on the day it happened.

use serde_json::{Value, json};
use sls_case::domain::Role;

use crate::helpers::TestApp;
use crate::workers::{
    DOCUMENT, approved, arrived_worker, compliance, contract_body, issued_worker, kinds, name, ok, put_contract, record,
};
use crate::workflow::Case;

/// Publishes a new value of an existing policy key, effective from `from`.
async fn publish_policy(app: &TestApp, key: &str, value: Value, from: &str) {
    let published = app
        .post(
            "/v1/policy",
            &app.token(Role::Admin, None),
            json!({"key": key, "value": value, "effective_from": from, "confidence": "firm", "source_note": "Test change"}),
        )
        .await;
    ok(&published, 201);
}

async fn worker_view(case: &Case<'_>, worker: &str) -> Value {
    ok(
        &case.app.get(&format!("/v1/workers/{worker}"), &case.caseworker).await,
        200,
    )
}

#[actix_web::test]
async fn a_visa_lodged_by_the_aip_deadline_and_recorded_after_it_is_accepted() {
    let app = TestApp::spawn().await;
    // Approved on 2026-03-30: the AIP deadline is 2026-06-30.
    let (case, vacancy) = approved(&app, "60000001", 1).await;
    app.set_today("2026-04-10");
    let worker = ok(&name(&case, &vacancy, DOCUMENT).await, 201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.set_today("2026-07-06");
    // The contract was signed on 2026-06-20, before the deadline; it is recorded after it.
    let mut signed = contract_body(14000, "2026-08-01", "2028-07-31");
    signed["signed_on"] = json!("2026-06-20");
    ok(&put_contract(&case, &worker, signed).await, 200);
    let visa = |on: &'static str| {
        let (case, worker) = (&case, &worker);
        async move {
            record(
                case,
                &case.employer_token,
                worker,
                "visa",
                json!({"event": "APPLIED", "on": on}),
            )
            .await
        }
    };

    // Lodged the day after the deadline: the place had lapsed by then.
    let after = visa("2026-07-01").await;
    assert_eq!(after.assert_problem(422, "rule-violation")["rule_id"], "R-DEC-2");
    // Lodged on the deadline itself, recorded six days later: on time.
    let lodged = ok(&visa("2026-06-30").await, 200);
    assert_eq!(lodged["visa"]["applied_on"], "2026-06-30");
    assert_eq!(lodged["place"]["state"], "VISA_APPLIED");
    assert_eq!(case.get().await["status"], "ACTIVE");
    assert_eq!(app.audit_count("worker.visa_applied"), 1);
}

#[actix_web::test]
async fn an_arrival_recorded_late_takes_the_briefing_deadline_in_force_on_the_day_of_arrival() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "60000002", 1).await;
    let worker = issued_worker(&case, &vacancy).await;
    // From 2026-05-01 workers would have 70 days; this one arrived on 2026-04-30, under the 56 days.
    publish_policy(&app, "briefing_due_days_after_arrival", json!(70), "2026-05-01").await;
    app.set_today("2026-05-10");
    let arrived = record(
        &case,
        &case.employer_token,
        &worker,
        "arrival",
        json!({"arrived_on": "2026-04-30", "port": "HKIA"}),
    )
    .await;
    let arrived = ok(&arrived, 200);
    assert_eq!(arrived["arrival"]["briefing_due_on"], "2026-06-25");
}

#[actix_web::test]
async fn an_arrival_after_the_contract_s_end_is_refused() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "60000003", 1).await;
    let worker = issued_worker(&case, &vacancy).await;
    app.set_today("2028-05-02");
    let too_late = record(
        &case,
        &case.employer_token,
        &worker,
        "arrival",
        json!({"arrived_on": "2028-05-01"}),
    )
    .await;
    too_late.assert_invalid_field("arrived_on");
}

#[actix_web::test]
async fn a_briefing_attended_on_day_56_and_recorded_on_day_60_is_on_time() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "60000004", 1).await;
    let worker = arrived_worker(&case, &vacancy).await;
    // Day 60 after the arrival on 2026-04-30: the briefing was due by 2026-06-25 (day 56).
    app.set_today("2026-06-29");
    assert!(kinds(&compliance(&case).await).contains(&("BRIEFING_DUE".into(), true)));
    let briefed = record(
        &case,
        &case.caseworker,
        &worker,
        "briefing",
        json!({"session_ref": "LD-BRF-0625", "session_on": "2026-06-25", "attended": true, "paid_leave_confirmed": true}),
    )
    .await;
    assert_eq!(ok(&briefed, 201)["briefing"]["standing"], "ATTENDED");
    assert!(!kinds(&compliance(&case).await).iter().any(|(k, _)| k == "BRIEFING_DUE"));
}

#[actix_web::test]
async fn a_briefing_or_wages_after_the_worker_left_are_refused() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "60000005", 1).await;
    let worker = arrived_worker(&case, &vacancy).await;
    app.set_today("2026-07-10");
    let left = record(
        &case,
        &case.employer_token,
        &worker,
        "separation",
        json!({"type": "RESIGNATION", "on": "2026-05-31", "departure_confirmed": true}),
    )
    .await;
    ok(&left, 200);
    let briefing = record(
        &case,
        &case.caseworker,
        &worker,
        "briefing",
        json!({"session_ref": "LD-BRF-0605", "session_on": "2026-06-05", "attended": true, "paid_leave_confirmed": true}),
    )
    .await;
    briefing.assert_invalid_field("session_on");
    let june = record(
        &case,
        &case.employer_token,
        &worker,
        "wage-payments",
        json!({"month": "2026-06", "gross_hkd": 14000, "net_hkd": 14000, "autopay_ref": "AP-JUN", "paid_on": "2026-07-05"}),
    )
    .await;
    june.assert_invalid_field("month");
    // The last month worked is still paid.
    let may = record(
        &case,
        &case.employer_token,
        &worker,
        "wage-payments",
        json!({"month": "2026-05", "gross_hkd": 14000, "net_hkd": 14000, "autopay_ref": "AP-MAY", "paid_on": "2026-06-05"}),
    )
    .await;
    ok(&may, 201);
}

#[actix_web::test]
async fn a_wage_payment_recorded_late_is_judged_by_its_payment_date_and_the_month_s_due_date() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "60000006", 1).await;
    let worker = arrived_worker(&case, &vacancy).await;
    // From June the wages are due 3 days after the month; May's stay due 7 days after it (2026-06-07).
    publish_policy(&app, "wage_payment_due_days", json!(3), "2026-06-01").await;
    app.set_today("2026-07-20");
    let pay = |month: &'static str, paid_on: &'static str| {
        let (case, worker) = (&case, &worker);
        async move {
            let body = json!({"month": month, "gross_hkd": 14000, "net_hkd": 14000, "autopay_ref": format!("AP-{month}"), "paid_on": paid_on});
            ok(
                &record(case, &case.employer_token, worker, "wage-payments", body).await,
                201,
            )
        }
    };
    let may = pay("2026-05", "2026-06-05").await;
    let may_flags = &may["wage_payments"][0]["flags"];
    assert_eq!(may_flags, &json!([]), "paid on 2026-06-05, due by 2026-06-07");
    let june = pay("2026-06", "2026-07-05").await;
    assert_eq!(
        june["wage_payments"][1]["flags"],
        json!(["PAID_LATE"]),
        "due by 2026-07-03"
    );
}

#[actix_web::test]
async fn an_early_end_recorded_after_the_contract_s_end_date_is_an_early_end() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "60000007", 1).await;
    let worker = arrived_worker(&case, &vacancy).await;
    // The contract ran to 2028-04-30; the worker resigned on 2028-03-01, recorded in May 2028.
    app.set_today("2028-05-10");
    assert_eq!(worker_view(&case, &worker).await["place"]["state"], "CONTRACT_ENDED");
    let resigned = record(
        &case,
        &case.employer_token,
        &worker,
        "separation",
        json!({"type": "RESIGNATION", "on": "2028-03-01", "departure_confirmed": true}),
    )
    .await;
    let resigned = ok(&resigned, 200);
    assert_eq!(resigned["place"]["state"], "TERMINATED_EARLY");
    assert_eq!(resigned["separation"]["separated_on"], "2028-03-01");
}

#[actix_web::test]
async fn an_early_end_dated_after_the_contract_s_end_is_refused() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "60000008", 1).await;
    let worker = arrived_worker(&case, &vacancy).await;
    app.set_today("2028-05-10");
    let after_the_end = record(
        &case,
        &case.employer_token,
        &worker,
        "separation",
        json!({"type": "DISMISSAL", "on": "2028-05-05", "departure_confirmed": true}),
    )
    .await;
    after_the_end.assert_problem(409, "conflict");
}
