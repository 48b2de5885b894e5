//! The manning ratio (R-RAT-1..3): full-time local employees : imported workers ≥ ratio : 1, counted
//! enterprise-wide or, where policy says `PER_POST`, per post applied for. Imported workers already in
//! post and places already approved use up capacity first; the places this application may get are what
//! remains, up to what it asks for.

use super::{Outcome, RuleResult, result};
use crate::domain::casework::HeadcountReturn;
use crate::domain::worker::PlacesInUse;
use serde::{Deserialize, Serialize};

pub const RATIO: &str = "R-RAT-1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RatioScope {
    Enterprise,
    PerPost,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatioInput {
    pub scope: RatioScope,
    /// The post counted, for `PER_POST`.
    pub post: Option<String>,
    /// Policy `ratio_local_per_imported` (2 means 2 locals per imported worker).
    pub locals_per_imported: u32,
    /// Full-time local employees (enterprise-wide or in the post), from the latest headcount return.
    pub full_time_locals: u32,
    /// Imported workers already employed (same scope), from the latest headcount return.
    pub imported_in_post: u32,
    /// Places approved earlier (same scope), including earlier vacancies of this decision.
    pub places_already_approved: u32,
    /// Places sought now.
    pub places_requested: u32,
    /// The headcount return the counts come from (provenance only).
    #[serde(default)]
    pub headcount_return_id: Option<uuid::Uuid>,
}

/// What the ratio works out for an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatioOutput {
    /// Imported workers the full-time locals allow.
    pub capacity: u32,
    /// Imported workers in post and places already approved.
    pub used: u32,
    /// Places the ratio still allows.
    pub allowed: u32,
    /// Of those, the places this request gets.
    pub places: u32,
}

/// The ratio's arithmetic: capacity, what is used, and what remains for the request.
pub fn position(input: &RatioInput) -> RatioOutput {
    let capacity = input
        .full_time_locals
        .checked_div(input.locals_per_imported)
        .unwrap_or(0);
    let used = input.imported_in_post.saturating_add(input.places_already_approved);
    let allowed = capacity.saturating_sub(used);
    RatioOutput {
        capacity,
        used,
        allowed,
        places: input.places_requested.min(allowed),
    }
}

/// The number of places the ratio allows, and whether that covers the request.
pub fn ratio(input: &RatioInput) -> RuleResult {
    let out = position(input);
    let RatioOutput {
        capacity, used, places, ..
    } = out;
    let scope = match (&input.scope, &input.post) {
        (RatioScope::PerPost, Some(post)) => format!("{post} posts"),
        _ => "the enterprise".to_owned(),
    };
    let (outcome, reason) = if places == input.places_requested {
        (
            Outcome::Pass,
            format!(
                "{} full-time locals in {scope} allow {capacity} imported workers at {}:1; {used} are used, {places} requested fit.",
                input.full_time_locals, input.locals_per_imported
            ),
        )
    } else {
        (
            Outcome::Fail,
            format!(
                "{} full-time locals in {scope} allow {capacity} imported workers at {}:1; {used} are used, so only {places} of {} requested fit.",
                input.full_time_locals, input.locals_per_imported, input.places_requested
            ),
        )
    };
    result(
        RATIO,
        1,
        input,
        outcome,
        reason,
        serde_json::to_value(out).unwrap_or_default(),
    )
}

/// Places the ratio allows for this input (the `places` of its output).
pub fn places_allowed(input: &RatioInput) -> u32 {
    position(input).places
}

/// Where the ratio is counted: across the enterprise, or in one designated category's posts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Counted {
    Enterprise,
    Post(String),
}

/// What the ratio counts for one employer on one day (R-RAT-1..3): its latest headcount return and
/// how its places use capacity. One builder of [`RatioInput`] for the decision, the quota, naming
/// and compliance, so they cannot count differently.
#[derive(Debug, Clone, PartialEq)]
pub struct RatioCounts {
    pub headcount: Option<HeadcountReturn>,
    pub places: PlacesInUse,
}

impl RatioCounts {
    /// Full-time locals in the scope, as the latest return declares them.
    pub fn full_time_locals(&self, counted: &Counted) -> u32 {
        match (counted, &self.headcount) {
            (_, None) => 0,
            (Counted::Enterprise, Some(h)) => h.full_time_locals,
            (Counted::Post(post), Some(h)) => h.locals_in(post),
        }
    }

    /// Imported workers in post in the scope: the more of what the return declares and what the
    /// service has recorded (a worker the return already counts is not counted twice).
    pub fn imported_in_post(&self, counted: &Counted) -> u32 {
        let (declared, category) = match (counted, &self.headcount) {
            (Counted::Enterprise, h) => (h.as_ref().map_or(0, |h| h.imported_workers), None),
            (Counted::Post(post), h) => (h.as_ref().map_or(0, |h| h.imported_in(post)), Some(post.as_str())),
        };
        declared.max(self.places.in_post(category))
    }

    /// Places approved in the scope still waiting for their worker.
    pub fn pending(&self, counted: &Counted) -> u32 {
        match counted {
            Counted::Enterprise => self.places.pending(None),
            Counted::Post(post) => self.places.pending(Some(post)),
        }
    }

    /// The ratio's input for `requested` more places in the scope, at `locals_per_imported`, with
    /// `taken_now` places already given to earlier vacancies of the same decision.
    pub fn input(&self, counted: &Counted, locals_per_imported: u32, requested: u32, taken_now: u32) -> RatioInput {
        let (scope, post) = match counted {
            Counted::Enterprise => (RatioScope::Enterprise, None),
            Counted::Post(post) => (RatioScope::PerPost, Some(post.clone())),
        };
        RatioInput {
            scope,
            post,
            locals_per_imported,
            full_time_locals: self.full_time_locals(counted),
            imported_in_post: self.imported_in_post(counted),
            places_already_approved: self.pending(counted).saturating_add(taken_now),
            places_requested: requested,
            headcount_return_id: self.headcount.as_ref().map(|h| h.id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn input(locals: u32, imported: u32, approved: u32, requested: u32) -> RatioInput {
        RatioInput {
            scope: RatioScope::Enterprise,
            post: None,
            locals_per_imported: 2,
            full_time_locals: locals,
            imported_in_post: imported,
            places_already_approved: approved,
            places_requested: requested,
            headcount_return_id: None,
        }
    }

    #[test]
    fn exactly_two_to_one_passes_and_one_local_short_caps() {
        assert_eq!(ratio(&input(4, 0, 0, 2)).outcome, Outcome::Pass);
        let short = ratio(&input(3, 0, 0, 2));
        assert_eq!(short.outcome, Outcome::Fail);
        assert_eq!(short.output["places"], 1);
    }

    #[test]
    fn workers_in_post_and_approved_places_use_capacity_first() {
        assert_eq!(places_allowed(&input(10, 2, 1, 5)), 2);
        assert_eq!(places_allowed(&input(10, 5, 0, 5)), 0);
        assert_eq!(
            places_allowed(&input(10, 6, 3, 5)),
            0,
            "over capacity already: nothing, never negative"
        );
    }

    #[test]
    fn no_locals_allow_nothing_and_a_zero_ratio_allows_nothing() {
        assert_eq!(places_allowed(&input(0, 0, 0, 1)), 0);
        let mut i = input(10, 0, 0, 1);
        i.locals_per_imported = 0;
        assert_eq!(places_allowed(&i), 0);
    }

    fn counts(locals: u32, declared_imported: u32, in_post: usize, pending: usize) -> RatioCounts {
        use crate::domain::casework::HeadcountReturn;
        use crate::domain::worker::{Place, PlaceRecord, PlaceState};
        let headcount = HeadcountReturn {
            id: uuid::Uuid::nil(),
            employer_id: crate::domain::EmployerId(uuid::Uuid::nil()),
            as_of: "2026-03-01".parse().unwrap(),
            full_time_locals: locals,
            full_time_locals_per_post: [("WAITER".to_owned(), locals / 2)].into(),
            imported_workers: declared_imported,
            imported_per_post: Default::default(),
            evidence_ref: String::new(),
            filed_by: String::new(),
            created_at: chrono::Utc::now(),
        };
        let place = |state: PlaceState, category: Option<&str>| PlaceRecord {
            place: Place {
                id: uuid::Uuid::new_v4(),
                application_id: crate::domain::ApplicationId::new(),
                vacancy_id: crate::domain::VacancyId::new(),
                employer_id: crate::domain::EmployerId(uuid::Uuid::nil()),
                place_no: 1,
                aip_deadline: "2026-12-31".parse().unwrap(),
                aip_deadline_policy_id: None,
                stored_state: state,
                replacement_allowed: true,
                created_at: chrono::Utc::now(),
                updated_at: chrono::Utc::now(),
            },
            post_title: String::new(),
            post_code: None,
            designated_category_code: category.map(str::to_owned),
            worker: None,
        };
        let mut records = Vec::new();
        records.extend((0..in_post).map(|_| place(PlaceState::Arrived, Some("WAITER"))));
        records.extend((0..pending).map(|_| place(PlaceState::Allocated, None)));
        RatioCounts {
            headcount: Some(headcount),
            places: PlacesInUse::of(&records, "2026-03-02".parse().unwrap()),
        }
    }

    #[test]
    fn a_worker_the_return_already_declares_is_not_counted_twice() {
        // The return declares 3 imported workers; the service has 2 in post: 3 are in post, not 5.
        let c = counts(20, 3, 2, 1);
        let input = c.input(&Counted::Enterprise, 2, 4, 0);
        assert_eq!(input.imported_in_post, 3);
        assert_eq!(input.places_already_approved, 1);
        assert_eq!(position(&input).allowed, 10 - 3 - 1);
        // More in post than declared: the service's count stands.
        assert_eq!(counts(20, 1, 2, 0).imported_in_post(&Counted::Enterprise), 2);
    }

    #[test]
    fn a_post_counted_separately_uses_its_own_locals_workers_and_places() {
        let c = counts(20, 0, 2, 3);
        let waiters = c.input(&Counted::Post("WAITER".into()), 3, 1, 1);
        assert_eq!(
            (
                waiters.scope,
                waiters.full_time_locals,
                waiters.imported_in_post,
                waiters.places_already_approved
            ),
            (RatioScope::PerPost, 10, 2, 1),
            "ten waiter locals, two waiters in post, and one place taken earlier in the same decision"
        );
        assert_eq!(position(&waiters).capacity, 3);
        assert_eq!(c.full_time_locals(&Counted::Post("COOK".into())), 0);
        let none = RatioCounts {
            headcount: None,
            places: PlacesInUse::default(),
        };
        assert_eq!(position(&none.input(&Counted::Enterprise, 2, 1, 0)).capacity, 0);
    }

    proptest! {
        #[test]
        fn places_never_break_the_ratio_never_exceed_the_request_and_are_maximal(
            locals in 0u32..500, imported in 0u32..200, approved in 0u32..200, requested in 0u32..100, r in 1u32..5,
        ) {
            let mut i = input(locals, imported, approved, requested);
            i.locals_per_imported = r;
            let result = ratio(&i);
            let places = result.output["places"].as_u64().unwrap() as u32;
            prop_assert!(places <= requested);
            if places > 0 {
                prop_assert!(locals >= r * (imported + approved + places));
            }
            if places < requested {
                prop_assert!(locals < r * (imported + approved + places + 1));
            }
            prop_assert_eq!(result.passed(), places == requested);
            prop_assert_eq!(places, places_allowed(&i));
        }
    }
}
