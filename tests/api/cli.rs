//! The `sls-case` binary's commands, run as a user would run them.

use std::process::Command;
use std::time::Duration;

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
    use diesel::RunQueryDsl;
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
