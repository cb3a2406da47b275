//! Administration of agencies and users. System administrators manage agencies and every
//! user; agency administrators manage their own agency's users. Neither reads case content.
//!
//! `agencies` creates, changes and lists agencies; `users` creates, lists and changes users;
//! `passwords` sets a password; `roles` holds who may grant, manage and confirm which roles.

mod agencies;
mod passwords;
mod roles;
mod users;

use crate::audit::Ctx;
use crate::authz::{self, Action, Resource};
use crate::error::AppError;

pub use agencies::{AgencyPatch, create_agency, list_agencies, update_agency};
pub use passwords::set_password;
pub use roles::confirm_roles;
pub use users::{UserInput, UserPatch, UserView, create_user, get_user, list_users, update_user};

/// Checks `action` for the actor, or allows it for the command line (no actor).
fn allow(ctx: &Ctx, action: Action, resource: Resource<'_>) -> Result<(), AppError> {
    match &ctx.actor {
        Some(actor) => authz::can(actor, action, resource).map_err(AppError::from),
        None => Ok(()),
    }
}
