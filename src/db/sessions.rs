//! Queries on `sessions`, `refresh_tokens` and `login_throttle`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{login_throttle, refresh_tokens, sessions};

/// A session as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    /// Id.
    pub id: String,
    /// User.
    pub user_id: i64,
    /// `api` or `web`.
    pub kind: String,
    /// SHA-256 of the web secret.
    pub secret_hash: Option<String>,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last use.
    pub last_seen_at: NaiveDateTime,
    /// Absolute end.
    pub expires_at: NaiveDateTime,
    /// Ended.
    pub revoked_at: Option<NaiveDateTime>,
    /// Why ended.
    pub revoked_reason: Option<String>,
    /// Opened from.
    pub client_ip: Option<String>,
}

impl SessionRow {
    /// Whether the session may still be used at `now`.
    pub fn is_live(&self, now: NaiveDateTime) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

/// Opens a session.
#[expect(
    clippy::too_many_arguments,
    reason = "one column each; a struct would only rename them"
)]
pub fn insert(
    conn: &mut DbConnection,
    id: &str,
    user_id: i64,
    kind: &str,
    secret_hash: Option<&str>,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
    client_ip: Option<&str>,
) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(id),
            sessions::user_id.eq(user_id),
            sessions::kind.eq(kind),
            sessions::secret_hash.eq(secret_hash),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
            sessions::expires_at.eq(expires_at),
            sessions::client_ip.eq(client_ip),
        ))
        .execute(conn)
        .map(|_| ())
}

/// One session by id.
pub fn by_id(conn: &mut DbConnection, id: &str) -> QueryResult<Option<SessionRow>> {
    sessions::table
        .find(id)
        .select(SessionRow::as_select())
        .first(conn)
        .optional()
}

/// Ends a session (no-op when already ended); returns whether it was live.
pub fn revoke(
    conn: &mut DbConnection,
    id: &str,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let changed = diesel::update(
        sessions::table
            .find(id)
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(now),
        sessions::revoked_reason.eq(reason),
    ))
    .execute(conn)?;
    // What the session revealed is hidden again with it.
    super::reveals::forget_session(conn, id)?;
    Ok(changed == 1)
}

/// Ends every live session of a user (and forgets what they revealed); returns how many.
pub fn revoke_all_of_user(
    conn: &mut DbConnection,
    user_id: i64,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    use super::schema::session_reveals;
    diesel::delete(
        session_reveals::table.filter(
            session_reveals::session_id.eq_any(
                sessions::table
                    .filter(sessions::user_id.eq(user_id))
                    .select(sessions::id),
            ),
        ),
    )
    .execute(conn)?;
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(now),
        sessions::revoked_reason.eq(reason),
    ))
    .execute(conn)
}

/// Records use of a session.
pub fn touch(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(sessions::table.find(id))
        .set(sessions::last_seen_at.eq(now))
        .execute(conn)
        .map(|_| ())
}

/// Stores a new refresh token's hash.
pub fn insert_refresh(
    conn: &mut DbConnection,
    hash: &str,
    session_id: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(hash),
            refresh_tokens::session_id.eq(session_id),
            refresh_tokens::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The session a refresh token belongs to, and when it was used (if it was).
pub fn refresh_by_hash(
    conn: &mut DbConnection,
    hash: &str,
) -> QueryResult<Option<(String, Option<NaiveDateTime>)>> {
    refresh_tokens::table
        .find(hash)
        .select((refresh_tokens::session_id, refresh_tokens::used_at))
        .first(conn)
        .optional()
}

/// Marks a refresh token used, only if it was unused: exactly one of two racing refreshes wins.
pub fn use_refresh(conn: &mut DbConnection, hash: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let changed = diesel::update(
        refresh_tokens::table
            .find(hash)
            .filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(now))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Failed-login state of a username.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = login_throttle)]
pub struct ThrottleRow {
    /// Username.
    pub username: String,
    /// Failures in the window.
    pub failures: i32,
    /// Window start.
    pub window_started_at: NaiveDateTime,
    /// Locked until.
    pub locked_until: Option<NaiveDateTime>,
}

/// Reads the failed-login state.
pub fn throttle(conn: &mut DbConnection, username: &str) -> QueryResult<Option<ThrottleRow>> {
    login_throttle::table
        .find(username)
        .select(ThrottleRow::as_select())
        .first(conn)
        .optional()
}

/// Holds the failed-login state of `username` until the transaction ends, so that failures
/// counted at once neither clash nor get lost (PostgreSQL: an advisory lock on the name, which may
/// have no row yet; SQLite: the write lock, taken by a write statement before anything is read).
pub fn lock_throttle(conn: &mut DbConnection, username: &str) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConnection::Pg(pg) => diesel::sql_query(
            "SELECT pg_advisory_xact_lock(hashtextextended('login_throttle:' || $1, 0))",
        )
        .bind::<diesel::sql_types::Text, _>(username)
        .execute(pg)
        .map(|_| ()),
        DbConnection::Sqlite(sqlite) => {
            sqlite.batch_execute("UPDATE login_throttle SET failures = failures WHERE 0 = 1;")
        }
    }
}

/// Writes the failed-login state (insert or replace).
pub fn save_throttle(conn: &mut DbConnection, row: &ThrottleRow) -> QueryResult<()> {
    let changed = diesel::update(login_throttle::table.find(&row.username))
        .set((
            login_throttle::failures.eq(row.failures),
            login_throttle::window_started_at.eq(row.window_started_at),
            login_throttle::locked_until.eq(row.locked_until),
        ))
        .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(login_throttle::table)
            .values((
                login_throttle::username.eq(&row.username),
                login_throttle::failures.eq(row.failures),
                login_throttle::window_started_at.eq(row.window_started_at),
                login_throttle::locked_until.eq(row.locked_until),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Forgets failures after a successful login.
pub fn clear_throttle(conn: &mut DbConnection, username: &str) -> QueryResult<()> {
    diesel::delete(login_throttle::table.find(username))
        .execute(conn)
        .map(|_| ())
}

/// A session with what authenticating it needs: its user, the user's agency and roles in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionUser {
    /// The session.
    pub session: SessionRow,
    /// The user's login name.
    pub username: String,
    /// Whether the user may sign in.
    pub active: bool,
    /// The user's agency.
    pub agency_id: i64,
    /// Its code.
    pub agency_code: String,
    /// Its province (none for national agencies).
    pub province: Option<String>,
    /// The roles in force, sorted.
    pub roles: Vec<String>,
}

/// A session, its user's name, active flag and agency, the agency's code and province, and one
/// role in force (a row per role).
type SessionUserRow = (
    SessionRow,
    String,
    bool,
    i64,
    String,
    Option<String>,
    Option<String>,
);

/// The rows of session `id`: joined with its user, the user's agency and the roles in force
/// (a row per role), ready for a `select`; [`with_user`] and [`with_user_counted`] select from it.
macro_rules! session_rows {
    ($id:expr) => {
        sessions::table
            .inner_join(users::table.on(users::id.eq(sessions::user_id)))
            .inner_join(agencies::table.on(agencies::id.eq(users::agency_id)))
            .left_join(
                user_roles::table.on(user_roles::user_id
                    .eq(users::id)
                    .and(user_roles::confirmed.eq(true))),
            )
            .filter(sessions::id.eq($id))
    };
}

/// A session with its user, agency and roles in force, and the user's menu counts at `now`
/// (pending, overdue, answered: [`crate::db::nav_counts`]), in ONE statement (a row per role):
/// a web page's sign-in check and its menu.
pub fn with_user_counted(
    conn: &mut DbConnection,
    id: &str,
    now: chrono::NaiveDateTime,
) -> QueryResult<Option<(SessionUser, crate::db::nav_counts::NavCounts)>> {
    use super::schema::{agencies, user_roles, users};
    type Counted = (
        SessionRow,
        String,
        bool,
        i64,
        String,
        Option<String>,
        Option<String>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    let (pending, overdue, answered) = crate::db::nav_counts::nav_count_columns!(
        users::agency_id,
        users::id,
        users::created_at.nullable(),
        now
    );
    let rows: Vec<Counted> = session_rows!(id)
        .select((
            SessionRow::as_select(),
            users::username,
            users::active,
            users::agency_id,
            agencies::code,
            agencies::province,
            user_roles::role.nullable(),
            pending,
            overdue,
            answered,
        ))
        .load(conn)?;
    let counts = rows.first().map(|r| (r.7, r.8, r.9).into());
    let found = session_user(
        rows.into_iter()
            .map(|(s, u, a, g, c, p, r, ..)| (s, u, a, g, c, p, r))
            .collect(),
    );
    Ok(found.zip(counts))
}

/// The session user of the rows of [`with_user`] (a row per role).
fn session_user(rows: Vec<SessionUserRow>) -> Option<SessionUser> {
    let mut roles: Vec<String> = rows.iter().filter_map(|r| r.6.clone()).collect();
    roles.sort();
    rows.into_iter().next().map(
        |(session, username, active, agency_id, agency_code, province, _)| SessionUser {
            session,
            username,
            active,
            agency_id,
            agency_code,
            province,
            roles,
        },
    )
}

/// A session with its user, agency and roles in force, in ONE statement (a row per role).
pub fn with_user(conn: &mut DbConnection, id: &str) -> QueryResult<Option<SessionUser>> {
    use super::schema::{agencies, user_roles, users};
    let rows: Vec<SessionUserRow> = session_rows!(id)
        .select((
            SessionRow::as_select(),
            users::username,
            users::active,
            users::agency_id,
            agencies::code,
            agencies::province,
            user_roles::role.nullable(),
        ))
        .load(conn)?;
    Ok(session_user(rows))
}
