//! Recording audit events, always inside the transaction of the change they describe. The audit
//! issue adds hash chains to the same table; this module is the only writer.

pub mod chain;
pub mod checkpoint;

use chrono::NaiveDateTime;
use diesel::QueryResult;

use ed25519_dalek::VerifyingKey;

use crate::audit::chain::{Broken, Summary, Verifier};
use crate::audit::checkpoint::Checkpoint;
use crate::authz::Actor;
use crate::db::DbConnection;
use crate::db::audit::{NewAuditRow, append};
use crate::domain::vocabulary;

/// Stream of events that concern no single case (logins, administration).
pub const SYSTEM_STREAM: &str = "system";

/// Who did it, from where, in which request, when.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The authenticated actor; `None` for the command line and for failed logins.
    pub actor: Option<Actor>,
    /// Request id (HTTP) or `cli`.
    pub request_id: Option<String>,
    /// Client address.
    pub client_ip: Option<String>,
    /// The instant the action happens.
    pub now: NaiveDateTime,
}

impl Ctx {
    /// A context for the command line (an operator with database access).
    pub fn operator(now: NaiveDateTime) -> Self {
        Self {
            actor: None,
            request_id: Some("cli".to_owned()),
            client_ip: None,
            now,
        }
    }
}

vocabulary! {
    /// Audit action codes (documented in `docs/AUDIT.md`, in this order).
    AuditAction, "action" {
        /// Successful login.
        Login = "auth.login",
        /// Failed login (wrong password, unknown or disabled user).
        LoginFailed = "auth.login_failed",
        /// The failure that locked the account.
        Locked = "auth.locked",
        /// Login refused because the account is locked.
        LoginRefusedLocked = "auth.login_refused_locked",
        /// Tokens renewed with a refresh token.
        Refreshed = "auth.refreshed",
        /// A used refresh token came back: the session was revoked.
        RefreshReused = "auth.refresh_reused",
        /// Logout.
        Logout = "auth.logout",
        /// Agency created.
        AgencyCreated = "agency.created",
        /// Agency changed (designated to audit or not).
        AgencyUpdated = "agency.updated",
        /// User created.
        UserCreated = "user.created",
        /// User changed (profile, roles, active flag).
        UserUpdated = "user.updated",
        /// Password changed or reset.
        PasswordChanged = "user.password_changed",
        /// Roles that waited for confirmation were confirmed by someone else.
        RolesConfirmed = "user.roles_confirmed",
        /// Case taken in.
        CaseCreated = "case.created",
        /// Case record changed.
        CaseUpdated = "case.updated",
        /// A track moved to another stage.
        CaseStageChanged = "case.stage_changed",
        /// Case closed.
        CaseClosed = "case.closed",
        /// A closed case was opened again, with a reason code.
        CaseReopened = "case.reopened",
        /// The caseworker who works a case changed (from, to: usernames).
        CaseAssigned = "case.assigned",
        /// Consent given or withdrawn.
        ConsentRecorded = "consent.recorded",
        /// Note added.
        NoteAdded = "note.added",
        /// Document uploaded.
        DocumentUploaded = "document.uploaded",
        /// Document downloaded.
        DocumentViewed = "document.viewed",
        /// Document made visible to another agency by a handoff.
        DocumentShared = "document.shared",
        /// Survivor identity revealed, with a purpose.
        IdentityRevealed = "identity.revealed",
        /// Handoff sent.
        HandoffCreated = "handoff.created",
        /// Handoff accepted.
        HandoffAccepted = "handoff.accepted",
        /// Handoff declined.
        HandoffDeclined = "handoff.declined",
        /// Handoff withdrawn by its sender.
        HandoffWithdrawn = "handoff.withdrawn",
        /// Handoff completed.
        HandoffCompleted = "handoff.completed",
        /// Notice read.
        HandoffRead = "handoff.read",
        /// A handoff's referral letter was printed (web page or PDF), with its number.
        LetterPrinted = "handoff.letter_printed",
        /// A missing consent was overridden by a supervisor.
        ConsentOverridden = "consent.overridden",
        /// Access a handoff gave ended (its consent was withdrawn).
        HandoffAccessEnded = "handoff.access_ended",
        /// A case's details were read.
        CaseViewed = "case.viewed",
        /// A case's audit trail was exported.
        AuditExported = "audit.exported",
        /// A read or write of a case, handoff or document was refused (404 or 403).
        AccessDenied = "access.denied",
        /// Statistics were exported (CSV, JSON or the SIMFONI-PPA-shaped file).
        StatsExported = "stats.exported",
        /// A deadline is due soon: its reminder went out.
        DeadlineReminded = "deadline.reminded",
        /// A deadline passed unmet.
        DeadlineBreached = "deadline.breached",
        /// A missed handoff deadline was escalated.
        HandoffEscalated = "handoff.escalated",
        /// A missed statutory deadline was escalated.
        DeadlineEscalated = "deadline.escalated",
        /// A batch of sealed values was sealed again under the current data key.
        KeysRotated = "keys.rotated",
        /// A batch of case identities had their blind indexes rebuilt under the current key.
        KeysReindexed = "keys.reindexed",
        /// Cases were searched by a blind index (the kind of key and the count, never the value).
        CaseSearched = "case.searched",
    }
}

/// One event to record.
#[derive(Debug, Clone)]
pub struct Event {
    /// What happened.
    pub action: AuditAction,
    /// Subject kind and id (`user`, `42`).
    pub subject: Option<(&'static str, String)>,
    /// The case concerned (the event then goes to that case's stream).
    pub case_id: Option<i64>,
    /// Who acted, when there is no authenticated actor (attempted username, `operator`).
    pub username: Option<String>,
    /// What changed: compact JSON, never identity or secrets.
    pub details: serde_json::Value,
}

impl Event {
    /// An event with no subject or details.
    pub fn new(action: AuditAction) -> Self {
        Self {
            action,
            subject: None,
            case_id: None,
            username: None,
            details: serde_json::Value::Object(serde_json::Map::new()),
        }
    }

    /// Sets the subject.
    pub fn subject(mut self, kind: &'static str, id: impl ToString) -> Self {
        self.subject = Some((kind, id.to_string()));
        self
    }

    /// Names the acting or attempted username when there is no actor.
    pub fn username(mut self, username: &str) -> Self {
        self.username = Some(username.to_owned());
        self
    }

    /// Puts the event in a case's stream.
    pub fn case(mut self, case_id: i64) -> Self {
        self.case_id = Some(case_id);
        self
    }

    /// Sets the details.
    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

/// Appends `event`; call it inside the transaction of the change.
pub fn record(conn: &mut DbConnection, ctx: &Ctx, event: Event) -> QueryResult<i64> {
    append(conn, &row_of(ctx, event))
}

/// The row [`record`] appends for `event` (before its position and hashes), for writers that
/// chain entries themselves (the bulk demo seed).
pub fn row_of(ctx: &Ctx, event: Event) -> NewAuditRow {
    let actor = ctx.actor.as_ref();
    let stream = match event.case_id {
        Some(id) => format!("case:{id}"),
        None => SYSTEM_STREAM.to_owned(),
    };
    NewAuditRow {
        occurred_at: ctx.now,
        stream,
        action: event.action.as_str().to_owned(),
        actor_user_id: actor.map(|a| a.user_id),
        actor_username: actor
            .map(|a| a.username.clone())
            .or(event.username)
            .or_else(|| Some("operator".to_owned())),
        actor_agency_id: actor.map(|a| a.agency_id),
        actor_roles: actor.map(|a| {
            a.roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(",")
        }),
        subject_type: event.subject.as_ref().map(|(kind, _)| (*kind).to_owned()),
        subject_id: event.subject.map(|(_, id)| id),
        case_id: event.case_id,
        request_id: ctx.request_id.clone(),
        client_ip: ctx.client_ip.clone(),
        details: event.details.to_string(),
    }
}

/// Recomputes the hashes of a page of entries on every core.
fn hash_in_parallel(page: &[crate::db::audit::AuditRow]) -> Vec<String> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = page.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = page
            .chunks(chunk)
            .map(|rows| {
                scope.spawn(move || {
                    rows.iter()
                        .map(|r| crate::audit::chain::hash(&r.fields()))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// The public keys whose checkpoint signatures `verify` accepts (the signing key's own and
/// `security.audit_trusted_keys`), shared with the auditor's page.
#[derive(Debug, Clone)]
pub struct TrustedKeys(pub Vec<ed25519_dalek::VerifyingKey>);

/// Recomputes every stream's hash chain and checks every stored checkpoint against it, signed by one
/// of `trusted`; `kept_outside` are checkpoints an auditor kept, each of which must still be stored
/// unchanged. `Ok(Ok(summary))` when intact, `Ok(Err(_))` with the first problem otherwise. Reads in
/// pages of 10 000 entries.
pub fn verify(
    conn: &mut DbConnection,
    trusted: &[VerifyingKey],
    kept_outside: &[Checkpoint],
) -> QueryResult<Result<Summary, Broken>> {
    let stored = crate::db::checkpoints::all(conn)?;
    for outside in kept_outside {
        let problem = match stored.iter().find(|cp| cp.number == outside.number) {
            _ if outside.check(trusted).is_err() => outside.check(trusted).err(),
            None => Some("was kept outside Rujukan but is missing from the database: checkpoints were deleted".to_owned()),
            Some(cp) if cp != outside => Some("differs from the copy kept outside Rujukan: the checkpoint was replaced".to_owned()),
            Some(_) => None,
        };
        if let Some(problem) = problem {
            return Ok(Err(Broken::checkpoint(outside.number, problem)));
        }
    }
    let mut verifier = Verifier::new(stored, trusted.to_vec());
    let mut after = 0;
    loop {
        let page = crate::db::audit::page_after(conn, after, 10_000)?;
        if page.is_empty() {
            break;
        }
        let hashes = hash_in_parallel(&page);
        for (row, computed) in page.iter().zip(&hashes) {
            after = row.id;
            if let Err(broken) = verifier.feed_hashed(row.id, &row.fields(), computed, &row.hash) {
                return Ok(Err(broken));
            }
        }
    }
    let heads = crate::db::audit::heads(conn)?;
    Ok(verifier.finish(&heads))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_catalogue_documents_every_action_code() {
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/AUDIT.md"))
            .unwrap_or_default();
        let table_rows: Vec<&str> = doc.lines().filter(|l| l.starts_with("| `")).collect();
        for action in AuditAction::ALL {
            let code = format!("`{}`", action.as_str());
            assert!(
                table_rows.iter().any(|row| row.contains(&code)),
                "docs/AUDIT.md has no row for {code}"
            );
        }
    }
}
