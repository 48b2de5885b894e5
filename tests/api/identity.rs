//! Identity from the department's OpenID Connect provider: RS256 and ES256 tokens checked against a
//! JSON Web Key Set (a file, or a URL served here by a real HTTP server), keys rotated by `kid`, the
//! role read from a configurable claim; and everything a forger would try, refused.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use actix_web::http::Method;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sls_case::auth::oidc::IdentityProvider;
use sls_case::config::{JwksSource, OidcSettings};

use crate::helpers::TestApp;

const ISSUER: &str = "https://sso.labour.gov.hk/realms/staff";
const AUDIENCE: &str = "sls-case-api";

/// A signing key made here, and its public half as a JWK.
pub(crate) struct TestKey {
    kid: String,
    algorithm: Algorithm,
    encoding: EncodingKey,
    jwk: Value,
}

fn rsa_key(kid: &str) -> TestKey {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::traits::PublicKeyParts;
    // Generating RSA keys is slow in a debug build: one per test binary, named as each test likes.
    static KEY: OnceLock<rsa::RsaPrivateKey> = OnceLock::new();
    let private = KEY.get_or_init(|| rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap());
    let pem = private.to_pkcs1_pem(rsa::pkcs1::LineEnding::LF).unwrap();
    TestKey {
        kid: kid.to_owned(),
        algorithm: Algorithm::RS256,
        encoding: EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
        jwk: json!({
            "kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
            "n": URL_SAFE_NO_PAD.encode(private.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(private.e().to_bytes_be()),
        }),
    }
}

pub(crate) fn ec_key(kid: &str) -> TestKey {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    use p256::pkcs8::EncodePrivateKey;
    let secret = p256::SecretKey::random(&mut rsa::rand_core::OsRng);
    let point = secret.public_key().to_encoded_point(false);
    let pem = secret.to_pkcs8_pem(p256::pkcs8::LineEnding::LF).unwrap();
    TestKey {
        kid: kid.to_owned(),
        algorithm: Algorithm::ES256,
        encoding: EncodingKey::from_ec_pem(pem.as_bytes()).unwrap(),
        jwk: json!({
            "kty": "EC", "kid": kid, "crv": "P-256",
            "x": URL_SAFE_NO_PAD.encode(point.x().unwrap()),
            "y": URL_SAFE_NO_PAD.encode(point.y().unwrap()),
        }),
    }
}

pub(crate) fn key_set(keys: &[&TestKey]) -> Value {
    json!({"keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>()})
}

/// A token as the provider issues it: Keycloak-style roles under `realm_access.roles`, prefixed.
pub(crate) fn claims(roles: Value, extra: Value) -> Value {
    let now = jsonwebtoken::get_current_timestamp();
    let mut claims = json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": "f3b9c2d0-staff-chan", "iat": now, "exp": now + 300,
        "preferred_username": "chan.tai.man", "realm_access": {"roles": roles},
    });
    for (name, value) in extra.as_object().unwrap() {
        claims[name] = value.clone();
    }
    claims
}

pub(crate) fn sign(key: &TestKey, claims: &Value) -> String {
    let mut header = Header::new(key.algorithm);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, &key.encoding).unwrap()
}

fn settings(jwks: JwksSource, min_refetch: Duration) -> OidcSettings {
    OidcSettings {
        issuer: ISSUER.to_owned(),
        jwks,
        audience: AUDIENCE.to_owned(),
        role_claim: "realm_access.roles".to_owned(),
        role_prefix: "sls-case-".to_owned(),
        employer_claim: "employer_id".to_owned(),
        agency_claim: "agency".to_owned(),
        algorithms: vec![Algorithm::RS256, Algorithm::ES256],
        cache_for: Duration::from_secs(3600),
        min_refetch,
    }
}

async fn app_with(settings: OidcSettings) -> TestApp {
    let provider = IdentityProvider::new(settings, 30, Duration::from_secs(86_400)).unwrap();
    TestApp::spawn_configured(256 * 1024, |state| state.with_identity_provider(provider)).await
}

pub(crate) fn key_file(set: &Value) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("sls-case-jwks-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&path, set.to_string()).unwrap();
    path
}

async fn status(app: &TestApp, path: &str, token: &str) -> u16 {
    app.get(path, token).await.status.as_u16()
}

#[actix_web::test]
async fn staff_and_employers_signed_in_at_the_provider_are_served_by_their_role() {
    let (rsa, ec) = (rsa_key("rsa-2026"), ec_key("ec-2026"));
    let file = key_file(&key_set(&[&rsa, &ec]));
    let app = app_with(settings(JwksSource::File(file.clone()), Duration::from_secs(10))).await;

    // A caseworker (RS256): reads cases, may not publish policy.
    let caseworker = sign(
        &rsa,
        &claims(json!(["sls-case-caseworker", "offline_access"]), json!({})),
    );
    assert_eq!(status(&app, "/v1/applications", &caseworker).await, 200);
    let policy = json!({"key": "x", "value": 1, "effective_from": "2026-04-01"});
    assert_eq!(app.post("/v1/policy", &caseworker, policy).await.status, 403);

    // An employer user (ES256) with its employer in a claim: confined to its own records.
    let (employer, _) = app.employer_with_token("62000001").await;
    let other = app.create_employer("62000002").await;
    let employer_user = sign(
        &ec,
        &claims(json!(["sls-case-employer"]), json!({"employer_id": employer.0})),
    );
    assert_eq!(
        status(&app, &format!("/v1/employers/{}", employer.0), &employer_user).await,
        200
    );
    assert_eq!(
        status(&app, &format!("/v1/employers/{}", other.0), &employer_user).await,
        404
    );
    let draft = app.create_draft(&employer_user).await;
    // The provider's subject is the actor in the audit trail.
    assert_eq!(draft["created_by"], "f3b9c2d0-staff-chan");
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM audit_events WHERE actor_sub = 'f3b9c2d0-staff-chan' AND actor_role = 'employer'"
        ),
        1
    );
    // The service's own development tokens still work beside the provider's.
    assert_eq!(
        status(
            &app,
            "/v1/applications",
            &app.token(sls_case::domain::Role::Auditor, None)
        )
        .await,
        200
    );
    std::fs::remove_file(file).unwrap();
}

#[actix_web::test]
async fn forged_confused_and_incoherent_tokens_are_refused() {
    let rsa = rsa_key("rsa-2026");
    let ec = ec_key("ec-2026");
    let file = key_file(&key_set(&[&rsa, &ec]));
    let app = app_with(settings(JwksSource::File(file.clone()), Duration::from_secs(3600))).await;
    let caseworker = json!(["sls-case-caseworker"]);
    let now = jsonwebtoken::get_current_timestamp();

    let mut refused: Vec<(&str, String)> = vec![
        (
            "another issuer",
            sign(
                &rsa,
                &claims(caseworker.clone(), json!({"iss": "https://evil.example"})),
            ),
        ),
        (
            "another audience",
            sign(&rsa, &claims(caseworker.clone(), json!({"aud": "another-service"}))),
        ),
        (
            "expired",
            sign(
                &rsa,
                &claims(caseworker.clone(), json!({"iat": now - 900, "exp": now - 600})),
            ),
        ),
        (
            "living over a day",
            sign(&rsa, &claims(caseworker.clone(), json!({"exp": now + 90_000}))),
        ),
        (
            "no role of ours",
            sign(&rsa, &claims(json!(["offline_access"]), json!({}))),
        ),
        (
            "two roles at once",
            sign(
                &rsa,
                &claims(json!(["sls-case-caseworker", "sls-case-approver"]), json!({})),
            ),
        ),
        (
            "a role without the prefix",
            sign(&rsa, &claims(json!(["admin"]), json!({}))),
        ),
        (
            "the system role",
            sign(&rsa, &claims(json!(["sls-case-system"]), json!({}))),
        ),
        (
            "an employer without its employer",
            sign(&rsa, &claims(json!(["sls-case-employer"]), json!({}))),
        ),
        (
            "staff naming an employer",
            sign(
                &rsa,
                &claims(caseworker.clone(), json!({"employer_id": uuid::Uuid::new_v4()})),
            ),
        ),
        (
            "an employer id that is not a UUID",
            sign(
                &rsa,
                &claims(json!(["sls-case-employer"]), json!({"employer_id": "ACME"})),
            ),
        ),
        (
            "no subject",
            sign(&rsa, &claims(caseworker.clone(), json!({"sub": null}))),
        ),
    ];
    // Signed by a key the provider does not publish, under a kid it does.
    let impostor = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
    let impostor_pem = rsa::pkcs1::EncodeRsaPrivateKey::to_pkcs1_pem(&impostor, rsa::pkcs1::LineEnding::LF).unwrap();
    let impostor = TestKey {
        kid: "rsa-2026".into(),
        algorithm: Algorithm::RS256,
        encoding: EncodingKey::from_rsa_pem(impostor_pem.as_bytes()).unwrap(),
        jwk: Value::Null,
    };
    refused.push((
        "another key, a published kid",
        sign(&impostor, &claims(caseworker.clone(), json!({}))),
    ));
    // An EC key's kid on an RS256 token; a kid nobody published.
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("ec-2026".into());
    refused.push((
        "the EC key's kid on RS256",
        jsonwebtoken::encode(&header, &claims(caseworker.clone(), json!({})), &rsa.encoding).unwrap(),
    ));
    header.kid = Some("made-up".into());
    refused.push((
        "an unknown kid",
        jsonwebtoken::encode(&header, &claims(caseworker.clone(), json!({})), &rsa.encoding).unwrap(),
    ));
    // Algorithm confusion: HS256 "signed" with the provider's public key as the shared secret.
    let public_pem = {
        use rsa::pkcs1::EncodeRsaPublicKey;
        let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 1024).unwrap();
        key.to_public_key().to_pkcs1_pem(rsa::pkcs1::LineEnding::LF).unwrap()
    };
    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = Some("rsa-2026".into());
    refused.push((
        "HS256 with a public key as the secret",
        jsonwebtoken::encode(
            &hs,
            &claims(caseworker.clone(), json!({})),
            &EncodingKey::from_secret(public_pem.as_bytes()),
        )
        .unwrap(),
    ));
    // RS384 is not configured, though the key could make it.
    let mut rs384 = Header::new(Algorithm::RS384);
    rs384.kid = Some("rsa-2026".into());
    refused.push((
        "an algorithm not configured",
        jsonwebtoken::encode(&rs384, &claims(caseworker.clone(), json!({})), &rsa.encoding).unwrap(),
    ));
    // `alg: none`.
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT","kid":"rsa-2026"}"#),
        URL_SAFE_NO_PAD.encode(claims(caseworker.clone(), json!({})).to_string())
    );
    refused.push(("alg none", unsigned));

    for (what, token) in &refused {
        let response = app.get("/v1/applications", token).await;
        assert_eq!(response.status, 401, "{what}");
        response.assert_problem(401, "unauthenticated");
    }
    // The honest one, for contrast.
    assert_eq!(
        status(&app, "/v1/applications", &sign(&rsa, &claims(caseworker, json!({})))).await,
        200
    );
    std::fs::remove_file(file).unwrap();
}

/// A JWKS endpoint on 127.0.0.1 whose key set the test changes, counting the fetches.
struct KeyServer {
    url: String,
    set: Arc<Mutex<Value>>,
    fetches: Arc<Mutex<u32>>,
}

async fn key_server(initial: Value) -> KeyServer {
    let set = Arc::new(Mutex::new(initial));
    let fetches = Arc::new(Mutex::new(0));
    let (served, counted) = (set.clone(), fetches.clone());
    let server = actix_web::HttpServer::new(move || {
        let (served, counted) = (served.clone(), counted.clone());
        actix_web::App::new().route(
            "/certs",
            actix_web::web::get().to(move || {
                let (served, counted) = (served.clone(), counted.clone());
                async move {
                    *counted.lock().unwrap() += 1;
                    actix_web::HttpResponse::Ok().json(served.lock().unwrap().clone())
                }
            }),
        )
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let url = format!("http://{}/certs", server.addrs()[0]);
    actix_web::rt::spawn(server.run());
    KeyServer { url, set, fetches }
}

#[actix_web::test]
async fn a_rotated_key_is_fetched_by_its_kid_and_the_retired_one_refused() {
    let (old, new) = (rsa_key("2026-q1"), ec_key("2026-q2"));
    let server = key_server(key_set(&[&old])).await;
    let jwks = JwksSource::Url(server.url.parse().unwrap());
    let app = app_with(settings(jwks, Duration::ZERO)).await;
    let caseworker = |key: &TestKey| sign(key, &claims(json!(["sls-case-caseworker"]), json!({})));

    assert_eq!(status(&app, "/v1/applications", &caseworker(&old)).await, 200);
    assert_eq!(status(&app, "/v1/applications", &caseworker(&old)).await, 200);
    assert_eq!(*server.fetches.lock().unwrap(), 1, "keys are cached");

    // The provider rotates: the new key is published, the old one retired.
    *server.set.lock().unwrap() = key_set(&[&new]);
    assert_eq!(status(&app, "/v1/applications", &caseworker(&new)).await, 200);
    assert_eq!(
        *server.fetches.lock().unwrap(),
        2,
        "an unknown kid fetched the set again"
    );
    assert_eq!(status(&app, "/v1/applications", &caseworker(&old)).await, 401);
}

#[actix_web::test]
async fn made_up_kids_do_not_make_the_service_hammer_the_provider() {
    let key = rsa_key("only");
    let server = key_server(key_set(&[&key])).await;
    let app = app_with(settings(
        JwksSource::Url(server.url.parse().unwrap()),
        Duration::from_secs(3600),
    ))
    .await;
    let auditor = |key: &TestKey| sign(key, &claims(json!(["sls-case-auditor"]), json!({})));
    assert_eq!(status(&app, "/v1/applications", &auditor(&key)).await, 200);
    for n in 0..5 {
        let made_up = TestKey {
            kid: format!("made-up-{n}"),
            algorithm: Algorithm::RS256,
            encoding: key.encoding.clone(),
            jwk: Value::Null,
        };
        assert_eq!(status(&app, "/v1/applications", &auditor(&made_up)).await, 401);
    }
    assert_eq!(*server.fetches.lock().unwrap(), 1);
}

#[actix_web::test]
async fn an_unreachable_provider_is_a_503_not_a_401_until_its_keys_are_known() {
    let key = rsa_key("k");
    // Nothing listens on port 1.
    let app = app_with(settings(
        JwksSource::Url("http://127.0.0.1:1/certs".parse().unwrap()),
        Duration::ZERO,
    ))
    .await;
    let response = app
        .call(
            Method::GET,
            "/v1/applications",
            Some(&sign(&key, &claims(json!(["sls-case-auditor"]), json!({})))),
            None,
        )
        .await;
    response.assert_problem(503, "service-unavailable");
}
