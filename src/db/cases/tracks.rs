//! The tracks of a case and their stage history.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{case_stage_changes, case_tracks};

/// A case's stage changes, oldest first: `(track, stage, when)`.
pub fn stage_changes(
    conn: &mut DbConnection,
    case_id: i64,
) -> QueryResult<Vec<(String, String, NaiveDateTime)>> {
    use crate::db::schema::case_stage_changes as c;
    c::table
        .filter(c::case_id.eq(case_id))
        .order(c::id.asc())
        .select((c::track, c::to_stage, c::changed_at))
        .load(conn)
}

/// Sets the stage of each track.
pub fn insert_tracks(
    conn: &mut DbConnection,
    case_id: i64,
    tracks: &[(&str, &str)],
) -> QueryResult<()> {
    for (track, stage) in tracks {
        diesel::insert_into(case_tracks::table)
            .values((
                case_tracks::case_id.eq(case_id),
                case_tracks::track.eq(*track),
                case_tracks::stage.eq(*stage),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The stage of each track, `(track, stage)`.
pub fn tracks(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<(String, String)>> {
    case_tracks::table
        .filter(case_tracks::case_id.eq(case_id))
        .select((case_tracks::track, case_tracks::stage))
        .order(case_tracks::track.asc())
        .load(conn)
}

/// Moves a track from `from` to `to`, only if it is still at `from`; records the change.
#[expect(
    clippy::too_many_arguments,
    reason = "one value per column of the history row"
)]
pub fn change_stage(
    conn: &mut DbConnection,
    case_id: i64,
    track: &str,
    from: &str,
    to: &str,
    user_id: i64,
    agency_id: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let changed = diesel::update(
        case_tracks::table
            .find((case_id, track))
            .filter(case_tracks::stage.eq(from)),
    )
    .set(case_tracks::stage.eq(to))
    .execute(conn)?;
    if changed == 1 {
        diesel::insert_into(case_stage_changes::table)
            .values((
                case_stage_changes::case_id.eq(case_id),
                case_stage_changes::track.eq(track),
                case_stage_changes::from_stage.eq(from),
                case_stage_changes::to_stage.eq(to),
                case_stage_changes::changed_by.eq(user_id),
                case_stage_changes::agency_id.eq(agency_id),
                case_stage_changes::changed_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(changed == 1)
}

/// The tracks of several cases, by case.
pub fn tracks_of(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<std::collections::BTreeMap<i64, Vec<(String, String)>>> {
    let rows: Vec<(i64, String, String)> = case_tracks::table
        .filter(case_tracks::case_id.eq_any(ids.to_vec()))
        .select((case_tracks::case_id, case_tracks::track, case_tracks::stage))
        .load(conn)?;
    let mut out: std::collections::BTreeMap<i64, Vec<(String, String)>> = Default::default();
    for (id, track, stage) in rows {
        out.entry(id).or_default().push((track, stage));
    }
    Ok(out)
}
