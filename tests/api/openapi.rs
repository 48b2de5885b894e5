//! The OpenAPI document: every route is in it, every operation states its errors, and its shape is
//! pinned by a snapshot (review changes with `cargo insta review`).

use actix_web::http::Method;
use serde_json::Value;

use crate::helpers::TestApp;

async fn document() -> Value {
    let app = TestApp::spawn().await;
    let response = app.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(response.status, 200);
    response.json()
}

const ROUTES: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/v1/job-categories"),
    ("get", "/v1/policy"),
    ("post", "/v1/policy"),
    ("get", "/v1/wage-tables"),
    ("post", "/v1/wage-tables"),
    ("get", "/v1/wage-tables/{id}"),
    ("get", "/v1/wage-tables/lookup"),
    ("post", "/v1/employers"),
    ("get", "/v1/employers"),
    ("get", "/v1/employers/{id}"),
    ("post", "/v1/employers/{id}/headcount-returns"),
    ("get", "/v1/employers/{id}/headcount-returns"),
    ("get", "/v1/employers/{id}/quota"),
    ("post", "/v1/employers/{id}/sanctions"),
    ("get", "/v1/employers/{id}/sanctions"),
    ("post", "/v1/applications"),
    ("get", "/v1/applications"),
    ("get", "/v1/applications/{id}"),
    ("patch", "/v1/applications/{id}"),
    ("post", "/v1/applications/{id}/actions/{action}"),
    ("post", "/v1/applications/{id}/precheck"),
    ("get", "/v1/applications/{id}/checks"),
    ("get", "/v1/applications/{id}/decision"),
    ("get", "/v1/applications/{id}/history"),
    ("put", "/v1/applications/{id}/vacancies/{vacancy_id}/wage-benchmark"),
    ("get", "/v1/applications/{id}/recruitment"),
    ("post", "/v1/applications/{id}/recruitment/adverts"),
    ("post", "/v1/applications/{id}/recruitment/referrals"),
    (
        "put",
        "/v1/applications/{id}/recruitment/referrals/{referral_id}/outcome",
    ),
    ("post", "/v1/applications/{id}/recruitment/job-fairs"),
    ("get", "/v1/applications/{id}/workers"),
    ("post", "/v1/applications/{id}/workers"),
    ("get", "/v1/applications/{id}/compliance"),
    ("get", "/v1/employers/{id}/compliance"),
    ("get", "/v1/compliance"),
    ("get", "/v1/workers/{id}"),
    ("get", "/v1/queue"),
    ("get", "/v1/notifications"),
    ("get", "/v1/webhooks"),
    ("get", "/v1/webhooks/{id}"),
    ("get", "/v1/jobs"),
    ("put", "/v1/applications/{id}/assignment"),
    ("delete", "/v1/applications/{id}/assignment"),
    ("post", "/v1/assignments"),
    ("patch", "/v1/notifications/{id}"),
    ("post", "/v1/webhooks"),
    ("delete", "/v1/webhooks/{id}"),
    ("post", "/v1/webhooks/{id}/deliveries/{delivery_id}/replay"),
    ("post", "/v1/jobs/{id}/retry"),
    ("get", "/v1/consultations"),
    ("get", "/v1/applications/{id}/consultation"),
    ("post", "/v1/applications/{id}/consultation/views"),
    ("get", "/v1/public-holidays"),
    ("post", "/v1/public-holidays"),
    ("post", "/v1/complaints"),
    ("get", "/v1/complaints"),
    ("get", "/v1/complaints/{id}"),
    ("post", "/v1/complaints/{id}/status"),
    ("post", "/v1/inspections"),
    ("get", "/v1/inspections"),
    ("get", "/v1/inspections/{id}"),
    ("post", "/v1/employers/{id}/agency-authorisations"),
    ("get", "/v1/employers/{id}/agency-authorisations"),
    ("delete", "/v1/employers/{id}/agency-authorisations/{authorisation_id}"),
    ("post", "/v1/immigration/events"),
    ("post", "/v1/applications/{id}/documents"),
    ("get", "/v1/applications/{id}/documents"),
    ("post", "/v1/employers/{id}/documents"),
    ("get", "/v1/employers/{id}/documents"),
    ("post", "/v1/workers/{id}/documents"),
    ("get", "/v1/workers/{id}/documents"),
    ("post", "/v1/complaints/{id}/documents"),
    ("get", "/v1/complaints/{id}/documents"),
    ("get", "/v1/documents/{id}"),
    ("get", "/v1/documents/{id}/content"),
    ("put", "/v1/workers/{id}/contract"),
    ("post", "/v1/workers/{id}/visa"),
    ("post", "/v1/workers/{id}/levy"),
    ("post", "/v1/workers/{id}/arrival"),
    ("post", "/v1/workers/{id}/briefing"),
    ("post", "/v1/workers/{id}/wage-payments"),
    ("post", "/v1/workers/{id}/separation"),
    ("get", "/v1/audit/events"),
    ("get", "/v1/audit/export"),
    ("get", "/v1/audit/verify"),
    ("get", "/v1/stats"),
];

/// Reference data every role may read: these alone have no 403.
const OPEN_TO_EVERY_ROLE: &[(&str, &str)] = &[
    ("get", "/v1/job-categories"),
    ("get", "/v1/policy"),
    ("get", "/v1/wage-tables"),
    ("get", "/v1/wage-tables/{id}"),
    ("get", "/v1/wage-tables/lookup"),
    ("get", "/v1/public-holidays"),
];

#[actix_web::test]
async fn document_is_openapi_3_1_and_lists_exactly_the_served_routes() {
    let doc = document().await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push((method.clone(), path.clone()));
        }
    }
    documented.sort();
    let mut expected: Vec<(String, String)> = ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    expected.sort();
    assert_eq!(documented, expected);
}

#[actix_web::test]
async fn every_v1_operation_states_its_auth_and_input_errors_as_problems() {
    let doc = document().await;
    for (path, item) in doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(p, _)| p.starts_with("/v1"))
    {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            let mut required = vec!["401", "503"];
            if !OPEN_TO_EVERY_ROLE.contains(&(method.as_str(), path.as_str())) {
                required.push("403");
            }
            if operation.get("requestBody").is_some() || path.contains('{') || operation.get("parameters").is_some() {
                required.push("400");
            }
            if path.contains("{id}") {
                required.push("404");
            }
            for status in required {
                let response = responses
                    .get(status)
                    .unwrap_or_else(|| panic!("{method} {path} lacks {status}"));
                assert!(
                    response["content"]["application/problem+json"].is_object(),
                    "{method} {path} {status} is not problem+json"
                );
            }
            assert!(operation["security"].is_array(), "{method} {path} states no security");
        }
    }
}

#[actix_web::test]
async fn every_creating_post_takes_an_idempotency_key_and_states_its_reuse_error() {
    let doc = document().await;
    for (path, item) in doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(p, _)| p.starts_with("/v1"))
    {
        let Some(post) = item.get("post") else { continue };
        if path.ends_with("/precheck") {
            continue; // computes, creates nothing
        }
        if path == "/v1/immigration/events" {
            // The sender's own event id in the body is the key; its reuse with another body is the 422.
            assert!(post["responses"]["422"].is_object());
            continue;
        }
        let takes_key = post["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header"));
        assert!(takes_key, "POST {path} takes no Idempotency-Key");
        assert!(post["responses"]["422"].is_object(), "POST {path} does not state 422");
    }
}

#[actix_web::test]
async fn operation_ids_are_the_handler_names() {
    let doc = document().await;
    assert_eq!(
        doc["paths"]["/v1/applications"]["post"]["operationId"],
        "create_application"
    );
    assert_eq!(
        doc["paths"]["/v1/applications/{id}/actions/{action}"]["post"]["operationId"],
        "act_on_application"
    );
    assert_eq!(
        doc["paths"]["/v1/wage-tables/lookup"]["get"]["operationId"],
        "lookup_wage"
    );
}

#[actix_web::test]
async fn document_matches_its_snapshot() {
    let doc = document().await;
    insta::assert_json_snapshot!("openapi", doc);
}

#[actix_web::test]
async fn every_operation_is_described_for_the_clients_generated_from_it() {
    let doc = document().await;
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let path_parameters: Vec<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        for (method, operation) in item.as_object().unwrap() {
            operations += 1;
            let summary = operation["summary"].as_str().unwrap_or_default();
            assert!(
                !summary.is_empty() && !summary.contains('\n'),
                "{method} {path}: summary {summary:?}"
            );
            let description = operation["description"].as_str().unwrap_or_default();
            assert!(
                !description.is_empty() && !description.starts_with(summary),
                "{method} {path}: no description beyond the summary"
            );
            for (status, response) in operation["responses"].as_object().unwrap() {
                assert!(
                    response["description"].as_str().is_some_and(|d| !d.is_empty()),
                    "{method} {path} {status}: no description"
                );
            }
            if let Some(body) = operation.get("requestBody") {
                for (media_type, content) in body["content"].as_object().unwrap() {
                    assert!(
                        content.get("example").is_some(),
                        "{method} {path} {media_type}: no example"
                    );
                }
            }
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap();
                // A parameter is in the path exactly when the path names it.
                assert_eq!(
                    parameter["in"] == "path",
                    path_parameters.contains(&name),
                    "{method} {path}: parameter {name} is in {}",
                    parameter["in"]
                );
            }
        }
    }
    assert_eq!(operations, ROUTES.len());
    let actions = &doc["paths"]["/v1/applications/{id}/actions/{action}"]["post"]["parameters"];
    let action = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "action")
        .unwrap();
    let names: Vec<&str> = action["schema"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(names.contains(&"submit") && names.contains(&"approve"), "{names:?}");
    assert!(
        !names.contains(&"lapse") && !names.contains(&"approve-partially"),
        "{names:?}"
    );
}

#[actix_web::test]
async fn every_paged_list_states_the_form_of_its_cursor() {
    let doc = document().await;
    let mut lists = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Some(cursor) = operation["parameters"]
                .as_array()
                .and_then(|ps| ps.iter().find(|p| p["name"] == "cursor"))
            else {
                continue;
            };
            lists += 1;
            let expected = if path.starts_with("/v1/audit/") || path == "/v1/notifications" {
                "^[0-9]{1,18}$"
            } else {
                sls_case::workflow::CURSOR_PATTERN
            };
            assert_eq!(cursor["schema"]["pattern"], expected, "{method} {path}");
        }
    }
    assert_eq!(lists, 7);
}
