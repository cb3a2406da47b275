//! The case list (filters and search by number) and the case page: profile, tracks and stages,
//! consents, handoffs with their clocks, what may be sent and why the rest is closed (from the
//! handoff options), notes, documents and the timeline. The forms on the case page are handled in
//! `case_forms`; a refused form comes back here with its messages and what the user typed.
//!
//! `list` is the case list, `page` loads a case and renders its page, `sections` builds the lines
//! of each section of that page, `trafficking` its "Kronologi dan pelaku" section (whose forms are
//! handled in `case_trafficking`).

use actix_web::web;

use crate::domain::case::CaseStatus;

mod list;
mod manage;
mod page;
mod sections;
mod trafficking;

pub(super) use page::{Extra, case_page};
pub(super) use sections::event_detail;
mod panels;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list::list).service(page::show);
}

/// The text key of a case's status.
fn status_key(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::Open => "status.open",
        CaseStatus::Closed => "status.closed",
    }
}
