//! Who works each case (`case_assignments`): one user of the owning agency per case, the
//! caseload per person, and the assignees of a page of cases in one statement.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{case_assignments, cases, users};

/// A case's assignee, as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignee {
    /// User id.
    pub user_id: i64,
    /// Login name.
    pub username: String,
    /// Name shown to others.
    pub display_name: String,
}

/// Sets (or replaces) the assignee of a case.
pub fn assign(
    conn: &mut DbConnection,
    case_id: i64,
    user_id: i64,
    by: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let changed = diesel::update(case_assignments::table.find(case_id))
        .set((
            case_assignments::user_id.eq(user_id),
            case_assignments::assigned_at.eq(now),
            case_assignments::assigned_by.eq(by),
        ))
        .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(case_assignments::table)
            .values((
                case_assignments::case_id.eq(case_id),
                case_assignments::user_id.eq(user_id),
                case_assignments::assigned_at.eq(now),
                case_assignments::assigned_by.eq(by),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The assignee of one case, if any.
pub fn assignee(conn: &mut DbConnection, case_id: i64) -> QueryResult<Option<Assignee>> {
    Ok(of_cases(conn, &[case_id])?.remove(&case_id))
}

/// The assignees of the given cases (a page of a list, bounded by its size), in one statement.
pub fn of_cases(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<HashMap<i64, Assignee>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, i64, String, String)> = case_assignments::table
        .inner_join(users::table)
        .filter(case_assignments::case_id.eq_any(ids))
        .select((
            case_assignments::case_id,
            users::id,
            users::username,
            users::display_name,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(case_id, user_id, username, display_name)| {
            (
                case_id,
                Assignee {
                    user_id,
                    username,
                    display_name,
                },
            )
        })
        .collect())
}

/// One person's caseload in an agency: open cases assigned, and of those the high or critical
/// risk ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caseload {
    /// The person.
    pub assignee: Assignee,
    /// Open cases of the agency assigned to them.
    pub open: i64,
    /// Of those, high or critical risk.
    pub high_risk: i64,
}

/// The open cases of `agency_id` per assignee, most loaded first, in two grouped statements
/// (all open cases, and the high or critical risk ones).
pub fn caseload(conn: &mut DbConnection, agency_id: i64) -> QueryResult<Vec<Caseload>> {
    let open = || {
        case_assignments::table
            .inner_join(users::table)
            .inner_join(cases::table)
            .filter(cases::owner_agency_id.eq(agency_id))
            .filter(cases::status.eq("open"))
            .group_by((users::id, users::username, users::display_name))
    };
    let all: Vec<(i64, String, String, i64)> = open()
        .select((
            users::id,
            users::username,
            users::display_name,
            diesel::dsl::count_star(),
        ))
        .load(conn)?;
    let high: HashMap<i64, i64> = open()
        .filter(cases::risk_level.eq_any(["high", "critical"]))
        .select((users::id, diesel::dsl::count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let mut loads: Vec<Caseload> = all
        .into_iter()
        .map(|(user_id, username, display_name, open)| Caseload {
            high_risk: high.get(&user_id).copied().unwrap_or(0),
            open,
            assignee: Assignee {
                user_id,
                username,
                display_name,
            },
        })
        .collect();
    loads.sort_by(|a, b| {
        b.open
            .cmp(&a.open)
            .then_with(|| a.assignee.username.cmp(&b.assignee.username))
    });
    Ok(loads)
}

/// The people of `agency_id` who may work its cases: active users holding the caseworker or
/// supervisor role in force, by name.
pub fn workers_of(conn: &mut DbConnection, agency_id: i64) -> QueryResult<Vec<Assignee>> {
    use crate::db::schema::user_roles;
    let rows: Vec<(i64, String, String)> = users::table
        .filter(users::agency_id.eq(agency_id))
        .filter(users::active.eq(true))
        .filter(
            users::id.eq_any(
                user_roles::table
                    .filter(user_roles::role.eq_any(["caseworker", "supervisor"]))
                    .filter(user_roles::confirmed.eq(true))
                    .select(user_roles::user_id),
            ),
        )
        .order(users::display_name.asc())
        .select((users::id, users::username, users::display_name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user_id, username, display_name)| Assignee {
            user_id,
            username,
            display_name,
        })
        .collect())
}
