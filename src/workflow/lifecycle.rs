//! Every lifecycle action on a case (domain.md §4.1), with what it does besides moving the status:
//! the submission checks, information requests, recruitment periods, the recommendation and the
//! decision with its worker places. The lifecycle itself is `domain::lifecycle::transition`; who may
//! take a step on this case is `domain::lifecycle::guard`.

use chrono::{Days, NaiveDate, Utc};
use uuid::Uuid;

use super::checks;
use super::consultation;
use super::error::{Result, WorkflowError, all_passed, not_found};
use super::notify;
use super::places;
use super::unit::{self, Change, Command, Locks, Reply};
use crate::db::applications::{RecruitmentPeriod, VacancyDecision};
use crate::db::{Conn, DbPool, applications, casework, policy, timers};
use crate::domain::application::{Application, sla_clock};
use crate::domain::audit::{AuditRecord, Entity};
use crate::domain::casework::{DecisionRecord, InfoRequest, RecordKind};
use crate::domain::lifecycle::guard;
use crate::domain::notification::Notice;
use crate::domain::policy::keys;
use crate::domain::rules::decision::{Decision, DecisionOutcome, ReasonCode};
use crate::domain::rules::{RuleResult, recruitment};
use crate::domain::timers::Timer;
use crate::domain::{ApplicationAction, ApplicationId, ApplicationStatus, VacancyId, transition};

/// What an action may carry besides itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActionInput {
    /// A note for the history (the reason for `screen-out`, `terminate` and `revoke`).
    pub comment: Option<String>,
    /// `request-info`: what is needed; `respond`: the answer.
    pub message: Option<String>,
    /// `request-info`: when the answer is due (default: policy `rfi_due_days` from today).
    pub due_on: Option<NaiveDate>,
    /// `refuse`: the reasons (R-DEC-1).
    pub reason_codes: Vec<ReasonCode>,
    /// The timer firing this action is, recorded with it (an action the service takes itself).
    pub firing: Option<Firing>,
}

/// A timer's firing: `(timer, subject, occurrence)` is recorded once, in the change's transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Firing {
    pub timer: Timer,
    pub subject: Uuid,
    pub occurrence: String,
}

impl Firing {
    /// Records the firing; `AlreadyDone` (nothing is written) when it fired before.
    pub async fn record(&self, conn: &mut Conn, on: NaiveDate) -> Result<()> {
        match timers::record_firing(conn, self.timer, self.subject, &self.occurrence, on).await? {
            true => Ok(()),
            false => Err(WorkflowError::AlreadyDone("the timer fired already")),
        }
    }
}

/// Takes `action` on the case `id`. Actions whose rules read across the employer's cases (submit,
/// approve) run under the employer's lock, taken before the case's.
pub async fn act(
    pool: &DbPool,
    cmd: &Command,
    id: ApplicationId,
    action: ApplicationAction,
    input: ActionInput,
    reply: impl FnOnce(&Application) -> Result<Reply>,
) -> Result<Reply> {
    let locks = match action.reads_across_employer() {
        true => Locks::application(id).and_employer(),
        false => Locks::application(id),
    };
    // The status the action left, once committed (not on a replay): for the business counters.
    let committed = std::cell::Cell::new(None);
    let reply = unit::write(
        pool,
        cmd,
        locks,
        async |conn, locked| {
            let (after, audit) = apply(conn, cmd, locked.application()?, action, &input).await?;
            committed.set(Some(after.status));
            Ok(Change { output: after, audit })
        },
        reply,
    )
    .await?;
    if let Some(status) = committed.get()
        && !reply.replayed
    {
        crate::metrics::application_action(action.as_str());
        if matches!(action, ApplicationAction::Approve | ApplicationAction::Refuse) {
            crate::metrics::decision(status.as_str());
        }
    }
    Ok(reply)
}

/// Takes `action` on the locked case `before`, inside the caller's unit of work: the lifecycle, the
/// guard, the action's effects, notices; returns the case after and its audit records. `act` runs it
/// for a request; a sanction runs it on each case it revokes or terminates.
pub(super) async fn apply(
    conn: &mut Conn,
    cmd: &Command,
    before: &Application,
    action: ApplicationAction,
    input: &ActionInput,
) -> Result<(Application, Vec<AuditRecord>)> {
    if let Some(firing) = &input.firing {
        firing.record(conn, cmd.today).await?;
    }
    // Role and status first; what the case must have, and the action's own checks, after.
    let mut to = transition(before.status, action, cmd.actor.role)?;
    guard(action, before.recommended_by.as_deref(), &cmd.actor.sub)?;
    let effects = effects(conn, cmd, before, action, input).await?;
    if let Some(decided) = effects.status {
        to = decided;
    }
    let after = applications::set_status(conn, before.id, to, action == ApplicationAction::Submit, cmd.today).await?;
    if matches!(
        action,
        ApplicationAction::Submit | ApplicationAction::RequestInfo | ApplicationAction::Respond
    ) {
        refresh_sla(conn, &after).await?;
    }
    tell(conn, cmd, &after, action).await?;
    let event = format!("application.{}", action.as_str().replace('-', "_"));
    let record = AuditRecord::application_change(&event, Some(before), &after)?
        .with_comment(input.comment.clone())
        .with_decision_record(effects.record);
    let mut audit = vec![record];
    if let Some((action, details)) = effects.details {
        audit.push(AuditRecord::created(Entity::Application(after.id), action, &details)?);
    }
    Ok((after, audit))
}

/// Stores the case's SLA clock as its information requests leave it (R-SCR-2: paused while one is
/// open): the due date with every ended pause counted in, and the open pause's start.
async fn refresh_sla(conn: &mut Conn, app: &Application) -> Result<()> {
    let Some(started) = app.submitted_on else {
        return Ok(());
    };
    let policy = policy::load(conn).await?;
    let target = policy.get::<u32>(keys::PROCESSING_TARGET_DAYS, None, started)?.value;
    let requests = casework::info_requests_of(conn, app.id).await?;
    let ended: Vec<_> = requests
        .iter()
        .filter_map(|r| r.responded_on.map(|to| (r.requested_on, Some(to))))
        .collect();
    let open = requests
        .iter()
        .find(|r| r.responded_on.is_none())
        .map(|r| r.requested_on);
    // With only ended pauses the due date does not depend on the day it is computed on.
    let due = sla_clock(started, target, &ended, started).due_on;
    applications::store_sla(conn, app.id, due, open).await?;
    Ok(())
}

/// The notices an action owes: the employer on a request for information, a decision, or a closure;
/// the case's officer on an answer.
async fn tell(conn: &mut Conn, cmd: &Command, app: &Application, action: ApplicationAction) -> Result<()> {
    use ApplicationAction as A;
    let reference = app.reference.clone();
    match action {
        A::RequestInfo => {
            let request = casework::info_requests_of(conn, app.id)
                .await?
                .into_iter()
                .find(|r| r.responded_on.is_none());
            if let Some(request) = request {
                let notice = Notice::InformationRequested {
                    reference,
                    due_on: request.due_on,
                };
                notify::employer(conn, app, notice, cmd.today).await?;
            }
        }
        A::Respond => notify::assignee(conn, app, Notice::InformationAnswered { reference }, cmd.today).await?,
        A::Approve | A::ApprovePartially | A::Refuse => {
            let places = app.vacancies.iter().filter_map(|v| v.progress.places_approved).sum();
            let notice = Notice::Decision {
                reference,
                outcome: app.status.as_str().to_owned(),
                places,
            };
            notify::employer(conn, app, notice, cmd.today).await?;
        }
        A::CloseNoResponse => notify::employer(conn, app, Notice::ClosedNoResponse { reference }, cmd.today).await?,
        A::Lapse | A::Complete => {
            let notice = Notice::ApprovalClosed {
                reference,
                status: app.status.as_str().to_owned(),
            };
            notify::employer(conn, app, notice, cmd.today).await?;
        }
        _ => {}
    }
    Ok(())
}

/// What an action's side effects decided.
#[derive(Debug, Default)]
struct Effects {
    /// A different target status, when the action's outcome decides it (approve → partially approved).
    status: Option<ApplicationStatus>,
    /// The decision record the action stored, for the audit event to reference.
    record: Option<Uuid>,
    /// What the action decided besides, recorded as an event of its own (a consultation's verdict).
    details: Option<(&'static str, serde_json::Value)>,
}

impl Effects {
    /// The action stored the decision record `id`.
    fn recorded(id: Uuid) -> Self {
        Self {
            status: None,
            record: Some(id),
            details: None,
        }
    }
}

/// What an action does besides changing the status.
async fn effects(
    conn: &mut Conn,
    cmd: &Command,
    app: &Application,
    action: ApplicationAction,
    input: &ActionInput,
) -> Result<Effects> {
    use ApplicationAction as A;
    match action {
        A::Submit => submit(conn, cmd, app).await,
        A::RequestInfo => request_info(conn, cmd, app, input).await,
        A::Respond => {
            let answer = input.message.as_deref().unwrap_or_default();
            casework::answer_info_request(conn, app.id, answer, cmd.today, &cmd.actor.sub)
                .await
                .map_err(not_found("open information request"))?;
            Ok(Effects::default())
        }
        A::ScreenIn => screen_in(conn, cmd, app).await,
        A::CompleteRecruitment => complete_recruitment(conn, cmd, app).await,
        A::Recommend => recommend(conn, cmd, app).await,
        A::Approve | A::Refuse => decide(conn, cmd, app, action, input).await,
        A::Revoke => {
            places::revoke(conn, app.id, cmd.today).await?;
            Ok(Effects::default())
        }
        A::StartConsultation => {
            consultation::open(conn, cmd, app).await?;
            Ok(Effects::default())
        }
        A::CloseConsultation => {
            consultation::close_by_officer(conn, cmd, app, input.comment.as_deref()).await?;
            Ok(Effects::default())
        }
        A::ConcludeConsultation => {
            let (status, verdict) = consultation::conclude(conn, cmd, app).await?;
            if status == ApplicationStatus::LabConsultation {
                let notice = Notice::ConsultationToWorkingGroup {
                    reference: app.reference.clone(),
                };
                notify::assignee(conn, app, notice, cmd.today).await?;
            }
            Ok(Effects {
                status: Some(status),
                record: None,
                details: Some(("application.consultation_verdict", serde_json::to_value(&verdict)?)),
            })
        }
        _ => Ok(Effects::default()),
    }
}

/// R-ELIG-4, R-ELIG-3, R-APP-3 and R-SAN-2 must pass (nothing is written otherwise); the medians in
/// force are snapshotted for the wage rule.
async fn submit(conn: &mut Conn, cmd: &Command, app: &Application) -> Result<Effects> {
    let policy = policy::load(conn).await?;
    let results = checks::submission_checks(conn, &policy, app, cmd.today).await?;
    all_passed(&results)?;
    let medians: Vec<(VacancyId, Option<(Uuid, u32)>)> = checks::medians_on(conn, app, cmd.today)
        .await?
        .into_iter()
        .map(|(v, m)| (v, m.map(|m| (m.id, m.median_monthly_wage_hkd))))
        .collect();
    applications::record_submission(conn, app.id, cmd.today, &medians).await?;
    let record = store(conn, cmd, app, RecordKind::Submission, results, None).await?;
    Ok(Effects::recorded(record))
}

/// An information request, due when the caseworker says or after policy `rfi_due_days`.
async fn request_info(conn: &mut Conn, cmd: &Command, app: &Application, input: &ActionInput) -> Result<Effects> {
    let policy = policy::load(conn).await?;
    let days = policy.get::<u32>(keys::RFI_DUE_DAYS, None, cmd.today)?;
    let due_on = input.due_on.unwrap_or(cmd.today + Days::new(u64::from(days.value)));
    if due_on < cmd.today {
        return Err(WorkflowError::field("due_on", "must not be in the past"));
    }
    let request = InfoRequest {
        id: Uuid::new_v4(),
        application_id: app.id,
        message: input.message.clone().unwrap_or_default(),
        requested_on: cmd.today,
        due_on,
        requested_by: cmd.actor.sub.clone(),
        response: None,
        responded_on: None,
        responded_by: None,
    };
    casework::insert_info_request(conn, &request).await?;
    Ok(Effects::default())
}

/// Each vacancy's local recruitment period starts: its length and job-fair duty bind to the
/// submission date (R-REC-1: "applications submitted from ...").
async fn screen_in(conn: &mut Conn, cmd: &Command, app: &Application) -> Result<Effects> {
    let policy = policy::load(conn).await?;
    let bound_on = app.submitted_on.unwrap_or(cmd.today);
    let mut periods = Vec::new();
    for v in &app.vacancies {
        let post = v.vacancy.designated_category_code.as_deref();
        let days = policy.get::<u32>(keys::RECRUITMENT_DAYS, post, bound_on)?.value;
        let job_fair = policy
            .get::<bool>(keys::JOB_FAIR_WEEKLY_REQUIRED, post, bound_on)?
            .value;
        periods.push(RecruitmentPeriod {
            vacancy: v.id,
            days,
            starts_on: cmd.today,
            ends_on: recruitment::period_end(cmd.today, days),
            job_fair_required: job_fair,
        });
    }
    applications::record_screen_in(conn, app.id, cmd.today, &periods).await?;
    Ok(Effects::default())
}

/// The periods must have ended and every job seeker have an outcome (422 otherwise).
async fn complete_recruitment(conn: &mut Conn, cmd: &Command, app: &Application) -> Result<Effects> {
    let policy = policy::load(conn).await?;
    let (results, _) = checks::recruitment_checks(conn, &policy, app, cmd.today).await?;
    let gates: Vec<&RuleResult> = results
        .iter()
        .filter(|r| !r.passed())
        .filter(|r| r.rule_id == recruitment::PERIOD_ENDED || r.rule_id == recruitment::OUTCOMES_RECORDED)
        .collect();
    if !gates.is_empty() {
        return Err(WorkflowError::rules_failed(&gates));
    }
    let record = store(conn, cmd, app, RecordKind::Recruitment, results, None).await?;
    Ok(Effects::recorded(record))
}

/// Every rule is evaluated and stored with the outcome the caseworker recommends.
async fn recommend(conn: &mut Conn, cmd: &Command, app: &Application) -> Result<Effects> {
    let policy = policy::load(conn).await?;
    let assessment = checks::assessment(conn, &policy, app, cmd.today).await?;
    applications::record_recommendation(conn, app.id, &cmd.actor.sub).await?;
    let record = store(
        conn,
        cmd,
        app,
        RecordKind::Assessment,
        assessment.results,
        Some(&assessment.decision),
    )
    .await?;
    Ok(Effects::recorded(record))
}

/// Approve: places per vacancy are what the rules allow on the decision date (PARTIALLY_APPROVED when
/// fewer than asked, 422 when none), each with its worker places. Refuse: none, for the approver's
/// reasons.
async fn decide(
    conn: &mut Conn,
    cmd: &Command,
    app: &Application,
    action: ApplicationAction,
    input: &ActionInput,
) -> Result<Effects> {
    let policy = policy::load(conn).await?;
    let assessment = checks::assessment(conn, &policy, app, cmd.today).await?;
    let (decision, target) = match (action, assessment.decision.outcome) {
        (ApplicationAction::Refuse, _) => (
            assessment.decision.refusal(input.reason_codes.clone()),
            ApplicationStatus::Refused,
        ),
        (_, DecisionOutcome::Refuse) => {
            let codes: Vec<&str> = assessment.decision.reason_codes.iter().map(|c| c.as_str()).collect();
            return Err(WorkflowError::rule(
                "R-DEC-1",
                format!("The rules allow no places ({}); refuse instead.", codes.join(", ")),
            ));
        }
        (_, DecisionOutcome::PartiallyApprove) => (
            assessment.decision,
            transition(app.status, ApplicationAction::ApprovePartially, cmd.actor.role)?,
        ),
        (_, DecisionOutcome::Approve) => (assessment.decision, ApplicationStatus::Approved),
    };
    let decided: Vec<VacancyDecision> = decision
        .vacancies
        .iter()
        .map(|v| VacancyDecision {
            vacancy: VacancyId(v.vacancy_id),
            places: v.places,
            median_at_decision: assessment
                .medians_at_decision
                .iter()
                .find(|(id, _)| id.0 == v.vacancy_id)
                .and_then(|(_, m)| m.as_ref().map(|m| (m.id, m.median_monthly_wage_hkd))),
        })
        .collect();
    applications::record_decision(conn, app.id, &cmd.actor.sub, cmd.today, &decided).await?;
    if action == ApplicationAction::Approve {
        places::allocate(conn, app, &decided, cmd.today).await?;
    }
    let record = store(
        conn,
        cmd,
        app,
        RecordKind::Decision,
        assessment.results,
        Some(&decision),
    )
    .await?;
    Ok(Effects {
        status: Some(target),
        record: Some(record),
        details: None,
    })
}

/// Stores a decision record: the rules evaluated, and the outcome when there is one.
async fn store(
    conn: &mut Conn,
    cmd: &Command,
    app: &Application,
    kind: RecordKind,
    results: Vec<RuleResult>,
    decision: Option<&Decision>,
) -> Result<Uuid> {
    let record = DecisionRecord {
        id: Uuid::new_v4(),
        application_id: app.id,
        kind,
        evaluated_on: cmd.today,
        evaluated_by: cmd.actor.sub.clone(),
        outcome: decision.map(|d| d.outcome),
        reason_codes: decision.map_or_else(Vec::new, |d| d.reason_codes.clone()),
        places: decision.map(|d| d.vacancies.clone()),
        results,
        recommended_by: match kind {
            RecordKind::Assessment => Some(cmd.actor.sub.clone()),
            RecordKind::Decision => app.recommended_by.clone(),
            _ => None,
        },
        decided_by: (kind == RecordKind::Decision).then(|| cmd.actor.sub.clone()),
        note: None,
        created_at: Utc::now(),
    };
    casework::insert_decision_record(conn, &record).await?;
    Ok(record.id)
}
