//! Documents attached to a request — an agent's signed permission or power of
//! attorney, a signed declaration, documentation for a correction — stored encrypted.
//! R-102 limits what correction documents may be used for; the store keeps them only
//! with the request and returns them only to callers that audit the read.

use ombud_core::id::Id;
use sqlx::Row as _;
use zeroize::Zeroizing;

use crate::{StoreError, Tx, on_conn};

/// A document's description (never its content).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentInfo {
    /// Id.
    pub id: Id,
    /// The request.
    pub request_id: Id,
    /// What it is: `signed_permission`, `power_of_attorney`, `declaration`, `correction_evidence`.
    pub kind: String,
    /// Its media type as given.
    pub content_type: String,
    /// Its size.
    pub size_bytes: u64,
    /// Stored at (Unix ms).
    pub created_at_ms: i64,
}

/// Where a document's ciphertext belongs: its request and its id, so a document moved
/// to another request (a power of attorney lent to a stranger's request) does not decrypt.
fn context(request_id: Id, id: Id) -> String {
    format!("documents.content_ct/{request_id}/{id}")
}

fn info(
    id: String,
    request_id: String,
    kind: String,
    content_type: String,
    size: i64,
    created_at_ms: i64,
) -> Result<DocumentInfo, StoreError> {
    let corrupt = || StoreError::Corrupt(format!("document {id} has a malformed row"));
    Ok(DocumentInfo {
        id: Id::parse(&id).ok_or_else(corrupt)?,
        request_id: Id::parse(&request_id).ok_or_else(corrupt)?,
        kind,
        content_type,
        size_bytes: u64::try_from(size).map_err(|_| corrupt())?,
        created_at_ms,
    })
}

impl Tx {
    /// Stores a document, encrypted. The caller enforces the size and count limits.
    pub async fn add_document(
        &mut self,
        document: &DocumentInfo,
        content: &[u8],
    ) -> Result<(), StoreError> {
        let ct = self.keys().encrypt(content, &context(document.request_id, document.id))?;
        let size = i64::try_from(document.size_bytes)
            .map_err(|_| StoreError::Corrupt("document too large".to_owned()))?;
        on_conn!(self.conn(), c => {
            sqlx::query(
                "INSERT INTO documents (id, request_id, kind, content_type, size_bytes, content_ct, created_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(document.id.to_string())
            .bind(document.request_id.to_string())
            .bind(&document.kind)
            .bind(&document.content_type)
            .bind(size)
            .bind(ct)
            .bind(document.created_at_ms)
            .execute(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "store a document"))?;
        });
        Ok(())
    }

    /// The documents of a request.
    pub async fn documents(&mut self, request_id: Id) -> Result<Vec<DocumentInfo>, StoreError> {
        let rows = on_conn!(self.conn(), c => {
            sqlx::query("SELECT id, request_id, kind, content_type, size_bytes, created_at_ms FROM documents WHERE request_id = $1 ORDER BY created_at_ms, id")
                .bind(request_id.to_string())
                .fetch_all(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "list documents"))?
                .iter()
                .map(|row| {
                    Ok::<_, sqlx::Error>((
                        row.try_get::<String, _>("id")?,
                        row.try_get::<String, _>("request_id")?,
                        row.try_get::<String, _>("kind")?,
                        row.try_get::<String, _>("content_type")?,
                        row.try_get::<i64, _>("size_bytes")?,
                        row.try_get::<i64, _>("created_at_ms")?,
                    ))
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| StoreError::from_sqlx(e, "list documents"))?
        });
        rows.into_iter().map(|(a, b, c, d, e, f)| info(a, b, c, d, e, f)).collect()
    }

    /// A document's content, decrypted. Callers showing it to staff audit the read.
    pub async fn document_content(&mut self, id: Id) -> Result<Zeroizing<Vec<u8>>, StoreError> {
        let row: Option<(String, Vec<u8>)> = on_conn!(self.conn(), c => {
            sqlx::query("SELECT request_id, content_ct FROM documents WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "read a document"))?
                .map(|row| Ok::<_, sqlx::Error>((row.try_get::<String, _>("request_id")?, row.try_get::<Vec<u8>, _>("content_ct")?)))
                .transpose()
                .map_err(|e| StoreError::from_sqlx(e, "read a document"))?
        });
        let (request_id, ct) =
            row.ok_or_else(|| StoreError::NotFound { what: "document", id: id.to_string() })?;
        let request_id = Id::parse(&request_id)
            .ok_or_else(|| StoreError::Corrupt(format!("document {id} has a malformed row")))?;
        self.keys().decrypt(&ct, &context(request_id, id))
    }
}
