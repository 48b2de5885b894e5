//! The timers of the scheme (docs/timers.md): what falls due on a date, as pure functions of the dates
//! and the policy values in force. The sweep (`workflow::timers`) asks these which subjects are due
//! today and fires each once; a firing is recorded under `(timer, subject, occurrence)`, so running a
//! sweep twice, or on two instances at once, fires nothing twice, and a sweep after downtime fires
//! what fell due while the service was stopped.

use chrono::{Days, NaiveDate};
use serde::Serialize;

use super::ApplicationStatus;
use super::policy::keys;
use super::worker::PlaceState;

/// Every timer, with its rule and the policy keys its durations come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
pub enum Timer {
    /// An information request past its due date: a reminder (R-SCR-2).
    InfoReminder,
    /// An information request still unanswered after the reminders: CLOSED_NO_RESPONSE (R-SCR-2).
    InfoClose,
    /// Every vacancy's local recruitment period has ended: the employer reports results (R-REC-1).
    RecruitmentEnded,
    /// Places still unfilled as the AIP deadline nears (R-DEC-2).
    AipDeadlineApproaching,
    /// A place with no visa application by its AIP deadline lapses (R-DEC-2).
    PlaceLapse,
    /// An approval whose places have all lapsed or ended: LAPSED, or COMPLETED once active (§4.1).
    CaseClosure,
    /// A worker past the briefing's due date without attending (R-BRF-1).
    BriefingOverdue,
    /// A Standard Employment Contract ending soon (R-CON-1).
    ContractEnding,
    /// A case past its processing target, its clock not paused (R-SLA-1).
    SlaBreach,
    /// No wage table published for longer than policy allows (R-WAGE-2).
    WageTableStale,
    /// A LAB consultation's window closed: the verdict, and the case to the decision or the working
    /// group (R-LAB-2).
    LabWindowClosed,
}

impl Timer {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InfoReminder => "info_reminder",
            Self::InfoClose => "info_close",
            Self::RecruitmentEnded => "recruitment_ended",
            Self::AipDeadlineApproaching => "aip_deadline_approaching",
            Self::PlaceLapse => "place_lapse",
            Self::CaseClosure => "case_closure",
            Self::BriefingOverdue => "briefing_overdue",
            Self::ContractEnding => "contract_ending",
            Self::SlaBreach => "sla_breach",
            Self::WageTableStale => "wage_table_stale",
            Self::LabWindowClosed => "lab_window_closed",
        }
    }

    /// The rule the timer applies (docs/rules.md).
    pub fn rule_id(self) -> &'static str {
        match self {
            Self::InfoReminder | Self::InfoClose => "R-SCR-2",
            Self::RecruitmentEnded => "R-REC-1",
            Self::AipDeadlineApproaching | Self::PlaceLapse => "R-DEC-2",
            Self::CaseClosure => "R-DEC-2",
            Self::BriefingOverdue => "R-BRF-1",
            Self::ContractEnding => "R-CON-1",
            Self::SlaBreach => "R-SLA-1",
            Self::WageTableStale => "R-WAGE-2",
            Self::LabWindowClosed => "R-LAB-2",
        }
    }

    /// The policy keys the timer's durations come from.
    pub fn policy_keys(self) -> &'static [&'static str] {
        match self {
            Self::InfoReminder | Self::InfoClose => &[keys::RFI_REMINDERS, keys::RFI_REMINDER_INTERVAL_DAYS],
            Self::RecruitmentEnded => &[keys::RECRUITMENT_DAYS],
            Self::AipDeadlineApproaching => &[keys::AIP_DEADLINE_NOTICE_DAYS, keys::AIP_VISA_DEADLINE_MONTHS],
            Self::PlaceLapse | Self::CaseClosure => &[keys::AIP_VISA_DEADLINE_MONTHS],
            Self::BriefingOverdue => &[keys::BRIEFING_DUE_DAYS_AFTER_ARRIVAL],
            Self::ContractEnding => &[keys::CONTRACT_ENDING_NOTICE_DAYS],
            Self::SlaBreach => &[keys::PROCESSING_TARGET_DAYS],
            Self::WageTableStale => &[keys::WAGE_TABLE_MAX_AGE_DAYS],
            Self::LabWindowClosed => &[keys::LAB_CONSULTATION_DAYS, keys::LAB_CONSENSUS_THRESHOLD],
        }
    }
}

impl std::fmt::Display for Timer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an unanswered information request has come to (R-SCR-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InfoStep {
    /// Reminder `n` (1-based) of the policy's reminders.
    Reminder(u32),
    /// Every reminder went unanswered: the case closes for no response.
    Close,
}

/// The latest step due on `today` for a request due on `due_on`: reminder `n` falls due on the day
/// after the due date plus `n - 1` intervals, and the case closes one interval after the last reminder.
/// Steps missed while the service was stopped are not sent late: only the latest is due.
pub fn info_step(due_on: NaiveDate, reminders: u32, interval_days: u32, today: NaiveDate) -> Option<InfoStep> {
    let days_past = (today - due_on).num_days();
    if days_past <= 0 {
        return None;
    }
    let intervals = u32::try_from((days_past - 1) / i64::from(interval_days.max(1))).unwrap_or(u32::MAX);
    Some(if intervals >= reminders {
        InfoStep::Close
    } else {
        InfoStep::Reminder(intervals + 1)
    })
}

/// The day an unanswered request closes the case.
pub fn info_closes_on(due_on: NaiveDate, reminders: u32, interval_days: u32) -> NaiveDate {
    due_on + Days::new(1 + u64::from(reminders) * u64::from(interval_days.max(1)))
}

/// A deadline is near: within `notice_days` before it, the deadline itself included (not after it).
pub fn within_notice(deadline: NaiveDate, notice_days: u32, today: NaiveDate) -> bool {
    today <= deadline && today + Days::new(u64::from(notice_days)) >= deadline
}

/// A date-bound state has passed: the day after `last_day`.
pub fn passed(last_day: NaiveDate, today: NaiveDate) -> bool {
    today > last_day
}

/// What an approval whose places are in `places` (effective states) moves to: LAPSED when every
/// place lapsed or ended before any worker was in post, COMPLETED when active and every place ended.
pub fn closure(status: ApplicationStatus, places: &[PlaceState]) -> Option<ApplicationStatus> {
    if places.is_empty() || !places.iter().all(|p| p.is_closed()) {
        return None;
    }
    match status {
        ApplicationStatus::Approved | ApplicationStatus::PartiallyApproved => Some(ApplicationStatus::Lapsed),
        ApplicationStatus::Active => Some(ApplicationStatus::Completed),
        _ => None,
    }
}

/// The SLA due date today: the stored due date (pauses already ended counted in) moved on by each day
/// of the pause still open (R-SCR-2: the clock pauses while information is requested).
pub fn sla_due_on(stored_due: NaiveDate, paused_since: Option<NaiveDate>, today: NaiveDate) -> NaiveDate {
    let open_pause = paused_since.map_or(0, |since| (today - since).num_days().max(0));
    stored_due + Days::new(open_pause.unsigned_abs())
}

/// Past the processing target: the day after the due date, with the clock running.
pub fn sla_breached(stored_due: NaiveDate, paused_since: Option<NaiveDate>, today: NaiveDate) -> bool {
    paused_since.is_none() && passed(stored_due, today)
}

/// No table published within `max_age_days` before `today` (none at all counts as stale).
pub fn wage_table_stale(latest_published: Option<NaiveDate>, max_age_days: u32, today: NaiveDate) -> bool {
    latest_published.is_none_or(|on| passed(on + Days::new(u64::from(max_age_days)), today))
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_request_is_reminded_the_day_after_it_falls_due_and_not_on_the_day() {
        let due = d("2026-03-16");
        assert_eq!(info_step(due, 2, 7, d("2026-03-15")), None);
        assert_eq!(info_step(due, 2, 7, due), None);
        assert_eq!(info_step(due, 2, 7, d("2026-03-17")), Some(InfoStep::Reminder(1)));
        assert_eq!(info_step(due, 2, 7, d("2026-03-23")), Some(InfoStep::Reminder(1)));
        assert_eq!(info_step(due, 2, 7, d("2026-03-24")), Some(InfoStep::Reminder(2)));
        assert_eq!(info_step(due, 2, 7, d("2026-03-30")), Some(InfoStep::Reminder(2)));
        assert_eq!(info_step(due, 2, 7, d("2026-03-31")), Some(InfoStep::Close));
        assert_eq!(info_closes_on(due, 2, 7), d("2026-03-31"));
        // Long after (the service was stopped): the latest step only.
        assert_eq!(info_step(due, 2, 7, d("2027-01-01")), Some(InfoStep::Close));
    }

    #[test]
    fn every_day_after_the_due_date_has_exactly_the_step_the_schedule_gives() {
        let due = d("2026-01-10");
        for reminders in 0..4 {
            for interval in 1..10 {
                let closes = info_closes_on(due, reminders, interval);
                for offset in 1..60 {
                    let today = due + Days::new(offset);
                    let expected = if today >= closes {
                        InfoStep::Close
                    } else {
                        InfoStep::Reminder(u32::try_from((offset - 1) / u64::from(interval)).unwrap() + 1)
                    };
                    assert_eq!(info_step(due, reminders, interval, today), Some(expected));
                }
            }
        }
        // A zero interval in policy is read as one day, never a division by zero.
        assert_eq!(info_step(due, 1, 0, d("2026-01-11")), Some(InfoStep::Reminder(1)));
    }

    #[test]
    fn notice_runs_from_n_days_before_the_deadline_to_the_deadline() {
        let deadline = d("2026-06-30");
        assert!(!within_notice(deadline, 14, d("2026-06-15")));
        assert!(within_notice(deadline, 14, d("2026-06-16")));
        assert!(within_notice(deadline, 14, deadline));
        assert!(!within_notice(deadline, 14, d("2026-07-01")));
    }

    #[test]
    fn an_approval_closes_only_when_every_place_is_closed() {
        use ApplicationStatus as S;
        use PlaceState as P;
        assert_eq!(closure(S::Approved, &[P::Expired, P::Expired]), Some(S::Lapsed));
        assert_eq!(closure(S::PartiallyApproved, &[P::Expired]), Some(S::Lapsed));
        assert_eq!(closure(S::Approved, &[P::Expired, P::VisaApplied]), None);
        assert_eq!(closure(S::Active, &[P::ContractEnded, P::Expired]), Some(S::Completed));
        assert_eq!(closure(S::Active, &[P::ContractEnded, P::Employed]), None);
        assert_eq!(closure(S::Approved, &[]), None);
        for status in S::ALL {
            if !matches!(status, S::Approved | S::PartiallyApproved | S::Active) {
                assert_eq!(closure(status, &[P::Expired]), None, "{status}");
            }
        }
    }

    #[test]
    fn the_sla_breaches_the_day_after_its_due_date_and_never_while_paused() {
        let due = d("2026-06-01");
        assert!(!sla_breached(due, None, due));
        assert!(sla_breached(due, None, d("2026-06-02")));
        assert!(!sla_breached(due, Some(d("2026-05-20")), d("2026-06-10")));
        assert_eq!(sla_due_on(due, Some(d("2026-05-20")), d("2026-05-25")), d("2026-06-06"));
        assert_eq!(sla_due_on(due, None, d("2026-07-25")), due);
    }

    #[test]
    fn a_wage_table_goes_stale_the_day_after_its_age_limit() {
        let published = d("2026-01-01");
        assert!(!wage_table_stale(Some(published), 200, d("2026-07-20")));
        assert!(wage_table_stale(Some(published), 200, d("2026-07-21")));
        assert!(wage_table_stale(None, 200, published));
    }

    #[test]
    fn every_timer_names_its_rule_and_policy() {
        for timer in Timer::VARIANTS {
            assert!(timer.rule_id().starts_with("R-"), "{timer}");
            assert!(!timer.policy_keys().is_empty(), "{timer}");
        }
    }
}
