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
