//! Documents: streamed into PostgreSQL in chunks and back out, within a size limit, of a media type the
//! content really is, with the SHA-256 in the audit event (and so under the hash chain), and read as the
//! record they belong to is.

use actix_web::http::{Method, header};
use actix_web::test::TestRequest;
use sha2::{Digest, Sha256};
use sls_case::domain::Role;

use crate::helpers::{PDF, PNG, TestApp};
use crate::workers::{DOCUMENT, approved, name, ok};

/// A PDF of `size` bytes (the header, then filler).
fn pdf_of(size: usize) -> Vec<u8> {
    let mut content = PDF.to_vec();
    content.resize(size, b'x');
    content
}

#[actix_web::test]
async fn a_document_streams_in_and_out_in_chunks_with_its_hash_in_the_chained_trail() {
    let app = TestApp::spawn().await;
    let (employer, own) = app.employer_with_token("91000001").await;
    let draft = app.create_draft(&own).await;
    let case = draft["id"].as_str().unwrap();
    // 600 KiB: three chunks of at most 256 KiB.
    let content = pdf_of(600 * 1024);
    let sha = format!("{:x}", Sha256::digest(&content));
    let uploaded = app
        .upload(
            &format!("/v1/applications/{case}/documents?kind=MPF_STATEMENT&file_name=MPF%20Q1.pdf"),
            &own,
            "application/pdf",
            &content,
        )
        .await;
    assert_eq!(uploaded.status, 201, "{}", String::from_utf8_lossy(&uploaded.bytes));
    let document = uploaded.json();
    assert_eq!(document["sha256"], sha);
    assert_eq!(document["size_bytes"], 600 * 1024);
    assert_eq!(document["file_name"], "MPF Q1.pdf");
    assert_eq!(document["employer_id"], employer.to_string());
    let id = document["id"].as_str().unwrap();
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM document_chunks WHERE document_id = '{id}'"
        )),
        3
    );
    // Out again, chunk by chunk, byte for byte.
    let request = TestRequest::get()
        .uri(&format!("/v1/documents/{id}/content"))
        .insert_header((header::AUTHORIZATION, format!("Bearer {own}")));
    let chunks = app.chunks(request).await;
    assert!(chunks.len() >= 3, "{} chunks", chunks.len());
    let downloaded: Vec<u8> = chunks.concat();
    assert_eq!(downloaded, content);
    let response = app
        .send(
            TestRequest::get()
                .uri(&format!("/v1/documents/{id}/content"))
                .insert_header((header::AUTHORIZATION, format!("Bearer {own}"))),
        )
        .await;
    assert_eq!(response.content_type(), "application/pdf");
    assert_eq!(response.header("etag").as_deref(), Some(format!("\"{sha}\"").as_str()));
    assert!(response.header("content-disposition").unwrap().contains("MPF-Q1.pdf"));
    // The trail holds the hash, in the case's chain, and the chain verifies.
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM audit_events WHERE action = 'document.attached' AND application_id = '{case}' AND after->>'sha256' = '{sha}'"
        )),
        1
    );
    let verified = app
        .get("/v1/audit/verify", &app.token(Role::Auditor, None))
        .await
        .json();
    assert_eq!(verified["intact"], true, "{verified}");
    // Never changed or removed, even by the service's own database role.
    let mut conn = app.db.connect();
    for sql in [
        format!("UPDATE documents SET file_name = 'x' WHERE id = '{id}'"),
        format!("DELETE FROM document_chunks WHERE document_id = '{id}'"),
    ] {
        let err = diesel::RunQueryDsl::execute(diesel::sql_query(&sql), &mut conn).expect_err(&sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
}

#[actix_web::test]
async fn content_that_is_not_what_it_is_declared_or_too_large_is_refused_and_nothing_is_kept() {
    let app = TestApp::spawn_configured(256 * 1024, |state| state.with_document_limit(100_000)).await;
    let (employer, own) = app.employer_with_token("91000002").await;
    let path = format!("/v1/employers/{employer}/documents?kind=LICENCE&file_name=licence.pdf");
    let events = app.count("SELECT count(*) AS n FROM audit_events");
    // A PDF declared as PNG, a PNG declared as PDF, HTML declared as PDF, a type not taken.
    app.upload(&path, &own, "image/png", PDF)
        .await
        .assert_problem(415, "unsupported-media-type");
    app.upload(&path, &own, "application/pdf", PNG)
        .await
        .assert_problem(415, "unsupported-media-type");
    app.upload(
        &path,
        &own,
        "application/pdf",
        b"<html><script>alert(1)</script></html>",
    )
    .await
    .assert_problem(415, "unsupported-media-type");
    app.upload(&path, &own, "text/html", b"<html></html>")
        .await
        .assert_problem(415, "unsupported-media-type");
    // Larger than the limit: refused while streaming (no Content-Length to go by), and refused up front.
    let chunked = TestRequest::post()
        .uri(&path)
        .insert_header((header::AUTHORIZATION, format!("Bearer {own}")))
        .insert_header((header::CONTENT_TYPE, "application/pdf"))
        .set_payload(pdf_of(300_000));
    app.send(chunked).await.assert_problem(413, "payload-too-large");
    let empty = app.upload(&path, &own, "application/pdf", b"").await;
    empty.assert_problem(400, "validation-error");
    // A kind that is not kept with an employer.
    app.upload(
        &format!("/v1/employers/{employer}/documents?kind=SIGNED_CONTRACT&file_name=c.pdf"),
        &own,
        "application/pdf",
        PDF,
    )
    .await
    .assert_problem(400, "validation-error");
    assert_eq!(app.count("SELECT count(*) AS n FROM documents"), 0);
    assert_eq!(app.count("SELECT count(*) AS n FROM document_chunks"), 0);
    assert_eq!(app.count("SELECT count(*) AS n FROM audit_events"), events);
    // Within the limit, a PNG declared as PNG is taken.
    let png = app
        .upload(
            &format!("/v1/employers/{employer}/documents?kind=LICENCE&file_name=licence.png"),
            &own,
            "image/png",
            PNG,
        )
        .await;
    assert_eq!(png.status, 201, "{}", String::from_utf8_lossy(&png.bytes));
}

#[actix_web::test]
async fn a_document_is_read_as_the_record_it_belongs_to() {
    let app = TestApp::spawn().await;
    let (case, vacancy) = approved(&app, "91000003", 1).await;
    let worker = ok(&name(&case, &vacancy, DOCUMENT).await, 201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let contract = app
        .upload(
            &format!("/v1/workers/{worker}/documents?kind=SIGNED_CONTRACT&file_name=sec.pdf"),
            &case.employer_token,
            "application/pdf",
            PDF,
        )
        .await;
    assert_eq!(contract.status, 201, "{}", String::from_utf8_lossy(&contract.bytes));
    let id = contract.json()["id"].as_str().unwrap().to_owned();
    let listed = app
        .get(&format!("/v1/workers/{worker}/documents"), &case.caseworker)
        .await
        .json();
    assert_eq!(listed["items"][0]["id"], id.as_str());
    // In the worker's case history, with its hash.
    let history = app
        .get(&format!("/v1/applications/{}/history", case.id), &case.caseworker)
        .await
        .json();
    assert!(
        history["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "document.attached")
    );

    let (_, stranger) = app.employer_with_token("91000004").await;
    let inspector = app.token(Role::Inspector, None);
    let admin = app.token(Role::Admin, None);
    for (token, status) in [
        (&case.employer_token, 200),
        (&case.caseworker, 200),
        (&app.token(Role::Auditor, None), 200),
        (&stranger, 404),
        (&inspector, 404),
        (&admin, 403),
        (&app.token(Role::LabMember, None), 403),
    ] {
        for path in [format!("/v1/documents/{id}"), format!("/v1/documents/{id}/content")] {
            assert_eq!(app.get(&path, token).await.status, status, "{path}");
        }
    }
    // A complaint's evidence: inspectors and staff read it; the employer complained about does not.
    let complaint = app
        .post(
            "/v1/complaints",
            &inspector,
            serde_json::json!({"received_on": "2026-03-01", "channel": "LETTER", "subject": "OTHER", "complainant_kind": "PUBLIC",
                               "anonymous": true, "summary": "Photo of the kitchen", "employer_id": case.employer}),
        )
        .await
        .json();
    let evidence = app
        .upload(
            &format!(
                "/v1/complaints/{}/documents?kind=COMPLAINT_EVIDENCE&file_name=photo.png",
                complaint["id"].as_str().unwrap()
            ),
            &inspector,
            "image/png",
            PNG,
        )
        .await;
    assert_eq!(evidence.status, 201, "{}", String::from_utf8_lossy(&evidence.bytes));
    let evidence = evidence.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get(&format!("/v1/documents/{evidence}"), &inspector).await.status,
        200
    );
    assert_eq!(
        app.get(&format!("/v1/documents/{evidence}"), &case.caseworker)
            .await
            .status,
        200
    );
    assert_eq!(
        app.get(&format!("/v1/documents/{evidence}"), &case.employer_token)
            .await
            .status,
        404
    );
    let unknown = app
        .call(
            Method::GET,
            &format!("/v1/documents/{}", uuid::Uuid::new_v4()),
            Some(&case.caseworker),
            None,
        )
        .await;
    unknown.assert_problem(404, "not-found");
}
