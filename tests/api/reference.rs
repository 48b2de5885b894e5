//! Policy, wage tables, headcount returns, quota and sanctions.

use actix_web::http::header;
use actix_web::test::TestRequest;
use serde_json::json;
use sls_case::domain::Role;

use crate::helpers::{TestApp, TestResponse};
use crate::workflow::publish_wage_table;

// ---- policy ----

#[actix_web::test]
async fn policy_on_a_date_shows_the_values_in_force_and_flips_on_the_effective_date() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Employer, Some(app.create_employer("20000001").await));
    let waiter_days = |body: serde_json::Value| {
        body["values"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["key"] == "recruitment_days")
            .map(|v| (v["scope"].as_str().map(str::to_owned), v["value"].as_u64().unwrap()))
            .collect::<Vec<_>>()
    };
    let before = app.get("/v1/policy?on=2025-09-17", &token).await.json();
    assert_eq!(waiter_days(before), vec![(None, 28)]);
    let on = app.get("/v1/policy?on=2025-09-18", &token).await.json();
    assert_eq!(on["on"], "2025-09-18");
    assert_eq!(
        waiter_days(on),
        vec![
            (None, 28),
            (Some("JUNIOR_COOK".into()), 42),
            (Some("WAITER".into()), 42)
        ]
    );
    let levy = app
        .get("/v1/policy?on=2010-01-01&key=erl_monthly_rate_hkd", &token)
        .await
        .json();
    assert_eq!(levy["values"][0]["value"], 0);
    app.get("/v1/policy?on=yesterday", &token)
        .await
        .assert_invalid_field("on");
}

#[actix_web::test]
async fn every_value_of_domain_md_section_9_is_seeded() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Auditor, None);
    let body = app.get("/v1/policy?on=2026-03-02", &token).await.json();
    let keys: Vec<&str> = body["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["key"].as_str().unwrap())
        .collect();
    for key in [
        "designated_exclusion_suspended",
        "recruitment_days",
        "job_fair_weekly_required",
        "newspaper_ads_required",
        "ratio_local_per_imported",
        "ratio_scope",
        "ft_hours_threshold",
        "cooldown_months",
        "processing_target_days",
        "aip_visa_deadline_months",
        "max_contract_months",
        "erl_monthly_rate_hkd",
        "briefing_due_days_after_arrival",
        "accommodation_deduction_cap",
        "max_daily_hours_incl_ot",
        "wage_binding",
        "lab_consultation_days",
        "sanction_bar_months_options",
        "rfi_due_days",
    ] {
        assert!(keys.contains(&key), "{key} missing");
    }
}

#[actix_web::test]
async fn admin_adds_a_policy_version_without_editing_history_and_it_is_audited() {
    let app = TestApp::spawn().await;
    let admin = app.token_for("admin-wong", Role::Admin, None);
    let added = app
        .post(
            "/v1/policy",
            &admin,
            json!({"key": "cooldown_months", "value": 12, "effective_from": "2027-01-01",
            "confidence": "firm", "source_note": "Review (test)"}),
        )
        .await;
    assert_eq!(added.status, 201);
    let all = app.get("/v1/policy?all=true&key=cooldown_months", &admin).await.json();
    let values: Vec<u64> = all["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].as_u64().unwrap())
        .collect();
    assert_eq!(values, vec![0, 6, 12]);
    assert_eq!(
        app.get("/v1/policy?on=2026-12-31&key=cooldown_months", &admin)
            .await
            .json()["values"][0]["value"],
        6
    );
    assert_eq!(
        app.get("/v1/policy?on=2027-01-01&key=cooldown_months", &admin)
            .await
            .json()["values"][0]["value"],
        12
    );
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM audit_events WHERE action = 'policy.value_added' AND actor_sub = 'admin-wong'"
        ),
        1
    );
    use diesel::RunQueryDsl;
    let err = diesel::sql_query("UPDATE policy_values SET value = '1'")
        .execute(&mut app.db.connect())
        .unwrap_err();
    assert!(err.to_string().contains("append-only"));
}

#[actix_web::test]
async fn policy_refuses_unknown_keys_wrong_types_and_non_admins() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin, None);
    let body = |key: &str, value: serde_json::Value| json!({"key": key, "value": value, "effective_from": "2027-01-01", "confidence": "firm", "source_note": "x"});
    app.post("/v1/policy", &admin, body("coolddown_months", json!(6)))
        .await
        .assert_invalid_field("key");
    app.post("/v1/policy", &admin, body("cooldown_months", json!("six")))
        .await
        .assert_invalid_field("value");
    app.post(
        "/v1/policy",
        &admin,
        json!({"key": "cooldown_months", "value": 6, "effective_from": "2027-01-01",
        "effective_to": "2026-01-01", "confidence": "firm", "source_note": "x"}),
    )
    .await
    .assert_invalid_field("effective_to");
    // A scope is a designated category: any other (even a well-formed code) would never apply.
    for scope in ["NO_SUCH_CATEGORY", "WAITER2"] {
        let mut scoped = body("cooldown_months", json!(6));
        scoped["scope"] = json!(scope);
        app.post("/v1/policy", &admin, scoped)
            .await
            .assert_invalid_field("scope");
    }
    for role in [Role::Caseworker, Role::Approver, Role::Auditor] {
        app.post("/v1/policy", &app.token(role, None), body("cooldown_months", json!(6)))
            .await
            .assert_problem(403, "forbidden");
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM policy_values WHERE effective_from = '2027-01-01'"),
        0
    );
}

// ---- wage tables ----

async fn post_csv(app: &TestApp, query: &str, csv: &'static str) -> TestResponse {
    app.send(
        TestRequest::post()
            .uri(&format!("/v1/wage-tables?{query}"))
            .insert_header((
                header::AUTHORIZATION,
                format!("Bearer {}", app.token(Role::Admin, None)),
            ))
            .insert_header((header::CONTENT_TYPE, "text/csv"))
            .set_payload(csv),
    )
    .await
}

const META: &str =
    "version_label=2026-02&published_on=2026-02-01&effective_from=2026-02-15&source_note=Official%20table";

#[actix_web::test]
async fn the_sample_tables_are_seeded_and_labelled_with_the_real_figures() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Caseworker, None);
    let list = app.get("/v1/wage-tables", &token).await.json();
    let labels: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["version_label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, vec!["SAMPLE-2025-05", "SAMPLE-2023-08"]);
    assert!(list["items"].as_array().unwrap().iter().all(|t| t["is_sample"] == true));
    let mason = app
        .get("/v1/wage-tables/lookup?post=MASON&on=2024-01-01", &token)
        .await
        .json();
    assert_eq!(mason["row"]["median_monthly_wage_hkd"], 26030);
    assert_eq!(mason["version_label"], "SAMPLE-2023-08");
    let cook = app
        .get("/v1/wage-tables/lookup?post=ASSISTANT_COOK&on=2025-06-01", &token)
        .await
        .json();
    assert_eq!(cook["row"]["median_monthly_wage_hkd"], 14250);
    app.get("/v1/wage-tables/lookup?post=ASSISTANT_COOK&on=2025-04-30", &token)
        .await
        .assert_problem(404, "not-found");
    app.get("/v1/wage-tables/lookup?post=MASON&on=2020-01-01", &token)
        .await
        .assert_problem(404, "not-found");
    app.get("/v1/wage-tables/lookup?post=mason", &token)
        .await
        .assert_invalid_field("post");
}

#[actix_web::test]
async fn a_csv_table_is_published_and_looked_up_by_date() {
    let app = TestApp::spawn().await;
    let response = post_csv(&app, META, "post_code,title_en,title_zh,industry_section,median_monthly_wage_hkd,normal_hours_per_day,is_common_post\nDISHWASHER,Dishwasher,洗碗工,Catering,13600,10,true\nCLEANER,Cleaner,,Cleaning,12800,,false\n").await;
    assert_eq!(response.status, 201, "{}", String::from_utf8_lossy(&response.bytes));
    let id = response.json()["id"].as_str().unwrap().to_owned();
    let token = app.token(Role::Employer, Some(app.create_employer("20000002").await));
    let table = app.get(&format!("/v1/wage-tables/{id}"), &token).await.json();
    assert_eq!(table["row_count"], 2);
    assert_eq!(table["rows"][0]["post_code"], "CLEANER");
    let found = app
        .get("/v1/wage-tables/lookup?post=DISHWASHER&on=2026-02-15", &token)
        .await
        .json();
    assert_eq!(
        (
            found["table_id"].as_str(),
            found["row"]["median_monthly_wage_hkd"].as_u64()
        ),
        (Some(id.as_str()), Some(13600))
    );
    app.get("/v1/wage-tables/lookup?post=DISHWASHER&on=2026-02-14", &token)
        .await
        .assert_problem(404, "not-found");
    assert_eq!(app.audit_count("wage_table.published"), 1);
}

#[actix_web::test]
async fn a_malformed_csv_row_is_reported_by_line_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let response = post_csv(&app, META, "post_code,title_en,title_zh,industry_section,median_monthly_wage_hkd,normal_hours_per_day,is_common_post\nDISHWASHER,Dishwasher,,Catering,13600,10,true\nCLEANER,Cleaner,,Cleaning,twelve,,false\n").await;
    response.assert_invalid_field("line 3: median_monthly_wage_hkd");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM wage_tables"),
        2,
        "only the seeded samples"
    );
    post_csv(&app, "version_label=x", "post_code\n")
        .await
        .assert_invalid_field("published_on");
}

#[actix_web::test]
async fn tables_are_immutable_and_cannot_rewrite_history() {
    let app = TestApp::spawn().await;
    let id = publish_wage_table(&app).await;
    let mut earlier = json!({"version_label": "LATE", "published_on": "2025-12-01", "effective_from": "2026-01-01",
        "source_note": "x", "rows": [{"post_code": "A", "title_en": "A", "industry_section": "X", "median_monthly_wage_hkd": 1, "is_common_post": true}]});
    app.post("/v1/wage-tables", &app.token(Role::Admin, None), earlier.clone())
        .await
        .assert_problem(409, "conflict");
    earlier["effective_from"] = json!("2026-02-01");
    earlier["version_label"] = json!("TEST-2026-01");
    app.post("/v1/wage-tables", &app.token(Role::Admin, None), earlier)
        .await
        .assert_problem(409, "conflict");
    use diesel::RunQueryDsl;
    let err = diesel::sql_query(format!(
        "UPDATE wage_table_rows SET median_monthly_wage_hkd = 1 WHERE table_id = '{id}'"
    ))
    .execute(&mut app.db.connect())
    .unwrap_err();
    assert!(err.to_string().contains("append-only"));
}

#[actix_web::test]
async fn wage_tables_are_published_by_admins_only_and_json_rows_are_validated() {
    let app = TestApp::spawn().await;
    let body = json!({"version_label": "X", "published_on": "2026-02-01", "effective_from": "2026-02-02", "source_note": "x",
        "rows": [{"post_code": "A", "title_en": "A", "industry_section": "X", "median_monthly_wage_hkd": 0, "is_common_post": true}]});
    for role in [Role::Caseworker, Role::Approver, Role::Auditor] {
        app.post("/v1/wage-tables", &app.token(role, None), body.clone())
            .await
            .assert_problem(403, "forbidden");
    }
    app.post("/v1/wage-tables", &app.token(Role::Admin, None), body)
        .await
        .assert_invalid_field("rows[0].median_monthly_wage_hkd");
    app.get(
        &format!("/v1/wage-tables/{}", uuid::Uuid::new_v4()),
        &app.token(Role::Admin, None),
    )
    .await
    .assert_problem(404, "not-found");
}

// ---- headcount returns, quota, sanctions ----

#[actix_web::test]
async fn headcount_returns_give_the_quota_position_enterprise_wide_and_per_post() {
    let app = TestApp::spawn().await;
    let (employer, token) = app.employer_with_token("20000003").await;
    let filed = app
        .post(&format!("/v1/employers/{employer}/headcount-returns"), &token, json!({"as_of": "2026-03-01", "full_time_locals": 11,
            "full_time_locals_per_post": {"WAITER": 5}, "imported_workers": 2, "imported_per_post": {"WAITER": 1}, "evidence_ref": "MPF"}))
        .await;
    assert_eq!(filed.status, 201);
    let quota = app.get(&format!("/v1/employers/{employer}/quota"), &token).await.json();
    assert_eq!(quota["enterprise"]["capacity"], 5);
    assert_eq!(quota["enterprise"]["places_still_allowed"], 3);
    let waiter = quota["per_post"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["scope"] == "WAITER")
        .unwrap();
    assert_eq!(
        (waiter["capacity"].as_u64(), waiter["places_still_allowed"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE action = 'employer.headcount_return_filed'"),
        1
    );
    let listed = app
        .get(
            &format!("/v1/employers/{employer}/headcount-returns"),
            &app.token(Role::Auditor, None),
        )
        .await
        .json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn headcount_returns_are_validated_and_confined_to_the_employer() {
    let app = TestApp::spawn().await;
    let (employer, token) = app.employer_with_token("20000004").await;
    let other = app.create_employer("20000005").await;
    let body = json!({"as_of": "2026-03-01", "full_time_locals": 3, "full_time_locals_per_post": {"WAITER": 4},
        "imported_workers": 0, "evidence_ref": "MPF"});
    app.post(
        &format!("/v1/employers/{employer}/headcount-returns"),
        &token,
        body.clone(),
    )
    .await
    .assert_invalid_field("full_time_locals_per_post");
    let mut future = body.clone();
    future["full_time_locals_per_post"] = json!({});
    future["as_of"] = json!("2026-03-03");
    app.post(&format!("/v1/employers/{employer}/headcount-returns"), &token, future)
        .await
        .assert_invalid_field("as_of");
    let mut valid = body.clone();
    valid["full_time_locals_per_post"] = json!({"WAITER": 2});
    app.post(&format!("/v1/employers/{other}/headcount-returns"), &token, valid)
        .await
        .assert_problem(404, "not-found");
    app.get(&format!("/v1/employers/{other}/quota"), &token)
        .await
        .assert_problem(404, "not-found");
    app.post(
        &format!("/v1/employers/{employer}/headcount-returns"),
        &app.token(Role::Approver, None),
        body,
    )
    .await
    .assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn sanctions_take_a_bar_length_from_policy_and_only_approvers_impose_them() {
    let app = TestApp::spawn().await;
    let (employer, token) = app.employer_with_token("20000006").await;
    let path = format!("/v1/employers/{employer}/sanctions");
    let body = json!({"bar_from": "2026-03-01", "months": 18, "reason": "Recruitment breach"});
    app.post(&path, &app.token(Role::Approver, None), body)
        .await
        .assert_invalid_field("months");
    let ok = json!({"bar_from": "2026-03-01", "months": 24, "reason": "Recruitment breach"});
    app.post(&path, &app.token(Role::Caseworker, None), ok.clone())
        .await
        .assert_problem(403, "forbidden");
    app.post(&path, &token, ok.clone())
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        app.post(&path, &app.token(Role::Approver, None), ok).await.json()["bar_until"],
        "2028-03-01"
    );
    assert_eq!(
        app.get(&path, &token).await.json()["items"].as_array().unwrap().len(),
        1
    );
    assert_eq!(app.audit_count("employer.sanction_imposed"), 1);
}
