//! The trafficking (TPPO) facts of a case: the intake channel and repatriation (read by every
//! party), the chronology and the perpetrators' names (sealed like notes; read by agencies that
//! hold the case's `incident` category, written with it), and adding a perpetrator.

use chrono::NaiveDateTime;
use diesel::Connection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::load;
use crate::audit::{self, AuditAction, Ctx, Event};
use crate::authz::{Action, Category};
use crate::crypto::Vault;
use crate::db::DbConnection;
use crate::db::cases::{self as db, NewPerpetrator, PerpetratorRow, TraffickingRow};
use crate::domain::Invalid;
use crate::domain::case::trafficking::{self as domain, Perpetrator, Repatriation, Trafficking};
use crate::domain::case::{PerpetratorInput, RepatriationInput};
use crate::error::{AppError, ErrorCode};

/// A perpetrator or intermediary as shown to an agency holding `incident`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PerpetratorView {
    /// Id.
    pub id: i64,
    /// Role code (`perpetrators.role`).
    pub role: String,
    /// Name.
    pub name: String,
}

/// The trafficking facts of a case as the caller may read them.
#[derive(Debug, Clone, Default)]
pub struct TraffickingView {
    /// Intake channel code.
    pub intake_channel: Option<String>,
    /// Repatriation.
    pub repatriation: Repatriation,
    /// Chronology, when the caller reads it.
    pub chronology: Option<String>,
    /// Perpetrators, when the caller reads them.
    pub perpetrators: Option<Vec<PerpetratorView>>,
}

fn open_text(vault: &Vault, key_id: &str, sealed: &str) -> Result<String, AppError> {
    let bytes = vault.open(key_id, sealed).map_err(AppError::internal)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// What a case holds; the chronology and names opened only when `sensitive` (the caller's
/// agency holds `incident`) and a vault is at hand.
pub(super) fn view(
    conn: &mut DbConnection,
    vault: Option<&Vault>,
    case_id: i64,
    sensitive: bool,
) -> Result<TraffickingView, AppError> {
    // The facts and the perpetrators in one statement where the names are opened.
    let (row, perpetrators) = if sensitive && vault.is_some() {
        let (row, perpetrators) = db::trafficking_with_perpetrators(conn, case_id)?;
        (row.unwrap_or_default(), perpetrators)
    } else {
        (
            db::trafficking(conn, case_id)?.unwrap_or_default(),
            Vec::new(),
        )
    };
    let mut view = TraffickingView {
        intake_channel: row.intake_channel.clone(),
        repatriation: Repatriation {
            return_date: row.return_date,
            debarkation_point: row.debarkation_point.clone(),
        },
        ..TraffickingView::default()
    };
    let Some(vault) = vault.filter(|_| sensitive) else {
        return Ok(view);
    };
    if let (Some(sealed), Some(key)) = (&row.chronology_ciphertext, &row.chronology_key_id) {
        view.chronology = Some(open_text(vault, key, sealed)?);
    }
    view.perpetrators = Some(
        perpetrators
            .into_iter()
            .map(|p: PerpetratorRow| {
                Ok(PerpetratorView {
                    id: p.id,
                    role: p.role,
                    name: open_text(vault, &p.key_id, &p.name_ciphertext)?,
                })
            })
            .collect::<Result<_, AppError>>()?,
    );
    Ok(view)
}

fn seal_names(vault: &Vault, list: &[Perpetrator]) -> Result<Vec<NewPerpetrator>, AppError> {
    list.iter()
        .map(|p| {
            Ok(NewPerpetrator {
                role: p.role.clone(),
                name_ciphertext: vault.seal(p.name.as_bytes()).map_err(AppError::internal)?,
                key_id: vault.key_id().to_owned(),
            })
        })
        .collect()
}

/// The trafficking facts of a change, validated and sealed, ready to be written.
#[derive(Debug, Clone, Default)]
pub(super) struct Prepared {
    /// The row to write, if any of its fields changes.
    row: Option<TraffickingRow>,
    /// The perpetrators replacing the stored ones, if given.
    perpetrators: Option<Vec<NewPerpetrator>>,
}

/// The trafficking facts of an intake, sealed.
pub(super) fn prepare_new(
    vault: &Vault,
    case_id: i64,
    t: &Trafficking,
    now: NaiveDateTime,
) -> Result<Prepared, AppError> {
    let (chronology_ciphertext, chronology_key_id) =
        seal_chronology(vault, t.chronology.as_deref())?;
    let any = !t.given().is_empty();
    Ok(Prepared {
        row: any.then(|| TraffickingRow {
            case_id,
            intake_channel: t.intake_channel.clone(),
            return_date: t.repatriation.return_date,
            debarkation_point: t.repatriation.debarkation_point.clone(),
            chronology_ciphertext,
            chronology_key_id,
            updated_at: now,
        }),
        perpetrators: Some(seal_names(vault, &t.perpetrators)?),
    })
}

fn seal_chronology(
    vault: &Vault,
    text: Option<&str>,
) -> Result<(Option<String>, Option<String>), AppError> {
    Ok(match text {
        Some(text) => (
            Some(vault.seal(text.as_bytes()).map_err(AppError::internal)?),
            Some(vault.key_id().to_owned()),
        ),
        None => (None, None),
    })
}

/// The trafficking part of a change: each field given replaces the stored one (an empty string
/// clears it); `perpetrators` replaces the whole list.
#[derive(Debug, Clone, Default)]
pub(super) struct Change<'a> {
    pub intake_channel: Option<&'a str>,
    pub repatriation: Option<&'a RepatriationInput>,
    pub chronology: Option<&'a str>,
    pub perpetrators: Option<&'a [PerpetratorInput]>,
}

impl Change<'_> {
    fn is_empty(&self) -> bool {
        self.intake_channel.is_none()
            && self.repatriation.is_none()
            && self.chronology.is_none()
            && self.perpetrators.is_none()
    }
}

/// Validates and seals a change against the stored facts of the case.
pub(super) fn prepare_change(
    conn: &mut DbConnection,
    vault: &Vault,
    case_id: i64,
    change: &Change<'_>,
    ctx: &Ctx,
) -> Result<Prepared, AppError> {
    if change.is_empty() {
        return Ok(Prepared::default());
    }
    let mut problems: Vec<Invalid> = Vec::new();
    let mut row = db::trafficking(conn, case_id)?.unwrap_or(TraffickingRow {
        case_id,
        ..TraffickingRow::default()
    });
    row.updated_at = ctx.now;
    if let Some(channel) = change.intake_channel {
        row.intake_channel = domain::parse_channel(Some(channel), &mut problems);
    }
    if let Some(r) = change.repatriation {
        let r = domain::parse_repatriation(r, ctx.now.date(), &mut problems);
        row.return_date = r.return_date;
        row.debarkation_point = r.debarkation_point;
    }
    if let Some(text) = change.chronology {
        let text = domain::parse_chronology(Some(text), &mut problems);
        (row.chronology_ciphertext, row.chronology_key_id) =
            seal_chronology(vault, text.as_deref())?;
    }
    let perpetrators = change
        .perpetrators
        .map(|list| domain::parse_perpetrators(list, 0, &mut problems));
    if !problems.is_empty() {
        return Err(problems.into());
    }
    let touches_row = change.intake_channel.is_some()
        || change.repatriation.is_some()
        || change.chronology.is_some();
    Ok(Prepared {
        row: touches_row.then_some(row),
        perpetrators: perpetrators
            .map(|list| seal_names(vault, &list))
            .transpose()?,
    })
}

/// Writes prepared facts (in the change's transaction, which holds the case row).
pub(super) fn write(
    conn: &mut DbConnection,
    case_id: i64,
    by: i64,
    prepared: &Prepared,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    if let Some(row) = &prepared.row {
        db::save_trafficking(conn, row)?;
    }
    if let Some(list) = &prepared.perpetrators {
        db::delete_perpetrators(conn, case_id)?;
        db::insert_perpetrators(conn, case_id, list, by, now)?;
    }
    Ok(())
}

/// `POST /cases/{id}/perpetrators`: one more perpetrator or intermediary.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PerpetratorAdd {
    /// Role code (`perpetrators.role`).
    pub role: String,
    /// Name (1–200 characters; encrypted).
    pub name: String,
}

/// Adds a perpetrator or intermediary to a case (needs `incident`); the case's version moves and
/// `case.updated` records the section, never the name.
pub fn add_perpetrator(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    id: i64,
    input: PerpetratorAdd,
) -> Result<PerpetratorView, AppError> {
    let actor = crate::services::actor(ctx)?.clone();
    let (row, _) = load(conn, &actor, id, Action::CaseEdit(Category::Incident))?;
    if !row.status.is_open() {
        return Err(AppError::Conflict {
            code: ErrorCode::CaseClosed,
            detail: "The case is closed.".to_owned(),
        });
    }
    let given = PerpetratorInput {
        role: input.role,
        name: input.name,
    };
    conn.transaction(|conn| -> Result<PerpetratorView, AppError> {
        crate::db::stats::lock_case(conn, id)?;
        if db::perpetrators(conn, id)?.len() >= domain::PERPETRATORS_MAX {
            return Err(Invalid::new(
                "perpetrators",
                format!("at most {} perpetrators", domain::PERPETRATORS_MAX),
            )
            .into());
        }
        let mut problems = Vec::new();
        let found = domain::parse_perpetrators(std::slice::from_ref(&given), 0, &mut problems);
        let Some(p) = found.into_iter().next().filter(|_| problems.is_empty()) else {
            // The body names its fields `role` and `name`.
            let fields: Vec<Invalid> = problems
                .into_iter()
                .map(|e| {
                    let field = e.field.trim_start_matches("perpetrators[0].").to_owned();
                    Invalid::new(field, e.message)
                })
                .collect();
            return Err(fields.into());
        };
        let sealed = seal_names(vault, std::slice::from_ref(&p))?;
        let ids = db::insert_perpetrators(conn, id, &sealed, actor.user_id, ctx.now)?;
        db::touch(conn, id, ctx.now)?;
        let version = db::by_id(conn, id)?.map_or(row.version, |r| r.version);
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::CaseUpdated)
                .case(id)
                .subject("case", id)
                .details(json!({
                    "sections": ["perpetrators"],
                    "perpetrators_added": 1,
                    "version": version,
                })),
        )?;
        Ok(PerpetratorView {
            id: ids.first().copied().unwrap_or_default(),
            role: p.role,
            name: p.name,
        })
    })
}
