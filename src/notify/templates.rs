//! E-mail texts in Indonesian and English, plain text and HTML. Pure. An e-mail names the case
//! number and links to the case; it never carries the survivor's identity or incident details,
//! because the parameters it is given hold none.

use serde::{Deserialize, Serialize};

/// What a notification says: the parameters stored with it in the outbox.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Case number, e.g. `JT-2026-000123`.
    pub case_number: String,
    /// Case id, for the link.
    pub case_id: i64,
    /// Handoff id, when it is about one.
    #[serde(default)]
    pub handoff_id: Option<i64>,
    /// `referral`, `transfer`, `notice`.
    #[serde(default)]
    pub handoff_kind: Option<String>,
    /// Sending agency code.
    #[serde(default)]
    pub from_agency: Option<String>,
    /// Receiving agency code.
    #[serde(default)]
    pub to_agency: Option<String>,
    /// `accepted`, `declined`, `withdrawn`, `completed`, `read`.
    #[serde(default)]
    pub decision: Option<String>,
    /// Deadline title, Indonesian.
    #[serde(default)]
    pub deadline_id: Option<String>,
    /// Deadline title, English.
    #[serde(default)]
    pub deadline_en: Option<String>,
    /// Due time, already written for people in the recipient agency's zone (WIB or WITA).
    #[serde(default)]
    pub due: Option<String>,
    /// Province of the agency whose clock it is (for its time zone).
    #[serde(default)]
    pub province: Option<String>,
}

/// A rendered e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Subject line.
    pub subject: String,
    /// Plain text.
    pub text: String,
    /// HTML.
    pub html: String,
}

/// The notification kinds (outbox `kind`).
pub const KINDS: [&str; 6] = [
    "handoff.received",
    "handoff.decided",
    "deadline.reminder",
    "deadline.escalation",
    "consent.withdrawn",
    "access.ended",
];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn decision_word(decision: &str, en: bool) -> &str {
    match (decision, en) {
        ("accepted", false) => "diterima",
        ("declined", false) => "ditolak",
        ("withdrawn", false) => "ditarik",
        ("completed", false) => "diselesaikan",
        ("read", false) => "dibaca",
        (other, _) => other,
    }
}

/// Renders `kind` in `language` (`id` unless `en`); `link` is the case's address.
pub fn render(kind: &str, language: &str, p: &Params, link: &str) -> Rendered {
    let en = language == "en";
    let words = Words::of(p, en);
    let (subject, lines) = if en {
        english(kind, &words)
    } else {
        indonesian(kind, &words)
    };
    let (text, html) = body(&lines, link, en);
    Rendered {
        subject,
        text,
        html,
    }
}

/// The parameters as the texts use them, `-` for what is missing.
struct Words<'a> {
    /// Case number.
    n: &'a str,
    from: &'a str,
    to: &'a str,
    due: &'a str,
    /// The deadline's title in the message's language.
    deadline: &'a str,
    handoff_kind: Option<&'a str>,
    decision: &'a str,
}

impl<'a> Words<'a> {
    fn of(p: &'a Params, en: bool) -> Self {
        let deadline = if en {
            p.deadline_en.as_deref()
        } else {
            p.deadline_id.as_deref()
        };
        Words {
            n: &p.case_number,
            from: p.from_agency.as_deref().unwrap_or("-"),
            to: p.to_agency.as_deref().unwrap_or("-"),
            due: p.due.as_deref().unwrap_or("-"),
            deadline: deadline.unwrap_or("-"),
            handoff_kind: p.handoff_kind.as_deref(),
            decision: p.decision.as_deref().unwrap_or("-"),
        }
    }
}

/// The subject and paragraphs of `kind` in Indonesian.
fn indonesian(kind: &str, w: &Words<'_>) -> (String, Vec<String>) {
    let Words {
        n,
        from,
        to,
        due,
        deadline,
        ..
    } = w;
    match kind {
        "handoff.received" => (
            format!("[Rujukan] Rujukan baru untuk kasus {n}"),
            vec![
                format!(
                    "{from} mengirim {} untuk kasus {n} kepada {to}.",
                    w.handoff_kind.unwrap_or("rujukan")
                ),
                format!("Mohon dijawab sebelum {due}."),
            ],
        ),
        "handoff.decided" => (
            format!(
                "[Rujukan] Rujukan kasus {n} {}",
                decision_word(w.decision, false)
            ),
            vec![format!(
                "Rujukan kasus {n} dari {from} kepada {to} telah {}.",
                decision_word(w.decision, false)
            )],
        ),
        "deadline.reminder" => (
            format!("[Rujukan] Pengingat: {deadline}, kasus {n}"),
            vec![format!(
                "Batas waktu \"{deadline}\" untuk kasus {n} berakhir {due}."
            )],
        ),
        "deadline.escalation" => (
            format!("[Rujukan] Eskalasi: batas waktu terlewati, kasus {n}"),
            vec![
                format!(
                    "Batas waktu \"{deadline}\" untuk kasus {n} ({from} → {to}) terlewati pada {due}."
                ),
                "Mohon ditindaklanjuti sebagai atasan.".to_owned(),
            ],
        ),
        "consent.withdrawn" => (
            format!("[Rujukan] Persetujuan dicabut, kasus {n}"),
            vec![format!(
                "Penyintas mencabut persetujuan untuk kasus {n}. Akses {to} yang berdasar persetujuan itu telah berakhir."
            )],
        ),
        "access.ended" => (
            format!("[Rujukan] Akses berakhir, kasus {n}"),
            vec![format!(
                "Akses {to} ke kasus {n} telah berakhir, karena akses instansi yang meneruskan kasus ini kepada {to} telah berakhir."
            )],
        ),
        other => unknown_kind(other, n),
    }
}

/// The subject and paragraphs of `kind` in English.
fn english(kind: &str, w: &Words<'_>) -> (String, Vec<String>) {
    let Words {
        n,
        from,
        to,
        due,
        deadline,
        decision,
        ..
    } = w;
    match kind {
        "handoff.received" => (
            format!("[Rujukan] New handoff for case {n}"),
            vec![
                format!(
                    "{from} sent a {} for case {n} to {to}.",
                    w.handoff_kind.unwrap_or("handoff")
                ),
                format!("Please answer before {due}."),
            ],
        ),
        "handoff.decided" => (
            format!("[Rujukan] Handoff of case {n} {decision}"),
            vec![format!(
                "The handoff of case {n} from {from} to {to} was {decision}."
            )],
        ),
        "deadline.reminder" => (
            format!("[Rujukan] Reminder: {deadline}, case {n}"),
            vec![format!(
                "The deadline \"{deadline}\" for case {n} ends {due}."
            )],
        ),
        "deadline.escalation" => (
            format!("[Rujukan] Escalation: deadline missed, case {n}"),
            vec![
                format!(
                    "The deadline \"{deadline}\" for case {n} ({from} → {to}) passed at {due}."
                ),
                "Please follow up as a supervisor.".to_owned(),
            ],
        ),
        "consent.withdrawn" => (
            format!("[Rujukan] Consent withdrawn, case {n}"),
            vec![format!(
                "The survivor withdrew consent for case {n}. The access of {to} that rested on it has ended."
            )],
        ),
        "access.ended" => (
            format!("[Rujukan] Access ended, case {n}"),
            vec![format!(
                "The access of {to} to case {n} has ended, because the access of the agency that passed the case on to {to} has ended."
            )],
        ),
        other => unknown_kind(other, n),
    }
}

/// A kind without a text of its own: its code and the case number.
fn unknown_kind(kind: &str, n: &str) -> (String, Vec<String>) {
    (
        format!("[Rujukan] {kind}: {n}"),
        vec![format!("{kind}: {n}")],
    )
}

/// The plain-text and HTML bodies: the paragraphs, the link to the case and the footer.
fn body(lines: &[String], link: &str, en: bool) -> (String, String) {
    let open = if en { "Open the case" } else { "Buka kasus" };
    let footer = if en {
        "This message names only the case number. Sign in to Rujukan to see what you may see."
    } else {
        "Pesan ini hanya menyebut nomor kasus. Masuk ke Rujukan untuk melihat yang boleh Anda lihat."
    };
    let text = format!("{}\n\n{open}: {link}\n\n{footer}\n", lines.join("\n"));
    let html = format!(
        "<!doctype html><html lang=\"{}\"><body>{}<p><a href=\"{}\">{open}</a></p><p><small>{}</small></p></body></html>",
        if en { "en" } else { "id" },
        lines
            .iter()
            .map(|l| format!("<p>{}</p>", escape(l)))
            .collect::<String>(),
        escape(link),
        escape(footer)
    );
    (text, html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_in_both_languages_with_the_case_number_and_link() {
        let p = Params {
            case_number: "JT-2026-000007".into(),
            case_id: 7,
            from_agency: Some("UPTD-PPA-JATENG".into()),
            to_agency: Some("POLDA-JATENG".into()),
            due: Some("29 Nov 2026 10.00 WIB".into()),
            deadline_id: Some("Menjawab rujukan".into()),
            deadline_en: Some("Answer the handoff".into()),
            decision: Some("accepted".into()),
            ..Params::default()
        };
        for kind in KINDS {
            let id = render(kind, "id", &p, "http://x/cases/7");
            let en = render(kind, "en", &p, "http://x/cases/7");
            assert_ne!(id.subject, en.subject, "{kind}");
            for r in [&id, &en] {
                assert!(
                    r.subject.contains("JT-2026-000007") && r.text.contains("http://x/cases/7"),
                    "{kind}: {r:?}"
                );
                assert!(r.html.contains("href=\"http://x/cases/7\""));
            }
        }
        let html = render(
            "handoff.received",
            "en",
            &Params {
                from_agency: Some("<script>".into()),
                ..p
            },
            "l",
        )
        .html;
        assert!(!html.contains("<script>"), "HTML is escaped");
    }
}
