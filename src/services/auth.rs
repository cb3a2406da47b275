//! Login, refresh, logout and the per-request authentication of tokens and cookies.

use std::collections::BTreeSet;

use chrono::{Duration, NaiveDateTime};
use diesel::Connection;
use serde_json::json;

use crate::audit::{self, AuditAction, Ctx, Event};
use crate::auth::password::PasswordHasher;
use crate::auth::token::{self, TokenKeys};
use crate::authz::Actor;
use crate::config::AuthSettings;
use crate::db::{DbConnection, sessions, users};
use crate::domain::user::Role;
use crate::error::AppError;
use crate::error::ErrorCode;

/// What authentication needs, shared by all requests.
#[derive(Debug, Clone)]
pub struct AuthDeps {
    /// Password hashing.
    pub hasher: PasswordHasher,
    /// Token keys.
    pub keys: TokenKeys,
    /// Lifetimes and lockout rules.
    pub settings: AuthSettings,
}

/// Kind of session a login opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// Bearer access token + refresh token (API clients).
    Api,
    /// HttpOnly cookie with CSRF token (web UI).
    Web,
}

/// A successful API login or refresh.
#[derive(Debug, Clone)]
pub struct TokenPair {
    /// JWT access token.
    pub access_token: String,
    /// Opaque refresh token (single use).
    pub refresh_token: String,
    /// Access token lifetime in seconds.
    pub expires_in: i64,
    /// Session id.
    pub session_id: String,
}

/// A successful web login.
#[derive(Debug, Clone)]
pub struct WebSession {
    /// Cookie value: `<session id>.<secret>`.
    pub cookie_value: String,
    /// CSRF token for forms and unsafe requests.
    pub csrf_token: String,
    /// Session id.
    pub session_id: String,
    /// Absolute end of the session.
    pub expires_at: NaiveDateTime,
}

/// Outcome of a login.
#[derive(Debug, Clone)]
pub enum LoginOutcome {
    /// Bearer tokens.
    Api(TokenPair),
    /// Cookie session.
    Web(WebSession),
}

const INVALID_CREDENTIALS: AppError = AppError::Unauthenticated {
    code: ErrorCode::AuthInvalidCredentials,
};
const INVALID_TOKEN: AppError = AppError::Unauthenticated {
    code: ErrorCode::AuthInvalidToken,
};

/// Checks a username and password and opens a session. Unknown users, wrong passwords and
/// disabled accounts get the same 401 after the same work; failures are counted per username
/// (known or not) and lock it after `lockout_failures` within the window.
pub fn login(
    conn: &mut DbConnection,
    ctx: &Ctx,
    deps: &AuthDeps,
    username: &str,
    password: &str,
    kind: SessionKind,
) -> Result<LoginOutcome, AppError> {
    let now = ctx.now;
    let name: String = username.trim().to_lowercase().chars().take(64).collect();
    refuse_if_locked(conn, ctx, deps, &name, password)?;
    let user = check_credentials(conn, ctx, deps, &name, password)?;

    let session_id = uuid::Uuid::new_v4().to_string();
    let expires_at = now + Duration::hours(i64::from(deps.settings.session_hours));
    let outcome = conn.transaction(|conn| -> Result<LoginOutcome, AppError> {
        sessions::clear_throttle(conn, &name)?;
        let outcome = open_session(conn, ctx, deps, user.id, &session_id, expires_at, kind)?;
        let kind_name = if kind == SessionKind::Api {
            "api"
        } else {
            "web"
        };
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::Login)
                .username(&name)
                .subject("session", &session_id)
                .details(json!({"user_id": user.id, "session": kind_name})),
        )?;
        Ok(outcome)
    })?;
    Ok(outcome)
}

/// A username locked by failed logins is refused (423 with the seconds left) after the same
/// work as a real check, so that a locked account cannot be told apart by timing either.
fn refuse_if_locked(
    conn: &mut DbConnection,
    ctx: &Ctx,
    deps: &AuthDeps,
    name: &str,
    password: &str,
) -> Result<(), AppError> {
    let now = ctx.now;
    if let Some(throttle) = sessions::throttle(conn, name)?
        && let Some(until) = throttle.locked_until
        && until > now
    {
        deps.hasher.verify(password, None);
        conn.transaction(|conn| {
            audit::record(
                conn,
                ctx,
                Event::new(AuditAction::LoginRefusedLocked).username(name),
            )
        })?;
        let retry_after = u64::try_from((until - now).num_seconds())
            .unwrap_or(1)
            .max(1);
        return Err(AppError::Locked { retry_after });
    }
    Ok(())
}

/// The active user whose password this is; otherwise the failure is recorded (unknown user,
/// disabled account or wrong password) and the one 401 answered.
fn check_credentials(
    conn: &mut DbConnection,
    ctx: &Ctx,
    deps: &AuthDeps,
    name: &str,
    password: &str,
) -> Result<users::UserRow, AppError> {
    let user = users::by_username(conn, name)?;
    let verified = deps
        .hasher
        .verify(password, user.as_ref().map(|u| u.password_hash.as_str()));
    match user {
        Some(user) if verified && user.active => Ok(user),
        other => {
            let reason = match &other {
                None => "unknown_user",
                Some(u) if !u.active && verified => "disabled",
                Some(_) => "wrong_password",
            };
            record_failure(conn, ctx, &deps.settings, name, other.map(|u| u.id), reason)?;
            Err(INVALID_CREDENTIALS)
        }
    }
}

/// Opens the session of `kind`: an API session with its first refresh token and an access
/// token, or a web session with its cookie secret and CSRF token.
fn open_session(
    conn: &mut DbConnection,
    ctx: &Ctx,
    deps: &AuthDeps,
    user_id: i64,
    session_id: &str,
    expires_at: NaiveDateTime,
    kind: SessionKind,
) -> Result<LoginOutcome, AppError> {
    let now = ctx.now;
    Ok(match kind {
        SessionKind::Api => {
            sessions::insert(
                conn,
                session_id,
                user_id,
                "api",
                None,
                now,
                expires_at,
                ctx.client_ip.as_deref(),
            )?;
            let refresh = token::new_secret();
            sessions::insert_refresh(conn, &token::hash_secret(&refresh), session_id, now)?;
            LoginOutcome::Api(TokenPair {
                access_token: deps
                    .keys
                    .issue(user_id, session_id, crate::domain::utc(now))
                    .map_err(AppError::internal)?,
                refresh_token: refresh,
                expires_in: deps.keys.access_ttl_secs,
                session_id: session_id.to_owned(),
            })
        }
        SessionKind::Web => {
            let secret = token::new_secret();
            let hash = token::hash_secret(&secret);
            sessions::insert(
                conn,
                session_id,
                user_id,
                "web",
                Some(&hash),
                now,
                expires_at,
                ctx.client_ip.as_deref(),
            )?;
            LoginOutcome::Web(WebSession {
                cookie_value: format!("{session_id}.{secret}"),
                csrf_token: deps.keys.csrf_token(session_id),
                session_id: session_id.to_owned(),
                expires_at,
            })
        }
    })
}

fn record_failure(
    conn: &mut DbConnection,
    ctx: &Ctx,
    settings: &AuthSettings,
    name: &str,
    user_id: Option<i64>,
    reason: &str,
) -> Result<(), AppError> {
    let now = ctx.now;
    let window = Duration::minutes(i64::from(settings.lockout_window_minutes));
    conn.transaction(|conn| -> Result<(), AppError> {
        sessions::lock_throttle(conn, name)?;
        let previous = sessions::throttle(conn, name)?;
        let mut row = match previous {
            Some(row) if row.window_started_at + window > now => row,
            _ => sessions::ThrottleRow {
                username: name.to_owned(),
                failures: 0,
                window_started_at: now,
                locked_until: None,
            },
        };
        row.failures += 1;
        let locks = u32::try_from(row.failures).unwrap_or(u32::MAX) >= settings.lockout_failures;
        if locks {
            row.locked_until = Some(now + Duration::minutes(i64::from(settings.lockout_minutes)));
        }
        sessions::save_throttle(conn, &row)?;
        let mut event = Event::new(AuditAction::LoginFailed)
            .username(name)
            .details(json!({"reason": reason, "failures": row.failures}));
        if let Some(id) = user_id {
            event = event.subject("user", id);
        }
        audit::record(conn, ctx, event)?;
        if locks {
            audit::record(
                conn,
                ctx,
                Event::new(AuditAction::Locked)
                    .username(name)
                    .details(json!({"minutes": settings.lockout_minutes})),
            )?;
        }
        Ok(())
    })
}

/// Exchanges a refresh token for a new pair. The old token stops working; presenting a used
/// token again revokes the whole session (it was probably stolen).
pub fn refresh(
    conn: &mut DbConnection,
    ctx: &Ctx,
    deps: &AuthDeps,
    refresh_token: &str,
) -> Result<TokenPair, AppError> {
    let now = ctx.now;
    let hash = token::hash_secret(refresh_token.trim());
    let Some((session_id, used_at)) = sessions::refresh_by_hash(conn, &hash)? else {
        return Err(INVALID_TOKEN);
    };
    let session = sessions::by_id(conn, &session_id)?.ok_or(INVALID_TOKEN)?;
    if used_at.is_some() {
        revoke_for_reuse(conn, ctx, &session)?;
        return Err(INVALID_TOKEN);
    }
    let user = users::by_id(conn, session.user_id)?.ok_or(INVALID_TOKEN)?;
    if !session.is_live(now) || !user.active {
        return Err(INVALID_TOKEN);
    }
    let pair = conn.transaction(|conn| -> Result<Option<TokenPair>, AppError> {
        if !sessions::use_refresh(conn, &hash, now)? {
            return Ok(None);
        }
        let next = token::new_secret();
        sessions::insert_refresh(conn, &token::hash_secret(&next), &session.id, now)?;
        sessions::touch(conn, &session.id, now)?;
        audit::record(
            conn,
            ctx,
            Event::new(AuditAction::Refreshed)
                .username(&user.username)
                .subject("session", &session.id),
        )?;
        Ok(Some(TokenPair {
            access_token: deps
                .keys
                .issue(user.id, &session.id, crate::domain::utc(now))
                .map_err(AppError::internal)?,
            refresh_token: next,
            expires_in: deps.keys.access_ttl_secs,
            session_id: session.id.clone(),
        }))
    })?;
    match pair {
        Some(pair) => Ok(pair),
        None => {
            // Another request used the same token a moment ago: treat as reuse.
            revoke_for_reuse(conn, ctx, &session)?;
            Err(INVALID_TOKEN)
        }
    }
}

fn revoke_for_reuse(
    conn: &mut DbConnection,
    ctx: &Ctx,
    session: &sessions::SessionRow,
) -> Result<(), AppError> {
    conn.transaction(|conn| -> Result<(), AppError> {
        if sessions::revoke(conn, &session.id, "refresh_token_reused", ctx.now)? {
            audit::record(
                conn,
                ctx,
                Event::new(AuditAction::RefreshReused)
                    .subject("session", &session.id)
                    .details(json!({"user_id": session.user_id})),
            )?;
        }
        Ok(())
    })
}

/// Ends the actor's session: its access and refresh tokens (or cookie) stop working at once.
pub fn logout(conn: &mut DbConnection, ctx: &Ctx, session_id: &str) -> Result<(), AppError> {
    conn.transaction(|conn| -> Result<(), AppError> {
        if sessions::revoke(conn, session_id, "logout", ctx.now)? {
            audit::record(
                conn,
                ctx,
                Event::new(AuditAction::Logout).subject("session", session_id),
            )?;
        }
        Ok(())
    })
}

/// The actor of a session read with its user ([`sessions::with_user`]): none for a session
/// that ended or a user who may not sign in.
fn actor_of(found: sessions::SessionUser, now: NaiveDateTime) -> Result<Actor, AppError> {
    if !found.session.is_live(now) || !found.active {
        return Err(INVALID_TOKEN);
    }
    Ok(Actor {
        user_id: found.session.user_id,
        username: found.username,
        agency_id: found.agency_id,
        agency_code: found.agency_code,
        province: found.province,
        roles: found
            .roles
            .iter()
            .filter_map(|r| Role::parse(r).ok())
            .collect::<BTreeSet<Role>>(),
    })
}

/// Authenticates a bearer access token: signature and claims, then the session row.
pub fn authenticate_bearer(
    conn: &mut DbConnection,
    deps: &AuthDeps,
    token: &str,
    now: NaiveDateTime,
) -> Result<(Actor, String), AppError> {
    let claims = deps.keys.check(token).map_err(|_| INVALID_TOKEN)?;
    // One statement: the session with its user, agency and roles.
    let found = sessions::with_user(conn, &claims.sid)?.ok_or(INVALID_TOKEN)?;
    if found.session.kind != "api" || found.session.user_id.to_string() != claims.sub {
        return Err(INVALID_TOKEN);
    }
    let id = found.session.id.clone();
    Ok((actor_of(found, now)?, id))
}

/// Authenticates a web cookie `<session id>.<secret>`; ends it when idle too long.
pub fn authenticate_cookie(
    conn: &mut DbConnection,
    deps: &AuthDeps,
    cookie: &str,
    now: NaiveDateTime,
) -> Result<(Actor, String), AppError> {
    let (session_id, secret) = cookie.split_once('.').ok_or(INVALID_TOKEN)?;
    // One statement: the session with its user, agency and roles.
    let found = sessions::with_user(conn, session_id)?.ok_or(INVALID_TOKEN)?;
    web_session(conn, deps, found, secret, now)
}

/// [`authenticate_cookie`] for a page: with the user's menu counts (as stored; the menu shows
/// those the user's roles concern, [`crate::services::nav::shown`]) read in the same statement.
pub fn authenticate_page(
    conn: &mut DbConnection,
    deps: &AuthDeps,
    cookie: &str,
    now: NaiveDateTime,
) -> Result<(Actor, String, crate::db::nav_counts::NavCounts), AppError> {
    let (session_id, secret) = cookie.split_once('.').ok_or(INVALID_TOKEN)?;
    let (found, counts) =
        sessions::with_user_counted(conn, session_id, now)?.ok_or(INVALID_TOKEN)?;
    let (actor, session_id) = web_session(conn, deps, found, secret, now)?;
    Ok((actor, session_id, counts))
}

/// The actor of a web session found by its id, if `secret` is its secret and it is not idle too
/// long (then it ends); its last use is written at most once a minute.
fn web_session(
    conn: &mut DbConnection,
    deps: &AuthDeps,
    found: sessions::SessionUser,
    secret: &str,
    now: NaiveDateTime,
) -> Result<(Actor, String), AppError> {
    let session = found.session.clone();
    let expected = session.secret_hash.as_deref().ok_or(INVALID_TOKEN)?;
    let given = token::hash_secret(secret);
    if session.kind != "web" || !constant_time_eq(expected.as_bytes(), given.as_bytes()) {
        return Err(INVALID_TOKEN);
    }
    let idle = Duration::minutes(i64::from(deps.settings.web_idle_minutes));
    if session.last_seen_at + idle < now {
        sessions::revoke(conn, &session.id, "idle", now)?;
        return Err(INVALID_TOKEN);
    }
    let actor = actor_of(found, now)?;
    // The last use is written at most once a minute: a read does not write on every request
    // (the idle limit is counted in minutes).
    if now - session.last_seen_at >= Duration::minutes(1) {
        sessions::touch(conn, &session.id, now)?;
    }
    Ok((actor, session.id))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
