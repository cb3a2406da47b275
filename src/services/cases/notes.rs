//! Notes: each agency's own, sealed at rest.

use chrono::{DateTime, Utc};
use diesel::Connection;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::load;
use crate::audit::{self, AuditAction, Ctx, Event};
use crate::authz::{Action, Category};
use crate::crypto::Vault;
use crate::db::DbConnection;
use crate::db::cases as db;
use crate::domain::Invalid;
use crate::error::AppError;

/// A note as shown to its agency.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoteView {
    /// Id.
    pub id: i64,
    /// Author's username.
    pub author: String,
    /// Text.
    pub body: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Adds a note, visible only to the writer's agency.
pub fn add_note(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    id: i64,
    body: &str,
) -> Result<NoteView, AppError> {
    let actor = crate::services::actor(ctx)?.clone();
    load(conn, &actor, id, Action::CaseEdit(Category::Summary))?;
    let body = body.trim();
    if body.is_empty() || body.chars().count() > 20_000 {
        return Err(Invalid::new("body", "must be 1–20000 characters").into());
    }
    let sealed = vault.seal(body.as_bytes()).map_err(AppError::internal)?;
    let note_id = conn.transaction(|conn| -> Result<i64, AppError> {
        let note_id = db::insert_note(
            conn,
            id,
            actor.agency_id,
            actor.user_id,
            &sealed,
            vault.key_id(),
            ctx.now,
        )?;
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::NoteAdded)
                .case(id)
                .subject("note", note_id)
                .details(json!({"length": body.chars().count()})),
        )?;
        Ok(note_id)
    })?;
    Ok(NoteView {
        id: note_id,
        author: actor.username,
        body: body.to_owned(),
        created_at: crate::domain::utc(ctx.now),
    })
}

/// The notes the actor's agency wrote on a case.
pub fn notes(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    id: i64,
) -> Result<Vec<NoteView>, AppError> {
    let actor = crate::services::actor(ctx)?;
    load(conn, actor, id, Action::CaseView)?;
    let rows = db::notes_of_agency(conn, id, actor.agency_id)?;
    let authors: Vec<i64> = rows.iter().map(|r| r.author_id).collect();
    let names = crate::db::users::usernames_of(conn, &authors)?;
    rows.into_iter()
        .map(|row| {
            let body = vault
                .open(&row.key_id, &row.body_ciphertext)
                .map_err(AppError::internal)?;
            let author = names.get(&row.author_id).cloned().unwrap_or_default();
            Ok(NoteView {
                id: row.id,
                author,
                body: String::from_utf8_lossy(&body).into_owned(),
                created_at: crate::domain::utc(row.created_at),
            })
        })
        .collect()
}
