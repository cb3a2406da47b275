//! Documents: uploaded once per content (sealed, named by SHA-256), listed and downloaded by
//! agencies holding `documents`, each step in the custody log.

use std::path::Path;

use chrono::{DateTime, Utc};
use diesel::Connection;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::load;
use crate::audit::{self, AuditAction, Ctx, Event};
use crate::authz::{Action, Category};
use crate::crypto::Vault;
use crate::db::cases as db;
use crate::db::{DbConnection, agencies};
use crate::domain::Invalid;
use crate::error::AppError;
use crate::services::document_access::readable;

/// Media types accepted for documents.
pub const DOCUMENT_TYPES: [&str; 8] = crate::domain::document::ACCEPTED;

/// A document as listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentView {
    /// Id.
    pub id: i64,
    /// File name.
    pub filename: String,
    /// Media type.
    pub content_type: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// Uploading agency code.
    pub agency: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

pub(super) fn document_view(
    conn: &mut DbConnection,
    vault: &Vault,
    row: db::DocumentRow,
) -> Result<DocumentView, AppError> {
    let agency = agencies::by_id(conn, row.agency_id)?
        .map(|a| a.code)
        .unwrap_or_default();
    view_with(vault, row, agency)
}

/// A document as answered, with its agency's code at hand.
fn view_with(
    vault: &Vault,
    row: db::DocumentRow,
    agency: String,
) -> Result<DocumentView, AppError> {
    let name = vault
        .open(&row.key_id, &row.filename_ciphertext)
        .map_err(AppError::internal)?;
    Ok(DocumentView {
        id: row.id,
        filename: String::from_utf8_lossy(&name).into_owned(),
        content_type: row.content_type,
        size_bytes: row.size_bytes,
        sha256: row.sha256,
        agency,
        created_at: crate::domain::utc(row.created_at),
    })
}

/// Where a document's encrypted content lives.
pub fn document_path(data_dir: &Path, sha256: &str) -> std::path::PathBuf {
    data_dir
        .join("documents")
        .join(sha256.get(..2).unwrap_or("00"))
        .join(sha256)
}

/// An uploaded file.
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    /// File name as given.
    pub filename: &'a str,
    /// `Content-Type` as given.
    pub content_type: &'a str,
    /// The bytes.
    pub content: &'a [u8],
}

/// Stores an uploaded document (encrypted, named by the SHA-256 of its content) and records it.
pub fn upload_document(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    data_dir: &Path,
    id: i64,
    upload: Upload<'_>,
) -> Result<DocumentView, AppError> {
    let Upload {
        filename,
        content_type,
        content,
    } = upload;
    let actor = crate::services::actor(ctx)?.clone();
    load(conn, &actor, id, Action::CaseEdit(Category::Documents))?;
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if !DOCUMENT_TYPES.contains(&media.as_str()) {
        return Err(Invalid::new(
            "content_type",
            format!("documents may be {}", DOCUMENT_TYPES.join(", ")),
        )
        .into());
    }
    let filename = crate::domain::text::clean_file_name(filename);
    if filename.is_empty() || filename.chars().count() > 200 || filename.contains(['/', '\\']) {
        return Err(
            Invalid::new("filename", "must be a plain file name of 1–200 characters").into(),
        );
    }
    if content.is_empty() {
        return Err(Invalid::new("content", "the document is empty").into());
    }
    crate::domain::document::check_content(&media, content).map_err(AppError::ContentMismatch)?;
    let sha256 = hex::encode(Sha256::digest(content));
    let path = document_path(data_dir, &sha256);
    crate::services::document_files::store(vault, &path, &sha256, content)?;
    let sealed_name = vault
        .seal(filename.as_bytes())
        .map_err(AppError::internal)?;
    let size = i64::try_from(content.len()).unwrap_or(i64::MAX);
    let doc_id = conn.transaction(|conn| -> Result<i64, AppError> {
        let doc_id = db::insert_document(
            conn,
            id,
            actor.agency_id,
            actor.user_id,
            &sealed_name,
            vault.key_id(),
            &media,
            size,
            &sha256,
            ctx.now,
        )?;
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::DocumentUploaded)
                .case(id)
                .subject("document", doc_id)
                .details(json!({"sha256": sha256, "size_bytes": size, "content_type": media})),
        )?;
        Ok(doc_id)
    })?;
    let row = db::document(conn, id, doc_id)?.ok_or(AppError::NotFound)?;
    document_view(conn, vault, row)
}

/// The documents of a case the actor's agency reads ([`authz`]'s document rule: the owner reads
/// all; another party those it uploaded and those attached to a handoff that gives it something).
pub fn documents(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    id: i64,
) -> Result<Vec<DocumentView>, AppError> {
    let actor = crate::services::actor(ctx)?;
    let (_, scope) = load(conn, actor, id, Action::CaseView)?;
    let attachments = crate::db::attachments::of_case(conn, id)?;
    let rows: Vec<db::DocumentRow> = db::documents(conn, id)?
        .into_iter()
        .filter(|row| readable(actor, &scope, &attachments, row))
        .collect();
    let agency_ids: Vec<i64> = rows.iter().map(|r| r.agency_id).collect();
    let codes: std::collections::HashMap<i64, String> = agencies::rows_of(conn, &agency_ids)?
        .into_iter()
        .map(|a| (a.id, a.code))
        .collect();
    rows.into_iter()
        .map(|row| {
            let agency = codes.get(&row.agency_id).cloned().unwrap_or_default();
            view_with(vault, row, agency)
        })
        .collect()
}

/// Reads a document's content for download; recorded in its custody log. A document the actor
/// may not read is not found.
pub fn download_document(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    data_dir: &Path,
    id: i64,
    doc_id: i64,
) -> Result<(DocumentView, Vec<u8>), AppError> {
    let actor = crate::services::actor(ctx)?;
    let (_, scope) = load(conn, actor, id, Action::CaseView)?;
    let row = db::document(conn, id, doc_id)?.ok_or(AppError::NotFound)?;
    let attachments = crate::db::attachments::of_case(conn, id)?;
    if !readable(actor, &scope, &attachments, &row) {
        return Err(AppError::NotFound);
    }
    let path = document_path(data_dir, &row.sha256);
    let content = crate::services::document_files::read(vault, &path, &row.sha256)?;
    conn.transaction(|conn| {
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::DocumentViewed)
                .case(id)
                .subject("document", doc_id)
                .details(json!({"sha256": row.sha256})),
        )
    })?;
    let view = document_view(conn, vault, row)?;
    Ok((view, content))
}
