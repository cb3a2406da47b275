//! Who holds what of a case: its scope for the policy, from its owner, handoffs and consents.

use diesel::prelude::*;

use super::{CaseRow, ConsentRow, by_id, consents};
use crate::authz::CaseScope;
use crate::db::DbConnection;
use crate::domain::handoff::{HandoffKind, HandoffStatus};

/// Who is party to a case, for the policy: its owner, and the agencies its handoffs make parties
/// (see [`crate::db::handoffs::of_case`]).
pub fn scope_of(conn: &mut DbConnection, row: &CaseRow) -> QueryResult<CaseScope> {
    let handoffs = crate::db::handoffs::of_case(conn, row.id)?;
    let consents = consents(conn, row.id)?;
    Ok(scope_from(row, &handoffs, &consents))
}

/// A case's scope from its rows: who holds what ([`crate::domain::holding`]).
pub fn scope_from(
    row: &CaseRow,
    handoffs: &[crate::db::handoffs::HandoffRow],
    consents: &[ConsentRow],
) -> CaseScope {
    // Owned since intake, or since the transfer that made the owner the owner was accepted.
    let owned_since = handoffs
        .iter()
        .filter(|h| {
            h.kind == HandoffKind::Transfer
                && h.to_agency_id == row.owner_agency_id
                && matches!(h.status, HandoffStatus::Accepted | HandoffStatus::Completed)
        })
        .filter_map(|h| h.decided_at)
        .max()
        .or(Some(row.created_at));
    let facts: Vec<_> = handoffs
        .iter()
        .map(crate::db::handoffs::HandoffRow::facts)
        .collect();
    let consents: Vec<_> = consents.iter().map(ConsentRow::facts).collect();
    CaseScope {
        case_id: row.id,
        province: row.province.clone(),
        owner_agency_id: row.owner_agency_id,
        holdings: crate::domain::holding::CaseHoldings::compute(
            row.owner_agency_id,
            owned_since,
            &facts,
            &consents,
        ),
    }
}

/// A case with the rows its scope is made of, read for a change that needs them again (a
/// handoff's rules read the consents; its duplicate check the handoffs).
#[derive(Debug, Clone)]
pub struct CaseParts {
    /// The case.
    pub row: CaseRow,
    /// Its handoffs, oldest first.
    pub handoffs: Vec<crate::db::handoffs::HandoffRow>,
    /// Its consents, oldest first.
    pub consents: Vec<ConsentRow>,
}

impl CaseParts {
    /// Who holds what.
    pub fn scope(&self) -> CaseScope {
        scope_from(&self.row, &self.handoffs, &self.consents)
    }
}

/// Which incident details a case records (facts an agreement may require).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IncidentDetails {
    /// An incident has a date.
    pub date: bool,
    /// An incident names forms of violence.
    pub forms: bool,
    /// An incident has a country.
    pub country: bool,
    /// An incident names the perpetrator's relation to the survivor.
    pub perpetrator_relation: bool,
}

/// A case held for a change, with which incident details it records, in one statement
/// (PostgreSQL: `SELECT … FOR UPDATE`; SQLite: a plain read, first in a
/// [`crate::db::write_transaction`], which holds the write lock already). Call first in a
/// `write_transaction`.
pub fn locked(conn: &mut DbConnection, id: i64) -> QueryResult<Option<(CaseRow, IncidentDetails)>> {
    locked_where(conn, Held::Case(id))
}

/// Which case to hold: by its id, or the case of a handoff.
#[derive(Debug, Clone, Copy)]
pub enum Held {
    /// The case of this id.
    Case(i64),
    /// The case of the handoff of this id.
    CaseOfHandoff(i64),
}

/// [`locked`], the case named by `held`.
pub fn locked_where(
    conn: &mut DbConnection,
    held: Held,
) -> QueryResult<Option<(CaseRow, IncidentDetails)>> {
    use crate::db::schema::{case_incidents, cases, handoffs};
    use diesel::dsl::exists;
    // One query for both backends, typed for each (the row lock is PostgreSQL's alone); `$case`
    // picks the case, `$incident` its incidents.
    macro_rules! query {
        ($case:expr, $incident:expr) => {
            cases::table.filter($case).select((
                CaseRow::as_select(),
                exists(
                    case_incidents::table
                        .filter($incident)
                        .filter(case_incidents::occurred_on.is_not_null()),
                ),
                exists(
                    case_incidents::table
                        .filter($incident)
                        .filter(case_incidents::forms.ne("[]")),
                ),
                exists(
                    case_incidents::table
                        .filter($incident)
                        .filter(case_incidents::country.is_not_null()),
                ),
                exists(
                    case_incidents::table
                        .filter($incident)
                        .filter(case_incidents::perpetrator_relation.is_not_null()),
                ),
            ))
        };
    }
    macro_rules! of_handoff {
        ($h:expr) => {
            handoffs::table
                .filter(handoffs::id.eq($h))
                .select(handoffs::case_id)
        };
    }
    let found: Option<(CaseRow, bool, bool, bool, bool)> = match (conn, held) {
        (DbConnection::Pg(c), Held::Case(id)) => {
            query!(cases::id.eq(id), case_incidents::case_id.eq(id))
                .for_update()
                .first(c)
                .optional()?
        }
        (DbConnection::Pg(c), Held::CaseOfHandoff(h)) => query!(
            cases::id.eq_any(of_handoff!(h)),
            case_incidents::case_id.eq_any(of_handoff!(h))
        )
        .for_update()
        .first(c)
        .optional()?,
        (DbConnection::Sqlite(c), Held::Case(id)) => {
            query!(cases::id.eq(id), case_incidents::case_id.eq(id))
                .first(c)
                .optional()?
        }
        (DbConnection::Sqlite(c), Held::CaseOfHandoff(h)) => query!(
            cases::id.eq_any(of_handoff!(h)),
            case_incidents::case_id.eq_any(of_handoff!(h))
        )
        .first(c)
        .optional()?,
    };
    Ok(found.map(with_details))
}

/// A case row with the four incident flags read beside it.
fn with_details(
    (row, date, forms, country, perpetrator_relation): (CaseRow, bool, bool, bool, bool),
) -> (CaseRow, IncidentDetails) {
    let details = IncidentDetails {
        date,
        forms,
        country,
        perpetrator_relation,
    };
    (row, details)
}

/// A case held for a change ([`locked`]) with its handoffs and consents (three statements), and
/// which incident details it records; `None` if there is no such case.
pub fn parts(
    conn: &mut DbConnection,
    held: Held,
) -> QueryResult<Option<(CaseParts, IncidentDetails)>> {
    let Some((row, incidents)) = locked_where(conn, held)? else {
        return Ok(None);
    };
    Ok(Some((
        CaseParts {
            handoffs: crate::db::handoffs::of_case(conn, row.id)?,
            consents: consents(conn, row.id)?,
            row,
        },
        incidents,
    )))
}

/// A case and its scope (kept inside [`crate::db::snapshot::within_read_snapshot`]).
pub fn scope(conn: &mut DbConnection, id: i64) -> QueryResult<Option<(CaseRow, CaseScope)>> {
    crate::db::snapshot::kept(KEPT_SCOPE, id, || match by_id(conn, id)? {
        Some(row) => {
            let scope = scope_of(conn, &row)?;
            Ok(Some((row, scope)))
        }
        None => Ok(None),
    })
}

/// What a read snapshot keeps a case's row and scope under.
const KEPT_SCOPE: &str = "case scope";

/// A case's row if a read snapshot keeps it.
pub fn kept_row(id: i64) -> Option<CaseRow> {
    crate::db::snapshot::peek::<Option<(CaseRow, CaseScope)>>(KEPT_SCOPE, id)
        .flatten()
        .map(|(row, _)| row)
}

/// The scopes of a page of cases (bounded by its size) in two statements: their handoffs and
/// their consents, each for all of them at once.
pub fn scopes_of(conn: &mut DbConnection, rows: &[CaseRow]) -> QueryResult<Vec<CaseScope>> {
    use crate::db::schema::{consents as consents_table, handoffs};
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let all_handoffs: Vec<crate::db::handoffs::HandoffRow> = handoffs::table
        .filter(handoffs::case_id.eq_any(ids.clone()))
        .order(handoffs::id.asc())
        .select(crate::db::handoffs::HandoffRow::as_select())
        .load(conn)?;
    let all_consents: Vec<ConsentRow> = consents_table::table
        .filter(consents_table::case_id.eq_any(ids))
        .order(consents_table::id.asc())
        .select(ConsentRow::as_select())
        .load(conn)?;
    Ok(rows
        .iter()
        .map(|row| {
            let of_case: Vec<_> = all_handoffs
                .iter()
                .filter(|h| h.case_id == row.id)
                .cloned()
                .collect();
            let consents: Vec<_> = all_consents
                .iter()
                .filter(|c| c.case_id == row.id)
                .cloned()
                .collect();
            scope_from(row, &of_case, &consents)
        })
        .collect())
}
