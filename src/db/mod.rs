//! Storage: the only module that uses diesel.
//!
//! Query functions take `&mut AsyncPgConnection` and return domain types, so the caller decides the
//! transaction (a change and its audit event always share one). Row types are private to their module:
//! nothing outside `db` sees a column. Migrations run on a blocking connection before the server starts;
//! requests use the async pool.

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

/// Serialises writers of a shared record that has no row of its own to lock (e.g. the publication of
/// wage tables), until the transaction ends.
pub async fn lock_named(conn: &mut Conn, name: &str) -> diesel::QueryResult<()> {
    use diesel_async::RunQueryDsl;
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
        .bind::<diesel::sql_types::Text, _>(name)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Runs `body` in one transaction: committed when it returns `Ok`, rolled back otherwise (also when the
/// future is dropped halfway: the connection then counts as broken and the pool discards it).
///
/// diesel-async's own `transaction` requires a `Send` future; the units of work run on actix's
/// single-threaded workers, so this one does not, and their steps can be plain async closures.
pub async fn in_transaction<T, E>(conn: &mut Conn, body: impl AsyncFnOnce(&mut Conn) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    use diesel_async::TransactionManager;
    type Manager = <Conn as AsyncConnection>::TransactionManager;

    Manager::begin_transaction(conn).await?;
    match body(conn).await {
        Ok(value) => {
            Manager::commit_transaction(conn).await?;
            Ok(value)
        }
        Err(error) => match Manager::rollback_transaction(conn).await {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
            Err(rollback) => Err(rollback.into()),
        },
    }
}

/// Counts and whole Hong Kong dollars are `u32` in the domain and `integer` in the database, whose CHECK
/// constraints keep them non-negative.
pub(crate) fn int(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

pub(crate) fn unsigned(value: i32) -> u32 {
    value.unsigned_abs()
}

/// States and kinds are stored as their wire names (their serde names, e.g. `VISA_APPLIED`); CHECK
/// constraints list the allowed names.
pub(crate) fn enum_text<T: serde::Serialize>(value: &T) -> String {
    // Every stored enum serializes to its name; anything else would fail the column's CHECK.
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}

pub(crate) fn parse_enum<T: serde::de::DeserializeOwned>(name: &str) -> diesel::QueryResult<T> {
    serde_json::from_value(serde_json::Value::String(name.to_owned()))
        .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))
}

/// A JSON column read back into its domain type.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> diesel::QueryResult<T> {
    serde_json::from_value(value).map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))
}

/// A domain value stored in a JSON column.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> diesel::QueryResult<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
}
