//! Settings, read once from environment variables with defaults that need no configuration on a
//! developer's machine. The README has the same list as a table; keep the two in step.
//!
//! | variable | default |
//! |---|---|
//! | `DATABASE_URL` | unset: local PostgreSQL on 127.0.0.1:5432, else a private cluster under `SLS_DATA_DIR` (migrations run with it) |
//! | `SLS_APP_DATABASE_URL` | unset: `DATABASE_URL` as the `sls_app` login role (requests are served with it) |
//! | `SLS_APP_DB_PASSWORD` | unset: set on `sls_app` after migrating, and used in the derived URL |
//! | `SLS_BIND` | `127.0.0.1:8080` |
//! | `SLS_DATA_DIR` | the user's local data directory + `sls-case` (root: `/var/lib/sls-case`) |
//! | `SLS_CORS_ORIGINS` | unset: no cross-origin access (a comma-separated list of `scheme://host[:port]`) |
//! | `SLS_ENV` | `development` (or `production`: refuses development secrets, see [`Settings::check_production`]) |
//! | `SLS_JWT_SECRET` | unset: a random secret kept in `SLS_DATA_DIR/jwt-secret` (development only) |
//! | `SLS_OIDC_ISSUER` | unset: no identity provider; set: accept its RS256/ES256 tokens |
//! | `SLS_OIDC_JWKS_URL` / `SLS_OIDC_JWKS_FILE` | where its signing keys are (one of them, with the issuer) |
//! | `SLS_OIDC_AUDIENCE` | `SLS_JWT_AUDIENCE` |
//! | `SLS_OIDC_ROLE_CLAIM` / `SLS_OIDC_ROLE_PREFIX` | `roles` (a dotted path, e.g. `realm_access.roles`) / none |
//! | `SLS_OIDC_EMPLOYER_CLAIM` / `SLS_OIDC_AGENCY_CLAIM` | `employer_id` / `agency` |
//! | `SLS_OIDC_ALGORITHMS` | `RS256,ES256` |
//! | `SLS_OIDC_JWKS_CACHE_SECS` / `SLS_OIDC_JWKS_MIN_REFETCH_SECS` | `3600` / `10` |
//! | `SLS_JWT_ISSUER` / `SLS_JWT_AUDIENCE` | `sls-case` / `sls-case-api` |
//! | `SLS_JWT_LEEWAY_SECS` | `30` |
//! | `SLS_PII_KEY` | unset: a random key kept in `SLS_DATA_DIR/pii-key` (travel document HMACs) |
//! | `SLS_DB_POOL_SIZE` | `8` |
//! | `SLS_DB_TIMEOUT_SECS` | `5` |
//! | `SLS_DB_STATEMENT_TIMEOUT_SECS` | `10` |
//! | `SLS_DB_TRANSACTION_TIMEOUT_SECS` | `15` |
//! | `SLS_EMBEDDED_PG_PORT` | `54329` |
//! | `SLS_MAX_BODY_BYTES` | `262144` |
//! | `SLS_DOCUMENT_MAX_BYTES` | `20971520` (20 MiB: the largest document an upload streams in) |
//! | `SLS_WORKERS` | number of CPUs |
//! | `SLS_LOG_FORMAT` | `text` (or `json`) |
//! | `RUST_LOG` | `info` |

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretString};

/// Everything the service is configured with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where PostgreSQL is, as the schema's owner (migrations run with it); `None` means "find or start
    /// a local one" (see `embedded_pg`).
    pub database_url: Option<SecretString>,
    /// The service's own login (never a superuser, owner of nothing); `None`: `database_url` with the
    /// user `sls_app` and `app_db_password`.
    pub app_database_url: Option<SecretString>,
    /// Set on the `sls_app` login after migrating (the owner must be allowed to), and used in the
    /// derived `app_database_url`.
    pub app_db_password: Option<SecretString>,
    pub bind: SocketAddr,
    /// Local state: the private PostgreSQL cluster, the development secrets and the audit checkpoints.
    /// Absolute (see [`data_dir`]).
    pub data_dir: PathBuf,
    pub jwt: JwtSettings,
    /// An OpenID Connect provider whose tokens are accepted; `None`: only the service's own HS256.
    pub oidc: Option<OidcSettings>,
    /// `production` refuses development secrets; `development` creates them.
    pub environment: Environment,
    /// The key travel document numbers are hashed with; `None`: the development key under the data
    /// directory. Changing it orphans every stored hash, so production sets it once and keeps it.
    pub pii_key: Option<SecretString>,
    pub checkpoints: CheckpointSettings,
    pub pool: PoolSettings,
    pub embedded_pg_port: u16,
    pub max_body_bytes: usize,
    pub document_max_bytes: usize,
    pub workers: usize,
    pub log_format: LogFormat,
    /// The browser origins allowed to call the API cross-origin (CORS); empty: none.
    pub cors_origins: Vec<String>,
    /// The job runner's pace (timers, webhook deliveries).
    pub jobs: crate::workflow::jobs::JobSettings,
    /// `serve` also runs jobs (`SLS_RUN_JOBS`, default true); false leaves them to `sls-case worker`.
    pub run_jobs: bool,
}

#[derive(Debug, Clone)]
pub struct JwtSettings {
    /// `None`: use (or create) the development secret under the data directory.
    pub secret: Option<SecretString>,
    pub issuer: String,
    pub audience: String,
    /// Clock skew tolerated on `exp`/`iat`, in seconds: deliberate, small, and configurable.
    pub leeway_secs: u64,
    /// The longest a token may live (`exp - iat`): a stolen token is useful for this long at most.
    pub max_lifetime: Duration,
}

/// Where the service runs: in production nothing falls back to a development secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

impl FromStr for Environment {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> anyhow::Result<Self> {
        match s {
            "development" => Ok(Self::Development),
            "production" => Ok(Self::Production),
            other => bail!("SLS_ENV must be `development` or `production`, not `{other}`"),
        }
    }
}

/// An OpenID Connect identity provider: staff sign in there, and its signed access tokens are accepted.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// The `iss` its tokens carry, exactly.
    pub issuer: String,
    pub jwks: JwksSource,
    /// The `aud` its tokens must carry for this service.
    pub audience: String,
    /// Where the role is in the claims: a dotted path to a string or a list of strings.
    pub role_claim: String,
    /// Stripped from a role value before it is read (`sls-case-caseworker` → `caseworker`).
    pub role_prefix: String,
    pub employer_claim: String,
    pub agency_claim: String,
    /// The signature algorithms accepted (asymmetric only).
    pub algorithms: Vec<jsonwebtoken::Algorithm>,
    /// How long fetched keys are used before they are fetched again.
    pub cache_for: Duration,
    /// The shortest time between two fetches prompted by an unknown `kid`, so tokens naming made-up
    /// keys cannot make the service hammer the provider.
    pub min_refetch: Duration,
}

/// Where a provider's JSON Web Key Set is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksSource {
    Url(url::Url),
    File(PathBuf),
}

/// Signed checkpoints of the audit trail's chain heads (docs/audit.md).
#[derive(Debug, Clone)]
pub struct CheckpointSettings {
    /// The HMAC key checkpoints are signed with; `None`: the development key under the data directory.
    /// Keep it away from the database and its administrators: whoever holds it can sign a checkpoint.
    pub key: Option<SecretString>,
    /// Where `serve` writes them; `None`: `checkpoints/` under the data directory.
    pub dir: Option<PathBuf>,
    /// How often `serve` writes one (and once at start and at shutdown); zero: never.
    pub interval: Duration,
    /// How many `serve` keeps in `dir` (the newest); `latest.json` is always the newest.
    pub keep: usize,
}

#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_size: usize,
    /// How long a request waits for a connection, for a new connection, and for a recycle check.
    pub timeout: Duration,
    /// The longest one statement may run on the server (`statement_timeout`), and the longest a
    /// transaction may sit idle there (`idle_in_transaction_session_timeout`).
    pub statement_timeout: Duration,
    /// The longest one unit of work (or read) may take in all, waiting for a connection included: past
    /// it the request gets 503 and its connection is closed, whatever the database is doing.
    pub transaction_timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl FromStr for LogFormat {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> anyhow::Result<Self> {
        match s {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            other => bail!("SLS_LOG_FORMAT must be `text` or `json`, not `{other}`"),
        }
    }
}

/// The shortest secret accepted for HS256: 32 bytes, the hash's own size.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// The shortest audit checkpoint key accepted, for the same reason.
pub const MIN_AUDIT_KEY_BYTES: usize = 32;

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads settings through `lookup`, so tests can supply their own environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        fn parse<T: FromStr>(lookup: &impl Fn(&str) -> Option<String>, key: &str, default: T) -> anyhow::Result<T>
        where
            T::Err: std::fmt::Display,
        {
            match lookup(key).filter(|v| !v.trim().is_empty()) {
                None => Ok(default),
                Some(raw) => raw
                    .trim()
                    .parse()
                    .map_err(|e| anyhow::anyhow!("{key}={raw:?} is not valid: {e}")),
            }
        }
        let secret = lookup("SLS_JWT_SECRET").filter(|s| !s.is_empty());
        if let Some(secret) = &secret
            && secret.len() < MIN_JWT_SECRET_BYTES
        {
            bail!("SLS_JWT_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes long");
        }
        let pii_key = lookup("SLS_PII_KEY").filter(|s| !s.is_empty());
        if let Some(key) = &pii_key
            && key.len() < crate::personal_data::MIN_KEY_BYTES
        {
            bail!(
                "SLS_PII_KEY must be at least {} bytes long",
                crate::personal_data::MIN_KEY_BYTES
            );
        }
        let audit_key = lookup("SLS_AUDIT_KEY").filter(|s| !s.is_empty());
        if let Some(key) = &audit_key
            && key.len() < MIN_AUDIT_KEY_BYTES
        {
            bail!("SLS_AUDIT_KEY must be at least {MIN_AUDIT_KEY_BYTES} bytes long");
        }
        let workers_default = std::thread::available_parallelism().map_or(2, |n| n.get());
        let audience: String = parse(&lookup, "SLS_JWT_AUDIENCE", "sls-case-api".to_owned())?;
        let settings = Self {
            database_url: lookup("DATABASE_URL").filter(|s| !s.is_empty()).map(SecretString::from),
            app_database_url: lookup("SLS_APP_DATABASE_URL")
                .filter(|s| !s.is_empty())
                .map(SecretString::from),
            app_db_password: lookup("SLS_APP_DB_PASSWORD")
                .filter(|s| !s.is_empty())
                .map(SecretString::from),
            bind: parse(&lookup, "SLS_BIND", SocketAddr::from(([127, 0, 0, 1], 8080)))?,
            data_dir: data_dir(lookup("SLS_DATA_DIR").filter(|s| !s.trim().is_empty()))?,
            jwt: JwtSettings {
                secret: secret.map(SecretString::from),
                issuer: parse(&lookup, "SLS_JWT_ISSUER", "sls-case".to_owned())?,
                audience: audience.clone(),
                leeway_secs: parse(&lookup, "SLS_JWT_LEEWAY_SECS", 30)?,
                max_lifetime: Duration::from_secs(parse(&lookup, "SLS_JWT_MAX_LIFETIME_SECS", 86_400)?),
            },
            oidc: oidc(&lookup, &audience)?,
            environment: parse(&lookup, "SLS_ENV", Environment::Development)?,
            pii_key: pii_key.map(SecretString::from),
            checkpoints: CheckpointSettings {
                key: audit_key.map(SecretString::from),
                dir: lookup("SLS_AUDIT_CHECKPOINT_DIR")
                    .filter(|s| !s.is_empty())
                    .map(PathBuf::from),
                interval: Duration::from_secs(parse(&lookup, "SLS_AUDIT_CHECKPOINT_INTERVAL_SECS", 3600)?),
                keep: parse(&lookup, "SLS_AUDIT_CHECKPOINT_KEEP", 24)?,
            },
            pool: PoolSettings {
                max_size: parse(&lookup, "SLS_DB_POOL_SIZE", 8)?,
                timeout: Duration::from_secs(parse(&lookup, "SLS_DB_TIMEOUT_SECS", 5)?),
                statement_timeout: Duration::from_secs(parse(&lookup, "SLS_DB_STATEMENT_TIMEOUT_SECS", 10)?),
                transaction_timeout: Duration::from_secs(parse(&lookup, "SLS_DB_TRANSACTION_TIMEOUT_SECS", 15)?),
            },
            embedded_pg_port: parse(&lookup, "SLS_EMBEDDED_PG_PORT", 54329)?,
            max_body_bytes: parse(&lookup, "SLS_MAX_BODY_BYTES", 256 * 1024)?,
            document_max_bytes: parse(&lookup, "SLS_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)?,
            workers: parse(&lookup, "SLS_WORKERS", workers_default)?,
            log_format: parse(&lookup, "SLS_LOG_FORMAT", LogFormat::Text)?,
            cors_origins: cors_origins(lookup("SLS_CORS_ORIGINS").as_deref().unwrap_or_default())?,
            jobs: crate::workflow::jobs::JobSettings {
                poll_interval: Duration::from_millis(parse(&lookup, "SLS_JOBS_POLL_MS", 1000)?),
                sweep_interval: Duration::from_secs(parse(&lookup, "SLS_TIMER_SWEEP_SECS", 900)?),
                lease: Duration::from_secs(parse(&lookup, "SLS_JOB_LEASE_SECS", 300)?),
                backoff_base: Duration::from_millis(parse(&lookup, "SLS_JOB_BACKOFF_BASE_MS", 30_000)?),
                backoff_max: Duration::from_secs(parse(&lookup, "SLS_JOB_BACKOFF_MAX_SECS", 3600)?),
                webhook_timeout: Duration::from_secs(parse(&lookup, "SLS_WEBHOOK_TIMEOUT_SECS", 10)?),
                webhook_private_addresses: false,
            },
            run_jobs: parse(&lookup, "SLS_RUN_JOBS", true)?,
        };
        let mut settings = settings;
        // Webhooks reach loopback and private addresses only outside production.
        settings.jobs.webhook_private_addresses = settings.environment != Environment::Production;
        if settings.jobs.poll_interval.is_zero()
            || settings.jobs.sweep_interval.is_zero()
            || settings.jobs.lease.is_zero()
        {
            bail!("SLS_JOBS_POLL_MS, SLS_TIMER_SWEEP_SECS and SLS_JOB_LEASE_SECS must be at least 1");
        }
        if settings.pool.max_size == 0 {
            bail!("SLS_DB_POOL_SIZE must be at least 1");
        }
        let pool = &settings.pool;
        if [pool.timeout, pool.statement_timeout, pool.transaction_timeout].contains(&Duration::ZERO) {
            bail!("the SLS_DB_*_SECS timeouts must be at least 1 second");
        }
        Ok(settings)
    }

    /// In production nothing may fall back to a development secret kept beside the data: tokens need
    /// `SLS_JWT_SECRET` or an identity provider, and the travel-document and audit keys must be set.
    pub fn check_production(&self) -> anyhow::Result<()> {
        if self.environment != Environment::Production {
            return Ok(());
        }
        if self.jwt.secret.is_none() && self.oidc.is_none() {
            bail!(
                "SLS_ENV=production: set SLS_JWT_SECRET or an identity provider (SLS_OIDC_ISSUER with SLS_OIDC_JWKS_URL or SLS_OIDC_JWKS_FILE); the development secret is not used in production"
            );
        }
        for (name, value) in [("SLS_PII_KEY", &self.pii_key), ("SLS_AUDIT_KEY", &self.checkpoints.key)] {
            if value.is_none() {
                bail!("SLS_ENV=production: set {name}; development keys are not used in production");
            }
        }
        Ok(())
    }

    /// Whether the service's own HS256 tokens are accepted: with a configured secret, or the
    /// development one outside production.
    pub fn local_tokens(&self) -> bool {
        self.jwt.secret.is_some() || self.environment == Environment::Development
    }

    /// The JWT signing secret: the configured one, or the development secret kept under the data
    /// directory (created on first use, readable only by its owner), so `serve` and `token` agree
    /// without anyone choosing a secret, and no well-known secret ships in the code.
    pub fn jwt_secret(&self) -> anyhow::Result<SecretString> {
        self.secret_or_development(self.jwt.secret.as_ref(), "jwt-secret", MIN_JWT_SECRET_BYTES)
    }

    /// The travel-document HMAC key: the configured one, or the development key under the data
    /// directory, kept like the JWT secret so hashes stay comparable across restarts.
    pub fn pii_key(&self) -> anyhow::Result<SecretString> {
        self.secret_or_development(self.pii_key.as_ref(), "pii-key", crate::personal_data::MIN_KEY_BYTES)
    }

    /// The audit checkpoint key: the configured one, or the development key under the data directory.
    pub fn audit_key(&self) -> anyhow::Result<SecretString> {
        self.secret_or_development(self.checkpoints.key.as_ref(), "audit-key", MIN_AUDIT_KEY_BYTES)
    }

    /// Where `serve` writes checkpoints.
    pub fn checkpoint_dir(&self) -> PathBuf {
        self.checkpoints
            .dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("checkpoints"))
    }

    fn secret_or_development(
        &self,
        configured: Option<&SecretString>,
        file: &str,
        min_bytes: usize,
    ) -> anyhow::Result<SecretString> {
        if let Some(secret) = configured {
            return Ok(secret.clone());
        }
        let path = self.data_dir.join(file);
        if let Ok(existing) = std::fs::read_to_string(&path) {
            let existing = existing.trim().to_owned();
            if existing.len() >= min_bytes {
                return Ok(SecretString::from(existing));
            }
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("creating data directory {}", self.data_dir.display()))?;
        let bytes: [u8; 32] = rand::random();
        let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        write_private(&path, &secret).with_context(|| format!("writing {}", path.display()))?;
        tracing::info!(path = %path.display(), "created a development secret");
        Ok(SecretString::from(secret))
    }
}

/// Where local state lives: `SLS_DATA_DIR`, else the user's local data directory (`~/.local/share/sls-case`
/// on Linux; `/var/lib/sls-case` for root, whose home the `postgres` user running the private cluster
/// cannot enter), so `serve` and `token` agree whatever directory each is run from. Always absolute.
fn data_dir(configured: Option<String>) -> anyhow::Result<PathBuf> {
    let dir = match configured {
        Some(dir) => PathBuf::from(dir),
        None if crate::embedded_pg::running_as_root() => PathBuf::from("/var/lib/sls-case"),
        None => dirs::data_local_dir().map_or_else(|| PathBuf::from(".sls-case"), |d| d.join("sls-case")),
    };
    std::path::absolute(&dir).with_context(|| format!("resolving the data directory {}", dir.display()))
}

/// The identity provider, when `SLS_OIDC_ISSUER` is set.
fn oidc(lookup: &impl Fn(&str) -> Option<String>, default_audience: &str) -> anyhow::Result<Option<OidcSettings>> {
    let value = |key: &str| lookup(key).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let Some(issuer) = value("SLS_OIDC_ISSUER") else {
        if let Some(key) = ["SLS_OIDC_JWKS_URL", "SLS_OIDC_JWKS_FILE"]
            .into_iter()
            .find(|k| value(k).is_some())
        {
            bail!("{key} is set without SLS_OIDC_ISSUER");
        }
        return Ok(None);
    };
    let jwks = match (value("SLS_OIDC_JWKS_URL"), value("SLS_OIDC_JWKS_FILE")) {
        (Some(url), None) => {
            let url =
                url::Url::parse(&url).map_err(|e| anyhow::anyhow!("SLS_OIDC_JWKS_URL={url:?} is not a URL: {e}"))?;
            if !matches!(url.scheme(), "https" | "http") {
                bail!("SLS_OIDC_JWKS_URL must be an https (or http) URL");
            }
            JwksSource::Url(url)
        }
        (None, Some(file)) => JwksSource::File(
            std::path::absolute(&file).with_context(|| format!("resolving SLS_OIDC_JWKS_FILE {file}"))?,
        ),
        _ => bail!("SLS_OIDC_ISSUER needs exactly one of SLS_OIDC_JWKS_URL and SLS_OIDC_JWKS_FILE"),
    };
    let algorithms = value("SLS_OIDC_ALGORITHMS")
        .unwrap_or_else(|| "RS256,ES256".to_owned())
        .split(',')
        .map(|name| {
            let name = name.trim();
            match name.parse::<jsonwebtoken::Algorithm>() {
                Ok(alg)
                    if !matches!(
                        alg,
                        jsonwebtoken::Algorithm::HS256
                            | jsonwebtoken::Algorithm::HS384
                            | jsonwebtoken::Algorithm::HS512
                    ) =>
                {
                    Ok(alg)
                }
                _ => {
                    bail!("SLS_OIDC_ALGORITHMS: {name:?} is not an asymmetric JWS algorithm (RS256, ES256, PS256, ...)")
                }
            }
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let seconds = |key: &str, default: u64| -> anyhow::Result<Duration> {
        value(key)
            .map_or(Ok(default), |v| {
                v.parse().map_err(|e| anyhow::anyhow!("{key}={v:?} is not valid: {e}"))
            })
            .map(Duration::from_secs)
    };
    Ok(Some(OidcSettings {
        issuer,
        jwks,
        audience: value("SLS_OIDC_AUDIENCE").unwrap_or_else(|| default_audience.to_owned()),
        role_claim: value("SLS_OIDC_ROLE_CLAIM").unwrap_or_else(|| "roles".to_owned()),
        role_prefix: value("SLS_OIDC_ROLE_PREFIX").unwrap_or_default(),
        employer_claim: value("SLS_OIDC_EMPLOYER_CLAIM").unwrap_or_else(|| "employer_id".to_owned()),
        agency_claim: value("SLS_OIDC_AGENCY_CLAIM").unwrap_or_else(|| "agency".to_owned()),
        algorithms,
        cache_for: seconds("SLS_OIDC_JWKS_CACHE_SECS", 3600)?,
        min_refetch: seconds("SLS_OIDC_JWKS_MIN_REFETCH_SECS", 10)?,
    }))
}

/// `SLS_CORS_ORIGINS`: a comma-separated list of origins, each `scheme://host[:port]` exactly as a
/// browser sends it in `Origin` (no path, no trailing slash, no wildcard: a wildcard with bearer
/// tokens would let any site a user visits call the API with their token).
fn cors_origins(raw: &str) -> anyhow::Result<Vec<String>> {
    raw.split(',')
        .map(str::trim)
        .filter(|origin| !origin.is_empty())
        .map(|origin| {
            let parsed = url::Url::parse(origin)
                .map_err(|e| anyhow::anyhow!("SLS_CORS_ORIGINS: {origin:?} is not an origin: {e}"))?;
            let serialized = parsed.origin().ascii_serialization();
            if !matches!(parsed.scheme(), "http" | "https") || serialized != origin {
                bail!(
                    "SLS_CORS_ORIGINS: {origin:?} is not an origin as browsers send it (scheme://host[:port], no path{})",
                    if parsed.has_host() { format!("; did you mean {serialized:?}?") } else { String::new() }
                );
            }
            Ok(serialized)
        })
        .collect()
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

/// Shows a database URL without its password, for logs and start-up messages.
pub fn redact_url(url: &SecretString) -> String {
    let raw = url.expose_secret();
    match (raw.find("://"), raw.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &raw[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            let masked = if userinfo.contains(':') {
                format!("{user}:***")
            } else {
                user.to_owned()
            };
            format!("{}{}{}", &raw[..scheme_end + 3], masked, &raw[at..])
        }
        _ => raw.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_lookup(|key| vars.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
    }

    #[test]
    fn defaults_need_no_configuration() {
        let s = settings(&[]).unwrap();
        assert!(s.database_url.is_none());
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.jwt.leeway_secs, 30);
        assert_eq!(s.pool.max_size, 8);
        assert_eq!(s.log_format, LogFormat::Text);
    }

    #[test]
    fn short_jwt_secret_is_refused() {
        let err = settings(&[("SLS_JWT_SECRET", "short")]).unwrap_err();
        assert!(err.to_string().contains("at least 32 bytes"));
    }

    #[test]
    fn unparseable_value_names_the_variable() {
        let err = settings(&[("SLS_DB_POOL_SIZE", "many")]).unwrap_err();
        assert!(err.to_string().contains("SLS_DB_POOL_SIZE"));
    }

    #[test]
    fn every_database_wait_is_bounded_by_default_and_never_unbounded() {
        let pool = settings(&[]).unwrap().pool;
        assert_eq!(
            (pool.timeout, pool.statement_timeout, pool.transaction_timeout),
            (Duration::from_secs(5), Duration::from_secs(10), Duration::from_secs(15))
        );
        assert!(settings(&[("SLS_DB_TRANSACTION_TIMEOUT_SECS", "0")]).is_err());
    }

    #[test]
    fn cors_is_off_by_default_and_takes_exact_origins_only() {
        assert!(settings(&[]).unwrap().cors_origins.is_empty());
        let s = settings(&[("SLS_CORS_ORIGINS", "https://case.labour.gov.hk, http://localhost:3000")]).unwrap();
        assert_eq!(s.cors_origins, ["https://case.labour.gov.hk", "http://localhost:3000"]);
        for bad in [
            "*",
            "https://case.labour.gov.hk/",
            "https://x.hk/app",
            "case.labour.gov.hk",
            "ftp://x.hk",
        ] {
            let err = settings(&[("SLS_CORS_ORIGINS", bad)]).unwrap_err();
            assert!(err.to_string().contains("SLS_CORS_ORIGINS"), "{bad}: {err}");
        }
    }

    #[test]
    fn an_identity_provider_needs_its_issuer_and_one_key_source() {
        assert!(settings(&[]).unwrap().oidc.is_none());
        let s = settings(&[
            ("SLS_OIDC_ISSUER", "https://sso.labour.gov.hk/realms/staff"),
            ("SLS_OIDC_JWKS_URL", "https://sso.labour.gov.hk/realms/staff/certs"),
            ("SLS_OIDC_ROLE_CLAIM", "realm_access.roles"),
        ])
        .unwrap();
        let oidc = s.oidc.unwrap();
        assert_eq!(oidc.audience, "sls-case-api");
        assert_eq!(oidc.role_claim, "realm_access.roles");
        assert_eq!(
            oidc.algorithms,
            [jsonwebtoken::Algorithm::RS256, jsonwebtoken::Algorithm::ES256]
        );
        for bad in [
            vec![("SLS_OIDC_ISSUER", "https://sso")],
            vec![
                ("SLS_OIDC_ISSUER", "https://sso"),
                ("SLS_OIDC_JWKS_URL", "https://sso/certs"),
                ("SLS_OIDC_JWKS_FILE", "/k.json"),
            ],
            vec![("SLS_OIDC_JWKS_URL", "https://sso/certs")],
            vec![
                ("SLS_OIDC_ISSUER", "https://sso"),
                ("SLS_OIDC_JWKS_FILE", "/k.json"),
                ("SLS_OIDC_ALGORITHMS", "HS256"),
            ],
            vec![
                ("SLS_OIDC_ISSUER", "https://sso"),
                ("SLS_OIDC_JWKS_URL", "ftp://sso/certs"),
            ],
        ] {
            assert!(settings(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn production_refuses_to_run_on_development_secrets() {
        let dev = settings(&[]).unwrap();
        assert!(dev.check_production().is_ok() && dev.local_tokens());
        let bare = settings(&[("SLS_ENV", "production")]).unwrap();
        assert!(
            bare.check_production()
                .unwrap_err()
                .to_string()
                .contains("SLS_JWT_SECRET or an identity provider")
        );
        let keys = [("SLS_PII_KEY", "p".repeat(32)), ("SLS_AUDIT_KEY", "a".repeat(32))];
        let with = |extra: &[(&str, &str)]| {
            let mut vars: Vec<(&str, &str)> = vec![("SLS_ENV", "production")];
            vars.extend(keys.iter().map(|(k, v)| (*k, v.as_str())));
            vars.extend(extra);
            settings(&vars).unwrap()
        };
        let secret = "s".repeat(32);
        let local = with(&[("SLS_JWT_SECRET", &secret)]);
        assert!(local.check_production().is_ok() && local.local_tokens());
        let provider = with(&[("SLS_OIDC_ISSUER", "https://sso"), ("SLS_OIDC_JWKS_FILE", "/k.json")]);
        assert!(provider.check_production().is_ok());
        // Only the provider's tokens: no development secret stands in.
        assert!(!provider.local_tokens());
        let no_keys = settings(&[("SLS_ENV", "production"), ("SLS_JWT_SECRET", &secret)]).unwrap();
        assert!(
            no_keys
                .check_production()
                .unwrap_err()
                .to_string()
                .contains("SLS_PII_KEY")
        );
        assert!(settings(&[("SLS_ENV", "prod")]).is_err());
    }

    #[test]
    fn zero_pool_size_is_refused() {
        assert!(settings(&[("SLS_DB_POOL_SIZE", "0")]).is_err());
    }

    #[test]
    fn redacted_url_hides_the_password_only() {
        let url = SecretString::from("postgres://app:s3cret@db:5432/sls");
        assert_eq!(redact_url(&url), "postgres://app:***@db:5432/sls");
        let url = SecretString::from("postgres://postgres@127.0.0.1:5432/sls");
        assert_eq!(redact_url(&url), "postgres://postgres@127.0.0.1:5432/sls");
    }

    #[test]
    fn development_secret_is_created_once_and_reused() {
        let dir = std::env::temp_dir().join(format!("sls-case-secret-{}", uuid::Uuid::new_v4()));
        let s = settings(&[("SLS_DATA_DIR", dir.to_str().unwrap())]).unwrap();
        let first = s.jwt_secret().unwrap();
        let second = s.jwt_secret().unwrap();
        assert_eq!(first.expose_secret(), second.expose_secret());
        assert!(first.expose_secret().len() >= MIN_JWT_SECRET_BYTES);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
