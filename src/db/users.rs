//! Queries on `users` and `user_roles`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{agencies, user_roles, users};

/// A user as stored (without roles).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    /// Row id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Agency.
    pub agency_id: i64,
    /// `id` or `en`.
    pub language: String,
    /// Active.
    pub active: bool,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Last password change.
    pub password_changed_at: NaiveDateTime,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Changed.
    pub updated_at: NaiveDateTime,
    /// Who set the current password (`None`: the command line).
    pub password_set_by: Option<i64>,
}

/// Fields of a new user row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users)]
pub struct NewUserRow<'a> {
    /// Login name.
    pub username: &'a str,
    /// Display name.
    pub display_name: &'a str,
    /// E-mail.
    pub email: Option<&'a str>,
    /// Agency.
    pub agency_id: i64,
    /// Language.
    pub language: &'a str,
    /// Active.
    pub active: bool,
    /// Hash.
    pub password_hash: &'a str,
    /// Set to now.
    pub password_changed_at: NaiveDateTime,
    /// Set to now.
    pub created_at: NaiveDateTime,
    /// Set to now.
    pub updated_at: NaiveDateTime,
    /// Who set the password (`None`: the command line).
    pub password_set_by: Option<i64>,
}

/// One role of a user, with who granted it and whether it is in force.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = user_roles)]
pub struct RoleGrant {
    /// Role.
    pub role: String,
    /// Who granted it (`None`: the command line).
    pub granted_by: Option<i64>,
    /// In force (a role waiting for confirmation is not).
    pub confirmed: bool,
}

/// Inserts a user and their roles; returns the id.
pub fn insert(
    conn: &mut DbConnection,
    user: &NewUserRow<'_>,
    grants: &[RoleGrant],
) -> QueryResult<i64> {
    let id: i64 = diesel::insert_into(users::table)
        .values(user)
        .returning(users::id)
        .get_result(conn)?;
    set_roles(conn, id, grants)?;
    Ok(id)
}

/// Replaces a user's roles: roles not in `grants` are taken away, new ones added as given; a role
/// the user keeps keeps who granted it and whether it is confirmed.
pub fn set_roles(conn: &mut DbConnection, user_id: i64, grants: &[RoleGrant]) -> QueryResult<()> {
    let names: Vec<&str> = grants.iter().map(|g| g.role.as_str()).collect();
    diesel::delete(
        user_roles::table
            .filter(user_roles::user_id.eq(user_id))
            .filter(user_roles::role.ne_all(&names)),
    )
    .execute(conn)?;
    let kept: Vec<String> = user_roles::table
        .filter(user_roles::user_id.eq(user_id))
        .select(user_roles::role)
        .load(conn)?;
    for grant in grants.iter().filter(|g| !kept.contains(&g.role)) {
        diesel::insert_into(user_roles::table)
            .values((
                user_roles::user_id.eq(user_id),
                user_roles::role.eq(&grant.role),
                user_roles::granted_by.eq(grant.granted_by),
                user_roles::confirmed.eq(grant.confirmed),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A user's roles in force, sorted: what the user may do.
pub fn roles(conn: &mut DbConnection, user_id: i64) -> QueryResult<Vec<String>> {
    user_roles::table
        .filter(user_roles::user_id.eq(user_id))
        .filter(user_roles::confirmed.eq(true))
        .select(user_roles::role)
        .order(user_roles::role.asc())
        .load(conn)
}

/// Every role of a user, in force or waiting for confirmation, sorted.
pub fn grants(conn: &mut DbConnection, user_id: i64) -> QueryResult<Vec<RoleGrant>> {
    user_roles::table
        .filter(user_roles::user_id.eq(user_id))
        .select(RoleGrant::as_select())
        .order(user_roles::role.asc())
        .load(conn)
}

/// Sets whether some roles of a user are in force (confirmation, or suspension after an
/// administrator set the password).
pub fn set_confirmed(
    conn: &mut DbConnection,
    user_id: i64,
    roles: &[&str],
    confirmed: bool,
) -> QueryResult<usize> {
    diesel::update(
        user_roles::table
            .filter(user_roles::user_id.eq(user_id))
            .filter(user_roles::role.eq_any(roles)),
    )
    .set(user_roles::confirmed.eq(confirmed))
    .execute(conn)
}

/// One user by (lower-case) username.
pub fn by_username(conn: &mut DbConnection, username: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// The usernames of several users by id, in one statement (a name missing for an id that
/// names no user).
pub fn usernames_of(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, String>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::username))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

/// One user by id.
pub fn by_id(conn: &mut DbConnection, id: i64) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Users, optionally of one agency, ordered by id after `after`, at most `limit`.
pub fn list(
    conn: &mut DbConnection,
    agency_id: Option<i64>,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<UserRow>> {
    let mut query = users::table
        .select(UserRow::as_select())
        .order(users::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(agency_id) = agency_id {
        query = query.filter(users::agency_id.eq(agency_id));
    }
    if let Some(after) = after {
        query = query.filter(users::id.gt(after));
    }
    query.load(conn)
}

/// Changes what an administrator may change; `None` leaves a field as it is.
pub fn update_profile(
    conn: &mut DbConnection,
    id: i64,
    display_name: Option<&str>,
    email: Option<Option<&str>>,
    language: Option<&str>,
    active: Option<bool>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let row = by_id(conn, id)?.ok_or(diesel::result::Error::NotFound)?;
    diesel::update(users::table.find(id))
        .set((
            users::display_name.eq(display_name.unwrap_or(&row.display_name)),
            users::email.eq(email.unwrap_or(row.email.as_deref())),
            users::language.eq(language.unwrap_or(&row.language)),
            users::active.eq(active.unwrap_or(row.active)),
            users::updated_at.eq(now),
        ))
        .execute(conn)
}

/// Stores a new password hash, set by `set_by` (`None`: the command line).
pub fn set_password(
    conn: &mut DbConnection,
    id: i64,
    hash: &str,
    set_by: Option<i64>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash),
            users::password_changed_at.eq(now),
            users::password_set_by.eq(set_by),
            users::updated_at.eq(now),
        ))
        .execute(conn)
}

/// The user's agency code, name, kind and province.
pub fn agency_of(
    conn: &mut DbConnection,
    agency_id: i64,
) -> QueryResult<(String, String, String, Option<String>)> {
    agencies::table
        .find(agency_id)
        .select((
            agencies::code,
            agencies::name,
            agencies::kind,
            agencies::province,
        ))
        .first(conn)
}

/// How many users of an agency hold `role` (in force or waiting).
pub fn holders_of(conn: &mut DbConnection, agency_id: i64, role: &str) -> QueryResult<i64> {
    user_roles::table
        .inner_join(users::table)
        .filter(users::agency_id.eq(agency_id))
        .filter(user_roles::role.eq(role))
        .count()
        .get_result(conn)
}
