//! The e-mail outbox and the deadline steps taken. Rows are written in the transaction of the event
//! that causes them; delivery claims a row with a conditional update so that several instances never
//! send the same row at the same time.

use chrono::NaiveDateTime;
use diesel::Connection;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{deadline_notices, outbox, user_roles, users};

/// A stored outbox row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct MailRow {
    /// Id.
    pub id: i64,
    /// Written at.
    pub created_at: NaiveDateTime,
    /// Template kind.
    pub kind: String,
    /// Case.
    pub case_id: Option<i64>,
    /// Recipient.
    pub recipient_user_id: i64,
    /// Address.
    pub recipient_email: Option<String>,
    /// Language.
    pub language: String,
    /// Parameters, JSON text.
    pub params: String,
    /// Stable Message-ID.
    pub message_id: String,
    /// Status.
    pub status: String,
    /// Attempts so far.
    pub attempts: i32,
    /// Next attempt.
    pub next_attempt_at: NaiveDateTime,
    /// Last error.
    pub last_error: Option<String>,
    /// Delivered at.
    pub sent_at: Option<NaiveDateTime>,
}

/// Who a mail goes to.
#[derive(Debug, Clone, Copy)]
pub enum Recipients<'a> {
    /// Every active user of the agency holding one of the roles (every active user when none is
    /// named).
    Agency(i64, &'a [&'a str]),
    /// One user, if active.
    User(i64),
}

/// Writes one mail of `kind` for each of `to`, in one `INSERT … SELECT`: the recipients are not
/// read first. Each message id is `<{batch}.{username}@rujukan>`, unique as usernames are.
/// Returns the number of mails written. Call inside the transaction of the event.
pub fn enqueue_for(
    conn: &mut DbConnection,
    kind: &'static str,
    case_id: Option<i64>,
    to: Recipients<'_>,
    params: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    use diesel::dsl::case_when;
    use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};
    let batch = format!("<{}.", uuid::Uuid::now_v7());
    let mut recipients = users::table.filter(users::active.eq(true)).into_boxed();
    match to {
        Recipients::User(id) => recipients = recipients.filter(users::id.eq(id)),
        Recipients::Agency(agency_id, roles) => {
            recipients = recipients.filter(users::agency_id.eq(agency_id));
            if !roles.is_empty() {
                let holders = user_roles::table
                    .filter(
                        user_roles::role
                            .eq_any(roles.iter().map(|r| (*r).to_owned()).collect::<Vec<_>>()),
                    )
                    .select(user_roles::user_id);
                recipients = recipients.filter(users::id.eq_any(holders));
            }
        }
    }
    let rows = recipients.select((
        now.into_sql::<Timestamp>(),
        kind.into_sql::<Text>(),
        case_id.into_sql::<Nullable<BigInt>>(),
        users::id,
        users::email,
        users::language,
        params.into_sql::<Text>(),
        batch
            .into_sql::<Text>()
            .concat(users::username)
            .concat("@rujukan>"),
        case_when(users::email.is_null(), "no_address".into_sql::<Text>())
            .otherwise("pending".into_sql::<Text>()),
        0.into_sql::<Integer>(),
        now.into_sql::<Timestamp>(),
    ));
    diesel::insert_into(outbox::table)
        .values(rows)
        .into_columns((
            outbox::created_at,
            outbox::kind,
            outbox::case_id,
            outbox::recipient_user_id,
            outbox::recipient_email,
            outbox::language,
            outbox::params,
            outbox::message_id,
            outbox::status,
            outbox::attempts,
            outbox::next_attempt_at,
        ))
        .execute(conn)
}

/// Pending rows whose next attempt is due, oldest first.
pub fn due(conn: &mut DbConnection, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<MailRow>> {
    outbox::table
        .filter(outbox::status.eq("pending"))
        .filter(outbox::next_attempt_at.le(now))
        .order(outbox::id.asc())
        .limit(limit)
        .select(MailRow::as_select())
        .load(conn)
}

/// Claims a row for one delivery attempt: counts the attempt and holds the row off until `lease_until`.
/// `false` when another worker claimed it first.
pub fn claim(
    conn: &mut DbConnection,
    row: &MailRow,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> QueryResult<bool> {
    let claimed = diesel::update(
        outbox::table
            .find(row.id)
            .filter(outbox::status.eq("pending"))
            .filter(outbox::attempts.eq(row.attempts))
            .filter(outbox::next_attempt_at.le(now)),
    )
    .set((
        outbox::attempts.eq(row.attempts + 1),
        outbox::next_attempt_at.eq(lease_until),
    ))
    .execute(conn)?;
    Ok(claimed == 1)
}

/// Records a delivery.
pub fn mark_sent(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq("sent"),
            outbox::sent_at.eq(now),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Records a failed attempt: retried at `retry_at`, or dead-lettered when `None`.
pub fn mark_failed(
    conn: &mut DbConnection,
    id: i64,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> QueryResult<()> {
    match retry_at {
        Some(at) => diesel::update(outbox::table.find(id))
            .set((outbox::last_error.eq(error), outbox::next_attempt_at.eq(at)))
            .execute(conn),
        None => diesel::update(outbox::table.find(id))
            .set((outbox::last_error.eq(error), outbox::status.eq("dead")))
            .execute(conn),
    }
    .map(|_| ())
}

/// Outbox rows by status (optionally of one agency's users), newest first, with id below `before`.
pub fn list(
    conn: &mut DbConnection,
    status: Option<&str>,
    agency_id: Option<i64>,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<MailRow>> {
    let mut query = outbox::table
        .select(MailRow::as_select())
        .order(outbox::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(outbox::status.eq(status.to_owned()));
    }
    if let Some(agency_id) = agency_id {
        let members = users::table
            .filter(users::agency_id.eq(agency_id))
            .select(users::id);
        query = query.filter(outbox::recipient_user_id.eq_any(members));
    }
    if let Some(before) = before {
        query = query.filter(outbox::id.lt(before));
    }
    query.load(conn)
}

/// Records a deadline step; `false` when it was taken already (by this or another instance).
/// Call inside a transaction: a duplicate rolls back only its own savepoint.
pub fn take_step(
    conn: &mut DbConnection,
    key: &str,
    kind: &str,
    case_id: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(deadline_notices::table)
            .values((
                deadline_notices::deadline_key.eq(key),
                deadline_notices::kind.eq(kind),
                deadline_notices::case_id.eq(case_id),
                deadline_notices::created_at.eq(now),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The escalations on cases the agency owns or is party to, newest first, at most `limit`: read
/// newest first (`deadline_notices_kind_created_idx`), the party condition checked per case in
/// SQL.
pub fn escalations(
    conn: &mut DbConnection,
    agency_id: i64,
    limit: i64,
) -> QueryResult<Vec<(String, i64, String, chrono::NaiveDateTime)>> {
    use super::schema::{cases, deadline_notices};
    deadline_notices::table
        .inner_join(cases::table.on(cases::id.eq(deadline_notices::case_id)))
        .filter(deadline_notices::kind.eq("escalated"))
        .filter(crate::db::cases::party_condition!(agency_id))
        .order((
            deadline_notices::created_at.desc(),
            deadline_notices::deadline_key,
        ))
        .limit(limit)
        .select((
            deadline_notices::deadline_key,
            cases::id,
            cases::case_number,
            deadline_notices::created_at,
        ))
        .load(conn)
}

/// A deadline step as the statistics count it.
pub type DeadlineStep = (
    String,
    String,
    i64,
    NaiveDateTime,
    Option<String>,
    Option<String>,
    Option<i64>,
);

/// Every deadline step taken: `(deadline key, kind, case id, when, rule, outcome, agency)`.
pub fn deadline_steps(conn: &mut DbConnection) -> QueryResult<Vec<DeadlineStep>> {
    deadline_notices::table
        .select((
            deadline_notices::deadline_key,
            deadline_notices::kind,
            deadline_notices::case_id,
            deadline_notices::created_at,
            deadline_notices::rule,
            deadline_notices::outcome,
            deadline_notices::agency_id,
        ))
        .load(conn)
}

/// Records what a step counts as in the statistics.
pub fn classify_step(
    conn: &mut DbConnection,
    key: &str,
    kind: &str,
    rule: &str,
    outcome: &str,
    agency_id: i64,
) -> QueryResult<()> {
    diesel::update(deadline_notices::table.find((key, kind)))
        .set((
            deadline_notices::rule.eq(rule),
            deadline_notices::outcome.eq(outcome),
            deadline_notices::agency_id.eq(agency_id),
        ))
        .execute(conn)
        .map(|_| ())
}
