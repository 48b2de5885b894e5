//! CSV where people use spreadsheets, and content negotiation everywhere: the applications list, a wage
//! table, the compliance views and the audit export as CSV downloads; an `Accept` nothing meets is 406.

use actix_web::http::{Method, header};
use actix_web::test::TestRequest;
use sls_case::domain::Role;

use crate::helpers::{TestApp, TestResponse};
use crate::workers::approved;
use crate::workflow::{Case, dishwashers, publish_wage_table};

async fn get_as(app: &TestApp, path: &str, token: &str, accept: &str) -> TestResponse {
    app.send(
        TestRequest::get()
            .uri(path)
            .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
            .insert_header((header::ACCEPT, accept)),
    )
    .await
}

fn rows(response: &TestResponse) -> (Vec<String>, Vec<csv::StringRecord>) {
    assert_eq!(response.status, 200, "{}", String::from_utf8_lossy(&response.bytes));
    assert_eq!(response.content_type(), "text/csv; charset=utf-8");
    let mut reader = csv::Reader::from_reader(&response.bytes[..]);
    let header = reader.headers().unwrap().iter().map(str::to_owned).collect();
    (header, reader.records().map(Result::unwrap).collect())
}

fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|c| c == name)
        .unwrap_or_else(|| panic!("{name} in {header:?}"))
}

#[actix_web::test]
async fn the_applications_list_downloads_as_csv_page_by_page_an_employer_only_its_own() {
    let app = TestApp::spawn().await;
    let first = Case::draft(&app, "61000001", 10, vec![dishwashers(2, 14000)]).await;
    let second = first.another(vec![dishwashers(1, 14000)], "NEW").await;
    let other = Case::draft(&app, "61000002", 10, vec![dishwashers(1, 14000)]).await;
    let staff = app.token(Role::Caseworker, None);

    let by_accept = get_as(&app, "/v1/applications", &staff, "text/csv").await;
    let disposition = by_accept.header("content-disposition").unwrap();
    assert_eq!(disposition, "attachment; filename=\"applications-2026-03-02.csv\"");
    let (header, all) = rows(&by_accept);
    assert_eq!(header[0], "reference");
    assert_eq!(all.len(), 3);
    let by_query = app.get("/v1/applications?format=csv", &staff).await;
    assert_eq!(rows(&by_query).1.len(), 3);

    // An employer's download holds its own cases only.
    let (header, own) = rows(&get_as(&app, "/v1/applications", &first.employer_token, "text/csv").await);
    let ids: Vec<&str> = own.iter().map(|r| &r[column(&header, "id")]).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&first.id.as_str()) && ids.contains(&second.id.as_str()));
    assert!(!ids.contains(&other.id.as_str()));
    let status = column(&header, "status");
    assert!(own.iter().all(|r| &r[status] == "DRAFT"));
    let workers = column(&header, "workers_requested");
    assert!(own.iter().any(|r| &r[workers] == "2"));

    // Paged: the next page in `Link`, which gives the rest when followed.
    let page = app.get("/v1/applications?format=csv&limit=2", &staff).await;
    assert_eq!(rows(&page).1.len(), 2);
    let link = page.header("link").expect("a next page");
    let next = link
        .strip_prefix('<')
        .and_then(|l| l.split_once(">; rel=\"next\""))
        .unwrap()
        .0;
    assert!(next.starts_with("/v1/applications?") && next.contains("format=csv") && next.contains("limit=2"));
    let rest = app.get(next, &staff).await;
    assert_eq!(rows(&rest).1.len(), 1);
    assert_eq!(rest.header("link"), None);
}

#[actix_web::test]
async fn what_accept_rules_out_is_406_and_an_unknown_format_is_400() {
    let app = TestApp::spawn().await;
    let staff = app.token(Role::Caseworker, None);
    // A JSON-only list asked for CSV, and a list asked for HTML.
    for (path, accept) in [
        ("/v1/employers", "text/csv"),
        ("/v1/wage-tables", "text/csv"),
        ("/v1/applications", "text/html"),
        ("/v1/applications", "application/json;q=0, text/csv;q=0"),
    ] {
        let response = get_as(&app, path, &staff, accept).await;
        let body = response.assert_problem(406, "not-acceptable");
        assert!(body["detail"].as_str().unwrap().contains("application/json"), "{body}");
    }
    // What clients send by default still works.
    for accept in [
        "*/*",
        "application/json",
        "application/json, text/plain, */*",
        "application/*",
    ] {
        assert_eq!(
            get_as(&app, "/v1/employers", &staff, accept).await.status,
            200,
            "{accept}"
        );
    }
    app.get("/v1/applications?format=xml", &staff)
        .await
        .assert_invalid_field("format");
    let ndjson = app.get("/v1/applications?format=ndjson", &staff).await;
    let body = ndjson.assert_invalid_field("format");
    assert!(
        body["errors"][0]["reason"].as_str().unwrap().contains("json, csv"),
        "{body}"
    );
    // The document says so: every operation with a body can answer 406.
    let doc = app.call(Method::GET, "/openapi.json", None, None).await.json();
    assert!(doc["paths"]["/v1/employers"]["get"]["responses"]["406"].is_object());
}

#[actix_web::test]
async fn a_wage_table_downloads_as_the_csv_it_can_be_published_from() {
    let app = TestApp::spawn().await;
    let id = publish_wage_table(&app).await;
    let reader = app.token(Role::Auditor, None);
    let response = get_as(&app, &format!("/v1/wage-tables/{id}"), &reader, "text/csv").await;
    assert_eq!(
        response.header("content-disposition").as_deref(),
        Some("attachment; filename=\"wage-table-TEST-2026-01.csv\"")
    );
    // With the UTF-8 byte-order mark, so Excel shows 洗碗工 rather than mojibake.
    assert!(response.bytes.starts_with("\u{feff}post_code,".as_bytes()));
    let (header, table) = rows(&response);
    assert_eq!(
        header.join(","),
        "post_code,title_en,title_zh,industry_section,median_monthly_wage_hkd,normal_hours_per_day,is_common_post"
    );
    assert_eq!(table.len(), 2);
    let dishwasher = table.iter().find(|r| &r[0] == "DISHWASHER").unwrap();
    assert_eq!(
        dishwasher.iter().collect::<Vec<_>>(),
        ["DISHWASHER", "Dishwasher", "洗碗工", "Catering", "13500", "10", "true"]
    );

    // Published again as it came: the same rows.
    let admin = app.token(Role::Admin, None);
    let republished = app
        .send(
            TestRequest::post()
                .uri("/v1/wage-tables?version_label=TEST-2026-07&published_on=2026-06-15&effective_from=2026-07-01&source_note=Re-published")
                .insert_header((header::AUTHORIZATION, format!("Bearer {admin}")))
                .insert_header((header::CONTENT_TYPE, "text/csv"))
                .set_payload(response.bytes.clone()),
        )
        .await;
    assert_eq!(
        republished.status,
        201,
        "{}",
        String::from_utf8_lossy(&republished.bytes)
    );
    let again = app
        .get(
            &format!(
                "/v1/wage-tables/{}?format=csv",
                republished.json()["id"].as_str().unwrap()
            ),
            &admin,
        )
        .await;
    assert_eq!(rows(&again).1, table);
}

#[actix_web::test]
async fn an_upload_error_names_the_file_s_line_and_every_bad_cell_with_its_type() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin, None);
    let csv = "post_code,title_en,title_zh,industry_section,median_monthly_wage_hkd,normal_hours_per_day,is_common_post\n\
               COOK,\"Cook,\nfirst line\",,Catering,15000,10,true\n\
               bad code,Waiter,,Catering,twelve thousand,,maybe\n";
    let response = app
        .send(
            TestRequest::post()
                .uri("/v1/wage-tables?version_label=BAD&published_on=2026-01-01&effective_from=2026-02-01&source_note=Bad")
                .insert_header((header::AUTHORIZATION, format!("Bearer {admin}")))
                .insert_header((header::CONTENT_TYPE, "text/csv"))
                .set_payload(csv),
        )
        .await;
    let body = response.assert_problem(400, "validation-error");
    let errors: Vec<(String, String)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // The bad row is the file's line 4: the quoted title above it spans lines 2 and 3.
    let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        fields,
        [
            "line 4: post_code",
            "line 4: median_monthly_wage_hkd",
            "line 4: is_common_post"
        ]
    );
    assert!(errors[1].1.contains("whole number of Hong Kong dollars"), "{errors:?}");
    assert!(errors[2].1.contains("true or false"), "{errors:?}");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM wage_tables WHERE version_label = 'BAD'"),
        0
    );
}

#[actix_web::test]
async fn compliance_views_download_one_row_per_obligation() {
    let app = TestApp::spawn().await;
    let (case, _) = approved(&app, "61000003", 2).await;
    let json = app
        .get(
            &format!("/v1/applications/{}/compliance", case.id),
            &case.employer_token,
        )
        .await
        .json();
    let owed = json["obligations"].as_array().unwrap().len();
    assert!(owed >= 2, "{json}");

    let response = get_as(
        &app,
        &format!("/v1/applications/{}/compliance", case.id),
        &case.employer_token,
        "text/csv",
    )
    .await;
    let disposition = response.header("content-disposition").unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"compliance-application-"),
        "{disposition}"
    );
    let (header, obligations) = rows(&response);
    assert_eq!(obligations.len(), owed);
    let kind = column(&header, "kind");
    assert!(
        obligations.iter().all(|r| &r[kind] == "VISA_APPLICATION"),
        "{obligations:?}"
    );
    assert!(
        obligations
            .iter()
            .all(|r| r[column(&header, "rule_id")].starts_with("R-"))
    );

    let employer = case.get().await["employer_id"].as_str().unwrap().to_owned();
    let (_, by_employer) = rows(
        &app.get(
            &format!("/v1/employers/{employer}/compliance?format=csv"),
            &case.employer_token,
        )
        .await,
    );
    assert_eq!(by_employer.len(), owed);
    let staff = app.token(Role::Caseworker, None);
    let (header, everyone) = rows(&app.get("/v1/compliance?format=csv", &staff).await);
    assert!(everyone.iter().all(|r| r[column(&header, "employer_id")] == employer));
    assert_eq!(everyone.len(), owed);

    // Another employer's case is not found, in CSV as in JSON.
    let (_, stranger) = app.employer_with_token("61000004").await;
    get_as(
        &app,
        &format!("/v1/applications/{}/compliance", case.id),
        &stranger,
        "text/csv",
    )
    .await
    .assert_problem(404, "not-found");
}

#[actix_web::test]
async fn the_audit_export_honours_limit_and_downloads_under_a_name() {
    let app = TestApp::spawn().await;
    for brn in ["61000005", "61000006", "61000007"] {
        app.create_employer(brn).await;
    }
    let auditor = app.token(Role::Auditor, None);
    let all = app.get("/v1/audit/export?action=employer.created", &auditor).await;
    assert_eq!(
        all.header("content-disposition").as_deref(),
        Some("attachment; filename=\"audit-2026-03-02.ndjson\"")
    );
    assert_eq!(String::from_utf8_lossy(&all.bytes).lines().count(), 3);
    let limited = app
        .get("/v1/audit/export?action=employer.created&limit=2", &auditor)
        .await;
    assert_eq!(String::from_utf8_lossy(&limited.bytes).lines().count(), 2);
    let csv = app
        .get("/v1/audit/export?action=employer.created&limit=1&format=csv", &auditor)
        .await;
    assert_eq!(
        csv.header("content-disposition").as_deref(),
        Some("attachment; filename=\"audit-2026-03-02.csv\"")
    );
    assert_eq!(rows(&csv).1.len(), 1);
    app.get("/v1/audit/export?limit=0", &auditor)
        .await
        .assert_invalid_field("limit");
    app.get("/v1/audit/export?format=json", &auditor)
        .await
        .assert_invalid_field("format");
    get_as(&app, "/v1/audit/export", &auditor, "application/json")
        .await
        .assert_problem(406, "not-acceptable");
}
