//! Whole cases through the ESLS workflow: approved, partially approved by the ratio, refused for an
//! unfairly rejected local candidate, for a wage below the median, for a missed job fair, and blocked
//! at submission by the six-month bar, a sanction, an excluded sector and the designated-category rule.

use actix_web::http::Method;
use serde_json::{Value, json};
use sls_case::domain::rules::{RuleResult, rerun};
use sls_case::domain::{EmployerId, Role};

use crate::helpers::{TestApp, TestResponse};

/// A wage table effective 2026-01-01 with the posts these cases use.
pub async fn publish_wage_table(app: &TestApp) -> String {
    let body = json!({
        "version_label": "TEST-2026-01",
        "published_on": "2025-12-15",
        "effective_from": "2026-01-01",
        "source_note": "Test table",
        "rows": [
            {"post_code": "DISHWASHER", "title_en": "Dishwasher", "title_zh": "洗碗工", "industry_section": "Catering",
             "median_monthly_wage_hkd": 13500, "normal_hours_per_day": 10, "is_common_post": true},
            {"post_code": "CHINESE_RESTAURANT_WAITER", "title_en": "Waiter (Chinese restaurant)", "industry_section": "Catering",
             "median_monthly_wage_hkd": 16000, "normal_hours_per_day": 10, "is_common_post": true}
        ]
    });
    let response = app.post("/v1/wage-tables", &app.token(Role::Admin, None), body).await;
    assert_eq!(response.status, 201, "{}", String::from_utf8_lossy(&response.bytes));
    response.json()["id"].as_str().unwrap().to_owned()
}

pub fn dishwashers(workers: u32, wage: u32) -> Value {
    json!({
        "post_title": "Dishwasher", "post_code": "DISHWASHER", "industry_sector": "CATERING",
        "workers_requested": workers, "monthly_wage_hkd": wage, "normal_daily_hours": 10,
        "duties": "Wash dishes", "workplace_addresses": ["1 Harbour Road"]
    })
}

pub fn waiters(workers: u32, wage: u32) -> Value {
    json!({
        "post_title": "Waiter", "post_code": "CHINESE_RESTAURANT_WAITER", "designated_category_code": "WAITER",
        "industry_sector": "CATERING", "workers_requested": workers, "monthly_wage_hkd": wage,
        "normal_daily_hours": 10, "duties": "Serve customers", "workplace_addresses": ["1 Harbour Road"]
    })
}

/// One employer's case and the people working on it.
pub struct Case<'a> {
    pub app: &'a TestApp,
    pub employer: EmployerId,
    pub employer_token: String,
    pub caseworker: String,
    pub approver: String,
    pub id: String,
}

impl<'a> Case<'a> {
    /// A registered employer with a headcount return and a draft with these vacancies.
    pub async fn draft(app: &'a TestApp, brn: &str, locals: u32, vacancies: Vec<Value>) -> Case<'a> {
        let (employer, employer_token) = app.employer_with_token(brn).await;
        let filed = app
            .post(
                &format!("/v1/employers/{employer}/headcount-returns"),
                &employer_token,
                json!({"as_of": "2026-02-28", "full_time_locals": locals, "full_time_locals_per_post": {"WAITER": locals},
                       "imported_workers": 0, "evidence_ref": "MPF statements Dec-Feb"}),
            )
            .await;
        assert_eq!(filed.status, 201, "{}", String::from_utf8_lossy(&filed.bytes));
        let draft = app
            .post(
                "/v1/applications",
                &employer_token,
                json!({"justification": "No local applicants", "vacancies": vacancies}),
            )
            .await;
        assert_eq!(draft.status, 201, "{}", String::from_utf8_lossy(&draft.bytes));
        Case {
            app,
            employer,
            employer_token,
            caseworker: app.token_for("cw-chan", Role::Caseworker, None),
            approver: app.token_for("ap-lee", Role::Approver, None),
            id: draft.json()["id"].as_str().unwrap().to_owned(),
        }
    }

    /// Another draft of the same employer (`application_type` NEW or RENEWAL), worked by the same people.
    pub async fn another(&self, vacancies: Vec<Value>, application_type: &str) -> Case<'a> {
        let draft = self
            .app
            .post(
                "/v1/applications",
                &self.employer_token,
                json!({"application_type": application_type, "justification": "No local applicants", "vacancies": vacancies}),
            )
            .await;
        assert_eq!(draft.status, 201, "{}", String::from_utf8_lossy(&draft.bytes));
        Case {
            app: self.app,
            employer: self.employer,
            employer_token: self.employer_token.clone(),
            caseworker: self.caseworker.clone(),
            approver: self.approver.clone(),
            id: draft.json()["id"].as_str().unwrap().to_owned(),
        }
    }

    pub async fn act(&self, token: &str, action: &str, body: Value) -> TestResponse {
        self.app
            .post(&format!("/v1/applications/{}/actions/{action}", self.id), token, body)
            .await
    }

    pub async fn ok(&self, token: &str, action: &str) -> Value {
        let response = self.act(token, action, json!({})).await;
        assert_eq!(
            response.status,
            200,
            "{action}: {}",
            String::from_utf8_lossy(&response.bytes)
        );
        response.json()
    }

    pub async fn get(&self) -> Value {
        self.app
            .get(&format!("/v1/applications/{}", self.id), &self.caseworker)
            .await
            .json()
    }

    pub async fn vacancy_ids(&self) -> Vec<String> {
        self.get().await["vacancies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Submit, screen and screen in: recruitment starts today.
    pub async fn start_recruitment(&self) {
        self.ok(&self.employer_token, "submit").await;
        self.ok(&self.caseworker, "start-screening").await;
        self.ok(&self.caseworker, "screen-in").await;
    }

    /// Refers a local job seeker to a vacancy and records the employer's outcome.
    pub async fn referral(&self, vacancy: &str, seeker: &str, outcome: &str, meets: bool) {
        let referred = self
            .app
            .post(
                &format!("/v1/applications/{}/recruitment/referrals", self.id),
                &self.caseworker,
                json!({"vacancy_id": vacancy, "source": "REFERRAL", "job_seeker_ref": seeker, "referred_on": "2026-03-05"}),
            )
            .await;
        assert_eq!(referred.status, 201, "{}", String::from_utf8_lossy(&referred.bytes));
        let referral = referred.json()["id"].as_str().unwrap().to_owned();
        let recorded = self
            .app
            .call(
                Method::PUT,
                &format!("/v1/applications/{}/recruitment/referrals/{referral}/outcome", self.id),
                Some(&self.employer_token),
                Some(json!({"outcome": outcome, "reason": "Interviewed on site", "meets_requirements": meets, "interview_on": "2026-03-10"})),
            )
            .await;
        assert_eq!(recorded.status, 200, "{}", String::from_utf8_lossy(&recorded.bytes));
    }

    /// Records the employer's attendance at a job fair in each of `weeks` (sessions on 2026-03-02).
    pub async fn attend_job_fairs(&self, vacancy: &str, weeks: std::ops::RangeInclusive<u32>) {
        for week in weeks {
            let attended = self
                .app
                .post(
                    &format!("/v1/applications/{}/recruitment/job-fairs", self.id),
                    &self.caseworker,
                    json!({"vacancy_id": vacancy, "week_no": week, "session_on": "2026-03-02", "centre": "Kowloon East", "attended": true}),
                )
                .await;
            assert_eq!(attended.status, 201, "{}", String::from_utf8_lossy(&attended.bytes));
        }
    }

    /// Completes recruitment after the period, then assessment, recommendation and consultation.
    pub async fn to_decision(&self, after_period: &str) {
        self.app.set_today(after_period);
        self.ok(&self.caseworker, "complete-recruitment").await;
        self.ok(&self.caseworker, "start-assessment").await;
        self.ok(&self.caseworker, "recommend").await;
        self.ok(&self.caseworker, "start-consultation").await;
        let view = self.lab_view("lab-member-1", "SUPPORT").await;
        assert_eq!(view.status, 201, "{}", String::from_utf8_lossy(&view.bytes));
        self.ok(&self.caseworker, "close-consultation").await;
    }

    /// A LAB member's view on the case under consultation.
    pub async fn lab_view(&self, member: &str, stance: &str) -> crate::helpers::TestResponse {
        let token = self.app.token_for(member, Role::LabMember, None);
        let body = if stance == "COMMENT" {
            json!({"stance": stance, "comment": "Noted."})
        } else {
            json!({"stance": stance})
        };
        self.app
            .post(
                &format!("/v1/applications/{}/consultation/views", self.id),
                &token,
                body,
            )
            .await
    }

    pub async fn decision(&self) -> Value {
        let response = self
            .app
            .get(&format!("/v1/applications/{}/decision", self.id), &self.employer_token)
            .await;
        assert_eq!(response.status, 200, "{}", String::from_utf8_lossy(&response.bytes));
        response.json()
    }
}

fn results(record: &Value) -> Vec<RuleResult> {
    serde_json::from_value(record["results"].clone()).unwrap()
}

fn rule<'r>(results: &'r [RuleResult], rule_id: &str) -> &'r RuleResult {
    results
        .iter()
        .find(|r| r.rule_id == rule_id)
        .unwrap_or_else(|| panic!("{rule_id} not evaluated"))
}

#[actix_web::test]
async fn a_case_is_approved_in_full_with_a_decision_record_that_reruns_to_the_same_result() {
    let app = TestApp::spawn().await;
    let table = publish_wage_table(&app).await;
    let case = Case::draft(&app, "10000001", 10, vec![dishwashers(2, 14000)]).await;
    case.start_recruitment().await;
    let vacancy = &case.vacancy_ids().await[0];
    let recruiting = case.get().await;
    assert_eq!(recruiting["vacancies"][0]["recruitment_days"], 28);
    assert_eq!(recruiting["vacancies"][0]["recruitment_ends_on"], "2026-03-29");
    assert_eq!(recruiting["vacancies"][0]["median_at_submission_hkd"], 13500);
    assert_eq!(recruiting["vacancies"][0]["wage_table_id_at_submission"], table);
    case.referral(vacancy, "JS-1", "NO_SHOW", true).await;
    case.to_decision("2026-03-30").await;

    let approved = case.ok(&case.approver, "approve").await;
    assert_eq!(approved["status"], "APPROVED");
    assert_eq!(approved["places_approved"], 2);
    assert_eq!(approved["recommended_by"], "cw-chan");
    assert_eq!(approved["decided_by"], "ap-lee");

    let decision = case.decision().await;
    assert_eq!(decision["outcome"], "APPROVE");
    assert_eq!(decision["recommended_by"], "cw-chan");
    assert_eq!(decision["decided_by"], "ap-lee");
    assert_eq!(decision["evaluated_on"], "2026-03-30");
    assert_eq!(decision["places"][0]["places"], 2);
    let stored = results(&decision);
    let wage = rule(&stored, "R-WAGE-1");
    assert_eq!(wage.wage_tables[0].id.to_string(), table);
    assert_eq!(wage.wage_tables[0].version_label, "TEST-2026-01");
    assert_eq!(wage.policy[0].key, "wage_binding");
    let ratio = rule(&stored, "R-RAT-1");
    assert_eq!(ratio.output["capacity"], 5);
    assert_eq!(
        ratio.policy.iter().map(|p| p.key.as_str()).collect::<Vec<_>>(),
        vec!["ratio_local_per_imported", "ratio_scope"]
    );
    for result in &stored {
        assert_eq!(
            &rerun(result).unwrap(),
            result,
            "{} reruns to the same result",
            result.rule_id
        );
    }
    let history = app
        .get(&format!("/v1/applications/{}/history", case.id), &case.caseworker)
        .await
        .json();
    let actions: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec![
            "application.created",
            "application.submit",
            "application.start_screening",
            "application.screen_in",
            "recruitment.referral_added",
            "recruitment.outcome_recorded",
            "application.complete_recruitment",
            "application.start_assessment",
            "application.recommend",
            "application.start_consultation",
            "application.lab_view_recorded",
            "application.close_consultation",
            "application.approve",
        ]
    );
    let quota = app
        .get(&format!("/v1/employers/{}/quota", case.employer), &case.employer_token)
        .await
        .json();
    assert_eq!(quota["enterprise"]["places_approved"], 2);
    assert_eq!(quota["enterprise"]["places_still_allowed"], 3);
}

#[actix_web::test]
async fn the_ratio_caps_places_and_the_case_is_partially_approved() {
    let app = TestApp::spawn().await;
    publish_wage_table(&app).await;
    // 5 full-time locals allow 2 imported workers at 2:1; 3 are asked for.
    let case = Case::draft(&app, "10000002", 5, vec![dishwashers(3, 14000)]).await;
    case.start_recruitment().await;
    case.to_decision("2026-03-30").await;
    let approved = case.ok(&case.approver, "approve").await;
    assert_eq!(approved["status"], "PARTIALLY_APPROVED");
    assert_eq!(approved["places_approved"], 2);
    let decision = case.decision().await;
    assert_eq!(decision["outcome"], "PARTIALLY_APPROVE");
    assert_eq!(decision["reason_codes"], json!(["RATIO_NOT_MET"]));
}

#[actix_web::test]
async fn locals_hired_in_recruitment_reduce_the_places() {
    let app = TestApp::spawn().await;
    publish_wage_table(&app).await;
    let case = Case::draft(&app, "10000003", 20, vec![dishwashers(2, 14000)]).await;
    case.start_recruitment().await;
    let vacancy = &case.vacancy_ids().await[0];
    case.referral(vacancy, "JS-7", "ACCEPTED", true).await;
    let recruitment = app
        .get(
            &format!("/v1/applications/{}/recruitment", case.id),
            &case.employer_token,
        )
        .await
        .json();
    assert_eq!(recruitment["vacancies"][0]["locals_hired"], 1);
    assert_eq!(recruitment["vacancies"][0]["unmet_need"], 1);
    case.to_decision("2026-03-30").await;
    let approved = case.ok(&case.approver, "approve").await;
    assert_eq!(
        (approved["status"].as_str(), approved["places_approved"].as_u64()),
        (Some("PARTIALLY_APPROVED"), Some(1))
    );
}

#[actix_web::test]
async fn a_qualified_local_rejected_leads_to_refusal_and_approval_is_refused_with_the_rule() {
    let app = TestApp::spawn().await;
    publish_wage_table(&app).await;
    let case = Case::draft(&app, "10000004", 10, vec![dishwashers(2, 14000)]).await;
    case.start_recruitment().await;
    let vacancy = &case.vacancy_ids().await[0];
    case.referral(vacancy, "JS-2", "REJECTED", true).await;
    case.to_decision("2026-03-30").await;
    let assessment = app
        .get(&format!("/v1/applications/{}/checks", case.id), &case.caseworker)
        .await
        .json();
    let recommendation = assessment["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "ASSESSMENT")
        .unwrap();
    assert_eq!(recommendation["outcome"], "REFUSE");
    assert!(!rule(&results(recommendation), "R-REC-5").passed());

    let problem = case
        .act(&case.approver, "approve", json!({}))
        .await
        .assert_problem(422, "rule-violation");
    assert_eq!(problem["rule_id"], "R-DEC-1");
    assert!(problem["detail"].as_str().unwrap().contains("LOCAL_CANDIDATE_REFUSED"));
    let refused = case
        .act(
            &case.approver,
            "refuse",
            json!({"reason_codes": ["LOCAL_CANDIDATE_REFUSED"]}),
        )
        .await;
    assert_eq!(refused.status, 200);
    assert_eq!(refused.json()["status"], "REFUSED");
    let decision = case.decision().await;
    assert_eq!(decision["outcome"], "REFUSE");
    assert_eq!(decision["reason_codes"], json!(["LOCAL_CANDIDATE_REFUSED"]));
    assert_eq!(decision["places"][0]["places"], 0);
}

#[actix_web::test]
async fn a_wage_one_dollar_under_the_median_is_refused() {
    let app = TestApp::spawn().await;
    publish_wage_table(&app).await;
    let case = Case::draft(&app, "10000005", 10, vec![dishwashers(2, 13499)]).await;
    case.start_recruitment().await;
    case.to_decision("2026-03-30").await;
    let problem = case
        .act(&case.approver, "approve", json!({}))
        .await
        .assert_problem(422, "rule-violation");
    assert!(problem["detail"].as_str().unwrap().contains("WAGE_BELOW_MEDIAN"));
    case.act(&case.approver, "refuse", json!({"reason_codes": ["WAGE_BELOW_MEDIAN"]}))
        .await;
    let decision = case.decision().await;
    let wage = rule(&results(&decision), "R-WAGE-1").clone();
    assert!(!wage.passed());
    assert_eq!(wage.output["binding_median_hkd"], 13500);
}

#[actix_web::test]
async fn a_higher_median_published_before_the_decision_binds_under_the_default_policy() {
    let app = TestApp::spawn().await;
    publish_wage_table(&app).await;
    let case = Case::draft(&app, "10000006", 10, vec![dishwashers(1, 14000)]).await;
    case.start_recruitment().await;
    let newer = json!({"version_label": "TEST-2026-03", "published_on": "2026-03-10", "effective_from": "2026-03-15",
        "source_note": "Raised medians", "rows": [{"post_code": "DISHWASHER", "title_en": "Dishwasher", "industry_section": "Catering",
        "median_monthly_wage_hkd": 14500, "is_common_post": true}]});
    assert_eq!(
        app.post("/v1/wage-tables", &app.token(Role::Admin, None), newer)
            .await
            .status,
        201
    );
    case.to_decision("2026-03-30").await;
    case.act(&case.approver, "approve", json!({}))
        .await
        .assert_problem(422, "rule-violation");
}

#[actix_web::test]
async fn a_waiter_case_since_september_2025_has_six_weeks_a_per_post_ratio_and_weekly_job_fairs() {
    let app = TestApp::spawn().await;
    publish_wage_table(&app).await;
    let case = Case::draft(&app, "10000007", 4, vec![waiters(1, 16500)]).await;
    case.start_recruitment().await;
    let v = case.get().await["vacancies"][0].clone();
    assert_eq!(
        (v["recruitment_days"].as_u64(), v["job_fair_required"].as_bool()),
        (Some(42), Some(true))
    );
    assert_eq!(v["recruitment_ends_on"], "2026-04-12");
    let vacancy = v["id"].as_str().unwrap();
    // Five of the six weeks attended.
    case.attend_job_fairs(vacancy, 1..=5).await;
    case.to_decision("2026-04-13").await;
    let problem = case
        .act(&case.approver, "approve", json!({}))
        .await
        .assert_problem(422, "rule-violation");
    assert!(problem["detail"].as_str().unwrap().contains("JOB_FAIR_NOT_ATTENDED"));
    let checks = app
        .get(&format!("/v1/applications/{}/checks", case.id), &case.caseworker)
        .await
        .json();
    let assessment = checks["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "ASSESSMENT")
        .unwrap();
    let stored = results(assessment);
    assert_eq!(rule(&stored, "R-REC-4").output["missed_weeks"], json!([6]));
    let ratio = rule(&stored, "R-RAT-1");
    assert_eq!(ratio.inputs["scope"], "PER_POST");
    assert_eq!(ratio.inputs["post"], "WAITER");
}

#[actix_web::test]
async fn recruitment_cannot_complete_before_its_period_ends_or_with_an_outcome_missing() {
    let app = TestApp::spawn().await;
    publish_wage_table(&app).await;
    let case = Case::draft(&app, "10000008", 10, vec![dishwashers(1, 14000)]).await;
    case.start_recruitment().await;
    let vacancy = case.vacancy_ids().await[0].clone();
    app.set_today("2026-03-29");
    let problem = case
        .act(&case.caseworker, "complete-recruitment", json!({}))
        .await
        .assert_problem(422, "rule-violation");
    assert_eq!(problem["rule_id"], "R-REC-1");
    app.set_today("2026-03-05");
    app.post(
        &format!("/v1/applications/{}/recruitment/referrals", case.id),
        &case.caseworker,
        json!({"vacancy_id": vacancy, "source": "REFERRAL", "job_seeker_ref": "JS-9", "referred_on": "2026-03-05"}),
    )
    .await;
    app.set_today("2026-03-30");
    let problem = case
        .act(&case.caseworker, "complete-recruitment", json!({}))
        .await
        .assert_problem(422, "rule-violation");
    assert_eq!(problem["rule_id"], "R-REC-5-OUTCOMES");
    assert_eq!(case.get().await["status"], "LOCAL_RECRUITMENT");
}

#[actix_web::test]
async fn the_recommender_may_not_decide_the_same_case() {
    let app = TestApp::spawn().await;
    publish_wage_table(&app).await;
    let case = Case::draft(&app, "10000009", 10, vec![dishwashers(1, 14000)]).await;
    case.start_recruitment().await;
    case.to_decision("2026-03-30").await;
    let same_person = app.token_for("cw-chan", Role::Approver, None);
    case.act(&same_person, "approve", json!({}))
        .await
        .assert_problem(403, "forbidden");
    case.act(&same_person, "refuse", json!({"reason_codes": ["NOT_GENUINE_NEED"]}))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(case.get().await["status"], "DECISION_PENDING");
}

#[actix_web::test]
async fn consultation_needs_a_recommendation_first() {
    let app = TestApp::spawn().await;
    publish_wage_table(&app).await;
    let case = Case::draft(&app, "10000010", 10, vec![dishwashers(1, 14000)]).await;
    case.start_recruitment().await;
    app.set_today("2026-03-30");
    case.ok(&case.caseworker, "complete-recruitment").await;
    case.ok(&case.caseworker, "start-assessment").await;
    let problem = case
        .act(&case.caseworker, "start-consultation", json!({}))
        .await
        .assert_problem(422, "rule-violation");
    assert_eq!(problem["rule_id"], "R-LAB-1");
}

#[actix_web::test]
async fn the_six_month_bar_blocks_a_second_application_until_the_day_it_ends_and_spares_renewals() {
    let app = TestApp::spawn().await;
    let first = Case::draft(&app, "10000011", 10, vec![dishwashers(1, 14000)]).await;
    first.ok(&first.employer_token, "submit").await;
    let create = |kind: &'static str| {
        let token = first.employer_token.clone();
        let app = &app;
        async move {
            app.post(
                "/v1/applications",
                &token,
                json!({"application_type": kind, "justification": "More", "vacancies": [dishwashers(1, 14000)]}),
            )
            .await
            .json()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let second = create("NEW").await;
    app.set_today("2026-09-01");
    let submit = |id: String| {
        let token = first.employer_token.clone();
        let app = &app;
        async move {
            app.post(&format!("/v1/applications/{id}/actions/submit"), &token, json!({}))
                .await
        }
    };
    let problem = submit(second.clone()).await.assert_problem(422, "rule-violation");
    assert_eq!(problem["rule_id"], "R-APP-3");
    assert!(problem["detail"].as_str().unwrap().contains("2026-09-02"));
    assert_eq!(
        app.get(&format!("/v1/applications/{second}"), &first.employer_token)
            .await
            .json()["status"],
        "DRAFT"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM audit_events WHERE application_id = '{second}' AND action = 'application.submit'"
        )),
        0
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM decision_records WHERE application_id = '{second}'"
        )),
        0
    );
    let renewal = create("RENEWAL").await;
    assert_eq!(submit(renewal).await.status, 200);
    app.set_today("2026-09-02");
    assert_eq!(submit(second).await.status, 200);
}

#[actix_web::test]
async fn a_sanction_bars_submission_while_it_runs() {
    let app = TestApp::spawn().await;
    let case = Case::draft(&app, "10000012", 10, vec![dishwashers(1, 14000)]).await;
    let imposed = app
        .post(
            &format!("/v1/employers/{}/sanctions", case.employer),
            &case.approver,
            json!({"bar_from": "2026-01-01", "months": 12, "reason": "Displacement of local staff"}),
        )
        .await;
    assert_eq!(imposed.status, 201);
    assert_eq!(imposed.json()["bar_until"], "2027-01-01");
    let problem = case
        .act(&case.employer_token, "submit", json!({}))
        .await
        .assert_problem(422, "rule-violation");
    assert_eq!(problem["rule_id"], "R-SAN-2");
    app.set_today("2027-01-01");
    assert_eq!(case.act(&case.employer_token, "submit", json!({})).await.status, 200);
}

#[actix_web::test]
async fn posts_in_sectors_with_their_own_scheme_are_refused_at_submission() {
    let app = TestApp::spawn().await;
    let mut care = dishwashers(1, 14000);
    care["industry_sector"] = json!("RESIDENTIAL_CARE_HOME");
    let case = Case::draft(&app, "10000013", 10, vec![care]).await;
    let problem = case
        .act(&case.employer_token, "submit", json!({}))
        .await
        .assert_problem(422, "rule-violation");
    assert_eq!(problem["rule_id"], "R-ELIG-3");
}

#[actix_web::test]
async fn the_designated_category_rule_flips_exactly_on_its_effective_date() {
    let app = TestApp::spawn().await;
    // The exclusion of the 26 categories returns from 2026-06-01 (a future policy decision).
    let added = app
        .post(
            "/v1/policy",
            &app.token(Role::Admin, None),
            json!({"key": "designated_exclusion_suspended", "value": false, "effective_from": "2026-06-01",
                   "confidence": "firm", "source_note": "Review outcome (test)"}),
        )
        .await;
    assert_eq!(added.status, 201, "{}", String::from_utf8_lossy(&added.bytes));
    let before = Case::draft(&app, "10000014", 10, vec![waiters(1, 16500)]).await;
    let on_the_day = Case::draft(&app, "10000015", 10, vec![waiters(1, 16500)]).await;
    let other_post = Case::draft(&app, "10000016", 10, vec![dishwashers(1, 14000)]).await;
    app.set_today("2026-05-31");
    assert_eq!(
        before.act(&before.employer_token, "submit", json!({})).await.status,
        200
    );
    app.set_today("2026-06-01");
    let problem = on_the_day
        .act(&on_the_day.employer_token, "submit", json!({}))
        .await
        .assert_problem(422, "rule-violation");
    assert_eq!(problem["rule_id"], "R-ELIG-4");
    assert_eq!(
        other_post
            .act(&other_post.employer_token, "submit", json!({}))
            .await
            .status,
        200
    );
}

#[actix_web::test]
async fn an_information_request_pauses_the_sla_clock_until_answered() {
    let app = TestApp::spawn().await;
    let case = Case::draft(&app, "10000017", 10, vec![dishwashers(1, 14000)]).await;
    case.ok(&case.employer_token, "submit").await;
    case.act(&case.caseworker, "request-info", json!({}))
        .await
        .assert_invalid_field("message");
    let asked = case
        .act(
            &case.caseworker,
            "request-info",
            json!({"message": "Send the MPF statements"}),
        )
        .await;
    assert_eq!(asked.json()["status"], "INFO_REQUESTED");
    app.set_today("2026-03-12");
    let sla = case.get().await["sla"].clone();
    assert_eq!(
        (
            sla["paused"].as_bool(),
            sla["paused_days"].as_i64(),
            sla["elapsed_days"].as_i64()
        ),
        (Some(true), Some(10), Some(0))
    );
    let answered = case
        .act(&case.employer_token, "respond", json!({"message": "Attached"}))
        .await;
    assert_eq!(answered.json()["status"], "SCREENING");
    app.set_today("2026-03-22");
    let sla = case.get().await["sla"].clone();
    assert_eq!(
        (
            sla["paused"].as_bool(),
            sla["paused_days"].as_i64(),
            sla["elapsed_days"].as_i64()
        ),
        (Some(false), Some(10), Some(10))
    );
    assert_eq!(sla["due_on"], "2026-06-10");
}

#[actix_web::test]
async fn precheck_runs_every_check_on_a_draft_and_changes_nothing() {
    let app = TestApp::spawn().await;
    publish_wage_table(&app).await;
    let case = Case::draft(&app, "10000018", 1, vec![dishwashers(1, 13000)]).await;
    let audit_before = app.count("SELECT count(*) AS n FROM audit_events");
    let response = app
        .post(
            &format!("/v1/applications/{}/precheck", case.id),
            &case.employer_token,
            json!({}),
        )
        .await;
    assert_eq!(response.status, 200);
    let body = response.json();
    assert_eq!(body["would_pass_submission"], true);
    let stored: Vec<RuleResult> = serde_json::from_value(body["results"].clone()).unwrap();
    assert!(!rule(&stored, "R-WAGE-1").passed(), "13,000 is under the 13,500 median");
    assert!(
        !rule(&stored, "R-RAT-1").passed(),
        "one local allows no imported worker"
    );
    assert_eq!(case.get().await["status"], "DRAFT");
    assert_eq!(app.count("SELECT count(*) AS n FROM audit_events"), audit_before);
    assert_eq!(app.count("SELECT count(*) AS n FROM decision_records"), 0);
}

#[actix_web::test]
async fn the_submission_checks_are_stored_with_their_policy_rows() {
    let app = TestApp::spawn().await;
    let case = Case::draft(&app, "10000019", 10, vec![waiters(1, 16500)]).await;
    case.ok(&case.employer_token, "submit").await;
    let checks = app
        .get(&format!("/v1/applications/{}/checks", case.id), &case.employer_token)
        .await
        .json();
    let submission = &checks["records"][0];
    assert_eq!(submission["kind"], "SUBMISSION");
    let stored = results(submission);
    let designated = rule(&stored, "R-ELIG-4");
    assert!(designated.passed());
    assert_eq!(designated.policy[0].key, "designated_exclusion_suspended");
    assert_eq!(designated.policy[0].effective_from.to_string(), "2023-09-04");
    let ids: Vec<&str> = stored.iter().map(|r| r.rule_id.as_str()).collect();
    assert_eq!(ids, vec!["R-ELIG-4", "R-ELIG-3", "R-APP-3", "R-SAN-2"]);
}

#[actix_web::test]
async fn a_caseworker_enters_a_benchmark_for_a_post_with_no_table_row() {
    let app = TestApp::spawn().await;
    publish_wage_table(&app).await;
    let mut kitchen = dishwashers(1, 15000);
    kitchen["post_code"] = Value::Null;
    kitchen["post_title"] = json!("Dim sum chef assistant");
    let case = Case::draft(&app, "10000020", 10, vec![kitchen]).await;
    case.start_recruitment().await;
    let vacancy = case.vacancy_ids().await[0].clone();
    let path = format!("/v1/applications/{}/vacancies/{vacancy}/wage-benchmark", case.id);
    let body = json!({"median_monthly_wage_hkd": 14800, "source": "C&SD AEHS May 2025"});
    app.call(Method::PUT, &path, Some(&case.employer_token), Some(body.clone()))
        .await
        .assert_problem(403, "forbidden");
    let set = app.call(Method::PUT, &path, Some(&case.caseworker), Some(body)).await;
    assert_eq!(set.status, 200);
    assert_eq!(set.json()["vacancies"][0]["benchmark_median_hkd"], 14800);
    case.to_decision("2026-03-30").await;
    assert_eq!(case.ok(&case.approver, "approve").await["status"], "APPROVED");
}

#[actix_web::test]
async fn the_six_month_bar_binds_only_to_submissions_from_17_june_2025() {
    let app = TestApp::spawn().await;
    let (_, token) = app.employer_with_token("10000021").await;
    let submit_new = || async {
        let draft = app
            .post(
                "/v1/applications",
                &token,
                json!({"justification": "x", "vacancies": [dishwashers(1, 14000)]}),
            )
            .await
            .json();
        let id = draft["id"].as_str().unwrap().to_owned();
        app.post(&format!("/v1/applications/{id}/actions/submit"), &token, json!({}))
            .await
    };
    app.set_today("2025-06-01");
    assert_eq!(submit_new().await.status, 200);
    app.set_today("2025-06-16");
    assert_eq!(submit_new().await.status, 200, "no bar in force the day before");
    app.set_today("2025-06-17");
    let problem = submit_new().await.assert_problem(422, "rule-violation");
    assert_eq!(problem["rule_id"], "R-APP-3");
}

#[actix_web::test]
async fn recruitment_benchmark_and_action_inputs_are_checked_field_by_field() {
    let app = TestApp::spawn().await;
    publish_wage_table(&app).await;
    let case = Case::draft(&app, "10000030", 10, vec![dishwashers(1, 14000)]).await;
    // Fields an action does not take, or needs, are named before anything happens.
    case.act(&case.employer_token, "submit", json!({"due_on": "2026-04-01"}))
        .await
        .assert_invalid_field("due_on");
    case.start_recruitment().await;
    let vacancy = case.vacancy_ids().await[0].clone();
    let base = format!("/v1/applications/{}", case.id);

    let (adverts, referrals, fairs) = (
        format!("{base}/recruitment/adverts"),
        format!("{base}/recruitment/referrals"),
        format!("{base}/recruitment/job-fairs"),
    );
    let advert = |body: Value| app.post(&adverts, &case.employer_token, body);
    advert(json!({"vacancy_id": uuid::Uuid::new_v4(), "newspaper": "Ming Pao", "published_on": "2026-03-03"}))
        .await
        .assert_invalid_field("vacancy_id");
    advert(json!({"vacancy_id": vacancy, "published_on": "2026-03-03"}))
        .await
        .assert_invalid_field("newspaper");

    let referral = |body: Value| app.post(&referrals, &case.caseworker, body);
    referral(json!({"vacancy_id": vacancy, "source": "FRIEND", "job_seeker_ref": "JS-1", "referred_on": "2026-03-03"}))
        .await
        .assert_invalid_field("source");
    let referred = referral(
        json!({"vacancy_id": vacancy, "source": "REFERRAL", "job_seeker_ref": "JS-1", "referred_on": "2026-03-03"}),
    )
    .await;
    let referral_id = referred.json()["id"].as_str().unwrap().to_owned();
    let problem = app
        .call(
            Method::PUT,
            &format!("{base}/recruitment/referrals/{referral_id}/outcome"),
            Some(&case.employer_token),
            Some(json!({"outcome": "REJECTED"})),
        )
        .await
        .assert_invalid_field("reason");
    assert!(
        problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "meets_requirements")
    );
    app.call(
        Method::PUT,
        &format!("{base}/recruitment/referrals/{}/outcome", uuid::Uuid::new_v4()),
        Some(&case.employer_token),
        Some(json!({"outcome": "NO_SHOW"})),
    )
    .await
    .assert_problem(404, "not-found");

    let fair = |body: Value| app.post(&fairs, &case.caseworker, body);
    fair(
        json!({"vacancy_id": vacancy, "week_no": 0, "session_on": "2026-03-02", "centre": "Kowloon", "attended": true}),
    )
    .await
    .assert_invalid_field("week_no");
    fair(
        json!({"vacancy_id": vacancy, "week_no": 1, "session_on": "2026-03-09", "centre": "Kowloon", "attended": true}),
    )
    .await
    .assert_invalid_field("session_on");

    let benchmark = format!("{base}/vacancies/{vacancy}/wage-benchmark");
    app.call(
        Method::PUT,
        &benchmark,
        Some(&case.caseworker),
        Some(json!({"median_monthly_wage_hkd": 0, "source": "C&SD"})),
    )
    .await
    .assert_invalid_field("median_monthly_wage_hkd");
    app.call(
        Method::PUT,
        &format!("{base}/vacancies/{}/wage-benchmark", uuid::Uuid::new_v4()),
        Some(&case.caseworker),
        Some(json!({"median_monthly_wage_hkd": 15000, "source": "C&SD"})),
    )
    .await
    .assert_problem(404, "not-found");

    let recorded = app
        .call(
            Method::PUT,
            &format!("{base}/recruitment/referrals/{referral_id}/outcome"),
            Some(&case.employer_token),
            Some(json!({"outcome": "NO_SHOW"})),
        )
        .await;
    assert_eq!(recorded.status, 200);
    case.to_decision("2026-03-30").await;
    case.act(&case.approver, "refuse", json!({}))
        .await
        .assert_invalid_field("reason_codes");
    case.act(&case.approver, "refuse", json!({"reason_codes": ["BAD_VIBES"]}))
        .await
        .assert_invalid_field("reason_codes[0]");
    let recommend_with_codes = json!({"reason_codes": ["RATIO_NOT_MET"]});
    case.act(&case.caseworker, "recommend", recommend_with_codes)
        .await
        .assert_invalid_field("reason_codes");
    case.act(&case.caseworker, "recommend", json!({}))
        .await
        .assert_problem(409, "action-not-allowed");
    assert_eq!(case.get().await["status"], "DECISION_PENDING");
}

#[actix_web::test]
async fn a_per_post_ratio_added_through_policy_counts_the_same_in_the_quota_and_the_decision() {
    let app = TestApp::spawn().await;
    publish_wage_table(&app).await;
    // Ten full-time locals, all waiters: five imported waiters at 2:1, three at 3:1.
    let case = Case::draft(&app, "10000031", 10, vec![waiters(5, 16500)]).await;
    let published = app
        .post(
            "/v1/policy",
            &app.token(Role::Admin, None),
            json!({"key": "ratio_local_per_imported", "scope": "WAITER", "value": 3, "effective_from": "2026-03-02",
                   "confidence": "firm", "source_note": "Stricter ratio for waiters"}),
        )
        .await;
    assert_eq!(published.status, 201, "{}", String::from_utf8_lossy(&published.bytes));
    let path = format!("/v1/employers/{}/quota", case.employer);
    let quota = || {
        let (app, path, token) = (&app, &path, &case.caseworker);
        async move {
            let q = app.get(path, token).await.json();
            let waiters = q["per_post"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["scope"] == "WAITER")
                .unwrap()
                .clone();
            (q, waiters)
        }
    };
    let (before, waiter) = quota().await;
    assert_eq!(before["enterprise"]["locals_per_imported"], 2);
    assert_eq!(before["enterprise"]["capacity"], 5);
    assert_eq!(waiter["locals_per_imported"], 3);
    assert_eq!(waiter["capacity"], 3);
    assert_eq!(waiter["places_still_allowed"], 3);

    case.start_recruitment().await;
    let vacancy = case.vacancy_ids().await.remove(0);
    case.attend_job_fairs(&vacancy, 1..=6).await;
    case.to_decision("2026-04-13").await;
    let decided = case.ok(&case.approver, "approve").await;

    // The decision grants what the quota said was still allowed, at the same ratio.
    assert_eq!(decided["status"], "PARTIALLY_APPROVED");
    assert_eq!(decided["places_approved"], waiter["places_still_allowed"]);
    let decision = results(&case.decision().await);
    let ratio = rule(&decision, "R-RAT-1");
    assert_eq!(ratio.inputs["locals_per_imported"], 3);
    assert_eq!(ratio.output["capacity"], waiter["capacity"]);
    let (_, after) = quota().await;
    assert_eq!(after["places_approved"], 3);
    assert_eq!(after["places_still_allowed"], 0);
}
