//! Every endpoint, every role: no token is 401, a role not allowed is 403 with nothing written, and
//! every allowed role gets past the check.

use actix_web::http::Method;
use serde_json::{Value, json};
use sls_case::domain::{EmployerId, Role};

use crate::helpers::{TestApp, draft_body, employer_body, jwt_keys};

struct Fixture {
    employer: EmployerId,
    employer_token: String,
    application: String,
}

struct Endpoint {
    method: Method,
    path: fn(&Fixture) -> String,
    body: Option<fn() -> Value>,
    allowed: &'static [Role],
}

/// A new business registration number each time, so repeated creates do not conflict.
fn unique_employer() -> Value {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(90_000_000);
    employer_body(&NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed).to_string())
}

const CASE_READERS: &[Role] = &[Role::Caseworker, Role::Approver, Role::Auditor, Role::Employer];

fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint {
            method: Method::GET,
            path: |_| "/v1/job-categories".into(),
            body: None,
            allowed: &Role::TOKEN_ROLES,
        },
        Endpoint {
            method: Method::POST,
            path: |_| "/v1/employers".into(),
            body: Some(unique_employer),
            allowed: &[Role::Caseworker, Role::Admin],
        },
        Endpoint {
            method: Method::GET,
            path: |_| "/v1/employers".into(),
            body: None,
            allowed: CASE_READERS,
        },
        Endpoint {
            method: Method::GET,
            path: |f| format!("/v1/employers/{}", f.employer),
            body: None,
            allowed: CASE_READERS,
        },
        Endpoint {
            method: Method::POST,
            path: |_| "/v1/applications".into(),
            body: Some(draft_body),
            allowed: &[Role::Employer],
        },
        Endpoint {
            method: Method::GET,
            path: |_| "/v1/applications".into(),
            body: None,
            allowed: CASE_READERS,
        },
        Endpoint {
            method: Method::GET,
            path: |f| format!("/v1/applications/{}", f.application),
            body: None,
            allowed: CASE_READERS,
        },
        Endpoint {
            method: Method::PATCH,
            path: |f| format!("/v1/applications/{}", f.application),
            body: Some(|| json!({"justification": "edit"})),
            allowed: &[Role::Employer],
        },
        Endpoint {
            method: Method::POST,
            path: |f| format!("/v1/applications/{}/actions/submit", f.application),
            body: None,
            allowed: &[Role::Employer],
        },
        Endpoint {
            method: Method::POST,
            path: |f| format!("/v1/applications/{}/actions/withdraw", f.application),
            body: None,
            allowed: &[Role::Employer],
        },
        Endpoint {
            method: Method::GET,
            path: |f| format!("/v1/applications/{}/history", f.application),
            body: None,
            allowed: CASE_READERS,
        },
    ]
}

async fn fixture(app: &TestApp) -> Fixture {
    let (employer, employer_token) = app.employer_with_token("12345678").await;
    let draft = app.create_draft(&employer_token).await;
    Fixture {
        employer,
        employer_token,
        application: draft["id"].as_str().unwrap().to_owned(),
    }
}

fn token_for(app: &TestApp, f: &Fixture, role: Role) -> String {
    if role == Role::Employer {
        f.employer_token.clone()
    } else {
        app.token(role, None)
    }
}

fn snapshot(app: &TestApp) -> (i64, i64, i64) {
    (
        app.count("SELECT count(*) AS n FROM audit_events"),
        app.count("SELECT count(*) AS n FROM employers"),
        app.count("SELECT count(*) AS n FROM applications"),
    )
}

#[actix_web::test]
async fn every_protected_endpoint_refuses_missing_garbage_expired_and_forged_tokens_with_401() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let before = snapshot(&app);
    let expired = {
        use jsonwebtoken::{EncodingKey, Header, encode};
        let now = jsonwebtoken::get_current_timestamp();
        let claims = json!({"sub": "x", "role": "caseworker", "iat": now - 7200, "exp": now - 3600, "iss": "sls-case", "aud": "sls-case-api"});
        encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(crate::helpers::TEST_SECRET.as_bytes()),
        )
        .unwrap()
    };
    let forged = sls_case::auth::JwtKeys::new(
        &secrecy::SecretString::from("another-secret-another-secret-0123456"),
        &crate::helpers::jwt_settings(),
    )
    .mint("x", Role::Caseworker, None, std::time::Duration::from_secs(60))
    .unwrap();
    for endpoint in endpoints() {
        let path = (endpoint.path)(&f);
        for token in [None, Some("garbage"), Some(expired.as_str()), Some(forged.as_str())] {
            let response = app
                .call(endpoint.method.clone(), &path, token, endpoint.body.map(|b| b()))
                .await;
            response.assert_problem(401, "unauthenticated");
            assert!(response.header("www-authenticate").unwrap().starts_with("Bearer"));
        }
    }
    assert_eq!(snapshot(&app), before);
    // A valid token from the same keys is accepted, so the refusals above are about the tokens.
    let valid = jwt_keys()
        .mint("x", Role::Caseworker, None, std::time::Duration::from_secs(60))
        .unwrap();
    assert_eq!(app.get("/v1/applications", &valid).await.status, 200);
}

#[actix_web::test]
async fn every_endpoint_refuses_each_role_not_allowed_with_403_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let before = snapshot(&app);
    for endpoint in endpoints() {
        let path = (endpoint.path)(&f);
        for role in Role::TOKEN_ROLES.into_iter().filter(|r| !endpoint.allowed.contains(r)) {
            let response = app
                .call(
                    endpoint.method.clone(),
                    &path,
                    Some(&token_for(&app, &f, role)),
                    endpoint.body.map(|b| b()),
                )
                .await;
            assert_eq!(response.status, 403, "{role} on {} {path}", endpoint.method);
            assert_eq!(response.content_type(), "application/problem+json");
        }
    }
    assert_eq!(snapshot(&app), before);
}

#[actix_web::test]
async fn every_allowed_role_gets_past_the_role_check() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    for endpoint in endpoints() {
        let path = (endpoint.path)(&f);
        for &role in endpoint.allowed {
            let mut request = actix_web::test::TestRequest::default()
                .method(endpoint.method.clone())
                .uri(&path)
                .insert_header(("authorization", format!("Bearer {}", token_for(&app, &f, role))));
            if endpoint.method == Method::PATCH {
                request = request.insert_header(("if-match", "*"));
            }
            if let Some(body) = endpoint.body {
                request = request.set_json(body());
            }
            let response = app.send(request).await;
            assert!(
                response.status.is_success(),
                "{role} on {} {path}: {} {}",
                endpoint.method,
                response.status,
                String::from_utf8_lossy(&response.bytes)
            );
        }
    }
}
