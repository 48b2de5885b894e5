//! No personal data in the logs at any level: a whole case, from registration to a worker's wages and
//! separation, run with the service's own subscriber at `debug` and at `trace` (what an operator
//! would set with `RUST_LOG`), and the captured lines searched for every personal value sent.

use std::sync::{Arc, Mutex};

use serde_json::json;
use sls_case::config::LogFormat;
use sls_case::domain::Role;
use tracing_subscriber::fmt::MakeWriter;

use crate::helpers::TestApp;
use crate::workers::{DOCUMENT, approved, arrived_worker, ok, record};

/// Everything the subscriber writes, kept in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'w> MakeWriter<'w> for Captured {
    type Writer = Captured;

    fn make_writer(&'w self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Runs a case to a worker's separation and returns the tokens it used.
async fn whole_case(app: &TestApp) -> Vec<String> {
    let (case, vacancy) = approved(app, "90000001", 1).await;
    let worker = arrived_worker(&case, &vacancy).await;
    app.set_today("2026-06-10");
    let briefing =
        json!({"session_ref": "BR-1", "session_on": "2026-05-02", "attended": true, "paid_leave_confirmed": true});
    ok(
        &record(&case, &case.caseworker, &worker, "briefing", briefing).await,
        201,
    );
    let wages = json!({"month": "2026-05", "gross_hkd": 14000, "net_hkd": 14000, "autopay_ref": "HSBC autopay 0042", "paid_on": "2026-06-05"});
    ok(
        &record(&case, &case.employer_token, &worker, "wage-payments", wages).await,
        201,
    );
    ok(
        &app.get(&format!("/v1/workers/{worker}"), &case.employer_token).await,
        200,
    );
    let separation = json!({"type": "RESIGNATION", "on": "2026-06-09", "departure_confirmed": true});
    ok(
        &record(&case, &case.employer_token, &worker, "separation", separation).await,
        200,
    );
    let auditor = app.token(Role::Auditor, None);
    ok(
        &app.get(&format!("/v1/audit/events?application_id={}", case.id), &auditor)
            .await,
        200,
    );
    // A refused request too: its problem names the field, the log must not quote the value.
    let bad = json!({"vacancy_id": vacancy, "full_name": "DELA CRUZ, Maria", "travel_document_number": DOCUMENT,
                     "nationality": "DELA CRUZ, Maria", "date_of_birth": "1990-05-17"});
    app.post(
        &format!("/v1/applications/{}/workers", case.id),
        &case.employer_token,
        bad,
    )
    .await
    .assert_invalid_field("nationality");
    vec![case.employer_token, case.caseworker, case.approver, auditor]
}

#[actix_web::test]
async fn a_whole_case_with_a_worker_logs_no_personal_data_at_debug_or_trace() {
    // The driver logs through the `log` crate: bridge it, as `telemetry::init` does.
    let _ = tracing_log::LogTracer::init();
    for level in [
        "debug",
        "trace",
        "trace,tokio_postgres=trace,tokio_postgres::query=trace",
    ] {
        let captured = Captured::default();
        let subscriber = sls_case::telemetry::subscriber(LogFormat::Json, level, captured.clone(), false);
        let _guard = tracing::subscriber::set_default(subscriber);
        let app = TestApp::spawn().await;
        let tokens = whole_case(&app).await;
        drop(app);
        let logs = captured.text();
        // The logs were written: every request finished, every change was recorded.
        assert!(logs.matches("request finished").count() > 20, "{level}: {logs}");
        assert!(logs.contains("change recorded"), "{level}");
        let personal = [
            "DELA CRUZ",
            &DOCUMENT[1..],
            "1990-05-17",
            "Golden Harbour",
            "金港",
            "Harbour Road",
            "Shanghai Street",
            "HSBC autopay",
        ];
        for value in personal.iter().copied().chain(tokens.iter().map(String::as_str)) {
            // As text, or as the driver prints a bound parameter: its bytes, `[68, 69, 76, …]`.
            let bytes = value.bytes().map(|b| b.to_string()).collect::<Vec<_>>().join(", ");
            let line = logs.lines().find(|line| line.contains(value) || line.contains(&bytes));
            assert!(
                line.is_none(),
                "{level}: {value:?} logged in {}",
                line.unwrap_or_default()
            );
        }
    }
}

#[actix_web::test]
async fn each_request_is_one_json_line_with_its_id_method_route_status_and_latency() {
    let captured = Captured::default();
    let subscriber = sls_case::telemetry::subscriber(LogFormat::Json, "info", captured.clone(), false);
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = TestApp::spawn().await;
    let request = actix_web::test::TestRequest::get()
        .uri("/v1/employers/00000000-0000-4000-8000-000000000001")
        .insert_header(("x-request-id", "trace-me-1"))
        .insert_header(("authorization", format!("Bearer {}", app.token(Role::Caseworker, None))));
    assert_eq!(app.send(request).await.status, 404);
    let logs = captured.text();
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .filter(|l: &serde_json::Value| l["message"] == "request finished")
        .collect();
    assert_eq!(lines.len(), 1, "{logs}");
    let line = &lines[0];
    assert_eq!(line["span"]["request_id"], "trace-me-1");
    assert_eq!(line["span"]["method"], "GET");
    assert_eq!(line["span"]["route"], "/v1/employers/{id}");
    assert_eq!(line["span"]["status"], 404);
    assert!(line["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{line}");
    assert!(
        line.get("spans").is_none(),
        "the request's fields once, not twice: {line}"
    );
    assert!(!logs.contains('\u{1b}'), "no colours when not a terminal");
}
