//! Request and response bodies of the API. Database rows never leave `db/` as they are.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::agencies::AgencyRow;
use crate::services::accounts::UserView;

pub use crate::domain::utc;

/// A page of items.
#[derive(Debug, Serialize, ToSchema)]
pub struct List<T> {
    /// Items.
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

impl<T> List<T> {
    /// A page of `rows` converted with `item`: when the page is full, the cursor of its last row
    /// (from `cursor_of`) leads to the next one.
    pub fn page<R>(
        rows: Vec<R>,
        limit: i64,
        cursor_of: impl Fn(&R) -> String,
        item: impl FnMut(R) -> T,
    ) -> Self {
        let full = i64::try_from(rows.len()).is_ok_and(|n| n == limit);
        let next_cursor = if full {
            rows.last().map(cursor_of)
        } else {
            None
        };
        Self {
            items: rows.into_iter().map(item).collect(),
            next_cursor,
        }
    }
}

/// `POST /api/v1/auth/login` and `POST /api/v1/auth/session`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    /// Username (case-insensitive).
    pub username: String,
    /// Password.
    #[schema(format = Password)]
    pub password: String,
}

/// `POST /api/v1/auth/refresh`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshBody {
    /// The refresh token from the last login or refresh.
    pub refresh_token: String,
}

/// A token pair.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Single-use token for `/api/v1/auth/refresh`.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

/// A web session opened.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebSessionResponse {
    /// Send as `X-CSRF-Token` (or form field `csrf_token`) with every change.
    pub csrf_token: String,
    /// When the session ends at the latest.
    pub expires_at: DateTime<Utc>,
}

/// An agency in short.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyRef {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: String,
}

/// `GET /api/v1/me`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// User id.
    pub id: i64,
    /// Username.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Agency.
    pub agency: AgencyRef,
    /// Roles in force.
    pub roles: Vec<String>,
    /// Roles that read cases, granted by the person who set the account's password, waiting for
    /// someone else's confirmation (`POST /api/v1/users/{id}/roles/confirm`).
    pub pending_roles: Vec<String>,
    /// `id` or `en`.
    pub language: String,
}

/// An agency.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyView {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// `national`, `province`, `regency`.
    pub level: String,
    /// Kemendagri province code; null for national agencies.
    pub province: Option<String>,
    /// Kemendagri kabupaten/kota code.
    pub region: Option<String>,
    /// Parent agency code.
    pub parent: Option<String>,
    /// Contact e-mail.
    pub email: Option<String>,
    /// Takes part in the network.
    pub active: bool,
    /// Designated to audit: its users may hold the `auditor` role.
    pub audits: bool,
    /// Postal address for the letterhead of its referral letters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

impl AgencyView {
    /// From a row and its parent's code.
    pub fn new(row: AgencyRow, parent: Option<String>) -> Self {
        Self {
            code: row.code,
            name: row.name,
            kind: row.kind,
            level: row.level,
            province: row.province,
            region: row.region,
            parent,
            email: row.email,
            active: row.active,
            audits: row.audits,
            address: row.address,
        }
    }
}

/// A user as administrators see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    /// Id.
    pub id: i64,
    /// Username.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Agency code.
    pub agency: String,
    /// Roles in force.
    pub roles: Vec<String>,
    /// Roles that read cases, granted by the person who set the account's password, waiting for
    /// someone else's confirmation (`POST /api/v1/users/{id}/roles/confirm`).
    pub pending_roles: Vec<String>,
    /// `id` or `en`.
    pub language: String,
    /// May log in.
    pub active: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
}

impl From<UserView> for UserDto {
    fn from(view: UserView) -> Self {
        Self {
            id: view.user.id,
            username: view.user.username,
            display_name: view.user.display_name,
            email: view.user.email,
            agency: view.agency_code,
            roles: view.roles,
            pending_roles: view.pending_roles,
            language: view.user.language,
            active: view.user.active,
            created_at: utc(view.user.created_at),
        }
    }
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    /// Required when changing one's own password.
    #[serde(default)]
    #[schema(format = Password)]
    pub current_password: Option<String>,
    /// The new password (password policy applies).
    #[schema(format = Password)]
    pub new_password: String,
}
