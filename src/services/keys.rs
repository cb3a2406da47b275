//! Rotation of the data key (`rujukan keys rotate`). Every sealed value still under a retired key
//! is opened and sealed again under the current one: case identities (with their NIK, passport,
//! phone and name word blind indexes rebuilt under the current key), notes, document file names, document content files,
//! handoff messages, trafficking chronologies and perpetrators' names.
//!
//! Rows go in batches. Each batch is written in its own transaction together with its
//! `keys.rotated` audit event, and a row is replaced only if it still holds the ciphertext that was
//! read, so a change made meanwhile by `serve` wins. A run that stops halfway leaves every value
//! under the old key or the new one, both configured, and the next run picks up what is left.
//! Content files are replaced whole (see [`super::document_files`]).
//!
//! [`reindex`] (`rujukan keys reindex`) rebuilds the blind indexes of identities already under the
//! current key: the search indexes of cases taken in before those indexes existed.

use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroU32;
use std::path::Path;

use diesel::{Connection, QueryResult};
use serde_json::json;

use crate::audit::{self, AuditAction, Ctx, Event};
use crate::crypto::Vault;
use crate::db::cases::{self as case_db, SealedIdentity, SealedRow};
use crate::db::{DbConnection, handoffs};
use crate::domain::case::Identity;
use crate::error::AppError;

/// A kind of sealed value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sealed {
    /// A case's survivor identity, with its blind indexes.
    CaseIdentity,
    /// A note's text.
    Note,
    /// A document's file name.
    DocumentName,
    /// A document's content file.
    DocumentFile,
    /// A handoff's message.
    HandoffMessage,
    /// A case's trafficking chronology.
    Chronology,
    /// A perpetrator's name.
    PerpetratorName,
}

impl Sealed {
    /// Every kind, in the order a rotation takes them.
    pub const ALL: [Sealed; 7] = [
        Sealed::CaseIdentity,
        Sealed::Note,
        Sealed::DocumentName,
        Sealed::DocumentFile,
        Sealed::HandoffMessage,
        Sealed::Chronology,
        Sealed::PerpetratorName,
    ];

    /// The code in audit details.
    pub fn code(self) -> &'static str {
        match self {
            Sealed::CaseIdentity => "case_identity",
            Sealed::Note => "note",
            Sealed::DocumentName => "document_name",
            Sealed::DocumentFile => "document_file",
            Sealed::HandoffMessage => "handoff_message",
            Sealed::Chronology => "chronology",
            Sealed::PerpetratorName => "perpetrator_name",
        }
    }

    /// What the command line calls them.
    pub fn label(self) -> &'static str {
        match self {
            Sealed::CaseIdentity => "case identities and their blind indexes",
            Sealed::Note => "notes",
            Sealed::DocumentName => "document file names",
            Sealed::DocumentFile => "document files",
            Sealed::HandoffMessage => "handoff messages",
            Sealed::Chronology => "chronologies",
            Sealed::PerpetratorName => "perpetrator names",
        }
    }

    /// How one value of this kind is named in a problem report.
    fn subject(self) -> &'static str {
        match self {
            Sealed::CaseIdentity => "case",
            Sealed::Note => "note",
            Sealed::DocumentName => "document",
            Sealed::DocumentFile => "document file",
            Sealed::HandoffMessage => "handoff",
            Sealed::Chronology => "case chronology",
            Sealed::PerpetratorName => "perpetrator",
        }
    }
}

/// A value a rotation could not move, left as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Left {
    /// Its kind.
    pub kind: Sealed,
    /// Row id, or the SHA-256 of a content file.
    pub id: String,
    /// Why (never the value).
    pub problem: String,
}

impl std::fmt::Display for Left {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.kind.subject(), self.id, self.problem)
    }
}

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    /// The current key's id, which everything moved to.
    pub key_id: String,
    /// Values sealed again, by kind.
    pub resealed: BTreeMap<Sealed, u64>,
    /// Values that could not be moved; they stay as they were.
    pub left: Vec<Left>,
}

impl Rotation {
    /// Values sealed again in all.
    pub fn total(&self) -> u64 {
        self.resealed.values().sum()
    }

    /// Values sealed again of one kind.
    pub fn of(&self, kind: Sealed) -> u64 {
        self.resealed.get(&kind).copied().unwrap_or(0)
    }
}

/// A value opened and sealed again, ready to be written.
struct Prepared {
    row: SealedRow,
    ciphertext: String,
    nik_index: Option<String>,
    passport_index: Option<String>,
    phone_index: Option<String>,
    name_indexes: Vec<String>,
}

/// Seals everything still under a retired key again under the current key of `vault`, in batches
/// of `batch` values; `progress` hears each kind's running count after every batch that moved
/// something. `data_dir` holds the document files. For the command line's operator only (`ctx`
/// without an actor): no endpoint reaches it.
pub fn rotate(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    data_dir: &Path,
    batch: NonZeroU32,
    progress: &mut dyn FnMut(Sealed, u64),
) -> Result<Rotation, AppError> {
    if ctx.actor.is_some() {
        return Err(AppError::Forbidden);
    }
    let mut run = Run {
        ctx,
        vault,
        batch: i64::from(batch.get()),
        progress,
        rotation: Rotation {
            key_id: vault.key_id().to_owned(),
            resealed: BTreeMap::new(),
            left: Vec::new(),
        },
    };
    run.rows(
        conn,
        Sealed::CaseIdentity,
        case_db::identities_not_under,
        &write_identity,
    )?;
    let note = plain(case_db::reseal_note);
    run.rows(conn, Sealed::Note, case_db::notes_not_under, &note)?;
    let name = plain(case_db::reseal_document_name);
    run.rows(
        conn,
        Sealed::DocumentName,
        case_db::document_names_not_under,
        &name,
    )?;
    run.files(conn, data_dir)?;
    let message = plain(handoffs::reseal_message);
    run.rows(
        conn,
        Sealed::HandoffMessage,
        handoffs::messages_not_under,
        &message,
    )?;
    let chronology = plain(case_db::reseal_chronology);
    run.rows(
        conn,
        Sealed::Chronology,
        case_db::chronologies_not_under,
        &chronology,
    )?;
    let perpetrator = plain(case_db::reseal_perpetrator_name);
    run.rows(
        conn,
        Sealed::PerpetratorName,
        case_db::perpetrator_names_not_under,
        &perpetrator,
    )?;
    Ok(run.rotation)
}

/// One rotation under way.
struct Run<'a> {
    ctx: &'a Ctx,
    vault: &'a Vault,
    batch: i64,
    progress: &'a mut dyn FnMut(Sealed, u64),
    rotation: Rotation,
}

/// Loads a batch of rows above an id that are not under a key.
type Load = fn(&mut DbConnection, &str, i64, i64) -> QueryResult<Vec<SealedRow>>;

/// Writes a value sealed again under the key named by the last argument, if the row still holds
/// what was read; returns whether it did.
type Write = dyn Fn(&mut DbConnection, &Prepared, &str) -> QueryResult<bool>;

/// Replaces a row's ciphertext: `(row id, old ciphertext, new ciphertext, key id)`.
type Reseal = fn(&mut DbConnection, i64, &str, &str, &str) -> QueryResult<bool>;

/// The writer of a value that is only a ciphertext.
fn plain(reseal: Reseal) -> impl Fn(&mut DbConnection, &Prepared, &str) -> QueryResult<bool> {
    move |conn, p, key_id| reseal(conn, p.row.id, &p.row.ciphertext, &p.ciphertext, key_id)
}

/// The writer of a case identity: the ciphertext with its blind indexes (NIK, passport, phone
/// and the words of the name).
fn write_identity(conn: &mut DbConnection, p: &Prepared, key_id: &str) -> QueryResult<bool> {
    let written = case_db::reseal_identity(
        conn,
        p.row.id,
        &p.row.ciphertext,
        &SealedIdentity {
            ciphertext: &p.ciphertext,
            key_id,
            nik_index: p.nik_index.as_deref(),
            passport_index: p.passport_index.as_deref(),
        },
    )?;
    if written {
        let phone = p.phone_index.as_deref();
        case_db::replace_search_indexes(conn, p.row.id, &p.name_indexes, phone)?;
    }
    Ok(written)
}

impl Run<'_> {
    /// Moves the rows of one kind, batch by batch.
    fn rows(
        &mut self,
        conn: &mut DbConnection,
        kind: Sealed,
        load: Load,
        write: &Write,
    ) -> Result<(), AppError> {
        let mut after = 0;
        loop {
            let rows = load(conn, self.vault.key_id(), after, self.batch)?;
            let Some(last) = rows.last() else {
                return Ok(());
            };
            after = last.id;
            let mut ready = Vec::with_capacity(rows.len());
            for row in rows {
                match self.prepare(kind, row) {
                    Ok(prepared) => ready.push(prepared),
                    Err(left) => self.rotation.left.push(left),
                }
            }
            if ready.is_empty() {
                continue;
            }
            // Read outside, written inside: each write checks the row still holds what was read.
            let moved = conn.transaction(|conn| -> Result<u64, AppError> {
                let mut moved = 0;
                let mut from = BTreeSet::new();
                for prepared in &ready {
                    if write(conn, prepared, self.vault.key_id())? {
                        moved += 1;
                        from.insert(prepared.row.key_id.clone());
                    }
                }
                self.record(conn, kind, moved, &from)?;
                Ok(moved)
            })?;
            self.count(kind, moved);
        }
    }

    /// Opens one row's value and seals it again (with the blind indexes of an identity).
    fn prepare(&self, kind: Sealed, row: SealedRow) -> Result<Prepared, Left> {
        let left = |problem: String| Left {
            kind,
            id: row.id.to_string(),
            problem,
        };
        if !self.vault.has_key(&row.key_id) {
            return Err(left(format!(
                "sealed under key {}, which is not configured (list that key in security.retired_data_keys)",
                row.key_id
            )));
        }
        let plain = self
            .vault
            .open(&row.key_id, &row.ciphertext)
            .map_err(|e| left(format!("{e} (key {})", row.key_id)))?;
        let indexes = if kind == Sealed::CaseIdentity {
            let identity: Identity = serde_json::from_slice(&plain)
                .map_err(|_| left("the opened identity is not a survivor identity".to_owned()))?;
            identity_indexes(self.vault, &identity)
        } else {
            Indexes::default()
        };
        let ciphertext = self.vault.seal(&plain).map_err(|e| left(e.to_string()))?;
        Ok(Prepared {
            row,
            ciphertext,
            nik_index: indexes.nik,
            passport_index: indexes.passport,
            phone_index: indexes.phone,
            name_indexes: indexes.name,
        })
    }

    /// Moves the document content files, one page of distinct hashes at a time.
    fn files(&mut self, conn: &mut DbConnection, data_dir: &Path) -> Result<(), AppError> {
        let kind = Sealed::DocumentFile;
        let mut after = String::new();
        loop {
            let hashes = case_db::document_hashes_after(conn, &after, self.batch)?;
            let Some(last) = hashes.last() else {
                return Ok(());
            };
            after = last.clone();
            let mut moved = 0;
            let mut from = BTreeSet::new();
            for sha256 in hashes {
                let path = super::cases::document_path(data_dir, &sha256);
                match super::document_files::reseal(self.vault, &path, &sha256) {
                    Ok(Some(old)) => {
                        moved += 1;
                        from.insert(old);
                    }
                    Ok(None) => {}
                    Err(problem) => self.rotation.left.push(Left {
                        kind,
                        id: sha256,
                        problem,
                    }),
                }
            }
            if moved > 0 {
                // The files are replaced already; the event records them right after.
                conn.transaction(|conn| self.record(conn, kind, moved, &from))?;
                self.count(kind, moved);
            }
        }
    }

    /// The audit event of one batch that moved something.
    fn record(
        &self,
        conn: &mut DbConnection,
        kind: Sealed,
        moved: u64,
        from: &BTreeSet<String>,
    ) -> Result<(), AppError> {
        if moved == 0 {
            return Ok(());
        }
        let ctx = Ctx {
            now: chrono::Utc::now().naive_utc().max(self.ctx.now),
            ..self.ctx.clone()
        };
        audit::record(
            conn,
            &ctx,
            Event::new(AuditAction::KeysRotated).details(json!({
                "kind": kind.code(),
                "count": moved,
                "key_id": self.vault.key_id(),
                "from_key_ids": from,
            })),
        )?;
        Ok(())
    }

    /// Adds a batch to the counts and tells `progress` when it moved something.
    fn count(&mut self, kind: Sealed, moved: u64) {
        if moved == 0 {
            return;
        }
        let total = self.rotation.resealed.entry(kind).or_default();
        *total += moved;
        (self.progress)(kind, *total);
    }
}

/// Rebuilds every blind index (NIK, passport, phone, the words of the name) of the case
/// identities sealed under the current key, sealing nothing again: `rujukan keys reindex`, for
/// cases taken in before an index existed (identities under a retired key get theirs from
/// [`rotate`]). Each batch is one transaction with its `keys.reindexed` event; an identity changed
/// meanwhile keeps the indexes its change wrote. Returns the number of identities indexed. For
/// the command line's operator only.
pub fn reindex(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    batch: NonZeroU32,
) -> Result<u64, AppError> {
    if ctx.actor.is_some() {
        return Err(AppError::Forbidden);
    }
    let (mut after, mut total) = (0, 0);
    loop {
        let rows = case_db::identities_under(conn, vault.key_id(), after, i64::from(batch.get()))?;
        let Some(last) = rows.last() else {
            return Ok(total);
        };
        after = last.id;
        let mut ready = Vec::with_capacity(rows.len());
        for row in rows {
            let plain = vault.open(&row.key_id, &row.ciphertext);
            let identity = plain
                .ok()
                .and_then(|p| serde_json::from_slice::<Identity>(&p).ok());
            if let Some(identity) = identity {
                let i = identity_indexes(vault, &identity);
                ready.push(Prepared {
                    ciphertext: row.ciphertext.clone(),
                    row,
                    nik_index: i.nik,
                    passport_index: i.passport,
                    phone_index: i.phone,
                    name_indexes: i.name,
                });
            }
        }
        total += conn.transaction(|conn| -> Result<u64, AppError> {
            let mut done = 0;
            for prepared in &ready {
                if write_identity(conn, prepared, vault.key_id())? {
                    done += 1;
                }
            }
            if done > 0 {
                audit::record(
                    conn,
                    ctx,
                    Event::new(AuditAction::KeysReindexed)
                        .details(json!({"count": done, "key_id": vault.key_id()})),
                )?;
            }
            Ok(done)
        })?;
    }
}

/// The blind indexes of one identity under the current key.
#[derive(Debug, Default)]
struct Indexes {
    nik: Option<String>,
    passport: Option<String>,
    phone: Option<String>,
    name: Vec<String>,
}

/// Every blind index of an identity under the current key of `vault`.
fn identity_indexes(vault: &Vault, identity: &Identity) -> Indexes {
    Indexes {
        nik: identity.nik.as_deref().map(|n| vault.blind_index("nik", n)),
        passport: identity
            .passport_number
            .as_deref()
            .map(|p| vault.blind_index("passport", p)),
        phone: crate::services::cases::phone_index(vault, identity.phone.as_deref()),
        name: crate::services::cases::name_indexes(vault, &identity.full_name),
    }
}
