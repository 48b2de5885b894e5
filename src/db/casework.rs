//! The records a case collects on its way: information requests, recruitment (adverts, referrals,
//! job fairs), headcount returns, sanctions and decision records.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use super::schema::{
    decision_records, headcount_returns, info_requests, job_fair_attendances, recruitment_adverts,
    recruitment_referrals, sanctions,
};
use crate::domain::{ApplicationId, EmployerId};

// ---- information requests ----

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = info_requests)]
pub struct InfoRequest {
    pub id: Uuid,
    pub application_id: Uuid,
    pub message: String,
    pub requested_on: NaiveDate,
    pub due_on: NaiveDate,
    pub requested_by: String,
    pub response: Option<String>,
    pub responded_on: Option<NaiveDate>,
    pub responded_by: Option<String>,
}

pub async fn insert_info_request(conn: &mut AsyncPgConnection, request: &InfoRequest) -> QueryResult<()> {
    diesel::insert_into(info_requests::table)
        .values(request)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Answers the open request; `NotFound` when none is open.
pub async fn answer_info_request(
    conn: &mut AsyncPgConnection,
    application: ApplicationId,
    response: &str,
    on: NaiveDate,
    by: &str,
) -> QueryResult<()> {
    let open: Uuid = info_requests::table
        .filter(
            info_requests::application_id
                .eq(application.0)
                .and(info_requests::responded_on.is_null()),
        )
        .order(info_requests::requested_on.desc())
        .select(info_requests::id)
        .first(conn)
        .await?;
    diesel::update(info_requests::table.find(open))
        .set((
            info_requests::response.eq(response),
            info_requests::responded_on.eq(on),
            info_requests::responded_by.eq(by),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn info_requests_of(
    conn: &mut AsyncPgConnection,
    application: ApplicationId,
) -> QueryResult<Vec<InfoRequest>> {
    info_requests::table
        .filter(info_requests::application_id.eq(application.0))
        .order(info_requests::requested_on)
        .select(InfoRequest::as_select())
        .load(conn)
        .await
}

// ---- recruitment ----

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = recruitment_adverts)]
pub struct Advert {
    pub id: Uuid,
    pub application_id: Uuid,
    pub vacancy_id: Uuid,
    pub newspaper: String,
    pub published_on: NaiveDate,
    pub reference: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = recruitment_referrals)]
pub struct Referral {
    pub id: Uuid,
    pub application_id: Uuid,
    pub vacancy_id: Uuid,
    pub source: String,
    pub job_seeker_ref: String,
    pub referred_on: NaiveDate,
    pub referred_by: String,
    pub outcome: Option<String>,
    pub outcome_reason: Option<String>,
    pub meets_requirements: Option<bool>,
    pub interview_on: Option<NaiveDate>,
    pub outcome_recorded_by: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = job_fair_attendances)]
pub struct JobFairAttendance {
    pub id: Uuid,
    pub application_id: Uuid,
    pub vacancy_id: Uuid,
    pub week_no: i32,
    pub session_on: NaiveDate,
    pub centre: String,
    pub attended: bool,
    pub recorded_by: String,
}

pub async fn insert_advert(conn: &mut AsyncPgConnection, advert: &Advert) -> QueryResult<()> {
    diesel::insert_into(recruitment_adverts::table)
        .values(advert)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn insert_referral(conn: &mut AsyncPgConnection, referral: &Referral) -> QueryResult<()> {
    diesel::insert_into(recruitment_referrals::table)
        .values(referral)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn insert_job_fair(conn: &mut AsyncPgConnection, attendance: &JobFairAttendance) -> QueryResult<()> {
    diesel::insert_into(job_fair_attendances::table)
        .values(attendance)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The employer's account of how a referral ended.
#[derive(Debug, Clone)]
pub struct OutcomeUpdate<'a> {
    pub outcome: &'a str,
    pub reason: Option<&'a str>,
    pub meets_requirements: Option<bool>,
    pub interview_on: Option<NaiveDate>,
    pub recorded_by: &'a str,
}

/// Records the outcome of one referral of this application; `NotFound` otherwise.
pub async fn record_outcome(
    conn: &mut AsyncPgConnection,
    application: ApplicationId,
    referral: Uuid,
    update: &OutcomeUpdate<'_>,
) -> QueryResult<Referral> {
    diesel::update(
        recruitment_referrals::table.filter(
            recruitment_referrals::id
                .eq(referral)
                .and(recruitment_referrals::application_id.eq(application.0)),
        ),
    )
    .set((
        recruitment_referrals::outcome.eq(update.outcome),
        recruitment_referrals::outcome_reason.eq(update.reason),
        recruitment_referrals::meets_requirements.eq(update.meets_requirements),
        recruitment_referrals::interview_on.eq(update.interview_on),
        recruitment_referrals::outcome_recorded_by.eq(update.recorded_by),
    ))
    .returning(Referral::as_returning())
    .get_result(conn)
    .await
}

/// Everything recorded in an application's local recruitment.
#[derive(Debug, Clone, Default)]
pub struct RecruitmentRecords {
    pub adverts: Vec<Advert>,
    pub referrals: Vec<Referral>,
    pub job_fairs: Vec<JobFairAttendance>,
}

pub async fn recruitment_of(
    conn: &mut AsyncPgConnection,
    application: ApplicationId,
) -> QueryResult<RecruitmentRecords> {
    let adverts = recruitment_adverts::table
        .filter(recruitment_adverts::application_id.eq(application.0))
        .order(recruitment_adverts::published_on)
        .select(Advert::as_select())
        .load(conn)
        .await?;
    let referrals = recruitment_referrals::table
        .filter(recruitment_referrals::application_id.eq(application.0))
        .order((
            recruitment_referrals::referred_on,
            recruitment_referrals::job_seeker_ref,
        ))
        .select(Referral::as_select())
        .load(conn)
        .await?;
    let job_fairs = job_fair_attendances::table
        .filter(job_fair_attendances::application_id.eq(application.0))
        .order((job_fair_attendances::week_no, job_fair_attendances::session_on))
        .select(JobFairAttendance::as_select())
        .load(conn)
        .await?;
    Ok(RecruitmentRecords {
        adverts,
        referrals,
        job_fairs,
    })
}

// ---- headcount returns ----

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = headcount_returns)]
pub struct HeadcountReturn {
    pub id: Uuid,
    pub employer_id: Uuid,
    pub as_of: NaiveDate,
    pub full_time_locals: i32,
    pub full_time_locals_per_post: Value,
    pub imported_workers: i32,
    pub imported_per_post: Value,
    pub evidence_ref: String,
    pub filed_by: String,
    pub created_at: DateTime<Utc>,
}

impl HeadcountReturn {
    /// Full-time locals in a post, as declared (0 when the return does not break it out).
    pub fn locals_in(&self, post: &str) -> u32 {
        count_in(&self.full_time_locals_per_post, post)
    }

    /// Imported workers in a post, as declared (0 when the return does not break it out).
    pub fn imported_in(&self, post: &str) -> u32 {
        count_in(&self.imported_per_post, post)
    }
}

fn count_in(per_post: &Value, post: &str) -> u32 {
    per_post
        .get(post)
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(0)
}

pub async fn insert_headcount_return(conn: &mut AsyncPgConnection, r: &HeadcountReturn) -> QueryResult<()> {
    diesel::insert_into(headcount_returns::table)
        .values(r)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn headcount_returns_of(
    conn: &mut AsyncPgConnection,
    employer: EmployerId,
) -> QueryResult<Vec<HeadcountReturn>> {
    headcount_returns::table
        .filter(headcount_returns::employer_id.eq(employer.0))
        .order((headcount_returns::as_of.desc(), headcount_returns::created_at.desc()))
        .select(HeadcountReturn::as_select())
        .load(conn)
        .await
}

/// The latest return as of `on` (the last filed for the latest date).
pub async fn latest_headcount_return(
    conn: &mut AsyncPgConnection,
    employer: EmployerId,
    on: NaiveDate,
) -> QueryResult<Option<HeadcountReturn>> {
    headcount_returns::table
        .filter(
            headcount_returns::employer_id
                .eq(employer.0)
                .and(headcount_returns::as_of.le(on)),
        )
        .order((headcount_returns::as_of.desc(), headcount_returns::created_at.desc()))
        .select(HeadcountReturn::as_select())
        .first(conn)
        .await
        .optional()
}

// ---- sanctions ----

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sanctions)]
pub struct Sanction {
    pub id: Uuid,
    pub employer_id: Uuid,
    pub bar_from: NaiveDate,
    pub bar_until: NaiveDate,
    pub reason: String,
    pub imposed_by: String,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_sanction(conn: &mut AsyncPgConnection, s: &Sanction) -> QueryResult<()> {
    diesel::insert_into(sanctions::table)
        .values(s)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn sanctions_of(conn: &mut AsyncPgConnection, employer: EmployerId) -> QueryResult<Vec<Sanction>> {
    sanctions::table
        .filter(sanctions::employer_id.eq(employer.0))
        .order(sanctions::bar_from)
        .select(Sanction::as_select())
        .load(conn)
        .await
}

// ---- decision records ----

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = decision_records)]
pub struct DecisionRecord {
    pub id: Uuid,
    pub application_id: Uuid,
    pub kind: String,
    pub evaluated_on: NaiveDate,
    pub evaluated_by: String,
    pub outcome: Option<String>,
    pub reason_codes: Vec<Option<String>>,
    pub places: Value,
    pub results: Value,
    pub recommended_by: Option<String>,
    pub decided_by: Option<String>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_decision_record(conn: &mut AsyncPgConnection, record: &DecisionRecord) -> QueryResult<()> {
    diesel::insert_into(decision_records::table)
        .values(record)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Every record of the application, oldest first.
pub async fn decision_records_of(
    conn: &mut AsyncPgConnection,
    application: ApplicationId,
) -> QueryResult<Vec<DecisionRecord>> {
    decision_records::table
        .filter(decision_records::application_id.eq(application.0))
        .order(decision_records::created_at)
        .select(DecisionRecord::as_select())
        .load(conn)
        .await
}
