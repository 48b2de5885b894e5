//! Documents under the record they belong to: uploads stream in (the body is the file, its
//! `Content-Type` the file's type), downloads stream out, chunk by chunk.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{BodyLimits, QueryParams};
use super::representation::{attachment, filename_part};
use super::validate;
use super::write::{command, created, respond};
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::domain::documents::{Document, DocumentKind, Owner};
use crate::domain::{EmployerId, Role};
use crate::error::{ApiError, Problem};
use crate::openapi::ReadOneErrors;
use crate::workflow::DbPool;
use crate::workflow::documents::{self, NewDocument};

/// Who attaches to employers, applications and workers: the employer (its own) and caseworkers.
const CASE_WRITERS: [Role; 2] = [Role::Employer, Role::Caseworker];
/// Who reads complaints' documents.
const COMPLAINT_READERS: [Role; 4] = [Role::Inspector, Role::Caseworker, Role::Approver, Role::Auditor];

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentResponse {
    pub id: Uuid,
    /// `employer`, `application`, `worker` or `complaint`.
    pub owner_type: String,
    pub owner_id: Uuid,
    pub employer_id: Uuid,
    #[schema(schema_with = crate::openapi::enums::document_kind)]
    pub kind: DocumentKind,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the content (hex); also in the audit event, so the hash chain covers the document.
    pub sha256: String,
    pub uploaded_by: String,
    /// The agency that uploaded it for the employer, if one did.
    pub agency: Option<String>,
    pub uploaded_at: DateTime<Utc>,
}

impl From<Document> for DocumentResponse {
    fn from(d: Document) -> Self {
        Self {
            id: d.id,
            owner_type: d.owner.type_name().to_owned(),
            owner_id: d.owner.id(),
            employer_id: d.employer_id.0,
            kind: d.kind,
            file_name: d.file_name,
            media_type: d.media_type,
            size_bytes: d.size_bytes,
            sha256: d.sha256,
            uploaded_by: d.uploaded_by,
            agency: d.agency,
            uploaded_at: d.uploaded_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentListResponse {
    /// Newest first.
    pub items: Vec<DocumentResponse>,
}

/// A document's content: the file itself.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // Only the OpenAPI document uses it.
pub struct DocumentContent(Vec<u8>);

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// What the document is evidence of (e.g. `SIGNED_CONTRACT` on a worker, `AUTHORISATION_LETTER` on an
    /// employer, `ADVERT` on an application).
    #[param(schema_with = crate::openapi::enums::document_kind)]
    pub kind: DocumentKind,
    /// The file's name, as the uploader knows it.
    #[validate(length(min = 1, max = 255), custom(function = "validate::not_blank"))]
    #[param(min_length = 1, max_length = 255, pattern = "\\S")]
    pub file_name: String,
}

/// Streams the request body into a new document of `owner`.
async fn upload(
    user: &AuthUser,
    req: &HttpRequest,
    owner: Owner,
    query: UploadQuery,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let missing = |what: &str| ApiError::Internal(anyhow::anyhow!("{what} missing from app data"));
    let pool = req.app_data::<web::Data<DbPool>>().ok_or_else(|| missing("pool"))?;
    let clock = req.app_data::<web::Data<Clock>>().ok_or_else(|| missing("clock"))?;
    let limits = req
        .app_data::<web::Data<BodyLimits>>()
        .ok_or_else(|| missing("limits"))?;
    // Checked against the content once the record is found (another employer's record stays a 404).
    let media_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    // A declared length over the limit is refused before a byte is read.
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limits.document_max_bytes) {
        return Err(ApiError::PayloadTooLarge {
            limit: limits.document_max_bytes,
        });
    }
    // The body is the document, not the command: retries are told apart by their Idempotency-Key alone.
    let cmd = command(user, req, clock, b"")?;
    let new = NewDocument {
        kind: query.kind,
        file_name: query.file_name.trim().to_owned(),
        media_type,
    };
    let reply = documents::attach(pool, &cmd, owner, new, payload, limits.document_max_bytes, |d| {
        created(&DocumentResponse::from(d.clone()))
    })
    .await?;
    Ok(respond(reply))
}

async fn list(user: &AuthUser, pool: &DbPool, owner: Owner) -> Result<HttpResponse, ApiError> {
    let items = documents::list(pool, user.viewer(), owner)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(HttpResponse::Ok().json(DocumentListResponse { items }))
}

macro_rules! upload_doc {
    ($(#[$doc:meta])* $name:ident, $path:literal, $id:literal, $roles:expr, $owner:expr) => {
        $(#[$doc])*
        #[utoipa::path(tag = "documents", security(("bearer" = [])),
            params(("id" = Uuid, Path, description = $id), UploadQuery, ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
            request_body(content(
                (DocumentContent = "application/pdf", example = json!("%PDF-1.7 …")),
                (DocumentContent = "image/png", example = json!("\u{89}PNG …")),
                (DocumentContent = "image/jpeg", example = json!("\u{ff}\u{d8}\u{ff} …")),
            ), description = "The file itself"),
            responses(
            (status = 201, body = DocumentResponse),
            (status = 400, description = "Invalid kind or file name, a kind not kept with this record, or an empty body", body = Problem, content_type = "application/problem+json"),
            (status = 401, body = Problem, content_type = "application/problem+json"),
            (status = 403, body = Problem, content_type = "application/problem+json"),
            (status = 404, body = Problem, content_type = "application/problem+json"),
            (status = 413, description = "Larger than `SLS_DOCUMENT_MAX_BYTES` (nothing kept)", body = Problem, content_type = "application/problem+json"),
            (status = 415, description = "Not a PDF, PNG or JPEG, or the content is not the type declared", body = Problem, content_type = "application/problem+json"),
            (status = 422, description = "Idempotency-Key reused for a different request", body = Problem, content_type = "application/problem+json"),
            (status = 503, body = Problem, content_type = "application/problem+json"),
        ))]
        #[post($path)]
        pub async fn $name(
            user: AuthUser,
            req: HttpRequest,
            id: web::Path<Uuid>,
            query: QueryParams<UploadQuery>,
            payload: web::Payload,
        ) -> Result<HttpResponse, ApiError> {
            user.require(&$roles)?;
            let owner: fn(Uuid) -> Owner = $owner;
            upload(&user, &req, owner(id.into_inner()), query.0, payload).await
        }
    };
}

macro_rules! list_docs {
    ($(#[$doc:meta])* $name:ident, $path:literal, $id:literal, $roles:expr, $owner:expr) => {
        $(#[$doc])*
        #[utoipa::path(tag = "documents", security(("bearer" = [])), params(("id" = Uuid, Path, description = $id)), responses(
            (status = 200, body = DocumentListResponse),
            ReadOneErrors,
        ))]
        #[get($path)]
        pub async fn $name(user: AuthUser, pool: web::Data<DbPool>, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
            user.require(&$roles)?;
            let owner: fn(Uuid) -> Owner = $owner;
            list(&user, &pool, owner(id.into_inner())).await
        }
    };
}

upload_doc!(
    /// Attach a document to an application.
    ///
    /// Licences, MPF statements, adverts, recruitment records. The body is the file (PDF, PNG or JPEG; the `Content-Type` must be what the content is), streamed
    /// into storage without being held whole; at most `SLS_DOCUMENT_MAX_BYTES`. Its SHA-256 is in the
    /// reply and in the audit event on the case.
    ///
    /// Who may call it: the employer (its own cases; an agency those it is authorised for) or a caseworker.
    attach_application_document, "/applications/{id}/documents", "Application id", CASE_WRITERS, Owner::Application
);
list_docs!(
    /// The documents of an application, newest first.
    ///
    /// Who may call it: caseworkers, approvers and auditors; the employer for its own cases.
    list_application_documents, "/applications/{id}/documents", "Application id", super::CASE_READERS, Owner::Application
);
upload_doc!(
    /// Attach a document to an employer.
    ///
    /// Business registration, licences, MPF statements, agency authorisation letters. Streamed, typed and hashed as every upload (see the application's documents).
    ///
    /// Who may call it: the employer (itself) or a caseworker.
    attach_employer_document, "/employers/{id}/documents", "Employer id", CASE_WRITERS, |id| Owner::Employer(EmployerId(id))
);
list_docs!(
    /// The documents of an employer, newest first.
    ///
    /// Who may call it: caseworkers, approvers and auditors; the employer for itself.
    list_employer_documents, "/employers/{id}/documents", "Employer id", super::CASE_READERS, |id| Owner::Employer(EmployerId(id))
);
upload_doc!(
    /// Attach a document to a worker.
    ///
    /// The signed Standard Employment Contract, above all. Streamed, typed and hashed as every upload (see the application's documents); audited on the
    /// worker, in its case's history.
    ///
    /// Who may call it: the employer (its own workers) or a caseworker.
    attach_worker_document, "/workers/{id}/documents", "Worker id", CASE_WRITERS, Owner::Worker
);
list_docs!(
    /// The documents of a worker, newest first.
    ///
    /// Who may call it: caseworkers, approvers and auditors; the employer for its own workers.
    list_worker_documents, "/workers/{id}/documents", "Worker id", super::CASE_READERS, Owner::Worker
);
upload_doc!(
    /// Attach evidence to a complaint.
    ///
    /// Streamed, typed and hashed as every upload (see the application's documents).
    ///
    /// Who may call it: inspectors.
    attach_complaint_document, "/complaints/{id}/documents", "Complaint id", [Role::Inspector], Owner::Complaint
);
list_docs!(
    /// The documents of a complaint, newest first.
    ///
    /// Who may call it: inspectors, caseworkers, approvers and auditors.
    list_complaint_documents, "/complaints/{id}/documents", "Complaint id", COMPLAINT_READERS, Owner::Complaint
);

/// Every role that may read some record's documents; the record decides the rest.
const DOCUMENT_READERS: [Role; 5] = [
    Role::Employer,
    Role::Caseworker,
    Role::Approver,
    Role::Auditor,
    Role::Inspector,
];

/// A document's particulars.
///
/// Reachable exactly as the record it belongs to is (404 otherwise): employers, cases and workers as their
/// own reads allow; complaints for inspectors, staff and auditors.
///
/// Who may call it: employers (their own), caseworkers, approvers, auditors and inspectors (complaints'
/// documents only).
#[utoipa::path(tag = "documents", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Document id")), responses(
    (status = 200, body = DocumentResponse),
    ReadOneErrors,
))]
#[get("/documents/{id}")]
pub async fn get_document(
    user: AuthUser,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(&DOCUMENT_READERS)?;
    let document = documents::get(&pool, user.viewer(), id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(DocumentResponse::from(document)))
}

/// Download a document's content.
///
/// Streamed chunk by chunk, with its media type, length, `ETag` (its SHA-256) and a file name. Reachable as
/// the document's particulars are.
///
/// Who may call it: as for the document's particulars.
#[utoipa::path(tag = "documents", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Document id")), responses(
    (status = 200, content((DocumentContent = "application/pdf"), (DocumentContent = "image/png"), (DocumentContent = "image/jpeg")), headers(("ETag" = String), ("Content-Disposition" = String))),
    ReadOneErrors,
))]
#[get("/documents/{id}/content")]
pub async fn download_document(
    user: AuthUser,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(&DOCUMENT_READERS)?;
    let document = documents::get(&pool, user.viewer(), id.into_inner()).await?;
    let (pool, doc_id) = (pool.into_inner(), document.id);
    let chunks = futures_util::stream::try_unfold(0i32, move |seq| {
        let pool = pool.clone();
        async move {
            match documents::chunk(&pool, doc_id, seq).await.map_err(ApiError::from)? {
                Some(data) => Ok(Some((web::Bytes::from(data), seq + 1))),
                None => Ok(None),
            }
        }
    });
    let length = u64::try_from(document.size_bytes).unwrap_or_default();
    Ok(HttpResponse::Ok()
        .content_type(document.media_type.as_str())
        .no_chunking(length)
        .insert_header((header::ETAG, format!("\"{}\"", document.sha256)))
        .insert_header(attachment(&filename_part(&document.file_name)))
        .streaming::<_, ApiError>(chunks))
}
