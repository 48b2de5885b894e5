//! `TestApp`: the real application, in process, on its own fresh database cloned from a migrated
//! template. The template is built once per migration set (guarded by an advisory lock, since nextest
//! runs each test in its own process) and each test's database is dropped when the test ends.

use std::time::Duration;

use actix_http::Request;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::{Method, StatusCode, header};
use actix_web::test::{self, TestRequest};
use actix_web::web::Bytes;
use diesel::{Connection, PgConnection, RunQueryDsl};
use secrecy::SecretString;
use serde_json::{Value, json};
use sls_case::auth::JwtKeys;
use sls_case::clock::Clock;
use sls_case::config::JwtSettings;
use sls_case::db;
use sls_case::domain::{EmployerId, Role};
use sls_case::startup::{AppState, build_app};
use uuid::Uuid;

type BoxedApp = actix_service::boxed::BoxService<Request, ServiceResponse<BoxBody>, actix_web::Error>;

/// The PostgreSQL server tests run against (no database name). `scripts/test` points this at a
/// throwaway, fsync-off cluster; by default it is the local server.
pub fn server_url() -> String {
    std::env::var("TEST_DATABASE_SERVER").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

pub fn admin_connection() -> PgConnection {
    PgConnection::establish(&format!("{}/postgres", server_url())).expect("test PostgreSQL server is reachable")
}

fn template_name() -> String {
    format!("sls_tpl_{}", db::MIGRATIONS_FINGERPRINT)
}

#[derive(diesel::QueryableByName)]
struct Exists {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    exists: bool,
}

fn database_exists(conn: &mut PgConnection, name: &str) -> bool {
    diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result::<Exists>(conn)
        .expect("query pg_database")
        .exists
}

/// Creates the migrated template if this migration set has none yet.
fn ensure_template() -> String {
    let template = template_name();
    let mut admin = admin_connection();
    diesel::sql_query("SELECT pg_advisory_lock(727274)")
        .execute(&mut admin)
        .expect("advisory lock");
    if !database_exists(&mut admin, &template) {
        // Build under a temporary name and rename, so a crash never leaves a half-migrated template.
        let building = format!("{template}_building");
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
            .execute(&mut admin)
            .unwrap();
        diesel::sql_query(format!("CREATE DATABASE {building}"))
            .execute(&mut admin)
            .unwrap();
        db::run_migrations(&format!("{}/{building}", server_url())).expect("migrate the template");
        diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {template}"))
            .execute(&mut admin)
            .unwrap();
    }
    diesel::sql_query("SELECT pg_advisory_unlock(727274)")
        .execute(&mut admin)
        .expect("advisory unlock");
    template
}

/// A database of its own for one test, dropped (connections and all) when the guard goes.
pub struct TestDatabase {
    pub name: String,
    /// As the owner (a superuser): for arranging and inspecting what the service cannot.
    pub url: String,
}

impl TestDatabase {
    /// A fresh copy of the migrated template.
    pub fn migrated() -> Self {
        let template = ensure_template();
        let name = format!("t_{}", Uuid::new_v4().simple());
        diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .execute(&mut admin_connection())
            .expect("create test database");
        Self {
            url: format!("{}/{name}", server_url()),
            name,
        }
    }

    /// An empty database, for migration tests.
    pub fn empty() -> Self {
        let name = format!("t_{}", Uuid::new_v4().simple());
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin_connection())
            .expect("create");
        Self {
            url: format!("{}/{name}", server_url()),
            name,
        }
    }

    pub fn connect(&self) -> PgConnection {
        PgConnection::establish(&self.url).expect("connect to test database")
    }

    /// The service's own login to this database, as `serve` derives it.
    pub fn service_url(&self) -> String {
        db::service_url(&self.url, None).expect("a service URL")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&format!("{}/postgres", server_url())) {
            let _ =
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).execute(&mut admin);
        }
    }
}

/// The pool a test's service uses: small, with the production timeouts' shape.
pub fn pool_settings(max_size: usize) -> sls_case::config::PoolSettings {
    sls_case::config::PoolSettings {
        max_size,
        timeout: Duration::from_secs(10),
        statement_timeout: Duration::from_secs(30),
        transaction_timeout: Duration::from_secs(60),
    }
}

/// A minimal PDF: what the media type check recognises as `application/pdf`.
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
/// The first bytes of a PNG image.
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

pub const TEST_SECRET: &str = "test-secret-test-secret-test-secret-0123";

pub fn jwt_settings() -> JwtSettings {
    JwtSettings {
        secret: None,
        issuer: "sls-case".into(),
        audience: "sls-case-api".into(),
        leeway_secs: 5,
        max_lifetime: Duration::from_secs(86_400),
    }
}

pub fn document_key() -> sls_case::personal_data::TravelDocumentKey {
    sls_case::personal_data::TravelDocumentKey::new(secrecy::SecretString::from("test-pii-key-test-pii-key-0123456789"))
}

pub fn jwt_keys() -> JwtKeys {
    JwtKeys::new(&SecretString::from(TEST_SECRET), &jwt_settings())
}

/// A response, with the body parsed as JSON when it is JSON.
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: header::HeaderMap,
    pub bytes: Bytes,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|_| panic!("body is not JSON: {}", String::from_utf8_lossy(&self.bytes)))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).map(|v| v.to_str().unwrap().to_owned())
    }

    pub fn content_type(&self) -> String {
        self.header("content-type").unwrap_or_default()
    }

    /// Asserts a problem+json body with this status and `type` slug; returns the body.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, slug: &str) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "body: {}",
            String::from_utf8_lossy(&self.bytes)
        );
        assert_eq!(self.content_type(), "application/problem+json");
        let body = self.json();
        assert_eq!(body["type"], format!("urn:sls-case:problem:{slug}"), "body: {body}");
        assert_eq!(body["status"], status);
        body
    }

    /// Asserts a 400 naming `field` among the failing fields.
    #[track_caller]
    pub fn assert_invalid_field(&self, field: &str) -> Value {
        let body = self.assert_problem(400, "validation-error");
        let fields = invalid_fields(&body);
        assert!(fields.iter().any(|f| f == field), "expected {field} in {fields:?}");
        body
    }

    /// Asserts a 400 and returns the fields it names, in order.
    #[track_caller]
    pub fn invalid_fields(&self) -> Vec<String> {
        invalid_fields(&self.assert_problem(400, "validation-error"))
    }
}

/// The `field` of every error of a validation problem.
fn invalid_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

pub struct TestApp {
    app: BoxedApp,
    pub db: TestDatabase,
    keys: JwtKeys,
    /// The service's clock: tests move it instead of waiting.
    pub clock: Clock,
    /// The service's pool, for what runs beside the HTTP API (timer sweeps, job runners).
    pub pool: db::DbPool,
}

/// Where every test's clock starts: 2026-03-02 10:00 in Hong Kong (after every policy change seeded).
pub const START: &str = "2026-03-02T02:00:00Z";

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with_body_limit(256 * 1024).await
    }

    pub async fn spawn_with_body_limit(max_body_bytes: usize) -> Self {
        Self::spawn_configured(max_body_bytes, |state| state).await
    }

    /// A service whose state `configure` adjusts (CORS origins, say) before it starts.
    pub async fn spawn_configured(max_body_bytes: usize, configure: impl FnOnce(AppState) -> AppState) -> Self {
        if std::env::var("TEST_LOG").is_ok() {
            sls_case::telemetry::init(sls_case::config::LogFormat::Text, "debug");
        }
        let db = TestDatabase::migrated();
        let pool = db::build_pool(&db.service_url(), &pool_settings(3)).expect("pool");
        let clock = Clock::fixed(START.parse().unwrap());
        let service_pool = pool.clone();
        let state = configure(
            AppState::new(pool, jwt_keys(), document_key(), max_body_bytes)
                .expect("state")
                .with_clock(clock.clone()),
        );
        let service = test::init_service(build_app(state)).await;
        let app = actix_service::boxed::service(actix_service::ServiceExt::map(service, |res: ServiceResponse<_>| {
            res.map_body(|_, body| body.boxed())
        }));
        Self {
            app,
            db,
            keys: jwt_keys(),
            clock,
            pool: service_pool,
        }
    }

    /// Sweeps every timer as of the service clock's today.
    pub async fn sweep(&self) -> sls_case::workflow::timers::SweepReport {
        sls_case::workflow::timers::sweep(&self.pool, self.clock.today())
            .await
            .expect("sweep")
    }

    /// A job runner over this service's database and clock, paced for tests.
    pub fn runner(&self) -> sls_case::workflow::jobs::Runner {
        let settings = sls_case::workflow::jobs::JobSettings {
            backoff_base: Duration::from_millis(20),
            backoff_max: Duration::from_millis(200),
            webhook_timeout: Duration::from_secs(2),
            webhook_private_addresses: true,
            ..Default::default()
        };
        sls_case::workflow::jobs::Runner::new(self.pool.clone(), self.clock.clone(), settings, document_key())
            .expect("runner")
    }

    /// Moves the clock to 10:00 Hong Kong time on `date` (YYYY-MM-DD).
    pub fn set_today(&self, date: &str) {
        self.clock.set(format!("{date}T02:00:00Z").parse().unwrap());
    }

    pub fn token(&self, role: Role, employer: Option<EmployerId>) -> String {
        self.keys
            .mint(&format!("test-{role}"), role, employer, Duration::from_secs(600))
            .unwrap()
    }

    pub fn token_for(&self, sub: &str, role: Role, employer: Option<EmployerId>) -> String {
        self.keys.mint(sub, role, employer, Duration::from_secs(600)).unwrap()
    }

    /// A token of an agency's user acting for `employer`.
    pub fn agency_token(&self, sub: &str, employer: EmployerId, agency: &str) -> String {
        self.keys
            .mint_for_agency(
                sub,
                Role::Employer,
                Some(employer),
                Some(agency),
                Duration::from_secs(600),
            )
            .unwrap()
    }

    /// Uploads `content` as `media_type` to `path` (`…/documents?kind=…&file_name=…`).
    pub async fn upload(&self, path: &str, token: &str, media_type: &str, content: &[u8]) -> TestResponse {
        let request = TestRequest::post()
            .uri(path)
            .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
            .insert_header((header::CONTENT_TYPE, media_type))
            .set_payload(content.to_vec());
        self.send(request).await
    }

    /// The employer (its own user) uploads an authorisation letter and authorises `agency` for
    /// `applications` (`None`: all) through 2027; returns the authorisation.
    pub async fn authorise_agency(
        &self,
        employer: EmployerId,
        agency: &str,
        applications: Option<Vec<String>>,
    ) -> Value {
        let own = self.token(Role::Employer, Some(employer));
        let letter = self
            .upload(
                &format!("/v1/employers/{employer}/documents?kind=AUTHORISATION_LETTER&file_name=letter.pdf"),
                &own,
                "application/pdf",
                PDF,
            )
            .await;
        assert_eq!(letter.status, 201, "{}", String::from_utf8_lossy(&letter.bytes));
        let mut body = json!({"agency": agency, "valid_from": "2026-01-01", "valid_until": "2027-12-31", "letter_document_id": letter.json()["id"]});
        if let Some(ids) = applications {
            body["application_ids"] = json!(ids);
        }
        let authorised = self
            .post(&format!("/v1/employers/{employer}/agency-authorisations"), &own, body)
            .await;
        assert_eq!(authorised.status, 201, "{}", String::from_utf8_lossy(&authorised.bytes));
        authorised.json()
    }

    pub async fn send(&self, request: TestRequest) -> TestResponse {
        let response = test::call_service(&self.app, request.to_request()).await;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = test::read_body(response).await;
        TestResponse { status, headers, bytes }
    }

    /// Sends a request and returns the body as the chunks the service wrote it in.
    pub async fn chunks(&self, request: TestRequest) -> Vec<Bytes> {
        let response = test::call_service(&self.app, request.to_request()).await;
        let mut body = std::pin::pin!(response.into_body());
        let mut chunks = Vec::new();
        while let Some(chunk) = std::future::poll_fn(|cx| body.as_mut().poll_next(cx)).await {
            chunks.push(chunk.expect("body chunk"));
        }
        chunks
    }

    /// A request with an optional bearer token and JSON body.
    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> TestResponse {
        let mut request = TestRequest::default().method(method).uri(path);
        if let Some(token) = token {
            request = request.insert_header((header::AUTHORIZATION, format!("Bearer {token}")));
        }
        if let Some(body) = body {
            request = request.set_json(body);
        }
        self.send(request).await
    }

    pub async fn get(&self, path: &str, token: &str) -> TestResponse {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> TestResponse {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    /// Registers an employer (as a caseworker) and returns its id.
    pub async fn create_employer(&self, brn: &str) -> EmployerId {
        let token = self.token(Role::Caseworker, None);
        let response = self.post("/v1/employers", &token, employer_body(brn)).await;
        assert_eq!(
            response.status,
            StatusCode::CREATED,
            "{}",
            String::from_utf8_lossy(&response.bytes)
        );
        EmployerId(response.json()["id"].as_str().unwrap().parse().unwrap())
    }

    /// Registers an employer and returns it with a token for one of its users.
    pub async fn employer_with_token(&self, brn: &str) -> (EmployerId, String) {
        let id = self.create_employer(brn).await;
        (id, self.token(Role::Employer, Some(id)))
    }

    /// Creates a draft as the employer and returns its JSON.
    pub async fn create_draft(&self, employer_token: &str) -> Value {
        let response = self.post("/v1/applications", employer_token, draft_body()).await;
        assert_eq!(
            response.status,
            StatusCode::CREATED,
            "{}",
            String::from_utf8_lossy(&response.bytes)
        );
        response.json()
    }

    /// Number of rows a query counts, e.g. `SELECT count(*) AS n FROM audit_events`.
    pub fn count(&self, sql: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query(sql)
            .get_result::<Count>(&mut self.db.connect())
            .expect(sql)
            .n
    }

    pub fn audit_count(&self, action: &str) -> i64 {
        self.count(&format!(
            "SELECT count(*) AS n FROM audit_events WHERE action = '{action}'"
        ))
    }
}

pub fn employer_body(brn: &str) -> Value {
    json!({
        "business_registration_number": brn,
        "name_en": "Golden Harbour Restaurant Ltd",
        "name_zh": "金港酒家有限公司",
        "business_address": "1 Harbour Road, Wan Chai, Hong Kong"
    })
}

pub fn vacancy_body() -> Value {
    json!({
        "post_title": "Chinese restaurant waiter",
        "designated_category_code": "WAITER",
        "workers_requested": 2,
        "monthly_wage_hkd": 17500,
        "normal_daily_hours": 9.5,
        "duties": "Serve customers, take orders, clear tables",
        "entry_requirements": "Primary education",
        "workplace_addresses": ["G/F, 8 Nathan Road, Tsim Sha Tsui"]
    })
}

pub fn draft_body() -> Value {
    json!({
        "justification": "Advertised for three months without suitable local applicants.",
        "vacancies": [vacancy_body()]
    })
}
