//! Applications (cases): drafts and their edits, the caseworker's wage benchmark, and every read of a
//! case: the case itself with its SLA clock, as it stood at a past moment, its history, its rule
//! checks, its decision and the employer's pre-submission check.

use chrono::{DateTime, NaiveDate, Utc};

use super::agencies::Reach;
use super::checks;
use super::error::{FieldError, Result, WorkflowError, not_found};
use super::unit::{self, Change, Command, Locks, Reply};
use crate::clock::Clock;
use crate::db::applications::{ApplicationFilter, ListOrder};
use crate::db::pagination::{Cursor, Page};
use crate::db::{Conn, DbPool, applications, audit, casework, employers, job_categories, policy};
use crate::domain::application::{Application, DraftChanges, SlaClock, replay, sla_clock};
use crate::domain::audit::{AuditEvent, AuditRecord};
use crate::domain::casework::{DecisionRecord, RecordKind};
use crate::domain::policy::keys;
use crate::domain::rules::{RuleResult, ratio, wage};
use crate::domain::{ApplicationId, ApplicationStatus, NewApplication, Vacancy, VacancyId, Viewer};

/// Creates a draft for the actor's employer.
pub async fn create_draft(
    pool: &DbPool,
    cmd: &Command,
    new: NewApplication,
    reply: impl FnOnce(&Application) -> Result<Reply>,
) -> Result<Reply> {
    unit::write(
        pool,
        cmd,
        Locks::nothing(),
        async |conn, _| {
            // A token can name an employer that was never registered (or was minted by mistake).
            if !employers::exists(conn, new.employer_id).await? {
                return Err(WorkflowError::Forbidden(
                    "The employer in your token is not registered.".into(),
                ));
            }
            // An agency authorised for named applications cannot start others.
            if super::agencies::check_employer_wide(conn, cmd.actor.viewer(), Some(cmd.today))
                .await
                .is_err()
            {
                return Err(WorkflowError::Forbidden(
                    "The agency is authorised for named applications only; the employer starts new ones.".into(),
                ));
            }
            check_category_codes(conn, &new.vacancies).await?;
            let application = applications::insert(conn, &new, &cmd.actor.sub).await?;
            let record = AuditRecord::application_change("application.created", None, &application)?;
            Ok(Change::new(application, record))
        },
        reply,
    )
    .await
}

/// Edits a draft; `If-Match` is required, so concurrent edits are never lost.
pub async fn edit_draft(
    pool: &DbPool,
    cmd: &Command,
    id: ApplicationId,
    changes: DraftChanges,
    reply: impl FnOnce(&Application) -> Result<Reply>,
) -> Result<Reply> {
    unit::write(
        pool,
        cmd,
        Locks::application(id).if_match_required(),
        async |conn, locked| {
            let before = locked.application()?;
            if before.status != ApplicationStatus::Draft {
                return Err(WorkflowError::Conflict(format!(
                    "Only a draft can be edited; this application is {}.",
                    before.status
                )));
            }
            if let Some(vacancies) = &changes.vacancies {
                check_category_codes(conn, vacancies).await?;
            }
            let after = applications::update_draft(conn, id, &changes).await?;
            let record = AuditRecord::application_change("application.updated", Some(before), &after)?;
            Ok(Change::new(after, record))
        },
        reply,
    )
    .await
}

/// The benchmark median for a non-common post (R-WAGE-4), between submission and decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WageBenchmark {
    pub median_monthly_wage_hkd: u32,
    /// Where the figure comes from: C&SD occupation and statistical month.
    pub source: String,
}

pub async fn set_wage_benchmark(
    pool: &DbPool,
    cmd: &Command,
    id: ApplicationId,
    vacancy: VacancyId,
    benchmark: WageBenchmark,
    reply: impl FnOnce(&Application) -> Result<Reply>,
) -> Result<Reply> {
    unit::write(
        pool,
        cmd,
        Locks::application(id),
        async |conn, locked| {
            let before = locked.application()?;
            if !before.status.is_pre_decision() {
                return Err(WorkflowError::Conflict(format!(
                    "A benchmark can be entered only between submission and decision; this application is {}.",
                    before.status
                )));
            }
            let after =
                applications::set_benchmark(conn, id, vacancy, benchmark.median_monthly_wage_hkd, &benchmark.source)
                    .await
                    .map_err(not_found("vacancy"))?;
            let record = AuditRecord::application_change("application.wage_benchmark_set", Some(before), &after)?;
            Ok(Change::new(after, record))
        },
        reply,
    )
    .await
}

/// Refuses vacancies that name a designated category that does not exist.
pub(crate) async fn check_category_codes(conn: &mut Conn, vacancies: &[Vacancy]) -> Result<()> {
    let named: Vec<&str> = vacancies
        .iter()
        .filter_map(|v| v.designated_category_code.as_deref())
        .collect();
    let known = job_categories::existing_codes(conn, &named).await?;
    let errors: Vec<FieldError> = vacancies
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            let code = v.designated_category_code.as_deref()?;
            (!known.iter().any(|k| k == code)).then(|| {
                FieldError::new(
                    format!("vacancies[{i}].designated_category_code"),
                    "is not one of the 26 designated job categories (see /v1/job-categories)",
                )
            })
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(WorkflowError::Invalid(errors))
    }
}

/// The case `id` if `viewer` may see it: scoped to an employer user's own cases in the query, so
/// another employer's case is simply not found.
pub(crate) async fn visible(conn: &mut Conn, viewer: Viewer, id: ApplicationId) -> Result<Application> {
    let application = applications::get(conn, id, viewer.scope())
        .await
        .map_err(not_found("application"))?;
    super::agencies::check_application(conn, viewer, id, None).await?;
    Ok(application)
}

/// Applications in `order`, a page at a time (an employer user sees only its own; staff filters on
/// queues are for those who read every case).
pub async fn list(
    pool: &DbPool,
    viewer: Viewer,
    filter: ApplicationFilter,
    order: ListOrder,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page<Application>> {
    unit::read(pool, async |conn| {
        let mut filter = filter;
        if let Reach::Only(ids) = super::agencies::reach(conn, viewer, Clock::system().today()).await? {
            filter.only = Some(ids);
        }
        Ok(applications::list(conn, &filter, viewer.scope(), order, after, limit).await?)
    })
    .await
}

/// A case with its service-level clock.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub application: Application,
    /// From submission; `None` for a draft.
    pub sla: Option<SlaClock>,
}

/// The case as it is, with its SLA clock on `today` (stopped on the decision date once decided, paused
/// while an information request is open).
pub async fn get(pool: &DbPool, viewer: Viewer, id: ApplicationId, today: NaiveDate) -> Result<CaseView> {
    unit::read(pool, async |conn| {
        let application = visible(conn, viewer, id).await?;
        let sla = match application.submitted_on {
            Some(started) => {
                let policy = policy::load(conn).await?;
                let target = policy.get::<u32>(keys::PROCESSING_TARGET_DAYS, None, started)?.value;
                let pauses: Vec<_> = casework::info_requests_of(conn, application.id)
                    .await?
                    .into_iter()
                    .map(|r| (r.requested_on, r.responded_on))
                    .collect();
                let until = application.decided_on.unwrap_or(today);
                Some(sla_clock(started, target, &pauses, until))
            }
            None => None,
        };
        Ok(CaseView { application, sla })
    })
    .await
}

/// The case as it stood at `at`, rebuilt from its history.
pub async fn get_as_of(pool: &DbPool, viewer: Viewer, id: ApplicationId, at: DateTime<Utc>) -> Result<Application> {
    unit::read(pool, async |conn| {
        // Ownership first: another employer's case is not found, whatever the date.
        visible(conn, viewer, id).await?;
        let snapshots = audit::for_application_until(conn, id, at)
            .await?
            .into_iter()
            .filter(|e| e.entity_type == "application" && e.action.starts_with("application."))
            .filter_map(|e| e.after);
        Ok(replay(snapshots).ok_or(WorkflowError::NotFound("application at that time"))??)
    })
    .await
}

/// Every event of the case, oldest first; an employer sees what happened, without the notes staff
/// wrote on it.
pub async fn history(pool: &DbPool, viewer: Viewer, id: ApplicationId) -> Result<Vec<AuditEvent>> {
    unit::read(pool, async |conn| {
        visible(conn, viewer, id).await?;
        let mut events = audit::for_application(conn, id).await?;
        for event in &mut events {
            if event.is_internal_to(viewer.role) {
                event.comment = None;
            }
        }
        Ok(events)
    })
    .await
}

/// The latest decision record of each kind, in the order the case meets them.
pub async fn checks(pool: &DbPool, viewer: Viewer, id: ApplicationId) -> Result<Vec<DecisionRecord>> {
    unit::read(pool, async |conn| {
        visible(conn, viewer, id).await?;
        let mut latest: Vec<DecisionRecord> = Vec::new();
        for record in casework::decision_records_of(conn, id).await? {
            latest.retain(|r| r.kind != record.kind);
            latest.push(record);
        }
        latest.sort_by_key(|r| r.kind);
        Ok(latest)
    })
    .await
}

/// The decision record; not found until the case is decided.
pub async fn decision(pool: &DbPool, viewer: Viewer, id: ApplicationId) -> Result<DecisionRecord> {
    unit::read(pool, async |conn| {
        visible(conn, viewer, id).await?;
        casework::decision_records_of(conn, id)
            .await?
            .into_iter()
            .rfind(|r| r.kind == RecordKind::Decision)
            .ok_or(WorkflowError::NotFound("decision"))
    })
    .await
}

/// Every check run on a case as it stands today, nothing stored: the employer's wage and quota
/// calculator.
#[derive(Debug, Clone)]
pub struct Precheck {
    pub evaluated_on: NaiveDate,
    /// Submitting today would pass every submission rule.
    pub would_pass_submission: bool,
    /// The submission rules, the median wage and the ratio (against the latest headcount return).
    pub results: Vec<RuleResult>,
}

pub async fn precheck(pool: &DbPool, viewer: Viewer, id: ApplicationId, today: NaiveDate) -> Result<Precheck> {
    unit::read(pool, async |conn| {
        let mut app = visible(conn, viewer, id).await?;
        let policy = policy::load(conn).await?;
        let mut results = checks::submission_checks(conn, &policy, &app, today).await?;
        let would_pass_submission = results.iter().all(RuleResult::passed);
        if app.status == ApplicationStatus::Draft {
            // As if submitted today: snapshot the medians in memory only.
            for (vacancy, median) in checks::medians_on(conn, &app, today).await? {
                if let Some(v) = app.vacancies.iter_mut().find(|v| v.id == vacancy) {
                    v.progress.wage_table_id_at_submission = median.as_ref().map(|m| m.id);
                    v.progress.median_at_submission_hkd = median.map(|m| m.median_monthly_wage_hkd);
                }
            }
            app.submitted_on = Some(today);
        }
        let assessment = checks::assessment(conn, &policy, &app, today).await?;
        results.extend(
            assessment
                .results
                .into_iter()
                .filter(|r| r.rule_id == wage::MEDIAN_WAGE || r.rule_id == ratio::RATIO),
        );
        Ok(Precheck {
            evaluated_on: today,
            would_pass_submission,
            results,
        })
    })
    .await
}
