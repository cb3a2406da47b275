//! Use cases. Each public function checks authorization first (through [`crate::authz::can`]),
//! then does its work in one transaction that also writes the audit event.

pub mod accounts;
pub mod agreements;
pub mod audit_trail;
pub mod auth;
pub mod cases;
pub mod deadlines;
pub mod denials;
pub mod document_access;
pub mod document_files;
pub mod handoffs;
pub mod keys;
pub mod nav;
pub mod notifications;
pub mod stats;
pub mod stats_upkeep;

pub use crate::audit::Ctx;

use crate::authz::Actor;
use crate::error::AppError;
use crate::error::ErrorCode;

/// The authenticated actor, or 401 when the context has none.
pub fn actor(ctx: &Ctx) -> Result<&Actor, AppError> {
    ctx.actor.as_ref().ok_or(AppError::Unauthenticated {
        code: ErrorCode::AuthRequired,
    })
}
