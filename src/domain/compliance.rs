//! What an employer still owes after approval, worked out from the facts of each place: visa
//! applications before the AIP deadline, signed contracts, the levy, briefings, monthly wages, and the
//! ratio against the latest headcount return. Pure: the same facts and day give the same list.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::rules::{contract, ratio::RATIO};
use super::worker::{
    BriefingStanding, PlaceRecord, PlaceState, WageFlag, briefing_standing, month_end, month_start, wage_due_on,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, strum::VariantArray)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ObligationKind {
    /// Lodge the visa application before the AIP deadline, or the place lapses (R-DEC-2).
    VisaApplication,
    /// Sign the Standard Employment Contract with the named worker (R-CON-2).
    ContractUnsigned,
    /// Pay the Employees Retraining Levy; it falls due when the visa is issued (R-LEVY-1).
    LevyUnpaid,
    /// The worker attends the employment-rights briefing within 56 days of arrival (R-BRF-1).
    BriefingDue,
    /// Pay the month's wages by autopay within 7 days of the month's end (R-CON-3).
    WagePaymentDue,
    /// A recorded wage payment was below what the contract owes, or deducted what it may not.
    WagePaymentIrregular,
    /// The latest headcount return no longer supports the imported workers in post (R-RAT-1).
    RatioNotMet,
}

/// One thing owed, with its due date when it has one, and whether that date has passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Obligation {
    pub kind: ObligationKind,
    pub rule_id: String,
    pub application_id: Option<Uuid>,
    pub place_id: Option<Uuid>,
    pub worker_id: Option<Uuid>,
    /// `None` when it falls due on an event rather than a date (the levy before the visa is issued).
    pub due_on: Option<NaiveDate>,
    pub overdue: bool,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContractFacts {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub levy_amount_hkd: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkerFacts {
    pub worker_id: Uuid,
    pub contract: Option<ContractFacts>,
    pub visa_issued_on: Option<NaiveDate>,
    pub levy_paid: bool,
    pub arrived_on: Option<NaiveDate>,
    pub briefing_due_on: Option<NaiveDate>,
    /// The first briefing attended.
    pub briefing_attended_on: Option<NaiveDate>,
    pub separated_on: Option<NaiveDate>,
    /// Payments in the order recorded: the month (first day) and the month's flags as of that payment,
    /// so a month's last payment carries its standing.
    pub wage_payments: Vec<(NaiveDate, Vec<WageFlag>)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlaceFacts {
    pub place_id: Uuid,
    pub application_id: Uuid,
    /// The effective state today.
    pub state: PlaceState,
    pub aip_deadline: NaiveDate,
    pub worker: Option<WorkerFacts>,
}

impl PlaceFacts {
    /// The facts of a place as recorded, with its state on `today`.
    pub fn of(record: &PlaceRecord, today: NaiveDate) -> Self {
        Self {
            place_id: record.place.id,
            application_id: record.place.application_id.0,
            state: record.state(today),
            aip_deadline: record.place.aip_deadline,
            worker: record.worker.as_ref().map(|w| WorkerFacts {
                worker_id: w.worker.id,
                contract: w.contract.as_ref().map(|c| ContractFacts {
                    starts_on: c.starts_on,
                    ends_on: c.ends_on,
                    levy_amount_hkd: c.levy_amount_hkd,
                }),
                visa_issued_on: w.worker.visa_issued_on,
                levy_paid: w.levy.is_some(),
                arrived_on: w.worker.arrived_on,
                briefing_due_on: w.worker.briefing_due_on,
                briefing_attended_on: w.briefing_attended_on(),
                separated_on: w.worker.separated_on,
                wage_payments: w.wage_payments.iter().map(|p| (p.month, p.flags.clone())).collect(),
            }),
        }
    }
}

/// Everything owed on these places today, soonest due first (those without a date last).
pub fn obligations(records: &[PlaceRecord], wage_due_days: u32, today: NaiveDate) -> Vec<Obligation> {
    let mut owed: Vec<Obligation> = records
        .iter()
        .flat_map(|r| place_obligations(&PlaceFacts::of(r, today), wage_due_days, today))
        .collect();
    sort_soonest_due_first(&mut owed);
    owed
}

/// Obligations in due-date order, those without a date last.
pub fn sort_soonest_due_first(owed: &mut [Obligation]) {
    owed.sort_by_key(|o| (o.due_on.is_none(), o.due_on, o.kind));
}

/// Everything owed on one place today.
pub fn place_obligations(place: &PlaceFacts, wage_due_days: u32, today: NaiveDate) -> Vec<Obligation> {
    let mut owed = Vec::new();
    let mut add = |kind, rule_id: &str, due_on: Option<NaiveDate>, detail: String| {
        owed.push(Obligation {
            kind,
            rule_id: rule_id.to_owned(),
            application_id: Some(place.application_id),
            place_id: Some(place.place_id),
            worker_id: place.worker.as_ref().map(|w| w.worker_id),
            due_on,
            overdue: due_on.is_some_and(|due| today > due),
            detail,
        });
    };
    if matches!(place.state, PlaceState::Expired | PlaceState::Revoked) {
        return owed;
    }
    if place.state == PlaceState::Allocated {
        add(
            ObligationKind::VisaApplication,
            "R-DEC-2",
            Some(place.aip_deadline),
            format!(
                "Apply for the worker's visa by {}; the place lapses after that day.",
                place.aip_deadline
            ),
        );
    }
    let Some(worker) = &place.worker else {
        return owed;
    };
    let Some(signed) = &worker.contract else {
        add(
            ObligationKind::ContractUnsigned,
            contract::TERMS,
            Some(place.aip_deadline),
            "Sign the Standard Employment Contract; the visa application needs it.".to_owned(),
        );
        return owed;
    };
    if !worker.levy_paid {
        add(
            ObligationKind::LevyUnpaid,
            contract::LEVY,
            worker.visa_issued_on,
            format!(
                "Pay the HK${} levy; it falls due when the visa is issued and is not refundable.",
                signed.levy_amount_hkd
            ),
        );
    }
    if let (Some(arrived_on), Some(due_on)) = (worker.arrived_on, worker.briefing_due_on) {
        let standing = briefing_standing(due_on, worker.briefing_attended_on, today);
        let left_before_due = worker.separated_on.is_some_and(|left| left <= due_on);
        if matches!(standing, BriefingStanding::Due | BriefingStanding::Overdue) && !left_before_due {
            add(
                ObligationKind::BriefingDue,
                "R-BRF-1",
                Some(due_on),
                format!("The worker arrived on {arrived_on}; the employment-rights briefing is due by {due_on}."),
            );
        }
        for month in wage_months(signed, arrived_on, worker.separated_on, today) {
            let due_on = wage_due_on(month, wage_due_days);
            match worker.wage_payments.iter().rev().find(|(paid, _)| *paid == month) {
                None => add(
                    ObligationKind::WagePaymentDue,
                    "R-CON-3",
                    Some(due_on),
                    format!("Pay the wages for {} by autopay.", month.format("%Y-%m")),
                ),
                Some((_, flags)) => {
                    let irregular: Vec<&WageFlag> = flags.iter().filter(|f| **f != WageFlag::PaidLate).collect();
                    if !irregular.is_empty() {
                        let rule = if irregular.contains(&&WageFlag::BelowContractWage) {
                            "R-WAGE-1"
                        } else {
                            contract::DEDUCTION_CAP
                        };
                        add(
                            ObligationKind::WagePaymentIrregular,
                            rule,
                            Some(due_on),
                            format!(
                                "The wages for {} were flagged ({}); make up the difference.",
                                month.format("%Y-%m"),
                                irregular
                                    .iter()
                                    .map(|f| format!("{f:?}"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        );
                    }
                }
            }
        }
    }
    owed
}

/// The months whose wages have fallen due or are running: from the later of the contract start and
/// the arrival, to the earliest of its end, the separation and today.
fn wage_months(
    signed: &ContractFacts,
    arrived_on: NaiveDate,
    separated_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Vec<NaiveDate> {
    let from = signed.starts_on.max(arrived_on);
    let to = [Some(signed.ends_on), separated_on, Some(today)]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(today);
    let mut months = Vec::new();
    let mut month = month_start(from);
    // Only months already over: the current month's wages are not owed yet.
    while from <= to && month_end(month) < today && month <= to {
        months.push(month);
        match month.checked_add_months(Months::new(1)) {
            Some(next) => month = next,
            None => break,
        }
    }
    months
}

/// R-RAT-1 after approval: the ratio against the latest headcount return, for imported workers in post.
pub fn ratio_obligation(
    scope: &str,
    full_time_locals: u32,
    imported_in_post: u32,
    locals_per_imported: u32,
    return_as_of: NaiveDate,
) -> Option<Obligation> {
    let needed = imported_in_post.saturating_mul(locals_per_imported);
    (full_time_locals < needed).then(|| Obligation {
        kind: ObligationKind::RatioNotMet,
        rule_id: RATIO.to_owned(),
        application_id: None,
        place_id: None,
        worker_id: None,
        due_on: Some(return_as_of),
        overdue: true,
        detail: format!(
            "{imported_in_post} imported workers in {scope} need {needed} full-time locals at {locals_per_imported}:1; the headcount return of {return_as_of} shows {full_time_locals}."
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn place(state: PlaceState, worker: Option<WorkerFacts>) -> PlaceFacts {
        PlaceFacts {
            place_id: Uuid::from_u128(1),
            application_id: Uuid::from_u128(2),
            state,
            aip_deadline: d("2026-06-30"),
            worker,
        }
    }

    fn worker() -> WorkerFacts {
        WorkerFacts {
            worker_id: Uuid::from_u128(3),
            contract: Some(ContractFacts {
                starts_on: d("2026-05-11"),
                ends_on: d("2028-05-10"),
                levy_amount_hkd: 9600,
            }),
            visa_issued_on: Some(d("2026-05-01")),
            levy_paid: true,
            arrived_on: Some(d("2026-05-10")),
            briefing_due_on: Some(d("2026-07-05")),
            briefing_attended_on: None,
            separated_on: None,
            wage_payments: Vec::new(),
        }
    }

    fn kinds(owed: &[Obligation]) -> Vec<(ObligationKind, Option<NaiveDate>, bool)> {
        owed.iter().map(|o| (o.kind, o.due_on, o.overdue)).collect()
    }

    #[test]
    fn an_unnamed_place_owes_its_visa_application_by_the_aip_deadline() {
        let owed = place_obligations(&place(PlaceState::Allocated, None), 7, d("2026-06-30"));
        assert_eq!(
            kinds(&owed),
            vec![(ObligationKind::VisaApplication, Some(d("2026-06-30")), false)]
        );
        assert!(place_obligations(&place(PlaceState::Expired, None), 7, d("2026-07-01")).is_empty());
        assert!(place_obligations(&place(PlaceState::Revoked, Some(worker())), 7, d("2026-07-01")).is_empty());
    }

    #[test]
    fn a_named_worker_without_a_contract_owes_the_contract() {
        let mut w = worker();
        w.contract = None;
        let owed = place_obligations(&place(PlaceState::Allocated, Some(w)), 7, d("2026-05-01"));
        assert_eq!(
            kinds(&owed),
            vec![
                (ObligationKind::VisaApplication, Some(d("2026-06-30")), false),
                (ObligationKind::ContractUnsigned, Some(d("2026-06-30")), false)
            ]
        );
    }

    #[test]
    fn the_levy_has_no_date_until_the_visa_is_issued_and_is_overdue_after() {
        let mut w = worker();
        w.levy_paid = false;
        w.visa_issued_on = None;
        w.arrived_on = None;
        w.briefing_due_on = None;
        let owed = place_obligations(&place(PlaceState::VisaApplied, Some(w.clone())), 7, d("2026-05-01"));
        assert_eq!(kinds(&owed), vec![(ObligationKind::LevyUnpaid, None, false)]);
        w.visa_issued_on = Some(d("2026-05-01"));
        let owed = place_obligations(&place(PlaceState::VisaIssued, Some(w)), 7, d("2026-05-02"));
        assert_eq!(
            kinds(&owed),
            vec![(ObligationKind::LevyUnpaid, Some(d("2026-05-01")), true)]
        );
    }

    #[test]
    fn the_briefing_is_due_through_day_56_overdue_on_day_57_and_done_once_attended() {
        let at = |today: &str, attended: Option<&str>| {
            let mut w = worker();
            w.briefing_attended_on = attended.map(d);
            kinds(&place_obligations(&place(PlaceState::Employed, Some(w)), 7, d(today)))
                .into_iter()
                .filter(|(k, _, _)| *k == ObligationKind::BriefingDue)
                .collect::<Vec<_>>()
        };
        // Arrived 2026-05-10: day 56 is 2026-07-05.
        assert_eq!(
            at("2026-07-05", None),
            vec![(ObligationKind::BriefingDue, Some(d("2026-07-05")), false)]
        );
        assert_eq!(
            at("2026-07-06", None),
            vec![(ObligationKind::BriefingDue, Some(d("2026-07-05")), true)]
        );
        assert!(at("2026-07-06", Some("2026-07-05")).is_empty());
        // Attended late: no longer owed (the lateness shows on the briefing record).
        assert!(at("2026-07-20", Some("2026-07-10")).is_empty());
    }

    #[test]
    fn each_finished_month_owes_its_wages_seven_days_after_its_end() {
        let mut w = worker();
        w.briefing_attended_on = Some(d("2026-06-01"));
        let owed = place_obligations(&place(PlaceState::Employed, Some(w.clone())), 7, d("2026-07-08"));
        assert_eq!(
            kinds(&owed),
            vec![
                (ObligationKind::WagePaymentDue, Some(d("2026-06-07")), true),
                (ObligationKind::WagePaymentDue, Some(d("2026-07-07")), true),
            ]
        );
        w.wage_payments = vec![
            (d("2026-05-01"), vec![WageFlag::PaidLate]),
            (d("2026-06-01"), vec![WageFlag::BelowContractWage]),
        ];
        let owed = place_obligations(&place(PlaceState::Employed, Some(w.clone())), 7, d("2026-07-08"));
        assert_eq!(
            kinds(&owed),
            vec![(ObligationKind::WagePaymentIrregular, Some(d("2026-07-07")), true)]
        );
        assert_eq!(owed[0].rule_id, "R-WAGE-1");
        // Arrears made up in a later transfer: the month's last payment carries its standing.
        w.wage_payments.push((d("2026-06-01"), vec![WageFlag::PaidLate]));
        let owed = place_obligations(&place(PlaceState::Employed, Some(w.clone())), 7, d("2026-07-08"));
        assert!(owed.is_empty(), "{owed:?}");
        // After an early termination no later month is owed.
        w.wage_payments.clear();
        w.separated_on = Some(d("2026-05-31"));
        let owed = place_obligations(&place(PlaceState::TerminatedEarly, Some(w)), 7, d("2026-09-01"));
        assert_eq!(
            kinds(&owed),
            vec![(ObligationKind::WagePaymentDue, Some(d("2026-06-07")), true)]
        );
    }

    #[test]
    fn the_ratio_is_breached_one_local_short_and_met_at_exactly_two_to_one() {
        assert!(ratio_obligation("the enterprise", 4, 2, 2, d("2026-06-30")).is_none());
        let breach = ratio_obligation("the enterprise", 3, 2, 2, d("2026-06-30")).unwrap();
        assert_eq!(breach.kind, ObligationKind::RatioNotMet);
        assert_eq!(breach.due_on, Some(d("2026-06-30")));
        assert!(breach.overdue);
        assert!(ratio_obligation("the enterprise", 0, 0, 2, d("2026-06-30")).is_none());
    }
}
