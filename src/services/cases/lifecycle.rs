//! A case's tracks and closure.

use std::collections::BTreeMap;

use diesel::Connection;
use serde_json::json;

use super::{CaseDetail, load, parse_list, read::detail};
use crate::audit::{self, AuditAction, Ctx, Event};
use crate::authz::{Action, Category};
use crate::db::DbConnection;
use crate::db::cases as db;
use crate::domain::Invalid;
use crate::domain::case::{self as domain};
use crate::domain::classification as cls;
use crate::domain::stage_owner;
use crate::error::AppError;
use crate::error::ErrorCode;

/// Moves a track to another stage.
pub fn change_stage(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: i64,
    track: &str,
    stage: &str,
) -> Result<CaseDetail, AppError> {
    let actor = crate::services::actor(ctx)?.clone();
    let (row, scope) = load(conn, &actor, id, Action::CaseEdit(Category::Summary))?;
    let Some(stages) = cls::stages(track) else {
        return Err(Invalid::new(
            "track",
            "must be service, justice, protection or migrant_complaint",
        )
        .into());
    };
    if !stages.iter().any(|t| t.code == stage) {
        let codes: Vec<&str> = stages.iter().map(|t| t.code).collect();
        return Err(Invalid::new(
            "stage",
            format!(
                "unknown stage of {track}; expected one of {}",
                codes.join(", ")
            ),
        )
        .into());
    }
    check_recorder(conn, &actor, scope.owner_agency_id, track, stage)?;
    if !row.status.is_open() {
        return Err(AppError::Conflict {
            code: ErrorCode::CaseClosed,
            detail: "The case is closed.".to_owned(),
        });
    }
    let tracks: BTreeMap<String, String> = db::tracks(conn, id)?.into_iter().collect();
    let from = tracks.get(track).cloned().unwrap_or_default();
    if from == stage {
        return Err(
            Invalid::new("stage", format!("the {track} track is already at {stage}")).into(),
        );
    }
    conn.transaction(|conn| -> Result<(), AppError> {
        let watch = crate::services::stats_upkeep::Watch::case(conn, id)?;
        if !db::change_stage(
            conn,
            id,
            track,
            &from,
            stage,
            actor.user_id,
            actor.agency_id,
            ctx.now,
        )? {
            return Err(AppError::Conflict {
                code: ErrorCode::CaseStaleVersion,
                detail: "The stage changed meanwhile; reload the case.".to_owned(),
            });
        }
        watch.done(conn)?;
        db::touch(conn, id, ctx.now)?;
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::CaseStageChanged)
                .case(id)
                .subject("case", id)
                .details(json!({"track": track, "from": from, "to": stage})),
        )?;
        Ok(())
    })?;
    detail(conn, ctx, id)
}

/// 422 on `stage` unless the actor's agency records `stage` of `track`: the owner any stage,
/// another party those its kind owns ([`stage_owner`]).
fn check_recorder(
    conn: &mut DbConnection,
    actor: &crate::authz::Actor,
    owner_agency_id: i64,
    track: &str,
    stage: &str,
) -> Result<(), AppError> {
    let kind = super::agency_kind(conn, actor.agency_id)?;
    if stage_owner::may_record(owner_agency_id == actor.agency_id, kind, track, stage) {
        return Ok(());
    }
    Err(Invalid::new(
        "stage",
        format!(
            "{stage} on the {track} track is recorded by the case's owner or by {}, not by your agency",
            who_records(track, stage)
        ),
    )
    .into())
}

/// The kinds of agency that record a stage, in words ("police, prosecutor"; "nobody else").
fn who_records(track: &str, stage: &str) -> String {
    let kinds: Vec<&str> = stage_owner::recorded_by(track, stage)
        .iter()
        .map(|k| k.as_str())
        .collect();
    if kinds.is_empty() {
        "no other agency".to_owned()
    } else {
        kinds.join(" or ")
    }
}

/// Closes a case with a reason code (an adult TPKS case cannot be settled by mediation).
pub fn close(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: i64,
    reason: &str,
) -> Result<CaseDetail, AppError> {
    let actor = crate::services::actor(ctx)?.clone();
    let (row, _) = load(conn, &actor, id, Action::CaseClose)?;
    domain::check_closure(
        reason,
        &parse_list(&row.legal_basis),
        row.age_band.as_deref(),
    )?;
    if !row.status.is_open() {
        return Err(AppError::Conflict {
            code: ErrorCode::CaseClosed,
            detail: "The case is closed already.".to_owned(),
        });
    }
    conn.transaction(|conn| -> Result<(), AppError> {
        db::close(conn, id, reason, ctx.now)?;
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::CaseClosed)
                .case(id)
                .subject("case", id)
                .details(json!({"reason": reason})),
        )?;
        Ok(())
    })?;
    detail(conn, ctx, id)
}

/// Opens a closed case again with a reason code ([`domain::check_reopen`]: not a case closed
/// because the survivor died or as a duplicate): the owner's act, like closing.
pub fn reopen(
    conn: &mut DbConnection,
    ctx: &Ctx,
    id: i64,
    reason: &str,
) -> Result<CaseDetail, AppError> {
    let actor = crate::services::actor(ctx)?.clone();
    let (row, _) = load(conn, &actor, id, Action::CaseClose)?;
    if row.status.is_open() {
        return Err(AppError::Conflict {
            code: ErrorCode::CaseOpen,
            detail: "The case is open; only a closed case is reopened.".to_owned(),
        });
    }
    domain::check_reopen(reason, row.closure_reason.as_deref())?;
    conn.transaction(|conn| -> Result<(), AppError> {
        db::reopen(conn, id, ctx.now)?;
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::CaseReopened)
                .case(id)
                .subject("case", id)
                .details(json!({"reason": reason, "closed_as": row.closure_reason})),
        )?;
        Ok(())
    })?;
    detail(conn, ctx, id)
}
