//! The sweep: every timer of the scheme (docs/timers.md), as of one Hong Kong date. Each firing is its
//! own unit of work under the locks a person's change would take, recorded once under `(timer,
//! subject, occurrence)` in the same transaction, audited as the service's own (actor role `system`)
//! with the rule and the policy values it used, and told to whoever must act. A sweep fires what is
//! due on its date however long the service was stopped, and nothing twice, however many instances
//! sweep at once.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::error::{Result, WorkflowError};
use super::lifecycle::{self, ActionInput, Firing};
use super::notify;
use super::unit::{self, Change, Command, Locks, Reply};
use crate::db::timers::{self as due, Due};
use crate::db::workers::Places;
use crate::db::{Conn, DbPool, applications, consultations, policy, workers};
use crate::domain::audit::{Actor, AuditRecord, Entity};
use crate::domain::notification::{Notice, Recipient};
use crate::domain::policy::{PolicySet, keys};
use crate::domain::timers::{self as rules, InfoStep, Timer};
use crate::domain::worker::PlaceState;
use crate::domain::{ApplicationAction, ApplicationId, Role};

/// What a sweep did, per timer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    pub on: Option<NaiveDate>,
    /// Firings made by this sweep.
    pub fired: BTreeMap<&'static str, u32>,
    /// Firings found made already (by an earlier sweep, or another instance at the same time).
    pub already: BTreeMap<&'static str, u32>,
    /// Firings that failed (retried by the next sweep; the job is retried with backoff).
    pub failed: BTreeMap<&'static str, u32>,
}

impl SweepReport {
    pub fn total_fired(&self) -> u32 {
        self.fired.values().sum()
    }

    pub fn total_failed(&self) -> u32 {
        self.failed.values().sum()
    }

    fn count(&mut self, timer: Timer, outcome: Result<bool>) {
        let tally = match outcome {
            Ok(true) => &mut self.fired,
            Ok(false) => &mut self.already,
            Err(err) => {
                tracing::warn!(timer = %timer, error = %err, "timer firing failed");
                &mut self.failed
            }
        };
        *tally.entry(timer.as_str()).or_default() += 1;
    }
}

/// Runs every timer as of `today`.
pub async fn sweep(pool: &DbPool, today: NaiveDate) -> Result<SweepReport> {
    let mut report = SweepReport {
        on: Some(today),
        ..SweepReport::default()
    };
    let policy = unit::read(pool, async |conn| Ok(policy::load(conn).await?)).await?;
    information_requests(pool, &policy, today, &mut report).await?;
    recruitment_ended(pool, today, &mut report).await?;
    aip_deadlines(pool, &policy, today, &mut report).await?;
    lapsed_places(pool, today, &mut report).await?;
    closed_approvals(pool, today, &mut report).await?;
    overdue_briefings(pool, &policy, today, &mut report).await?;
    ending_contracts(pool, &policy, today, &mut report).await?;
    sla_breaches(pool, &policy, today, &mut report).await?;
    stale_wage_table(pool, &policy, today, &mut report).await?;
    lab_windows(pool, today, &mut report).await?;
    for (timer, fired) in &report.fired {
        crate::metrics::timer_fired(timer, *fired);
    }
    Ok(report)
}

/// Who the service acts as.
fn system(today: NaiveDate) -> Command {
    Command::new(Actor::system(None), today)
}

/// The audit record of a firing that changes no status: the timer, its rule and the policy it read.
fn fired(entity: Entity, timer: Timer, details: Value) -> Result<AuditRecord> {
    let after = json!({
        "timer": timer.as_str(),
        "rule_id": timer.rule_id(),
        "details": details,
    });
    Ok(AuditRecord::created(
        entity,
        &format!("timer.{}", timer.as_str()),
        &after,
    )?)
}

/// Runs one firing that changes no status under `locks`: recorded, then `work` (its records).
async fn fire(
    pool: &DbPool,
    today: NaiveDate,
    firing: Firing,
    locks: Locks,
    work: impl AsyncFnOnce(&mut Conn) -> Result<Vec<AuditRecord>>,
) -> Result<bool> {
    let outcome = unit::write(
        pool,
        &system(today),
        locks,
        async |conn, _| {
            firing.record(conn, today).await?;
            let audit = work(conn).await?;
            Ok(Change { output: (), audit })
        },
        |_| Reply::new(200, &()),
    )
    .await;
    settle(outcome)
}

/// A firing made (true), found made already (false), or failed.
fn settle<T>(outcome: Result<T>) -> Result<bool> {
    match outcome {
        Ok(_) => Ok(true),
        Err(WorkflowError::AlreadyDone(_)) => Ok(false),
        Err(err) => Err(err),
    }
}

/// A status change the service takes itself (`close-no-response`, `lapse`, `complete`), through the
/// same use case as a person's.
async fn act(
    pool: &DbPool,
    today: NaiveDate,
    id: ApplicationId,
    action: ApplicationAction,
    firing: Firing,
) -> Result<bool> {
    let input = ActionInput {
        comment: Some(format!("{} ({})", firing.timer, firing.timer.rule_id())),
        firing: Some(firing),
        ..ActionInput::default()
    };
    settle(lifecycle::act(pool, &system(today), id, action, input, |_| Reply::new(200, &())).await)
}

/// R-SCR-2: a reminder for each step of an unanswered request, then the case closes for no response.
/// The schedule binds to the policy in force on the day the information was requested.
async fn information_requests(
    pool: &DbPool,
    policy: &PolicySet,
    today: NaiveDate,
    report: &mut SweepReport,
) -> Result<()> {
    let overdue = unit::read(pool, async |conn| Ok(due::overdue_info_requests(conn, today).await?)).await?;
    for request in overdue {
        let reminders = policy.get::<u32>(keys::RFI_REMINDERS, None, request.requested_on)?;
        let interval = policy.get::<u32>(keys::RFI_REMINDER_INTERVAL_DAYS, None, request.requested_on)?;
        let app = ApplicationId(request.application_id);
        match rules::info_step(request.due_on, reminders.value, interval.value, today) {
            None => {}
            Some(InfoStep::Close) => {
                let firing = Firing {
                    timer: Timer::InfoClose,
                    subject: request.id,
                    occurrence: "close".into(),
                };
                report.count(
                    Timer::InfoClose,
                    act(pool, today, app, ApplicationAction::CloseNoResponse, firing).await,
                );
            }
            Some(InfoStep::Reminder(n)) => {
                let firing = Firing {
                    timer: Timer::InfoReminder,
                    subject: request.id,
                    occurrence: n.to_string(),
                };
                let closes_on = rules::info_closes_on(request.due_on, reminders.value, interval.value);
                let outcome = fire(pool, today, firing, Locks::application(app), async |conn| {
                    let case = applications::get(conn, app, None).await?;
                    let notice = Notice::InformationReminder {
                        reference: case.reference.clone(),
                        due_on: request.due_on,
                        reminder: n,
                        of: reminders.value,
                        closes_on,
                    };
                    notify::employer(conn, &case, notice, today).await?;
                    let details = json!({
                        "info_request_id": request.id, "due_on": request.due_on, "reminder": n,
                        "closes_on": closes_on,
                        "policy": {keys::RFI_REMINDERS: reminders.value, keys::RFI_REMINDER_INTERVAL_DAYS: interval.value,
                                   "policy_ids": [reminders.source.id, interval.source.id]},
                    });
                    Ok(vec![fired(Entity::Application(app), Timer::InfoReminder, details)?])
                })
                .await;
                report.count(Timer::InfoReminder, outcome);
            }
        }
    }
    Ok(())
}

/// R-REC-1: every recruitment period of the case has ended; the employer reports the outcomes.
async fn recruitment_ended(pool: &DbPool, today: NaiveDate, report: &mut SweepReport) -> Result<()> {
    let ended = unit::read(pool, async |conn| Ok(due::recruitment_ended(conn, today).await?)).await?;
    for case in ended {
        let app = ApplicationId(case.application_id);
        let firing = Firing {
            timer: Timer::RecruitmentEnded,
            subject: case.id,
            occurrence: case.due_on.to_string(),
        };
        let outcome = fire(pool, today, firing, Locks::application(app), async |conn| {
            let stored = applications::get(conn, app, None).await?;
            let notice = Notice::RecruitmentPeriodEnded {
                reference: stored.reference.clone(),
                ended_on: case.due_on,
            };
            notify::employer(conn, &stored, notice, today).await?;
            let details = json!({"recruitment_ended_on": case.due_on});
            Ok(vec![fired(Entity::Application(app), Timer::RecruitmentEnded, details)?])
        })
        .await;
        report.count(Timer::RecruitmentEnded, outcome);
    }
    Ok(())
}

/// R-LAB-2: the day after a consultation's window closed, the verdict is recorded and the case goes to
/// the decision on consensus (`conclude-consultation`), or stays for the LAB working group.
async fn lab_windows(pool: &DbPool, today: NaiveDate, report: &mut SweepReport) -> Result<()> {
    let ended = unit::read(pool, async |conn| {
        Ok(consultations::window_ended(conn, today, 10_000).await?)
    })
    .await?;
    for (application, closes_on) in ended {
        let firing = Firing {
            timer: Timer::LabWindowClosed,
            subject: application,
            occurrence: closes_on.to_string(),
        };
        let outcome = act(
            pool,
            today,
            ApplicationId(application),
            ApplicationAction::ConcludeConsultation,
            firing,
        )
        .await;
        report.count(Timer::LabWindowClosed, outcome);
    }
    Ok(())
}

/// R-DEC-2: places without a visa application as their AIP deadline nears (policy
/// `aip_deadline_notice_days` in force today).
async fn aip_deadlines(pool: &DbPool, policy: &PolicySet, today: NaiveDate, report: &mut SweepReport) -> Result<()> {
    let notice_days = policy.get::<u32>(keys::AIP_DEADLINE_NOTICE_DAYS, None, today)?;
    let nearing = unit::read(pool, async |conn| {
        Ok(due::aip_deadlines_within(conn, today, notice_days.value).await?)
    })
    .await?;
    for case in nearing
        .into_iter()
        .filter(|c| rules::within_notice(c.due_on, notice_days.value, today))
    {
        let app = ApplicationId(case.application_id);
        let firing = Firing {
            timer: Timer::AipDeadlineApproaching,
            subject: case.id,
            occurrence: case.due_on.to_string(),
        };
        let outcome = fire(pool, today, firing, Locks::application(app), async |conn| {
            let stored = applications::get(conn, app, None).await?;
            let unfilled = u32::try_from(case.count).unwrap_or_default();
            let notice = Notice::AipDeadlineApproaching {
                reference: stored.reference.clone(),
                deadline: case.due_on,
                unfilled_places: unfilled,
            };
            notify::employer(conn, &stored, notice, today).await?;
            let details = json!({
                "aip_deadline": case.due_on, "unfilled_places": unfilled,
                "policy": {keys::AIP_DEADLINE_NOTICE_DAYS: notice_days.value, "policy_id": notice_days.source.id},
            });
            Ok(vec![fired(
                Entity::Application(app),
                Timer::AipDeadlineApproaching,
                details,
            )?])
        })
        .await;
        report.count(Timer::AipDeadlineApproaching, outcome);
    }
    Ok(())
}

/// R-DEC-2: a place with no visa application by its AIP deadline is recorded as lapsed.
async fn lapsed_places(pool: &DbPool, today: NaiveDate, report: &mut SweepReport) -> Result<()> {
    let past = unit::read(pool, async |conn| Ok(due::places_past_deadline(conn, today).await?)).await?;
    for place in past {
        let app = ApplicationId(place.application_id);
        let firing = Firing {
            timer: Timer::PlaceLapse,
            subject: place.id,
            occurrence: place.due_on.to_string(),
        };
        let outcome = fire(pool, today, firing, Locks::application(app), async |conn| {
            let records = workers::load(conn, Places::OfApplication(app)).await?;
            let Some(record) = records.iter().find(|r| r.place.id == place.id) else {
                return Err(WorkflowError::AlreadyDone("the place is gone"));
            };
            // The derived state decides; a visa applied for since the query found it keeps the place.
            if record.place.stored_state != PlaceState::Allocated || record.state(today) != PlaceState::Expired {
                return Err(WorkflowError::AlreadyDone("the place is no longer lapsing"));
            }
            workers::set_place_status(conn, place.id, PlaceState::Expired, record.place.replacement_allowed).await?;
            let stored = applications::get(conn, app, None).await?;
            let place_no = record.place.place_no;
            let notice = Notice::PlaceLapsed {
                reference: stored.reference.clone(),
                place_no,
                deadline: place.due_on,
            };
            notify::employer(conn, &stored, notice, today).await?;
            let details = json!({
                "place_id": place.id, "place_no": place_no, "aip_deadline": place.due_on,
                "aip_deadline_policy_id": record.place.aip_deadline_policy_id,
                "from": PlaceState::Allocated, "to": PlaceState::Expired,
            });
            Ok(vec![fired(Entity::Application(app), Timer::PlaceLapse, details)?])
        })
        .await;
        report.count(Timer::PlaceLapse, outcome);
    }
    Ok(())
}

/// §4.1: an approval whose places have all lapsed or ended moves to LAPSED, or to COMPLETED once active.
async fn closed_approvals(pool: &DbPool, today: NaiveDate, report: &mut SweepReport) -> Result<()> {
    let candidates = unit::read(pool, async |conn| {
        Ok(due::approvals_without_open_places(conn, today).await?)
    })
    .await?;
    for case in candidates {
        let app = ApplicationId(case.application_id);
        let decided = unit::read(pool, async |conn| {
            let stored = applications::get(conn, app, None).await?;
            let places: Vec<PlaceState> = workers::load(conn, Places::OfApplication(app))
                .await?
                .iter()
                .map(|r| r.state(today))
                .collect();
            Ok(rules::closure(stored.status, &places))
        })
        .await?;
        let action = match decided {
            Some(crate::domain::ApplicationStatus::Completed) => ApplicationAction::Complete,
            Some(_) => ApplicationAction::Lapse,
            None => continue,
        };
        let firing = Firing {
            timer: Timer::CaseClosure,
            subject: case.id,
            occurrence: action.as_str().to_owned(),
        };
        report.count(Timer::CaseClosure, act(pool, today, app, action, firing).await);
    }
    Ok(())
}

/// R-BRF-1: a worker in post past the briefing's due date without attending.
async fn overdue_briefings(
    pool: &DbPool,
    policy: &PolicySet,
    today: NaiveDate,
    report: &mut SweepReport,
) -> Result<()> {
    let overdue = unit::read(pool, async |conn| Ok(due::briefings_overdue(conn, today).await?)).await?;
    // The due date was fixed at arrival; the value in force today is recorded for the reader.
    let due_days = policy.get::<u32>(keys::BRIEFING_DUE_DAYS_AFTER_ARRIVAL, None, today)?;
    for worker in overdue.into_iter().filter(|w| rules::passed(w.due_on, today)) {
        let firing = Firing {
            timer: Timer::BriefingOverdue,
            subject: worker.id,
            occurrence: worker.due_on.to_string(),
        };
        let outcome = fire(pool, today, firing, Locks::worker(worker.id), async |conn| {
            worker_notice(conn, &worker, today, |reference| Notice::BriefingOverdue {
                reference,
                worker_id: worker.id,
                due_on: worker.due_on,
            })
            .await?;
            let details = json!({
                "worker_id": worker.id, "briefing_due_on": worker.due_on,
                "policy": {keys::BRIEFING_DUE_DAYS_AFTER_ARRIVAL: due_days.value},
            });
            Ok(vec![fired(worker_entity(&worker), Timer::BriefingOverdue, details)?])
        })
        .await;
        report.count(Timer::BriefingOverdue, outcome);
    }
    Ok(())
}

/// R-CON-1: a worker's contract ends within policy `contract_ending_notice_days`.
async fn ending_contracts(pool: &DbPool, policy: &PolicySet, today: NaiveDate, report: &mut SweepReport) -> Result<()> {
    let notice_days = policy.get::<u32>(keys::CONTRACT_ENDING_NOTICE_DAYS, None, today)?;
    let ending = unit::read(pool, async |conn| {
        Ok(due::contracts_ending_within(conn, today, notice_days.value).await?)
    })
    .await?;
    for worker in ending
        .into_iter()
        .filter(|w| rules::within_notice(w.due_on, notice_days.value, today))
    {
        let firing = Firing {
            timer: Timer::ContractEnding,
            subject: worker.id,
            occurrence: worker.due_on.to_string(),
        };
        let outcome = fire(pool, today, firing, Locks::worker(worker.id), async |conn| {
            worker_notice(conn, &worker, today, |reference| Notice::ContractEnding {
                reference,
                worker_id: worker.id,
                ends_on: worker.due_on,
            })
            .await?;
            let details = json!({
                "worker_id": worker.id, "contract_ends_on": worker.due_on,
                "policy": {keys::CONTRACT_ENDING_NOTICE_DAYS: notice_days.value, "policy_id": notice_days.source.id},
            });
            Ok(vec![fired(worker_entity(&worker), Timer::ContractEnding, details)?])
        })
        .await;
        report.count(Timer::ContractEnding, outcome);
    }
    Ok(())
}

fn worker_entity(worker: &Due) -> Entity {
    Entity::Worker {
        id: worker.id,
        application: ApplicationId(worker.application_id),
    }
}

/// Tells the employer of a worker's case.
async fn worker_notice(
    conn: &mut Conn,
    worker: &Due,
    today: NaiveDate,
    notice: impl FnOnce(String) -> Notice,
) -> Result<()> {
    let app = applications::get(conn, ApplicationId(worker.application_id), None).await?;
    let text = notice(app.reference.clone());
    notify::notify(
        conn,
        &text,
        Recipient::Employer(app.employer_id),
        Some(app.id),
        Some(worker.id),
        today,
    )
    .await
}

/// R-SLA-1: an undecided case past its processing target with its clock running is recorded as
/// breached, and its officer told.
async fn sla_breaches(pool: &DbPool, policy: &PolicySet, today: NaiveDate, report: &mut SweepReport) -> Result<()> {
    let past = unit::read(pool, async |conn| Ok(due::sla_past_due(conn, today).await?)).await?;
    for case in past {
        let app = ApplicationId(case.application_id);
        let firing = Firing {
            timer: Timer::SlaBreach,
            subject: case.id,
            occurrence: case.due_on.to_string(),
        };
        let outcome = fire(pool, today, firing, Locks::application(app), async |conn| {
            let before = applications::get(conn, app, None).await?;
            let (Some(due), paused) = (before.sla_due_on, before.sla_paused_since) else {
                return Err(WorkflowError::AlreadyDone("the case has no SLA clock"));
            };
            if !before.status.is_pre_decision()
                || before.sla_breached_on.is_some()
                || !rules::sla_breached(due, paused, today)
            {
                return Err(WorkflowError::AlreadyDone("the case is not past its target"));
            }
            let target = match before.submitted_on {
                Some(started) => Some(policy.get::<u32>(keys::PROCESSING_TARGET_DAYS, None, started)?.value),
                None => None,
            };
            let after = applications::record_sla_breach(conn, app, today).await?;
            notify::assignee(
                conn,
                &after,
                Notice::SlaBreached {
                    reference: after.reference.clone(),
                    due_on: due,
                },
                today,
            )
            .await?;
            let record = AuditRecord::application_change("application.sla_breached", Some(&before), &after)?
                .with_comment(Some(format!(
                    "{} ({}): due {due}, {} {}",
                    Timer::SlaBreach,
                    Timer::SlaBreach.rule_id(),
                    keys::PROCESSING_TARGET_DAYS,
                    target.map_or_else(|| "-".to_owned(), |t| t.to_string())
                )));
            Ok(vec![record])
        })
        .await;
        report.count(Timer::SlaBreach, outcome);
    }
    Ok(())
}

/// R-WAGE-2: no wage table published within policy `wage_table_max_age_days`: administrators are
/// warned once per latest table.
async fn stale_wage_table(pool: &DbPool, policy: &PolicySet, today: NaiveDate, report: &mut SweepReport) -> Result<()> {
    let max_age = policy.get::<u32>(keys::WAGE_TABLE_MAX_AGE_DAYS, None, today)?;
    let latest = unit::read(pool, async |conn| Ok(due::latest_wage_table(conn).await?)).await?;
    let published = latest.as_ref().and_then(|t| t.published_on);
    if !rules::wage_table_stale(published, max_age.value, today) {
        return Ok(());
    }
    let subject = latest.as_ref().map_or(Uuid::nil(), |t| t.id);
    let firing = Firing {
        timer: Timer::WageTableStale,
        subject,
        occurrence: format!("{}", max_age.value),
    };
    let outcome = fire(pool, today, firing, Locks::named("wage_tables"), async |conn| {
        let notice = Notice::WageTableStale {
            latest: latest.as_ref().map(|t| t.version_label.clone()),
            published_on: published,
            max_age_days: max_age.value,
        };
        notify::notify(conn, &notice, Recipient::Role(Role::Admin), None, None, today).await?;
        let details = json!({
            "latest_table": latest.as_ref().map(|t| &t.version_label), "published_on": published,
            "policy": {keys::WAGE_TABLE_MAX_AGE_DAYS: max_age.value, "policy_id": max_age.source.id},
        });
        Ok(vec![fired(Entity::WageTable(subject), Timer::WageTableStale, details)?])
    })
    .await;
    report.count(Timer::WageTableStale, outcome);
    Ok(())
}
