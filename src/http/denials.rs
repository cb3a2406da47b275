//! The middleware that leaves a trace of refused access: when a signed-in user's request about a
//! case, a handoff or a document (API or web page) is answered 403 or 404, it records
//! `access.denied` (`services::denials`), at most once per user, subject and route every ten
//! minutes and twenty times per user a minute, so a scan cannot flood the trail. Every refusal is
//! counted in `/metrics` (`rujukan_access_denied_total`), and those left unrecorded by the limit
//! too (`rujukan_access_denied_unrecorded_total`): a burst by one user is a signal.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};

use super::metrics::Metrics;
use crate::authz::Actor;
use crate::db::Db;
use crate::services::denials::{self, Refusal, Subject};

/// How long one user's refusals on one subject and route are recorded once.
pub const SUBJECT_WINDOW: Duration = Duration::from_secs(600);
/// How many refusals of one user are recorded in a minute at most.
pub const PER_USER_PER_MINUTE: usize = 20;
const MINUTE: Duration = Duration::from_secs(60);
/// Above this many remembered keys, stale ones are swept.
const SWEEP_ABOVE: usize = 10_000;

/// Decides which refusals are recorded (in memory: each instance limits on its own).
#[derive(Debug, Default)]
pub struct DenialLimiter {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    subjects: HashMap<(i64, Subject, String), Instant>,
    users: HashMap<i64, VecDeque<Instant>>,
}

impl DenialLimiter {
    /// Whether the refusal of `user` on `subject` through `route` at `now` is recorded.
    pub fn admit(&self, user: i64, subject: Subject, route: &str, now: Instant) -> bool {
        let Ok(mut state) = self.state.lock() else {
            // A poisoned lock must not silence the trail: record.
            return true;
        };
        if state.subjects.len() > SWEEP_ABOVE {
            state
                .subjects
                .retain(|_, at| now.duration_since(*at) < SUBJECT_WINDOW);
            state.users.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < MINUTE)
            });
        }
        let key = (user, subject, route.to_owned());
        if state
            .subjects
            .get(&key)
            .is_some_and(|at| now.duration_since(*at) < SUBJECT_WINDOW)
        {
            return false;
        }
        let times = state.users.entry(user).or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= MINUTE)
        {
            times.pop_front();
        }
        if times.len() >= PER_USER_PER_MINUTE {
            return false;
        }
        times.push_back(now);
        state.subjects.insert(key, now);
        true
    }
}

/// The subject a route names: a document (`{document_id}`), a handoff (`/api/v1/handoffs/{id}`,
/// `/inbox/{id}`) or a case (`/api/v1/cases/{id}`, `/cases/{id}`); none for other routes.
pub fn subject_of<'a>(pattern: &str, param: impl Fn(&str) -> Option<&'a str>) -> Option<Subject> {
    let number = |name: &str| param(name).and_then(|v| v.parse::<i64>().ok());
    if pattern.contains("{document_id}") {
        return Some(Subject::Document {
            case_id: number("id")?,
            document_id: number("document_id")?,
        });
    }
    if pattern.starts_with("/api/v1/handoffs/{id}") || pattern.starts_with("/inbox/{id}") {
        return number("id").map(Subject::Handoff);
    }
    if pattern.starts_with("/api/v1/cases/{id}") || pattern.starts_with("/cases/{id}") {
        return number("id").map(Subject::Case);
    }
    None
}

/// Records `access.denied` for refused requests about a case, handoff or document.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let response = next.call(req).await?.map_into_boxed_body();
    let status = response.status().as_u16();
    if !matches!(status, 403 | 404) {
        return Ok(response);
    }
    // Path parameters are known once the request was routed.
    let request = response.request().clone();
    let Some(route) = request.match_pattern() else {
        return Ok(response);
    };
    let Some(subject) = subject_of(&route, |name| request.match_info().get(name)) else {
        return Ok(response);
    };
    let Some(actor) = request.extensions().get::<Actor>().cloned() else {
        return Ok(response);
    };
    let metrics = request.app_data::<web::Data<Metrics>>();
    if let Some(metrics) = metrics {
        metrics.denied(subject.parts().0);
    }
    let admitted = request
        .app_data::<web::Data<DenialLimiter>>()
        .is_none_or(|l| l.admit(actor.user_id, subject, &route, Instant::now()));
    if !admitted {
        if let Some(metrics) = metrics {
            metrics.denied_unrecorded();
        }
        tracing::warn!(user_id = actor.user_id, route = %route, "access refusals over the recording limit");
        return Ok(response);
    }
    let Some(db) = request.app_data::<web::Data<Db>>().cloned() else {
        return Ok(response);
    };
    let ctx = super::session::ctx(&request, Some(actor));
    let refusal = Refusal {
        route,
        method: request.method().to_string(),
        status,
    };
    if let Err(e) = db
        .run(move |conn| denials::record(conn, &ctx, subject, &refusal))
        .await
    {
        tracing::warn!(error = %e, "could not record a refused access");
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_name_their_subject() {
        let params = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
        };
        assert_eq!(
            subject_of("/api/v1/cases/{id}", params(&[("id", "7")])),
            Some(Subject::Case(7))
        );
        assert_eq!(
            subject_of("/cases/{id}/audit", params(&[("id", "7")])),
            Some(Subject::Case(7))
        );
        assert_eq!(
            subject_of("/api/v1/handoffs/{id}/accept", params(&[("id", "3")])),
            Some(Subject::Handoff(3))
        );
        assert_eq!(
            subject_of(
                "/inbox/{id}/{decision}",
                params(&[("id", "3"), ("decision", "accept")])
            ),
            Some(Subject::Handoff(3))
        );
        assert_eq!(
            subject_of(
                "/api/v1/cases/{id}/documents/{document_id}",
                params(&[("id", "7"), ("document_id", "9")])
            ),
            Some(Subject::Document {
                case_id: 7,
                document_id: 9
            })
        );
        assert_eq!(
            subject_of("/api/v1/users/{id}", params(&[("id", "7")])),
            None
        );
        assert_eq!(
            subject_of("/api/v1/cases/{id}", params(&[("id", "x")])),
            None
        );
    }

    #[test]
    fn a_scan_cannot_flood_the_trail() {
        let limiter = DenialLimiter::default();
        let t0 = Instant::now();
        assert!(limiter.admit(1, Subject::Case(5), "/api/v1/cases/{id}", t0));
        assert!(
            !limiter.admit(1, Subject::Case(5), "/api/v1/cases/{id}", t0),
            "once per subject and route"
        );
        assert!(
            limiter.admit(1, Subject::Case(5), "/cases/{id}", t0),
            "another route"
        );
        assert!(
            limiter.admit(2, Subject::Case(5), "/api/v1/cases/{id}", t0),
            "another user"
        );
        assert!(
            limiter.admit(
                1,
                Subject::Case(5),
                "/api/v1/cases/{id}",
                t0 + SUBJECT_WINDOW
            ),
            "after the window"
        );
        let scanner = DenialLimiter::default();
        let recorded = (0..500)
            .filter(|id| scanner.admit(9, Subject::Case(*id), "/api/v1/cases/{id}", t0))
            .count();
        assert_eq!(recorded, PER_USER_PER_MINUTE);
        assert!(scanner.admit(9, Subject::Case(1000), "/api/v1/cases/{id}", t0 + MINUTE));
    }
}
