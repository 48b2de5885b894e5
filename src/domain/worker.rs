//! Worker places after approval (domain.md §4.2): one per approved place, filled by a named worker who
//! applies for a visa, arrives, works under the Standard Employment Contract and leaves.
//!
//! What happened is stored; what follows from dates alone is derived when read ([`effective_state`]),
//! so a place lapses at its AIP deadline and a contract ends on its end date without a timer.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::rules::RuleResult;
use super::rules::contract::Accommodation;
use super::{ApplicationId, EmployerId, VacancyId};

/// Where a place stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PlaceState {
    /// Approved (AIP issued); a worker may be named and a visa applied for until the AIP deadline.
    Allocated,
    VisaApplied,
    VisaIssued,
    Arrived,
    /// Arrived and the contract has started (derived).
    Employed,
    /// The contract ran its term (derived from its end date, or recorded at separation).
    ContractEnded,
    /// Resignation, dismissal or abscondment before the end date; the levy is not refunded.
    TerminatedEarly,
    /// No visa application by the AIP deadline (derived): the place lapsed.
    Expired,
    /// The approval was revoked (sanction) before the worker arrived.
    Revoked,
}

impl PlaceState {
    pub const ALL: [PlaceState; 9] = [
        Self::Allocated,
        Self::VisaApplied,
        Self::VisaIssued,
        Self::Arrived,
        Self::Employed,
        Self::ContractEnded,
        Self::TerminatedEarly,
        Self::Expired,
        Self::Revoked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allocated => "ALLOCATED",
            Self::VisaApplied => "VISA_APPLIED",
            Self::VisaIssued => "VISA_ISSUED",
            Self::Arrived => "ARRIVED",
            Self::Employed => "EMPLOYED",
            Self::ContractEnded => "CONTRACT_ENDED",
            Self::TerminatedEarly => "TERMINATED_EARLY",
            Self::Expired => "EXPIRED",
            Self::Revoked => "REVOKED",
        }
    }

    /// The worker is in Hong Kong working for the employer: counts against the ratio.
    pub fn in_post(self) -> bool {
        matches!(self, Self::Arrived | Self::Employed)
    }

    /// The place is over: nothing more is owed on it, and its worker may be named elsewhere.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            Self::ContractEnded | Self::TerminatedEarly | Self::Expired | Self::Revoked
        )
    }
}

impl fmt::Display for PlaceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown place state `{0}`")]
pub struct UnknownPlaceState(pub String);

impl FromStr for PlaceState {
    type Err = UnknownPlaceState;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| UnknownPlaceState(s.to_owned()))
    }
}

/// The state a place is in today: the stored state, moved on by the dates that have passed.
pub fn effective_state(
    stored: PlaceState,
    aip_deadline: NaiveDate,
    contract: Option<(NaiveDate, NaiveDate)>,
    today: NaiveDate,
) -> PlaceState {
    match (stored, contract) {
        (PlaceState::Allocated, _) if today > aip_deadline => PlaceState::Expired,
        (PlaceState::Arrived, Some((_, ends_on))) if today > ends_on => PlaceState::ContractEnded,
        (PlaceState::Arrived, Some((starts_on, _))) if today >= starts_on => PlaceState::Employed,
        (state, _) => state,
    }
}

/// What can happen to a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceEvent {
    ApplyForVisa,
    IssueVisa,
    Arrive,
    /// Separation before or at the end of the contract.
    Separate {
        early: bool,
    },
    /// The approval is revoked.
    Revoke,
}

impl fmt::Display for PlaceEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ApplyForVisa => "apply for a visa",
            Self::IssueVisa => "record a visa issued",
            Self::Arrive => "record an arrival",
            Self::Separate { .. } => "record a separation",
            Self::Revoke => "revoke",
        })
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("cannot {event} for a place that is {from}")]
pub struct PlaceTransitionError {
    pub from: PlaceState,
    pub event: PlaceEvent,
}

/// The one place where the worker-place lifecycle lives. `from` is the effective state.
pub fn place_transition(from: PlaceState, event: PlaceEvent) -> Result<PlaceState, PlaceTransitionError> {
    use PlaceState as S;
    let to = match (from, event) {
        (S::Allocated, PlaceEvent::ApplyForVisa) => S::VisaApplied,
        (S::VisaApplied, PlaceEvent::IssueVisa) => S::VisaIssued,
        (S::VisaIssued, PlaceEvent::Arrive) => S::Arrived,
        (S::Arrived | S::Employed, PlaceEvent::Separate { early: true }) => S::TerminatedEarly,
        (S::Arrived | S::Employed | S::ContractEnded, PlaceEvent::Separate { early: false }) => S::ContractEnded,
        // Workers already here may stay to the end of their contracts; the rest of the places go.
        (S::Allocated | S::VisaApplied | S::VisaIssued, PlaceEvent::Revoke) => S::Revoked,
        _ => return Err(PlaceTransitionError { from, event }),
    };
    Ok(to)
}

/// Calendar months a contract covers from its first to its last day, a part month counting whole:
/// 2026-05-01..2028-04-30 is 24 months, one day more is 25.
pub fn contract_months(starts_on: NaiveDate, ends_on: NaiveDate) -> u32 {
    if ends_on < starts_on {
        return 0;
    }
    let whole = (ends_on.year() - starts_on.year()) * 12 + ends_on.month() as i32 - starts_on.month() as i32;
    let mut months = u32::try_from(whole.max(0)).unwrap_or(0);
    // The first `months` months end the day before this; a contract reaching it needs one more.
    if starts_on
        .checked_add_months(Months::new(months))
        .is_some_and(|d| d <= ends_on)
    {
        months += 1;
    }
    months
}

/// How a worker stands with the employment-rights briefing (R-BRF-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::VariantArray)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BriefingStanding {
    /// Attended, on or before the due date.
    Attended,
    /// Attended, but after the due date.
    AttendedLate,
    /// Not attended yet; the due date has not passed.
    Due,
    /// Not attended and the due date has passed.
    Overdue,
}

/// The briefing is due `due_days` after arrival (the arrival day is day 0): on day 56 it is still due,
/// on day 57 it is overdue.
pub fn briefing_due_on(arrived_on: NaiveDate, due_days: u32) -> NaiveDate {
    arrived_on + Days::new(u64::from(due_days))
}

pub fn briefing_standing(due_on: NaiveDate, attended_on: Option<NaiveDate>, today: NaiveDate) -> BriefingStanding {
    match attended_on {
        Some(on) if on <= due_on => BriefingStanding::Attended,
        Some(_) => BriefingStanding::AttendedLate,
        None if today <= due_on => BriefingStanding::Due,
        None => BriefingStanding::Overdue,
    }
}

/// First day of the month `on` falls in.
pub fn month_start(on: NaiveDate) -> NaiveDate {
    on.with_day(1).unwrap_or(on)
}

/// Last day of the month starting `month`.
pub fn month_end(month: NaiveDate) -> NaiveDate {
    month_start(month)
        .checked_add_months(Months::new(1))
        .and_then(|next| next.pred_opt())
        .unwrap_or(month)
}

/// The wage owed for a month under the contract: the monthly wage, pro rata by calendar days for a
/// month the contract starts or ends in (R-CON-3, R-WAGE-1). Zero outside the contract.
pub fn wage_due_for_month(monthly_wage: u32, starts_on: NaiveDate, ends_on: NaiveDate, month: NaiveDate) -> u32 {
    let (first, last) = (month_start(month), month_end(month));
    let from = first.max(starts_on);
    let to = last.min(ends_on);
    if to < from {
        return 0;
    }
    let days_worked = (to - from).num_days() + 1;
    let days_in_month = (last - first).num_days() + 1;
    if days_worked == days_in_month {
        return monthly_wage;
    }
    // Rounded down: the flag is for wages below what is owed, so it must not fire on a rounding cent.
    u32::try_from(i64::from(monthly_wage) * days_worked / days_in_month).unwrap_or(monthly_wage)
}

/// Deductions the scheme forbids outright (R-WAGE-5): meals are free, no rebates, no agents' fees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::VariantArray)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeductionKind {
    Accommodation,
    Meals,
    AgentFee,
    Rebate,
    /// e.g. the employee's MPF contribution, which the law requires.
    Mpf,
    Other,
}

impl DeductionKind {
    pub fn is_prohibited(self) -> bool {
        matches!(self, Self::Meals | Self::AgentFee | Self::Rebate)
    }
}

/// What the service notices in a month's wage payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::VariantArray)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WageFlag {
    /// Gross below the wage owed for the month under the contract.
    BelowContractWage,
    /// A deduction the scheme forbids (meals, agent's fee, rebate).
    ProhibitedDeduction,
    /// Accommodation deducted above the amount the contract allows.
    AccommodationAboveContract,
    /// Paid after the statutory 7 days from the end of the wage period.
    PaidLate,
}

/// One month's wage payment as the rules see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WagePaymentFacts {
    pub month: NaiveDate,
    pub gross_hkd: u32,
    pub deductions: Vec<(DeductionKind, u32)>,
    pub paid_on: NaiveDate,
}

/// The flags for a month's payment, given what the contract says is owed and allowed.
pub fn wage_flags(
    payment: &WagePaymentFacts,
    owed_hkd: u32,
    accommodation_allowed_hkd: u32,
    due_days: u32,
) -> Vec<WageFlag> {
    let mut flags = Vec::new();
    if payment.gross_hkd < owed_hkd {
        flags.push(WageFlag::BelowContractWage);
    }
    if payment
        .deductions
        .iter()
        .any(|(kind, amount)| kind.is_prohibited() && *amount > 0)
    {
        flags.push(WageFlag::ProhibitedDeduction);
    }
    let accommodation: u32 = payment
        .deductions
        .iter()
        .filter(|(kind, _)| *kind == DeductionKind::Accommodation)
        .map(|(_, amount)| amount)
        .sum();
    if accommodation > accommodation_allowed_hkd {
        flags.push(WageFlag::AccommodationAboveContract);
    }
    if payment.paid_on > wage_due_on(payment.month, due_days) {
        flags.push(WageFlag::PaidLate);
    }
    flags
}

/// Wages for a month are due `due_days` after its last day (Employment Ordinance s.23).
pub fn wage_due_on(month: NaiveDate, due_days: u32) -> NaiveDate {
    month_end(month) + Days::new(u64::from(due_days))
}

/// How a worker's employment ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SeparationType {
    /// The contract ran its term.
    ContractEnded,
    Resignation,
    Dismissal,
    Abscondment,
}

impl SeparationType {
    pub const ALL: [SeparationType; 4] = [
        Self::ContractEnded,
        Self::Resignation,
        Self::Dismissal,
        Self::Abscondment,
    ];

    /// Before the contract's end date: the place is terminated early, and the levy is not refunded.
    pub fn is_early(self) -> bool {
        self != Self::ContractEnded
    }
}

/// One deduction from a month's wages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deduction {
    pub kind: DeductionKind,
    pub amount_hkd: u32,
}

/// A place approved for a vacancy: one per place granted, with the deadline for its visa application.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    pub id: Uuid,
    pub application_id: ApplicationId,
    pub vacancy_id: VacancyId,
    pub employer_id: EmployerId,
    /// 1 for the vacancy's first place.
    pub place_no: u32,
    /// The visa application must be lodged by this date, or the place lapses (R-DEC-2).
    pub aip_deadline: NaiveDate,
    /// The policy value (`aip_visa_deadline_months`) the deadline came from.
    pub aip_deadline_policy_id: Option<Uuid>,
    /// What was recorded; the state on a given day also follows from the dates ([`PlaceRecord::state`]).
    pub stored_state: PlaceState,
    /// False once a sanction forbids replacing the place's worker.
    pub replacement_allowed: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A worker named to a place. The travel document number itself is never kept
/// (docs/personal-data.md): only its keyed hash, which is never shown, and its last four characters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Worker {
    pub id: Uuid,
    pub place_id: Uuid,
    pub application_id: ApplicationId,
    pub employer_id: EmployerId,
    pub full_name: String,
    #[serde(skip)]
    pub travel_document_hmac: String,
    pub travel_document_last4: String,
    /// ISO 3166-1 alpha-3.
    pub nationality: String,
    pub mainland_resident: bool,
    pub recruiting_enterprise: Option<String>,
    pub date_of_birth: NaiveDate,
    /// R-ELIG-5 and R-ELIG-6 as evaluated when the worker was named.
    pub checks: Vec<RuleResult>,
    pub visa_applied_on: Option<NaiveDate>,
    pub visa_issued_on: Option<NaiveDate>,
    pub visa_number: Option<String>,
    pub arrived_on: Option<NaiveDate>,
    pub arrival_port: Option<String>,
    pub briefing_due_on: Option<NaiveDate>,
    pub separated_on: Option<NaiveDate>,
    pub separation_type: Option<SeparationType>,
    pub departure_confirmed: Option<bool>,
    pub named_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The Standard Employment Contract recorded for a worker, with the rules it was checked against and
/// the levy it sets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contract {
    pub worker_id: Uuid,
    pub template_version: String,
    pub signed_on: NaiveDate,
    pub post_code: Option<String>,
    pub monthly_wage_hkd: u32,
    pub normal_daily_hours: f64,
    pub overtime_terms: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub contract_months: u32,
    pub accommodation: Accommodation,
    pub accommodation_address: Option<String>,
    pub accommodation_deduction_hkd: u32,
    pub accommodation_actual_cost_hkd: Option<u32>,
    pub autopay_account_ref: String,
    pub levy_rate_hkd: u32,
    pub levy_amount_hkd: u32,
    pub checks: Vec<RuleResult>,
    /// 1 for the first contract recorded; each replacement adds one.
    pub version: i32,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// The Employees Retraining Levy paid for a worker (R-LEVY-1): once, never refunded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevyPayment {
    pub id: Uuid,
    pub worker_id: Uuid,
    pub contract_months: u32,
    pub rate_hkd: u32,
    pub amount_hkd: u32,
    pub paid_on: NaiveDate,
    pub receipt_ref: String,
    pub non_refundable: bool,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

/// An employment-rights briefing session and whether the worker attended (R-BRF-1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BriefingSession {
    pub id: Uuid,
    pub worker_id: Uuid,
    pub session_ref: String,
    pub session_on: NaiveDate,
    pub attended: bool,
    pub paid_leave_confirmed: bool,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

/// One autopay transfer of a month's wages, with what the contract owed for the month and what the
/// service flagged over the month's transfers so far.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WagePayment {
    pub id: Uuid,
    pub worker_id: Uuid,
    /// First day of the wage month.
    pub month: NaiveDate,
    pub gross_hkd: u32,
    pub deductions: Vec<Deduction>,
    pub net_hkd: u32,
    pub autopay_ref: String,
    pub paid_on: NaiveDate,
    pub owed_hkd: u32,
    pub flags: Vec<WageFlag>,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

/// Everything recorded for a named worker.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkerRecord {
    pub worker: Worker,
    pub contract: Option<Contract>,
    pub levy: Option<LevyPayment>,
    /// Oldest session first.
    pub briefings: Vec<BriefingSession>,
    /// Oldest month first; a month's transfers in the order recorded.
    pub wage_payments: Vec<WagePayment>,
}

impl WorkerRecord {
    /// The first briefing the worker attended.
    pub fn briefing_attended_on(&self) -> Option<NaiveDate> {
        self.briefings.iter().filter(|b| b.attended).map(|b| b.session_on).min()
    }
}

/// A place, its approved post, and its worker when one is named.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaceRecord {
    pub place: Place,
    pub post_title: String,
    pub post_code: Option<String>,
    pub designated_category_code: Option<String>,
    pub worker: Option<WorkerRecord>,
}

impl PlaceRecord {
    /// The place's state on `on`: what was recorded, moved on by the dates that have passed by then.
    pub fn state(&self, on: NaiveDate) -> PlaceState {
        let contract = self
            .worker
            .as_ref()
            .and_then(|w| w.contract.as_ref())
            .map(|c| (c.starts_on, c.ends_on));
        effective_state(self.place.stored_state, self.place.aip_deadline, contract, on)
    }
}

/// How an employer's places use ratio capacity on a day, per designated category (`None`: other
/// posts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlacesInUse {
    /// Places approved still waiting for their worker (allocated, visa applied or issued). Lapsed,
    /// revoked and ended places use nothing.
    pending: Vec<(Option<String>, u32)>,
    /// Workers the service has in post (arrived, contract not ended).
    in_post: Vec<(Option<String>, u32)>,
}

impl PlacesInUse {
    pub fn of<'r>(records: impl IntoIterator<Item = &'r PlaceRecord>, on: NaiveDate) -> Self {
        let mut uses = Self::default();
        for record in records {
            let state = record.state(on);
            let bucket = if state.in_post() {
                &mut uses.in_post
            } else if state.is_closed() {
                continue;
            } else {
                &mut uses.pending
            };
            let category = &record.designated_category_code;
            match bucket.iter_mut().find(|(c, _)| c == category) {
                Some((_, n)) => *n += 1,
                None => bucket.push((category.clone(), 1)),
            }
        }
        uses
    }

    fn total(counts: &[(Option<String>, u32)], category: Option<&str>) -> u32 {
        counts
            .iter()
            .filter(|(c, _)| category.is_none() || c.as_deref() == category)
            .map(|(_, n)| n)
            .sum()
    }

    /// Pending places in a category, or in all when `None`.
    pub fn pending(&self, category: Option<&str>) -> u32 {
        Self::total(&self.pending, category)
    }

    /// Workers in post in a category, or in all when `None`.
    pub fn in_post(&self, category: Option<&str>) -> u32 {
        Self::total(&self.in_post, category)
    }

    /// The categories with workers in post.
    pub fn categories_in_post(&self) -> impl Iterator<Item = &str> {
        self.in_post.iter().filter_map(|(c, _)| c.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn contract_months_count_part_months_whole() {
        assert_eq!(contract_months(d("2026-05-01"), d("2028-04-30")), 24);
        assert_eq!(contract_months(d("2026-05-01"), d("2028-05-01")), 25);
        assert_eq!(contract_months(d("2026-05-15"), d("2028-05-14")), 24);
        assert_eq!(contract_months(d("2026-05-15"), d("2028-05-15")), 25);
        assert_eq!(contract_months(d("2026-01-31"), d("2028-01-30")), 24);
        assert_eq!(contract_months(d("2026-05-01"), d("2026-05-01")), 1);
        assert_eq!(contract_months(d("2026-05-01"), d("2026-05-31")), 1);
        assert_eq!(contract_months(d("2026-05-01"), d("2026-06-01")), 2);
        assert_eq!(contract_months(d("2026-05-02"), d("2026-05-01")), 0);
    }

    #[test]
    fn a_place_lapses_the_day_after_its_aip_deadline_unless_a_visa_was_applied_for() {
        let deadline = d("2026-06-30");
        let state = |stored, today| effective_state(stored, deadline, None, d(today));
        assert_eq!(state(PlaceState::Allocated, "2026-06-30"), PlaceState::Allocated);
        assert_eq!(state(PlaceState::Allocated, "2026-07-01"), PlaceState::Expired);
        assert_eq!(state(PlaceState::VisaApplied, "2026-07-01"), PlaceState::VisaApplied);
    }

    #[test]
    fn an_arrived_worker_is_employed_from_the_contract_start_to_its_end() {
        let contract = Some((d("2026-05-10"), d("2028-05-09")));
        let state = |today| effective_state(PlaceState::Arrived, d("2026-06-30"), contract, d(today));
        assert_eq!(state("2026-05-09"), PlaceState::Arrived);
        assert_eq!(state("2026-05-10"), PlaceState::Employed);
        assert_eq!(state("2028-05-09"), PlaceState::Employed);
        assert_eq!(state("2028-05-10"), PlaceState::ContractEnded);
    }

    #[test]
    fn every_state_and_event_has_one_answer() {
        use PlaceState as S;
        let events = [
            PlaceEvent::ApplyForVisa,
            PlaceEvent::IssueVisa,
            PlaceEvent::Arrive,
            PlaceEvent::Separate { early: true },
            PlaceEvent::Separate { early: false },
            PlaceEvent::Revoke,
        ];
        let allowed = [
            (S::Allocated, PlaceEvent::ApplyForVisa, S::VisaApplied),
            (S::VisaApplied, PlaceEvent::IssueVisa, S::VisaIssued),
            (S::VisaIssued, PlaceEvent::Arrive, S::Arrived),
            (S::Arrived, PlaceEvent::Separate { early: true }, S::TerminatedEarly),
            (S::Employed, PlaceEvent::Separate { early: true }, S::TerminatedEarly),
            (S::Arrived, PlaceEvent::Separate { early: false }, S::ContractEnded),
            (S::Employed, PlaceEvent::Separate { early: false }, S::ContractEnded),
            (
                S::ContractEnded,
                PlaceEvent::Separate { early: false },
                S::ContractEnded,
            ),
            (S::Allocated, PlaceEvent::Revoke, S::Revoked),
            (S::VisaApplied, PlaceEvent::Revoke, S::Revoked),
            (S::VisaIssued, PlaceEvent::Revoke, S::Revoked),
        ];
        for from in PlaceState::ALL {
            for event in events {
                let expected = allowed
                    .iter()
                    .find(|(f, e, _)| *f == from && *e == event)
                    .map(|(_, _, to)| *to);
                assert_eq!(place_transition(from, event).ok(), expected, "{from} {event}");
            }
        }
    }

    #[test]
    fn states_round_trip_through_their_names() {
        for state in PlaceState::ALL {
            assert_eq!(state.as_str().parse::<PlaceState>(), Ok(state));
        }
        assert!("LOST".parse::<PlaceState>().is_err());
    }

    #[test]
    fn the_briefing_is_due_on_day_56_and_overdue_on_day_57() {
        let due = briefing_due_on(d("2026-05-01"), 56);
        assert_eq!(due, d("2026-06-26"));
        assert_eq!(briefing_standing(due, None, d("2026-06-26")), BriefingStanding::Due);
        assert_eq!(briefing_standing(due, None, d("2026-06-27")), BriefingStanding::Overdue);
        assert_eq!(
            briefing_standing(due, Some(d("2026-06-26")), d("2026-07-30")),
            BriefingStanding::Attended
        );
        assert_eq!(
            briefing_standing(due, Some(d("2026-06-27")), d("2026-07-30")),
            BriefingStanding::AttendedLate
        );
    }

    #[test]
    fn wages_owed_are_pro_rata_in_the_first_and_last_month_only() {
        let (start, end) = (d("2026-05-11"), d("2028-05-10"));
        assert_eq!(wage_due_for_month(15500, start, end, d("2026-04-01")), 0);
        // 21 of 31 days.
        assert_eq!(wage_due_for_month(15500, start, end, d("2026-05-01")), 10500);
        assert_eq!(wage_due_for_month(15500, start, end, d("2026-06-01")), 15500);
        // 10 of 31 days.
        assert_eq!(wage_due_for_month(15500, start, end, d("2028-05-01")), 5000);
        assert_eq!(wage_due_for_month(15500, start, end, d("2028-06-01")), 0);
    }

    #[test]
    fn a_wage_one_dollar_under_what_is_owed_is_flagged_and_at_it_is_not() {
        let payment = |gross| WagePaymentFacts {
            month: d("2026-06-01"),
            gross_hkd: gross,
            deductions: vec![(DeductionKind::Accommodation, 1000)],
            paid_on: d("2026-07-07"),
        };
        assert_eq!(
            wage_flags(&payment(15499), 15500, 1000, 7),
            vec![WageFlag::BelowContractWage]
        );
        assert!(wage_flags(&payment(15500), 15500, 1000, 7).is_empty());
    }

    #[test]
    fn forbidden_deductions_excess_accommodation_and_late_payment_are_flagged() {
        let payment = WagePaymentFacts {
            month: d("2026-06-01"),
            gross_hkd: 15500,
            deductions: vec![(DeductionKind::Accommodation, 1001), (DeductionKind::Meals, 300)],
            paid_on: d("2026-07-08"),
        };
        assert_eq!(
            wage_flags(&payment, 15500, 1000, 7),
            vec![
                WageFlag::ProhibitedDeduction,
                WageFlag::AccommodationAboveContract,
                WageFlag::PaidLate
            ]
        );
        assert_eq!(wage_due_on(d("2026-06-01"), 7), d("2026-07-07"));
        assert_eq!(wage_due_on(d("2026-02-01"), 7), d("2026-03-07"));
    }
}
