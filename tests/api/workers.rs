//! After approval: worker places, naming workers, the Standard Employment Contract and its refusals,
//! visa, levy, arrival, briefing, wages, separation, revocation and the compliance views.

use actix_web::http::Method;
use diesel::RunQueryDsl;
use serde_json::{Value, json};
use sls_case::domain::Role;
use sls_case::domain::rules::{RuleResult, rerun};

use crate::helpers::{TestApp, TestResponse};
use crate::workflow::{Case, dishwashers, publish_wage_table};

pub const DOCUMENT: &str = "P7654321A";

/// A worker to name (the access table uses it with a vacancy that is not the case's).
pub fn worker_body() -> Value {
    worker_json(&uuid::Uuid::nil().to_string(), DOCUMENT, "PHL")
}

pub fn worker_json(vacancy: &str, document: &str, nationality: &str) -> Value {
    json!({
        "vacancy_id": vacancy, "full_name": "DELA CRUZ, Maria", "travel_document_number": document,
        "nationality": nationality, "date_of_birth": "1990-05-17"
    })
}

/// A Standard Employment Contract for a dishwasher, with HK$1,000 deducted for accommodation.
pub fn contract_body(wage: u32, starts_on: &str, ends_on: &str) -> Value {
    json!({
        "template_version": "ESLS-SEC-2023-09", "signed_on": "2026-03-01", "post_code": "DISHWASHER",
        "post_title": "Dishwasher", "monthly_wage_hkd": wage, "normal_daily_hours": 10,
        "overtime_terms": "1.5 times the hourly rate", "starts_on": starts_on, "ends_on": ends_on,
        "accommodation": "HK", "accommodation_address": "Flat 3A, 8 Shanghai Street",
        "accommodation_deduction_hkd": 1000, "autopay_account_ref": "HSBC autopay 0042"
    })
}

pub fn ok(response: &TestResponse, status: u16) -> Value {
    assert_eq!(response.status, status, "{}", String::from_utf8_lossy(&response.bytes));
    response.json()
}

/// A case approved on 2026-03-30 for dishwashers at HK$14,000 (median HK$13,500), and its vacancy.
pub async fn approved<'a>(app: &'a TestApp, brn: &str, workers: u32) -> (Case<'a>, String) {
    publish_wage_table(app).await;
    let case = Case::draft(app, brn, 10, vec![dishwashers(workers, 14000)]).await;
    case.start_recruitment().await;
    case.to_decision("2026-03-30").await;
    assert_eq!(case.ok(&case.approver, "approve").await["status"], "APPROVED");
    let vacancy = case.vacancy_ids().await.remove(0);
    (case, vacancy)
}

pub async fn name(case: &Case<'_>, vacancy: &str, document: &str) -> TestResponse {
    case.app
        .post(
            &format!("/v1/applications/{}/workers", case.id),
            &case.employer_token,
            worker_json(vacancy, document, "PHL"),
        )
        .await
}

pub async fn put_contract(case: &Case<'_>, worker: &str, body: Value) -> TestResponse {
    case.app
        .call(
            Method::PUT,
            &format!("/v1/workers/{worker}/contract"),
            Some(&case.employer_token),
            Some(body),
        )
        .await
}

pub async fn record(case: &Case<'_>, token: &str, worker: &str, what: &str, body: Value) -> TestResponse {
    case.app
        .post(&format!("/v1/workers/{worker}/{what}"), token, body)
        .await
}

pub async fn compliance(case: &Case<'_>) -> Value {
    let response = case
        .app
        .get(
            &format!("/v1/applications/{}/compliance", case.id),
            &case.employer_token,
        )
        .await;
    ok(&response, 200)
}

pub fn kinds(compliance: &Value) -> Vec<(String, bool)> {
    compliance["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["kind"].as_str().unwrap().to_owned(), o["overdue"].as_bool().unwrap()))
        .collect()
}

/// Named, contracted (2026-05-01 to 2028-04-30), visa applied, levy paid and visa issued on
/// 2026-04-25 (today 2026-04-30): the worker id.
pub async fn issued_worker(case: &Case<'_>, vacancy: &str) -> String {
    case.app.set_today("2026-04-10");
    let worker = ok(&name(case, vacancy, DOCUMENT).await, 201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        &put_contract(case, &worker, contract_body(14000, "2026-05-01", "2028-04-30")).await,
        200,
    );
    let employer = &case.employer_token;
    ok(
        &record(
            case,
            employer,
            &worker,
            "visa",
            json!({"event": "APPLIED", "on": "2026-04-10"}),
        )
        .await,
        200,
    );
    case.app.set_today("2026-04-30");
    ok(
        &record(
            case,
            employer,
            &worker,
            "levy",
            json!({"amount_hkd": 9600, "paid_on": "2026-04-20", "receipt_ref": "ERL-1"}),
        )
        .await,
        201,
    );
    ok(
        &record(
            case,
            &case.caseworker,
            &worker,
            "visa",
            json!({"event": "ISSUED", "on": "2026-04-25", "visa_number": "ID(E)123"}),
        )
        .await,
        200,
    );
    worker
}

/// As [`issued_worker`], and arrived on 2026-04-30: the worker id.
pub async fn arrived_worker(case: &Case<'_>, vacancy: &str) -> String {
    let worker = issued_worker(case, vacancy).await;
    ok(
        &record(
            case,
            &case.employer_token,
            &worker,
            "arrival",
            json!({"arrived_on": "2026-04-30", "port": "HKIA"}),
        )
        .await,
        200,
    );
    worker
}

#[actix_web::test]
async fn approval_allocates_one_place_per_approved_place_with_its_aip_deadline() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "40000001", 2).await;
    let places = ok(
        &app.get(&format!("/v1/applications/{}/workers", case.id), &case.caseworker)
            .await,
        200,
    );
    let items = places["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    for (n, place) in items.iter().enumerate() {
        assert_eq!(place["vacancy_id"], vacancy.as_str());
        assert_eq!(place["place_no"], n + 1);
        assert_eq!(place["state"], "ALLOCATED");
        // Decided 2026-03-30 + policy aip_visa_deadline_months (3).
        assert_eq!(place["aip_deadline"], "2026-06-30");
        assert_eq!(place["worker_id"], Value::Null);
    }
    let owed = compliance(&case).await;
    assert_eq!(
        kinds(&owed),
        vec![("VISA_APPLICATION".into(), false), ("VISA_APPLICATION".into(), false)]
    );
    assert_eq!(owed["obligations"][0]["due_on"], "2026-06-30");
    assert_eq!(owed["obligations"][0]["rule_id"], "R-DEC-2");
}

#[actix_web::test]
async fn a_worker_goes_from_approval_to_briefed_with_every_step_audited() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "40000002", 1).await;
    let worker = arrived_worker(&case, &vacancy).await;

    // The levy was paid on this contract's months: it can no longer be replaced.
    put_contract(&case, &worker, contract_body(15000, "2026-05-01", "2028-04-30"))
        .await
        .assert_problem(409, "conflict");
    let view = ok(&app.get(&format!("/v1/workers/{worker}"), &case.caseworker).await, 200);
    assert_eq!(view["place"]["state"], "ARRIVED");
    assert_eq!(view["travel_document"], "****321A");
    assert_eq!(view["contract"]["contract_months"], 24);
    assert_eq!(view["levy"]["amount_due_hkd"], 9600);
    assert_eq!(view["levy"]["refundable"], false);
    // Arrived 2026-04-30: day 56 is 2026-06-25.
    assert_eq!(view["arrival"]["briefing_due_on"], "2026-06-25");
    assert_eq!(view["briefing"]["standing"], "DUE");
    let checks: Vec<&str> = view["contract"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["rule_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        checks,
        [
            "R-CON-4", "R-WAGE-1", "R-CON-5", "R-CON-1", "R-CON-2", "R-WAGE-5", "R-LEVY-1"
        ]
    );
    assert_eq!(
        view["contract"]["checks"][1]["wage_tables"][0]["version_label"],
        "TEST-2026-01"
    );
    // Each stored check evaluates again, from its stored inputs, to the same result: the contract's and
    // those run when the worker was named (admission, and the ratio still covering the place).
    let mut stored: Vec<RuleResult> = serde_json::from_value(view["contract"]["checks"].clone()).unwrap();
    stored.extend(serde_json::from_value::<Vec<RuleResult>>(view["checks"].clone()).unwrap());
    assert_eq!(stored.len(), 10);
    for check in &stored {
        assert_eq!(&rerun(check).unwrap(), check);
    }
    assert_eq!(view["checks"][0]["rule_id"], "R-ELIG-5");
    assert_eq!(view["checks"][0]["policy"][0]["key"], "inadmissible_nationalities");
    assert_eq!(view["checks"][1]["rule_id"], "R-ELIG-6");
    assert_eq!(view["checks"][2]["rule_id"], "R-RAT-1");
    assert_eq!(view["checks"][2]["subject"], view["place"]["id"]);
    let deadline_policy = view["place"]["aip_deadline_policy_id"].as_str().unwrap();
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM policy_values WHERE id = '{deadline_policy}' AND key = 'aip_visa_deadline_months'"
        )),
        1
    );
    // The first visa application made the approval active.
    assert_eq!(case.get().await["status"], "ACTIVE");

    // The contract started on 2026-05-01: employed from then; May's wages are due by 2026-06-07.
    app.set_today("2026-06-05");
    let paid = record(
        &case,
        &case.employer_token,
        &worker,
        "wage-payments",
        json!({"month": "2026-05", "gross_hkd": 14000, "deductions": [{"kind": "ACCOMMODATION", "amount_hkd": 1000}],
               "net_hkd": 13000, "autopay_ref": "AP-2026-05", "paid_on": "2026-06-05"}),
    )
    .await;
    let paid = ok(&paid, 201);
    assert_eq!(paid["place"]["state"], "EMPLOYED");
    assert_eq!(paid["wage_payments"][0]["flags"], json!([]));
    assert_eq!(paid["wage_payments"][0]["owed_hkd"], 14000);

    app.set_today("2026-06-25");
    assert_eq!(kinds(&compliance(&case).await), vec![("BRIEFING_DUE".into(), false)]);
    app.set_today("2026-06-26");
    let owed = compliance(&case).await;
    assert_eq!(kinds(&owed), vec![("BRIEFING_DUE".into(), true)]);
    assert_eq!(owed["obligations"][0]["rule_id"], "R-BRF-1");
    assert_eq!(owed["obligations"][0]["due_on"], "2026-06-25");
    assert_eq!(
        (owed["outstanding"].as_u64(), owed["overdue"].as_u64()),
        (Some(0), Some(1))
    );

    let briefed = record(
        &case,
        &case.caseworker,
        &worker,
        "briefing",
        json!({"session_ref": "LD-BRF-0626", "session_on": "2026-06-26", "attended": true, "paid_leave_confirmed": true}),
    )
    .await;
    let briefed = ok(&briefed, 201);
    assert_eq!(briefed["briefing"]["standing"], "ATTENDED_LATE");
    assert!(kinds(&compliance(&case).await).is_empty());

    let history = ok(
        &app.get(&format!("/v1/applications/{}/history", case.id), &case.employer_token)
            .await,
        200,
    );
    let actions: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .filter(|a| a.starts_with("worker.") || *a == "application.activate")
        .collect();
    assert_eq!(
        actions,
        [
            "worker.named",
            "worker.contract_recorded",
            "application.activate",
            "worker.visa_applied",
            "worker.levy_paid",
            "worker.visa_issued",
            "worker.arrived",
            "worker.wage_paid",
            "worker.briefing_recorded"
        ]
    );
    let verified = ok(&app.get("/v1/audit/verify", &app.token(Role::Auditor, None)).await, 200);
    assert_eq!(verified["intact"], true, "{verified}");
}

#[actix_web::test]
async fn a_briefing_attended_by_day_56_is_on_time() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "40000003", 1).await;
    let worker = arrived_worker(&case, &vacancy).await;
    app.set_today("2026-06-25");
    let briefed = record(
        &case,
        &case.caseworker,
        &worker,
        "briefing",
        json!({"session_ref": "LD-BRF-0625", "session_on": "2026-06-25", "attended": true, "paid_leave_confirmed": true}),
    )
    .await;
    assert_eq!(ok(&briefed, 201)["briefing"]["standing"], "ATTENDED");
    // Only the caseworker records briefings, and not before the arrival.
    let early = record(
        &case,
        &case.caseworker,
        &worker,
        "briefing",
        json!({"session_ref": "X", "session_on": "2026-04-29", "attended": true, "paid_leave_confirmed": true}),
    )
    .await;
    early.assert_invalid_field("session_on");
}

#[actix_web::test]
async fn never_more_workers_are_named_than_places_approved() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "40000004", 2).await;
    ok(&name(&case, &vacancy, "A1234567").await, 201);
    ok(&name(&case, &vacancy, "B1234567").await, 201);
    let third = name(&case, &vacancy, "C1234567").await;
    assert_eq!(third.assert_problem(422, "rule-violation")["rule_id"], "R-DEC-1");
    assert_eq!(app.count("SELECT count(*) AS n FROM workers"), 2);
    assert_eq!(app.audit_count("worker.named"), 2);
}

#[actix_web::test]
async fn employers_racing_for_the_last_place_get_it_once() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "40000019", 1).await;
    let requests = (0..6).map(|i| {
        let (case, vacancy) = (&case, &vacancy);
        async move { name(case, vacancy, &format!("R{i}234567")).await }
    });
    let statuses: Vec<u16> = futures_util::future::join_all(requests)
        .await
        .iter()
        .map(|r| r.status.as_u16())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 422).count(), 5, "{statuses:?}");
    assert_eq!(app.count("SELECT count(*) AS n FROM workers"), 1);
}

#[actix_web::test]
async fn the_same_travel_document_cannot_fill_two_running_places() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "40000005", 2).await;
    ok(&name(&case, &vacancy, "E 1234-5678").await, 201);
    // Typed differently, the same document.
    name(&case, &vacancy, "e12345678").await.assert_problem(409, "conflict");
    assert_eq!(app.count("SELECT count(*) AS n FROM workers"), 1);
}

#[actix_web::test]
async fn inadmissible_nationals_and_mainland_workers_without_an_enterprise_are_refused() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "40000006", 2).await;
    let path = format!("/v1/applications/{}/workers", case.id);
    for nationality in ["AFG", "CUB", "LAO", "PRK", "NPL", "VNM"] {
        let refused = app
            .post(
                &path,
                &case.employer_token,
                worker_json(&vacancy, "N1234567", nationality),
            )
            .await;
        assert_eq!(
            refused.assert_problem(422, "rule-violation")["rule_id"],
            "R-ELIG-5",
            "{nationality}"
        );
    }
    let mut mainland = worker_json(&vacancy, "M1234567", "CHN");
    mainland["mainland_resident"] = json!(true);
    let refused = app.post(&path, &case.employer_token, mainland.clone()).await;
    assert_eq!(refused.assert_problem(422, "rule-violation")["rule_id"], "R-ELIG-6");
    assert_eq!(app.count("SELECT count(*) AS n FROM workers"), 0);
    mainland["recruiting_enterprise"] = json!("Guangdong Foreign Labour Service Co.");
    let named = ok(&app.post(&path, &case.employer_token, mainland).await, 201);
    assert_eq!(named["recruiting_enterprise"], "Guangdong Foreign Labour Service Co.");
    // The list comes from policy: a national of a country not on it is admissible.
    ok(
        &app.post(&path, &case.employer_token, worker_json(&vacancy, "I1234567", "IDN"))
            .await,
        201,
    );
}

#[actix_web::test]
async fn bad_worker_fields_are_named() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "40000007", 1).await;
    let path = format!("/v1/applications/{}/workers", case.id);
    let mut body = worker_json(&vacancy, "12", "ph");
    body["date_of_birth"] = json!("2030-01-01");
    let problem = app.post(&path, &case.employer_token, body).await;
    problem.assert_invalid_field("travel_document_number");
    problem.assert_invalid_field("nationality");
    let problem = app
        .post(
            &path,
            &case.employer_token,
            worker_json(&uuid::Uuid::nil().to_string(), DOCUMENT, "PHL"),
        )
        .await;
    problem.assert_invalid_field("vacancy_id");
    let mut mainland = worker_json(&vacancy, DOCUMENT, "PHL");
    mainland["mainland_resident"] = json!(true);
    app.post(&path, &case.employer_token, mainland)
        .await
        .assert_invalid_field("mainland_resident");
    // Before approval no worker can be named.
    let draft = Case::draft(&app, "40000017", 10, vec![dishwashers(1, 14000)]).await;
    let vacancy = draft.vacancy_ids().await.remove(0);
    name(&draft, &vacancy, DOCUMENT).await.assert_problem(409, "conflict");
}

#[actix_web::test]
async fn contracts_breaking_a_rule_are_refused_naming_it_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "40000008", 1).await;
    let worker = ok(&name(&case, &vacancy, DOCUMENT).await, 201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let events = app.count("SELECT count(*) AS n FROM audit_events");
    let refusals: Vec<(&str, Value)> = vec![
        // One dollar under the binding median (HK$13,500), and so under the approved HK$14,000.
        ("R-WAGE-1", contract_body(13499, "2026-05-01", "2028-04-30")),
        // At the median but one dollar under the wage approved.
        ("R-CON-5", contract_body(13999, "2026-05-01", "2028-04-30")),
        // 25 months.
        ("R-CON-1", contract_body(14000, "2026-05-01", "2028-05-01")),
        ("R-WAGE-5", {
            let mut b = contract_body(14000, "2026-05-01", "2028-04-30");
            b["accommodation_deduction_hkd"] = json!(1401);
            b
        }),
        ("R-WAGE-5", {
            let mut b = contract_body(14000, "2026-05-01", "2028-04-30");
            b["accommodation_actual_cost_hkd"] = json!(900);
            b
        }),
        ("R-CON-4", {
            let mut b = contract_body(14000, "2026-05-01", "2028-04-30");
            b["post_code"] = json!("CHINESE_RESTAURANT_WAITER");
            b
        }),
        ("R-CON-2", {
            let mut b = contract_body(14000, "2026-05-01", "2028-04-30");
            b["normal_daily_hours"] = json!(12.5);
            b
        }),
        ("R-CON-2", {
            let mut b = contract_body(14000, "2026-05-01", "2028-04-30");
            b["accommodation"] = json!("MAINLAND_PROVIDED");
            b
        }),
    ];
    for (rule, body) in refusals {
        let problem = put_contract(&case, &worker, body).await;
        assert_eq!(problem.assert_problem(422, "rule-violation")["rule_id"], rule);
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM employment_contracts"), 0);
    assert_eq!(app.count("SELECT count(*) AS n FROM audit_events"), events);
    // At each boundary the contract passes: 24 months, the approved wage, 10% of wages deducted.
    let mut at = contract_body(14000, "2026-05-01", "2028-04-30");
    at["accommodation_deduction_hkd"] = json!(1400);
    let recorded = ok(&put_contract(&case, &worker, at).await, 200);
    assert_eq!(recorded["contract"]["version"], 1);
    assert_eq!(recorded["levy"]["amount_due_hkd"], 9600);
    // Before the levy is paid it may be replaced: a 12-month contract halves the levy.
    let replaced = ok(
        &put_contract(&case, &worker, contract_body(14500, "2026-05-01", "2027-04-30")).await,
        200,
    );
    assert_eq!(replaced["contract"]["version"], 2);
    assert_eq!(replaced["levy"]["amount_due_hkd"], 4800);
    assert_eq!(app.audit_count("worker.contract_recorded"), 2);
}

#[actix_web::test]
async fn the_levy_rate_is_the_one_in_force_on_the_day_the_contract_is_signed() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "40000020", 1).await;
    let worker = ok(&name(&case, &vacancy, DOCUMENT).await, 201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let raised = app
        .post(
            "/v1/policy",
            &app.token(Role::Admin, None),
            json!({"key": "erl_monthly_rate_hkd", "value": 450, "effective_from": "2026-04-15",
                   "confidence": "firm", "source_note": "Test: a higher levy rate"}),
        )
        .await;
    ok(&raised, 201);
    app.set_today("2026-04-15");
    let signed = |on: &str| {
        let mut body = contract_body(14000, "2026-05-01", "2028-04-30");
        body["signed_on"] = json!(on);
        body
    };
    let before = ok(&put_contract(&case, &worker, signed("2026-04-14")).await, 200);
    assert_eq!(
        (
            before["levy"]["monthly_rate_hkd"].as_u64(),
            before["levy"]["amount_due_hkd"].as_u64()
        ),
        (Some(400), Some(9600))
    );
    let on = ok(&put_contract(&case, &worker, signed("2026-04-15")).await, 200);
    assert_eq!(
        (
            on["levy"]["monthly_rate_hkd"].as_u64(),
            on["levy"]["amount_due_hkd"].as_u64()
        ),
        (Some(450), Some(10800))
    );
}

#[actix_web::test]
async fn bad_contract_fields_are_named() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "40000009", 1).await;
    let worker = ok(&name(&case, &vacancy, DOCUMENT).await, 201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut body = contract_body(14000, "2026-05-01", "2026-04-30");
    body["accommodation_address"] = Value::Null;
    body["signed_on"] = json!("2027-01-01");
    body["accommodation"] = json!("TENT");
    let problem = put_contract(&case, &worker, body).await;
    problem.assert_invalid_field("accommodation");
    let mut body = contract_body(14000, "2026-05-01", "2026-04-30");
    body["accommodation_address"] = Value::Null;
    body["signed_on"] = json!("2027-01-01");
    let problem = put_contract(&case, &worker, body).await;
    problem.assert_invalid_field("ends_on");
    problem.assert_invalid_field("signed_on");
    problem.assert_invalid_field("accommodation_address");
}

#[actix_web::test]
async fn bad_visa_levy_arrival_briefing_and_separation_fields_are_named() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "40000022", 1).await;
    let worker = ok(&name(&case, &vacancy, DOCUMENT).await, 201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let events = app.count("SELECT count(*) AS n FROM audit_events");
    let employer = &case.employer_token;
    let cases: Vec<(&str, Value, &[&str])> = vec![
        ("visa", json!({"event": "ISSUED", "on": "2026-03-30"}), &["visa_number"]),
        (
            "visa",
            json!({"event": "APPLIED", "on": "2027-01-01", "visa_number": "V"}),
            &["on", "visa_number"],
        ),
        ("visa", json!({"event": "LOST", "on": "2026-03-30"}), &["event"]),
        (
            "levy",
            json!({"amount_hkd": 9600, "paid_on": "2027-01-01", "receipt_ref": " "}),
            &["paid_on", "receipt_ref"],
        ),
        (
            "arrival",
            json!({"arrived_on": "2027-01-01", "port": ""}),
            &["arrived_on", "port"],
        ),
        (
            "separation",
            json!({"type": "RETIRED", "on": "2026-03-30", "departure_confirmed": true}),
            &["type"],
        ),
        (
            "wage-payments",
            json!({"month": "2026-13", "gross_hkd": 10, "deductions": [{"kind": "MEALS", "amount_hkd": 11}],
                                 "net_hkd": 0, "autopay_ref": "A", "paid_on": "2026-03-30"}),
            &["month", "deductions"],
        ),
    ];
    for (what, body, fields) in cases {
        let problem = record(&case, employer, &worker, what, body).await;
        for field in fields {
            problem.assert_invalid_field(field);
        }
    }
    let briefing = record(
        &case,
        &case.caseworker,
        &worker,
        "briefing",
        json!({"session_ref": "", "session_on": "2027-01-01", "attended": true, "paid_leave_confirmed": true}),
    )
    .await;
    briefing.assert_invalid_field("session_ref");
    assert_eq!(app.count("SELECT count(*) AS n FROM audit_events"), events);
}

#[actix_web::test]
async fn a_place_lapses_the_day_after_its_aip_deadline() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "40000010", 2).await;
    let worker = ok(&name(&case, &vacancy, DOCUMENT).await, 201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        &put_contract(&case, &worker, contract_body(14000, "2026-08-01", "2028-07-31")).await,
        200,
    );
    app.set_today("2026-06-30");
    let places = ok(
        &app.get(&format!("/v1/applications/{}/workers", case.id), &case.caseworker)
            .await,
        200,
    );
    assert_eq!(places["items"][1]["state"], "ALLOCATED");
    app.set_today("2026-07-01");
    let places = ok(
        &app.get(&format!("/v1/applications/{}/workers", case.id), &case.caseworker)
            .await,
        200,
    );
    assert_eq!(places["items"][0]["state"], "EXPIRED");
    assert_eq!(places["items"][1]["state"], "EXPIRED");
    let late = record(
        &case,
        &case.employer_token,
        &worker,
        "visa",
        json!({"event": "APPLIED", "on": "2026-07-01"}),
    )
    .await;
    assert_eq!(late.assert_problem(422, "rule-violation")["rule_id"], "R-DEC-2");
    let unnamed = name(&case, &vacancy, "Z1234567").await;
    assert_eq!(unnamed.assert_problem(422, "rule-violation")["rule_id"], "R-DEC-2");
    assert!(kinds(&compliance(&case).await).is_empty());
}

#[actix_web::test]
async fn the_worker_lifecycle_refuses_steps_out_of_order() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "40000011", 1).await;
    let worker = ok(&name(&case, &vacancy, DOCUMENT).await, 201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let employer = &case.employer_token;
    // No contract yet: the visa application needs it.
    let visa = record(
        &case,
        employer,
        &worker,
        "visa",
        json!({"event": "APPLIED", "on": "2026-03-30"}),
    )
    .await;
    assert_eq!(visa.assert_problem(422, "rule-violation")["rule_id"], "R-CON-2");
    let levy = record(
        &case,
        employer,
        &worker,
        "levy",
        json!({"amount_hkd": 9600, "paid_on": "2026-03-30", "receipt_ref": "R"}),
    )
    .await;
    assert_eq!(levy.assert_problem(422, "rule-violation")["rule_id"], "R-LEVY-1");
    record(&case, employer, &worker, "arrival", json!({"arrived_on": "2026-03-30"}))
        .await
        .assert_problem(409, "conflict");
    record(
        &case,
        &case.caseworker,
        &worker,
        "briefing",
        json!({"session_ref": "S", "session_on": "2026-03-30", "attended": true, "paid_leave_confirmed": true}),
    )
    .await
    .assert_problem(409, "conflict");
    ok(
        &put_contract(&case, &worker, contract_body(14000, "2026-05-01", "2028-04-30")).await,
        200,
    );
    // The levy is the contract's: another amount is refused.
    let wrong = record(
        &case,
        employer,
        &worker,
        "levy",
        json!({"amount_hkd": 9200, "paid_on": "2026-03-30", "receipt_ref": "R"}),
    )
    .await;
    assert_eq!(wrong.assert_problem(422, "rule-violation")["rule_id"], "R-LEVY-1");
    record(
        &case,
        employer,
        &worker,
        "visa",
        json!({"event": "ISSUED", "on": "2026-03-30", "visa_number": "V1"}),
    )
    .await
    .assert_problem(409, "conflict");
    assert_eq!(app.count("SELECT count(*) AS n FROM levy_payments"), 0);
}

#[actix_web::test]
async fn the_levy_stays_paid_when_the_worker_leaves_early_and_cannot_be_changed() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "40000012", 1).await;
    let worker = arrived_worker(&case, &vacancy).await;
    app.set_today("2026-07-15");
    // CONTRACT_ENDED is for the end date; an early end is named for what it is.
    let wrong = record(
        &case,
        &case.employer_token,
        &worker,
        "separation",
        json!({"type": "CONTRACT_ENDED", "on": "2026-07-15", "departure_confirmed": true}),
    )
    .await;
    wrong.assert_invalid_field("type");
    let left = record(
        &case,
        &case.employer_token,
        &worker,
        "separation",
        json!({"type": "RESIGNATION", "on": "2026-07-15", "departure_confirmed": true}),
    )
    .await;
    let left = ok(&left, 200);
    assert_eq!(left["place"]["state"], "TERMINATED_EARLY");
    assert_eq!(left["levy"]["paid_on"], "2026-04-20");
    assert_eq!(left["levy"]["amount_due_hkd"], 9600);
    assert_eq!(left["levy"]["refundable"], false);
    assert_eq!(left["separation"]["separation_type"], "RESIGNATION");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM levy_payments WHERE amount_hkd = 9600"),
        1
    );
    // Even with the service's own rights, a levy payment cannot be changed or removed.
    let mut conn = app.db.connect();
    diesel::sql_query("SET ROLE sls_app").execute(&mut conn).unwrap();
    for statement in ["UPDATE levy_payments SET amount_hkd = 0", "DELETE FROM levy_payments"] {
        diesel::sql_query(statement).execute(&mut conn).expect_err(statement);
    }
    // Not even as the owner: the trigger refuses.
    diesel::sql_query("RESET ROLE").execute(&mut conn).unwrap();
    diesel::sql_query("DELETE FROM levy_payments")
        .execute(&mut conn)
        .expect_err("trigger");
    // What the employer failed to do while the worker was here stays owed: May's wages (due
    // 2026-06-07), the briefing (due 2026-06-25) and June's wages (due 2026-07-07); nothing after.
    assert_eq!(
        kinds(&compliance(&case).await),
        vec![
            ("WAGE_PAYMENT_DUE".into(), true),
            ("BRIEFING_DUE".into(), true),
            ("WAGE_PAYMENT_DUE".into(), true)
        ]
    );
}

#[actix_web::test]
async fn wage_payments_below_the_contract_wage_are_flagged_and_owed() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "40000013", 1).await;
    let worker = arrived_worker(&case, &vacancy).await;
    app.set_today("2026-07-10");
    let pay = |month: &str, gross: u32| json!({"month": month, "gross_hkd": gross, "deductions": [], "net_hkd": gross, "autopay_ref": format!("AP-{month}"), "paid_on": "2026-07-05"});
    let under = ok(
        &record(
            &case,
            &case.employer_token,
            &worker,
            "wage-payments",
            pay("2026-05", 13999),
        )
        .await,
        201,
    );
    // Paid 2026-07-05 for May: after the 7 days too.
    assert_eq!(
        under["wage_payments"][0]["flags"],
        json!(["BELOW_CONTRACT_WAGE", "PAID_LATE"])
    );
    let at = ok(
        &record(
            &case,
            &case.employer_token,
            &worker,
            "wage-payments",
            pay("2026-06", 14000),
        )
        .await,
        201,
    );
    assert_eq!(at["wage_payments"][1]["flags"], json!([]));
    let owed = compliance(&case).await;
    let irregular: Vec<&Value> = owed["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["kind"] == "WAGE_PAYMENT_IRREGULAR")
        .collect();
    assert_eq!(irregular.len(), 1);
    assert_eq!(irregular[0]["rule_id"], "R-WAGE-1");
    assert_eq!(irregular[0]["due_on"], "2026-06-07");
    // The dollar short is made up in a second transfer: the month is whole (if late), nothing is owed.
    let mut arrears = pay("2026-05", 1);
    arrears["autopay_ref"] = json!("AP-2026-05-ARREARS");
    let made_up = ok(
        &record(&case, &case.employer_token, &worker, "wage-payments", arrears).await,
        201,
    );
    assert_eq!(made_up["wage_payments"][1]["month"], "2026-05");
    assert_eq!(made_up["wage_payments"][1]["flags"], json!(["PAID_LATE"]));
    assert!(
        !compliance(&case).await["obligations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["kind"] == "WAGE_PAYMENT_IRREGULAR")
    );
    // The same transfer twice, a month outside the contract, and a net that does not add up.
    record(
        &case,
        &case.employer_token,
        &worker,
        "wage-payments",
        pay("2026-06", 14000),
    )
    .await
    .assert_problem(409, "conflict");
    record(
        &case,
        &case.employer_token,
        &worker,
        "wage-payments",
        pay("2026-04", 14000),
    )
    .await
    .assert_invalid_field("month");
    let mut wrong = pay("2026-07", 14000);
    wrong["net_hkd"] = json!(13000);
    wrong["month"] = json!("July");
    let problem = record(&case, &case.employer_token, &worker, "wage-payments", wrong).await;
    problem.assert_invalid_field("net_hkd");
    problem.assert_invalid_field("month");
}

#[actix_web::test]
async fn the_ratio_no_longer_met_by_the_latest_headcount_return_is_overdue() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "40000014", 1).await;
    arrived_worker(&case, &vacancy).await;
    app.set_today("2026-05-05");
    let returns = format!("/v1/employers/{}/headcount-returns", case.employer);
    let file = |locals: u32| {
        app.post(
            &returns,
            &case.employer_token,
            json!({"as_of": "2026-05-04", "full_time_locals": locals, "imported_workers": 1, "evidence_ref": "MPF May"}),
        )
    };
    ok(&file(2).await, 201);
    assert!(
        !kinds(&compliance(&case).await)
            .iter()
            .any(|(k, _)| k == "RATIO_NOT_MET")
    );
    ok(&file(1).await, 201);
    let owed = compliance(&case).await;
    let ratio: Vec<&Value> = owed["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["kind"] == "RATIO_NOT_MET")
        .collect();
    assert_eq!(ratio.len(), 1);
    assert_eq!(ratio[0]["rule_id"], "R-RAT-1");
    assert_eq!(ratio[0]["overdue"], true);
    let employer_wide = ok(
        &app.get(&format!("/v1/employers/{}/compliance", case.employer), &case.caseworker)
            .await,
        200,
    );
    assert!(
        employer_wide["obligations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["kind"] == "RATIO_NOT_MET")
    );
}

#[actix_web::test]
async fn places_use_ratio_capacity_until_they_lapse_and_a_worker_in_post_counts_once() {
    let app = TestApp::spawn().await;
    // Ten full-time locals allow five imported workers.
    let (case, vacancy) = approved(&app, "40000021", 2).await;
    let quota = || async {
        let q = ok(
            &app.get(&format!("/v1/employers/{}/quota", case.employer), &case.caseworker)
                .await,
            200,
        );
        let e = &q["enterprise"];
        (
            e["imported_workers"].as_u64().unwrap(),
            e["places_approved"].as_u64().unwrap(),
            e["places_still_allowed"].as_u64().unwrap(),
        )
    };
    assert_eq!(quota().await, (0, 2, 3));
    // One worker arrives: in post, no longer a pending place; the capacity used is the same.
    arrived_worker(&case, &vacancy).await;
    assert_eq!(quota().await, (1, 1, 3));
    // The other place lapses at its AIP deadline and frees its capacity.
    app.set_today("2026-07-01");
    assert_eq!(quota().await, (1, 0, 4));
}

#[actix_web::test]
async fn revoking_an_approval_revokes_the_places_not_yet_filled_and_forbids_replacement() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "40000015", 2).await;
    let worker = arrived_worker(&case, &vacancy).await;
    let other_approver = app.token_for("ap-wong", Role::Approver, None);
    let revoked = case
        .act(
            &other_approver,
            "revoke",
            json!({"comment": "Sanction for displacing locals"}),
        )
        .await;
    assert_eq!(ok(&revoked, 200)["status"], "REVOKED");
    let places = ok(
        &app.get(&format!("/v1/applications/{}/workers", case.id), &case.caseworker)
            .await,
        200,
    );
    let states: Vec<(&str, bool)> = places["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["state"].as_str().unwrap(),
                p["replacement_allowed"].as_bool().unwrap(),
            )
        })
        .collect();
    // The worker already here stays; the unfilled place goes; neither may be refilled.
    assert_eq!(states, [("ARRIVED", false), ("REVOKED", false)]);
    assert_eq!(places["items"][0]["worker_id"], worker.as_str());
    name(&case, &vacancy, "Q1234567").await.assert_problem(409, "conflict");
}

#[actix_web::test]
async fn staff_see_every_employer_s_obligations_at_a_glance_filtered_and_paged() {
    let app = TestApp::spawn().await;
    // One employer with an arrived worker whose briefing will be overdue, one with a place unfilled.
    publish_wage_table(&app).await;
    let briefed_late = Case::draft(&app, "40000023", 10, vec![dishwashers(1, 14000)]).await;
    let unfilled = Case::draft(&app, "40000024", 10, vec![dishwashers(1, 14000)]).await;
    for case in [&briefed_late, &unfilled] {
        case.start_recruitment().await;
    }
    for case in [&briefed_late, &unfilled] {
        case.to_decision("2026-03-30").await;
        case.ok(&case.approver, "approve").await;
    }
    let vacancy = briefed_late.vacancy_ids().await.remove(0);
    arrived_worker(&briefed_late, &vacancy).await;
    // An employer without approvals is not paged through at all.
    app.employer_with_token("40000025").await;
    app.set_today("2026-06-26");
    let staff = app.token(Role::Auditor, None);
    let view = |query: &'static str| {
        let staff = staff.clone();
        let app = &app;
        async move { ok(&app.get(&format!("/v1/compliance{query}"), &staff).await, 200) }
    };
    let employers = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["employer_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = view("").await;
    assert_eq!(all["on"], "2026-06-26");
    assert_eq!(employers(&all).len(), 2);
    let overdue = view("?overdue_only=true").await;
    assert_eq!(employers(&overdue), [briefed_late.employer.to_string()]);
    assert!(kinds(&overdue["items"][0]).iter().all(|(_, overdue)| *overdue));
    assert!(kinds(&overdue["items"][0]).contains(&("BRIEFING_DUE".into(), true)));
    let visas = view("?kind=VISA_APPLICATION").await;
    assert_eq!(employers(&visas), [unfilled.employer.to_string()]);
    assert_eq!(kinds(&visas["items"][0]), vec![("VISA_APPLICATION".into(), false)]);
    // One employer a page: two pages, then none.
    let first = view("?limit=1").await;
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let second = ok(
        &app.get(&format!("/v1/compliance?limit=1&cursor={cursor}"), &staff)
            .await,
        200,
    );
    assert_eq!(second["next_cursor"], Value::Null);
    let mut both = [employers(&first), employers(&second)].concat();
    both.sort();
    let mut expected = employers(&all);
    expected.sort();
    assert_eq!(both, expected);
    for (query, field) in [
        ("?kind=LATE", "kind"),
        ("?limit=0", "limit"),
        ("?cursor=nope", "cursor"),
        ("?overdue_only=maybe", "overdue_only"),
    ] {
        app.get(&format!("/v1/compliance{query}"), &staff)
            .await
            .assert_invalid_field(field);
    }
}

#[actix_web::test]
async fn an_employer_sees_and_changes_only_its_own_workers() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "40000016", 1).await;
    let worker = ok(&name(&case, &vacancy, DOCUMENT).await, 201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (other, other_token) = app.employer_with_token("40000099").await;
    let events = app.count("SELECT count(*) AS n FROM audit_events");
    let reads = [
        format!("/v1/workers/{worker}"),
        format!("/v1/applications/{}/workers", case.id),
        format!("/v1/applications/{}/compliance", case.id),
        format!("/v1/employers/{}/compliance", case.employer),
    ];
    for path in &reads {
        app.get(path, &other_token).await.assert_problem(404, "not-found");
    }
    let writes = [
        ("contract", contract_body(14000, "2026-05-01", "2028-04-30")),
        ("visa", json!({"event": "APPLIED", "on": "2026-03-30"})),
        (
            "levy",
            json!({"amount_hkd": 9600, "paid_on": "2026-03-30", "receipt_ref": "R"}),
        ),
        ("arrival", json!({"arrived_on": "2026-03-30"})),
        (
            "wage-payments",
            json!({"month": "2026-03", "gross_hkd": 1, "net_hkd": 1, "autopay_ref": "A", "paid_on": "2026-03-30"}),
        ),
        (
            "separation",
            json!({"type": "RESIGNATION", "on": "2026-03-30", "departure_confirmed": true}),
        ),
    ];
    for (what, body) in writes {
        let method = if what == "contract" { Method::PUT } else { Method::POST };
        app.call(
            method,
            &format!("/v1/workers/{worker}/{what}"),
            Some(&other_token),
            Some(body),
        )
        .await
        .assert_problem(404, "not-found");
    }
    app.post(
        &format!("/v1/applications/{}/workers", case.id),
        &other_token,
        worker_json(&vacancy, "O1234567", "PHL"),
    )
    .await
    .assert_problem(404, "not-found");
    assert_eq!(app.count("SELECT count(*) AS n FROM audit_events"), events);
    // Its own views are its own, and empty.
    let own = ok(
        &app.get(&format!("/v1/employers/{other}/compliance"), &other_token)
            .await,
        200,
    );
    assert_eq!(own["obligations"], json!([]));
    // The owner and every staff reader see the worker.
    for token in [
        case.employer_token.clone(),
        case.caseworker.clone(),
        app.token(Role::Auditor, None),
    ] {
        ok(&app.get(&format!("/v1/workers/{worker}"), &token).await, 200);
    }
}

#[actix_web::test]
async fn the_travel_document_number_is_stored_and_shown_only_masked() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "40000018", 1).await;
    let named = app
        .send(
            actix_web::test::TestRequest::post()
                .uri(&format!("/v1/applications/{}/workers", case.id))
                .insert_header(("authorization", format!("Bearer {}", case.employer_token)))
                .insert_header(("idempotency-key", "name-maria"))
                .set_json(worker_json(&vacancy, DOCUMENT, "PHL")),
        )
        .await;
    let named = ok(&named, 201);
    assert_eq!(named["travel_document"], "****321A");
    assert!(!named.to_string().contains("7654321"));
    for (table, column) in [
        ("workers", "workers::text"),
        ("audit_events", "audit_events::text"),
        ("idempotency_keys", "idempotency_keys::text"),
    ] {
        assert_eq!(
            app.count(&format!(
                "SELECT count(*) AS n FROM {table} WHERE {column} LIKE '%7654321%'"
            )),
            0,
            "{table} holds the number"
        );
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM workers WHERE travel_document_last4 = '321A' AND length(travel_document_hmac) = 64"),
        1
    );
}

#[actix_web::test]
async fn a_worker_is_not_named_to_a_place_the_ratio_no_longer_covers() {
    let app = TestApp::spawn().await;
    // Ten full-time locals: two places approved.
    let (case, vacancy) = approved(&app, "40000030", 2).await;
    app.set_today("2026-04-10");
    ok(&name(&case, &vacancy, "A1234567").await, 201);
    let returns = format!("/v1/employers/{}/headcount-returns", case.employer);
    let file = |locals: u32| {
        app.post(
            &returns,
            &case.employer_token,
            json!({"as_of": "2026-04-10", "full_time_locals": locals, "imported_workers": 0, "evidence_ref": "MPF April"}),
        )
    };
    // Two locals cover one imported worker, and the first place already has its worker.
    ok(&file(2).await, 201);
    let uncovered = name(&case, &vacancy, "B1234567").await;
    let problem = uncovered.assert_problem(422, "rule-violation");
    assert_eq!(problem["rule_id"], "R-RAT-1");
    assert_eq!(app.count("SELECT count(*) AS n FROM workers"), 1);
    // Four locals cover both places again.
    ok(&file(4).await, 201);
    let covered = ok(&name(&case, &vacancy, "C1234567").await, 201);
    let ratio = covered["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["rule_id"] == "R-RAT-1")
        .unwrap()
        .clone();
    assert_eq!(ratio["inputs"]["full_time_locals"], 4);
    assert_eq!(ratio["output"]["allowed"], 1);
}
