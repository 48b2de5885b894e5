//! Employment agencies acting for an employer: the employer authorises an agency for named
//! applications (or all of them) for a period, on the strength of a letter; an agency's token reaches
//! only what an authorisation in force gives it. Every read and write of an employer's data passes
//! [`check_application`] or [`check_employer_wide`].

use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use super::error::{Result, WorkflowError, not_found};
use super::unit::{self, Change, Command, Locks, Reply};
use crate::clock::Clock;
use crate::db::agencies::{self, Authorisation};
use crate::db::{Conn, DbPool, applications, documents};
use crate::domain::audit::{AuditRecord, Entity};
use crate::domain::documents::{DocumentKind, Owner};
use crate::domain::{AgencyKey, ApplicationId, EmployerId, Viewer};

/// What a reader reaches of the employer's cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Every case (the employer's own users, staff, an agency authorised for all).
    All,
    /// Only these cases (an agency authorised for named applications; none when none is in force).
    Only(Vec<Uuid>),
}

impl Reach {
    pub fn includes(&self, application: ApplicationId) -> bool {
        match self {
            Self::All => true,
            Self::Only(ids) => ids.contains(&application.0),
        }
    }
}

/// The day authorisations are judged on for a read (writes use their command's day).
fn read_day() -> NaiveDate {
    Clock::system().today()
}

/// What `viewer` reaches on `on`: everything unless it is an agency acting for an employer, which
/// reaches what the authorisations in force give it.
pub async fn reach(conn: &mut Conn, viewer: Viewer, on: NaiveDate) -> Result<Reach> {
    let (Some(employer), Some(agency)) = (viewer.scope(), viewer.agency) else {
        return Ok(Reach::All);
    };
    let grants = agencies::in_force(conn, employer, agency, on).await?;
    if grants.iter().any(Option::is_none) {
        return Ok(Reach::All);
    }
    let mut ids: Vec<Uuid> = grants.into_iter().flatten().flatten().collect();
    ids.sort();
    ids.dedup();
    Ok(Reach::Only(ids))
}

/// The case is within the reader's reach (404 otherwise, as if it did not exist).
pub async fn check_application(
    conn: &mut Conn,
    viewer: Viewer,
    application: ApplicationId,
    on: Option<NaiveDate>,
) -> Result<()> {
    if reach(conn, viewer, on.unwrap_or_else(read_day))
        .await?
        .includes(application)
    {
        Ok(())
    } else {
        Err(WorkflowError::NotFound("application"))
    }
}

/// The reader reaches the employer's records beyond named cases (an agency needs an authorisation for
/// every application; 404 otherwise).
pub async fn check_employer_wide(conn: &mut Conn, viewer: Viewer, on: Option<NaiveDate>) -> Result<()> {
    match reach(conn, viewer, on.unwrap_or_else(read_day)).await? {
        Reach::All => Ok(()),
        Reach::Only(_) => Err(WorkflowError::NotFound("employer")),
    }
}

/// An authorisation as the employer gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuthorisation {
    pub agency: String,
    /// `None`: every application.
    pub application_ids: Option<Vec<Uuid>>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// The authorisation letter, uploaded to the employer's documents first.
    pub letter_document_id: Uuid,
}

/// The employer authorises an agency. Only the employer's own users (not an agency) may; the
/// applications must be the employer's and the letter an authorisation letter of the employer.
pub async fn authorise(
    pool: &DbPool,
    cmd: &Command,
    employer: EmployerId,
    new: NewAuthorisation,
    reply: impl FnOnce(&Authorisation) -> Result<Reply>,
) -> Result<Reply> {
    unit::write(
        pool,
        cmd,
        Locks::employer(employer),
        async |conn, _| {
            if cmd.actor.agency.is_some() {
                return Err(WorkflowError::Forbidden("An agency cannot authorise agencies.".into()));
            }
            for (i, id) in new.application_ids.iter().flatten().enumerate() {
                applications::get(conn, ApplicationId(*id), Some(employer))
                    .await
                    .map_err(|_| {
                        WorkflowError::field(format!("application_ids[{i}]"), "names no application of this employer")
                    })?;
            }
            let letter = documents::get(conn, new.letter_document_id).await.ok();
            if letter
                .is_none_or(|d| d.owner != Owner::Employer(employer) || d.kind != DocumentKind::AuthorisationLetter)
            {
                return Err(WorkflowError::field(
                    "letter_document_id",
                    "must name an AUTHORISATION_LETTER among this employer's documents",
                ));
            }
            let authorisation = Authorisation {
                id: Uuid::new_v4(),
                employer_id: employer.0,
                agency_key: AgencyKey::of(&new.agency).0,
                agency: new.agency.clone(),
                application_ids: new.application_ids.clone(),
                valid_from: new.valid_from,
                valid_until: new.valid_until,
                letter_document_id: new.letter_document_id,
                created_by: cmd.actor.sub.clone(),
                created_at: Utc::now(),
                revoked_at: None,
                revoked_by: None,
            };
            agencies::insert(conn, &authorisation).await?;
            let record =
                AuditRecord::created(Entity::Employer(employer), "employer.agency_authorised", &authorisation)?;
            Ok(Change::new(authorisation, record))
        },
        reply,
    )
    .await
}

/// The employer withdraws an authorisation; the agency's token reaches nothing more through it.
pub async fn revoke(
    pool: &DbPool,
    cmd: &Command,
    employer: EmployerId,
    id: Uuid,
    reply: impl FnOnce(&Authorisation) -> Result<Reply>,
) -> Result<Reply> {
    unit::write(
        pool,
        cmd,
        Locks::employer(employer),
        async |conn, _| {
            if cmd.actor.agency.is_some() {
                return Err(WorkflowError::Forbidden(
                    "An agency cannot revoke authorisations.".into(),
                ));
            }
            let before = agencies::get_for_update(conn, employer, id)
                .await
                .map_err(not_found("agency authorisation"))?;
            if before.revoked_at.is_some() {
                return Err(WorkflowError::Conflict("the authorisation is revoked already".into()));
            }
            let after = agencies::revoke(conn, id, &cmd.actor.sub).await?;
            let record = AuditRecord::changed(
                Entity::Employer(employer),
                "employer.agency_authorisation_revoked",
                &before,
                &after,
            )?;
            Ok(Change::new(after, record))
        },
        reply,
    )
    .await
}

/// The employer's authorisations (its own users and staff; an agency sees none).
pub async fn list(pool: &DbPool, viewer: Viewer, employer: EmployerId) -> Result<Vec<Authorisation>> {
    unit::read(pool, async |conn| {
        super::employers::visible(conn, viewer, employer).await?;
        if viewer.agency.is_some() {
            return Err(WorkflowError::NotFound("employer"));
        }
        Ok(agencies::of_employer(conn, employer).await?)
    })
    .await
}
