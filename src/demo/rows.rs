//! Rows of a demo case built from what the intake works out (`CaseValues`, `IncidentRow`).

use chrono::NaiveDateTime;

use crate::authz::Actor;
use crate::db::bulk::{CaseBulk, IncidentBulk};
use crate::db::cases::{CaseValues, IncidentRow};

/// An incident row with its ids.
pub(super) fn incident(id: i64, case_id: i64, inc: IncidentRow) -> IncidentBulk {
    IncidentBulk {
        id,
        case_id,
        position: inc.position,
        occurred_on: inc.occurred_on,
        place: inc.place,
        country: inc.country,
        forms: inc.forms,
        tpks_forms: inc.tpks_forms,
        pkdrt_forms: inc.pkdrt_forms,
        tppo_elements: inc.tppo_elements,
        gbvims_type: inc.gbvims_type,
        gbvims_contexts: inc.gbvims_contexts,
        perpetrator_relation: inc.perpetrator_relation,
    }
}

/// The case row as the intake inserts it (open, version 1).
pub(super) fn case_row(
    id: i64,
    case_number: String,
    province: String,
    actor: &Actor,
    v: CaseValues,
    now: NaiveDateTime,
) -> CaseBulk {
    CaseBulk {
        id,
        case_number,
        province,
        owner_agency_id: actor.agency_id,
        created_by: actor.user_id,
        status: "open".to_owned(),
        version: 1,
        identity_ciphertext: v.identity_ciphertext,
        identity_key_id: v.identity_key_id,
        nik_index: v.nik_index,
        passport_index: v.passport_index,
        age_band: v.age_band,
        sex: v.sex,
        disabilities: v.disabilities,
        nationality: v.nationality,
        home_province: v.home_province,
        home_district: v.home_district,
        migration_stage: v.migration_stage,
        placement_channel: v.placement_channel,
        destination_country: v.destination_country,
        sector: v.sector,
        p3mi: v.p3mi,
        employer_abroad: v.employer_abroad,
        bp2mi_complaint_number: v.bp2mi_complaint_number,
        risk_level: v.risk_level,
        safety_plan: v.safety_plan,
        legal_basis: v.legal_basis,
        procedural_regime: v.procedural_regime,
        created_at: now,
        updated_at: now,
    }
}
