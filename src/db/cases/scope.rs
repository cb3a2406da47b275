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

/// A case and its scope.
pub fn scope(conn: &mut DbConnection, id: i64) -> QueryResult<Option<(CaseRow, CaseScope)>> {
    if let Some(kept) = SNAPSHOT.with(|s| s.borrow().as_ref().and_then(|m| m.get(&id).cloned())) {
        return Ok(kept);
    }
    let found = match by_id(conn, id)? {
        Some(row) => {
            let scope = scope_of(conn, &row)?;
            Some((row, scope))
        }
        None => None,
    };
    SNAPSHOT.with(|s| {
        if let Some(kept) = s.borrow_mut().as_mut() {
            kept.insert(id, found.clone());
        }
    });
    Ok(found)
}

/// A case and its scope as [`scope`] read them, by case id.
type Kept = std::collections::HashMap<i64, Option<(CaseRow, CaseScope)>>;

thread_local! {
    /// The scopes read inside [`within_read_snapshot`] on this thread.
    static SNAPSHOT: std::cell::RefCell<Option<Kept>> = const { std::cell::RefCell::new(None) };
}

/// Runs `read` keeping each case's row and scope once [`scope`] has read it: a page that asks
/// several services about one case (its detail, timeline, consents, notes, documents, handoffs,
/// what may be sent) reads the case, its handoffs and its consents once instead of once per
/// service. Only for reads: nothing written inside `read` may change a case's row or scope (the
/// page's own `case.viewed` entry does not).
pub fn within_read_snapshot<T>(read: impl FnOnce() -> T) -> T {
    /// Forgets the kept scopes however `read` ends.
    struct Forget;
    impl Drop for Forget {
        fn drop(&mut self) {
            SNAPSHOT.with(|s| *s.borrow_mut() = None);
        }
    }
    SNAPSHOT.with(|s| *s.borrow_mut() = Some(Kept::new()));
    let _forget = Forget;
    read()
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
