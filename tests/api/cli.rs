//! The `sls-case` binary's commands, run as a user would run them.

use std::process::Command;
use std::time::Duration;

use diesel::RunQueryDsl;

use sls_case::domain::{EmployerId, Role};

use crate::helpers::{TEST_SECRET, TestDatabase, jwt_keys};

fn sls_case() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sls-case"));
    command
        .env("SLS_JWT_SECRET", TEST_SECRET)
        .env_remove("DATABASE_URL")
        .env_remove("RUST_LOG");
    command
}

#[test]
fn token_command_mints_a_token_the_service_accepts() {
    let employer = EmployerId::new();
    let output = sls_case()
        .args([
            "token",
            "--role",
            "employer",
            "--employer-id",
            &employer.to_string(),
            "--sub",
            "hr-officer",
            "--ttl",
            "10m",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let token = String::from_utf8(output.stdout).unwrap();
    let user = jwt_keys().verify(token.trim()).unwrap();
    assert_eq!(
        (user.sub.as_str(), user.role, user.employer_id),
        ("hr-officer", Role::Employer, Some(employer))
    );
}

#[test]
fn token_command_mints_every_role_a_token_may_carry_and_never_system() {
    for role in Role::TOKEN_ROLES.into_iter().filter(|r| *r != Role::Employer) {
        let output = sls_case().args(["token", "--role", role.as_str()]).output().unwrap();
        assert!(
            output.status.success(),
            "{role}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let token = String::from_utf8(output.stdout).unwrap();
        assert_eq!(jwt_keys().verify(token.trim()).unwrap().role, role);
    }
    assert_eq!(Role::TOKEN_ROLES.len(), 8, "lab_member, inspector and immd among them");
    let system = sls_case().args(["token", "--role", "system"]).output().unwrap();
    assert!(!system.status.success());
}

#[test]
fn token_command_refuses_an_employer_token_without_an_employer() {
    let output = sls_case().args(["token", "--role", "employer"]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--employer-id"));
}

#[test]
fn token_command_refuses_an_unknown_role() {
    let output = sls_case().args(["token", "--role", "root"]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown role"));
}

#[test]
fn production_will_not_start_or_mint_on_development_secrets() {
    let data = std::env::temp_dir().join(format!("sls-case-prod-{}", uuid::Uuid::new_v4()));
    let production = |args: &[&str]| {
        sls_case()
            .env_remove("SLS_JWT_SECRET")
            .env("SLS_ENV", "production")
            .env("SLS_DATA_DIR", &data)
            .env("SLS_BIND", "127.0.0.1:0")
            .args(args)
            .output()
            .unwrap()
    };
    let serve = production(&["serve"]);
    assert!(!serve.status.success());
    assert!(
        String::from_utf8_lossy(&serve.stderr).contains("set SLS_JWT_SECRET or an identity provider"),
        "{}",
        String::from_utf8_lossy(&serve.stderr)
    );
    let token = production(&["token", "--role", "caseworker"]);
    assert!(!token.status.success());
    assert!(token.stdout.is_empty());
    // Nothing was created to fall back on.
    assert!(!data.join("jwt-secret").exists());
}

#[test]
fn token_ttl_is_honoured() {
    let output = sls_case()
        .args(["token", "--role", "auditor", "--ttl", "1s"])
        .output()
        .unwrap();
    let token = String::from_utf8(output.stdout).unwrap();
    let keys = sls_case::auth::JwtKeys::new(
        &secrecy::SecretString::from(TEST_SECRET),
        &sls_case::config::JwtSettings {
            leeway_secs: 0,
            ..crate::helpers::jwt_settings()
        },
    );
    assert!(keys.verify(token.trim()).is_ok());
    std::thread::sleep(Duration::from_millis(2100));
    assert!(keys.verify(token.trim()).is_err(), "a 1 s token must expire");
}

#[test]
fn migrate_command_applies_every_migration_once() {
    let db = TestDatabase::empty();
    let run = || sls_case().arg("migrate").env("DATABASE_URL", &db.url).output().unwrap();
    let first = run();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let expected = diesel::migration::MigrationSource::<diesel::pg::Pg>::migrations(&sls_case::db::MIGRATIONS)
        .unwrap()
        .len();
    assert!(String::from_utf8_lossy(&first.stdout).contains(&format!("applied {expected} migration(s)")));
    let second = run();
    assert!(String::from_utf8_lossy(&second.stdout).contains("applied 0 migration(s)"));
}

#[test]
fn audit_verify_command_reports_an_intact_trail_and_exits_1_on_a_broken_link() {
    let db = TestDatabase::migrated();
    let mut conn = db.connect();
    for action in ["policy.value_added", "policy.value_added"] {
        diesel::sql_query(format!(
            "INSERT INTO audit_events (id, actor_sub, actor_role, entity_type, entity_id, action) \
             VALUES (gen_random_uuid(), 'admin', 'admin', 'policy', '00000000-0000-4000-8000-000000000001', '{action}')"
        ))
        .execute(&mut conn)
        .unwrap();
    }
    let run = || {
        sls_case()
            .args(["audit", "verify"])
            .env("DATABASE_URL", &db.url)
            .output()
            .unwrap()
    };
    let intact = run();
    assert!(intact.status.success(), "{}", String::from_utf8_lossy(&intact.stderr));
    let report: serde_json::Value = serde_json::from_slice(&intact.stdout).unwrap();
    assert_eq!(
        (report["events_checked"].as_u64(), report["intact"].as_bool()),
        (Some(2), Some(true))
    );

    diesel::sql_query("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete")
        .execute(&mut conn)
        .unwrap();
    diesel::sql_query("UPDATE audit_events SET actor_sub = 'admiN' WHERE chain_position = 1")
        .execute(&mut conn)
        .unwrap();
    let broken = run();
    assert_eq!(broken.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&broken.stdout).unwrap();
    assert_eq!(report["first_broken_link"]["chain_position"], 1);
}

const AUDIT_KEY: &str = "an-audit-checkpoint-key-of-32-bytes-or-more";

/// Adds an event to the chain of policy entity `n` (through the chaining trigger).
fn policy_event(conn: &mut diesel::PgConnection, n: u32, comment: &str) {
    diesel::sql_query(format!(
        "INSERT INTO audit_events (id, actor_sub, actor_role, entity_type, entity_id, action, comment) \
         VALUES (gen_random_uuid(), 'admin', 'admin', 'policy', '00000000-0000-4000-8000-{n:012}', 'policy.value_added', '{comment}')"
    ))
    .execute(conn)
    .unwrap();
}

#[test]
fn a_checkpoint_finds_a_tail_rewritten_or_cut_since_though_every_chain_still_verifies() {
    let db = TestDatabase::migrated();
    let mut conn = db.connect();
    for (chain, events) in [(1, 3), (2, 2)] {
        for i in 0..events {
            policy_event(&mut conn, chain, &format!("event {i}"));
        }
    }
    let dir = std::env::temp_dir().join(format!("sls-checkpoint-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("checkpoint.json");
    let audit = |args: &[&str], key: &str| {
        sls_case()
            .arg("audit")
            .args(args)
            .env("DATABASE_URL", &db.url)
            .env("SLS_AUDIT_KEY", key)
            .output()
            .unwrap()
    };
    let taken = audit(&["checkpoint", "--out", file.to_str().unwrap()], AUDIT_KEY);
    assert!(taken.status.success(), "{}", String::from_utf8_lossy(&taken.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&taken.stdout).unwrap();
    assert_eq!(
        (summary["chains"].as_u64(), summary["events"].as_u64()),
        (Some(2), Some(5))
    );
    let verify = |key: &str| {
        let output = audit(&["verify", "--checkpoint", file.to_str().unwrap()], key);
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        (output.status.code(), report)
    };

    // Untouched, and with an event added since: consistent.
    policy_event(&mut conn, 1, "added after the checkpoint");
    let (code, report) = verify(AUDIT_KEY);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["checkpoint"]["consistent"], true);
    assert_eq!(report["checkpoint"]["heads_unchanged"], 2);

    // A checkpoint signed with another key proves nothing.
    let (code, report) = verify("another-key-of-at-least-thirty-two-bytes");
    assert_eq!(code, Some(1));
    assert_eq!(report["checkpoint"]["signature_valid"], false);

    // The owner, history triggers off, rewrites chain 1 from position 2 and re-chains it through the
    // trigger, and cuts chain 2's last event: every chain still verifies on its own.
    diesel::sql_query("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete")
        .execute(&mut conn)
        .unwrap();
    let chain = |n: u32| format!("policy:00000000-0000-4000-8000-{n:012}");
    diesel::sql_query(format!(
        "DELETE FROM audit_events WHERE chain_key = '{}' AND chain_position >= 2",
        chain(1)
    ))
    .execute(&mut conn)
    .unwrap();
    for comment in ["rewritten 1", "rewritten 2", "rewritten 3"] {
        policy_event(&mut conn, 1, comment);
    }
    diesel::sql_query(format!(
        "DELETE FROM audit_events WHERE chain_key = '{}' AND chain_position = 2",
        chain(2)
    ))
    .execute(&mut conn)
    .unwrap();
    let plain = audit(&["verify"], AUDIT_KEY);
    assert!(plain.status.success(), "the chains alone cannot see it");

    let (code, report) = verify(AUDIT_KEY);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(report["intact"], true);
    let findings: Vec<(String, i64, String)> = report["checkpoint"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let reason = f["reason"].as_str().unwrap();
            (
                f["chain_key"].as_str().unwrap().to_owned(),
                f["position"].as_i64().unwrap(),
                reason.split(':').next().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        findings,
        vec![
            (chain(1), 3, "rewritten".to_owned()),
            (chain(2), 2, "truncated".to_owned())
        ]
    );

    // A checkpoint edited to match the new trail no longer carries a valid signature.
    let mut edited: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    edited["heads"][1]["position"] = serde_json::json!(1);
    std::fs::write(&file, edited.to_string()).unwrap();
    let (code, report) = verify(AUDIT_KEY);
    assert_eq!(code, Some(1));
    assert_eq!(report["checkpoint"]["signature_valid"], false);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_file_that_is_not_a_checkpoint_is_refused_with_a_clear_message() {
    let db = TestDatabase::migrated();
    let file = std::env::temp_dir().join(format!("not-a-checkpoint-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&file, "{\"hello\": 1}").unwrap();
    let output = sls_case()
        .args(["audit", "verify", "--checkpoint", file.to_str().unwrap()])
        .env("DATABASE_URL", &db.url)
        .env("SLS_AUDIT_KEY", AUDIT_KEY)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not an audit checkpoint"));
    std::fs::remove_file(&file).unwrap();
}

/// `sls-case serve` running on a free port, stopped (SIGTERM) when dropped.
struct Served {
    child: std::process::Child,
    address: String,
    data_dir: std::path::PathBuf,
}

impl Served {
    fn start(env: &[(&str, &str)]) -> Served {
        use std::io::BufRead;
        let data_dir = std::env::temp_dir().join(format!("sls-serve-{}", uuid::Uuid::new_v4()));
        let mut command = sls_case();
        command
            .arg("serve")
            .env("SLS_BIND", "127.0.0.1:0")
            .env("SLS_DATA_DIR", &data_dir)
            .env("SLS_WORKERS", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().unwrap();
        // The start-up line is a log line, on standard error.
        let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
        let address = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|line| {
                let (_, rest) = line.split_once("sls-case is listening on http://")?;
                rest.split([' ', '(']).next().map(str::to_owned)
            })
            .expect("serve logs its address");
        // Keep reading, or the service's next line would meet a closed pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Served {
            child,
            address,
            data_dir,
        }
    }

    /// The status of `GET path`.
    fn status(&self, path: &str) -> u16 {
        self.status_as(path, None)
    }

    /// The status of `GET path` with `token` as the bearer.
    fn status_as(&self, path: &str, token: Option<&str>) -> u16 {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&self.address).unwrap();
        let authorization = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: x\r\n{authorization}Connection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response.split(' ').nth(1).unwrap().parse().unwrap()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

#[derive(diesel::QueryableByName, Debug, PartialEq)]
struct Backend {
    #[diesel(sql_type = diesel::sql_types::Text)]
    usename: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    usesuper: bool,
}

/// Who the service's connections to `db` log in as.
fn service_backends(db: &TestDatabase) -> Vec<Backend> {
    diesel::sql_query(
        "SELECT u.usename::text AS usename, u.usesuper FROM pg_stat_activity a JOIN pg_user u ON u.usesysid = a.usesysid \
          WHERE a.datname = $1 AND a.application_name = 'sls-case'",
    )
    .bind::<diesel::sql_types::Text, _>(&db.name)
    .load(&mut db.connect())
    .unwrap()
}

#[test]
fn serve_given_a_superuser_url_migrates_with_it_and_serves_as_sls_app_only() {
    let db = TestDatabase::empty();
    let served = Served::start(&[("DATABASE_URL", &db.url), ("SLS_JWT_SECRET", TEST_SECRET)]);
    assert_eq!(served.status("/readyz"), 200, "migrated and ready");
    let backends = service_backends(&db);
    assert!(!backends.is_empty());
    assert!(
        backends.iter().all(|b| *b
            == Backend {
                usename: "sls_app".into(),
                usesuper: false
            }),
        "{backends:?}"
    );
}

#[test]
fn serve_given_only_the_service_url_serves_without_the_owner() {
    let db = TestDatabase::migrated();
    let served = Served::start(&[("SLS_APP_DATABASE_URL", &db.service_url())]);
    assert_eq!(served.status("/readyz"), 200);
    assert_eq!(served.status("/healthz"), 200);
    // The container health check: `sls-case probe` at the service's address, ready; at a closed port, not.
    let probe = |address: &str| {
        sls_case()
            .args(["probe", "--url", &format!("http://{address}/")])
            .output()
            .unwrap()
    };
    let ready = probe(&served.address);
    assert!(ready.status.success(), "{}", String::from_utf8_lossy(&ready.stderr));
    let closed = probe("127.0.0.1:1");
    assert_eq!(closed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&closed.stderr).contains("not ready"));
    assert!(
        service_backends(&db)
            .iter()
            .all(|b| b.usename == "sls_app" && !b.usesuper)
    );
    // Given the owner's (superuser) URL as its own, it refuses to start.
    let refused = sls_case()
        .arg("serve")
        .env("SLS_APP_DATABASE_URL", &db.url)
        .env("SLS_BIND", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("refusing to serve"));
}

#[test]
fn production_with_only_an_identity_provider_accepts_its_tokens_and_none_of_the_service_s_own() {
    use crate::identity::{claims, ec_key, key_file, key_set, sign};
    let db = TestDatabase::migrated();
    let key = ec_key("prod-1");
    let jwks = key_file(&key_set(&[&key]));
    let (pii, audit) = ("p".repeat(32), "a".repeat(32));
    let served = Served::start(&[
        ("SLS_ENV", "production"),
        ("SLS_JWT_SECRET", ""),
        ("SLS_PII_KEY", &pii),
        ("SLS_AUDIT_KEY", &audit),
        ("SLS_APP_DATABASE_URL", &db.service_url()),
        ("SLS_OIDC_ISSUER", "https://sso.labour.gov.hk/realms/staff"),
        ("SLS_OIDC_JWKS_FILE", jwks.to_str().unwrap()),
        ("SLS_OIDC_ROLE_CLAIM", "realm_access.roles"),
        ("SLS_OIDC_ROLE_PREFIX", "sls-case-"),
    ]);
    let provider_token = sign(
        &key,
        &claims(serde_json::json!(["sls-case-auditor"]), serde_json::json!({})),
    );
    assert_eq!(served.status_as("/v1/applications", Some(&provider_token)), 200);
    // An HS256 token is refused, and no development secret was created that could sign one.
    let local = jwt_keys()
        .mint("cw", Role::Caseworker, None, Duration::from_secs(60))
        .unwrap();
    assert_eq!(served.status_as("/v1/applications", Some(&local)), 401);
    assert!(
        !served.data_dir.join("jwt-secret").exists(),
        "no development secret created"
    );
    std::fs::remove_file(jwks).unwrap();
}
