use actix_web::http::Method;
use sls_case::domain::Role;

use crate::helpers::TestApp;

#[actix_web::test]
async fn lists_the_26_designated_categories_in_published_order_for_every_role() {
    let app = TestApp::spawn().await;
    let employer = app.create_employer("11111111").await;
    for role in Role::TOKEN_ROLES {
        let token = app.token(role, (role == Role::Employer).then_some(employer));
        let response = app.get("/v1/job-categories", &token).await;
        assert_eq!(response.status, 200, "{role}");
        let items = response.json()["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), 26, "{role}");
        assert_eq!(items[0]["code"], "SALES_REPRESENTATIVE");
        assert_eq!(items[2]["code"], "WAITER");
        assert_eq!(items[2]["name_zh"], "侍應生");
        assert_eq!(items[25]["code"], "LEAK_REPAIRER");
        let ironer = items.iter().find(|c| c["code"] == "IRONER").unwrap();
        assert_eq!(ironer["name_zh"], "整熨工");
        assert_eq!(ironer["aliases"], serde_json::json!(["整髮工"]));
    }
}

#[actix_web::test]
async fn job_categories_need_a_token() {
    let app = TestApp::spawn().await;
    app.call(Method::GET, "/v1/job-categories", None, None)
        .await
        .assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn the_exclusion_is_shown_in_force_before_esls_and_suspended_from_its_first_day() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Auditor, None);
    let on = |date: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            let body = app.get(&format!("/v1/job-categories?on={date}"), &token).await.json();
            assert_eq!(body["on"], date);
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["exclusion_in_force"].as_bool().unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert!(on("2023-09-03").await.iter().all(|&excluded| excluded));
    assert!(on("2023-09-04").await.iter().all(|&excluded| !excluded));
    app.get("/v1/job-categories?on=soon", &token)
        .await
        .assert_invalid_field("on");
}
