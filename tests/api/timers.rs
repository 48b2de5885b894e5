//! The timers of the scheme, driven by the service clock: each fires on its day and not the day
//! before, once however often the sweep runs, once after downtime, through the same use cases and
//! audit trail as a person's change (actor role `system`), and tells whoever must act.

use serde_json::{Value, json};
use sls_case::domain::Role;

use crate::helpers::TestApp;
use crate::workers::{approved, arrived_worker};
use crate::workflow::{Case, dishwashers, publish_wage_table};

fn fired(report: &sls_case::workflow::timers::SweepReport, timer: &str) -> u32 {
    report.fired.get(timer).copied().unwrap_or(0)
}

/// A submitted case whose caseworker asked for information on 2026-03-02 (due 2026-03-16).
async fn awaiting_information<'a>(app: &'a TestApp, brn: &str) -> Case<'a> {
    publish_wage_table(app).await;
    information_requested(app, brn).await
}

/// As [`awaiting_information`], the wage table already published.
async fn information_requested<'a>(app: &'a TestApp, brn: &str) -> Case<'a> {
    let case = Case::draft(app, brn, 10, vec![dishwashers(1, 14000)]).await;
    case.ok(&case.employer_token, "submit").await;
    let asked = case
        .act(
            &case.caseworker,
            "request-info",
            json!({"message": "MPF statements please"}),
        )
        .await;
    assert_eq!(asked.status, 200, "{}", String::from_utf8_lossy(&asked.bytes));
    case
}

async fn notifications(app: &TestApp, token: &str) -> Vec<Value> {
    let response = app.get("/v1/notifications", token).await;
    assert_eq!(response.status, 200, "{}", String::from_utf8_lossy(&response.bytes));
    response.json()["items"].as_array().unwrap().clone()
}

fn kinds(items: &[Value]) -> Vec<String> {
    items.iter().map(|n| n["kind"].as_str().unwrap().to_owned()).collect()
}

#[actix_web::test]
async fn an_unanswered_request_is_reminded_after_its_due_date_then_the_case_closes_for_no_response() {
    let app = TestApp::spawn().await;
    let case = awaiting_information(&app, "41000001").await;
    assert_eq!(
        kinds(&notifications(&app, &case.employer_token).await),
        ["information_requested"]
    );

    app.set_today("2026-03-16"); // the due date: nothing yet
    let report = app.sweep().await;
    assert_eq!((fired(&report, "info_reminder"), fired(&report, "info_close")), (0, 0));

    app.set_today("2026-03-17"); // the day after: reminder 1 of 2
    assert_eq!(fired(&app.sweep().await, "info_reminder"), 1);
    assert_eq!(
        fired(&app.sweep().await, "info_reminder"),
        0,
        "running twice fires nothing twice"
    );
    let reminders = notifications(&app, &case.employer_token).await;
    assert_eq!(reminders[0]["kind"], "information_reminder");
    assert_eq!(reminders[0]["facts"]["reminder"], 1);
    assert_eq!(reminders[0]["facts"]["closes_on"], "2026-03-31");

    app.set_today("2026-03-24"); // one interval later: reminder 2
    assert_eq!(fired(&app.sweep().await, "info_reminder"), 1);
    app.set_today("2026-03-30"); // the day before closure
    let report = app.sweep().await;
    assert_eq!((fired(&report, "info_reminder"), fired(&report, "info_close")), (0, 0));
    assert_eq!(case.get().await["status"], "INFO_REQUESTED");

    app.set_today("2026-03-31"); // closure
    assert_eq!(fired(&app.sweep().await, "info_close"), 1);
    assert_eq!(case.get().await["status"], "CLOSED_NO_RESPONSE");
    assert_eq!(fired(&app.sweep().await, "info_close"), 0);

    // The service's own step, in the case's history and hash chain, with its rule.
    let history = app
        .get(&format!("/v1/applications/{}/history", case.id), &case.caseworker)
        .await
        .json();
    let events = history["items"].as_array().unwrap();
    let closed: Vec<&Value> = events
        .iter()
        .filter(|e| e["action"] == "application.close_no_response")
        .collect();
    assert_eq!(closed.len(), 1, "{history}");
    assert_eq!(closed[0]["actor"]["role"], "system");
    assert_eq!(app.audit_count("timer.info_reminder"), 2);
    assert_eq!(
        kinds(&notifications(&app, &case.employer_token).await)[0],
        "closed_no_response"
    );
    let verified = app
        .get("/v1/audit/verify", &app.token(Role::Auditor, None))
        .await
        .json();
    assert_eq!(verified["intact"], true, "{verified}");
}

#[actix_web::test]
async fn a_service_stopped_for_weeks_closes_the_case_once_without_sending_stale_reminders() {
    let app = TestApp::spawn().await;
    let case = awaiting_information(&app, "41000002").await;
    app.set_today("2026-05-01");
    let report = app.sweep().await;
    assert_eq!((fired(&report, "info_reminder"), fired(&report, "info_close")), (0, 1));
    assert_eq!(case.get().await["status"], "CLOSED_NO_RESPONSE");
    assert_eq!(app.sweep().await.total_fired(), 0, "a second sweep finds nothing new");
}

#[actix_web::test]
async fn an_answer_stops_the_timers_and_moves_the_sla_due_date_by_the_pause() {
    let app = TestApp::spawn().await;
    let case = awaiting_information(&app, "41000003").await;
    app.set_today("2026-03-12");
    let answered = case
        .act(&case.employer_token, "respond", json!({"message": "Attached"}))
        .await;
    assert_eq!(answered.status, 200);
    app.set_today("2026-04-30");
    let report = app.sweep().await;
    assert_eq!((fired(&report, "info_reminder"), fired(&report, "info_close")), (0, 0));
    // Submitted 2026-03-02 + 90 days + 10 days paused.
    let listed = app.get("/v1/applications?sort=sla_due", &case.caseworker).await.json();
    assert_eq!(listed["items"][0]["sla_due_on"], "2026-06-10");
    app.set_today("2026-06-10");
    assert_eq!(fired(&app.sweep().await, "sla_breach"), 0, "not on the due date");
    app.set_today("2026-06-11");
    assert_eq!(fired(&app.sweep().await, "sla_breach"), 1);
    assert_eq!(case.get().await["sla_breached_on"], "2026-06-11");
    assert_eq!(fired(&app.sweep().await, "sla_breach"), 0);
}

#[actix_web::test]
async fn the_sla_clock_does_not_breach_while_an_information_request_is_open() {
    let app = TestApp::spawn().await;
    let case = awaiting_information(&app, "41000004").await;
    // Keep the request open past the target: the reminders' policy is lengthened first.
    let admin = app.token(Role::Admin, None);
    for (key, value) in [("rfi_reminders", 50), ("rfi_reminder_interval_days", 30)] {
        let set = app
            .post(
                "/v1/policy",
                &admin,
                json!({"key": key, "value": value, "effective_from": "2026-01-01", "confidence": "assumption", "source_note": "test"}),
            )
            .await;
        assert_eq!(set.status, 201, "{}", String::from_utf8_lossy(&set.bytes));
    }
    app.set_today("2026-07-01");
    assert_eq!(fired(&app.sweep().await, "sla_breach"), 0);
    assert_eq!(case.get().await["sla"]["paused"], true);
}

#[actix_web::test]
async fn places_are_reminded_before_the_aip_deadline_lapse_the_day_after_and_the_approval_lapses() {
    let app = TestApp::spawn().await;
    let (case, _) = approved(&app, "41000005", 2).await; // decided 2026-03-30: deadline 2026-06-30
    app.set_today("2026-06-15");
    assert_eq!(
        fired(&app.sweep().await, "aip_deadline_approaching"),
        0,
        "15 days before"
    );
    app.set_today("2026-06-16");
    assert_eq!(
        fired(&app.sweep().await, "aip_deadline_approaching"),
        1,
        "14 days before"
    );
    let notice = &notifications(&app, &case.employer_token).await[0];
    assert_eq!(notice["kind"], "aip_deadline_approaching");
    assert_eq!(notice["facts"]["unfilled_places"], 2);

    app.set_today("2026-06-30");
    let report = app.sweep().await;
    assert_eq!((fired(&report, "place_lapse"), fired(&report, "case_closure")), (0, 0));
    assert_eq!(case.get().await["status"], "APPROVED");

    app.set_today("2026-07-01");
    let report = app.sweep().await;
    assert_eq!((fired(&report, "place_lapse"), fired(&report, "case_closure")), (2, 1));
    assert_eq!(case.get().await["status"], "LAPSED");
    let places = app
        .get(&format!("/v1/applications/{}/workers", case.id), &case.caseworker)
        .await
        .json();
    let states: Vec<&str> = places["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["EXPIRED", "EXPIRED"]);
    assert_eq!(app.sweep().await.total_fired(), 0);
    assert_eq!(app.audit_count("application.lapse"), 1);
}

#[actix_web::test]
async fn a_briefing_is_overdue_the_day_after_its_due_date_and_a_contract_end_is_told_before_it() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "41000006", 1).await;
    let worker = arrived_worker(&case, &vacancy).await; // arrived 2026-04-30: briefing due 2026-06-25
    app.set_today("2026-06-25");
    assert_eq!(fired(&app.sweep().await, "briefing_overdue"), 0);
    app.set_today("2026-06-26");
    assert_eq!(fired(&app.sweep().await, "briefing_overdue"), 1);
    assert_eq!(fired(&app.sweep().await, "briefing_overdue"), 0);
    let notice = &notifications(&app, &case.employer_token).await[0];
    assert_eq!(notice["kind"], "briefing_overdue");
    assert_eq!(notice["worker_id"], worker.as_str());

    // The contract ends 2028-04-30; policy tells 30 days before.
    app.set_today("2028-03-30");
    assert_eq!(fired(&app.sweep().await, "contract_ending"), 0);
    app.set_today("2028-03-31");
    assert_eq!(fired(&app.sweep().await, "contract_ending"), 1);
    assert_eq!(fired(&app.sweep().await, "contract_ending"), 0);
    app.set_today("2028-04-30");
    assert_eq!(fired(&app.sweep().await, "case_closure"), 0, "the contract's last day");
    app.set_today("2028-05-01");
    assert_eq!(fired(&app.sweep().await, "case_closure"), 1);
    assert_eq!(case.get().await["status"], "COMPLETED");
}

#[actix_web::test]
async fn administrators_are_warned_once_when_no_wage_table_is_published_for_too_long() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin, None);
    let published = app
        .post(
            "/v1/wage-tables",
            &admin,
            json!({"version_label": "2026-H1", "published_on": "2026-03-01", "effective_from": "2026-03-01", "source_note": "C&SD",
                   "rows": [{"post_code": "A", "title_en": "A", "industry_section": "X", "median_monthly_wage_hkd": 1, "is_common_post": true}]}),
        )
        .await;
    assert_eq!(published.status, 201, "{}", String::from_utf8_lossy(&published.bytes));
    app.set_today("2026-09-17"); // 200 days after
    assert_eq!(fired(&app.sweep().await, "wage_table_stale"), 0);
    app.set_today("2026-09-18");
    assert_eq!(fired(&app.sweep().await, "wage_table_stale"), 1);
    assert_eq!(fired(&app.sweep().await, "wage_table_stale"), 0);
    let warned = notifications(&app, &admin).await;
    assert_eq!(kinds(&warned), ["wage_table_stale"]);
    assert!(warned[0]["body"].as_str().unwrap().contains("2026-H1"));
    // Not an employer's business.
    let (_, employer) = app.employer_with_token("41000007").await;
    assert!(notifications(&app, &employer).await.is_empty());
}

#[actix_web::test]
async fn two_instances_sweeping_at_once_fire_each_timer_exactly_once() {
    let app = TestApp::spawn().await;
    publish_wage_table(&app).await;
    let mut cases = Vec::new();
    for n in 0..12 {
        cases.push(information_requested(&app, &format!("4200{n:04}")).await);
    }
    app.set_today("2026-03-31");
    let other = sls_case::db::build_pool(&app.db.service_url(), &crate::helpers::pool_settings(3)).unwrap();
    let today = app.clock.today();
    let (a, b) = tokio::join!(
        sls_case::workflow::timers::sweep(&app.pool, today),
        sls_case::workflow::timers::sweep(&other, today)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(fired(&a, "info_close") + fired(&b, "info_close"), 12, "{a:?} {b:?}");
    assert_eq!(a.total_failed() + b.total_failed(), 0);
    assert_eq!(app.audit_count("application.close_no_response"), 12);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM (SELECT subject_id FROM timer_firings WHERE timer = 'info_close' GROUP BY subject_id HAVING count(*) > 1) d"),
        0
    );
    for case in &cases {
        assert_eq!(case.get().await["status"], "CLOSED_NO_RESPONSE");
    }

    // Through the job queue: two runners, one sweep job per interval, whoever takes it.
    let (first, second) = (app.runner(), app.runner());
    let (enqueued_a, enqueued_b) = tokio::join!(first.schedule_sweep(), second.schedule_sweep());
    assert_eq!(
        [enqueued_a.unwrap(), enqueued_b.unwrap()]
            .iter()
            .filter(|e| **e)
            .count(),
        1
    );
    let (ran_a, ran_b) = tokio::join!(first.drain(), second.drain());
    let sweeps = ran_a.unwrap().len() + ran_b.unwrap().len();
    assert_eq!(sweeps, 1, "one sweep job ran, on one instance");
    assert_eq!(app.audit_count("application.close_no_response"), 12);
}

#[actix_web::test]
async fn a_failing_sweep_is_retried_and_a_job_out_of_attempts_is_visible_to_administrators() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin, None);
    sls_case::workflow::jobs::enqueue(&app.pool, "timer_sweep", json!({}), Some("test-sweep".into()), 2)
        .await
        .unwrap();
    let runner = app.runner();
    // A sweep as of a day before the timers' policy existed fails: no duration is in force.
    app.set_today("1990-01-01");
    let first = runner.drain().await.unwrap();
    assert!(
        matches!(first.as_slice(), [sls_case::workflow::jobs::Ran::Retried(_)]),
        "{first:?}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(60)).await;
    let second = runner.drain().await.unwrap();
    assert!(
        matches!(second.as_slice(), [sls_case::workflow::jobs::Ran::Failed(_)]),
        "{second:?}"
    );
    let failed = app.get("/v1/jobs?state=FAILED", &admin).await.json();
    assert_eq!(failed["items"].as_array().unwrap().len(), 1, "{failed}");
    assert_eq!(failed["items"][0]["attempts"], 2);
    assert!(
        failed["items"][0]["last_error"].as_str().unwrap().contains("policy"),
        "{failed}"
    );
    // Retried by an administrator, on a day policy covers: it succeeds.
    app.set_today("2026-03-02");
    let id = failed["items"][0]["id"].as_str().unwrap().to_owned();
    let retried = app.post(&format!("/v1/jobs/{id}/retry"), &admin, json!(null)).await;
    assert_eq!(retried.status, 200, "{}", String::from_utf8_lossy(&retried.bytes));
    assert_eq!(
        app.post(&format!("/v1/jobs/{id}/retry"), &admin, json!(null))
            .await
            .status,
        409
    );
    let third = runner.drain().await.unwrap();
    assert!(
        matches!(third.as_slice(), [sls_case::workflow::jobs::Ran::Succeeded(_)]),
        "{third:?}"
    );
    assert_eq!(app.audit_count("job.retried"), 1);
}
