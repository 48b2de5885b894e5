//! Notifications in the inbox (read/unread, English or Traditional Chinese), webhooks delivered to a
//! real receiver on 127.0.0.1 (signed, retried with backoff, dead-lettered, replayed, never twice),
//! and work queues (claim, assign, release, bulk, my/unassigned/breached).

use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};
use sls_case::domain::Role;

use crate::helpers::TestApp;
use crate::workflow::{Case, dishwashers, publish_wage_table};

async fn submitted<'a>(app: &'a TestApp, brn: &str) -> Case<'a> {
    publish_wage_table(app).await;
    let case = Case::draft(app, brn, 10, vec![dishwashers(1, 14000)]).await;
    case.ok(&case.employer_token, "submit").await;
    case
}

/// What the receiver got: (signature header, delivery id header, body).
type Received = Arc<Mutex<Vec<(String, String, Vec<u8>)>>>;

/// A webhook receiver on 127.0.0.1 that answers 500 to its first `failures` requests, then 204.
fn receiver(failures: usize) -> (String, Received, actix_web::dev::ServerHandle) {
    let received: Received = Arc::default();
    let seen = received.clone();
    let server = HttpServer::new(move || {
        let seen = seen.clone();
        App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
            let seen = seen.clone();
            async move {
                let header = |name: &str| {
                    req.headers()
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned()
                };
                let mut all = seen.lock().unwrap();
                all.push((header("sls-signature"), header("sls-delivery-id"), body.to_vec()));
                if all.len() <= failures {
                    HttpResponse::InternalServerError().finish()
                } else {
                    HttpResponse::NoContent().finish()
                }
            }
        }))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let address = server.addrs()[0];
    let running = server.run();
    let handle = running.handle();
    actix_web::rt::spawn(running);
    (format!("http://{address}/hooks/esls"), received, handle)
}

/// Runs the job queue until `done` holds (waiting out the test backoff), at most ~5 s.
async fn run_jobs_until(app: &TestApp, done: impl Fn() -> bool) {
    let runner = app.runner();
    for _ in 0..100 {
        runner.drain().await.unwrap();
        if done() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the jobs did not finish");
}

fn verify(secret: &str, signature: &str, body: &[u8]) -> bool {
    let (t, _) = signature.trim_start_matches("t=").split_once(',').unwrap();
    sls_case::workflow::webhooks::signature(secret, t.parse().unwrap(), body) == signature
}

#[actix_web::test]
async fn a_webhook_gets_each_notification_signed_after_retries_and_never_twice() {
    let app = TestApp::spawn().await;
    let case = submitted(&app, "43000001").await;
    let (url, received, server) = receiver(2);
    let registered = app
        .post(
            "/v1/webhooks",
            &case.employer_token,
            json!({"url": url, "language": "zh-HK"}),
        )
        .await;
    assert_eq!(registered.status, 201, "{}", String::from_utf8_lossy(&registered.bytes));
    let hook = registered.json();
    let secret = hook["secret"].as_str().unwrap().to_owned();
    let hook_id = hook["id"].as_str().unwrap().to_owned();
    // The secret is shown once.
    let listed = app.get("/v1/webhooks", &case.employer_token).await.json();
    assert!(listed["items"][0].get("secret").is_none());

    case.act(&case.caseworker, "request-info", json!({"message": "MPF please"}))
        .await;
    run_jobs_until(&app, || received.lock().unwrap().len() >= 3).await;
    // Nothing more after the success, however often the queue runs.
    for _ in 0..3 {
        app.runner().drain().await.unwrap();
    }
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 3, "two failures, then one success, and nothing after it");
    for (signature, delivery, body) in &got {
        assert!(verify(&secret, signature, body), "signature {signature}");
        assert_eq!(delivery, &got[0].1, "the same delivery each time");
    }
    assert!(!verify("whsec_wrong", &got[2].0, &got[2].2));
    let body: Value = serde_json::from_slice(&got[2].2).unwrap();
    assert_eq!(body["kind"], "information_requested");
    assert_eq!(body["language"], "zh-HK");
    assert!(body["body"].as_str().unwrap().contains("補充資料"), "{body}");

    let history = app
        .get(&format!("/v1/webhooks/{hook_id}"), &case.employer_token)
        .await
        .json();
    let delivery = &history["deliveries"][0];
    assert_eq!(delivery["state"], "DELIVERED");
    let statuses: Vec<Value> = delivery["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status_code"].clone())
        .collect();
    assert_eq!(statuses, [json!(500), json!(500), json!(204)]);
    // Another employer finds nothing of it.
    let (_, other) = app.employer_with_token("43000002").await;
    assert_eq!(app.get(&format!("/v1/webhooks/{hook_id}"), &other).await.status, 404);
    server.stop(true).await;
}

#[actix_web::test]
async fn a_delivery_out_of_attempts_is_dead_lettered_and_an_administrator_replays_it() {
    let app = TestApp::spawn().await;
    let case = submitted(&app, "43000003").await;
    let (url, received, server) = receiver(8);
    let hook = app
        .post("/v1/webhooks", &case.employer_token, json!({"url": url}))
        .await
        .json();
    let hook_id = hook["id"].as_str().unwrap().to_owned();
    case.act(&case.caseworker, "request-info", json!({"message": "MPF please"}))
        .await;
    let dead = || app.count("SELECT count(*) AS n FROM webhook_deliveries WHERE state = 'DEAD'") == 1;
    run_jobs_until(&app, dead).await;
    assert_eq!(received.lock().unwrap().len(), 8);
    let history = app
        .get(&format!("/v1/webhooks/{hook_id}"), &app.token(Role::Admin, None))
        .await
        .json();
    let delivery = history["deliveries"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(history["deliveries"][0]["state"], "DEAD");
    let failed_jobs = app
        .get("/v1/jobs?state=FAILED", &app.token(Role::Admin, None))
        .await
        .json();
    assert_eq!(failed_jobs["items"][0]["kind"], "webhook_delivery");

    let path = format!("/v1/webhooks/{hook_id}/deliveries/{delivery}/replay");
    assert_eq!(app.post(&path, &case.employer_token, json!(null)).await.status, 403);
    let replayed = app.post(&path, &app.token(Role::Admin, None), json!(null)).await;
    assert_eq!(replayed.status, 202, "{}", String::from_utf8_lossy(&replayed.bytes));
    run_jobs_until(&app, || received.lock().unwrap().len() >= 9).await;
    app.runner().drain().await.unwrap();
    assert_eq!(received.lock().unwrap().len(), 9);
    let history = app
        .get(&format!("/v1/webhooks/{hook_id}"), &case.employer_token)
        .await
        .json();
    assert_eq!(history["deliveries"][0]["state"], "DELIVERED");
    assert_eq!(history["deliveries"][0]["history"].as_array().unwrap().len(), 9);
    assert_eq!(
        app.post(&path, &app.token(Role::Admin, None), json!(null)).await.status,
        409
    );
    assert_eq!(app.audit_count("webhook.delivery_replayed"), 1);
    server.stop(true).await;
}

#[actix_web::test]
async fn webhook_urls_must_be_absolute_http_urls_without_credentials() {
    let app = TestApp::spawn().await;
    let (_, employer) = app.employer_with_token("43000004").await;
    for url in [
        "ftp://example.com/x",
        "not a url",
        "https://user:pw@example.com/",
        "/relative",
    ] {
        let refused = app.post("/v1/webhooks", &employer, json!({"url": url})).await;
        refused.assert_invalid_field("url");
    }
    // Left out, the language is English; `null` is not a language (schemathesis found it accepted).
    let null_language = app
        .post(
            "/v1/webhooks",
            &employer,
            json!({"url": "https://hooks.example.com/", "language": null}),
        )
        .await;
    null_language.assert_invalid_field("language");
    assert_eq!(app.count("SELECT count(*) AS n FROM webhooks"), 0);
    // The cursor is a notification's position: 0 is a valid (empty) page, not an error.
    let page = app.get("/v1/notifications?cursor=0", &employer).await;
    assert_eq!(page.status, 200, "{}", String::from_utf8_lossy(&page.bytes));
}

#[actix_web::test]
async fn notices_read_in_the_employer_s_language_or_the_one_asked_for_and_are_marked_read() {
    let app = TestApp::spawn().await;
    let case = submitted(&app, "43000005").await;
    case.act(&case.caseworker, "request-info", json!({"message": "MPF please"}))
        .await;
    let english = app.get("/v1/notifications", &case.employer_token).await.json();
    assert_eq!(english["unread"], 1);
    let notice = &english["items"][0];
    assert_eq!(notice["language"], "en");
    assert!(notice["body"].as_str().unwrap().contains("2026-03-16"), "{notice}");

    let chinese = app
        .send(
            actix_web::test::TestRequest::get()
                .uri("/v1/notifications")
                .insert_header(("authorization", format!("Bearer {}", case.employer_token)))
                .insert_header(("accept-language", "zh-HK, en;q=0.5")),
        )
        .await
        .json();
    assert_eq!(chinese["items"][0]["language"], "zh-HK");
    assert!(chinese["items"][0]["title"].as_str().unwrap().contains("要求補交資料"));

    let id = notice["id"].as_str().unwrap();
    let (_, other) = app.employer_with_token("43000006").await;
    let refused = app
        .send(
            actix_web::test::TestRequest::patch()
                .uri(&format!("/v1/notifications/{id}"))
                .insert_header(("authorization", format!("Bearer {other}")))
                .set_json(json!({"read": true})),
        )
        .await;
    assert_eq!(refused.status, 404);
    let read = app
        .send(
            actix_web::test::TestRequest::patch()
                .uri(&format!("/v1/notifications/{id}"))
                .insert_header(("authorization", format!("Bearer {}", case.employer_token)))
                .set_json(json!({"read": true})),
        )
        .await;
    assert_eq!(read.status, 200, "{}", String::from_utf8_lossy(&read.bytes));
    assert_eq!(read.json()["read"], true);
    let after = app
        .get("/v1/notifications?unread=true", &case.employer_token)
        .await
        .json();
    assert_eq!(
        (after["unread"].clone(), after["items"].as_array().unwrap().len()),
        (json!(0), 0)
    );
    assert_eq!(app.audit_count("notification.read"), 1);

    // An employer registered with Chinese as its language reads Chinese by default.
    let admin = app.token(Role::Caseworker, None);
    let mut body = crate::helpers::employer_body("43000007");
    body["preferred_language"] = json!("zh-HK");
    let created = app.post("/v1/employers", &admin, body).await;
    assert_eq!(created.status, 201, "{}", String::from_utf8_lossy(&created.bytes));
    assert_eq!(created.json()["preferred_language"], "zh-HK");
}

#[actix_web::test]
async fn caseworkers_claim_and_release_their_own_cases_and_a_lead_assigns_any_in_bulk() {
    let app = TestApp::spawn().await;
    let first = submitted(&app, "44000001").await;
    let second = first.another(vec![dishwashers(1, 14000)], "RENEWAL").await;
    second.ok(&second.employer_token, "submit").await;
    let other_cw = app.token_for("cw-wong", Role::Caseworker, None);
    let assignment = |case: &Case| format!("/v1/applications/{}/assignment", case.id);

    let claimed = app
        .send(
            actix_web::test::TestRequest::put()
                .uri(&assignment(&first))
                .insert_header(("authorization", format!("Bearer {}", first.caseworker)))
                .set_json(json!({"assignee": "cw-chan"})),
        )
        .await;
    assert_eq!(claimed.status, 200, "{}", String::from_utf8_lossy(&claimed.bytes));
    assert_eq!(claimed.json()["assignee"], "cw-chan");
    // Another caseworker may neither take it nor release it; nor claim for someone else.
    let put_as = |token: &str, case: &Case, who: &str| {
        actix_web::test::TestRequest::put()
            .uri(&assignment(case))
            .insert_header(("authorization", format!("Bearer {token}")))
            .set_json(json!({"assignee": who}))
    };
    assert_eq!(app.send(put_as(&other_cw, &first, "cw-wong")).await.status, 409);
    assert_eq!(app.send(put_as(&other_cw, &second, "cw-chan")).await.status, 403);
    let release_as = |token: &str, case: &Case| {
        actix_web::test::TestRequest::delete()
            .uri(&assignment(case))
            .insert_header(("authorization", format!("Bearer {token}")))
    };
    assert_eq!(app.send(release_as(&other_cw, &first)).await.status, 403);
    // The employer never sees who has it.
    let seen = app
        .get(&format!("/v1/applications/{}", first.id), &first.employer_token)
        .await
        .json();
    assert!(seen.get("assignee").is_none(), "{seen}");

    let queue = app.get("/v1/queue", &first.caseworker).await.json();
    assert_eq!(queue["counts"], json!({"mine": 1, "unassigned": 1, "breached": 0}));
    assert_eq!(queue["items"][0]["id"], first.id.as_str());
    let unassigned = app.get("/v1/queue?view=unassigned", &other_cw).await.json();
    assert_eq!(unassigned["items"][0]["id"], second.id.as_str());

    assert_eq!(app.send(release_as(&first.caseworker, &first)).await.status, 200);
    assert_eq!(app.send(release_as(&first.caseworker, &first)).await.status, 409);

    // The lead assigns both to cw-wong, who is told.
    let bulk = app
        .post(
            "/v1/assignments",
            &first.approver,
            json!({"application_ids": [first.id, second.id], "assignee": "cw-wong"}),
        )
        .await;
    assert_eq!(bulk.status, 200, "{}", String::from_utf8_lossy(&bulk.bytes));
    let mine = app.get("/v1/queue?view=mine", &other_cw).await.json();
    assert_eq!(mine["counts"]["mine"], 2);
    let told = app.get("/v1/notifications", &other_cw).await.json();
    assert_eq!(told["unread"], 2);
    assert_eq!(
        app.get("/v1/applications?assignee=me", &other_cw).await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // All or none: one case already theirs stops the whole bulk.
    let again = app
        .post(
            "/v1/assignments",
            &first.approver,
            json!({"application_ids": [first.id], "assignee": "cw-wong"}),
        )
        .await;
    assert_eq!(again.status, 409);
    assert_eq!(app.audit_count("application.assigned"), 3);
    assert_eq!(app.audit_count("application.released"), 1);

    // Breached: past the processing target (submitted 2026-03-02, due 2026-05-31).
    app.set_today("2026-06-01");
    app.sweep().await;
    let breached = app.get("/v1/queue?view=breached", &other_cw).await.json();
    assert_eq!(breached["counts"]["breached"], 2);
    assert_eq!(
        app.get("/v1/applications?breached=true", &first.caseworker)
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        told_kinds(&app, &other_cw)
            .await
            .iter()
            .filter(|k| *k == "sla_breached")
            .count(),
        2
    );
}

async fn told_kinds(app: &TestApp, token: &str) -> Vec<String> {
    app.get("/v1/notifications", token).await.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn bad_input_to_the_new_endpoints_is_400_naming_the_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let case = submitted(&app, "45000001").await;
    let before = app.count("SELECT count(*) AS n FROM audit_events");
    let send = |method: actix_web::http::Method, uri: String, token: &str, body: Option<Value>| {
        let mut request = actix_web::test::TestRequest::default()
            .method(method)
            .uri(&uri)
            .insert_header(("authorization", format!("Bearer {token}")));
        if let Some(body) = body {
            request = request.set_json(body);
        }
        request
    };
    use actix_web::http::Method as M;
    let assignment = format!("/v1/applications/{}/assignment", case.id);
    for (method, uri, token, body, field) in [
        (
            M::PUT,
            assignment.clone(),
            case.caseworker.clone(),
            Some(json!({"assignee": "  "})),
            "assignee",
        ),
        (
            M::PUT,
            assignment.clone(),
            case.caseworker.clone(),
            Some(json!({"assignee": "cw-chan", "x": 1})),
            "x",
        ),
        (
            M::PUT,
            "/v1/applications/nope/assignment".to_owned(),
            case.caseworker.clone(),
            Some(json!({"assignee": "cw-chan"})),
            "id",
        ),
        (
            M::POST,
            "/v1/assignments".to_owned(),
            case.approver.clone(),
            Some(json!({"application_ids": [], "assignee": "cw"})),
            "application_ids",
        ),
        (
            M::POST,
            "/v1/assignments".to_owned(),
            case.approver.clone(),
            Some(json!({"application_ids": ["nope"], "assignee": "cw"})),
            "application_ids[0]",
        ),
        (
            M::PATCH,
            format!("/v1/notifications/{}", uuid::Uuid::nil()),
            case.employer_token.clone(),
            Some(json!({"read": "yes"})),
            "read",
        ),
        (
            M::GET,
            "/v1/queue?view=everything".to_owned(),
            case.caseworker.clone(),
            None,
            "view",
        ),
        (
            M::GET,
            "/v1/notifications?cursor=abc".to_owned(),
            case.employer_token.clone(),
            None,
            "cursor",
        ),
        (
            M::GET,
            "/v1/jobs?state=DONE".to_owned(),
            app.token(Role::Admin, None),
            None,
            "state",
        ),
        (
            M::POST,
            "/v1/webhooks".to_owned(),
            case.employer_token.clone(),
            Some(json!({"url": "https://x.example.com/", "language": "fr"})),
            "language",
        ),
    ] {
        let response = app.send(send(method.clone(), uri.clone(), &token, body)).await;
        assert_eq!(
            response.status,
            400,
            "{method} {uri}: {}",
            String::from_utf8_lossy(&response.bytes)
        );
        assert!(
            response.invalid_fields().iter().any(|f| f.starts_with(field)),
            "{method} {uri} names {:?}, not {field}",
            response.invalid_fields()
        );
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM audit_events"), before);
    assert_eq!(app.count("SELECT count(*) AS n FROM webhooks"), 0);
}
