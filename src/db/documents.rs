//! Documents: their particulars, and their content in chunks.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{document_chunks, documents};
use crate::domain::EmployerId;
use crate::domain::documents::{Document, DocumentKind, Owner};

#[derive(Queryable, Selectable)]
#[diesel(table_name = documents)]
struct DocumentRow {
    id: Uuid,
    owner_type: String,
    owner_id: Uuid,
    employer_id: Uuid,
    kind: String,
    file_name: String,
    media_type: String,
    size_bytes: i64,
    sha256: String,
    uploaded_by: String,
    agency: Option<String>,
    uploaded_at: DateTime<Utc>,
}

impl TryFrom<DocumentRow> for Document {
    type Error = diesel::result::Error;

    fn try_from(r: DocumentRow) -> QueryResult<Self> {
        let bad = |what: &str| diesel::result::Error::DeserializationError(format!("unknown {what}").into());
        Ok(Self {
            id: r.id,
            owner: Owner::from_parts(&r.owner_type, r.owner_id).ok_or_else(|| bad("owner type"))?,
            employer_id: EmployerId(r.employer_id),
            kind: DocumentKind::parse(&r.kind).ok_or_else(|| bad("document kind"))?,
            file_name: r.file_name,
            media_type: r.media_type,
            size_bytes: r.size_bytes,
            sha256: r.sha256,
            uploaded_by: r.uploaded_by,
            agency: r.agency,
            uploaded_at: r.uploaded_at,
        })
    }
}

/// Stores one chunk of a document's content (the document's row follows, in the same transaction).
pub async fn insert_chunk(conn: &mut AsyncPgConnection, document: Uuid, seq: i32, data: &[u8]) -> QueryResult<()> {
    diesel::insert_into(document_chunks::table)
        .values((
            document_chunks::document_id.eq(document),
            document_chunks::seq.eq(seq),
            document_chunks::data.eq(data),
        ))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn insert(conn: &mut AsyncPgConnection, d: &Document) -> QueryResult<()> {
    diesel::insert_into(documents::table)
        .values((
            documents::id.eq(d.id),
            documents::owner_type.eq(d.owner.type_name()),
            documents::owner_id.eq(d.owner.id()),
            documents::employer_id.eq(d.employer_id.0),
            documents::kind.eq(d.kind.as_str()),
            documents::file_name.eq(&d.file_name),
            documents::media_type.eq(&d.media_type),
            documents::size_bytes.eq(d.size_bytes),
            documents::sha256.eq(&d.sha256),
            documents::uploaded_by.eq(&d.uploaded_by),
            documents::agency.eq(d.agency.as_deref()),
            documents::uploaded_at.eq(d.uploaded_at),
        ))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn get(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Document> {
    let row: DocumentRow = documents::table
        .find(id)
        .select(DocumentRow::as_select())
        .first(conn)
        .await?;
    Document::try_from(row)
}

/// The documents of a record, newest first.
pub async fn of_owner(conn: &mut AsyncPgConnection, owner: Owner) -> QueryResult<Vec<Document>> {
    let rows: Vec<DocumentRow> = documents::table
        .filter(documents::owner_type.eq(owner.type_name()))
        .filter(documents::owner_id.eq(owner.id()))
        .order((documents::uploaded_at.desc(), documents::id))
        .select(DocumentRow::as_select())
        .load(conn)
        .await?;
    rows.into_iter().map(Document::try_from).collect()
}

/// Chunk `seq` of a document's content; `None` past the last.
pub async fn chunk(conn: &mut AsyncPgConnection, document: Uuid, seq: i32) -> QueryResult<Option<Vec<u8>>> {
    document_chunks::table
        .find((document, seq))
        .select(document_chunks::data)
        .first(conn)
        .await
        .optional()
}
