//! The zero-configuration database: with no `DATABASE_URL`, use the local PostgreSQL on
//! 127.0.0.1:5432 if one answers, otherwise start a private cluster from the installed server binaries
//! under the data directory. Either way, the `sls_case` database is created if missing.
//!
//! `initdb` and `postgres` refuse to run as root, so when the service runs as root the cluster is
//! created and started as the `postgres` user (through `runuser`).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use diesel::{Connection, PgConnection, RunQueryDsl};
use secrecy::{ExposeSecret, SecretString};

use crate::config::Settings;

/// The database the service will use, and the private cluster it started, if any.
pub struct ResolvedDatabase {
    pub url: SecretString,
    pub private_cluster: Option<PrivateCluster>,
}

/// A cluster this process started; stopped again by [`PrivateCluster::stop`].
pub struct PrivateCluster {
    pub data_dir: PathBuf,
    bin_dir: PathBuf,
    as_postgres_user: bool,
}

pub const DATABASE_NAME: &str = "sls_case";
const LOCAL_SERVER: &str = "postgres://postgres@127.0.0.1:5432";

/// Finds or starts the database described in the module docs.
pub fn resolve(settings: &Settings) -> anyhow::Result<ResolvedDatabase> {
    if let Some(url) = &settings.database_url {
        return Ok(ResolvedDatabase {
            url: url.clone(),
            private_cluster: None,
        });
    }
    if let Ok(url) = ensure_database(LOCAL_SERVER) {
        tracing::info!("no DATABASE_URL: using the local PostgreSQL on 127.0.0.1:5432");
        return Ok(ResolvedDatabase {
            url,
            private_cluster: None,
        });
    }
    let cluster = PrivateCluster::start(settings)?;
    let server = format!("postgres://postgres@127.0.0.1:{}", settings.embedded_pg_port);
    let url = ensure_database(&server).context("connecting to the private cluster")?;
    Ok(ResolvedDatabase {
        url,
        private_cluster: cluster,
    })
}

/// Connects to `server`'s maintenance database, creates `sls_case` if missing, returns its URL.
fn ensure_database(server: &str) -> anyhow::Result<SecretString> {
    let mut conn = PgConnection::establish(&format!("{server}/postgres?connect_timeout=2"))?;
    #[derive(diesel::QueryableByName)]
    struct Exists {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        exists: bool,
    }
    let found: Exists = diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
        .bind::<diesel::sql_types::Text, _>(DATABASE_NAME)
        .get_result(&mut conn)?;
    if !found.exists {
        // The name is a constant, not input: safe to put in the statement.
        diesel::sql_query(format!("CREATE DATABASE {DATABASE_NAME}")).execute(&mut conn)?;
        tracing::info!(database = DATABASE_NAME, "created database");
    }
    Ok(SecretString::from(format!("{server}/{DATABASE_NAME}")))
}

impl PrivateCluster {
    /// Initialises (first time) and starts the private cluster. `None` if it was already running.
    fn start(settings: &Settings) -> anyhow::Result<Option<Self>> {
        let bin_dir = find_server_binaries().context(
            "no DATABASE_URL, nothing answers on 127.0.0.1:5432, and the PostgreSQL server binaries \
             (initdb, pg_ctl) were not found; install PostgreSQL or set DATABASE_URL",
        )?;
        std::fs::create_dir_all(&settings.data_dir)?;
        let data_dir = std::fs::canonicalize(&settings.data_dir)?.join("pg");
        let cluster = Self {
            data_dir,
            bin_dir,
            as_postgres_user: running_as_root(),
        };

        if !cluster.data_dir.join("PG_VERSION").exists() {
            std::fs::create_dir_all(&cluster.data_dir)?;
            if cluster.as_postgres_user {
                run(Command::new("chown")
                    .arg("-R")
                    .arg("postgres:postgres")
                    .arg(&cluster.data_dir))?;
            }
            tracing::info!(dir = %cluster.data_dir.display(), "initialising a private PostgreSQL cluster");
            cluster.run_tool(
                "initdb",
                &["-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "-D"],
                Some(&cluster.data_dir),
            )?;
        }
        if cluster
            .run_tool("pg_ctl", &["status", "-D"], Some(&cluster.data_dir))
            .is_ok()
        {
            tracing::info!("private PostgreSQL cluster already running");
            return Ok(None);
        }
        let options = format!(
            "-c listen_addresses=127.0.0.1 -c port={} -c unix_socket_directories=''",
            settings.embedded_pg_port
        );
        let log = cluster.data_dir.join("server.log");
        cluster.run_tool(
            "pg_ctl",
            &[
                "start",
                "-w",
                "-t",
                "60",
                "-o",
                &options,
                "-l",
                &log.to_string_lossy(),
                "-D",
            ],
            Some(&cluster.data_dir),
        )?;
        tracing::info!(port = settings.embedded_pg_port, dir = %cluster.data_dir.display(), "started a private PostgreSQL cluster");
        Ok(Some(cluster))
    }

    /// Stops the cluster (fast shutdown: sessions are ended, committed data is safe).
    pub fn stop(&self) -> anyhow::Result<()> {
        self.run_tool("pg_ctl", &["stop", "-m", "fast", "-D"], Some(&self.data_dir))
    }

    fn run_tool(&self, tool: &str, args: &[&str], last: Option<&Path>) -> anyhow::Result<()> {
        let program = self.bin_dir.join(tool);
        let mut command = if self.as_postgres_user {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        command.args(args);
        if let Some(path) = last {
            command.arg(path);
        }
        // Run from a directory every user can read, so `runuser` does not trip over ours.
        command.current_dir("/");
        run(&mut command)
    }
}

fn run(command: &mut Command) -> anyhow::Result<()> {
    let output = command.output().with_context(|| format!("running {command:?}"))?;
    if !output.status.success() {
        bail!(
            "{:?} failed ({}): {}",
            command.get_program(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// The directory holding `initdb` and `pg_ctl`: from `pg_config`, Debian's versioned directories, or PATH.
fn find_server_binaries() -> Option<PathBuf> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Ok(output) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if output.status.success() && has_tools(&dir) {
            return Some(dir);
        }
    }
    let mut versioned: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin"))
        .filter(|dir| has_tools(dir))
        .collect();
    versioned.sort_by_key(|dir| {
        dir.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
    });
    if let Some(newest) = versioned.pop() {
        return Some(newest);
    }
    std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .find(|dir| has_tools(dir))
}

pub fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

/// For start-up messages: where the data lives, without credentials.
pub fn describe(db: &ResolvedDatabase) -> String {
    crate::config::redact_url(&db.url)
}

impl std::fmt::Debug for ResolvedDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResolvedDatabase")
            .field("url", &crate::config::redact_url(&self.url))
            .finish()
    }
}

/// The URL as a plain string, for the pool and the migration harness.
pub fn url(db: &ResolvedDatabase) -> &str {
    db.url.expose_secret()
}
