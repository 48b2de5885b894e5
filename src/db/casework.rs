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
use super::{enum_text, from_json, int, parse_enum, to_json, unsigned};
use crate::domain::casework::{
    Advert, DecisionRecord, HeadcountReturn, InfoRequest, JobFairAttendance, RecruitmentRecords, Referral,
    ReferralOutcome, Sanction,
};
use crate::domain::inspection::SanctionKind;
use crate::domain::{ApplicationId, EmployerId, VacancyId};

// ---- information requests ----

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = info_requests)]
struct InfoRequestRow {
    id: Uuid,
    application_id: Uuid,
    message: String,
    requested_on: NaiveDate,
    due_on: NaiveDate,
    requested_by: String,
    response: Option<String>,
    responded_on: Option<NaiveDate>,
    responded_by: Option<String>,
}

impl From<InfoRequestRow> for InfoRequest {
    fn from(r: InfoRequestRow) -> Self {
        Self {
            id: r.id,
            application_id: ApplicationId(r.application_id),
            message: r.message,
            requested_on: r.requested_on,
            due_on: r.due_on,
            requested_by: r.requested_by,
            response: r.response,
            responded_on: r.responded_on,
            responded_by: r.responded_by,
        }
    }
}

pub async fn insert_info_request(conn: &mut AsyncPgConnection, request: &InfoRequest) -> QueryResult<()> {
    diesel::insert_into(info_requests::table)
        .values(InfoRequestRow {
            id: request.id,
            application_id: request.application_id.0,
            message: request.message.clone(),
            requested_on: request.requested_on,
            due_on: request.due_on,
            requested_by: request.requested_by.clone(),
            response: request.response.clone(),
            responded_on: request.responded_on,
            responded_by: request.responded_by.clone(),
        })
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
    let rows: Vec<InfoRequestRow> = info_requests::table
        .filter(info_requests::application_id.eq(application.0))
        .order(info_requests::requested_on)
        .select(InfoRequestRow::as_select())
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

// ---- recruitment ----

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = recruitment_adverts)]
struct AdvertRow {
    id: Uuid,
    application_id: Uuid,
    vacancy_id: Uuid,
    newspaper: String,
    published_on: NaiveDate,
    reference: Option<String>,
    recorded_by: String,
    recorded_at: DateTime<Utc>,
}

impl From<AdvertRow> for Advert {
    fn from(r: AdvertRow) -> Self {
        Self {
            id: r.id,
            application_id: ApplicationId(r.application_id),
            vacancy_id: VacancyId(r.vacancy_id),
            newspaper: r.newspaper,
            published_on: r.published_on,
            reference: r.reference,
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
        }
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = recruitment_referrals)]
struct ReferralRow {
    id: Uuid,
    application_id: Uuid,
    vacancy_id: Uuid,
    source: String,
    job_seeker_ref: String,
    referred_on: NaiveDate,
    referred_by: String,
    outcome: Option<String>,
    outcome_reason: Option<String>,
    meets_requirements: Option<bool>,
    interview_on: Option<NaiveDate>,
    outcome_recorded_by: Option<String>,
}

impl TryFrom<ReferralRow> for Referral {
    type Error = diesel::result::Error;

    fn try_from(r: ReferralRow) -> QueryResult<Self> {
        Ok(Self {
            id: r.id,
            application_id: ApplicationId(r.application_id),
            vacancy_id: VacancyId(r.vacancy_id),
            source: parse_enum(&r.source)?,
            job_seeker_ref: r.job_seeker_ref,
            referred_on: r.referred_on,
            referred_by: r.referred_by,
            outcome: r.outcome.as_deref().map(parse_enum).transpose()?,
            outcome_reason: r.outcome_reason,
            meets_requirements: r.meets_requirements,
            interview_on: r.interview_on,
            outcome_recorded_by: r.outcome_recorded_by,
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = job_fair_attendances)]
struct JobFairRow {
    id: Uuid,
    application_id: Uuid,
    vacancy_id: Uuid,
    week_no: i32,
    session_on: NaiveDate,
    centre: String,
    attended: bool,
    recorded_by: String,
}

impl From<JobFairRow> for JobFairAttendance {
    fn from(r: JobFairRow) -> Self {
        Self {
            id: r.id,
            application_id: ApplicationId(r.application_id),
            vacancy_id: VacancyId(r.vacancy_id),
            week_no: unsigned(r.week_no),
            session_on: r.session_on,
            centre: r.centre,
            attended: r.attended,
            recorded_by: r.recorded_by,
        }
    }
}

pub async fn insert_advert(conn: &mut AsyncPgConnection, a: &Advert) -> QueryResult<()> {
    diesel::insert_into(recruitment_adverts::table)
        .values(AdvertRow {
            id: a.id,
            application_id: a.application_id.0,
            vacancy_id: a.vacancy_id.0,
            newspaper: a.newspaper.clone(),
            published_on: a.published_on,
            reference: a.reference.clone(),
            recorded_by: a.recorded_by.clone(),
            recorded_at: a.recorded_at,
        })
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn insert_referral(conn: &mut AsyncPgConnection, r: &Referral) -> QueryResult<()> {
    diesel::insert_into(recruitment_referrals::table)
        .values(ReferralRow {
            id: r.id,
            application_id: r.application_id.0,
            vacancy_id: r.vacancy_id.0,
            source: enum_text(&r.source),
            job_seeker_ref: r.job_seeker_ref.clone(),
            referred_on: r.referred_on,
            referred_by: r.referred_by.clone(),
            outcome: r.outcome.as_ref().map(enum_text),
            outcome_reason: r.outcome_reason.clone(),
            meets_requirements: r.meets_requirements,
            interview_on: r.interview_on,
            outcome_recorded_by: r.outcome_recorded_by.clone(),
        })
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn insert_job_fair(conn: &mut AsyncPgConnection, j: &JobFairAttendance) -> QueryResult<()> {
    diesel::insert_into(job_fair_attendances::table)
        .values(JobFairRow {
            id: j.id,
            application_id: j.application_id.0,
            vacancy_id: j.vacancy_id.0,
            week_no: int(j.week_no),
            session_on: j.session_on,
            centre: j.centre.clone(),
            attended: j.attended,
            recorded_by: j.recorded_by.clone(),
        })
        .execute(conn)
        .await
        .map(|_| ())
}

/// Records the outcome of one referral of this application; `NotFound` otherwise.
pub async fn record_outcome(
    conn: &mut AsyncPgConnection,
    application: ApplicationId,
    referral: Uuid,
    outcome: &ReferralOutcome,
    recorded_by: &str,
) -> QueryResult<Referral> {
    let row: ReferralRow = diesel::update(
        recruitment_referrals::table.filter(
            recruitment_referrals::id
                .eq(referral)
                .and(recruitment_referrals::application_id.eq(application.0)),
        ),
    )
    .set((
        recruitment_referrals::outcome.eq(enum_text(&outcome.outcome)),
        recruitment_referrals::outcome_reason.eq(outcome.reason.as_deref()),
        recruitment_referrals::meets_requirements.eq(outcome.meets_requirements),
        recruitment_referrals::interview_on.eq(outcome.interview_on),
        recruitment_referrals::outcome_recorded_by.eq(recorded_by),
    ))
    .returning(ReferralRow::as_returning())
    .get_result(conn)
    .await?;
    row.try_into()
}

pub async fn recruitment_of(
    conn: &mut AsyncPgConnection,
    application: ApplicationId,
) -> QueryResult<RecruitmentRecords> {
    let adverts: Vec<AdvertRow> = recruitment_adverts::table
        .filter(recruitment_adverts::application_id.eq(application.0))
        .order(recruitment_adverts::published_on)
        .select(AdvertRow::as_select())
        .load(conn)
        .await?;
    let referrals: Vec<ReferralRow> = recruitment_referrals::table
        .filter(recruitment_referrals::application_id.eq(application.0))
        .order((
            recruitment_referrals::referred_on,
            recruitment_referrals::job_seeker_ref,
        ))
        .select(ReferralRow::as_select())
        .load(conn)
        .await?;
    let job_fairs: Vec<JobFairRow> = job_fair_attendances::table
        .filter(job_fair_attendances::application_id.eq(application.0))
        .order((job_fair_attendances::week_no, job_fair_attendances::session_on))
        .select(JobFairRow::as_select())
        .load(conn)
        .await?;
    Ok(RecruitmentRecords {
        adverts: adverts.into_iter().map(Into::into).collect(),
        referrals: referrals
            .into_iter()
            .map(TryInto::try_into)
            .collect::<QueryResult<_>>()?,
        job_fairs: job_fairs.into_iter().map(Into::into).collect(),
    })
}

// ---- headcount returns ----

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = headcount_returns)]
struct HeadcountReturnRow {
    id: Uuid,
    employer_id: Uuid,
    as_of: NaiveDate,
    full_time_locals: i32,
    full_time_locals_per_post: Value,
    imported_workers: i32,
    imported_per_post: Value,
    evidence_ref: String,
    filed_by: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<HeadcountReturnRow> for HeadcountReturn {
    type Error = diesel::result::Error;

    fn try_from(r: HeadcountReturnRow) -> QueryResult<Self> {
        Ok(Self {
            id: r.id,
            employer_id: EmployerId(r.employer_id),
            as_of: r.as_of,
            full_time_locals: unsigned(r.full_time_locals),
            full_time_locals_per_post: from_json(r.full_time_locals_per_post)?,
            imported_workers: unsigned(r.imported_workers),
            imported_per_post: from_json(r.imported_per_post)?,
            evidence_ref: r.evidence_ref,
            filed_by: r.filed_by,
            created_at: r.created_at,
        })
    }
}

pub async fn insert_headcount_return(conn: &mut AsyncPgConnection, r: &HeadcountReturn) -> QueryResult<()> {
    diesel::insert_into(headcount_returns::table)
        .values(HeadcountReturnRow {
            id: r.id,
            employer_id: r.employer_id.0,
            as_of: r.as_of,
            full_time_locals: int(r.full_time_locals),
            full_time_locals_per_post: to_json(&r.full_time_locals_per_post)?,
            imported_workers: int(r.imported_workers),
            imported_per_post: to_json(&r.imported_per_post)?,
            evidence_ref: r.evidence_ref.clone(),
            filed_by: r.filed_by.clone(),
            created_at: r.created_at,
        })
        .execute(conn)
        .await
        .map(|_| ())
}

/// The employer's returns, newest first.
pub async fn headcount_returns_of(
    conn: &mut AsyncPgConnection,
    employer: EmployerId,
) -> QueryResult<Vec<HeadcountReturn>> {
    let rows: Vec<HeadcountReturnRow> = headcount_returns::table
        .filter(headcount_returns::employer_id.eq(employer.0))
        .order((headcount_returns::as_of.desc(), headcount_returns::created_at.desc()))
        .select(HeadcountReturnRow::as_select())
        .load(conn)
        .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// The latest return as of `on` (the last filed for the latest date).
/// One headcount return.
pub async fn headcount_return(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<HeadcountReturn>> {
    let row: Option<HeadcountReturnRow> = headcount_returns::table
        .find(id)
        .select(HeadcountReturnRow::as_select())
        .first(conn)
        .await
        .optional()?;
    row.map(HeadcountReturn::try_from).transpose()
}

pub async fn latest_headcount_return(
    conn: &mut AsyncPgConnection,
    employer: EmployerId,
    on: NaiveDate,
) -> QueryResult<Option<HeadcountReturn>> {
    let row: Option<HeadcountReturnRow> = headcount_returns::table
        .filter(
            headcount_returns::employer_id
                .eq(employer.0)
                .and(headcount_returns::as_of.le(on)),
        )
        .order((headcount_returns::as_of.desc(), headcount_returns::created_at.desc()))
        .select(HeadcountReturnRow::as_select())
        .first(conn)
        .await
        .optional()?;
    row.map(TryInto::try_into).transpose()
}

// ---- sanctions ----

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = sanctions)]
struct SanctionRow {
    id: Uuid,
    employer_id: Uuid,
    bar_from: NaiveDate,
    bar_until: NaiveDate,
    reason: String,
    imposed_by: String,
    created_at: DateTime<Utc>,
    kinds: Vec<String>,
    published: bool,
    application_ids: Vec<Uuid>,
    complaint_ids: Vec<Uuid>,
    inspection_ids: Vec<Uuid>,
}

impl TryFrom<SanctionRow> for Sanction {
    type Error = diesel::result::Error;

    fn try_from(r: SanctionRow) -> QueryResult<Self> {
        let kinds = r
            .kinds
            .iter()
            .map(|k| {
                SanctionKind::parse(k)
                    .ok_or_else(|| diesel::result::Error::DeserializationError("unknown sanction kind".into()))
            })
            .collect::<QueryResult<_>>()?;
        Ok(Self {
            id: r.id,
            employer_id: EmployerId(r.employer_id),
            bar_from: r.bar_from,
            bar_until: r.bar_until,
            reason: r.reason,
            imposed_by: r.imposed_by,
            created_at: r.created_at,
            kinds,
            published: r.published,
            application_ids: r.application_ids,
            complaint_ids: r.complaint_ids,
            inspection_ids: r.inspection_ids,
        })
    }
}

pub async fn insert_sanction(conn: &mut AsyncPgConnection, s: &Sanction) -> QueryResult<()> {
    diesel::insert_into(sanctions::table)
        .values(SanctionRow {
            id: s.id,
            employer_id: s.employer_id.0,
            bar_from: s.bar_from,
            bar_until: s.bar_until,
            reason: s.reason.clone(),
            imposed_by: s.imposed_by.clone(),
            created_at: s.created_at,
            kinds: s.kinds.iter().map(|k| k.as_str().to_owned()).collect(),
            published: s.published,
            application_ids: s.application_ids.clone(),
            complaint_ids: s.complaint_ids.clone(),
            inspection_ids: s.inspection_ids.clone(),
        })
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn sanctions_of(conn: &mut AsyncPgConnection, employer: EmployerId) -> QueryResult<Vec<Sanction>> {
    let rows: Vec<SanctionRow> = sanctions::table
        .filter(sanctions::employer_id.eq(employer.0))
        .order(sanctions::bar_from)
        .select(SanctionRow::as_select())
        .load(conn)
        .await?;
    rows.into_iter().map(Sanction::try_from).collect()
}

// ---- decision records ----

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = decision_records)]
struct DecisionRecordRow {
    id: Uuid,
    application_id: Uuid,
    kind: String,
    evaluated_on: NaiveDate,
    evaluated_by: String,
    outcome: Option<String>,
    reason_codes: Vec<Option<String>>,
    places: Value,
    results: Value,
    recommended_by: Option<String>,
    decided_by: Option<String>,
    note: Option<String>,
    created_at: DateTime<Utc>,
}

impl TryFrom<DecisionRecordRow> for DecisionRecord {
    type Error = diesel::result::Error;

    fn try_from(r: DecisionRecordRow) -> QueryResult<Self> {
        Ok(Self {
            id: r.id,
            application_id: ApplicationId(r.application_id),
            kind: parse_enum(&r.kind)?,
            evaluated_on: r.evaluated_on,
            evaluated_by: r.evaluated_by,
            outcome: r.outcome.as_deref().map(parse_enum).transpose()?,
            reason_codes: r
                .reason_codes
                .iter()
                .flatten()
                .map(|c| parse_enum(c))
                .collect::<QueryResult<_>>()?,
            places: from_json(r.places)?,
            results: from_json(r.results)?,
            recommended_by: r.recommended_by,
            decided_by: r.decided_by,
            note: r.note,
            created_at: r.created_at,
        })
    }
}

pub async fn insert_decision_record(conn: &mut AsyncPgConnection, r: &DecisionRecord) -> QueryResult<()> {
    diesel::insert_into(decision_records::table)
        .values(DecisionRecordRow {
            id: r.id,
            application_id: r.application_id.0,
            kind: enum_text(&r.kind),
            evaluated_on: r.evaluated_on,
            evaluated_by: r.evaluated_by.clone(),
            outcome: r.outcome.as_ref().map(enum_text),
            reason_codes: r.reason_codes.iter().map(|c| Some(enum_text(c))).collect(),
            places: to_json(&r.places)?,
            results: to_json(&r.results)?,
            recommended_by: r.recommended_by.clone(),
            decided_by: r.decided_by.clone(),
            note: r.note.clone(),
            created_at: r.created_at,
        })
        .execute(conn)
        .await
        .map(|_| ())
}

/// Every record of the application, oldest first.
/// The decision record of the employer's latest approval still in force (APPROVED, PARTIALLY_APPROVED
/// or ACTIVE).
pub async fn latest_approval_record(
    conn: &mut AsyncPgConnection,
    employer: EmployerId,
) -> QueryResult<Option<DecisionRecord>> {
    use super::schema::applications;
    let row: Option<DecisionRecordRow> = decision_records::table
        .inner_join(applications::table)
        .filter(applications::employer_id.eq(employer.0))
        .filter(applications::status.eq_any(["APPROVED", "PARTIALLY_APPROVED", "ACTIVE"]))
        .filter(decision_records::kind.eq("DECISION"))
        .order(decision_records::created_at.desc())
        .select(DecisionRecordRow::as_select())
        .first(conn)
        .await
        .optional()?;
    row.map(TryInto::try_into).transpose()
}

pub async fn decision_records_of(
    conn: &mut AsyncPgConnection,
    application: ApplicationId,
) -> QueryResult<Vec<DecisionRecord>> {
    let rows: Vec<DecisionRecordRow> = decision_records::table
        .filter(decision_records::application_id.eq(application.0))
        .order(decision_records::created_at)
        .select(DecisionRecordRow::as_select())
        .load(conn)
        .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}
