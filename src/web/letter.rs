//! The referral letter of a handoff as a printable page (A4 print stylesheet in `static/app.css`):
//! the same content as the PDF (`GET /api/v1/handoffs/{id}/letter.pdf`), in the user's language,
//! for whoever may see the handoff (404 for everyone else); each print is recorded.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;

use super::i18n::Texts;
use super::{Chrome, Viewer, render};
use crate::crypto::Vault;
use crate::db::Db;
use crate::domain::letter::LetterText;
use crate::services::handoffs::letter::{self, LetterFormat};

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(letter_page);
}

#[derive(Template)]
#[template(path = "letter.html")]
struct LetterPage {
    t: Texts,
    c: Chrome,
    id: i64,
    letter: LetterText,
}

/// `/handoffs/{id}/letter`: the letter, ready to print.
#[get("/handoffs/{id}/letter")]
async fn letter_page(
    req: HttpRequest,
    db: web::Data<Db>,
    vault: web::Data<Vault>,
    id: web::Path<i64>,
    v: Viewer,
) -> HttpResponse {
    let id = id.into_inner();
    let ctx = v.ctx(&req);
    let loaded = db
        .run(move |conn| letter::letter(conn, &ctx, &vault, id, LetterFormat::Html))
        .await;
    let content = match loaded {
        Ok(content) => content,
        Err(e) => return super::failed(v, e, "letter"),
    };
    let t = v.t;
    let text = content.text(&|key| t.get(key));
    render(
        StatusCode::OK,
        &LetterPage {
            t: v.t,
            c: v.chrome,
            id,
            letter: text,
        },
    )
}
