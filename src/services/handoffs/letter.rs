//! The referral letter (surat rujukan) of a handoff: its number from the sending agency's yearly
//! counter ([`assign_number`], given once), and the letter as the web page and the PDF print it
//! ([`letter`]): only for whoever may see the handoff, each print recorded. docs/LETTERS.md.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;

use super::super::agreements::rule_of;
use crate::audit::{self, AuditAction, Ctx, Event};
use crate::authz::{self, Action, Category, Resource};
use crate::crypto::Vault;
use crate::db::agencies::AgencyRow;
use crate::db::handoffs::{self as db, HandoffRow};
use crate::db::schema::handoff_letters;
use crate::db::{DbConnection, agencies, cases as case_db, users};
use crate::domain::letter::{AgencyBlock, AttachedDocument, Clause, CounterKey, Letter};
use crate::error::AppError;

/// How a letter was served: the web page or the PDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LetterFormat {
    /// `GET /handoffs/{id}/letter`.
    Html,
    /// `GET /api/v1/handoffs/{id}/letter.pdf`.
    Pdf,
}

impl LetterFormat {
    /// `html` or `pdf`, as the audit event names it.
    pub fn as_str(self) -> &'static str {
        match self {
            LetterFormat::Html => "html",
            LetterFormat::Pdf => "pdf",
        }
    }
}

/// The letter of handoff `id` for the caller, recorded as `handoff.letter_printed` in the
/// transaction that gives it its number the first time. Whoever may not see the handoff gets 404;
/// a withdrawn or declined handoff still prints (marked).
pub fn letter(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    id: i64,
    format: LetterFormat,
) -> Result<Letter, AppError> {
    let actor = crate::services::actor(ctx)?;
    conn.transaction(|conn| {
        // Held first: two first prints at once wait for each other, and SQLite takes its write
        // lock before anything is read.
        crate::db::stats::lock_handoff(conn, id)?;
        let row = db::by_id(conn, id)?.ok_or(AppError::NotFound)?;
        authz::can(actor, Action::HandoffView, Resource::Handoff(row.scope()))
            .map_err(|_| AppError::NotFound)?;
        let number = assign_number(conn, &row, ctx.now)?;
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::LetterPrinted)
                .case(row.case_id)
                .subject("handoff", row.id)
                .details(json!({"format": format.as_str(), "number": number})),
        )?;
        build(conn, vault, actor.agency_id, row, number)
    })
}

/// The letter number of `handoff`: the stored one, or the next of its sending agency's counter for
/// the year of its sending date in the sender's zone, stored with it. Call inside the caller's
/// transaction: the counter row stays held (PostgreSQL row lock, SQLite write lock) until it ends,
/// so no two handoffs share a number and a rolled-back transaction leaves no gap.
pub fn assign_number(
    conn: &mut DbConnection,
    handoff: &HandoffRow,
    now: NaiveDateTime,
) -> Result<String, AppError> {
    crate::db::stats::lock_handoff(conn, handoff.id)?;
    if let Some(number) = stored_number(conn, handoff.id)? {
        return Ok(number);
    }
    let sender = agencies::by_id(conn, handoff.from_agency_id)?.ok_or(AppError::NotFound)?;
    number_new(conn, handoff, &sender, now)
}

/// Numbers the letter of a handoff this transaction has just inserted, from its sender's
/// counter: no number can be stored yet and the sender is in hand, so only the counter is
/// touched. Call last in the sending transaction: the counter row is held until the commit.
pub fn number_new(
    conn: &mut DbConnection,
    handoff: &HandoffRow,
    sender: &AgencyRow,
    now: NaiveDateTime,
) -> Result<String, AppError> {
    let key = CounterKey::of(sender.id, handoff.created_at, sender.province.as_deref());
    let seq = next_seq(conn, key.agency_id, key.year)?;
    let number = key.number(seq, &sender.code);
    diesel::insert_into(handoff_letters::table)
        .values((
            handoff_letters::handoff_id.eq(handoff.id),
            handoff_letters::number.eq(&number),
            handoff_letters::agency_id.eq(key.agency_id),
            handoff_letters::year.eq(key.year),
            handoff_letters::seq.eq(seq),
            handoff_letters::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(number)
}

/// The number a handoff's letter was given, if any.
pub fn stored_number(conn: &mut DbConnection, handoff_id: i64) -> Result<Option<String>, AppError> {
    Ok(handoff_letters::table
        .find(handoff_id)
        .select(handoff_letters::number)
        .first::<String>(conn)
        .optional()?)
}

/// The next position of an agency's letter counter for `year`: a row of the counters case numbers
/// use too (`db::cases::next_number`), under the prefix `letter:<agency id>`, held until the
/// transaction ends.
fn next_seq(conn: &mut DbConnection, agency_id: i64, year: i32) -> Result<i64, AppError> {
    Ok(case_db::next_number(
        conn,
        &format!("letter:{agency_id}"),
        year,
    )?)
}

/// The documents attached to a handoff, by name and SHA-256.
pub fn attached_documents(
    conn: &mut DbConnection,
    vault: &Vault,
    handoff_id: i64,
) -> Result<Vec<AttachedDocument>, AppError> {
    Ok(super::attached_documents(conn, vault, handoff_id)?
        .into_iter()
        .map(|d| AttachedDocument {
            name: d.filename,
            sha256: d.sha256,
        })
        .collect())
}

fn block(row: AgencyRow) -> AgencyBlock {
    AgencyBlock {
        name: row.name,
        code: row.code,
        address: row.address,
        region: row.region,
        province: row.province,
        email: row.email,
    }
}

/// The letter's content as agency `reader` may read it: the sender's message and the survivor's
/// name (the latter only when the handoff shares `identity`) for the sender, and for the receiver
/// while the handoff gives it access — as [`super::view`] shows the message.
fn build(
    conn: &mut DbConnection,
    vault: &Vault,
    reader: i64,
    row: HandoffRow,
    number: String,
) -> Result<Letter, AppError> {
    let version = db::version_by_id(conn, row.agreement_version_id)?.ok_or(AppError::NotFound)?;
    let rule = rule_of(conn, &row)?;
    let case = case_db::by_id(conn, row.case_id)?.ok_or(AppError::NotFound)?;
    let sender = agencies::by_id(conn, row.from_agency_id)?.ok_or(AppError::NotFound)?;
    let receiver = agencies::by_id(conn, row.to_agency_id)?.ok_or(AppError::NotFound)?;
    let signer = users::by_id(conn, row.created_by)?
        .map(|u| u.username)
        .unwrap_or_default();
    let reader_holds = row.shows_contents_to(reader);
    let message = match (&row.message_ciphertext, &row.key_id) {
        (Some(sealed), Some(key)) if reader_holds => Some(
            String::from_utf8_lossy(&vault.open(key, sealed).map_err(AppError::internal)?)
                .into_owned(),
        ),
        _ => None,
    };
    let survivor_name = if reader_holds && row.shares.0.contains(&Category::Identity) {
        let identity = vault
            .open(&case.identity_key_id, &case.identity_ciphertext)
            .map_err(AppError::internal)?;
        let identity: crate::domain::case::Identity =
            serde_json::from_slice(&identity).map_err(AppError::internal)?;
        Some(identity.full_name)
    } else {
        None
    };
    Ok(Letter {
        number,
        handoff_id: row.id,
        case_number: case.case_number,
        kind: row.kind,
        status: row.status,
        sender: block(sender),
        receiver: block(receiver),
        sent_at: row.created_at,
        respond_by: row.respond_by,
        clause: Clause {
            agreement_id: version.agreement_id,
            version: version.version,
            title: version.title,
            rule_id: row.rule_id.clone(),
            description: rule.description,
            legal_basis: rule.legal_basis,
        },
        categories: row.shares.0.iter().copied().collect(),
        message,
        documents: if reader_holds {
            attached_documents(conn, vault, row.id)?
        } else {
            Vec::new()
        },
        audit_hash: created_hash(conn, &row)?,
        signer,
        survivor_name,
    })
}

/// The hash of the handoff's `handoff.created` audit entry (its place in the case's chain).
fn created_hash(conn: &mut DbConnection, row: &HandoffRow) -> Result<Option<String>, AppError> {
    let filter = crate::db::audit::SearchFilter {
        case_id: Some(row.case_id),
        action: Some(AuditAction::HandoffCreated.as_str().to_owned()),
        ..Default::default()
    };
    let subject = row.id.to_string();
    let mut before = None;
    loop {
        let page = crate::db::audit::search(conn, &filter, before, 200)?;
        if let Some(event) = page
            .iter()
            .find(|e| e.subject_id.as_deref() == Some(subject.as_str()))
        {
            return Ok(Some(event.hash.clone()));
        }
        match page.last() {
            Some(last) if page.len() == 200 => before = Some(last.id),
            _ => return Ok(None),
        }
    }
}
