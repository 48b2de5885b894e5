//! Local recruitment records (R-REC-3..5): adverts, referrals of local job seekers and their interview
//! outcomes, weekly job-fair attendance, and the summary per vacancy.

use chrono::{NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::error::{Result, WorkflowError, not_found};
use super::unit::{self, Change, Command, Locks, Reply};
use crate::db::{Conn, DbPool, casework};
use crate::domain::application::{Application, StoredVacancy};
use crate::domain::audit::{AuditRecord, Entity};
use crate::domain::casework::{
    Advert, JobFairAttendance, RecruitmentRecords, Referral, ReferralOutcome, ReferralSource,
};
use crate::domain::rules::recruitment::{self, InterviewOutcome};
use crate::domain::{ApplicationId, ApplicationStatus, VacancyId, Viewer};

/// The case must be in local recruitment, and the vacancy one of its own.
fn open_recruitment(app: &Application, vacancy: Option<VacancyId>) -> Result<()> {
    if app.status != ApplicationStatus::LocalRecruitment {
        return Err(WorkflowError::Conflict(format!(
            "Recruitment records can be added only during local recruitment; this application is {}.",
            app.status
        )));
    }
    if let Some(vacancy) = vacancy
        && !app.vacancies.iter().any(|v| v.id == vacancy)
    {
        return Err(WorkflowError::field(
            "vacancy_id",
            "is not a vacancy of this application",
        ));
    }
    Ok(())
}

/// Adds one recruitment record to the case during local recruitment: `make` builds it, `save` stores it.
async fn add<T: Serialize>(
    pool: &DbPool,
    cmd: &Command,
    id: ApplicationId,
    vacancy: Option<VacancyId>,
    event: &str,
    save: impl AsyncFnOnce(&mut Conn) -> Result<T>,
    reply: impl FnOnce(&T) -> Result<Reply>,
) -> Result<Reply> {
    unit::write(
        pool,
        cmd,
        Locks::application(id),
        async |conn, locked| {
            open_recruitment(locked.application()?, vacancy)?;
            let saved = save(conn).await?;
            let record = AuditRecord::created(Entity::Application(id), &format!("recruitment.{event}"), &saved)?;
            Ok(Change::new(saved, record))
        },
        reply,
    )
    .await
}

/// A newspaper advert as recorded (R-REC-3).
#[derive(Debug, Clone, PartialEq)]
pub struct NewAdvert {
    pub vacancy: VacancyId,
    pub newspaper: String,
    pub published_on: NaiveDate,
    pub reference: Option<String>,
}

pub async fn add_advert(
    pool: &DbPool,
    cmd: &Command,
    id: ApplicationId,
    new: NewAdvert,
    reply: impl FnOnce(&Advert) -> Result<Reply>,
) -> Result<Reply> {
    let advert = Advert {
        id: Uuid::new_v4(),
        application_id: id,
        vacancy_id: new.vacancy,
        newspaper: new.newspaper,
        published_on: new.published_on,
        reference: new.reference,
        recorded_by: cmd.actor.sub.clone(),
        recorded_at: Utc::now(),
    };
    let save = async |conn: &mut Conn| {
        casework::insert_advert(conn, &advert).await?;
        Ok(advert.clone())
    };
    add(pool, cmd, id, Some(new.vacancy), "advert_recorded", save, reply).await
}

/// A local job seeker referred to a vacancy (R-REC-5).
#[derive(Debug, Clone, PartialEq)]
pub struct NewReferral {
    pub vacancy: VacancyId,
    pub source: ReferralSource,
    pub job_seeker_ref: String,
    pub referred_on: NaiveDate,
}

pub async fn refer_job_seeker(
    pool: &DbPool,
    cmd: &Command,
    id: ApplicationId,
    new: NewReferral,
    reply: impl FnOnce(&Referral) -> Result<Reply>,
) -> Result<Reply> {
    let referral = Referral {
        id: Uuid::new_v4(),
        application_id: id,
        vacancy_id: new.vacancy,
        source: new.source,
        job_seeker_ref: new.job_seeker_ref,
        referred_on: new.referred_on,
        referred_by: cmd.actor.sub.clone(),
        outcome: None,
        outcome_reason: None,
        meets_requirements: None,
        interview_on: None,
        outcome_recorded_by: None,
    };
    let save = async |conn: &mut Conn| {
        casework::insert_referral(conn, &referral).await?;
        Ok(referral.clone())
    };
    add(pool, cmd, id, Some(new.vacancy), "referral_added", save, reply).await
}

/// The employer records how a referral ended.
pub async fn record_outcome(
    pool: &DbPool,
    cmd: &Command,
    id: ApplicationId,
    referral: Uuid,
    outcome: ReferralOutcome,
    reply: impl FnOnce(&Referral) -> Result<Reply>,
) -> Result<Reply> {
    let save = async |conn: &mut Conn| {
        casework::record_outcome(conn, id, referral, &outcome, &cmd.actor.sub)
            .await
            .map_err(not_found("referral"))
    };
    add(pool, cmd, id, None, "outcome_recorded", save, reply).await
}

/// The employer's attendance at a weekly job fair (R-REC-4).
#[derive(Debug, Clone, PartialEq)]
pub struct NewJobFairAttendance {
    pub vacancy: VacancyId,
    pub week_no: u32,
    pub session_on: NaiveDate,
    pub centre: String,
    pub attended: bool,
}

pub async fn record_job_fair(
    pool: &DbPool,
    cmd: &Command,
    id: ApplicationId,
    new: NewJobFairAttendance,
    reply: impl FnOnce(&JobFairAttendance) -> Result<Reply>,
) -> Result<Reply> {
    let attendance = JobFairAttendance {
        id: Uuid::new_v4(),
        application_id: id,
        vacancy_id: new.vacancy,
        week_no: new.week_no,
        session_on: new.session_on,
        centre: new.centre,
        attended: new.attended,
        recorded_by: cmd.actor.sub.clone(),
    };
    let save = async |conn: &mut Conn| {
        casework::insert_job_fair(conn, &attendance).await?;
        Ok(attendance.clone())
    };
    add(pool, cmd, id, Some(new.vacancy), "job_fair_recorded", save, reply).await
}

/// One vacancy's local recruitment.
#[derive(Debug, Clone)]
pub struct VacancyRecruitment {
    pub vacancy: StoredVacancy,
    pub adverts: Vec<Advert>,
    pub referrals: Vec<Referral>,
    pub job_fairs: Vec<JobFairAttendance>,
    /// Local job seekers who accepted an offer.
    pub locals_hired: u32,
    /// Places still unfilled after local recruitment (R-REC-7).
    pub unmet_need: u32,
}

/// The local recruitment of each vacancy of the case.
pub async fn summary(pool: &DbPool, viewer: Viewer, id: ApplicationId) -> Result<Vec<VacancyRecruitment>> {
    unit::read(pool, async |conn| {
        let app = super::applications::visible(conn, viewer, id).await?;
        let RecruitmentRecords {
            adverts,
            referrals,
            job_fairs,
        } = casework::recruitment_of(conn, id).await?;
        Ok(app
            .vacancies
            .into_iter()
            .map(|v| {
                let referrals: Vec<Referral> = referrals.iter().filter(|r| r.vacancy_id == v.id).cloned().collect();
                let hired = referrals
                    .iter()
                    .filter(|r| r.outcome.is_some_and(InterviewOutcome::is_hire))
                    .count();
                let locals_hired = u32::try_from(hired).unwrap_or(u32::MAX);
                VacancyRecruitment {
                    adverts: adverts.iter().filter(|a| a.vacancy_id == v.id).cloned().collect(),
                    job_fairs: job_fairs.iter().filter(|j| j.vacancy_id == v.id).cloned().collect(),
                    unmet_need: recruitment::unmet(&recruitment::UnmetNeedInput {
                        workers_requested: v.vacancy.workers_requested,
                        locals_hired,
                    }),
                    locals_hired,
                    referrals,
                    vacancy: v,
                }
            })
            .collect())
    })
    .await
}
