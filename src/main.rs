//! The `sls-case` command: `serve` (default), `migrate`, `token`, `audit`, `openapi`, `probe`.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use sls_case::auth::JwtKeys;
use sls_case::config::Settings;
use sls_case::domain::{EmployerId, Role};

#[derive(Parser)]
#[command(name = "sls-case", version, about = "ESLS case management service")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service (the default). Migrates the database first.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Run jobs (timer sweeps, webhook deliveries) without serving HTTP, until stopped. Any number of
    /// workers and services may run against one database.
    Worker,
    /// The timers of the scheme.
    Timers {
        #[command(subcommand)]
        command: TimersCommand,
    },
    /// Audit-trail tools.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Print the OpenAPI document the service serves at /openapi.json (no database needed).
    Openapi,
    /// Ask a running service whether it is ready (GET /readyz); exit 0 if so, 1 if not. For container
    /// health checks, where there is no curl.
    Probe {
        /// The service's address; defaults to SLS_BIND (0.0.0.0 asked at 127.0.0.1).
        #[arg(long)]
        url: Option<url::Url>,
    },
    /// Print a bearer token signed with the configured secret, for local use.
    Token {
        /// employer, caseworker, approver, auditor, admin, lab_member, inspector or immd.
        #[arg(long)]
        role: Role,
        /// The employer the token acts for (employer role only).
        #[arg(long)]
        employer_id: Option<uuid::Uuid>,
        /// The user the token names; defaults to `local-<role>`.
        #[arg(long)]
        sub: Option<String>,
        /// For an employer token: the employment agency acting for the employer (audited as
        /// "on behalf of").
        #[arg(long)]
        agency: Option<String>,
        /// How long the token is valid, e.g. `1h`, `30m`, `7d`.
        #[arg(long, default_value = "8h", value_parser = humantime::parse_duration)]
        ttl: Duration,
    },
}

#[derive(Subcommand)]
enum TimersCommand {
    /// Sweep every timer once now and print what fired (JSON); safe beside running services.
    Run {
        /// The Hong Kong date to sweep as of (YYYY-MM-DD); today by default.
        #[arg(long)]
        on: Option<chrono::NaiveDate>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain of every audit event; exits 1 if a link is broken, or if the trail no
    /// longer matches the checkpoint given.
    Verify {
        /// A checkpoint taken earlier (`audit checkpoint`, or one `serve` wrote): every chain head it
        /// recorded must still be there with its hash, and it must be signed with SLS_AUDIT_KEY.
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<std::path::PathBuf>,
    },
    /// Write a signed checkpoint of every chain's head (HMAC-SHA256 with SLS_AUDIT_KEY), to keep
    /// outside the database.
    Checkpoint {
        /// Where to write it; standard output when not given.
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("configuration error: {err:#}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            sls_case::telemetry::init(settings.log_format, "info");
            actix_web::rt::System::new().block_on(sls_case::serve(settings))
        }
        Command::Worker => {
            sls_case::telemetry::init(settings.log_format, "info");
            actix_web::rt::System::new().block_on(sls_case::work(settings))
        }
        Command::Timers {
            command: TimersCommand::Run { on },
        } => {
            sls_case::telemetry::init(settings.log_format, "warn");
            let started = std::time::Instant::now();
            match actix_web::rt::System::new().block_on(sls_case::sweep_timers(settings, on)) {
                Ok(report) => {
                    let mut json = serde_json::to_value(&report).unwrap_or_default();
                    json["seconds"] = serde_json::json!(started.elapsed().as_secs_f64());
                    println!("{json}");
                    Ok(())
                }
                Err(err) => Err(err),
            }
        }
        Command::Audit {
            command: AuditCommand::Verify { checkpoint },
        } => {
            sls_case::telemetry::init(settings.log_format, "warn");
            let started = std::time::Instant::now();
            match actix_web::rt::System::new().block_on(sls_case::verify_audit(settings, checkpoint)) {
                Ok(report) => {
                    let mut json = serde_json::to_value(&report).unwrap_or_default();
                    json["seconds"] = serde_json::json!(started.elapsed().as_secs_f64());
                    println!("{}", serde_json::to_string_pretty(&json).unwrap_or_default());
                    return if report.passed() {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(1)
                    };
                }
                Err(err) => Err(err),
            }
        }
        Command::Audit {
            command: AuditCommand::Checkpoint { out },
        } => {
            sls_case::telemetry::init(settings.log_format, "warn");
            actix_web::rt::System::new()
                .block_on(sls_case::take_checkpoint(settings))
                .and_then(|checkpoint| match out {
                    Some(path) => {
                        sls_case::checkpoints::write(&path, &checkpoint)?;
                        println!(
                            "{}",
                            serde_json::json!({"file": path, "taken_at": checkpoint.taken_at,
                                               "chains": checkpoint.heads.len(), "events": checkpoint.events})
                        );
                        Ok(())
                    }
                    None => {
                        println!("{}", serde_json::to_string_pretty(&checkpoint)?);
                        Ok(())
                    }
                })
        }
        Command::Probe { url } => {
            let url = url.map_or_else(|| sls_case::probe_url(settings.bind), |u| u.join("readyz"));
            return match url
                .map_err(anyhow::Error::from)
                .and_then(|url| actix_web::rt::System::new().block_on(sls_case::probe(url, Duration::from_secs(3))))
            {
                Ok(status) => {
                    println!("ready ({status})");
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!("not ready: {err:#}");
                    ExitCode::from(1)
                }
            };
        }
        Command::Openapi => match sls_case::startup::openapi_document().to_pretty_json() {
            Ok(json) => {
                println!("{json}");
                Ok(())
            }
            Err(err) => Err(err.into()),
        },
        Command::Migrate => {
            sls_case::telemetry::init(settings.log_format, "info");
            sls_case::migrate(&settings).map(|applied| {
                println!(
                    "applied {} migration(s){}",
                    applied.len(),
                    if applied.is_empty() { "" } else { ":" }
                );
                for version in applied {
                    println!("  {version}");
                }
            })
        }
        Command::Token {
            role,
            employer_id,
            sub,
            agency,
            ttl,
        } => {
            sls_case::telemetry::init(settings.log_format, "warn");
            if !settings.local_tokens() {
                eprintln!(
                    "error: SLS_ENV=production without SLS_JWT_SECRET: the service accepts only the identity provider's tokens, so there is nothing to mint with"
                );
                return ExitCode::FAILURE;
            }
            if settings.jwt.secret.is_none() {
                // Standard error: standard output is the token alone, for `$(sls-case token ...)`.
                eprintln!(
                    "sls-case token: signed with the development secret in {} (set SLS_JWT_SECRET to use another)",
                    settings.data_dir.join("jwt-secret").display()
                );
            }
            settings.jwt_secret().and_then(|secret| {
                let keys = JwtKeys::new(&secret, &settings.jwt);
                let sub = sub.unwrap_or_else(|| format!("local-{role}"));
                let token = keys.mint_for_agency(&sub, role, employer_id.map(EmployerId), agency.as_deref(), ttl)?;
                println!("{token}");
                Ok(())
            })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
