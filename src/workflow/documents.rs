//! Documents attached to employers, applications (and their recruitment records), workers (and their
//! contracts) and complaints. The content streams into PostgreSQL in chunks as it arrives, never held
//! whole; its SHA-256 goes into the audit event, so the hash chain covers the document. Reading a
//! document is reading the record it belongs to.

use chrono::{NaiveDate, Utc};
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::error::{Result, WorkflowError, not_found};
use super::unit::{self, Change, Command, Locks, Reply};
use crate::db::{Conn, DbPool, applications, complaints, documents, employers, workers};
use crate::domain::audit::{AuditRecord, Entity};
use crate::domain::documents::{Document, DocumentKind, MEDIA_TYPES, Owner, media_type_matches};
use crate::domain::{ApplicationId, EmployerId, Role, Viewer};

/// The size of a stored chunk: what an upload holds in memory at a time, and a download reads per query.
pub const CHUNK_BYTES: usize = 256 * 1024;
/// Enough of the start of a file to tell its type by.
const SNIFF_BYTES: usize = 512;

/// A document as its uploader describes it (the content follows as a stream).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDocument {
    pub kind: DocumentKind,
    pub file_name: String,
    /// The request's `Content-Type`.
    pub media_type: String,
}

/// The declared type must be one we take and what the first bytes show.
fn check_media_type(declared: &str, head: &[u8]) -> Result<()> {
    let sniffed = infer::get(head).map(|t| t.mime_type());
    if media_type_matches(declared, sniffed) {
        return Ok(());
    }
    Err(WorkflowError::UnsupportedContent(match sniffed {
        _ if !MEDIA_TYPES.contains(&declared) => {
            format!(
                "Documents are taken as {}; `{declared}` is not.",
                MEDIA_TYPES.join(", ")
            )
        }
        Some(found) => format!("The content is {found}, not the {declared} declared."),
        None => format!("The content is not {declared}."),
    }))
}

/// The slowest upload taken: below this rate a document of the largest size would hold its
/// transaction open past its bound (503 then, nothing kept).
pub const UPLOAD_MIN_BYTES_PER_SEC: u64 = 256 * 1024;

/// Attaches a document to `owner`, streaming `content` into storage in chunks; at most `max_bytes`
/// (413 past it, nothing kept), of a media type we take that the content really is (415 otherwise).
/// The record is checked first (404 before a byte is read) and takes no lock: attaching changes
/// nothing another write reads, and records are never removed. The transaction's bound grows with
/// `max_bytes` (at [`UPLOAD_MIN_BYTES_PER_SEC`]).
pub async fn attach<E: std::fmt::Display>(
    pool: &DbPool,
    cmd: &Command,
    owner: Owner,
    new: NewDocument,
    content: impl Stream<Item = std::result::Result<bytes::Bytes, E>> + Unpin,
    max_bytes: usize,
    reply: impl FnOnce(&Document) -> Result<Reply>,
) -> Result<Reply> {
    if !new.kind.fits(owner) {
        return Err(WorkflowError::field(
            "kind",
            format!("a {} is not kept with a {}", new.kind.as_str(), owner.type_name()),
        ));
    }
    let mut content = content;
    let bound =
        pool.transaction_timeout() + std::time::Duration::from_secs(max_bytes as u64 / UPLOAD_MIN_BYTES_PER_SEC);
    unit::write_within(
        pool,
        cmd,
        Locks::nothing(),
        bound,
        async |conn, _| {
            let (employer, entity) = reach(conn, cmd.actor.viewer(), owner, Some(cmd.today)).await?;
            if !MEDIA_TYPES.contains(&new.media_type.as_str()) {
                return Err(WorkflowError::UnsupportedContent(format!(
                    "Send the document as the body, with Content-Type one of {}.",
                    MEDIA_TYPES.join(", ")
                )));
            }
            let id = Uuid::new_v4();
            let (size, sha256) = store_content(conn, id, &new.media_type, &mut content, max_bytes).await?;
            let document = Document {
                id,
                owner,
                employer_id: employer,
                kind: new.kind,
                file_name: new.file_name.clone(),
                media_type: new.media_type.clone(),
                size_bytes: size as i64,
                sha256,
                uploaded_by: cmd.actor.sub.clone(),
                agency: cmd.actor.agency.clone(),
                uploaded_at: Utc::now(),
            };
            documents::insert(conn, &document).await?;
            let record = AuditRecord::created(entity, "document.attached", &document)?;
            Ok(Change::new(document, record))
        },
        reply,
    )
    .await
}

/// Streams `content` into chunks of document `id`, hashing as it goes; returns its size and SHA-256.
async fn store_content<E: std::fmt::Display>(
    conn: &mut Conn,
    id: Uuid,
    media_type: &str,
    content: &mut (impl Stream<Item = std::result::Result<bytes::Bytes, E>> + Unpin),
    max_bytes: usize,
) -> Result<(usize, String)> {
    let mut hasher = Sha256::new();
    let mut pending: Vec<u8> = Vec::with_capacity(CHUNK_BYTES);
    let (mut size, mut seq, mut checked) = (0usize, 0i32, false);
    while let Some(part) = content.next().await {
        let part = part.map_err(|e| WorkflowError::field("body", format!("could not be read: {e}")))?;
        size += part.len();
        if size > max_bytes {
            return Err(WorkflowError::TooLarge { limit: max_bytes });
        }
        hasher.update(&part);
        pending.extend_from_slice(&part);
        if !checked && pending.len() >= SNIFF_BYTES {
            check_media_type(media_type, &pending)?;
            checked = true;
        }
        while checked && pending.len() >= CHUNK_BYTES {
            let rest = pending.split_off(CHUNK_BYTES);
            documents::insert_chunk(conn, id, seq, &pending).await?;
            seq += 1;
            pending = rest;
        }
    }
    if size == 0 {
        return Err(WorkflowError::field("body", "is empty: send the document's content"));
    }
    if !checked {
        check_media_type(media_type, &pending)?;
    }
    if !pending.is_empty() {
        documents::insert_chunk(conn, id, seq, &pending).await?;
    }
    Ok((size, format!("{:x}", hasher.finalize())))
}

/// The record `owner`, if `viewer` reaches it (404 otherwise, as if it did not exist): employers, cases
/// and workers as their own reads allow (an agency on `on`, or today, the cases it is authorised for);
/// complaints for inspectors, staff and auditors. Its employer, and the entity its events belong to.
async fn reach(conn: &mut Conn, viewer: Viewer, owner: Owner, on: Option<NaiveDate>) -> Result<(EmployerId, Entity)> {
    let hidden = || WorkflowError::NotFound("document");
    match owner {
        Owner::Complaint(id) => {
            if !matches!(
                viewer.role,
                Role::Inspector | Role::Caseworker | Role::Approver | Role::Auditor
            ) {
                return Err(hidden());
            }
            let complaint = complaints::get(conn, id, false).await.map_err(not_found("complaint"))?;
            Ok((complaint.employer_id, Entity::Complaint(id)))
        }
        _ if !(viewer.role.reads_all_cases() || viewer.role == Role::Employer) => Err(hidden()),
        Owner::Employer(id) => {
            employers::get(conn, id, viewer.scope())
                .await
                .map_err(not_found("employer"))?;
            super::agencies::check_employer_wide(conn, viewer, on).await?;
            Ok((id, Entity::Employer(id)))
        }
        Owner::Application(id) => {
            let id = ApplicationId(id);
            let employer = applications::employer_of(conn, id, viewer.scope())
                .await
                .map_err(not_found("application"))?;
            super::agencies::check_application(conn, viewer, id, on).await?;
            Ok((employer, Entity::Application(id)))
        }
        Owner::Worker(id) => {
            let (application, employer) = workers::owners_of(conn, id, viewer.scope())
                .await
                .map_err(not_found("worker"))?;
            super::agencies::check_application(conn, viewer, application, on)
                .await
                .map_err(|_| WorkflowError::NotFound("worker"))?;
            Ok((employer, Entity::Worker { id, application }))
        }
    }
}

/// The documents of a record, newest first.
pub async fn list(pool: &DbPool, viewer: Viewer, owner: Owner) -> Result<Vec<Document>> {
    unit::read(pool, async |conn| {
        reach(conn, viewer, owner, None).await?;
        Ok(documents::of_owner(conn, owner).await?)
    })
    .await
}

/// A document's particulars, if the reader may read the record it belongs to.
pub async fn get(pool: &DbPool, viewer: Viewer, id: Uuid) -> Result<Document> {
    unit::read(pool, async |conn| {
        let document = documents::get(conn, id).await.map_err(not_found("document"))?;
        reach(conn, viewer, document.owner, None)
            .await
            .map_err(|_| WorkflowError::NotFound("document"))?;
        Ok(document)
    })
    .await
}

/// Chunk `seq` of a document's content (`None` past the last), each read on its own connection so a
/// slow download holds no connection between chunks.
pub async fn chunk(pool: &DbPool, id: Uuid, seq: i32) -> Result<Option<Vec<u8>>> {
    unit::read(pool, async |conn| Ok(documents::chunk(conn, id, seq).await?)).await
}
