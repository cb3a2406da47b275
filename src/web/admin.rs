//! Administration: the agencies of the network, the users (agency administrators see and add the
//! users of their own agency; system administrators all), and the agreements in force shown
//! readably, with every stored version.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;

use super::forms::{self, Choice, Errors, Fields};
use super::i18n::Texts;
use super::{Chrome, SignedForm, Viewer, render, see_other};
use crate::agreements::{Agreement, HandoffRule};
use crate::authz::{self, Action, Actor, Resource};
use crate::db::Db;
use crate::db::agencies::AgencyRow;
use crate::db::handoffs::AgreementVersionRow;
use crate::domain::user::Role;
use crate::error::AppError;
use crate::services::accounts::{self, UserInput, UserView};
use crate::services::auth::AuthDeps;
use crate::services::handoffs::AgreementSet;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(admin).service(add_user).service(confirm_roles);
}

/// An agency.
struct AgencyLine {
    code: String,
    name: String,
    kind: String,
    province: String,
    active: bool,
    /// Postal address (letterhead of referral letters), one line.
    address: String,
}

/// A user.
struct UserLine {
    id: i64,
    username: String,
    display_name: String,
    agency: String,
    roles: String,
    /// Roles waiting for someone else's confirmation.
    pending: String,
    /// Whether the viewer may confirm them (someone else than the user and whoever set the
    /// password).
    may_confirm: bool,
    active: bool,
    /// Whether the viewer may deactivate, reactivate and reset the password of this account (the
    /// policy: an administrator of its agency who could grant every role it holds).
    may_manage: bool,
    /// The viewer's own account: not deactivated here, its password changed on the account page.
    is_self: bool,
}

/// One handoff rule of an agreement, in words.
struct RuleLine {
    id: String,
    kind_key: &'static str,
    from: String,
    to: String,
    consent: String,
    override_allowed: bool,
    shares: String,
    respond: String,
    complete: String,
    legal_basis: String,
}

/// An agreement in force with its stored versions.
struct AgreementLine {
    id: String,
    title: String,
    version: i32,
    effective: String,
    parties: String,
    hash: String,
    rules: Vec<RuleLine>,
    versions: Vec<(i32, String, String)>,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    t: Texts,
    c: Chrome,
    agencies: Vec<AgencyLine>,
    users: Vec<UserLine>,
    agreements: Vec<AgreementLine>,
    may_add: bool,
    roles: Vec<Choice>,
    agency_codes: Vec<String>,
    own_agency: String,
    f: Fields,
    errors: Errors,
    added: Option<String>,
    /// What was just done to a user, in words.
    notice: Option<String>,
    /// The user whose password reset failed: their form opens with the message.
    reset_for: Option<i64>,
}

impl AdminPage {
    /// Whether the password reset of user `id` just failed (its form opens with the message).
    fn resetting(&self, id: &i64) -> bool {
        self.reset_for == Some(*id)
    }
}

#[get("/admin")]
async fn admin(
    req: HttpRequest,
    db: web::Data<Db>,
    set: web::Data<AgreementSet>,
    v: Viewer,
) -> HttpResponse {
    let query = Fields::parse(req.query_string().as_bytes());
    let name = |field: &str| {
        query.one(field).map(|name| {
            name.chars()
                .filter(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
                .collect::<String>()
        })
    };
    let added = name("added");
    let notice = match (query.one("done").as_deref(), name("user")) {
        (Some(done @ ("deactivated" | "reactivated" | "reset")), Some(user)) => {
            Some(format!("{} {user}", v.t.get(&format!("admin.done.{done}"))))
        }
        _ => None,
    };
    let shown = Shown {
        added,
        notice,
        reset_for: None,
    };
    page(
        &req,
        &db,
        &set,
        v,
        Fields::default(),
        Errors::default(),
        shown,
        StatusCode::OK,
    )
    .await
}

/// What the page tells on top of its lists: a user just added, what was just done to a user, or
/// whose password reset failed.
#[derive(Default)]
pub(super) struct Shown {
    pub(super) added: Option<String>,
    pub(super) notice: Option<String>,
    pub(super) reset_for: Option<i64>,
}

/// The administration page, with the add-user form's typed values and messages.
#[allow(clippy::too_many_arguments)]
pub(super) async fn page(
    req: &HttpRequest,
    db: &Db,
    set: &AgreementSet,
    v: Viewer,
    f: Fields,
    errors: Errors,
    shown: Shown,
    status: StatusCode,
) -> HttpResponse {
    if !super::may(&v.actor, Action::UserList) {
        return super::forbidden(v);
    }
    let (agencies, users, versions) = match load(req, db, set, &v).await {
        Ok(found) => found,
        Err(e) => return super::failed(v, e, "admin"),
    };
    let t = v.t;
    let agreements = set
        .agreements
        .iter()
        .zip(versions)
        .map(|(a, stored)| AgreementLine::new(&t, a, stored))
        .collect();
    let agency_lines = agencies
        .into_iter()
        .map(|a| AgencyLine::new(&v.t, a))
        .collect::<Vec<_>>();
    let agency_codes = agency_lines.iter().map(|a| a.code.clone()).collect();
    let user_lines = users
        .into_iter()
        .map(|u| UserLine::new(&v.t, &v.actor, u))
        .collect();
    render(
        status,
        &AdminPage {
            may_add: authz::can(
                &v.actor,
                Action::UserManage,
                Resource::Agency(v.actor.agency_id),
            )
            .is_ok(),
            own_agency: v.actor.agency_code.clone(),
            roles: assignable_roles(&v.t, &v.actor),
            t,
            c: v.chrome,
            agencies: agency_lines,
            users: user_lines,
            agreements,
            agency_codes,
            f,
            errors,
            added: shown.added,
            notice: shown.notice,
            reset_for: shown.reset_for,
        },
    )
}

/// The agencies, the users the viewer administers (an agency's administrator its own; who
/// manages agencies everyone) and the stored versions of each agreement in force, in one
/// transaction.
async fn load(
    req: &HttpRequest,
    db: &Db,
    set: &AgreementSet,
    v: &Viewer,
) -> Result<Loaded, AppError> {
    let ctx = v.ctx(req);
    let own = (!super::may(&v.actor, Action::AgencyManage)).then(|| v.actor.agency_code.clone());
    let ids: Vec<String> = set.agreements.iter().map(|a| a.id.clone()).collect();
    db.run(move |conn| {
        let agencies = accounts::list_agencies(conn, &ctx, None, 1000)?;
        let users = accounts::list_users(conn, &ctx, own.as_deref(), None, 500)?;
        let mut versions = Vec::new();
        for id in ids {
            versions.push(crate::db::handoffs::versions_of(conn, &id)?);
        }
        Ok((agencies, users, versions))
    })
    .await
}

/// Agencies, users and each agreement's stored versions.
type Loaded = (Vec<AgencyRow>, Vec<UserView>, Vec<Vec<AgreementVersionRow>>);

/// The roles the viewer may assign in their agency, with their names.
fn assignable_roles(t: &Texts, actor: &Actor) -> Vec<Choice> {
    Role::ALL
        .iter()
        .filter(|r| {
            authz::can(
                actor,
                Action::RoleAssign(**r),
                Resource::Agency(actor.agency_id),
            )
            .is_ok()
        })
        .map(|r| Choice {
            code: r.as_str(),
            label: t.role(r.as_str()),
        })
        .collect()
}

impl AgreementLine {
    /// An agreement in force, its rules in words and its stored versions.
    fn new(t: &Texts, a: &Agreement, stored: Vec<AgreementVersionRow>) -> Self {
        AgreementLine {
            id: a.id.clone(),
            title: a.title.clone(),
            version: a.version,
            effective: match a.effective_until {
                Some(until) => format!(
                    "{} – {}",
                    a.effective_from.format("%d-%m-%Y"),
                    until.format("%d-%m-%Y")
                ),
                None => format!("{} –", a.effective_from.format("%d-%m-%Y")),
            },
            parties: a.parties.join(", "),
            hash: a.content_hash.chars().take(16).collect(),
            rules: a.handoffs.iter().map(|r| RuleLine::new(t, r)).collect(),
            versions: stored
                .into_iter()
                .map(|row| {
                    (
                        row.version,
                        row.effective_from.format("%d-%m-%Y").to_string(),
                        row.content_hash.chars().take(16).collect(),
                    )
                })
                .collect(),
        }
    }
}

/// Kinds or categories in words, joined by commas.
fn joined<T>(items: &[T], text: impl Fn(&T) -> String) -> String {
    items.iter().map(text).collect::<Vec<_>>().join(", ")
}

impl RuleLine {
    /// A handoff rule in words: who to whom, the consent it needs, what it shares, its clocks.
    fn new(t: &Texts, r: &HandoffRule) -> Self {
        RuleLine {
            id: r.id.clone(),
            kind_key: super::inbox::kind_key(r.kind.as_str()),
            from: joined(&r.from, |k| t.agency_kind(k.as_str())),
            to: joined(&r.to, |k| t.agency_kind(k.as_str())),
            consent: r
                .requires_consent
                .as_deref()
                .map(|p| super::label_of(t, &crate::domain::classification::CONSENT_PURPOSE, p))
                .unwrap_or_else(|| t.get("admin.no_consent")),
            override_allowed: r.consent_override,
            shares: joined(&r.shares, |c| t.get(&format!("category.{}", c.as_str()))),
            respond: r
                .respond_within_hours
                .map(|h| t.get("admin.hours").replace("{n}", &h.to_string()))
                .unwrap_or_default(),
            complete: r
                .complete_within_days
                .map(|d| t.get("admin.days").replace("{n}", &d.to_string()))
                .unwrap_or_default(),
            legal_basis: r.legal_basis.clone().unwrap_or_default(),
        }
    }
}

impl AgencyLine {
    /// An agency, its kind and province by name.
    fn new(t: &Texts, a: AgencyRow) -> Self {
        AgencyLine {
            code: a.code,
            name: a.name,
            kind: t.agency_kind(&a.kind),
            province: a.province.map(|p| t.place(&p)).unwrap_or_default(),
            active: a.active,
            address: a.address.unwrap_or_default().replace('\n', ", "),
        }
    }
}

impl UserLine {
    /// A user as `viewer` sees it: pending roles may be confirmed by someone else than the user
    /// and whoever set their password.
    fn new(t: &Texts, viewer: &Actor, u: UserView) -> Self {
        let agency = Resource::Agency(u.user.agency_id);
        let may_manage = authz::can(viewer, Action::UserManage, agency).is_ok()
            && u.roles.iter().chain(&u.pending_roles).all(|r| {
                Role::parse(r)
                    .is_ok_and(|r| authz::can(viewer, Action::RoleAssign(r), agency).is_ok())
            });
        UserLine {
            may_manage,
            is_self: u.user.id == viewer.user_id,
            may_confirm: !u.pending_roles.is_empty()
                && u.user.id != viewer.user_id
                && u.user.password_set_by != Some(viewer.user_id),
            id: u.user.id,
            username: u.user.username,
            display_name: u.user.display_name,
            agency: u.agency_code,
            roles: joined(&u.roles, |r| t.role(r)),
            pending: joined(&u.pending_roles, |r| t.role(r)),
            active: u.user.active,
        }
    }
}

/// Adds a user (to the administrator's own agency unless a system administrator chose another).
#[post("/admin/users")]
async fn add_user(
    req: HttpRequest,
    db: web::Data<Db>,
    deps: web::Data<AuthDeps>,
    set: web::Data<AgreementSet>,
    SignedForm { v, f }: SignedForm,
) -> HttpResponse {
    let input = UserInput {
        username: f.val("username").trim().to_owned(),
        display_name: f.one("display_name"),
        email: f.one("email"),
        agency: f
            .one("agency")
            .unwrap_or_else(|| v.actor.agency_code.clone()),
        roles: f.all("roles"),
        language: f.one("language"),
        password: f.val("password"),
    };
    let username = input.username.clone();
    let ctx = v.ctx(&req);
    let d = deps.clone();
    let created = db
        .run(move |conn| accounts::create_user(conn, &ctx, &d.hasher, input))
        .await;
    match created {
        Ok(_) => see_other(&format!("/admin?added={username}")),
        Err(e) => {
            let mut kept = f.clone();
            kept.forget("password");
            match forms::field_errors(&v.t, &e) {
                Some(errors) => {
                    page(
                        &req,
                        &db,
                        &set,
                        v,
                        kept,
                        errors,
                        Shown::default(),
                        StatusCode::UNPROCESSABLE_ENTITY,
                    )
                    .await
                }
                None if matches!(e, crate::error::AppError::Conflict { .. }) => {
                    let mut errors = Errors::default();
                    errors.add("username", v.t.get("admin.username_taken"));
                    page(
                        &req,
                        &db,
                        &set,
                        v,
                        kept,
                        errors,
                        Shown::default(),
                        StatusCode::CONFLICT,
                    )
                    .await
                }
                None => super::failed(v, e, "add user"),
            }
        }
    }
}

/// Confirms the roles of a user that wait for confirmation (someone else than whoever set the
/// user's password).
#[post("/admin/users/{id}/confirm")]
async fn confirm_roles(
    req: HttpRequest,
    db: web::Data<Db>,
    set: web::Data<AgreementSet>,
    id: web::Path<i64>,
    SignedForm { v, f }: SignedForm,
) -> HttpResponse {
    let ctx = v.ctx(&req);
    let id = id.into_inner();
    match db
        .run(move |conn| accounts::confirm_roles(conn, &ctx, id))
        .await
    {
        Ok(_) => see_other("/admin#users"),
        Err(crate::error::AppError::AccessRefused { .. }) => {
            let mut errors = Errors::default();
            errors.add("form", v.t.get("admin.confirm_refused"));
            page(
                &req,
                &db,
                &set,
                v,
                f,
                errors,
                Shown::default(),
                StatusCode::FORBIDDEN,
            )
            .await
        }
        Err(e) => super::failed(v, e, "confirm roles"),
    }
}
