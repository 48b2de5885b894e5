//! Migrations: each `down.sql` exactly reverts its `up.sql`, and the reference data they seed matches
//! the data files kept in the repository.

use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel::{PgConnection, RunQueryDsl};
use diesel_migrations::MigrationHarness;
use sls_case::db::MIGRATIONS;

use crate::helpers::TestDatabase;

#[derive(diesel::QueryableByName, Debug, PartialEq)]
struct Line {
    #[diesel(sql_type = diesel::sql_types::Text)]
    line: String,
}

/// Everything in the public schema that a migration can create, as sorted text.
fn schema_of(conn: &mut PgConnection) -> Vec<String> {
    let sql = r#"
        SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
               || ' ' || coalesce(column_default, '') AS line
          FROM information_schema.columns WHERE table_schema = 'public'
        UNION ALL
        SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
          FROM pg_constraint WHERE connamespace = 'public'::regnamespace
        UNION ALL
        SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
        UNION ALL
        SELECT 'trigger ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
        UNION ALL
        SELECT 'function ' || proname || ' ' || md5(prosrc) FROM pg_proc WHERE pronamespace = 'public'::regnamespace
        UNION ALL
        SELECT 'sequence ' || sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public'
        ORDER BY 1
    "#;
    diesel::sql_query(sql)
        .load::<Line>(conn)
        .unwrap()
        .into_iter()
        .map(|l| l.line)
        .collect()
}

/// A step of the walk below, run as the service runs its own (again after a shared-role race).
fn step<T>(run: impl FnMut() -> diesel::migration::Result<T>) -> T {
    sls_case::db::again_after_a_shared_role_race(run).unwrap()
}

/// Two instances starting together on one database: one applies the migrations, the other waits and
/// finds nothing pending; neither fails, and every migration is applied once.
#[test]
fn instances_starting_together_migrate_once_between_them() {
    let db = TestDatabase::empty();
    let runs: Vec<Vec<String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3)
            .map(|_| s.spawn(|| sls_case::db::run_migrations(&db.url).expect("migrate")))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let total = MigrationSource::<Pg>::migrations(&MIGRATIONS).unwrap().len();
    let mut applied: Vec<&String> = runs.iter().flatten().collect();
    assert_eq!(applied.len(), total, "{runs:?}");
    applied.dedup();
    assert_eq!(applied.len(), total);
    assert_eq!(
        runs.iter().filter(|r| r.is_empty()).count(),
        2,
        "two found nothing to do"
    );
    assert_eq!(db.connect().applied_migrations().unwrap().len(), total);
}

#[test]
fn every_down_migration_reverts_its_up_migration_exactly() {
    let db = TestDatabase::empty();
    let mut conn = db.connect();
    let migrations = MigrationSource::<Pg>::migrations(&MIGRATIONS).unwrap();
    assert!(!migrations.is_empty());
    // The harness creates its bookkeeping table on first use; start from there.
    conn.applied_migrations().unwrap();
    for migration in &migrations {
        let before = schema_of(&mut conn);
        step(|| conn.run_migration(migration));
        let applied = schema_of(&mut conn);
        assert_ne!(applied, before, "{} changes the schema", migration.name());
        step(|| conn.revert_migration(migration));
        assert_eq!(
            schema_of(&mut conn),
            before,
            "down.sql of {} does not restore the schema",
            migration.name()
        );
        step(|| conn.run_migration(migration));
    }
    assert_eq!(conn.applied_migrations().unwrap().len(), migrations.len());
}

#[test]
fn migrations_seed_exactly_the_26_designated_categories_of_the_data_file() {
    let db = TestDatabase::migrated();
    let mut conn = db.connect();
    let csv = include_str!("../../data/designated_job_categories.csv");
    let expected: Vec<String> = csv
        .lines()
        .skip(1)
        .enumerate()
        .map(|(i, line)| format!("{}|{}", i + 1, line.replace(',', "|")))
        .collect();
    assert_eq!(expected.len(), 26);
    let seeded: Vec<String> = diesel::sql_query(
        "SELECT ordinal || '|' || code || '|' || name_en || '|' || name_zh AS line FROM job_categories ORDER BY ordinal",
    )
    .load::<Line>(&mut conn)
    .unwrap()
    .into_iter()
    .map(|l| l.line)
    .collect();
    assert_eq!(seeded, expected);
}
