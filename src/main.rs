//! The `sls-case` command: `serve` (default), `migrate`, `token`.

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
    /// Audit-trail tools.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Print a bearer token signed with the configured secret, for local use.
    Token {
        /// employer, caseworker, approver, auditor or admin.
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
enum AuditCommand {
    /// Recompute the hash chain of every audit event; exits 1 if a link is broken.
    Verify,
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
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            sls_case::telemetry::init(settings.log_format, "warn");
            let started = std::time::Instant::now();
            match actix_web::rt::System::new().block_on(sls_case::verify_audit(settings)) {
                Ok(report) => {
                    let mut json = serde_json::to_value(&report).unwrap_or_default();
                    json["seconds"] = serde_json::json!(started.elapsed().as_secs_f64());
                    println!("{}", serde_json::to_string_pretty(&json).unwrap_or_default());
                    return if report.intact {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(1)
                    };
                }
                Err(err) => Err(err),
            }
        }
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
