//! LAB consultation (R-LAB-1/2): the package circulated when a case goes to the Board, members' views
//! within the window, and the verdict that closes it. The status changes are lifecycle actions
//! (`start-consultation`, `close-consultation`, and the service's `conclude-consultation`); this module
//! is what they do besides.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::json;
use uuid::Uuid;

use super::error::{Result, WorkflowError, not_found};
use super::unit::{self, Change, Command, Locks, Reply};
use crate::db::consultations::{self, Consultation};
use crate::db::{Conn, DbPool, applications, casework, employers, policy};
use crate::domain::application::Application;
use crate::domain::audit::{AuditRecord, Entity};
use crate::domain::casework::RecordKind;
use crate::domain::consultation::{
    self as lab, Outcome, Package, PackagePost, RatioPosition, Recommendation, RecruitmentSummary, Route, Stance,
    Verdict, View,
};
use crate::domain::policy::keys;
use crate::domain::{ApplicationId, ApplicationStatus, Role, Viewer};

/// Opens the consultation of `app` on `cmd.today`: the package as it stands, and the window's close
/// `lab_consultation_days` working days on (R-LAB-2), public holidays skipped.
pub(super) async fn open(conn: &mut Conn, cmd: &Command, app: &Application) -> Result<()> {
    let policy = policy::load(conn).await?;
    let days = policy.get::<u32>(keys::LAB_CONSULTATION_DAYS, None, cmd.today)?;
    let threshold = policy.get::<f64>(keys::LAB_CONSENSUS_THRESHOLD, None, cmd.today)?;
    // A window of n working days ends within n weeks plus every holiday of a year: bound the lookup.
    let horizon = cmd.today + chrono::Days::new(u64::from(days.value) * 7 + 60);
    let holidays = consultations::holidays_between(conn, cmd.today, horizon).await?;
    let consultation = Consultation {
        application_id: app.id.0,
        opened_on: cmd.today,
        closes_on: lab::closes_on(cmd.today, days.value, &holidays),
        working_days: days.value,
        package: package(conn, app).await?,
        policy_used: json!([
            {"key": keys::LAB_CONSULTATION_DAYS, "value": days.value, "source": days.source},
            {"key": keys::LAB_CONSENSUS_THRESHOLD, "value": threshold.value, "source": threshold.source},
        ]),
        closed_on: None,
        verdict: None,
    };
    match consultations::get(conn, app.id.0).await? {
        Some(_) => Err(WorkflowError::Conflict("the case was consulted on already".into())),
        None => Ok(consultations::insert(conn, &consultation).await?),
    }
}

/// What a LAB member reads, built from counts and the case's own figures only (no worker's or job
/// seeker's personal data, no staff notes).
async fn package(conn: &mut Conn, app: &Application) -> Result<Package> {
    let employer = employers::get(conn, app.employer_id, None).await?;
    let records = casework::recruitment_of(conn, app.id).await?;
    let recommendation = casework::decision_records_of(conn, app.id)
        .await?
        .into_iter()
        .rfind(|r| r.kind == RecordKind::Assessment)
        .ok_or_else(|| WorkflowError::rule("R-LAB-1", "A recommendation must be recorded first."))?;
    let ratio = casework::latest_headcount_return(conn, app.employer_id, recommendation.evaluated_on)
        .await?
        .map(|r| RatioPosition {
            as_of: r.as_of,
            full_time_locals: r.full_time_locals,
            imported_workers: r.imported_workers,
        });
    let posts = app
        .vacancies
        .iter()
        .map(|v| {
            let mut summary = RecruitmentSummary {
                starts_on: v.progress.recruitment_starts_on,
                ends_on: v.progress.recruitment_ends_on,
                ..RecruitmentSummary::default()
            };
            summary.adverts = records.adverts.iter().filter(|a| a.vacancy_id == v.id).count() as u32;
            summary.job_fair_sessions_attended = records
                .job_fairs
                .iter()
                .filter(|j| j.vacancy_id == v.id && j.attended)
                .count() as u32;
            for referral in records.referrals.iter().filter(|r| r.vacancy_id == v.id) {
                summary.job_seekers_referred += 1;
                let outcome = referral.outcome.map_or_else(
                    || "PENDING".to_owned(),
                    |o| {
                        serde_json::to_value(o)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default()
                    },
                );
                *summary.outcomes.entry(outcome).or_default() += 1;
            }
            let median = v
                .progress
                .median_at_submission_hkd
                .max(v.progress.median_at_decision_hkd)
                .or(v.progress.benchmark_median_hkd);
            PackagePost {
                vacancy_id: v.id.0,
                post_title: v.vacancy.post_title.clone(),
                designated_category_code: v.vacancy.designated_category_code.clone(),
                industry_sector: v.vacancy.industry_sector.clone(),
                workers_requested: v.vacancy.workers_requested,
                monthly_wage_hkd: v.vacancy.monthly_wage_hkd,
                median_monthly_wage_hkd: median,
                wage_at_or_above_median: median.map(|m| v.vacancy.monthly_wage_hkd >= m),
                recruitment: summary,
            }
        })
        .collect();
    Ok(Package {
        application_id: app.id.0,
        reference: app.reference.clone(),
        employer_name: employer.name_en,
        application_type: serde_json::to_value(app.application_type)?
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        submitted_on: app.submitted_on,
        posts,
        ratio,
        recommendation: Recommendation {
            outcome: recommendation.outcome,
            reason_codes: recommendation.reason_codes.clone(),
            recommended_on: recommendation.evaluated_on,
            places: recommendation
                .places
                .unwrap_or_default()
                .iter()
                .map(|p| (p.vacancy_id, p.places))
                .collect::<BTreeMap<_, _>>(),
        },
    })
}

/// `close-consultation` (a caseworker): with every view in and the members agreeing, the verdict is
/// recorded and the case goes to the decision; short of consensus the caseworker waits for the
/// window, after which the LAB working group takes the case, and its conclusion (the comment) closes it.
pub(super) async fn close_by_officer(
    conn: &mut Conn,
    cmd: &Command,
    app: &Application,
    comment: Option<&str>,
) -> Result<()> {
    let Some(consultation) = consultations::get(conn, app.id.0).await? else {
        // Consulted before the service kept consultations: nothing to judge.
        return Ok(());
    };
    match consultation.verdict {
        Some(Verdict {
            routed_to: Route::WorkingGroup,
            ..
        }) => match comment {
            Some(_) => Ok(()),
            None => Err(WorkflowError::field(
                "comment",
                "is required: the LAB working group's conclusion closes the consultation",
            )),
        },
        Some(_) => Err(WorkflowError::Conflict("the consultation is closed already".into())),
        None => {
            let verdict = judge(conn, &consultation).await?;
            if verdict.outcome != Outcome::Consensus {
                return Err(WorkflowError::rule(
                    lab::RULE_ID,
                    format!(
                        "The views so far ({} support, {} object, {} comment) fall short of the consensus threshold {}; the window closes on {} and the case then goes to the LAB working group.",
                        verdict.tally.support,
                        verdict.tally.object,
                        verdict.tally.comment,
                        verdict.tally.threshold,
                        consultation.closes_on
                    ),
                ));
            }
            consultations::close(conn, app.id.0, cmd.today, &verdict).await?;
            Ok(())
        }
    }
}

/// `conclude-consultation` (the service, the day after the window closed): the verdict is recorded;
/// the case goes to the decision on consensus, and stays with the LAB working group otherwise (the
/// returned status).
pub(super) async fn conclude(
    conn: &mut Conn,
    cmd: &Command,
    app: &Application,
) -> Result<(ApplicationStatus, Verdict)> {
    let consultation = consultations::get(conn, app.id.0)
        .await?
        .ok_or(WorkflowError::NotFound("consultation"))?;
    if consultation.verdict.is_some() || cmd.today <= consultation.closes_on {
        return Err(WorkflowError::AlreadyDone(
            "the consultation is not awaiting its verdict",
        ));
    }
    let verdict = judge(conn, &consultation).await?;
    consultations::close(conn, app.id.0, cmd.today, &verdict).await?;
    let status = match verdict.routed_to {
        Route::Decision => ApplicationStatus::DecisionPending,
        Route::WorkingGroup => ApplicationStatus::LabConsultation,
    };
    Ok((status, verdict))
}

/// The views as they stand, judged by the threshold in force on the day the consultation opened.
async fn judge(conn: &mut Conn, consultation: &Consultation) -> Result<Verdict> {
    let policy = policy::load(conn).await?;
    let threshold = policy
        .get::<f64>(keys::LAB_CONSENSUS_THRESHOLD, None, consultation.opened_on)?
        .value;
    let views = consultations::views(conn, consultation.application_id).await?;
    Ok(lab::judge(&views, threshold))
}

/// A consultation as a reader sees it: LAB members the package, the window and their own view; staff
/// and auditors also every view and the verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsultationView {
    pub consultation: Consultation,
    pub status: ApplicationStatus,
    pub views: Vec<View>,
}

/// The consultation of case `id`. A LAB member reaches it only while the case is under consultation
/// (404 otherwise, as if it did not exist), and sees its own view only.
pub async fn get(pool: &DbPool, viewer: Viewer, member: &str, id: ApplicationId) -> Result<ConsultationView> {
    unit::read(pool, async |conn| {
        let app = applications::get(conn, id, None)
            .await
            .map_err(not_found("consultation"))?;
        if viewer.role == Role::LabMember && app.status != ApplicationStatus::LabConsultation {
            return Err(WorkflowError::NotFound("consultation"));
        }
        let consultation = consultations::get(conn, id.0)
            .await?
            .ok_or(WorkflowError::NotFound("consultation"))?;
        let mut views = consultations::views(conn, id.0).await?;
        if viewer.role == Role::LabMember {
            views.retain(|v| v.member == member);
        }
        Ok(ConsultationView {
            consultation,
            status: app.status,
            views,
        })
    })
    .await
}

/// The cases under consultation now, for LAB members.
pub async fn open_consultations(pool: &DbPool) -> Result<Vec<Consultation>> {
    unit::read(pool, async |conn| Ok(consultations::open(conn).await?)).await
}

/// A LAB member records a view on case `id` within the window; one view per member, final.
pub async fn record_view(
    pool: &DbPool,
    cmd: &Command,
    id: ApplicationId,
    stance: Stance,
    comment: Option<String>,
    reply: impl FnOnce(&View) -> Result<Reply>,
) -> Result<Reply> {
    unit::write(
        pool,
        cmd,
        Locks::application(id),
        async |conn, locked| {
            let app = locked.application()?;
            if app.status != ApplicationStatus::LabConsultation {
                return Err(WorkflowError::NotFound("consultation"));
            }
            let consultation = consultations::get(conn, id.0)
                .await?
                .ok_or(WorkflowError::NotFound("consultation"))?;
            if consultation.verdict.is_some() || cmd.today > consultation.closes_on {
                return Err(WorkflowError::rule(
                    lab::RULE_ID,
                    format!("The consultation window closed on {}.", consultation.closes_on),
                ));
            }
            if consultations::views(conn, id.0)
                .await?
                .iter()
                .any(|v| v.member == cmd.actor.sub)
            {
                return Err(WorkflowError::Conflict("this member's view is recorded already".into()));
            }
            let view = View {
                id: Uuid::new_v4(),
                member: cmd.actor.sub.clone(),
                stance,
                comment,
                recorded_on: cmd.today,
            };
            consultations::insert_view(conn, id.0, &view).await?;
            let record = AuditRecord::created(Entity::Application(id), "application.lab_view_recorded", &view)?;
            Ok(Change::new(view, record))
        },
        reply,
    )
    .await
}

/// The public holidays the working-day windows skip.
pub async fn holidays(pool: &DbPool) -> Result<Vec<(NaiveDate, String)>> {
    unit::read(pool, async |conn| Ok(consultations::holidays(conn).await?)).await
}

/// An administrator lists a gazetted general holiday (a listed holiday is never changed).
pub async fn add_holiday(
    pool: &DbPool,
    cmd: &Command,
    day: NaiveDate,
    name: String,
    reply: impl FnOnce(&(NaiveDate, String)) -> Result<Reply>,
) -> Result<Reply> {
    unit::write(
        pool,
        cmd,
        Locks::named("public_holidays"),
        async |conn, _| {
            consultations::insert_holiday(conn, day, &name, &cmd.actor.sub)
                .await
                .map_err(|e| match WorkflowError::from(e) {
                    WorkflowError::Conflict(_) => WorkflowError::Conflict(format!("{day} is listed already")),
                    other => other,
                })?;
            let entity = Entity::Holiday(day);
            let record = AuditRecord::created(entity, "holiday.listed", &json!({"day": day, "name": name}))?;
            Ok(Change::new((day, name.clone()), record))
        },
        reply,
    )
    .await
}
