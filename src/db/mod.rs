//! Storage: the only module that uses diesel.
//!
//! Query functions take `&mut AsyncPgConnection` and return domain types, so the caller decides the
//! transaction (a change and its audit event always share one). Migrations run on a blocking
//! connection before the server starts; requests use the async pool.

pub mod applications;
pub mod audit;
pub mod casework;
pub mod employers;
pub mod idempotency;
pub mod job_categories;
pub mod pagination;
pub mod policy;
pub mod schema;
pub mod stats;
pub mod wage_tables;
pub mod workers;

use anyhow::Context;
use diesel::{Connection, PgConnection};
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::config::PoolSettings;

pub use diesel_async::AsyncPgConnection as Conn;

pub type DbPool = Pool<AsyncPgConnection>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// A fingerprint of the migrations directory (computed by build.rs): the test harness names its
/// template database after it, so the template is rebuilt exactly when a migration changes.
pub const MIGRATIONS_FINGERPRINT: &str = env!("SLS_MIGRATIONS_FINGERPRINT");

/// Builds the request pool once, with timeouts so a stalled database gives a 503 instead of a hang.
pub fn build_pool(database_url: &str, settings: PoolSettings) -> anyhow::Result<DbPool> {
    let mut manager_config = ManagerConfig::default();
    // A broken connection surfaces as an error on use (mapped to 503); skipping the per-checkout
    // `SELECT 1` saves a round trip on every request.
    manager_config.recycling_method = RecyclingMethod::Fast;
    // Least privilege: the service works as a role that may add history but never change it.
    let role = settings.role.clone();
    manager_config.custom_setup = Box::new(move |url| {
        let url = url.to_owned();
        let role = role.clone();
        Box::pin(async move {
            let mut conn = AsyncPgConnection::establish(&url).await?;
            if let Some(role) = role {
                // The name is checked to be a plain identifier when the settings are read.
                conn.batch_execute(&format!("SET ROLE {role}"))
                    .await
                    .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            }
            Ok(conn)
        })
    });
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, manager_config);
    Pool::builder(manager)
        .max_size(settings.max_size)
        .runtime(deadpool::Runtime::Tokio1)
        .wait_timeout(Some(settings.timeout))
        .create_timeout(Some(settings.timeout))
        .recycle_timeout(Some(settings.timeout))
        .build()
        .context("building the database pool")
}

/// Applies every pending migration; returns the versions applied.
pub fn run_migrations(database_url: &str) -> anyhow::Result<Vec<String>> {
    let mut conn = PgConnection::establish(database_url).context("connecting to run migrations")?;
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("running migrations: {e}"))?;
    Ok(applied.into_iter().map(|v| v.to_string()).collect())
}

/// The version of the newest migration compiled into this binary.
pub fn latest_migration_version() -> String {
    use diesel::migration::MigrationSource;
    MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS)
        .expect("embedded migrations are readable")
        .iter()
        .map(|m| m.name().version().to_string())
        .max()
        .unwrap_or_default()
}

/// True when the database has every migration this binary knows: what `/readyz` reports.
pub async fn schema_is_current(conn: &mut AsyncPgConnection, expected_version: &str) -> diesel::QueryResult<bool> {
    use diesel::sql_types::{Bool, Text};
    use diesel_async::RunQueryDsl;

    #[derive(diesel::QueryableByName)]
    struct Current {
        #[diesel(sql_type = Bool)]
        current: bool,
    }
    let row: Current =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM __diesel_schema_migrations WHERE version = $1) AS current")
            .bind::<Text, _>(expected_version)
            .get_result(conn)
            .await?;
    Ok(row.current)
}
