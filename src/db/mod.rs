//! Storage: the only module that uses diesel.
//!
//! Query functions take `&mut AsyncPgConnection` and return domain types, so the caller decides the
//! transaction (a change and its audit event always share one). Row types are private to their module:
//! nothing outside `db` sees a column. Migrations run on a blocking connection before the server starts;
//! requests use the async pool.

pub mod agencies;
pub mod applications;
pub mod audit;
pub mod casework;
pub mod complaints;
pub mod consultations;
pub mod documents;
pub mod employers;
pub mod idempotency;
pub mod job_categories;
pub mod jobs;
pub mod notifications;
pub mod pagination;
pub mod policy;
pub mod schema;
pub mod stats;
pub mod timers;
pub mod wage_tables;
pub mod workers;

use std::time::Duration;

use anyhow::Context;
use diesel::{Connection, PgConnection};
use diesel_async::pooled_connection::deadpool::{Object, Pool, PoolError};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::config::PoolSettings;

pub use diesel_async::AsyncPgConnection as Conn;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// A fingerprint of the migrations directory (computed by build.rs): the test harness names its
/// template database after it, so the template is rebuilt exactly when a migration changes.
pub const MIGRATIONS_FINGERPRINT: &str = env!("SLS_MIGRATIONS_FINGERPRINT");

/// The role the service logs in as (created by migration): it may add history but never change it,
/// owns nothing, and is a member of no other role.
pub const SERVICE_ROLE: &str = "sls_app";

/// The request pool, and how long one unit of work may take in all.
#[derive(Clone)]
pub struct DbPool {
    pool: Pool<AsyncPgConnection>,
    transaction_timeout: Duration,
}

impl DbPool {
    /// The longest one unit of work (or read) may take, waiting for its connection included.
    pub fn transaction_timeout(&self) -> Duration {
        self.transaction_timeout
    }

    /// How long a request waits for a connection (also the bound of a readiness check).
    pub fn wait_timeout(&self) -> Duration {
        self.pool.timeouts().wait.unwrap_or(self.transaction_timeout)
    }

    /// A connection for one unit of work; see [`Checkout`].
    pub async fn checkout(&self) -> Result<Checkout, PoolError> {
        Ok(Checkout(Some(self.pool.get().await?)))
    }

    /// The pool's size, idle connections and waiting requests.
    pub fn status(&self) -> deadpool::Status {
        self.pool.status()
    }
}

/// A pooled connection that goes back to the pool only when its work ended ([`Checkout::release`]).
/// Dropped halfway (a deadline passed, the client went away), it is closed instead: a query or a
/// transaction cut short is never handed to another request (diesel-rs/diesel_async#96, #198).
pub struct Checkout(Option<Object<AsyncPgConnection>>);

impl Checkout {
    /// The work ended (committed, rolled back, or failed with an answer): the connection may serve
    /// another request. A connection left broken is discarded by the pool's recycle check.
    pub fn release(mut self) {
        drop(self.0.take());
    }
}

impl std::ops::Deref for Checkout {
    type Target = AsyncPgConnection;

    fn deref(&self) -> &AsyncPgConnection {
        self.0
            .as_deref()
            .expect("a checkout holds its connection until released")
    }
}

impl std::ops::DerefMut for Checkout {
    fn deref_mut(&mut self) -> &mut AsyncPgConnection {
        self.0
            .as_deref_mut()
            .expect("a checkout holds its connection until released")
    }
}

impl Drop for Checkout {
    fn drop(&mut self) {
        if let Some(cut_short) = self.0.take() {
            tracing::warn!("a database connection was dropped mid-work; closing it");
            drop(Object::take(cut_short));
        }
    }
}

/// Builds the request pool once. Every connection gets the server-side timeouts (a statement, an idle
/// transaction) and the service's application name; waiting for a connection, making one and checking
/// one are bounded too, so a stalled database answers 503 instead of hanging.
pub fn build_pool(database_url: &str, settings: &PoolSettings) -> anyhow::Result<DbPool> {
    let mut manager_config = ManagerConfig::default();
    // A broken connection surfaces as an error on use (mapped to 503); skipping the per-checkout
    // `SELECT 1` saves a round trip on every request.
    manager_config.recycling_method = RecyclingMethod::Fast;
    let setup = format!(
        "SET statement_timeout = {}; SET idle_in_transaction_session_timeout = {}; SET application_name = 'sls-case'",
        settings.statement_timeout.as_millis(),
        settings.statement_timeout.as_millis(),
    );
    manager_config.custom_setup = Box::new(move |url| {
        let url = url.to_owned();
        let setup = setup.clone();
        Box::pin(async move {
            let mut conn = AsyncPgConnection::establish(&url).await?;
            conn.batch_execute(&setup)
                .await
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        })
    });
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, manager_config);
    let pool = Pool::builder(manager)
        .max_size(settings.max_size)
        .runtime(deadpool::Runtime::Tokio1)
        .wait_timeout(Some(settings.timeout))
        .create_timeout(Some(settings.timeout))
        .recycle_timeout(Some(settings.timeout))
        .build()
        .context("building the database pool")?;
    Ok(DbPool {
        pool,
        transaction_timeout: settings.transaction_timeout,
    })
}

/// The service's login URL when only the owner's is given: the same server and database, as
/// [`SERVICE_ROLE`] with `password` (none: the server must trust it, as local development does).
pub fn service_url(owner_url: &str, password: Option<&str>) -> anyhow::Result<String> {
    let mut url = url::Url::parse(owner_url).context("DATABASE_URL is not a URL")?;
    url.set_username(SERVICE_ROLE)
        .map_err(|()| anyhow::anyhow!("DATABASE_URL cannot carry a user name"))?;
    url.set_password(password)
        .map_err(|()| anyhow::anyhow!("DATABASE_URL cannot carry a password"))?;
    Ok(url.to_string())
}

/// Gives the service's login its password (as the owner, after migrating).
pub fn set_service_password(owner_url: &str, password: &str) -> anyhow::Result<()> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Literal {
        #[diesel(sql_type = diesel::sql_types::Text)]
        literal: String,
    }
    let mut conn = PgConnection::establish(owner_url).context("connecting to set the service's password")?;
    // The server quotes the secret itself; it never goes into the statement unescaped.
    let quoted: Literal = diesel::sql_query("SELECT quote_literal($1) AS literal")
        .bind::<diesel::sql_types::Text, _>(password)
        .get_result(&mut conn)?;
    diesel::sql_query(format!(
        "ALTER ROLE {SERVICE_ROLE} WITH LOGIN PASSWORD {}",
        quoted.literal
    ))
    .execute(&mut conn)
    .context("setting the service's password (the owner needs CREATEROLE)")?;
    Ok(())
}

/// What the service's login may do beyond its grants: it must be none of these.
#[derive(Debug, Clone, PartialEq, Eq, diesel::QueryableByName)]
pub struct LoginRights {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub login: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub superuser: bool,
    /// It could create or alter roles (and so give itself more).
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub creates_roles: bool,
    /// Roles it could `SET ROLE` to.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub member_of: i64,
    /// Tables it owns (an owner can disable their triggers).
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub tables_owned: i64,
}

impl LoginRights {
    /// The refusal, when the login could change history or become someone who can.
    pub fn excess(&self) -> Option<String> {
        let mut excess = Vec::new();
        if self.superuser {
            excess.push("is a superuser");
        }
        if self.creates_roles {
            excess.push("may create roles");
        }
        if self.member_of > 0 {
            excess.push("is a member of another role (SET ROLE)");
        }
        if self.tables_owned > 0 {
            excess.push("owns tables");
        }
        (!excess.is_empty()).then(|| format!("the database login `{}` {}", self.login, excess.join(", ")))
    }
}

/// The rights of the login `conn` runs as.
pub async fn login_rights(conn: &mut AsyncPgConnection) -> diesel::QueryResult<LoginRights> {
    use diesel_async::RunQueryDsl;
    diesel::sql_query(
        "SELECT r.rolname::text AS login, r.rolsuper AS superuser, r.rolcreaterole AS creates_roles, \
                (SELECT count(*) FROM pg_auth_members m WHERE m.member = r.oid) AS member_of, \
                (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid AND c.relkind IN ('r', 'p')) AS tables_owned \
           FROM pg_roles r WHERE r.rolname = current_user",
    )
    .get_result(conn)
    .await
}

/// Applies every pending migration; returns the versions applied.
///
/// Instances starting together on one database take turns (an advisory lock; the later one finds
/// nothing pending). A migration that changes the cluster's shared role `sls_app` can still meet
/// another database's migration changing it at the same moment ("tuple concurrently updated":
/// PostgreSQL does not lock shared catalog rows); each migration runs in its own transaction, so it
/// rolled back whole and is simply run again.
pub fn run_migrations(database_url: &str) -> anyhow::Result<Vec<String>> {
    use diesel::RunQueryDsl;
    const MIGRATION_LOCK: i64 = 0x534c_535f_4d49_4752; // "SLS_MIGR"
    let mut conn = PgConnection::establish(database_url).context("connecting to run migrations")?;
    diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
        .execute(&mut conn)
        .context("waiting for another instance's migrations")?;
    let before = applied_versions(&mut conn)?;
    let outcome = again_after_a_shared_role_race(|| conn.run_pending_migrations(MIGRATIONS).map(|_| ()))
        .map_err(|e| anyhow::anyhow!("running migrations: {e}"));
    // Released with the session too; said here so a long-lived caller's lock never outlives the run.
    let _ = diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})")).execute(&mut conn);
    outcome?;
    // Those of an attempt that failed part-way were committed too: the difference names them all.
    let after = applied_versions(&mut conn)?;
    Ok(after.into_iter().filter(|v| !before.contains(v)).collect())
}

/// Runs one migration step (it is its own transaction) again when it met another database's migration
/// changing the cluster's shared role at the same moment ("tuple concurrently updated"), up to 5 times.
pub fn again_after_a_shared_role_race<T, E: std::fmt::Display>(mut step: impl FnMut() -> Result<T, E>) -> Result<T, E> {
    let mut attempt = 1;
    loop {
        match step() {
            Err(e) if attempt < 5 && e.to_string().contains("tuple concurrently updated") => {
                std::thread::sleep(Duration::from_millis(50 * attempt));
                attempt += 1;
            }
            outcome => return outcome,
        }
    }
}

fn applied_versions(conn: &mut PgConnection) -> anyhow::Result<Vec<String>> {
    let mut versions: Vec<String> = conn
        .applied_migrations()
        .map_err(|e| anyhow::anyhow!("reading applied migrations: {e}"))?
        .into_iter()
        .map(|v| v.to_string())
        .collect();
    versions.sort();
    Ok(versions)
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
