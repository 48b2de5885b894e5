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

use crate::auth::JwtKeys;
use crate::config::Settings;
use crate::startup::AppState;

/// `sls-case serve`: find or start the database, migrate it, and serve until stopped.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let database = {
        let settings = settings.clone();
        tokio::task::spawn_blocking(move || embedded_pg::resolve(&settings)).await??
    };
    let url = embedded_pg::url(&database).to_owned();
    let applied = {
        let url = url.clone();
        tokio::task::spawn_blocking(move || db::run_migrations(&url)).await??
    };
    tracing::info!(database = %embedded_pg::describe(&database), migrations_applied = applied.len(), "database ready");

    let pool = db::build_pool(&url, settings.pool.clone())?;
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

/// `sls-case migrate`: apply pending migrations to the configured (or embedded-default) database.
pub fn migrate(settings: &Settings) -> anyhow::Result<Vec<String>> {
    let database = embedded_pg::resolve(settings)?;
    let applied = db::run_migrations(embedded_pg::url(&database));
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
    let pool = db::build_pool(embedded_pg::url(&database), settings.pool.clone())?;
    let report = workflow::audit::verify(&pool, 5000)
        .await
        .map_err(|e| anyhow::anyhow!("reading the audit trail: {e}"));
    drop(pool);
    if let Some(cluster) = &database.private_cluster {
        cluster.stop()?;
    }
    report
}
