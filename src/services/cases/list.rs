//! The case list: the cases the caller's agency holds, filtered, newest first.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use diesel::Connection;
use serde_json::json;

use crate::audit::{self, AuditAction, Ctx, Event};
use crate::authz::{self, Action, Resource};
use crate::crypto::Vault;
use crate::db::cases::{self as db, CaseFilter, SearchKey};
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
    /// Username of the caseworker who works the case (for the owning agency).
    pub assigned_to: Option<String>,
    /// That caseworker's name.
    pub assigned_to_name: Option<String>,
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
    /// One whole word of the survivor's name (3 letters or more; case, diacritics and punctuation
    /// do not matter), matched through its blind index.
    pub name: Option<String>,
    /// NIK, matched exactly through its blind index.
    pub nik: Option<String>,
    /// Passport number, matched exactly through its blind index.
    pub passport: Option<String>,
    /// Phone number (digits count; `+62`/`62` is the same as `0`), through its blind index.
    pub phone: Option<String>,
    /// `me`: the cases assigned to the caller; or the username of someone of the caller's agency.
    pub assigned: Option<String>,
    /// Items per page (1–200).
    pub limit: Option<i64>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
}

/// The list's filters and the track filter (applied while reading), each checked; every
/// problem found is answered at once.
pub(super) fn parse_filter(query: &CaseQuery) -> Result<(CaseFilter, Option<String>), AppError> {
    let mut problems = Vec::new();
    let p = &mut problems;
    let stage = checked(query.stage.as_deref(), stage_of, p);
    let track = checked(query.track.as_deref(), track_of, p);
    let province = checked(
        query.province.as_deref(),
        |t| crate::domain::agency::ProvinceCode::parse(t).map(|code| code.as_string()),
        p,
    );
    let form = checked(
        query.form.as_deref(),
        |t| code_of(&cls::VIOLENCE_FORM, "form", t),
        p,
    );
    let risk_level = checked(
        query.risk.as_deref(),
        |t| code_of(&cls::RISK_LEVEL, "risk", t),
        p,
    );
    let status = checked(
        query.status.as_deref(),
        |t| CaseStatus::parse(t).map_err(|_| Invalid::new("status", "must be open or closed")),
        p,
    );
    let number = checked(query.number.as_deref().map(str::trim), number_of, p);
    let from = checked(query.from.as_deref(), |t| day_of("from", t), p);
    let to = checked(query.to.as_deref(), |t| day_of("to", t), p);
    if !problems.is_empty() {
        return Err(problems.into());
    }
    let filter = CaseFilter {
        number,
        stage,
        province,
        form,
        from: from.and_then(|d| d.and_hms_opt(0, 0, 0)),
        // A date as the end includes that whole day.
        to: to
            .and_then(|d| d.succ_opt())
            .and_then(|d| d.and_hms_opt(0, 0, 0)),
        risk_level,
        status,
        matching: None,
        assigned_to: None,
    };
    Ok((filter, track))
}

/// The value of a filter given as `text`, or its problem added to `problems`.
fn checked<T>(
    text: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, Invalid>,
    problems: &mut Vec<Invalid>,
) -> Option<T> {
    parse(text?).map_err(|e| problems.push(e)).ok()
}

/// A date written `YYYY-MM-DD`.
fn day_of(field: &'static str, text: &str) -> Result<chrono::NaiveDate, Invalid> {
    crate::domain::parse_date(text)
        .ok_or_else(|| Invalid::new(field, "must be a date written YYYY-MM-DD"))
}

/// `TRACK:STAGE` with a known track and stage.
fn stage_of(text: &str) -> Result<(String, String), Invalid> {
    match text.split_once(':') {
        Some((track, code))
            if cls::stages(track).is_some_and(|s| s.iter().any(|t| t.code == code)) =>
        {
            Ok((track.to_owned(), code.to_owned()))
        }
        _ => Err(Invalid::new(
            "stage",
            "must be TRACK:STAGE with a known track and stage, e.g. justice:reported_to_police",
        )),
    }
}

/// A known track.
fn track_of(text: &str) -> Result<String, Invalid> {
    if cls::stages(text).is_some() {
        Ok(text.to_owned())
    } else {
        Err(Invalid::new(
            "track",
            "must be service, justice, protection or migrant_complaint",
        ))
    }
}

/// A code of `list`.
fn code_of(list: &cls::List, field: &'static str, text: &str) -> Result<String, Invalid> {
    if list.contains(text) {
        Ok(text.to_owned())
    } else {
        Err(Invalid::new(
            field,
            format!("unknown code; expected one of {}", list.codes().join(", ")),
        ))
    }
}

/// A case number or a part of one, upper-cased.
fn number_of(text: &str) -> Result<String, Invalid> {
    if !text.is_empty()
        && text.len() <= 32
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        Ok(text.to_ascii_uppercase())
    } else {
        Err(Invalid::new(
            "number",
            "must be a case number or part of one (letters, digits and -)",
        ))
    }
}

/// The cases the actor's agency is party to, newest first, filtered; a search by name, NIK,
/// passport or phone needs the vault: see [`search`].
pub fn list(
    conn: &mut DbConnection,
    ctx: &Ctx,
    query: &CaseQuery,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<CaseListItem>, AppError> {
    if search_key(query)?.is_some() {
        return Err(Invalid::new("name", "a search by identity goes through the vault").into());
    }
    listed(conn, ctx, query, None, before, limit)
}

/// The list ([`list`]), or with `name`, `nik`, `passport` or `phone` the cases whose blind index
/// of that key matches the value under any configured key, among those the list shows. A search
/// is recorded as `case.searched` with the kind of key and the number of cases found on this
/// page, never the value.
pub fn search(
    conn: &mut DbConnection,
    ctx: &Ctx,
    vault: &Vault,
    query: &CaseQuery,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<CaseListItem>, AppError> {
    let Some((key, value)) = search_key(query)? else {
        return listed(conn, ctx, query, None, before, limit);
    };
    let actor = crate::services::actor(ctx)?;
    authz::can(actor, Action::CaseView, Resource::System)?;
    let indexes = vault.blind_indexes(key.code(), &value);
    conn.transaction(|conn| -> Result<Vec<CaseListItem>, AppError> {
        let found = listed(conn, ctx, query, Some((key, indexes)), before, limit)?;
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::CaseSearched)
                .details(json!({"key": key.code(), "found": found.len()})),
        )?;
        Ok(found)
    })
}

/// The one search key of a query with its normalised value: none, or 422 for more than one, a
/// name word under 3 letters, or a value with nothing left to match after normalisation.
fn search_key(query: &CaseQuery) -> Result<Option<(SearchKey, String)>, AppError> {
    let given: Vec<(SearchKey, &str)> = [
        (SearchKey::Name, &query.name),
        (SearchKey::Nik, &query.nik),
        (SearchKey::Passport, &query.passport),
        (SearchKey::Phone, &query.phone),
    ]
    .into_iter()
    .filter_map(|(key, value)| value.as_deref().map(|v| (key, v)))
    .collect();
    let [(key, text)] = given.as_slice() else {
        if given.is_empty() {
            return Ok(None);
        }
        return Err(Invalid::new(
            given.get(1).map_or("name", |(k, _)| k.code()),
            "search by one of name, nik, passport or phone at a time",
        )
        .into());
    };
    let value = match key {
        SearchKey::Name => {
            let word = crate::crypto::name_word(text.trim());
            let one_word = text.split_whitespace().count() == 1;
            if !one_word || word.chars().count() < crate::crypto::MIN_NAME_TOKEN {
                return Err(Invalid::new(
                    "name",
                    "must be one whole word of the name, 3 letters or more",
                )
                .into());
            }
            word
        }
        SearchKey::Nik => crate::domain::case::parse_nik(text)
            .map_err(|_| Invalid::new("nik", "must be a NIK of 16 digits"))?,
        SearchKey::Passport => crate::domain::case::parse_passport(text).map_err(|_| {
            Invalid::new(
                "passport",
                "must be a passport number (5–20 letters and digits)",
            )
        })?,
        SearchKey::Phone => crate::crypto::phone_key(text)
            .filter(|p| p.len() >= 8)
            .ok_or_else(|| Invalid::new("phone", "must be a phone number of 8 digits or more"))?,
    };
    Ok(Some((*key, value)))
}

/// The cases the actor's agency is party to, newest first, filtered, among those whose blind
/// index of a key matches when `matching` is given.
fn listed(
    conn: &mut DbConnection,
    ctx: &Ctx,
    query: &CaseQuery,
    matching: Option<(SearchKey, Vec<String>)>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<CaseListItem>, AppError> {
    let actor = crate::services::actor(ctx)?;
    authz::can(actor, Action::CaseView, Resource::System)?;
    let (mut filter, track) = parse_filter(query)?;
    filter.matching = matching;
    filter.assigned_to = assigned_filter(conn, actor, query.assigned.as_deref())?;
    let mut out = Vec::new();
    let mut cursor = before;
    // A track filter is applied here (on the first stage), so keep reading until the page is full.
    loop {
        let rows = db::visible_to(conn, actor.agency_id, &filter, cursor, limit)?;
        let exhausted = i64::try_from(rows.len()).is_ok_and(|n| n < limit);
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        // What the page shows of its cases, each read for the whole page at once.
        let mut assignees = db::of_cases(conn, &ids)?;
        let scopes = db::scopes_of(conn, &rows)?;
        let mut tracks_of = db::tracks_of(conn, &ids)?;
        let owner_ids: Vec<i64> = rows.iter().map(|r| r.owner_agency_id).collect();
        let owners = agencies::names_of(conn, &owner_ids)?;
        for (row, scope) in rows.into_iter().zip(scopes) {
            cursor = Some(row.id);
            if authz::can(actor, Action::CaseView, Resource::Case(&scope)).is_err() {
                continue;
            }
            let tracks: BTreeMap<String, String> = tracks_of
                .remove(&row.id)
                .unwrap_or_default()
                .into_iter()
                .collect();
            if let Some(track) = &track {
                let first = cls::stages(track).and_then(|s| s.first()).map(|t| t.code);
                if tracks.get(track).map(String::as_str) == first {
                    continue;
                }
            }
            let owner = owners
                .get(&row.owner_agency_id)
                .map(|(code, _)| code.clone())
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
                assigned_to: assignees.get(&row.id).map(|a| a.username.clone()),
                assigned_to_name: assignees.remove(&row.id).map(|a| a.display_name),
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

/// The user whose assigned cases `assigned` asks for: `me`, or a username of the actor's agency
/// (422 on `assigned` for anyone else).
fn assigned_filter(
    conn: &mut DbConnection,
    actor: &crate::authz::Actor,
    assigned: Option<&str>,
) -> Result<Option<i64>, AppError> {
    let Some(assigned) = assigned.map(str::trim) else {
        return Ok(None);
    };
    if assigned == "me" {
        return Ok(Some(actor.user_id));
    }
    crate::db::users::by_username(conn, &assigned.to_lowercase())?
        .filter(|u| u.agency_id == actor.agency_id)
        .map(|u| Some(u.id))
        .ok_or_else(|| {
            Invalid::new(
                "assigned",
                "must be me or the username of someone of your agency",
            )
            .into()
        })
}
