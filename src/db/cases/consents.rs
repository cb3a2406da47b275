//! Consent decisions of a case.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::consents;

/// When consents of a case were withdrawn, oldest first.
pub fn consent_withdrawals(
    conn: &mut DbConnection,
    case_id: i64,
) -> QueryResult<Vec<NaiveDateTime>> {
    use crate::db::schema::consents as c;
    c::table
        .filter(c::case_id.eq(case_id))
        .filter(c::given.eq(false))
        .order(c::id.asc())
        .select(c::recorded_at)
        .load(conn)
}

/// A consent record.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = consents)]
pub struct ConsentRow {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// Purpose.
    pub purpose: String,
    /// Receiving agency.
    pub recipient_agency_id: Option<i64>,
    /// Given or withdrawn.
    pub given: bool,
    /// Method.
    pub method: String,
    /// `survivor`, `guardian`, `legal_basis`.
    pub given_by: String,
    /// Legal basis.
    pub legal_basis: Option<String>,
    /// Recorder.
    pub recorded_by: i64,
    /// Recorder's agency.
    pub agency_id: i64,
    /// When.
    pub recorded_at: NaiveDateTime,
}

impl ConsentRow {
    /// The decision as the rules read it.
    pub fn facts(&self) -> crate::domain::consent::ConsentFacts {
        crate::domain::consent::ConsentFacts {
            id: self.id,
            purpose: self.purpose.clone(),
            recipient_agency_id: self.recipient_agency_id,
            given: self.given,
        }
    }
}

/// Records a consent decision; returns its id.
#[expect(
    clippy::too_many_arguments,
    reason = "one value per column of the consent row"
)]
pub fn insert_consent(
    conn: &mut DbConnection,
    case_id: i64,
    purpose: &str,
    recipient_agency_id: Option<i64>,
    given: bool,
    method: &str,
    given_by: &str,
    legal_basis: Option<&str>,
    recorded_by: i64,
    agency_id: i64,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(consents::table)
        .values((
            consents::case_id.eq(case_id),
            consents::purpose.eq(purpose),
            consents::recipient_agency_id.eq(recipient_agency_id),
            consents::given.eq(given),
            consents::method.eq(method),
            consents::given_by.eq(given_by),
            consents::legal_basis.eq(legal_basis),
            consents::recorded_by.eq(recorded_by),
            consents::agency_id.eq(agency_id),
            consents::recorded_at.eq(now),
        ))
        .returning(consents::id)
        .get_result(conn)
}

/// Every consent record of a case, oldest first (kept inside a read snapshot,
/// [`crate::db::snapshot`]).
pub fn consents(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<ConsentRow>> {
    crate::db::snapshot::kept("case consents", case_id, || {
        consents::table
            .filter(consents::case_id.eq(case_id))
            .order(consents::id.asc())
            .select(ConsentRow::as_select())
            .load(conn)
    })
}
