//! Queries on `agreement_versions` and `handoffs`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use std::collections::BTreeSet;

use super::DbConnection;
use super::schema::{agreement_versions, handoffs};
use super::types::JsonText;
use crate::agreements::HandoffKind;
use crate::authz::Category;
use crate::domain::handoff::HandoffStatus;
use crate::domain::holding::HandoffFacts;

/// A stored agreement version.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = agreement_versions)]
pub struct AgreementVersionRow {
    /// Row id.
    pub id: i64,
    /// Agreement id.
    pub agreement_id: String,
    /// Version.
    pub version: i32,
    /// Title.
    pub title: String,
    /// SHA-256 of the file.
    pub content_hash: String,
    /// Text.
    pub content: String,
    /// In force from.
    pub effective_from: NaiveDate,
    /// First loaded.
    pub loaded_at: NaiveDateTime,
}

/// Every stored version of an agreement, newest first.
pub fn versions_of(
    conn: &mut DbConnection,
    agreement_id: &str,
) -> QueryResult<Vec<AgreementVersionRow>> {
    agreement_versions::table
        .filter(agreement_versions::agreement_id.eq(agreement_id))
        .order(agreement_versions::version.desc())
        .select(AgreementVersionRow::as_select())
        .load(conn)
}

/// One stored version by row id.
pub fn version_by_id(conn: &mut DbConnection, id: i64) -> QueryResult<Option<AgreementVersionRow>> {
    agreement_versions::table
        .find(id)
        .select(AgreementVersionRow::as_select())
        .first(conn)
        .optional()
}

/// Stores a version; returns its row id.
#[expect(clippy::too_many_arguments, reason = "one value per column")]
pub fn insert_version(
    conn: &mut DbConnection,
    agreement_id: &str,
    version: i32,
    title: &str,
    content_hash: &str,
    content: &str,
    effective_from: NaiveDate,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(agreement_versions::table)
        .values((
            agreement_versions::agreement_id.eq(agreement_id),
            agreement_versions::version.eq(version),
            agreement_versions::title.eq(title),
            agreement_versions::content_hash.eq(content_hash),
            agreement_versions::content.eq(content),
            agreement_versions::effective_from.eq(effective_from),
            agreement_versions::loaded_at.eq(now),
        ))
        .returning(agreement_versions::id)
        .get_result(conn)
}

/// A handoff row.
// The fields follow the table's columns in order: `RETURNING` answers (`handoffs::all_columns`;
// diesel's `as_returning` is not available through the two-backend connection) load into it by
// position.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = handoffs)]
pub struct HandoffRow {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// Kind.
    pub kind: HandoffKind,
    /// Handoff id in the agreement.
    pub rule_id: String,
    /// Agreement version row.
    pub agreement_version_id: i64,
    /// Sender.
    pub from_agency_id: i64,
    /// Receiver.
    pub to_agency_id: i64,
    /// Owner when sent.
    pub owner_agency_id: i64,
    /// Sent by.
    pub created_by: i64,
    /// Status.
    pub status: HandoffStatus,
    /// What the receiver holds once it accepts (already limited to what the sender held).
    pub shares: JsonText<BTreeSet<Category>>,
    /// Consent purpose.
    pub consent_purpose: Option<String>,
    /// Consent record.
    pub consent_id: Option<i64>,
    /// Override legal basis.
    pub override_legal_basis: Option<String>,
    /// Override reason.
    pub override_reason: Option<String>,
    /// Encrypted message.
    pub message_ciphertext: Option<String>,
    /// Key id.
    pub key_id: Option<String>,
    /// Respond by.
    pub respond_by: Option<NaiveDateTime>,
    /// Complete by.
    pub complete_by: Option<NaiveDateTime>,
    /// Decided by.
    pub decided_by: Option<i64>,
    /// Decided at.
    pub decided_at: Option<NaiveDateTime>,
    /// Decision reason.
    pub decision_reason: Option<String>,
    /// Completed at.
    pub completed_at: Option<NaiveDateTime>,
    /// Outcome.
    pub outcome: Option<String>,
    /// Access ended at.
    pub access_ended_at: Option<NaiveDateTime>,
    /// Why.
    pub access_ended_reason: Option<String>,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Changed.
    pub updated_at: NaiveDateTime,
    /// Consent purposes the receiver may record.
    pub receiver_records_consent: JsonText<BTreeSet<String>>,
}

/// Columns of a new handoff.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = handoffs)]
pub struct NewHandoff {
    /// Case.
    pub case_id: i64,
    /// Kind.
    pub kind: String,
    /// Rule id.
    pub rule_id: String,
    /// Agreement version row.
    pub agreement_version_id: i64,
    /// Sender.
    pub from_agency_id: i64,
    /// Receiver.
    pub to_agency_id: i64,
    /// Owner.
    pub owner_agency_id: i64,
    /// Sent by.
    pub created_by: i64,
    /// Status.
    pub status: String,
    /// Shares, JSON.
    pub shares: String,
    /// Consent purpose.
    pub consent_purpose: Option<String>,
    /// Consent record.
    pub consent_id: Option<i64>,
    /// Override legal basis.
    pub override_legal_basis: Option<String>,
    /// Override reason.
    pub override_reason: Option<String>,
    /// Encrypted message.
    pub message_ciphertext: Option<String>,
    /// Key id.
    pub key_id: Option<String>,
    /// Respond by.
    pub respond_by: Option<NaiveDateTime>,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Changed.
    pub updated_at: NaiveDateTime,
    /// Consent purposes the receiver may record, JSON.
    pub receiver_records_consent: String,
}

/// Inserts a handoff; returns its id.
pub fn insert(conn: &mut DbConnection, row: &NewHandoff) -> QueryResult<i64> {
    insert_returning(conn, row).map(|h| h.id)
}

/// Inserts a handoff and answers the row as stored, in one statement.
pub fn insert_returning(conn: &mut DbConnection, row: &NewHandoff) -> QueryResult<HandoffRow> {
    diesel::insert_into(handoffs::table)
        .values(row)
        .returning(handoffs::all_columns)
        .get_result(conn)
}

/// One handoff.
pub fn by_id(conn: &mut DbConnection, id: i64) -> QueryResult<Option<HandoffRow>> {
    handoffs::table
        .find(id)
        .select(HandoffRow::as_select())
        .first(conn)
        .optional()
}

/// Handoffs whose agreement clock may need a reminder or a breach by `horizon`: pending ones
/// due to be answered and accepted ones due to be completed, whose access has not ended.
pub fn clock_candidates(
    conn: &mut DbConnection,
    horizon: NaiveDateTime,
) -> QueryResult<Vec<HandoffRow>> {
    handoffs::table
        .filter(handoffs::access_ended_at.is_null())
        .filter(
            handoffs::status
                .eq(HandoffStatus::Pending.as_str())
                .and(handoffs::respond_by.le(horizon))
                .or(handoffs::status
                    .eq(HandoffStatus::Accepted.as_str())
                    .and(handoffs::complete_by.le(horizon))),
        )
        .order(handoffs::id.asc())
        .select(HandoffRow::as_select())
        .load(conn)
}

/// Pending and accepted handoffs an agency sent or received (their clocks are running).
pub fn open_clocks_of_agency(
    conn: &mut DbConnection,
    agency_id: i64,
) -> QueryResult<Vec<(HandoffRow, String)>> {
    use crate::db::schema::cases;
    handoffs::table
        .inner_join(cases::table)
        .filter(handoffs::access_ended_at.is_null())
        .filter(handoffs::status.eq_any([
            HandoffStatus::Pending.as_str(),
            HandoffStatus::Accepted.as_str(),
        ]))
        .filter(
            handoffs::from_agency_id
                .eq(agency_id)
                .or(handoffs::to_agency_id.eq(agency_id)),
        )
        .order(handoffs::id.asc())
        .select((HandoffRow::as_select(), cases::case_number))
        .load(conn)
}

/// The handoffs of a case, oldest first (kept inside a read snapshot, [`crate::db::snapshot`]).
pub fn of_case(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<HandoffRow>> {
    crate::db::snapshot::kept("case handoffs", case_id, || {
        handoffs::table
            .filter(handoffs::case_id.eq(case_id))
            .order(handoffs::id.asc())
            .select(HandoffRow::as_select())
            .load(conn)
    })
}

/// Moves a handoff from `from` to `to` only if it is still `from`: of two racing decisions,
/// exactly one changes a row. Answers the row as changed, or `None` when this one did not.
#[expect(
    clippy::too_many_arguments,
    reason = "one value per column of the decision"
)]
pub fn decide(
    conn: &mut DbConnection,
    id: i64,
    from: HandoffStatus,
    to: HandoffStatus,
    user_id: i64,
    reason: Option<&str>,
    complete_by: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<Option<HandoffRow>> {
    diesel::update(
        handoffs::table
            .find(id)
            .filter(handoffs::status.eq(from.as_str())),
    )
    .set((
        handoffs::status.eq(to.as_str()),
        handoffs::decided_by.eq(user_id),
        handoffs::decided_at.eq(now),
        handoffs::decision_reason.eq(reason),
        handoffs::complete_by.eq(complete_by),
        handoffs::updated_at.eq(now),
    ))
    .returning(handoffs::all_columns)
    .get_result(conn)
    .optional()
}

/// Completes an accepted handoff, only if it is still accepted; answers the row as changed.
pub fn complete(
    conn: &mut DbConnection,
    id: i64,
    outcome: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<HandoffRow>> {
    diesel::update(
        handoffs::table
            .find(id)
            .filter(handoffs::status.eq(HandoffStatus::Accepted.as_str())),
    )
    .set((
        handoffs::status.eq(HandoffStatus::Completed.as_str()),
        handoffs::completed_at.eq(now),
        handoffs::outcome.eq(outcome),
        handoffs::updated_at.eq(now),
    ))
    .returning(handoffs::all_columns)
    .get_result(conn)
    .optional()
}

/// Marks a notice read, only if it is still delivered; answers the row as changed.
pub fn mark_read(
    conn: &mut DbConnection,
    id: i64,
    user_id: i64,
    now: NaiveDateTime,
) -> QueryResult<Option<HandoffRow>> {
    diesel::update(
        handoffs::table
            .find(id)
            .filter(handoffs::status.eq(HandoffStatus::Delivered.as_str())),
    )
    .set((
        handoffs::status.eq(HandoffStatus::Read.as_str()),
        handoffs::decided_by.eq(user_id),
        handoffs::decided_at.eq(now),
        handoffs::updated_at.eq(now),
    ))
    .returning(handoffs::all_columns)
    .get_result(conn)
    .optional()
}

/// Ends the access a handoff gave (its consent was withdrawn).
pub fn end_access(
    conn: &mut DbConnection,
    id: i64,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let changed = diesel::update(
        handoffs::table
            .find(id)
            .filter(handoffs::access_ended_at.is_null()),
    )
    .set((
        handoffs::access_ended_at.eq(now),
        handoffs::access_ended_reason.eq(reason),
        handoffs::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// An agency's incoming or outgoing handoffs, newest first, optionally of one status.
pub fn boxed(
    conn: &mut DbConnection,
    agency_id: i64,
    incoming: bool,
    status: Option<HandoffStatus>,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<HandoffRow>> {
    let mut query = handoffs::table
        .select(HandoffRow::as_select())
        .order(handoffs::id.desc())
        .limit(limit)
        .into_boxed();
    query = if incoming {
        query.filter(handoffs::to_agency_id.eq(agency_id))
    } else {
        query.filter(handoffs::from_agency_id.eq(agency_id))
    };
    if let Some(status) = status {
        query = query.filter(handoffs::status.eq(status.as_str()));
    }
    if let Some(before) = before {
        query = query.filter(handoffs::id.lt(before));
    }
    query.load(conn)
}

impl HandoffRow {
    /// The handoff's clocks as the deadline engine reads them; `agreement` names its agreement
    /// and version.
    pub fn clock_facts(&self, agreement: String) -> crate::deadlines::engine::HandoffFacts {
        crate::deadlines::engine::HandoffFacts {
            id: self.id,
            from_agency_id: self.from_agency_id,
            to_agency_id: self.to_agency_id,
            status: self.status,
            created_at: self.created_at,
            respond_by: self.respond_by,
            decided_at: self.decided_at,
            complete_by: self.complete_by,
            completed_at: self.completed_at,
            agreement,
        }
    }

    /// Whether agency `agency_id` reads what the sender wrote and attached (message, documents,
    /// the letter's message and survivor name): the sender, and the receiver while the handoff
    /// gives it something (pending included) and its access has not ended.
    pub fn shows_contents_to(&self, agency_id: i64) -> bool {
        self.from_agency_id == agency_id
            || (self.to_agency_id == agency_id
                && self.access_ended_at.is_none()
                && self.status.gives_access())
    }

    /// The handoff's two agencies, as the policy sees them.
    pub fn scope(&self) -> crate::authz::HandoffScope {
        crate::authz::HandoffScope {
            from_agency_id: self.from_agency_id,
            to_agency_id: self.to_agency_id,
        }
    }

    /// The handoff as the access rules read it ([`crate::domain::holding`]).
    pub fn facts(&self) -> HandoffFacts {
        HandoffFacts {
            id: self.id,
            kind: self.kind,
            status: self.status,
            from_agency_id: self.from_agency_id,
            to_agency_id: self.to_agency_id,
            owner_agency_id: self.owner_agency_id,
            shares: self.shares.0.clone(),
            consent_purpose: self.consent_purpose.clone(),
            overridden: self.override_legal_basis.is_some(),
            receiver_records_consent: self.receiver_records_consent.0.clone(),
            access_ended: self.access_ended_at.is_some(),
            created_at: self.created_at,
            decided_at: self.decided_at,
        }
    }
}

/// Handoffs with ids above `after`, in id order, at most `limit` (for statistics rebuilds).
pub fn page_after(conn: &mut DbConnection, after: i64, limit: i64) -> QueryResult<Vec<HandoffRow>> {
    handoffs::table
        .filter(handoffs::id.gt(after))
        .order(handoffs::id.asc())
        .limit(limit)
        .select(HandoffRow::as_select())
        .load(conn)
}

/// Handoff messages with ids above `after` sealed under another key than `key_id`, in id order.
pub fn messages_not_under(
    conn: &mut DbConnection,
    key_id: &str,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<super::SealedRow>> {
    let rows: Vec<(i64, Option<String>, Option<String>)> = handoffs::table
        .filter(handoffs::id.gt(after))
        .filter(handoffs::message_ciphertext.is_not_null())
        .filter(handoffs::key_id.ne(key_id).or(handoffs::key_id.is_null()))
        .order(handoffs::id.asc())
        .limit(limit)
        .select((handoffs::id, handoffs::message_ciphertext, handoffs::key_id))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, ciphertext, key)| super::SealedRow {
            id,
            ciphertext: ciphertext.unwrap_or_default(),
            key_id: key.unwrap_or_default(),
        })
        .collect())
}

/// Replaces a handoff's sealed message, provided it is still `old`; returns whether it was.
pub fn reseal_message(
    conn: &mut DbConnection,
    id: i64,
    old: &str,
    ciphertext: &str,
    key_id: &str,
) -> QueryResult<bool> {
    let changed = diesel::update(
        handoffs::table
            .find(id)
            .filter(handoffs::message_ciphertext.eq(old)),
    )
    .set((
        handoffs::message_ciphertext.eq(ciphertext),
        handoffs::key_id.eq(key_id),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// The agreement versions `ids` (a page's worth), in one statement.
pub fn versions_by_ids(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<Vec<AgreementVersionRow>> {
    agreement_versions::table
        .filter(agreement_versions::id.eq_any(ids.to_vec()))
        .select(AgreementVersionRow::as_select())
        .load(conn)
}
