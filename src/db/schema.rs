//! Diesel table definitions, in the portable types only (`Text`, `BigInt`, `Integer`, `Bool`,
//! `Timestamp` as UTC): the parity test checks them against both migration trees.

diesel::table! {
    /// Facts about this installation.
    system_meta (key) {
        /// Fact name.
        key -> Text,
        /// Fact value.
        value -> Text,
        /// Last change, UTC.
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Agencies of the referral network.
    agencies (id) {
        /// Row id.
        id -> BigInt,
        /// Stable code, e.g. `POLDA-JATENG`.
        code -> Text,
        /// Name.
        name -> Text,
        /// Agency kind (CONTRACT.md vocabulary).
        kind -> Text,
        /// `national`, `province` or `regency`.
        level -> Text,
        /// Kemendagri province code; none for national agencies.
        province -> Nullable<Text>,
        /// Kemendagri kabupaten/kota code.
        region -> Nullable<Text>,
        /// Parent agency.
        parent_id -> Nullable<BigInt>,
        /// Contact e-mail.
        email -> Nullable<Text>,
        /// Listed in the seed data as unverified.
        unverified -> Bool,
        /// Whether the agency takes part.
        active -> Bool,
        /// Created, UTC.
        created_at -> Timestamp,
        /// Last change, UTC.
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// User accounts.
    users (id) {
        /// Row id.
        id -> BigInt,
        /// Login name, lower case.
        username -> Text,
        /// Name shown to others.
        display_name -> Text,
        /// E-mail for notifications.
        email -> Nullable<Text>,
        /// The user's agency.
        agency_id -> BigInt,
        /// `id` or `en`.
        language -> Text,
        /// Disabled users cannot log in and lose their sessions.
        active -> Bool,
        /// argon2id PHC string.
        password_hash -> Text,
        /// Last password change, UTC.
        password_changed_at -> Timestamp,
        /// Created, UTC.
        created_at -> Timestamp,
        /// Last change, UTC.
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Roles held by users.
    user_roles (user_id, role) {
        /// User.
        user_id -> BigInt,
        /// Role (CONTRACT.md vocabulary).
        role -> Text,
    }
}

diesel::table! {
    /// Server-side sessions; every access token names one.
    sessions (id) {
        /// Session id (UUID), the `sid` claim.
        id -> Text,
        /// Owner.
        user_id -> BigInt,
        /// `api` (bearer tokens) or `web` (cookie).
        kind -> Text,
        /// SHA-256 of the web cookie's secret.
        secret_hash -> Nullable<Text>,
        /// Created, UTC.
        created_at -> Timestamp,
        /// Last use, UTC.
        last_seen_at -> Timestamp,
        /// Absolute end, UTC.
        expires_at -> Timestamp,
        /// When it was ended.
        revoked_at -> Nullable<Timestamp>,
        /// Why it was ended.
        revoked_reason -> Nullable<Text>,
        /// Address the session was opened from.
        client_ip -> Nullable<Text>,
    }
}

diesel::table! {
    /// Refresh tokens, stored as SHA-256 hashes; each is used once.
    refresh_tokens (token_hash) {
        /// SHA-256 of the token, hex.
        token_hash -> Text,
        /// Session.
        session_id -> Text,
        /// Issued, UTC.
        created_at -> Timestamp,
        /// Exchanged for a new pair; presenting it again revokes the session.
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Failed-login counting per username (known or not).
    login_throttle (username) {
        /// Lower-case username as typed.
        username -> Text,
        /// Failures in the current window.
        failures -> Integer,
        /// Start of the window, UTC.
        window_started_at -> Timestamp,
        /// Locked until, UTC.
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// The append-only audit table.
    audit_events (id) {
        /// Position.
        id -> BigInt,
        /// When, UTC.
        occurred_at -> Timestamp,
        /// `system` or `case:<id>`.
        stream -> Text,
        /// Action code, e.g. `auth.login`.
        action -> Text,
        /// Acting user.
        actor_user_id -> Nullable<BigInt>,
        /// Acting (or attempted) username.
        actor_username -> Nullable<Text>,
        /// Acting user's agency.
        actor_agency_id -> Nullable<BigInt>,
        /// Acting user's roles, comma-separated.
        actor_roles -> Nullable<Text>,
        /// Kind of subject (`user`, `agency`, `session`, `case`).
        subject_type -> Nullable<Text>,
        /// Subject id.
        subject_id -> Nullable<Text>,
        /// Case concerned.
        case_id -> Nullable<BigInt>,
        /// Request id.
        request_id -> Nullable<Text>,
        /// Client address.
        client_ip -> Nullable<Text>,
        /// What changed, compact JSON without identity.
        details -> Text,
    }
}

diesel::table! {
    /// Cases (the core needed for need-to-know scoping).
    cases (id) {
        /// Row id.
        id -> BigInt,
        /// `JT-2026-000123`.
        case_number -> Text,
        /// Province code.
        province -> Text,
        /// Owning agency.
        owner_agency_id -> BigInt,
        /// Creator.
        created_by -> BigInt,
        /// Created, UTC.
        created_at -> Timestamp,
        /// Last change, UTC.
        updated_at -> Timestamp,
    }
}

diesel::joinable!(users -> agencies (agency_id));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(cases -> agencies (owner_agency_id));
diesel::allow_tables_to_appear_in_same_query!(
    system_meta,
    agencies,
    users,
    user_roles,
    sessions,
    refresh_tokens,
    login_throttle,
    audit_events,
    cases
);
