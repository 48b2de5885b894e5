//! sls-case: case management for Hong Kong's Enhanced Supplementary Labour Scheme (ESLS).
//!
//! Layers, and the only directions they depend on each other: `http -> workflow -> (db, domain)`,
//! `db -> domain`. `domain` holds plain types and pure rules; `workflow` the use cases and the one unit
//! of work every write runs through; `db` owns diesel; `http` owns actix. `startup` wires them.

pub mod auth;
pub mod checkpoints;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod embedded_pg;
pub mod error;
pub mod http;
pub mod metrics;
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
/// the service's own login, which is checked to have no more rights than it needs). Given only the
/// service's own URL (`SLS_APP_DATABASE_URL`, no `DATABASE_URL`), it serves without migrating: in
/// production the owner's credentials stay with `sls-case migrate`, away from the serving process.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    settings.check_production()?;
    let database = owner_database(&settings).await?;
    let described = match &database {
        Some(database) => {
            let applied = {
                let (settings, url) = (settings.clone(), embedded_pg::url(database).to_owned());
                tokio::task::spawn_blocking(move || migrate_as_owner(&settings, &url)).await??
            };
            tracing::info!(database = %embedded_pg::describe(database), migrations_applied = applied.len(), "database ready");
            embedded_pg::describe(database)
        }
        None => {
            tracing::info!("no DATABASE_URL: serving over SLS_APP_DATABASE_URL without migrating");
            settings
                .app_database_url
                .as_ref()
                .map(config::redact_url)
                .unwrap_or_default()
        }
    };

    let pool = service_pool(&settings, database.as_ref().map(embedded_pg::url)).await?;
    let jwt = if settings.local_tokens() {
        JwtKeys::new(&settings.jwt_secret()?, &settings.jwt)
    } else {
        JwtKeys::unusable(&settings.jwt)
    };
    let identity_provider = identity_provider(&settings).await?;
    let documents = personal_data::TravelDocumentKey::new(settings.pii_key()?);
    let audit_key = settings.audit_key()?;
    let checkpoint_timer = (!settings.checkpoints.interval.is_zero()).then(|| {
        actix_web::rt::spawn(checkpoints::every(
            settings.checkpoints.interval,
            pool.clone(),
            audit_key.clone(),
            settings.checkpoint_dir(),
            settings.checkpoints.keep,
            clock::Clock::system(),
        ))
    });
    let final_checkpoint_pool = pool.clone();
    let job_runner = match settings.run_jobs {
        true => {
            let runner = workflow::jobs::Runner::new(
                pool.clone(),
                clock::Clock::system(),
                settings.jobs.clone(),
                documents.clone(),
            )?;
            Some(actix_web::rt::spawn(runner.run_forever()))
        }
        false => None,
    };
    let mut state = AppState::new(pool, jwt, documents, settings.max_body_bytes)?
        .with_document_limit(settings.document_max_bytes)
        .with_cors_origins(settings.cors_origins.clone())
        .with_webhook_policy(http::notifications::WebhookPolicy {
            allow_insecure: settings.jobs.webhook_private_addresses,
        });
    if let Some(provider) = identity_provider {
        state = state.with_identity_provider(provider);
    }
    let listener = TcpListener::bind(settings.bind).with_context(|| format!("binding {}", settings.bind))?;
    let address = listener.local_addr()?;

    tracing::info!(
        address = %format!("http://{address}"),
        docs = %format!("http://{address}/docs/"),
        database = %described,
        data_dir = %settings.data_dir.display(),
        "sls-case is listening on http://{address} (API docs at /docs/); get a token with `{} token --role caseworker`",
        this_program()
    );

    let result = startup::run(listener, state, settings.workers)?.await;
    if let Some(runner) = job_runner {
        // A job cut short here is taken again by another instance, or at the next start, after its lease.
        runner.abort();
    }
    if let Some(timer) = checkpoint_timer {
        // The last word on the trail as this process leaves it.
        timer.abort();
        let dir = settings.checkpoint_dir();
        let (keep, clock) = (settings.checkpoints.keep, clock::Clock::system());
        match checkpoints::take_into(&final_checkpoint_pool, &audit_key, &dir, keep, &clock).await {
            Ok(file) => tracing::info!(file = %file.display(), "audit checkpoint written at shutdown"),
            Err(err) => tracing::warn!(error = %format!("{err:#}"), "audit checkpoint not written at shutdown"),
        }
    }
    if let Some(cluster) = database.as_ref().and_then(|d| d.private_cluster.as_ref()) {
        tracing::info!("stopping the private PostgreSQL cluster");
        if let Err(err) = cluster.stop() {
            tracing::warn!(error = %err, "could not stop the private PostgreSQL cluster");
        }
    }
    result.context("HTTP server")
}

/// `sls-case worker`: runs jobs (timer sweeps, webhook deliveries) without serving HTTP, beside any
/// number of `serve` or `worker` instances against the same database, until stopped.
pub async fn work(settings: Settings) -> anyhow::Result<()> {
    settings.check_production()?;
    let documents = personal_data::TravelDocumentKey::new(settings.pii_key()?);
    let jobs = settings.jobs.clone();
    with_service_pool(&settings, async |pool| {
        let runner = workflow::jobs::Runner::new(pool.clone(), clock::Clock::system(), jobs, documents)
            .map_err(workflow::WorkflowError::Internal)?;
        tokio::select! {
            () = runner.run_forever() => {}
            _ = tokio::signal::ctrl_c() => tracing::info!("worker stopping"),
        }
        Ok(())
    })
    .await
}

/// `sls-case timers run [--on DATE]`: one sweep of every timer now, as of `on` (a Hong Kong date;
/// default today), whatever the job queue holds.
pub async fn sweep_timers(
    settings: Settings,
    on: Option<chrono::NaiveDate>,
) -> anyhow::Result<workflow::timers::SweepReport> {
    let on = on.unwrap_or_else(|| clock::Clock::system().today());
    with_service_pool(&settings, async |pool| workflow::timers::sweep(pool, on).await).await
}

/// The identity provider, its keys fetched once at start so a wrong URL or file shows in the log at
/// once (the service still starts: the keys are fetched again when a token needs them).
async fn identity_provider(settings: &Settings) -> anyhow::Result<Option<auth::oidc::IdentityProvider>> {
    let Some(oidc) = settings.oidc.clone() else {
        return Ok(None);
    };
    let provider = auth::oidc::IdentityProvider::new(oidc, settings.jwt.leeway_secs, settings.jwt.max_lifetime)?;
    match provider.refresh().await {
        Ok(keys) => tracing::info!(issuer = provider.issuer(), keys, "identity provider keys fetched"),
        Err(err) => {
            tracing::warn!(issuer = provider.issuer(), error = %format!("{err:#}"), "identity provider keys could not be fetched at start")
        }
    }
    Ok(Some(provider))
}

/// How to run this very binary again (`target/release/sls-case` after `cargo run --release`), for
/// the banner's hint: `sls-case` alone is on nobody's PATH until it is installed.
fn this_program() -> String {
    let exe = std::env::current_exe().ok();
    let relative = exe.as_ref().and_then(|exe| {
        exe.strip_prefix(std::env::current_dir().ok()?)
            .ok()
            .map(|p| p.to_path_buf())
    });
    match (relative, exe) {
        (Some(relative), _) => relative.display().to_string(),
        (None, Some(exe)) => exe.display().to_string(),
        (None, None) => "sls-case".to_owned(),
    }
}

/// Where `sls-case probe` asks by default: `/readyz` at the bound address, a wildcard address asked
/// on the loopback interface.
pub fn probe_url(bind: std::net::SocketAddr) -> Result<url::Url, url::ParseError> {
    let host = match bind.ip() {
        ip if ip.is_unspecified() && ip.is_ipv4() => "127.0.0.1".to_owned(),
        ip if ip.is_unspecified() => "[::1]".to_owned(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    url::Url::parse(&format!("http://{host}:{}/readyz", bind.port()))
}

/// `sls-case probe`: the readiness endpoint's status when it is a success, else why not.
pub async fn probe(url: url::Url, timeout: std::time::Duration) -> anyhow::Result<u16> {
    let response = reqwest::Client::builder()
        .timeout(timeout)
        .build()?
        .get(url.clone())
        .send()
        .await
        .with_context(|| format!("asking {url}"))?;
    let status = response.status();
    anyhow::ensure!(status.is_success(), "{url} answered {status}");
    Ok(status.as_u16())
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

/// The owner's database, found or started; none when only the service's own URL is configured.
async fn owner_database(settings: &Settings) -> anyhow::Result<Option<embedded_pg::ResolvedDatabase>> {
    if settings.database_url.is_none() && settings.app_database_url.is_some() {
        return Ok(None);
    }
    let settings = settings.clone();
    Ok(Some(
        tokio::task::spawn_blocking(move || embedded_pg::resolve(&settings)).await??,
    ))
}

/// The pool requests are served with: the service's own login (`SLS_APP_DATABASE_URL`, or the owner's
/// URL as `sls_app`), refused if that login could change history or become someone who can.
pub async fn service_pool(settings: &Settings, owner_url: Option<&str>) -> anyhow::Result<db::DbPool> {
    let url = match (&settings.app_database_url, owner_url) {
        (Some(url), _) => url.expose_secret().to_owned(),
        (None, Some(owner_url)) => {
            db::service_url(owner_url, settings.app_db_password.as_ref().map(|p| p.expose_secret()))?
        }
        (None, None) => anyhow::bail!("no database: set DATABASE_URL or SLS_APP_DATABASE_URL"),
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

/// What `sls-case audit verify` found.
#[derive(Debug, serde::Serialize)]
pub struct AuditVerification {
    #[serde(flatten)]
    pub chains: domain::audit_chain::VerificationReport,
    /// With `--checkpoint`: how the trail compares with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<domain::audit_checkpoint::CheckpointReport>,
}

impl AuditVerification {
    /// Every link holds, and the checkpoint (if any) is ours and still matches.
    pub fn passed(&self) -> bool {
        self.chains.intact && self.checkpoint.as_ref().is_none_or(|c| c.consistent)
    }
}

/// `sls-case audit verify [--checkpoint FILE]`: recompute the audit hash chain of the configured
/// database, and compare it with a checkpoint taken earlier. No time bound: it takes what it takes.
pub async fn verify_audit(
    settings: Settings,
    checkpoint: Option<std::path::PathBuf>,
) -> anyhow::Result<AuditVerification> {
    let checkpoint = checkpoint.map(|path| checkpoints::read(&path)).transpose()?;
    let key = match checkpoint {
        Some(_) => Some(settings.audit_key()?),
        None => None,
    };
    with_service_pool(&settings, async |pool| {
        let unbounded = std::time::Duration::MAX;
        let (chains, checkpoint) = match (&checkpoint, &key) {
            (Some(checkpoint), Some(key)) => {
                let key = key.expose_secret().as_bytes();
                let (chains, compared) =
                    workflow::audit::verify_against(pool, 5000, unbounded, checkpoint, key).await?;
                (chains, Some(compared))
            }
            _ => (workflow::audit::verify(pool, 5000, unbounded).await?, None),
        };
        Ok(AuditVerification { chains, checkpoint })
    })
    .await
}

/// `sls-case audit checkpoint`: a signed checkpoint of every chain's head, now.
pub async fn take_checkpoint(settings: Settings) -> anyhow::Result<domain::audit_checkpoint::Checkpoint> {
    let key = settings.audit_key()?;
    with_service_pool(&settings, async |pool| {
        workflow::audit::checkpoint(pool, key.expose_secret().as_bytes(), chrono::Utc::now()).await
    })
    .await
}

/// Runs `work` over the service's login to the configured (or embedded) database, then stops the
/// private cluster if this process started it.
async fn with_service_pool<T>(
    settings: &Settings,
    work: impl AsyncFnOnce(&db::DbPool) -> Result<T, workflow::WorkflowError>,
) -> anyhow::Result<T> {
    let database = owner_database(settings).await?;
    let pool = service_pool(settings, database.as_ref().map(embedded_pg::url)).await?;
    let result = work(&pool).await.map_err(|e| anyhow::anyhow!("{e}"));
    drop(pool);
    if let Some(cluster) = database.as_ref().and_then(|d| d.private_cluster.as_ref()) {
        cluster.stop()?;
    }
    result
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_probe_asks_a_wildcard_bind_on_the_loopback_interface() {
        let url = |bind: &str| super::probe_url(bind.parse().unwrap()).unwrap().to_string();
        assert_eq!(url("0.0.0.0:8080"), "http://127.0.0.1:8080/readyz");
        assert_eq!(url("[::]:8080"), "http://[::1]:8080/readyz");
        assert_eq!(url("10.0.0.5:9000"), "http://10.0.0.5:9000/readyz");
    }
}
