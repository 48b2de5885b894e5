//! Bad bytes get a 400, never a 5xx: arbitrary Unicode (the NUL character, controls, surrogate-range
//! neighbours, right-to-left marks, combining marks, emoji, very long text) in every text field of every
//! write and in the text filters, from a seeded property-test runner plus hand-picked edge cases.

use actix_web::http::{Method, header};
use actix_web::test::TestRequest;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};
use sls_case::domain::Role;

use crate::helpers::{TestApp, TestResponse};
use crate::workers::{approved, arrived_worker, contract_body, name, ok, worker_json};
use crate::workflow::{Case, dishwashers};

/// One write and the JSON pointers of its text fields.
#[derive(Clone)]
struct Target {
    method: Method,
    path: String,
    token: String,
    body: Value,
    fields: Vec<&'static str>,
    /// A field given a fresh 8-digit value on every request, so that a unique key does not stop it.
    fresh: Option<&'static str>,
    /// Where to read the ETag an `If-Match` needs.
    etag_of: Option<String>,
}

fn target(method: Method, path: String, token: &str, body: Value, fields: &[&'static str]) -> Target {
    Target {
        method,
        path,
        token: token.to_owned(),
        body,
        fields: fields.to_vec(),
        fresh: None,
        etag_of: None,
    }
}

impl Target {
    fn fresh(mut self, field: &'static str) -> Self {
        self.fresh = Some(field);
        self
    }

    fn if_match(mut self, path: String) -> Self {
        self.etag_of = Some(path);
        self
    }
}

/// Strings a client could send: the edge cases first, then `random` ones from the runner.
fn strings(runner: &mut TestRunner, random: usize) -> Vec<String> {
    let mut values: Vec<String> = [
        "\u{0}",
        "a\u{0}b",
        "\u{0}\u{0}\u{0}",
        "\u{1}\u{1f}\u{7f}",
        "\u{feff}",
        "\u{202e}gnp.exe",
        "e\u{301}\u{301}\u{301}",
        "🧑‍🍳🇭🇰",
        "\r\n\t",
        "'; DROP TABLE audit_events; --",
        "=HYPERLINK(\"http://x\")",
        "0000-01-01",
        "\u{fffd}\u{10ffff}",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    values.push("长".repeat(6000));
    let arbitrary = proptest::collection::vec(any::<char>(), 0..60).prop_map(String::from_iter);
    for _ in 0..random {
        values.push(arbitrary.new_tree(runner).expect("a value").current());
    }
    values
}

/// Sends `body` to `target`, with a fresh value in its `fresh` field (the `n`th).
async fn send(app: &TestApp, target: &Target, mut body: Value, n: usize) -> TestResponse {
    if let Some(fresh) = target.fresh {
        *body.pointer_mut(fresh).unwrap() = json!(format!("{:08}", 10_000_000 + n));
    }
    let mut request = TestRequest::default()
        .method(target.method.clone())
        .uri(&target.path)
        .insert_header((header::AUTHORIZATION, format!("Bearer {}", target.token)))
        .set_json(body);
    if let Some(path) = &target.etag_of {
        let current = app.get(path, &target.token).await;
        request = request.insert_header((
            header::IF_MATCH,
            current.headers.get(header::ETAG).expect("an ETag").clone(),
        ));
    }
    app.send(request).await
}

/// Sends each string in each field of `target` and returns how many requests were made; panics on a
/// 5xx, or when a NUL character is not refused with the field named. When no string was accepted, the
/// untouched body must be: the strings did reach the use case, not a template the service refuses.
async fn fuzz(app: &TestApp, runner: &mut TestRunner, target: &Target) -> usize {
    let mut sent = 0;
    let mut accepted = 0;
    for field in &target.fields {
        for value in strings(runner, 6) {
            let mut body = target.body.clone();
            *body
                .pointer_mut(field)
                .unwrap_or_else(|| panic!("{field} in {}", target.path)) = json!(value);
            if target.fresh == Some(*field) {
                // The field is the unique key itself: it keeps the fuzzed value.
                let response = send(
                    app,
                    &Target {
                        fresh: None,
                        ..target.clone()
                    },
                    body,
                    sent,
                )
                .await;
                accepted += check(target, field, &value, &response);
            } else {
                let response = send(app, target, body, sent).await;
                accepted += check(target, field, &value, &response);
            }
            sent += 1;
        }
    }
    if accepted == 0 {
        let response = send(app, target, target.body.clone(), sent).await;
        assert!(
            response.status.is_success(),
            "{} {}: {}",
            target.method,
            target.path,
            String::from_utf8_lossy(&response.bytes)
        );
        sent += 1;
    }
    sent
}

/// 1 when the response accepted `value`; panics on a 5xx or an unnamed NUL.
fn check(target: &Target, field: &str, value: &str, response: &TestResponse) -> usize {
    assert!(
        response.status.as_u16() < 500,
        "{} {} with {field} = {value:?} answered {}: {}",
        target.method,
        target.path,
        response.status,
        String::from_utf8_lossy(&response.bytes)
    );
    if value.contains('\u{0}') {
        // `/vacancies/0/duties` is named `vacancies[0].duties`, as serde names it.
        response.assert_invalid_field(&field[1..].replace('/', ".").replace(".0", "[0]"));
    }
    usize::from(response.status.is_success())
}

#[actix_web::test]
async fn arbitrary_text_in_every_field_of_every_write_is_never_a_server_error() {
    let app = TestApp::spawn().await;
    let mut runner = TestRunner::deterministic();
    let admin = app.token(Role::Admin, None);
    let caseworker = app.token(Role::Caseworker, None);
    let approver = app.token(Role::Approver, None);

    // Reference data and employers.
    let (case, vacancy) = approved(&app, "70000001", 5).await;
    let worker = arrived_worker(&case, &vacancy).await;
    let issued = {
        let w = ok(&name(&case, &vacancy, "Q1234567").await, 201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        ok(
            &app.call(
                Method::PUT,
                &format!("/v1/workers/{w}/contract"),
                Some(&case.employer_token),
                Some(contract_body(14000, "2026-05-01", "2028-04-30")),
            )
            .await,
            200,
        );
        ok(
            &app.post(
                &format!("/v1/workers/{w}/visa"),
                &case.employer_token,
                json!({"event": "APPLIED", "on": "2026-04-30"}),
            )
            .await,
            200,
        );
        w
    };
    let recruiting = case.another(vec![dishwashers(2, 14000)], "RENEWAL").await;
    recruiting.start_recruitment().await;
    let recruiting_vacancy = recruiting.vacancy_ids().await.remove(0);
    let referral = ok(
        &app.post(
            &format!("/v1/applications/{}/recruitment/referrals", recruiting.id),
            &caseworker,
            json!({"vacancy_id": recruiting_vacancy, "source": "REFERRAL", "job_seeker_ref": "JS-1", "referred_on": "2026-04-30"}),
        )
        .await,
        201,
    )["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let submitted = Case::draft(&app, "70000002", 10, vec![dishwashers(1, 14000)]).await;
    submitted.ok(&submitted.employer_token, "submit").await;
    let draft = app.create_draft(&case.employer_token).await;
    let draft_id = draft["id"].as_str().unwrap();
    let employer = case.employer;

    let targets = vec![
        target(Method::POST, "/v1/employers".into(), &caseworker,
            json!({"business_registration_number": "70000099", "name_en": "X", "name_zh": "X", "business_address": "X"}),
            &["/business_registration_number", "/name_en", "/name_zh", "/business_address"])
            .fresh("/business_registration_number"),
        target(Method::POST, "/v1/applications".into(), &case.employer_token,
            json!({"justification": "X", "vacancies": [dishwashers(1, 14000)]}),
            &["/justification", "/vacancies/0/post_title", "/vacancies/0/duties", "/vacancies/0/post_code",
              "/vacancies/0/industry_sector", "/vacancies/0/workplace_addresses/0"]),
        target(Method::PATCH, format!("/v1/applications/{draft_id}"), &case.employer_token,
            json!({"justification": "X"}), &["/justification"])
            .if_match(format!("/v1/applications/{draft_id}")),
        target(Method::POST, format!("/v1/applications/{}/recruitment/adverts", recruiting.id), &case.employer_token,
            json!({"vacancy_id": recruiting_vacancy, "newspaper": "X", "published_on": "2026-04-01", "reference": "X"}),
            &["/newspaper", "/reference"]),
        target(Method::POST, format!("/v1/applications/{}/recruitment/referrals", recruiting.id), &caseworker,
            json!({"vacancy_id": recruiting_vacancy, "source": "REFERRAL", "job_seeker_ref": "X", "referred_on": "2026-04-30"}),
            &["/job_seeker_ref"]),
        target(Method::PUT, format!("/v1/applications/{}/recruitment/referrals/{referral}/outcome", recruiting.id),
            &case.employer_token,
            json!({"outcome": "REJECTED", "reason": "X", "meets_requirements": false, "interview_on": "2026-04-30"}),
            &["/reason"]),
        target(Method::POST, format!("/v1/applications/{}/recruitment/job-fairs", recruiting.id), &caseworker,
            json!({"vacancy_id": recruiting_vacancy, "week_no": 1, "session_on": "2026-04-30", "centre": "X", "attended": true}),
            &["/centre"]),
        target(Method::POST, format!("/v1/applications/{}/actions/request-info", submitted.id), &caseworker,
            json!({"message": "X"}), &["/message"]),
        target(Method::POST, format!("/v1/employers/{employer}/headcount-returns"), &case.employer_token,
            json!({"as_of": "2026-04-01", "full_time_locals": 10, "imported_workers": 1, "evidence_ref": "X"}),
            &["/evidence_ref", "/as_of"]),
        target(Method::POST, format!("/v1/employers/{employer}/sanctions"), &approver,
            json!({"bar_from": "2030-01-01", "months": 12, "reason": "X"}), &["/reason"]),
        target(Method::POST, "/v1/policy".into(), &admin,
            json!({"key": "rfi_due_days", "scope": "WAITER", "value": 14, "effective_from": "2030-01-01", "confidence": "firm", "source_note": "X"}),
            &["/key", "/scope", "/source_note"]),
        target(Method::POST, "/v1/wage-tables".into(), &admin,
            json!({"version_label": "X", "published_on": "2030-01-01", "effective_from": "2030-02-01", "source_note": "X",
                   "rows": [{"post_code": "COOK", "title_en": "X", "title_zh": "X", "industry_section": "X",
                             "median_monthly_wage_hkd": 15000, "is_common_post": true}]}),
            &["/version_label", "/source_note", "/rows/0/post_code", "/rows/0/title_en", "/rows/0/title_zh", "/rows/0/industry_section"])
            .fresh("/version_label"),
        target(Method::PUT, format!("/v1/applications/{}/vacancies/{recruiting_vacancy}/wage-benchmark", recruiting.id), &caseworker,
            json!({"median_monthly_wage_hkd": 15000, "source": "X"}), &["/source"]),
        target(Method::POST, format!("/v1/applications/{}/workers", case.id), &case.employer_token,
            {
                let mut w = worker_json(&vacancy, "Z1234567", "CHN");
                w["recruiting_enterprise"] = json!("X");
                w["mainland_resident"] = json!(true);
                w
            },
            &["/full_name", "/travel_document_number", "/nationality", "/recruiting_enterprise"])
            .fresh("/travel_document_number"),
        target(Method::PUT, format!("/v1/workers/{issued}/contract"), &case.employer_token,
            contract_body(14000, "2026-05-01", "2028-04-30"),
            &["/template_version", "/post_code", "/post_title", "/overtime_terms", "/accommodation_address", "/autopay_account_ref"]),
        target(Method::POST, format!("/v1/workers/{issued}/levy"), &case.employer_token,
            json!({"amount_hkd": 9600, "paid_on": "2026-04-30", "receipt_ref": "X"}), &["/receipt_ref"]),
        target(Method::POST, format!("/v1/workers/{issued}/visa"), &caseworker,
            json!({"event": "ISSUED", "on": "2026-04-30", "visa_number": "X"}), &["/visa_number"]),
        target(Method::POST, format!("/v1/workers/{issued}/arrival"), &case.employer_token,
            json!({"arrived_on": "2026-04-30", "port": "X"}), &["/port"]),
        target(Method::POST, format!("/v1/workers/{worker}/briefing"), &caseworker,
            json!({"session_ref": "X", "session_on": "2026-04-30", "attended": true, "paid_leave_confirmed": true}),
            &["/session_ref"]),
        target(Method::POST, format!("/v1/workers/{worker}/wage-payments"), &case.employer_token,
            json!({"month": "2026-05", "gross_hkd": 14000, "net_hkd": 14000, "autopay_ref": "X", "paid_on": "2026-06-05"}),
            &["/autopay_ref", "/month"]),
        target(Method::POST, format!("/v1/workers/{worker}/separation"), &case.employer_token,
            json!({"type": "RESIGNATION", "on": "2026-06-09", "departure_confirmed": true}), &["/type", "/on"]),
        target(Method::POST, format!("/v1/applications/{draft_id}/actions/withdraw"), &case.employer_token,
            json!({"comment": "X"}), &["/comment"]),
    ];
    // Late enough for a month's wages and a separation of the arrived worker.
    app.set_today("2026-06-10");
    let mut sent = 0;
    for t in &targets {
        sent += fuzz(&app, &mut runner, t).await;
    }
    // The text filters and cursors of the reads.
    let auditor = app.token(Role::Auditor, None);
    let filters = [
        ("/v1/audit/events", "actor"),
        ("/v1/audit/events", "action"),
        ("/v1/audit/events", "cursor"),
        ("/v1/audit/export", "actor"),
        ("/v1/policy", "key"),
        ("/v1/wage-tables/lookup", "post"),
        ("/v1/applications", "cursor"),
        ("/v1/employers", "cursor"),
    ];
    for value in strings(&mut runner, 10) {
        let encoded: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
        for (path, parameter) in filters {
            let response = app.get(&format!("{path}?{parameter}={encoded}"), &auditor).await;
            assert!(
                response.status.as_u16() < 500,
                "{path}?{parameter}={value:?}: {}",
                response.status
            );
            if value.contains('\u{0}') {
                response.assert_invalid_field(parameter);
            }
            sent += 1;
        }
    }
    eprintln!("bad bytes: {sent} requests, none a server error");
    assert!(sent > 1000, "{sent}");
}

#[actix_web::test]
async fn a_date_outside_1900_to_2999_is_refused_by_field() {
    let app = TestApp::spawn().await;
    let (employer, token) = app.employer_with_token("70000003").await;
    let path = format!("/v1/employers/{employer}/headcount-returns");
    let headcount =
        |as_of: &str| json!({"as_of": as_of, "full_time_locals": 10, "imported_workers": 0, "evidence_ref": "MPF"});
    for implausible in ["0000-01-01", "1899-12-31", "3000-01-01"] {
        app.post(&path, &token, headcount(implausible))
            .await
            .assert_invalid_field("as_of");
        app.get(&format!("/v1/policy?on={implausible}"), &token)
            .await
            .assert_invalid_field("on");
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM headcount_returns"), 0);
    // The first and last plausible days are ordinary dates.
    assert_eq!(app.post(&path, &token, headcount("1900-01-01")).await.status, 201);
    assert_eq!(app.get("/v1/policy?on=2999-12-31", &token).await.status, 200);
}

#[actix_web::test]
async fn an_unknown_key_holding_nul_is_named_escaped_never_echoed_raw() {
    let app = TestApp::spawn().await;
    let (_, employer) = app.employer_with_token("63000001").await;
    let mut body = crate::helpers::draft_body();
    body["\u{0}k\u{a5}"] = json!("x");
    let response = app.post("/v1/applications", &employer, body).await;
    let fields = response.invalid_fields();
    assert!(fields.iter().any(|f| f == "\\u0000k\u{a5}"), "{fields:?}");
    assert!(fields.iter().all(|f| !f.contains('\0')), "{fields:?}");
    assert_eq!(app.count("SELECT count(*) AS n FROM applications"), 0);
}
