//! Notifications: who is told what (written to the outbox with the event), and the worker that
//! delivers the outbox over SMTP or to `.eml` files, with retries and a dead-letter state.

pub mod templates;

use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDateTime;
use lettre::message::{Mailbox, MultiPart};
use lettre::{FileTransport, Message, SmtpTransport, Transport};

use crate::config::{EmailSettings, EmailTransport};
use crate::db::DbConnection;
use crate::db::outbox::{self, MailRow};
use templates::Params;

/// Roles told about handoffs their agency receives or must act on.
pub const HANDOFF_ROLES: [&str; 5] = [
    "caseworker",
    "supervisor",
    "investigator",
    "prosecutor",
    "court_clerk",
];

/// Writes one notification of `kind` for every active user of `agency_id` holding one of `roles`.
/// Call inside the transaction of the event that causes it.
pub fn tell_agency(
    conn: &mut DbConnection,
    kind: &'static str,
    agency_id: i64,
    roles: &[&str],
    params: &Params,
    now: NaiveDateTime,
) -> diesel::QueryResult<usize> {
    enqueue(
        conn,
        kind,
        outbox::Recipients::Agency(agency_id, roles),
        params,
        now,
    )
}

/// Writes one notification of `kind` for one user (if active). Call inside the event's transaction.
pub fn tell_user(
    conn: &mut DbConnection,
    kind: &'static str,
    user_id: i64,
    params: &Params,
    now: NaiveDateTime,
) -> diesel::QueryResult<usize> {
    enqueue(conn, kind, outbox::Recipients::User(user_id), params, now)
}

fn enqueue(
    conn: &mut DbConnection,
    kind: &'static str,
    to: outbox::Recipients<'_>,
    params: &Params,
    now: NaiveDateTime,
) -> diesel::QueryResult<usize> {
    let text = serde_json::to_string(params)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    outbox::enqueue_for(conn, kind, Some(params.case_id), to, &text, now)
}

/// Where mail goes.
pub enum Mailer {
    /// `.eml` files in a folder.
    File(PathBuf),
    /// An SMTP server.
    Smtp(Box<SmtpTransport>),
}

/// An SMTP transport from `smtp://[USER:PASSWORD@]HOST[:PORT]` (port 25 by default). The
/// connection is not encrypted: run a local relay (for example Postfix) that relays over TLS.
pub fn smtp_transport(url: &str) -> Result<SmtpTransport, String> {
    let rest = url
        .strip_prefix("smtp://")
        .ok_or("it must start with smtp:// (TLS is left to a local relay)")?;
    let rest = rest.trim_end_matches('/');
    let (credentials, host_port) = match rest.rsplit_once('@') {
        Some((creds, host)) => (Some(creds), host),
        None => (None, rest),
    };
    let (host, port) = match host_port.rsplit_once(':') {
        Some((host, port)) => (
            host,
            port.parse::<u16>()
                .map_err(|_| format!("the port {port:?} is not a number from 1 to 65535"))?,
        ),
        None => (host_port, 25),
    };
    if host.is_empty() || host.contains(['/', '?', '#', ' ']) {
        return Err(format!("the host {host:?} is not a host name"));
    }
    let mut builder = SmtpTransport::builder_dangerous(host)
        .port(port)
        .timeout(Some(Duration::from_secs(10)));
    if let Some(creds) = credentials {
        let (user, password) = creds
            .split_once(':')
            .ok_or("credentials must be written USER:PASSWORD@")?;
        builder = builder.credentials(lettre::transport::smtp::authentication::Credentials::new(
            user.to_owned(),
            password.to_owned(),
        ));
    }
    Ok(builder.build())
}

/// A delivery that failed.
#[derive(Debug)]
pub struct SendError {
    /// The server refused for good (5xx): no retry.
    pub permanent: bool,
    /// What happened.
    pub message: String,
}

impl Mailer {
    /// Builds the mailer the settings ask for; a bad SMTP URL is an error at start-up.
    pub fn from_settings(
        settings: &EmailSettings,
        data_dir: &std::path::Path,
    ) -> anyhow::Result<Self> {
        use secrecy::ExposeSecret;
        match settings.transport {
            EmailTransport::File => Ok(Mailer::File(data_dir.join("outbox-mail"))),
            EmailTransport::Smtp => {
                let url = settings.smtp_url.as_ref().ok_or_else(|| {
                    anyhow::anyhow!("email.smtp_url is required when email.transport = \"smtp\"")
                })?;
                let transport = smtp_transport(url.expose_secret())
                    .map_err(|e| anyhow::anyhow!("email.smtp_url does not parse: {e}"))?;
                Ok(Mailer::Smtp(Box::new(transport)))
            }
        }
    }

    fn send(&self, message: &Message) -> Result<(), SendError> {
        match self {
            Mailer::File(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| SendError {
                    permanent: false,
                    message: format!("cannot create {}: {e}", dir.display()),
                })?;
                FileTransport::new(dir)
                    .send(message)
                    .map(|_| ())
                    .map_err(|e| SendError {
                        permanent: false,
                        message: e.to_string(),
                    })
            }
            Mailer::Smtp(transport) => transport.send(message).map(|_| ()).map_err(|e| SendError {
                permanent: e.is_permanent(),
                message: e.to_string(),
            }),
        }
    }
}

/// What one delivery run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    /// Sent.
    pub sent: usize,
    /// Failed, to be retried.
    pub retrying: usize,
    /// Given up (dead letters).
    pub dead: usize,
}

/// Seconds to wait after `attempts` failed attempts: 30 s, 1, 2, 4 … minutes, at most an hour.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let exponent = u32::try_from(attempts.clamp(1, 8) - 1).unwrap_or(0);
    chrono::Duration::seconds((30_i64 << exponent).min(3600))
}

fn message_of(row: &MailRow, from: &Mailbox, link_base: &str) -> Result<Message, String> {
    let params: Params =
        serde_json::from_str(&row.params).map_err(|e| format!("bad parameters: {e}"))?;
    let link = format!(
        "{}/cases/{}",
        link_base.trim_end_matches('/'),
        params.case_id
    );
    let rendered = templates::render(&row.kind, &row.language, &params, &link);
    let to: Mailbox = row
        .recipient_email
        .as_deref()
        .unwrap_or_default()
        .parse()
        .map_err(|e| format!("bad address: {e}"))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .message_id(Some(row.message_id.clone()))
        .subject(rendered.subject)
        .multipart(MultiPart::alternative_plain_html(
            rendered.text,
            rendered.html,
        ))
        .map_err(|e| e.to_string())
}

/// Delivers the pending mails that are due, once each. A failed attempt is retried with
/// [`backoff`]; after `max_attempts`, or at once when the server refuses for good, the row becomes
/// a dead letter for administrators to see.
pub fn deliver_due(
    conn: &mut DbConnection,
    mailer: &Mailer,
    settings: &EmailSettings,
    now: NaiveDateTime,
) -> anyhow::Result<Delivered> {
    let from: Mailbox = settings
        .from
        .parse()
        .map_err(|e| anyhow::anyhow!("email.from is not an address: {e}"))?;
    let mut done = Delivered::default();
    // Page through everything due (a burst after an outage), for at most a minute per run; rows
    // that failed wait for their back-off and do not come back in this run.
    let started = std::time::Instant::now();
    loop {
        let page = outbox::due(conn, now, 100)?;
        if page.is_empty() || started.elapsed() > Duration::from_secs(60) {
            break;
        }
        deliver_page(conn, mailer, settings, &from, page, now, &mut done)?;
    }
    Ok(done)
}

fn deliver_page(
    conn: &mut DbConnection,
    mailer: &Mailer,
    settings: &EmailSettings,
    from: &Mailbox,
    page: Vec<MailRow>,
    now: NaiveDateTime,
    done: &mut Delivered,
) -> anyhow::Result<()> {
    for row in page {
        // Hold the row for ten minutes while this worker tries it.
        if !outbox::claim(conn, &row, now, now + chrono::Duration::minutes(10))? {
            continue;
        }
        let attempts = row.attempts + 1;
        let outcome = message_of(&row, from, &settings.link_base)
            .map_err(|message| SendError {
                permanent: true,
                message,
            })
            .and_then(|message| mailer.send(&message));
        match outcome {
            Ok(()) => {
                outbox::mark_sent(conn, row.id, now)?;
                done.sent += 1;
            }
            Err(e) if e.permanent || attempts >= i32::from(settings.max_attempts) => {
                tracing::warn!(outbox_id = row.id, attempts, error = %e.message, "notification given up");
                outbox::mark_failed(conn, row.id, &e.message, None)?;
                done.dead += 1;
            }
            Err(e) => {
                tracing::info!(outbox_id = row.id, attempts, error = %e.message, "notification will be retried");
                outbox::mark_failed(conn, row.id, &e.message, Some(now + backoff(attempts)))?;
                done.retrying += 1;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_parse_or_say_why_not() {
        assert!(smtp_transport("smtp://127.0.0.1:2525").is_ok());
        assert!(smtp_transport("smtp://user:secret@mail.example.go.id:587").is_ok());
        assert!(smtp_transport("smtp://mail.example.go.id").is_ok());
        assert!(smtp_transport("smtps://mail:465").is_err_and(|e| e.contains("smtp://")));
        assert!(smtp_transport("smtp://mail:port").is_err_and(|e| e.contains("port")));
        assert!(smtp_transport("smtp://").is_err_and(|e| e.contains("host")));
        assert!(smtp_transport("smtp://user@mail:25").is_err_and(|e| e.contains("USER:PASSWORD")));
    }

    #[test]
    fn retries_back_off_up_to_an_hour() {
        let seconds: Vec<i64> = (1..=9).map(|n| backoff(n).num_seconds()).collect();
        assert_eq!(seconds, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }
}
