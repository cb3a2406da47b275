//! [`ErrorCode`]: every stable `code` a problem answer carries. Clients and the translated web UI
//! key on these names; `docs/API.md` lists each with its status and meaning, and a test keeps that
//! catalogue and this enum in step.

use crate::domain::vocabulary;

vocabulary! {
    /// The stable machine-readable code of a problem answer.
    ErrorCode, "code" {
        /// No access token or session cookie.
        AuthRequired = "auth.required",
        /// Wrong username or password (the same for unknown and disabled users).
        AuthInvalidCredentials = "auth.invalid_credentials",
        /// Expired, tampered, wrongly signed or revoked token.
        AuthInvalidToken = "auth.invalid_token",
        /// The role does not allow the action.
        AuthForbidden = "auth.forbidden",
        /// A cookie-authenticated change without the session's CSRF token.
        AuthCsrfFailed = "auth.csrf_failed",
        /// The agency has only a pending handoff of the case.
        AccessPending = "access.pending",
        /// The agency sees the case but does not hold the part the action touches.
        AccessNotHeld = "access.not_held",
        /// Someone else must do this (nobody changes their own roles; case-reading roles set
        /// with a password are confirmed by another administrator).
        RoleSeparationOfDuties = "role.separation_of_duties",
        /// Too many failed logins for this username.
        AuthLocked = "auth.locked",
        /// Too many login attempts from this address.
        AuthRateLimited = "auth.rate_limited",
        /// No route matches the path.
        RouteNotFound = "route.not_found",
        /// The resource does not exist or the caller may not see it.
        NotFound = "not_found",
        /// The path exists for other methods.
        MethodNotAllowed = "method.not_allowed",
        /// The body is not JSON.
        RequestMalformedJson = "request.malformed_json",
        /// The body could not be read.
        RequestUnreadableBody = "request.unreadable_body",
        /// A path parameter has the wrong form.
        RequestInvalidPath = "request.invalid_path",
        /// A query parameter has the wrong form.
        RequestInvalidQuery = "request.invalid_query",
        /// Another media type than the endpoint takes, or content that is not what it says.
        RequestUnsupportedMediaType = "request.unsupported_media_type",
        /// The request target is too long.
        RequestUriTooLong = "request.uri_too_long",
        /// The request headers are too large.
        RequestHeadersTooLarge = "request.headers_too_large",
        /// The body stopped arriving.
        RequestTimeout = "request.timeout",
        /// The body is over the limit.
        RequestTooLarge = "request.too_large",
        /// Well-formed input of the wrong shape or with bad values.
        ValidationFailed = "validation.failed",
        /// A record with the same unique key exists.
        ConflictDuplicate = "conflict.duplicate",
        /// The case changed since the caller read it.
        CaseStaleVersion = "case.stale_version",
        /// The case is closed.
        CaseClosed = "case.closed",
        /// The case is open: it cannot be reopened.
        CaseOpen = "case.open",
        /// No agreement allows the handoff.
        HandoffNotAllowed = "handoff.not_allowed",
        /// The handoff was decided already.
        HandoffAlreadyDecided = "handoff.already_decided",
        /// The case has an open handoff of that id to that agency.
        HandoffDuplicate = "handoff.duplicate",
        /// The decision does not apply to this kind of handoff.
        HandoffWrongKind = "handoff.wrong_kind",
        /// The consent the handoff rests on was withdrawn.
        HandoffConsentWithdrawn = "handoff.consent_withdrawn",
        /// The access the handoff gave has ended.
        HandoffAccessEnded = "handoff.access_ended",
        /// An agency's designation to audit cannot end while its users hold the auditor role.
        AgencyAuditorsRemain = "agency.auditors_remain",
        /// The record refers to something missing, or is still referred to.
        ConflictReference = "conflict.reference",
        /// The database does not answer.
        ServiceUnavailable = "service.unavailable",
        /// Storage cannot be written.
        StorageUnavailable = "storage.unavailable",
        /// A bug: logged with its cause, answered without details.
        Internal = "internal",
    }
}
