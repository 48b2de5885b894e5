//! The manning ratio's inputs, built in one place for every question the ratio answers: the decision
//! (places per vacancy), naming a worker (is the place still covered), the quota (what is still
//! allowed) and compliance (is the ratio still met). All of them count the same way
//! ([`RatioCounts`]) and take the ratio for a post the same way ([`scope_for`]).

use chrono::NaiveDate;
use uuid::Uuid;

use super::error::Result;
use crate::db::workers::{self, Places};
use crate::db::{Conn, casework};
use crate::domain::compliance::{Obligation, ratio_obligation};
use crate::domain::policy::{PolicyRef, PolicySet, keys};
use crate::domain::reference::JobCategory;
use crate::domain::rules::ratio::{self, Counted, RatioCounts, RatioScope};
use crate::domain::worker::{PlaceRecord, PlacesInUse};
use crate::domain::{ApplicationId, EmployerId};

/// How the ratio is counted for a post on a day, and at what ratio.
#[derive(Debug, Clone, PartialEq)]
pub struct ScopedRatio {
    pub counted: Counted,
    /// Full-time locals per imported worker.
    pub locals_per_imported: u32,
    /// The policy rows both came from.
    pub sources: Vec<PolicyRef>,
}

/// Per post, with that post's own ratio, where policy `ratio_scope` counts the category per post on
/// `on`; otherwise across the enterprise, with the enterprise's ratio. (A ratio scoped to a category
/// applies where that category is counted per post.)
pub fn scope_for(policy: &PolicySet, category: Option<&str>, on: NaiveDate) -> Result<ScopedRatio> {
    let scope = policy.get::<RatioScope>(keys::RATIO_SCOPE, category, on)?;
    let counted = match (scope.value, category) {
        (RatioScope::PerPost, Some(post)) => Counted::Post(post.to_owned()),
        _ => Counted::Enterprise,
    };
    let ratio_scope = match &counted {
        Counted::Post(post) => Some(post.as_str()),
        Counted::Enterprise => None,
    };
    let ratio = policy.get::<u32>(keys::RATIO_LOCAL_PER_IMPORTED, ratio_scope, on)?;
    Ok(ScopedRatio {
        counted,
        locals_per_imported: ratio.value,
        sources: vec![ratio.source, scope.source],
    })
}

/// Which of the employer's places the counts leave out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leaving {
    Nothing,
    /// The case being decided: its own places are what the decision grants.
    Application(ApplicationId),
    /// The place being filled: the question is whether it is still covered.
    Place(Uuid),
}

impl Leaving {
    fn keeps(self, record: &PlaceRecord) -> bool {
        match self {
            Self::Nothing => true,
            Self::Application(id) => record.place.application_id != id,
            Self::Place(id) => record.place.id != id,
        }
    }
}

/// What the ratio counts for `employer` on `on`: its latest headcount return then, and its places.
pub async fn counts(conn: &mut Conn, employer: EmployerId, leaving: Leaving, on: NaiveDate) -> Result<RatioCounts> {
    let records = workers::load(conn, Places::OfEmployer(employer)).await?;
    counts_of(conn, employer, &records, leaving, on).await
}

/// As [`counts`], over places already loaded (`records`: all the employer's places).
pub async fn counts_of(
    conn: &mut Conn,
    employer: EmployerId,
    records: &[PlaceRecord],
    leaving: Leaving,
    on: NaiveDate,
) -> Result<RatioCounts> {
    Ok(RatioCounts {
        headcount: casework::latest_headcount_return(conn, employer, on).await?,
        places: PlacesInUse::of(records.iter().filter(|r| leaving.keeps(r)), on),
    })
}

/// The ratio position in one scope: what `/quota` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub counted: Counted,
    pub locals_per_imported: u32,
    pub full_time_locals: u32,
    /// Imported workers in post: the more of the return's figure and the workers recorded as arrived.
    pub imported_workers: u32,
    /// Places approved still waiting for their worker.
    pub places_approved: u32,
    /// Imported workers the ratio allows in the scope.
    pub capacity: u32,
    /// Places the ratio still allows.
    pub places_still_allowed: u32,
}

impl Position {
    fn of(counts: &RatioCounts, scoped: &ScopedRatio) -> Self {
        let input = counts.input(&scoped.counted, scoped.locals_per_imported, 0, 0);
        let out = ratio::position(&input);
        Self {
            counted: scoped.counted.clone(),
            locals_per_imported: scoped.locals_per_imported,
            full_time_locals: input.full_time_locals,
            imported_workers: input.imported_in_post,
            places_approved: input.places_already_approved,
            capacity: out.capacity,
            places_still_allowed: out.allowed,
        }
    }
}

/// The employer's ratio position on a day, enterprise-wide and for every post counted separately.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quota {
    pub employer: EmployerId,
    pub on: NaiveDate,
    pub headcount_return_id: Option<Uuid>,
    pub enterprise: Position,
    pub per_post: Vec<Position>,
}

/// The quota from the counts: the enterprise at its ratio, and each category policy counts per post on
/// `on`, at that post's ratio.
pub fn quota(
    policy: &PolicySet,
    employer: EmployerId,
    counts: &RatioCounts,
    categories: &[JobCategory],
    on: NaiveDate,
) -> Result<Quota> {
    let enterprise = scope_for(policy, None, on)?;
    let mut per_post = Vec::new();
    for category in categories {
        let scoped = scope_for(policy, Some(&category.code), on)?;
        if scoped.counted != Counted::Enterprise {
            per_post.push(Position::of(counts, &scoped));
        }
    }
    Ok(Quota {
        employer,
        on,
        headcount_return_id: counts.headcount.as_ref().map(|h| h.id),
        enterprise: Position::of(counts, &enterprise),
        per_post,
    })
}

/// R-RAT-1 after approval: the latest headcount return against the imported workers in post,
/// enterprise-wide and for each post counted separately that has workers in post. Nothing when no
/// return was filed.
pub fn obligations(policy: &PolicySet, counts: &RatioCounts, on: NaiveDate) -> Result<Vec<Obligation>> {
    let Some(headcount) = &counts.headcount else {
        return Ok(Vec::new());
    };
    let mut scopes = vec![scope_for(policy, None, on)?];
    for category in counts.places.categories_in_post() {
        let scoped = scope_for(policy, Some(category), on)?;
        if scoped.counted != Counted::Enterprise {
            scopes.push(scoped);
        }
    }
    Ok(scopes
        .iter()
        .filter_map(|scoped| {
            let label = match &scoped.counted {
                Counted::Enterprise => "the enterprise".to_owned(),
                Counted::Post(post) => format!("{post} posts"),
            };
            ratio_obligation(
                &label,
                counts.full_time_locals(&scoped.counted),
                counts.imported_in_post(&scoped.counted),
                scoped.locals_per_imported,
                headcount.as_of,
            )
        })
        .collect())
}
