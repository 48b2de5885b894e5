//! Every endpoint, every role: no token is 401, a role not allowed is 403 with nothing written, every
//! allowed role gets past the check, and another employer finds nothing of this employer's anywhere.

use actix_web::http::Method;
use serde_json::{Value, json};
use sls_case::domain::{EmployerId, Role};

use crate::helpers::{TestApp, draft_body, employer_body, jwt_keys};

/// One employer's data: a draft with its vacancy, and a worker named on an approved case.
struct Fixture {
    employer: EmployerId,
    employer_token: String,
    application: String,
    vacancy: String,
    worker: String,
    /// A complaint about the employer, an inspection of it, and a document of the employer's.
    complaint: String,
    inspection: String,
    document: String,
}

struct Endpoint {
    method: Method,
    path: fn(&Fixture) -> String,
    body: Option<fn() -> Value>,
    allowed: &'static [Role],
}

fn ep(method: Method, path: fn(&Fixture) -> String, body: Option<fn() -> Value>, allowed: &'static [Role]) -> Endpoint {
    Endpoint {
        method,
        path,
        body,
        allowed,
    }
}

/// A new business registration number each time, so repeated creates do not conflict.
fn unique_employer() -> Value {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(90_000_000);
    employer_body(&NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed).to_string())
}

const CASE_READERS: &[Role] = &[Role::Caseworker, Role::Approver, Role::Auditor, Role::Employer];
const EVERYONE: &[Role] = &Role::TOKEN_ROLES;
const EMPLOYER: &[Role] = &[Role::Employer];
const CASEWORKER: &[Role] = &[Role::Caseworker];
const APPROVER: &[Role] = &[Role::Approver];
const ADMIN: &[Role] = &[Role::Admin];
const AUDITOR: &[Role] = &[Role::Auditor];
const CONSULTATION_READERS: &[Role] = &[Role::LabMember, Role::Caseworker, Role::Approver, Role::Auditor];
const INSPECTION_READERS: &[Role] = &[Role::Inspector, Role::Caseworker, Role::Approver, Role::Auditor];
const CASE_WRITERS: &[Role] = &[Role::Employer, Role::Caseworker];
const DOCUMENT_READERS: &[Role] = &[
    Role::Employer,
    Role::Caseworker,
    Role::Approver,
    Role::Auditor,
    Role::Inspector,
];

/// A day no other request lists as a holiday.
fn unique_holiday() -> Value {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let day = chrono::NaiveDate::from_ymd_opt(2031, 1, 1).unwrap()
        + chrono::Days::new(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed).into());
    json!({"day": day, "name": "Test holiday"})
}

fn endpoints() -> Vec<Endpoint> {
    use Method as M;
    vec![
        ep(M::GET, |_| "/v1/job-categories".into(), None, EVERYONE),
        ep(M::GET, |_| "/v1/policy".into(), None, EVERYONE),
        ep(
            M::POST,
            |_| "/v1/policy".into(),
            Some(
                || json!({"key": "rfi_due_days", "value": 10, "effective_from": "2030-01-01", "confidence": "assumption", "source_note": "x"}),
            ),
            ADMIN,
        ),
        ep(M::GET, |_| "/v1/wage-tables".into(), None, EVERYONE),
        ep(
            M::POST,
            |_| "/v1/wage-tables".into(),
            Some(
                || json!({"version_label": format!("V{}", uuid::Uuid::new_v4().simple()), "published_on": "2030-01-01", "effective_from": format!("{}-01-01", 2030 + (uuid::Uuid::new_v4().as_u128() % 900) as u32), "source_note": "x", "rows": [{"post_code": "A", "title_en": "A", "industry_section": "X", "median_monthly_wage_hkd": 1, "is_common_post": true}]}),
            ),
            ADMIN,
        ),
        ep(
            M::GET,
            |_| "/v1/wage-tables/00000000-0000-4000-8000-000000002308".into(),
            None,
            EVERYONE,
        ),
        ep(
            M::GET,
            |_| "/v1/wage-tables/lookup?post=MASON&on=2024-01-01".into(),
            None,
            EVERYONE,
        ),
        ep(
            M::POST,
            |_| "/v1/employers".into(),
            Some(unique_employer),
            &[Role::Caseworker, Role::Admin],
        ),
        ep(M::GET, |_| "/v1/employers".into(), None, CASE_READERS),
        ep(M::GET, |f| format!("/v1/employers/{}", f.employer), None, CASE_READERS),
        ep(
            M::POST,
            |f| format!("/v1/employers/{}/headcount-returns", f.employer),
            Some(
                || json!({"as_of": "2026-03-01", "full_time_locals": 4, "imported_workers": 0, "evidence_ref": "MPF"}),
            ),
            &[Role::Employer, Role::Caseworker],
        ),
        ep(
            M::GET,
            |f| format!("/v1/employers/{}/headcount-returns", f.employer),
            None,
            CASE_READERS,
        ),
        ep(
            M::GET,
            |f| format!("/v1/employers/{}/quota", f.employer),
            None,
            CASE_READERS,
        ),
        ep(
            M::POST,
            |f| format!("/v1/employers/{}/sanctions", f.employer),
            Some(|| json!({"bar_from": "2020-01-01", "months": 12, "reason": "Old breach"})),
            APPROVER,
        ),
        ep(
            M::GET,
            |f| format!("/v1/employers/{}/sanctions", f.employer),
            None,
            CASE_READERS,
        ),
        ep(M::POST, |_| "/v1/applications".into(), Some(draft_body), EMPLOYER),
        ep(M::GET, |_| "/v1/applications".into(), None, CASE_READERS),
        ep(
            M::GET,
            |f| format!("/v1/applications/{}", f.application),
            None,
            CASE_READERS,
        ),
        ep(
            M::PATCH,
            |f| format!("/v1/applications/{}", f.application),
            Some(|| json!({"justification": "edit"})),
            EMPLOYER,
        ),
        ep(
            M::POST,
            |f| format!("/v1/applications/{}/actions/submit", f.application),
            None,
            EMPLOYER,
        ),
        ep(
            M::POST,
            |f| format!("/v1/applications/{}/actions/request-info", f.application),
            Some(|| json!({"message": "More please"})),
            CASEWORKER,
        ),
        ep(
            M::POST,
            |f| format!("/v1/applications/{}/actions/screen-in", f.application),
            None,
            CASEWORKER,
        ),
        ep(
            M::POST,
            |f| format!("/v1/applications/{}/actions/recommend", f.application),
            None,
            CASEWORKER,
        ),
        ep(
            M::POST,
            |f| format!("/v1/applications/{}/actions/approve", f.application),
            None,
            APPROVER,
        ),
        ep(
            M::POST,
            |f| format!("/v1/applications/{}/actions/refuse", f.application),
            Some(|| json!({"reason_codes": ["NOT_GENUINE_NEED"]})),
            APPROVER,
        ),
        ep(
            M::POST,
            |f| format!("/v1/applications/{}/actions/terminate", f.application),
            Some(|| json!({"comment": "Breach"})),
            APPROVER,
        ),
        ep(
            M::POST,
            |f| format!("/v1/applications/{}/actions/withdraw", f.application),
            None,
            EMPLOYER,
        ),
        ep(
            M::POST,
            |f| format!("/v1/applications/{}/precheck", f.application),
            None,
            &[Role::Employer, Role::Caseworker, Role::Approver],
        ),
        ep(
            M::GET,
            |f| format!("/v1/applications/{}/checks", f.application),
            None,
            CASE_READERS,
        ),
        ep(
            M::GET,
            |f| format!("/v1/applications/{}/decision", f.application),
            None,
            CASE_READERS,
        ),
        ep(
            M::GET,
            |f| format!("/v1/applications/{}/history", f.application),
            None,
            CASE_READERS,
        ),
        ep(
            M::PUT,
            |f| {
                format!(
                    "/v1/applications/{}/vacancies/{}/wage-benchmark",
                    f.application, f.vacancy
                )
            },
            Some(|| json!({"median_monthly_wage_hkd": 15000, "source": "C&SD"})),
            CASEWORKER,
        ),
        ep(
            M::GET,
            |f| format!("/v1/applications/{}/recruitment", f.application),
            None,
            CASE_READERS,
        ),
        ep(
            M::POST,
            |f| format!("/v1/applications/{}/recruitment/adverts", f.application),
            Some(|| json!({"vacancy_id": uuid::Uuid::nil(), "newspaper": "Ming Pao", "published_on": "2026-03-01"})),
            &[Role::Employer, Role::Caseworker],
        ),
        ep(
            M::POST,
            |f| format!("/v1/applications/{}/recruitment/referrals", f.application),
            Some(
                || json!({"vacancy_id": uuid::Uuid::nil(), "source": "REFERRAL", "job_seeker_ref": "JS-1", "referred_on": "2026-03-01"}),
            ),
            CASEWORKER,
        ),
        ep(
            M::PUT,
            |f| {
                format!(
                    "/v1/applications/{}/recruitment/referrals/{}/outcome",
                    f.application,
                    uuid::Uuid::nil()
                )
            },
            Some(|| json!({"outcome": "NO_SHOW"})),
            EMPLOYER,
        ),
        ep(
            M::POST,
            |f| format!("/v1/applications/{}/recruitment/job-fairs", f.application),
            Some(
                || json!({"vacancy_id": uuid::Uuid::nil(), "week_no": 1, "session_on": "2026-03-01", "centre": "Kowloon", "attended": true}),
            ),
            CASEWORKER,
        ),
        ep(
            M::GET,
            |f| format!("/v1/applications/{}/workers", f.application),
            None,
            CASE_READERS,
        ),
        ep(
            M::POST,
            |f| format!("/v1/applications/{}/workers", f.application),
            Some(crate::workers::worker_body),
            EMPLOYER,
        ),
        ep(
            M::GET,
            |f| format!("/v1/applications/{}/compliance", f.application),
            None,
            CASE_READERS,
        ),
        ep(
            M::GET,
            |f| format!("/v1/employers/{}/compliance", f.employer),
            None,
            CASE_READERS,
        ),
        ep(
            M::GET,
            |_| "/v1/compliance?overdue_only=true".into(),
            None,
            &[Role::Caseworker, Role::Approver, Role::Auditor],
        ),
        ep(M::GET, |f| format!("/v1/workers/{}", f.worker), None, CASE_READERS),
        ep(
            M::PUT,
            |f| format!("/v1/workers/{}/contract", f.worker),
            Some(|| crate::workers::contract_body(15000, "2026-05-01", "2028-04-30")),
            EMPLOYER,
        ),
        ep(
            M::POST,
            |f| format!("/v1/workers/{}/visa", f.worker),
            Some(|| json!({"event": "APPLIED", "on": "2026-03-01"})),
            &[Role::Employer, Role::Caseworker],
        ),
        ep(
            M::POST,
            |f| format!("/v1/workers/{}/levy", f.worker),
            Some(|| json!({"amount_hkd": 9600, "paid_on": "2026-03-01", "receipt_ref": "R-1"})),
            &[Role::Employer, Role::Caseworker],
        ),
        ep(
            M::POST,
            |f| format!("/v1/workers/{}/arrival", f.worker),
            Some(|| json!({"arrived_on": "2026-03-01", "port": "HKIA"})),
            &[Role::Employer, Role::Caseworker],
        ),
        ep(
            M::POST,
            |f| format!("/v1/workers/{}/briefing", f.worker),
            Some(
                || json!({"session_ref": "S-1", "session_on": "2026-03-01", "attended": true, "paid_leave_confirmed": true}),
            ),
            CASEWORKER,
        ),
        ep(
            M::POST,
            |f| format!("/v1/workers/{}/wage-payments", f.worker),
            Some(
                || json!({"month": "2026-02", "gross_hkd": 15000, "net_hkd": 15000, "autopay_ref": "A-1", "paid_on": "2026-03-01"}),
            ),
            &[Role::Employer, Role::Caseworker],
        ),
        ep(
            M::POST,
            |f| format!("/v1/workers/{}/separation", f.worker),
            Some(|| json!({"type": "RESIGNATION", "on": "2026-03-01", "departure_confirmed": true})),
            &[Role::Employer, Role::Caseworker],
        ),
        ep(M::GET, |_| "/v1/audit/events".into(), None, AUDITOR),
        ep(M::GET, |_| "/v1/audit/export".into(), None, AUDITOR),
        ep(M::GET, |_| "/v1/audit/verify".into(), None, AUDITOR),
        ep(
            M::GET,
            |_| "/v1/stats?from=2026-01-01&to=2026-12-31".into(),
            None,
            &[Role::Caseworker, Role::Approver, Role::Auditor],
        ),
        ep(
            M::PUT,
            |f| format!("/v1/applications/{}/assignment", f.application),
            Some(|| json!({"assignee": "test-approver"})),
            &[Role::Caseworker, Role::Approver],
        ),
        ep(
            M::DELETE,
            |f| format!("/v1/applications/{}/assignment", f.application),
            None,
            &[Role::Caseworker, Role::Approver],
        ),
        ep(
            M::POST,
            |_| "/v1/assignments".into(),
            Some(|| json!({"application_ids": [uuid::Uuid::nil()], "assignee": "cw"})),
            APPROVER,
        ),
        ep(
            M::GET,
            |_| "/v1/queue".into(),
            None,
            &[Role::Caseworker, Role::Approver, Role::Auditor],
        ),
        ep(
            M::GET,
            |_| "/v1/notifications".into(),
            None,
            &[
                Role::Employer,
                Role::Caseworker,
                Role::Approver,
                Role::Auditor,
                Role::Admin,
                Role::Inspector,
            ],
        ),
        ep(
            M::PATCH,
            |_| format!("/v1/notifications/{}", uuid::Uuid::nil()),
            Some(|| json!({"read": true})),
            &[
                Role::Employer,
                Role::Caseworker,
                Role::Approver,
                Role::Admin,
                Role::Inspector,
            ],
        ),
        ep(
            M::POST,
            |_| "/v1/webhooks".into(),
            Some(|| json!({"url": "https://hooks.example.com/esls"})),
            EMPLOYER,
        ),
        ep(
            M::GET,
            |_| "/v1/webhooks".into(),
            None,
            &[Role::Employer, Role::Auditor, Role::Admin],
        ),
        ep(
            M::GET,
            |_| format!("/v1/webhooks/{}", uuid::Uuid::nil()),
            None,
            &[Role::Employer, Role::Auditor, Role::Admin],
        ),
        ep(
            M::DELETE,
            |_| format!("/v1/webhooks/{}", uuid::Uuid::nil()),
            None,
            EMPLOYER,
        ),
        ep(
            M::POST,
            |_| format!("/v1/webhooks/{0}/deliveries/{0}/replay", uuid::Uuid::nil()),
            None,
            ADMIN,
        ),
        ep(M::GET, |_| "/v1/jobs".into(), None, &[Role::Admin, Role::Auditor]),
        ep(
            M::POST,
            |_| format!("/v1/jobs/{}/retry", uuid::Uuid::nil()),
            None,
            ADMIN,
        ),
        ep(M::GET, |_| "/v1/consultations".into(), None, CONSULTATION_READERS),
        ep(
            M::GET,
            |f| format!("/v1/applications/{}/consultation", f.application),
            None,
            CONSULTATION_READERS,
        ),
        ep(
            M::POST,
            |f| format!("/v1/applications/{}/consultation/views", f.application),
            Some(|| json!({"stance": "SUPPORT"})),
            &[Role::LabMember],
        ),
        ep(M::GET, |_| "/v1/public-holidays".into(), None, EVERYONE),
        ep(M::POST, |_| "/v1/public-holidays".into(), Some(unique_holiday), ADMIN),
        ep(
            M::POST,
            |_| "/v1/complaints".into(),
            Some(
                || json!({"received_on": "2026-03-01", "channel": "HOTLINE", "subject": "OTHER", "complainant_kind": "PUBLIC", "anonymous": true, "summary": "x", "employer_id": uuid::Uuid::nil()}),
            ),
            &[Role::Inspector],
        ),
        ep(M::GET, |_| "/v1/complaints".into(), None, INSPECTION_READERS),
        ep(
            M::GET,
            |f| format!("/v1/complaints/{}", f.complaint),
            None,
            INSPECTION_READERS,
        ),
        ep(
            M::POST,
            |f| format!("/v1/complaints/{}/status", f.complaint),
            Some(|| json!({"status": "SUBSTANTIATED"})),
            &[Role::Inspector],
        ),
        ep(
            M::POST,
            |_| "/v1/inspections".into(),
            Some(
                || json!({"employer_id": uuid::Uuid::nil(), "inspected_on": "2026-03-01", "findings": [{"subject": "OTHER", "breach": false, "description": "x"}]}),
            ),
            &[Role::Inspector],
        ),
        ep(M::GET, |_| "/v1/inspections".into(), None, INSPECTION_READERS),
        ep(
            M::GET,
            |f| format!("/v1/inspections/{}", f.inspection),
            None,
            INSPECTION_READERS,
        ),
        ep(
            M::POST,
            |f| format!("/v1/employers/{}/agency-authorisations", f.employer),
            Some(
                || json!({"agency": "A", "valid_from": "2026-01-01", "valid_until": "2026-12-31", "letter_document_id": uuid::Uuid::nil()}),
            ),
            EMPLOYER,
        ),
        ep(
            M::GET,
            |f| format!("/v1/employers/{}/agency-authorisations", f.employer),
            None,
            CASE_READERS,
        ),
        ep(
            M::DELETE,
            |f| {
                format!(
                    "/v1/employers/{}/agency-authorisations/{}",
                    f.employer,
                    uuid::Uuid::nil()
                )
            },
            None,
            EMPLOYER,
        ),
        ep(
            M::POST,
            |_| "/v1/immigration/events".into(),
            Some(
                || json!({"event_id": uuid::Uuid::new_v4(), "type": "VISA_ISSUED", "worker_id": uuid::Uuid::nil(), "occurred_on": "2026-03-01", "visa_number": "V-1"}),
            ),
            &[Role::Immd],
        ),
        ep(
            M::POST,
            |f| {
                format!(
                    "/v1/applications/{}/documents?kind=OTHER&file_name=a.pdf",
                    f.application
                )
            },
            None,
            CASE_WRITERS,
        ),
        ep(
            M::GET,
            |f| format!("/v1/applications/{}/documents", f.application),
            None,
            CASE_READERS,
        ),
        ep(
            M::POST,
            |f| format!("/v1/employers/{}/documents?kind=OTHER&file_name=a.pdf", f.employer),
            None,
            CASE_WRITERS,
        ),
        ep(
            M::GET,
            |f| format!("/v1/employers/{}/documents", f.employer),
            None,
            CASE_READERS,
        ),
        ep(
            M::POST,
            |f| {
                format!(
                    "/v1/workers/{}/documents?kind=SIGNED_CONTRACT&file_name=a.pdf",
                    f.worker
                )
            },
            None,
            CASE_WRITERS,
        ),
        ep(
            M::GET,
            |f| format!("/v1/workers/{}/documents", f.worker),
            None,
            CASE_READERS,
        ),
        ep(
            M::POST,
            |f| {
                format!(
                    "/v1/complaints/{}/documents?kind=COMPLAINT_EVIDENCE&file_name=a.pdf",
                    f.complaint
                )
            },
            None,
            &[Role::Inspector],
        ),
        ep(
            M::GET,
            |f| format!("/v1/complaints/{}/documents", f.complaint),
            None,
            INSPECTION_READERS,
        ),
        ep(
            M::GET,
            |f| format!("/v1/documents/{}", f.document),
            None,
            DOCUMENT_READERS,
        ),
        ep(
            M::GET,
            |f| format!("/v1/documents/{}/content", f.document),
            None,
            DOCUMENT_READERS,
        ),
    ]
}

async fn fixture(app: &TestApp) -> Fixture {
    let (case, approved_vacancy) = crate::workers::approved(app, "12345678", 1).await;
    let named = crate::workers::name(&case, &approved_vacancy, crate::workers::DOCUMENT).await;
    let worker = crate::workers::ok(&named, 201)["id"].as_str().unwrap().to_owned();
    let draft = app.create_draft(&case.employer_token).await;
    let inspector = app.token(Role::Inspector, None);
    let complaint = app
        .post(
            "/v1/complaints",
            &inspector,
            json!({"received_on": "2026-03-01", "channel": "HOTLINE", "subject": "DISPLACEMENT", "complainant_kind": "WORKER", "anonymous": false, "complainant_name": "Chan Tai Man", "summary": "Locals dismissed", "employer_id": case.employer}),
        )
        .await;
    assert_eq!(complaint.status, 201, "{}", String::from_utf8_lossy(&complaint.bytes));
    let complaint = complaint.json()["id"].as_str().unwrap().to_owned();
    let inspection = app
        .post(
            "/v1/inspections",
            &inspector,
            json!({"employer_id": case.employer, "complaint_id": complaint, "inspected_on": "2026-03-01", "findings": [{"subject": "DISPLACEMENT", "breach": true, "description": "Two locals replaced"}]}),
        )
        .await;
    assert_eq!(inspection.status, 201, "{}", String::from_utf8_lossy(&inspection.bytes));
    let document = app
        .upload(
            &format!(
                "/v1/employers/{}/documents?kind=LICENCE&file_name=licence.pdf",
                case.employer
            ),
            &case.employer_token,
            "application/pdf",
            crate::helpers::PDF,
        )
        .await;
    assert_eq!(document.status, 201, "{}", String::from_utf8_lossy(&document.bytes));
    Fixture {
        employer: case.employer,
        employer_token: case.employer_token.clone(),
        application: draft["id"].as_str().unwrap().to_owned(),
        vacancy: draft["vacancies"][0]["id"].as_str().unwrap().to_owned(),
        worker,
        complaint,
        inspection: inspection.json()["id"].as_str().unwrap().to_owned(),
        document: document.json()["id"].as_str().unwrap().to_owned(),
    }
}

/// Sends `endpoint`'s request as `token` (with `If-Match: *` on a PATCH).
async fn send(app: &TestApp, endpoint: &Endpoint, path: &str, token: &str) -> crate::helpers::TestResponse {
    let mut request = actix_web::test::TestRequest::default()
        .method(endpoint.method.clone())
        .uri(path)
        .insert_header(("authorization", format!("Bearer {token}")));
    if endpoint.method == Method::PATCH {
        request = request.insert_header(("if-match", "*"));
    }
    if let Some(body) = endpoint.body {
        request = request.set_json(body());
    }
    app.send(request).await
}

fn token_for(app: &TestApp, f: &Fixture, role: Role) -> String {
    if role == Role::Employer {
        f.employer_token.clone()
    } else {
        app.token(role, None)
    }
}

fn snapshot(app: &TestApp) -> (i64, i64, i64) {
    (
        app.count("SELECT count(*) AS n FROM audit_events"),
        app.count("SELECT count(*) AS n FROM employers"),
        app.count("SELECT count(*) AS n FROM applications"),
    )
}

#[actix_web::test]
async fn every_protected_endpoint_refuses_missing_garbage_expired_and_forged_tokens_with_401() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let before = snapshot(&app);
    let expired = {
        use jsonwebtoken::{EncodingKey, Header, encode};
        let now = jsonwebtoken::get_current_timestamp();
        let claims = json!({"sub": "x", "role": "caseworker", "iat": now - 7200, "exp": now - 3600, "iss": "sls-case", "aud": "sls-case-api"});
        encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(crate::helpers::TEST_SECRET.as_bytes()),
        )
        .unwrap()
    };
    let forged = sls_case::auth::JwtKeys::new(
        &secrecy::SecretString::from("another-secret-another-secret-0123456"),
        &crate::helpers::jwt_settings(),
    )
    .mint("x", Role::Caseworker, None, std::time::Duration::from_secs(60))
    .unwrap();
    for endpoint in endpoints() {
        let path = (endpoint.path)(&f);
        for token in [None, Some("garbage"), Some(expired.as_str()), Some(forged.as_str())] {
            let response = app
                .call(endpoint.method.clone(), &path, token, endpoint.body.map(|b| b()))
                .await;
            response.assert_problem(401, "unauthenticated");
            assert!(response.header("www-authenticate").unwrap().starts_with("Bearer"));
        }
    }
    assert_eq!(snapshot(&app), before);
    // A valid token from the same keys is accepted, so the refusals above are about the tokens.
    let valid = jwt_keys()
        .mint("x", Role::Caseworker, None, std::time::Duration::from_secs(60))
        .unwrap();
    assert_eq!(app.get("/v1/applications", &valid).await.status, 200);
}

#[actix_web::test]
async fn every_endpoint_refuses_each_role_not_allowed_with_403_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let before = snapshot(&app);
    for endpoint in endpoints() {
        let path = (endpoint.path)(&f);
        for role in Role::TOKEN_ROLES.into_iter().filter(|r| !endpoint.allowed.contains(r)) {
            let response = app
                .call(
                    endpoint.method.clone(),
                    &path,
                    Some(&token_for(&app, &f, role)),
                    endpoint.body.map(|b| b()),
                )
                .await;
            assert_eq!(response.status, 403, "{role} on {} {path}", endpoint.method);
            assert_eq!(response.content_type(), "application/problem+json");
        }
    }
    assert_eq!(snapshot(&app), before);
}

#[actix_web::test]
async fn every_allowed_role_gets_past_the_role_check_on_every_endpoint() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    for endpoint in endpoints() {
        let path = (endpoint.path)(&f);
        for &role in endpoint.allowed {
            let response = send(&app, &endpoint, &path, &token_for(&app, &f, role)).await;
            // Past the role check: the answer may still be a state or rule refusal, never 401/403/5xx.
            assert!(
                ![401, 403].contains(&response.status.as_u16()) && !response.status.is_server_error(),
                "{role} on {} {path}: {} {}",
                endpoint.method,
                response.status,
                String::from_utf8_lossy(&response.bytes)
            );
        }
    }
}

/// `token` (an employer user's) gets 404 from every endpoint naming this fixture's employer, case,
/// vacancy, worker or document, writes nothing, and never sees any of their ids (but the employer's,
/// when `employer_shown`: an agency of the employer sees it on the cases it may reach); returns how
/// many endpoints named them.
async fn reaches_nothing_of(app: &TestApp, f: &Fixture, token: &str, employer_shown: bool) -> usize {
    let theirs = [
        f.employer.to_string(),
        f.application.clone(),
        f.vacancy.clone(),
        f.worker.clone(),
        f.document.clone(),
    ];
    let hidden = if employer_shown { &theirs[1..] } else { &theirs[..] };
    let mut refused = 0;
    for endpoint in endpoints().iter().filter(|e| e.allowed.contains(&Role::Employer)) {
        let path = (endpoint.path)(f);
        let before = snapshot(app);
        let response = send(app, endpoint, &path, token).await;
        let body = String::from_utf8_lossy(&response.bytes);
        for id in hidden {
            assert!(
                !body.contains(id.as_str()),
                "{} {path} showed {id}: {body}",
                endpoint.method
            );
        }
        if theirs.iter().any(|id| path.contains(id.as_str())) {
            // Not theirs: as if it did not exist, and nothing written.
            assert_eq!(response.status, 404, "{} {path}: {body}", endpoint.method);
            assert_eq!(snapshot(app), before, "{} {path} wrote", endpoint.method);
            refused += 1;
        }
    }
    refused
}

#[actix_web::test]
async fn another_employer_reaches_nothing_of_this_employer_s_through_any_endpoint() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let (_, other) = app.employer_with_token("87654321").await;
    let refused = reaches_nothing_of(&app, &f, &other, false).await;
    assert!(refused >= 37, "{refused} endpoints name this employer's data");
}

#[actix_web::test]
async fn an_agency_reaches_only_the_applications_it_is_authorised_for_through_any_endpoint() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    // Authorised for another application of the same employer only: this case, its worker, the
    // employer's own records and documents are all out of reach.
    let other_case = app.create_draft(&f.employer_token).await;
    let other_case = other_case["id"].as_str().unwrap().to_owned();
    app.authorise_agency(f.employer, "Harbour Staffing", Some(vec![other_case.clone()]))
        .await;
    let agent = app.agency_token("agent-ho", f.employer, "Harbour Staffing");
    let refused = reaches_nothing_of(&app, &f, &agent, true).await;
    assert!(refused >= 37, "{refused} endpoints name this employer's data");
    // What it is authorised for, it reaches; its list holds that case alone.
    let listed = app.get("/v1/applications", &agent).await.json();
    let ids: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![other_case.as_str()]);
    assert_eq!(
        app.get(&format!("/v1/applications/{other_case}"), &agent).await.status,
        200
    );
    // Another agency's user, and this agency under another name, reach nothing at all.
    let stranger = app.agency_token("agent-x", f.employer, "Harbour Staffing Limited");
    assert_eq!(
        app.get(&format!("/v1/applications/{other_case}"), &stranger)
            .await
            .status,
        404
    );
    assert_eq!(app.get("/v1/applications", &stranger).await.json()["items"], json!([]));
}

#[actix_web::test]
async fn every_operation_of_the_openapi_document_has_its_row_in_the_matrix() {
    let app = TestApp::spawn().await;
    let document = app.call(Method::GET, "/openapi.json", None, None).await.json();
    let f = Fixture {
        employer: sls_case::domain::EmployerId(uuid::Uuid::nil()),
        employer_token: String::new(),
        application: "A".into(),
        vacancy: "V".into(),
        worker: "W".into(),
        complaint: "C".into(),
        inspection: "I".into(),
        document: "D".into(),
    };
    let rows: Vec<(String, String)> = endpoints()
        .iter()
        .map(|e| {
            (
                e.method.as_str().to_lowercase(),
                (e.path)(&f).split('?').next().unwrap().to_owned(),
            )
        })
        .collect();
    let matches = |template: &str, path: &str| {
        let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
        t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| t.starts_with('{') || t == p)
    };
    let mut missing = Vec::new();
    for (template, item) in document["paths"].as_object().unwrap() {
        if !template.starts_with("/v1/") {
            continue; // health, readiness and metrics: no token at all
        }
        for method in item.as_object().unwrap().keys() {
            if !rows.iter().any(|(m, p)| m == method && matches(template, p)) {
                missing.push(format!("{method} {template}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "operations without a row in the access matrix: {missing:#?}"
    );
}
