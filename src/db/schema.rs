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
        /// Designated to audit: its users may hold the `auditor` role.
        audits -> Bool,
        /// Created, UTC.
        created_at -> Timestamp,
        /// Last change, UTC.
        updated_at -> Timestamp,
        /// Postal address for the letterhead of its referral letters (lines separated by newlines).
        address -> Nullable<Text>,
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
        /// Who set the current password: `NULL` the command line, the user's own id the user.
        password_set_by -> Nullable<BigInt>,
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
        /// Who granted it (`NULL`: the command line).
        granted_by -> Nullable<BigInt>,
        /// Whether it is in force: a role that reads cases, granted by the person who set the
        /// account's password, waits for someone else's confirmation.
        confirmed -> Bool,
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
        /// Position in its stream, from 1.
        seq -> BigInt,
        /// Hash of the previous entry of the stream (empty for the first).
        prev_hash -> Text,
        /// SHA-256 over the canonical encoding of this entry, hex.
        hash -> Text,
    }
}

diesel::table! {
    /// The last sequence number and hash of each audit stream.
    audit_stream_heads (stream) {
        /// Stream.
        stream -> Text,
        /// Last sequence number.
        seq -> BigInt,
        /// Last hash.
        hash -> Text,
    }
}

diesel::table! {
    /// Per-province, per-year case number counters.
    case_number_counters (prefix, year) {
        /// `JT`, `NB`, …
        prefix -> Text,
        /// Year.
        year -> Integer,
        /// Last number given.
        last_number -> BigInt,
    }
}

diesel::table! {
    /// Cases. Identity is only in `identity_ciphertext` (AES-256-GCM).
    cases (id) {
        /// Id.
        id -> BigInt,
        /// `JT-2026-000123`.
        case_number -> Text,
        /// Province code.
        province -> Text,
        /// Owning agency.
        owner_agency_id -> BigInt,
        /// Creator.
        created_by -> BigInt,
        /// `open` or `closed`.
        status -> Text,
        /// Why closed.
        closure_reason -> Nullable<Text>,
        /// When closed.
        closed_at -> Nullable<Timestamp>,
        /// Optimistic-concurrency version.
        version -> Integer,
        /// Encrypted identity JSON.
        identity_ciphertext -> Text,
        /// Key that encrypted it.
        identity_key_id -> Text,
        /// Keyed hash of the NIK.
        nik_index -> Nullable<Text>,
        /// Keyed hash of the passport number.
        passport_index -> Nullable<Text>,
        /// Age band code.
        age_band -> Nullable<Text>,
        /// Sex code.
        sex -> Nullable<Text>,
        /// Disability codes, JSON.
        disabilities -> Text,
        /// ISO country code.
        nationality -> Nullable<Text>,
        /// Home province code.
        home_province -> Nullable<Text>,
        /// Home kabupaten/kota code.
        home_district -> Nullable<Text>,
        /// Migration stage code.
        migration_stage -> Nullable<Text>,
        /// Placement channel code.
        placement_channel -> Nullable<Text>,
        /// ISO country code.
        destination_country -> Nullable<Text>,
        /// Sector code.
        sector -> Nullable<Text>,
        /// Placement company.
        p3mi -> Nullable<Text>,
        /// Employer abroad.
        employer_abroad -> Nullable<Text>,
        /// BP2MI complaint number.
        bp2mi_complaint_number -> Nullable<Text>,
        /// Risk level code.
        risk_level -> Nullable<Text>,
        /// Safety plan.
        safety_plan -> Nullable<Text>,
        /// Legal basis codes, JSON.
        legal_basis -> Text,
        /// `KUHAP_1981` or `KUHAP_2025`.
        procedural_regime -> Nullable<Text>,
        /// Created.
        created_at -> Timestamp,
        /// Changed.
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Current stage of each track of a case.
    case_tracks (case_id, track) {
        /// Case.
        case_id -> BigInt,
        /// `service`, `justice`, `protection`, `migrant_complaint`.
        track -> Text,
        /// Stage code.
        stage -> Text,
    }
}

diesel::table! {
    /// Incidents of a case.
    case_incidents (id) {
        /// Id.
        id -> BigInt,
        /// Case.
        case_id -> BigInt,
        /// Order within the case.
        position -> Integer,
        /// Date.
        occurred_on -> Nullable<Date>,
        /// Place.
        place -> Nullable<Text>,
        /// ISO country code.
        country -> Nullable<Text>,
        /// SIMFONI-PPA forms, JSON.
        forms -> Text,
        /// TPKS forms, JSON.
        tpks_forms -> Text,
        /// PKDRT forms, JSON.
        pkdrt_forms -> Text,
        /// TPPO elements, JSON.
        tppo_elements -> Text,
        /// GBVIMS type.
        gbvims_type -> Nullable<Text>,
        /// GBVIMS contexts, JSON.
        gbvims_contexts -> Text,
        /// Perpetrator relation.
        perpetrator_relation -> Nullable<Text>,
    }
}

diesel::table! {
    /// Stage history.
    case_stage_changes (id) {
        /// Id.
        id -> BigInt,
        /// Case.
        case_id -> BigInt,
        /// Track.
        track -> Text,
        /// Previous stage.
        from_stage -> Text,
        /// New stage.
        to_stage -> Text,
        /// Who.
        changed_by -> BigInt,
        /// Their agency.
        agency_id -> BigInt,
        /// When.
        changed_at -> Timestamp,
    }
}

diesel::table! {
    /// Consent records (append-only; the latest per purpose and recipient is in force).
    consents (id) {
        /// Id.
        id -> BigInt,
        /// Case.
        case_id -> BigInt,
        /// Purpose code.
        purpose -> Text,
        /// Only for this receiving agency.
        recipient_agency_id -> Nullable<BigInt>,
        /// Given or withdrawn.
        given -> Bool,
        /// Method code.
        method -> Text,
        /// `survivor`, `guardian` or `legal_basis`.
        given_by -> Text,
        /// Legal basis when a child's guardian is the alleged perpetrator.
        legal_basis -> Nullable<Text>,
        /// Recorder.
        recorded_by -> BigInt,
        /// Recorder's agency.
        agency_id -> BigInt,
        /// When.
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    /// Notes, private to the writer's agency, encrypted.
    case_notes (id) {
        /// Id.
        id -> BigInt,
        /// Case.
        case_id -> BigInt,
        /// Writer's agency.
        agency_id -> BigInt,
        /// Writer.
        author_id -> BigInt,
        /// Encrypted text.
        body_ciphertext -> Text,
        /// Key id.
        key_id -> Text,
        /// When.
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Documents, stored under the data folder by SHA-256.
    documents (id) {
        /// Id.
        id -> BigInt,
        /// Case.
        case_id -> BigInt,
        /// Uploading agency.
        agency_id -> BigInt,
        /// Uploader.
        uploaded_by -> BigInt,
        /// Encrypted file name.
        filename_ciphertext -> Text,
        /// Key id.
        key_id -> Text,
        /// Media type.
        content_type -> Text,
        /// Size.
        size_bytes -> BigInt,
        /// SHA-256, hex.
        sha256 -> Text,
        /// When.
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Agreement versions in force, kept with their text.
    agreement_versions (id) {
        /// Row id.
        id -> BigInt,
        /// Agreement id.
        agreement_id -> Text,
        /// Version.
        version -> Integer,
        /// Title.
        title -> Text,
        /// SHA-256 of the file.
        content_hash -> Text,
        /// The file's text.
        content -> Text,
        /// In force from.
        effective_from -> Date,
        /// First loaded.
        loaded_at -> Timestamp,
    }
}

diesel::table! {
    /// Handoffs between agencies.
    handoffs (id) {
        /// Id.
        id -> BigInt,
        /// Case.
        case_id -> BigInt,
        /// `referral`, `transfer`, `notice`.
        kind -> Text,
        /// Handoff id in the agreement.
        rule_id -> Text,
        /// The agreement version that allowed it.
        agreement_version_id -> BigInt,
        /// Sender.
        from_agency_id -> BigInt,
        /// Receiver.
        to_agency_id -> BigInt,
        /// Case owner when sent.
        owner_agency_id -> BigInt,
        /// Who sent it.
        created_by -> BigInt,
        /// Status.
        status -> Text,
        /// Shared data categories, JSON.
        shares -> Text,
        /// Consent purpose required.
        consent_purpose -> Nullable<Text>,
        /// Consent record relied on.
        consent_id -> Nullable<BigInt>,
        /// Override: legal basis.
        override_legal_basis -> Nullable<Text>,
        /// Override: reason.
        override_reason -> Nullable<Text>,
        /// Encrypted message.
        message_ciphertext -> Nullable<Text>,
        /// Key id of the message.
        key_id -> Nullable<Text>,
        /// Accept or decline by.
        respond_by -> Nullable<Timestamp>,
        /// Complete by.
        complete_by -> Nullable<Timestamp>,
        /// Who decided.
        decided_by -> Nullable<BigInt>,
        /// When decided.
        decided_at -> Nullable<Timestamp>,
        /// Decline or withdrawal reason.
        decision_reason -> Nullable<Text>,
        /// When completed.
        completed_at -> Nullable<Timestamp>,
        /// Outcome.
        outcome -> Nullable<Text>,
        /// When access ended (consent withdrawn, or what an onward handoff derived from ended).
        access_ended_at -> Nullable<Timestamp>,
        /// Why access ended.
        access_ended_reason -> Nullable<Text>,
        /// Created.
        created_at -> Timestamp,
        /// Changed.
        updated_at -> Timestamp,
        /// Consent purposes the agreement lets the receiver record, JSON.
        receiver_records_consent -> Text,
    }
}

diesel::joinable!(users -> agencies (agency_id));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(cases -> agencies (owner_agency_id));
diesel::joinable!(case_incidents -> cases (case_id));
diesel::joinable!(case_tracks -> cases (case_id));
diesel::joinable!(consents -> cases (case_id));
diesel::joinable!(case_notes -> cases (case_id));
diesel::joinable!(documents -> cases (case_id));
diesel::joinable!(case_stage_changes -> cases (case_id));
diesel::joinable!(handoffs -> cases (case_id));
diesel::joinable!(handoffs -> agreement_versions (agreement_version_id));
diesel::table! {
    /// Signed checkpoints of the audit trail.
    audit_checkpoints (number) {
        /// Number, from 1.
        number -> BigInt,
        /// When taken.
        created_at -> Timestamp,
        /// Last audit entry id covered.
        up_to_id -> BigInt,
        /// Entries with ids up to `up_to_id`.
        entries -> BigInt,
        /// Hash of the previous checkpoint.
        prev_hash -> Text,
        /// Changed stream heads, JSON.
        heads -> Text,
        /// Hash of the canonical statement.
        hash -> Text,
        /// Signing public key, base64.
        public_key -> Text,
        /// Ed25519 signature, base64.
        signature -> Text,
    }
}

diesel::table! {
    /// Steps taken on deadlines (reminded, breached, escalated): each happens once.
    deadline_notices (deadline_key, kind) {
        /// `handoff:<id>:respond`, `handoff:<id>:complete`, `case:<id>:<rule>`.
        deadline_key -> Text,
        /// `reminded`, `breached`, `escalated`.
        kind -> Text,
        /// Case.
        case_id -> BigInt,
        /// When.
        created_at -> Timestamp,
        /// Rule of the deadline (for statistics).
        rule -> Nullable<Text>,
        /// What the step counts as in the statistics.
        outcome -> Nullable<Text>,
        /// Agency responsible (for statistics).
        agency_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// E-mails to send, written with the event that causes them.
    outbox (id) {
        /// Row id.
        id -> BigInt,
        /// Written at.
        created_at -> Timestamp,
        /// Template.
        kind -> Text,
        /// Case it is about.
        case_id -> Nullable<BigInt>,
        /// Recipient.
        recipient_user_id -> BigInt,
        /// Address at the time of writing; none: `no_address`.
        recipient_email -> Nullable<Text>,
        /// `id` or `en`.
        language -> Text,
        /// Template parameters, JSON (case number, agencies, due time; never identity).
        params -> Text,
        /// Stable Message-ID.
        message_id -> Text,
        /// `pending`, `sent`, `dead`, `no_address`.
        status -> Text,
        /// Delivery attempts so far.
        attempts -> Integer,
        /// Next attempt not before.
        next_attempt_at -> Timestamp,
        /// Last delivery error.
        last_error -> Nullable<Text>,
        /// Delivered at.
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Statistics counts, kept with the changes that move them (docs/STATISTICS.md).
    stats_rollup (indicator, dim, month, province, agency_id, value) {
        /// Indicator code.
        indicator -> Text,
        /// Dimension (`all` for the indicator's total).
        dim -> Text,
        /// Local month, `YYYY-MM`.
        month -> Text,
        /// Province code.
        province -> Text,
        /// Agency the figure belongs to.
        agency_id -> BigInt,
        /// Value of the dimension.
        value -> Text,
        /// Count.
        n -> BigInt,
    }
}

diesel::table! {
    /// Count changes not yet folded into `stats_rollup`.
    stats_deltas (id) {
        /// Order of arrival.
        id -> BigInt,
        /// Indicator code.
        indicator -> Text,
        /// Dimension.
        dim -> Text,
        /// Local month, `YYYY-MM`.
        month -> Text,
        /// Province code.
        province -> Text,
        /// Agency the figure belongs to.
        agency_id -> BigInt,
        /// Value of the dimension.
        value -> Text,
        /// Change of the count.
        n -> BigInt,
    }
}

diesel::table! {
    /// Documents a sender attached to a handoff: its receiver reads exactly these.
    handoff_documents (handoff_id, document_id) {
        /// The handoff.
        handoff_id -> BigInt,
        /// The attached document (of the same case).
        document_id -> BigInt,
    }
}

diesel::table! {
    /// One-time tokens of send forms: a second submit finds the handoff the first created.
    handoff_submissions (token) {
        /// The form's token.
        token -> Text,
        /// The handoff the first submit created.
        handoff_id -> BigInt,
    }
}

diesel::joinable!(handoff_documents -> handoffs (handoff_id));
diesel::joinable!(handoff_documents -> documents (document_id));

diesel::table! {
    /// The number each handoff's referral letter was given, at its first print (or when sent).
    handoff_letters (handoff_id) {
        /// The handoff.
        handoff_id -> BigInt,
        /// `NNN/RJK/<AGENCY CODE>/<ROMAN MONTH>/<YEAR>`, unique.
        number -> Text,
        /// Sending agency whose counter gave it.
        agency_id -> BigInt,
        /// Counter year.
        year -> Integer,
        /// Position in the counter.
        seq -> BigInt,
        /// When the number was given, UTC.
        created_at -> Timestamp,
    }
}

diesel::joinable!(handoff_letters -> handoffs (handoff_id));

diesel::allow_tables_to_appear_in_same_query!(
    handoff_documents,
    handoff_submissions,
    handoff_letters,
    stats_rollup,
    stats_deltas,
    deadline_notices,
    outbox,
    audit_checkpoints,
    system_meta,
    agencies,
    users,
    user_roles,
    sessions,
    refresh_tokens,
    login_throttle,
    audit_events,
    audit_stream_heads,
    case_number_counters,
    cases,
    case_tracks,
    case_incidents,
    case_stage_changes,
    consents,
    case_notes,
    documents,
    agreement_versions,
    handoffs
);

diesel::table! {
    /// What each user has seen, for the counts in the menu.
    user_marks (user_id) {
        /// The user.
        user_id -> BigInt,
        /// When the user last opened the "Sent" page, UTC.
        sent_seen_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(user_marks -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(user_marks, users);
diesel::allow_tables_to_appear_in_same_query!(user_marks, handoffs);

diesel::table! {
    /// Blind indexes of the words of a survivor's name, for search without plaintext.
    case_name_tokens (case_id, token_index) {
        /// The case.
        case_id -> BigInt,
        /// Keyed hash of one normalised word of the name (3 letters or more).
        token_index -> Text,
    }
}

diesel::table! {
    /// The blind index of a survivor's phone number, for search without plaintext.
    case_phone_indexes (case_id) {
        /// The case.
        case_id -> BigInt,
        /// Keyed hash of the phone number (digits only, `+62`/`62` written `0`).
        phone_index -> Text,
    }
}

diesel::joinable!(case_name_tokens -> cases (case_id));
diesel::joinable!(case_phone_indexes -> cases (case_id));
diesel::allow_tables_to_appear_in_same_query!(case_name_tokens, cases);
diesel::allow_tables_to_appear_in_same_query!(case_phone_indexes, cases);

diesel::table! {
    /// Who works each case: one user of the owning agency.
    case_assignments (case_id) {
        /// The case.
        case_id -> BigInt,
        /// The assigned caseworker.
        user_id -> BigInt,
        /// Since when, UTC.
        assigned_at -> Timestamp,
        /// Who assigned (the intake's user at intake).
        assigned_by -> BigInt,
    }
}

diesel::joinable!(case_assignments -> cases (case_id));
diesel::joinable!(case_assignments -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(case_assignments, cases);
diesel::allow_tables_to_appear_in_same_query!(case_assignments, users);

diesel::table! {
    /// Identities a web session revealed with a purpose, shown for the rest of the visit.
    session_reveals (session_id, case_id) {
        /// The session.
        session_id -> Text,
        /// The case.
        case_id -> BigInt,
        /// The purpose given (also in the `identity.revealed` entry).
        purpose -> Text,
        /// When, UTC.
        revealed_at -> Timestamp,
    }
}
diesel::allow_tables_to_appear_in_same_query!(session_reveals, sessions);

diesel::table! {
    /// Trafficking (TPPO) intake facts of a case: channel, repatriation, sealed chronology.
    case_trafficking (case_id) {
        /// The case.
        case_id -> BigInt,
        /// How the complaint came in (code of `intake_channel`).
        intake_channel -> Nullable<Text>,
        /// When the survivor came home.
        return_date -> Nullable<Date>,
        /// Where she came home (code of `repatriation.debarkation_point`).
        debarkation_point -> Nullable<Text>,
        /// The chronology, encrypted.
        chronology_ciphertext -> Nullable<Text>,
        /// Key id of the chronology.
        chronology_key_id -> Nullable<Text>,
        /// Last change, UTC.
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Perpetrators and intermediaries of a case, each name encrypted.
    case_perpetrators (id) {
        /// Id.
        id -> BigInt,
        /// The case.
        case_id -> BigInt,
        /// Role code (`perpetrators.role`).
        role -> Text,
        /// The name, encrypted.
        name_ciphertext -> Text,
        /// Key id.
        key_id -> Text,
        /// When recorded, UTC.
        created_at -> Timestamp,
        /// Who recorded it.
        created_by -> BigInt,
    }
}

diesel::joinable!(case_trafficking -> cases (case_id));
diesel::joinable!(case_perpetrators -> cases (case_id));
diesel::allow_tables_to_appear_in_same_query!(case_trafficking, cases);
diesel::allow_tables_to_appear_in_same_query!(case_perpetrators, cases);
diesel::allow_tables_to_appear_in_same_query!(case_trafficking, case_perpetrators);
// The web session's look-up counts the menu's handoffs in the same statement.
diesel::allow_tables_to_appear_in_same_query!(user_marks, sessions);
diesel::allow_tables_to_appear_in_same_query!(user_marks, agencies);
diesel::allow_tables_to_appear_in_same_query!(user_marks, user_roles);
