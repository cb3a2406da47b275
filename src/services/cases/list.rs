//! The case list: the cases the caller's agency holds, filtered, newest first.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::Ctx;
use crate::authz::{self, Action, Resource};
use crate::db::cases::{self as db, CaseFilter};
use crate::db::{DbConnection, agencies};
use crate::domain::Invalid;
use crate::domain::case::CaseStatus;
use crate::domain::classification as cls;
use crate::error::AppError;

/// A case in a list: no identity, no incidents.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseListItem {
    /// Id.
    pub id: i64,
    /// Number.
    pub case_number: String,
    /// Owner agency code.
    pub owner_agency: String,
    /// Province.
    pub province: String,
    /// `open` / `closed`.
    pub status: CaseStatus,
    /// Risk level.
    pub risk_level: Option<String>,
    /// Age band.
    pub age_band: Option<String>,
    /// Stage of each track.
    pub tracks: BTreeMap<String, String>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// Query filters, as received.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CaseQuery {
    /// Case number or a part of it, e.g. `2026-0001` (letters and digits and `-`).
    pub number: Option<String>,
    /// `track:stage`, e.g. `justice:reported_to_police`.
    pub stage: Option<String>,
    /// Only cases whose track has left its first stage.
    pub track: Option<String>,
    /// Province code.
    pub province: Option<String>,
    /// SIMFONI-PPA form of violence code.
    pub form: Option<String>,
    /// Created on or after (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Created on or before (`YYYY-MM-DD`).
    pub to: Option<String>,
    /// Risk level code.
    pub risk: Option<String>,
    /// `open` or `closed`.
    pub status: Option<String>,
    /// Items per page (1–200).
    pub limit: Option<i64>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
}

pub(super) fn parse_filter(query: &CaseQuery) -> Result<(CaseFilter, Option<String>), AppError> {
    let mut problems = Vec::new();
    let mut filter = CaseFilter::default();
    if let Some(stage) = query.stage.as_deref() {
        match stage.split_once(':') {
            Some((track, code))
                if cls::stages(track).is_some_and(|s| s.iter().any(|t| t.code == code)) =>
            {
                filter.stage = Some((track.to_owned(), code.to_owned()));
            }
            _ => problems.push(Invalid::new(
                "stage",
                "must be TRACK:STAGE with a known track and stage, e.g. justice:reported_to_police",
            )),
        }
    }
    let track = match query.track.as_deref() {
        Some(track) if cls::stages(track).is_some() => Some(track.to_owned()),
        Some(_) => {
            problems.push(Invalid::new(
                "track",
                "must be service, justice, protection or migrant_complaint",
            ));
            None
        }
        None => None,
    };
    if let Some(province) = query.province.as_deref() {
        match crate::domain::agency::ProvinceCode::parse(province) {
            Ok(p) => filter.province = Some(p.as_string()),
            Err(e) => problems.push(e),
        }
    }
    if let Some(form) = query.form.as_deref() {
        if cls::VIOLENCE_FORM.contains(form) {
            filter.form = Some(form.to_owned());
        } else {
            problems.push(Invalid::new(
                "form",
                format!(
                    "unknown code; expected one of {}",
                    cls::VIOLENCE_FORM.codes().join(", ")
                ),
            ));
        }
    }
    if let Some(risk) = query.risk.as_deref() {
        if cls::RISK_LEVEL.contains(risk) {
            filter.risk_level = Some(risk.to_owned());
        } else {
            problems.push(Invalid::new(
                "risk",
                format!(
                    "unknown code; expected one of {}",
                    cls::RISK_LEVEL.codes().join(", ")
                ),
            ));
        }
    }
    if let Some(status) = query.status.as_deref() {
        if let Ok(status) = CaseStatus::parse(status) {
            filter.status = Some(status);
        } else {
            problems.push(Invalid::new("status", "must be open or closed"));
        }
    }
    if let Some(number) = query.number.as_deref().map(str::trim) {
        if !number.is_empty()
            && number.len() <= 32
            && number
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            filter.number = Some(number.to_ascii_uppercase());
        } else {
            problems.push(Invalid::new(
                "number",
                "must be a case number or part of one (letters, digits and -)",
            ));
        }
    }
    let date = |field: &'static str, text: &str, problems: &mut Vec<Invalid>| {
        crate::domain::parse_date(text)
            .ok_or(())
            .map_err(|_| problems.push(Invalid::new(field, "must be a date written YYYY-MM-DD")))
            .ok()
    };
    if let Some(from) = query.from.as_deref() {
        filter.from = date("from", from, &mut problems).and_then(|d| d.and_hms_opt(0, 0, 0));
    }
    if let Some(to) = query.to.as_deref() {
        filter.to = date("to", to, &mut problems)
            .and_then(|d| d.succ_opt())
            .and_then(|d| d.and_hms_opt(0, 0, 0));
    }
    if problems.is_empty() {
        Ok((filter, track))
    } else {
        Err(problems.into())
    }
}

/// The cases the actor's agency is party to, newest first, filtered.
pub fn list(
    conn: &mut DbConnection,
    ctx: &Ctx,
    query: &CaseQuery,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<CaseListItem>, AppError> {
    let actor = crate::services::actor(ctx)?;
    authz::can(actor, Action::CaseView, Resource::System)?;
    let (filter, track) = parse_filter(query)?;
    let mut out = Vec::new();
    let mut cursor = before;
    // A track filter is applied here (on the first stage), so keep reading until the page is full.
    loop {
        let rows = db::visible_to(conn, actor.agency_id, &filter, cursor, limit)?;
        let exhausted = i64::try_from(rows.len()).is_ok_and(|n| n < limit);
        for row in rows {
            cursor = Some(row.id);
            let scope = db::scope_of(conn, &row)?;
            if authz::can(actor, Action::CaseView, Resource::Case(&scope)).is_err() {
                continue;
            }
            let tracks: BTreeMap<String, String> = db::tracks(conn, row.id)?.into_iter().collect();
            if let Some(track) = &track {
                let first = cls::stages(track).and_then(|s| s.first()).map(|t| t.code);
                if tracks.get(track).map(String::as_str) == first {
                    continue;
                }
            }
            let owner = agencies::by_id(conn, row.owner_agency_id)?
                .map(|a| a.code)
                .unwrap_or_default();
            out.push(CaseListItem {
                id: row.id,
                case_number: row.case_number,
                owner_agency: owner,
                province: row.province,
                status: row.status,
                risk_level: row.risk_level,
                age_band: row.age_band,
                tracks,
                created_at: crate::domain::utc(row.created_at),
            });
            if i64::try_from(out.len()).is_ok_and(|n| n == limit) {
                return Ok(out);
            }
        }
        if exhausted {
            return Ok(out);
        }
    }
}
