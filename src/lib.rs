//! sls-case: case management for Hong Kong's Enhanced Supplementary Labour Scheme (ESLS).
//!
//! Layers, and the only directions they depend on each other: `http -> workflow -> (db, domain)`,
//! `db -> domain`. `domain` holds plain types and pure rules; `workflow` the use cases and the one unit
//! of work every write runs through; `db` owns diesel; `http` owns actix. `startup` wires them.

pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod embedded_pg;
pub mod error;
pub mod http;
pub mod openapi;
pub mod personal_data;
pub mod startup;
pub mod telemetry;
pub mod workflow;

use std::net::TcpListener;

use anyhow::Context;
use secrecy::ExposeSecret;

use crate::auth::JwtKeys;
use crate::config::Settings;
use crate::startup::AppState;

/// `sls-case serve`: find or start the database, migrate it (as its owner), and serve until stopped (as
/// the service's own login, which is checked to have no more rights than it needs).
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let database = {
        let settings = settings.clone();
        tokio::task::spawn_blocking(move || embedded_pg::resolve(&settings)).await??
    };
    let applied = {
        let (settings, url) = (settings.clone(), embedded_pg::url(&database).to_owned());
        tokio::task::spawn_blocking(move || migrate_as_owner(&settings, &url)).await??
    };
    tracing::info!(database = %embedded_pg::describe(&database), migrations_applied = applied.len(), "database ready");

    let pool = service_pool(&settings, embedded_pg::url(&database)).await?;
    let jwt = JwtKeys::new(&settings.jwt_secret()?, &settings.jwt);
    let documents = personal_data::TravelDocumentKey::new(settings.pii_key()?);
    let state = AppState::new(pool, jwt, documents, settings.max_body_bytes)?;
    let listener = TcpListener::bind(settings.bind).with_context(|| format!("binding {}", settings.bind))?;
    let address = listener.local_addr()?;

    println!("sls-case is listening on http://{address}");
    println!("  API docs:   http://{address}/docs/");
    println!("  database:   {}", embedded_pg::describe(&database));
    println!("  get a token: sls-case token --role caseworker   (or: cargo run -- token --role caseworker)");
    println!("  employer:    sls-case token --role employer --employer-id <EMPLOYER_UUID>");

    let result = startup::run(listener, state, settings.workers)?.await;
    if let Some(cluster) = &database.private_cluster {
        tracing::info!("stopping the private PostgreSQL cluster");
        if let Err(err) = cluster.stop() {
            tracing::warn!(error = %err, "could not stop the private PostgreSQL cluster");
        }
    }
    result.context("HTTP server")
}

/// Applies pending migrations as the schema's owner, and gives the service's login its password when
/// one is configured.
fn migrate_as_owner(settings: &Settings, owner_url: &str) -> anyhow::Result<Vec<String>> {
    let applied = db::run_migrations(owner_url)?;
    if let Some(password) = &settings.app_db_password {
        db::set_service_password(owner_url, password.expose_secret())?;
    }
    Ok(applied)
}

/// The pool requests are served with: the service's own login (`SLS_APP_DATABASE_URL`, or the owner's
/// URL as `sls_app`), refused if that login could change history or become someone who can.
pub async fn service_pool(settings: &Settings, owner_url: &str) -> anyhow::Result<db::DbPool> {
    let url = match &settings.app_database_url {
        Some(url) => url.expose_secret().to_owned(),
        None => db::service_url(owner_url, settings.app_db_password.as_ref().map(|p| p.expose_secret()))?,
    };
    let pool = db::build_pool(&url, &settings.pool)?;
    let mut conn = pool
        .checkout()
        .await
        .map_err(|e| anyhow::anyhow!("connecting as the service's login: {e}"))?;
    let rights = db::login_rights(&mut conn)
        .await
        .context("reading the service login's rights")?;
    conn.release();
    if let Some(excess) = rights.excess() {
        anyhow::bail!(
            "refusing to serve: {excess}. Requests are served as a login that can add history but never \
             change it (`sls_app`, created by migration); see docs/security.md."
        );
    }
    tracing::info!(login = %rights.login, "serving as a least-privilege database login");
    Ok(pool)
}

/// `sls-case migrate`: apply pending migrations to the configured (or embedded-default) database.
pub fn migrate(settings: &Settings) -> anyhow::Result<Vec<String>> {
    let database = embedded_pg::resolve(settings)?;
    let applied = migrate_as_owner(settings, embedded_pg::url(&database));
    if let Some(cluster) = &database.private_cluster {
        cluster.stop()?;
    }
    applied
}

/// `sls-case audit verify`: recompute the audit hash chain of the configured database.
pub async fn verify_audit(settings: Settings) -> anyhow::Result<domain::audit_chain::VerificationReport> {
    let database = {
        let settings = settings.clone();
        tokio::task::spawn_blocking(move || embedded_pg::resolve(&settings)).await??
    };
    let pool = service_pool(&settings, embedded_pg::url(&database)).await?;
    let report = workflow::audit::verify(&pool, 5000)
        .await
        .map_err(|e| anyhow::anyhow!("reading the audit trail: {e}"));
    drop(pool);
    if let Some(cluster) = &database.private_cluster {
        cluster.stop()?;
    }
    report
}
