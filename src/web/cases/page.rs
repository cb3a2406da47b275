//! The case page: what the viewer's agency may see of a case, read in one transaction, then
//! rendered section by section (`sections`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;

use super::manage::{Edit, Manage, Shown};
use super::panels::Panel;
use super::sections::{
    self, ConsentLine, DocumentLine, Fact, HandoffLine, NoteLine, OptionLine, Sending,
    TimelineLine, TrackLine,
};
use super::status_key;
use crate::authz::{self, Action};
use crate::crypto::Vault;
use crate::db::Db;
use crate::domain::case::Identity;
use crate::domain::classification as cls;
use crate::error::AppError;
use crate::services::audit_trail::{self, Timeline};
use crate::services::cases::{
    self as case_service, Assignee, CaseDetail, Consents, DocumentView, NoteView, ShownIdentity,
};
use crate::services::handoffs::{self, AgreementSet, HandoffOption, HandoffView};
use crate::web::forms::{self, Choice, Errors, Fields};
use crate::web::i18n::Texts;
use crate::web::{Chrome, Viewer, render};

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    t: Texts,
    c: Chrome,
    id: i64,
    version: i32,
    number: String,
    owner: String,
    status_key: &'static str,
    open: bool,
    banner: Option<String>,
    stale: bool,
    identity_held: bool,
    identity: Option<Vec<Fact>>,
    /// The identity shows for the visit: why and since when.
    shown: Option<Shown>,
    /// Who works the case; assigning, closing, reopening.
    manage: Manage,
    /// The edit forms.
    edit: Edit,
    facts: Vec<Fact>,
    tracks: Vec<TrackLine>,
    can_edit: bool,
    can_upload: bool,
    can_send: bool,
    /// A pending receiver: it answers before it sends anything on.
    pending: bool,
    /// What the last action did, in words (not an error).
    notice: Option<String>,
    /// The receiver's panels: handoffs to answer or being worked on.
    panels: Vec<Panel>,
    /// The one-time token of this page's send forms.
    form_token: String,
    /// The folded section to show open (`?open=notes` after adding a note).
    open_section: String,
    can_consent: bool,
    can_access_log: bool,
    consents: Vec<ConsentLine>,
    handoffs: Vec<HandoffLine>,
    options: Vec<OptionLine>,
    closed: Vec<OptionLine>,
    recipients: Vec<(String, String)>,
    purposes: Vec<Choice>,
    methods: Vec<Choice>,
    notes: Vec<NoteLine>,
    /// "Kronologi dan pelaku": trafficking facts and their forms.
    trafficking: super::trafficking::TraffickingSection,
    documents: Vec<DocumentLine>,
    events: Vec<TimelineLine>,
    /// The form that was refused (`identity`, `consent`, `stage`, `note`, `send`), what was typed
    /// in it and its messages.
    typed: forms::Typed,
    errors: Errors,
}

/// What a form adds to the case page it re-renders.
#[derive(Default)]
pub(in crate::web) struct Extra {
    /// A message at the top.
    pub banner: Option<String>,
    /// The case changed since the form was shown.
    pub stale: bool,
    /// The identity, revealed with a purpose.
    pub identity: Option<Identity>,
    /// The refused form's name, typed values and messages.
    pub form: Option<(&'static str, Fields, Errors)>,
    /// A refused decision form: (handoff id, form, message).
    pub decision_error: Option<(i64, String, String)>,
    /// What the action before this page did (`sent`, `accepted` …) and to which handoff.
    pub done: Option<(String, i64)>,
    /// The folded section to show open.
    pub open: Option<String>,
}

/// `?done=…&h=…`: what the action before the page did.
#[derive(serde::Deserialize)]
struct Done {
    done: Option<String>,
    h: Option<i64>,
    open: Option<String>,
}

#[get("/cases/{id}")]
pub(super) async fn show(
    req: HttpRequest,
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    set: web::Data<AgreementSet>,
    id: web::Path<i64>,
    v: Viewer,
) -> HttpResponse {
    let query = web::Query::<Done>::from_query(req.query_string())
        .ok()
        .map(web::Query::into_inner);
    let (done, open) = match query {
        Some(q) => (q.done.zip(q.h), q.open),
        None => (None, None),
    };
    let extra = Extra {
        done,
        open,
        ..Extra::default()
    };
    case_page(
        &req,
        &db,
        &vault,
        &set,
        v,
        id.into_inner(),
        extra,
        StatusCode::OK,
    )
    .await
}

/// Renders a case as the viewer's agency may see it. Reading it is recorded (`case.viewed`), as
/// through the API. A case the viewer may not see is the 404 page.
#[allow(clippy::too_many_arguments)]
pub(in crate::web) async fn case_page(
    req: &HttpRequest,
    db: &Db,
    vault: &web::Data<Vault>,
    set: &web::Data<AgreementSet>,
    v: Viewer,
    id: i64,
    extra: Extra,
    status: StatusCode,
) -> HttpResponse {
    match load(req, db, vault, set, &v, id).await {
        Ok(loaded) => render(status, &CasePage::new(v, id, loaded, extra)),
        Err(e) => crate::web::failed(v, e, "case"),
    }
}

/// What the case page shows, as the services answer it.
struct Loaded {
    detail: CaseDetail,
    timeline: Timeline,
    consents: Consents,
    notes: Vec<NoteView>,
    documents: Vec<DocumentView>,
    handoffs: Vec<HandoffView>,
    /// Empty unless the viewer may send handoffs.
    options: Vec<HandoffOption>,
    /// The identity the viewer's session revealed, shown for the visit.
    shown: Option<ShownIdentity>,
    /// Whom the viewer may give the case to (empty unless a supervisor of the owner).
    assignees: Vec<Assignee>,
}

/// Whether one of the viewer's roles permits `action`.
fn roles_permit(v: &Viewer, action: Action) -> bool {
    v.actor
        .roles
        .iter()
        .any(|r| authz::role_permits(*r, action))
}

/// Reads the case and its parts in one transaction. The case and its timeline must be readable;
/// a part the viewer's agency may not read is shown empty.
async fn load(
    req: &HttpRequest,
    db: &Db,
    vault: &web::Data<Vault>,
    set: &web::Data<AgreementSet>,
    v: &Viewer,
    id: i64,
) -> Result<Loaded, AppError> {
    let ctx = v.ctx(req);
    let (vlt, agreements) = (vault.clone(), set.clone());
    let may_send = roles_permit(v, Action::HandoffSend);
    let record_minutes = req
        .app_data::<web::Data<crate::config::AuditSettings>>()
        .map_or(0, |a| a.view_record_minutes);
    let session = v.session_id.clone();
    db.run(move |conn| {
        // One read of the case's scope for every service the page asks (all reads).
        crate::db::snapshot::within_read_snapshot(|| {
            let detail = case_service::get(conn, &ctx, &vlt, id, record_minutes)?;
            let timeline = audit_trail::timeline(conn, &ctx, id)?;
            let consents =
                case_service::consents(conn, &ctx, id).unwrap_or_else(|_| case_service::Consents {
                    current: Vec::new(),
                    history: Vec::new(),
                });
            let notes = case_service::notes(conn, &ctx, &vlt, id).unwrap_or_default();
            let documents = case_service::documents(conn, &ctx, &vlt, id).unwrap_or_default();
            let handoffs = handoffs::of_case(conn, &ctx, &vlt, id).unwrap_or_default();
            let options = if may_send {
                handoffs::options(conn, &ctx, &agreements, &vlt, id).unwrap_or_default()
            } else {
                Vec::new()
            };
            let shown = if detail.actions.reveal_identity {
                case_service::shown_for_visit(conn, &ctx, &vlt, id, &session)?
            } else {
                None
            };
            let assignees = if detail.actions.assign {
                case_service::assignable(conn, &ctx, id)?
            } else {
                Vec::new()
            };
            Ok(Loaded {
                detail,
                shown,
                assignees,
                timeline,
                consents,
                notes,
                documents,
                handoffs,
                options,
            })
        })
    })
    .await
}

/// What the action before the page did, in words: "Referral sent to …", "Referral accepted." …
fn notice_of(t: &Texts, (done, h): (String, i64), handoffs: &[HandoffView]) -> Option<String> {
    let key = format!("done.{done}");
    let text = t.get(&key);
    if text == key {
        return None;
    }
    Some(match handoffs.iter().find(|x| x.id == h) {
        Some(x) if done == "sent" || done == "resent" => {
            format!("{text} {} ({}).", x.to_agency_name, x.to_agency)
        }
        _ => text,
    })
}

/// Each of `items` as a line of the page.
fn lines<T, U>(items: Vec<T>, line: impl Fn(T) -> U) -> Vec<U> {
    items.into_iter().map(line).collect()
}

/// The consent purposes the viewer may record on the case.
fn purposes_of(t: &Texts, detail: &CaseDetail) -> Vec<Choice> {
    forms::choices(t, &cls::CONSENT_PURPOSE)
        .into_iter()
        .filter(|p| detail.actions.record_consent.iter().any(|c| c == p.code))
        .collect()
}

/// The identity to show (just revealed, or revealed earlier in the visit) and, for the latter,
/// why and since when.
fn identity_of(
    v: &Viewer,
    revealed: Option<Identity>,
    shown: Option<ShownIdentity>,
) -> (Option<Vec<Fact>>, Option<Shown>) {
    let shown_at = shown
        .as_ref()
        .map(|s| Shown::new(s, v.time(s.revealed_at.naive_utc())));
    let identity = revealed
        .or_else(|| shown.map(|s| s.identity))
        .map(sections::identity_facts);
    (identity, shown_at)
}

impl CasePage {
    /// Whether a folded section shows open: asked for (`?open=`), or its form was refused.
    fn shows(&self, section: &str) -> bool {
        let forms: &[&str] = match section {
            "consents" => &["consent"],
            "notes" => &["note"],
            "documents" => &["document"],
            "manage" => &["close", "reopen", "assign"],
            "edit" => &["edit"],
            _ => &[],
        };
        self.open_section == section || forms.contains(&self.typed.form.as_str())
    }

    /// The page of a loaded case, with what a form adds.
    fn new(v: Viewer, id: i64, loaded: Loaded, extra: Extra) -> Self {
        let t = v.t;
        let Loaded {
            detail,
            timeline,
            consents,
            notes,
            documents,
            handoffs,
            options,
            shown,
            assignees,
        } = loaded;
        let edit_typed = match &extra.form {
            Some(("edit", f, errors)) => Some((f.clone(), errors.clone())),
            _ => None,
        };
        let (manage, edit) = (
            Manage::new(&t, &detail, assignees),
            Edit::new(&t, &detail, edit_typed),
        );
        let (identity, shown_at) = identity_of(&v, extra.identity, shown);
        let facts = sections::facts(&t, &detail);
        let purposes = purposes_of(&t, &detail);
        let tracks = sections::track_lines(&t, &detail);
        let sending = Sending::new(&t, options);
        let panels = Panel::of(&v, &handoffs, extra.decision_error.as_ref());
        let notice = extra.done.and_then(|done| notice_of(&t, done, &handoffs));
        let (form, f, errors) = match extra.form {
            Some((name, f, errors)) => (name.to_owned(), f, errors),
            None => (String::new(), Fields::default(), Errors::default()),
        };
        let trafficking = super::trafficking::TraffickingSection::new(&t, &detail, &form, &f);
        CasePage {
            id,
            version: detail.version,
            number: detail.case_number,
            owner: detail.owner_agency,
            status_key: status_key(detail.status),
            open: detail.status.is_open(),
            banner: extra.banner,
            stale: extra.stale,
            identity_held: detail.actions.reveal_identity,
            identity,
            shown: shown_at,
            manage,
            edit,
            facts,
            tracks,
            can_edit: detail.actions.edit.iter().any(|c| c == "summary"),
            can_upload: detail.actions.edit.iter().any(|c| c == "documents"),
            can_send: detail.actions.send,
            pending: detail.actions.pending,
            notice,
            panels,
            form_token: crate::auth::token::new_secret(),
            open_section: extra.open.unwrap_or_default(),
            can_consent: !detail.actions.record_consent.is_empty(),
            can_access_log: roles_permit(&v, Action::AccessLogView),
            consents: lines(consents.current, |c| ConsentLine::new(&v, c)),
            handoffs: lines(handoffs, |h| HandoffLine::new(&v, h)),
            options: sending.sendable,
            closed: sending.closed,
            recipients: sending.recipients,
            purposes,
            methods: forms::choices(&t, &cls::CONSENT_METHOD),
            notes: notes.into_iter().map(|n| NoteLine::new(&v, n)).collect(),
            trafficking,
            documents: documents.into_iter().map(DocumentLine::from).collect(),
            events: lines(timeline.events, |e| TimelineLine::new(&v, e)),
            typed: forms::Typed { form, fields: f },
            errors,
            t,
            c: v.chrome,
        }
    }
}
