//! The case list (filters and search by number) and the case page: profile, tracks and stages,
//! consents, handoffs with their clocks, what may be sent and why the rest is closed (from the
//! handoff options), notes, documents and the timeline. The forms on the case page are handled in
//! `case_forms`; a refused form comes back here with its messages and what the user typed.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;

use super::forms::{self, Choice, Errors, Fields};
use super::i18n::Texts;
use super::inbox::{kind_key, state_of};
use super::{Chrome, Viewer, label_of, render};
use crate::authz::{self, Action};
use crate::crypto::Vault;
use crate::db::Db;
use crate::domain::case::CaseStatus;
use crate::domain::case::Identity;
use crate::domain::classification as cls;
use crate::services::auth::AuthDeps;
use crate::services::cases::{self as case_service, CaseQuery};
use crate::services::handoffs::{self, AgreementSet};

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(show);
}

/// One row of the case list.
struct CaseRow {
    id: i64,
    number: String,
    owner: String,
    status_key: &'static str,
    risk: String,
    created: String,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    t: Texts,
    c: Chrome,
    f: Fields,
    rows: Vec<CaseRow>,
    errors: Errors,
    risk_levels: Vec<Choice>,
    forms_list: Vec<Choice>,
    next: Option<i64>,
}

pub(super) fn status_key(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::Open => "status.open",
        CaseStatus::Closed => "status.closed",
    }
}

/// The cases the user's agency is party to, newest first, with filters (`?number=&status=&risk=
/// &form=&from=&to=`) and `?before=` for the next page.
#[get("/cases")]
async fn list(
    req: HttpRequest,
    db: web::Data<Db>,
    _deps: web::Data<AuthDeps>,
    v: Viewer,
) -> HttpResponse {
    let f = Fields::parse(req.query_string().as_bytes());
    let service_query = CaseQuery {
        number: f.one("number"),
        status: f.one("status"),
        risk: f.one("risk"),
        form: f.one("form"),
        from: f.one("from"),
        to: f.one("to"),
        ..Default::default()
    };
    let ctx = v.ctx(&req);
    let before = f.one("before").and_then(|b| b.parse::<i64>().ok());
    let listed = db
        .run(move |conn| case_service::list(conn, &ctx, &service_query, before, 50))
        .await;
    let (items, errors) = match listed {
        Ok(items) => (items, Errors::default()),
        Err(e) => match forms::field_errors(&v.t, &e) {
            Some(errors) => (Vec::new(), errors),
            None => return super::failed(v, e, "cases"),
        },
    };
    let next = (items.len() == 50)
        .then(|| items.last().map(|c| c.id))
        .flatten();
    let rows = items
        .into_iter()
        .map(|c| CaseRow {
            id: c.id,
            number: c.case_number,
            owner: c.owner_agency,
            status_key: status_key(c.status),
            risk: c
                .risk_level
                .map(|r| label_of(&v.t, &cls::RISK_LEVEL, &r))
                .unwrap_or_default(),
            created: v.time(c.created_at.naive_utc()),
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status,
        &CasesPage {
            risk_levels: forms::choices(&v.t, &cls::RISK_LEVEL),
            forms_list: forms::choices(&v.t, &cls::VIOLENCE_FORM),
            t: v.t,
            c: v.chrome,
            f,
            rows,
            errors,
            next,
        },
    )
}

/// A labelled fact of the case.
pub(super) struct Fact {
    label_key: &'static str,
    value: String,
}

/// A track with its stage and the stages it may move to.
struct TrackLine {
    code: &'static str,
    label: String,
    stage: String,
    stage_code: String,
    stages: Vec<Choice>,
}

/// A consent in force.
struct ConsentLine {
    purpose: String,
    recipient: String,
    given: bool,
    given_by: String,
    recorded: String,
}

/// A handoff of the case.
struct HandoffLine {
    kind_key: &'static str,
    from: String,
    to: String,
    status: String,
    due: String,
    state_key: Option<&'static str>,
    state_class: &'static str,
    sent: String,
}

/// One thing the user could send, or why it is closed.
struct OptionLine {
    handoff: String,
    agreement_id: String,
    agreement: String,
    kind_key: &'static str,
    description: String,
    legal_basis: String,
    to_agency: String,
    to_name: String,
    allowed: bool,
    override_possible: bool,
    reasons: Vec<String>,
}

/// A note of the user's agency.
struct NoteLine {
    author: String,
    at: String,
    body: String,
}

/// A document of the case.
struct DocumentLine {
    id: i64,
    filename: String,
    size: String,
    agency: String,
}

/// A line of the timeline.
struct TimelineLine {
    at: String,
    label_key: String,
    who: String,
}

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
    facts: Vec<Fact>,
    tracks: Vec<TrackLine>,
    can_edit: bool,
    can_upload: bool,
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
    documents: Vec<DocumentLine>,
    events: Vec<TimelineLine>,
    /// The form that was refused (`identity`, `consent`, `stage`, `note`, `send`), what was typed
    /// in it and its messages.
    typed: forms::Typed,
    errors: Errors,
}

/// What a form adds to the case page it re-renders.
#[derive(Default)]
pub(super) struct Extra {
    /// A message at the top.
    pub banner: Option<String>,
    /// The case changed since the form was shown.
    pub stale: bool,
    /// The identity, revealed with a purpose.
    pub identity: Option<Identity>,
    /// The refused form's name, typed values and messages.
    pub form: Option<(&'static str, Fields, Errors)>,
}

#[get("/cases/{id}")]
async fn show(
    req: HttpRequest,
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    set: web::Data<AgreementSet>,
    id: web::Path<i64>,
    v: Viewer,
) -> HttpResponse {
    case_page(
        &req,
        &db,
        &vault,
        &set,
        v,
        id.into_inner(),
        Extra::default(),
        StatusCode::OK,
    )
    .await
}

fn size_text(bytes: i64) -> String {
    if bytes >= 1_048_576 {
        format!("{:.1} MB", bytes as f64 / 1_048_576.0)
    } else {
        format!("{} kB", (bytes + 1023) / 1024)
    }
}

/// Renders a case as the viewer's agency may see it. Reading it is recorded (`case.viewed`), as
/// through the API. A case the viewer may not see is the 404 page.
#[allow(clippy::too_many_arguments)]
pub(super) async fn case_page(
    req: &HttpRequest,
    db: &Db,
    vault: &web::Data<Vault>,
    set: &web::Data<AgreementSet>,
    v: Viewer,
    id: i64,
    extra: Extra,
    status: StatusCode,
) -> HttpResponse {
    let ctx = v.ctx(req);
    let (vlt, agreements) = (vault.clone(), set.clone());
    let may_send = v
        .actor
        .roles
        .iter()
        .any(|r| authz::role_permits(*r, Action::HandoffSend));
    let loaded = db
        .run(move |conn| {
            let detail = case_service::get(conn, &ctx, id)?;
            let timeline = crate::services::audit_trail::timeline(conn, &ctx, id)?;
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
            Ok((
                detail, timeline, consents, notes, documents, handoffs, options,
            ))
        })
        .await;
    let (detail, timeline, consents, notes, documents, handoff_views, options) = match loaded {
        Ok(found) => found,
        Err(e) => return super::failed(v, e, "case"),
    };
    let t = v.t;
    let survivor = &detail.survivor;
    let mut facts = vec![
        Fact {
            label_key: "case.province",
            value: detail.province.clone(),
        },
        Fact {
            label_key: "label.survivor.age_band",
            value: survivor
                .age_band
                .as_deref()
                .map(|c| label_of(&t, &cls::AGE_BAND, c))
                .unwrap_or_default(),
        },
        Fact {
            label_key: "label.survivor.sex",
            value: survivor
                .sex
                .as_deref()
                .map(|c| label_of(&t, &cls::SEX, c))
                .unwrap_or_default(),
        },
        Fact {
            label_key: "label.survivor.disabilities",
            value: survivor
                .disabilities
                .iter()
                .map(|c| label_of(&t, &cls::DISABILITY, c))
                .collect::<Vec<_>>()
                .join(", "),
        },
        Fact {
            label_key: "label.migrant.migration_stage",
            value: detail
                .migrant
                .migration_stage
                .as_deref()
                .map(|c| label_of(&t, &cls::MIGRATION_STAGE, c))
                .unwrap_or_default(),
        },
        Fact {
            label_key: "label.migrant.destination_country",
            value: detail
                .migrant
                .destination_country
                .clone()
                .unwrap_or_default(),
        },
        Fact {
            label_key: "label.risk_level",
            value: detail
                .risk_level
                .as_deref()
                .map(|c| label_of(&t, &cls::RISK_LEVEL, c))
                .unwrap_or_default(),
        },
    ];
    if let Some(incidents) = &detail.incidents {
        let forms: Vec<String> = incidents
            .iter()
            .flat_map(|i| i.forms.iter())
            .map(|c| label_of(&t, &cls::VIOLENCE_FORM, c))
            .collect();
        facts.push(Fact {
            label_key: "label.incident.forms",
            value: forms.join(", "),
        });
    }
    if let Some(legal) = &detail.legal {
        facts.push(Fact {
            label_key: "label.legal_basis",
            value: legal.legal_basis.join(", "),
        });
    }
    facts.retain(|f| !f.value.is_empty());
    let identity = extra.identity.map(|i| {
        let mut out = vec![Fact {
            label_key: "label.survivor.full_name",
            value: i.full_name,
        }];
        for (key, value) in [
            ("label.survivor.nik", i.nik),
            ("label.survivor.passport_number", i.passport_number),
            ("label.survivor.phone", i.phone),
            ("label.survivor.address", i.address),
            (
                "label.survivor.date_of_birth",
                i.date_of_birth.map(|d| d.format("%d-%m-%Y").to_string()),
            ),
        ] {
            if let Some(value) = value {
                out.push(Fact {
                    label_key: key,
                    value,
                });
            }
        }
        out
    });
    let tracks = cls::TRACKS
        .iter()
        .filter_map(|(track, stages)| {
            let code = detail.tracks.get(track.code)?;
            let stage = stages.iter().find(|s| s.code == code)?;
            Some(TrackLine {
                code: track.code,
                label: super::label(&t, track),
                stage: super::label(&t, stage),
                stage_code: code.clone(),
                stages: stages
                    .iter()
                    .map(|s| Choice {
                        code: s.code,
                        label: super::label(&t, s),
                    })
                    .collect(),
            })
        })
        .collect();
    let consent_lines = consents
        .current
        .into_iter()
        .map(|c| ConsentLine {
            purpose: label_of(&t, &cls::CONSENT_PURPOSE, &c.purpose),
            recipient: c
                .recipient_agency
                .unwrap_or_else(|| t.get("consent.everyone")),
            given: c.given,
            given_by: t.get(&format!("consent.by.{}", c.given_by)),
            recorded: v.time(c.recorded_at.naive_utc()),
        })
        .collect();
    let handoffs = handoff_views
        .into_iter()
        .map(|h| {
            let clock = h
                .deadlines
                .iter()
                .find(|d| d.state.as_str() != "met")
                .or_else(|| h.deadlines.first());
            let state = clock.map(|d| state_of(d.state.as_str()));
            HandoffLine {
                kind_key: kind_key(h.kind.as_str()),
                from: h.from_agency,
                to: h.to_agency,
                status: t.get(&format!("handoff.status.{}", h.status)),
                due: clock.map(|d| v.time(d.due_at)).unwrap_or_default(),
                state_key: state.map(|s| s.0),
                state_class: state.map_or("upcoming", |s| s.1),
                sent: v.time(h.created_at.naive_utc()),
            }
        })
        .collect();
    let mut recipients: Vec<(String, String)> = Vec::new();
    let option_lines: Vec<OptionLine> = options
        .into_iter()
        .map(|o| {
            if !recipients.iter().any(|(code, _)| *code == o.to_agency) {
                recipients.push((o.to_agency.clone(), o.to_agency_name.clone()));
            }
            OptionLine {
                reasons: o
                    .unmet
                    .iter()
                    .map(|u| {
                        let key = format!("condition.{}", u.condition);
                        let text = t.get(&key);
                        let detail = u
                            .message
                            .split_once(": ")
                            .map_or(u.message.as_str(), |(_, d)| d);
                        if text == key {
                            detail.to_owned()
                        } else {
                            format!("{text} ({detail})")
                        }
                    })
                    .collect(),
                handoff: o.handoff,
                agreement: format!("{} v{}", o.agreement.id, o.agreement.version),
                agreement_id: o.agreement.id,
                kind_key: kind_key(&o.kind),
                description: o.description.unwrap_or_default(),
                legal_basis: o.legal_basis.unwrap_or_default(),
                to_agency: o.to_agency,
                to_name: o.to_agency_name,
                allowed: o.allowed,
                override_possible: o.override_possible,
            }
        })
        .collect();
    let (sendable, closed): (Vec<OptionLine>, Vec<OptionLine>) = option_lines
        .into_iter()
        .partition(|o: &OptionLine| o.allowed || o.override_possible);
    let note_lines = notes
        .into_iter()
        .map(|n| NoteLine {
            author: n.author,
            at: v.time(n.created_at.naive_utc()),
            body: n.body,
        })
        .collect();
    let document_lines = documents
        .into_iter()
        .map(|d| DocumentLine {
            id: d.id,
            filename: d.filename,
            size: size_text(d.size_bytes),
            agency: d.agency,
        })
        .collect();
    let events = timeline
        .events
        .into_iter()
        .map(|e| TimelineLine {
            at: v.time(e.at.naive_utc()),
            label_key: format!("event.{}", e.kind),
            who: super::who(e.actor.username, e.actor.agency),
        })
        .collect();
    let (form, f, errors) = match extra.form {
        Some((name, f, errors)) => (name.to_owned(), f, errors),
        None => (String::new(), Fields::default(), Errors::default()),
    };
    let roles_permit = |action| {
        v.actor
            .roles
            .iter()
            .any(|r| authz::role_permits(*r, action))
    };
    render(
        status,
        &CasePage {
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
            facts,
            tracks,
            can_edit: detail.actions.edit.iter().any(|c| c == "summary"),
            can_upload: detail.actions.edit.iter().any(|c| c == "documents"),
            can_consent: !detail.actions.record_consent.is_empty(),
            can_access_log: roles_permit(Action::AccessLogView),
            consents: consent_lines,
            handoffs,
            options: sendable,
            closed,
            recipients,
            purposes: forms::choices(&t, &cls::CONSENT_PURPOSE)
                .into_iter()
                .filter(|p| detail.actions.record_consent.iter().any(|c| c == p.code))
                .collect(),
            methods: forms::choices(&t, &cls::CONSENT_METHOD),
            notes: note_lines,
            documents: document_lines,
            events,
            typed: forms::Typed { form, fields: f },
            errors,
            t,
            c: v.chrome,
        },
    )
}
