//! LAB consultations, members' views and the public holidays their windows skip.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use super::schema::{consultations, lab_views, public_holidays};
use crate::domain::consultation::{Package, Stance, Verdict, View};

/// A consultation as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Consultation {
    pub application_id: Uuid,
    pub opened_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub working_days: u32,
    pub package: Package,
    /// The policy values the window and the verdict used (key, value, id).
    pub policy_used: Value,
    pub closed_on: Option<NaiveDate>,
    pub verdict: Option<Verdict>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = consultations)]
struct ConsultationRow {
    application_id: Uuid,
    opened_on: NaiveDate,
    closes_on: NaiveDate,
    working_days: i32,
    package: Value,
    policy_used: Value,
    closed_on: Option<NaiveDate>,
    outcome: Option<String>,
    routed_to: Option<String>,
    tally: Option<Value>,
}

impl TryFrom<ConsultationRow> for Consultation {
    type Error = diesel::result::Error;

    fn try_from(r: ConsultationRow) -> QueryResult<Self> {
        let verdict = match (r.outcome, r.routed_to, r.tally) {
            (Some(outcome), Some(routed_to), Some(tally)) => Some(Verdict {
                outcome: super::parse_enum(&outcome)?,
                routed_to: super::parse_enum(&routed_to)?,
                tally: super::from_json(tally)?,
            }),
            _ => None,
        };
        Ok(Self {
            application_id: r.application_id,
            opened_on: r.opened_on,
            closes_on: r.closes_on,
            working_days: r.working_days.max(0) as u32,
            package: super::from_json(r.package)?,
            policy_used: r.policy_used,
            closed_on: r.closed_on,
            verdict,
        })
    }
}

/// The holidays between two dates, inclusive.
pub async fn holidays_between(
    conn: &mut AsyncPgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<BTreeSet<NaiveDate>> {
    let days: Vec<NaiveDate> = public_holidays::table
        .filter(public_holidays::day.between(from, to))
        .select(public_holidays::day)
        .load(conn)
        .await?;
    Ok(days.into_iter().collect())
}

/// Every listed holiday, by date.
pub async fn holidays(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(NaiveDate, String)>> {
    public_holidays::table
        .order(public_holidays::day)
        .select((public_holidays::day, public_holidays::name))
        .load(conn)
        .await
}

pub async fn insert_holiday(conn: &mut AsyncPgConnection, day: NaiveDate, name: &str, by: &str) -> QueryResult<()> {
    diesel::insert_into(public_holidays::table)
        .values((
            public_holidays::day.eq(day),
            public_holidays::name.eq(name),
            public_holidays::created_by.eq(by),
        ))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn insert(conn: &mut AsyncPgConnection, c: &Consultation) -> QueryResult<()> {
    diesel::insert_into(consultations::table)
        .values((
            consultations::application_id.eq(c.application_id),
            consultations::opened_on.eq(c.opened_on),
            consultations::closes_on.eq(c.closes_on),
            consultations::working_days.eq(c.working_days as i32),
            consultations::package.eq(super::to_json(&c.package)?),
            consultations::policy_used.eq(&c.policy_used),
        ))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn get(conn: &mut AsyncPgConnection, application: Uuid) -> QueryResult<Option<Consultation>> {
    let row: Option<ConsultationRow> = consultations::table
        .find(application)
        .select(ConsultationRow::as_select())
        .first(conn)
        .await
        .optional()?;
    row.map(Consultation::try_from).transpose()
}

/// Records the verdict of an open consultation; false when it was already closed.
pub async fn close(
    conn: &mut AsyncPgConnection,
    application: Uuid,
    on: NaiveDate,
    verdict: &Verdict,
) -> QueryResult<bool> {
    let outcome = super::to_json(&verdict.outcome)?.as_str().map(str::to_owned);
    let routed_to = super::to_json(&verdict.routed_to)?.as_str().map(str::to_owned);
    let closed = diesel::update(
        consultations::table
            .find(application)
            .filter(consultations::closed_on.is_null()),
    )
    .set((
        consultations::closed_on.eq(on),
        consultations::outcome.eq(outcome),
        consultations::routed_to.eq(routed_to),
        consultations::tally.eq(super::to_json(&verdict.tally)?),
    ))
    .execute(conn)
    .await?;
    Ok(closed == 1)
}

/// Open consultations of cases still under consultation whose window ended before `today`, oldest
/// first (a case withdrawn or terminated meanwhile has nothing left to conclude).
pub async fn window_ended(
    conn: &mut AsyncPgConnection,
    today: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<(Uuid, NaiveDate)>> {
    consultations::table
        .inner_join(super::schema::applications::table)
        .filter(super::schema::applications::status.eq("LAB_CONSULTATION"))
        .filter(consultations::closed_on.is_null())
        .filter(consultations::closes_on.lt(today))
        .order((consultations::closes_on, consultations::application_id))
        .select((consultations::application_id, consultations::closes_on))
        .limit(limit)
        .load(conn)
        .await
}

/// Cases under consultation whose window is open, for LAB members: newest first.
pub async fn open(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Consultation>> {
    let rows: Vec<ConsultationRow> = consultations::table
        .inner_join(super::schema::applications::table)
        .filter(consultations::closed_on.is_null())
        .filter(super::schema::applications::status.eq("LAB_CONSULTATION"))
        .order(consultations::opened_on.desc())
        .select(ConsultationRow::as_select())
        .load(conn)
        .await?;
    rows.into_iter().map(Consultation::try_from).collect()
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = lab_views)]
struct ViewRow {
    id: Uuid,
    member: String,
    stance: String,
    comment: Option<String>,
    recorded_on: NaiveDate,
    #[allow(dead_code)]
    recorded_at: DateTime<Utc>,
}

impl TryFrom<ViewRow> for View {
    type Error = diesel::result::Error;

    fn try_from(r: ViewRow) -> QueryResult<Self> {
        Ok(Self {
            id: r.id,
            member: r.member,
            stance: Stance::parse(&r.stance)
                .ok_or_else(|| diesel::result::Error::DeserializationError("unknown stance".into()))?,
            comment: r.comment,
            recorded_on: r.recorded_on,
        })
    }
}

pub async fn insert_view(conn: &mut AsyncPgConnection, application: Uuid, v: &View) -> QueryResult<()> {
    diesel::insert_into(lab_views::table)
        .values((
            lab_views::id.eq(v.id),
            lab_views::application_id.eq(application),
            lab_views::member.eq(&v.member),
            lab_views::stance.eq(v.stance.as_str()),
            lab_views::comment.eq(v.comment.as_deref()),
            lab_views::recorded_on.eq(v.recorded_on),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// The views recorded on a case, in the order they came.
pub async fn views(conn: &mut AsyncPgConnection, application: Uuid) -> QueryResult<Vec<View>> {
    let rows: Vec<ViewRow> = lab_views::table
        .filter(lab_views::application_id.eq(application))
        .order((lab_views::recorded_at, lab_views::id))
        .select(ViewRow::as_select())
        .load(conn)
        .await?;
    rows.into_iter().map(View::try_from).collect()
}
