//! Who records which stage: each party works its own track. The owner of a case (the case
//! manager) records any stage, keeping the whole picture; another party that accepted a handoff
//! records only the stages its kind of agency owns in the justice chain (docs/ACCESS.md,
//! "Who records which stage"): the police its inquiry, investigation and case file, the
//! prosecutor pre-prosecution and prosecution, the court the trial and verdict, LPSK its
//! protection decision, BP3MI and Disnaker the migrant-worker complaint.

use std::collections::BTreeMap;

use super::agency::AgencyKind;

use AgencyKind as K;

/// The kinds of agency (other than the owner) that record `stage` of `track`; empty when only the
/// owner does (the survivor's own decisions, the case manager's service steps).
pub fn recorded_by(track: &str, stage: &str) -> &'static [AgencyKind] {
    match (track, stage) {
        (
            "justice",
            "reported_to_police" | "penyelidikan" | "penyidikan" | "berkas_tahap_i" | "sp3",
        ) => &[K::Police],
        ("justice", "tahap_ii") => &[K::Police, K::Prosecutor],
        (
            "justice",
            "p18_p19_returned"
            | "p21_complete"
            | "penuntutan"
            | "skpp"
            | "eksekusi"
            | "restitusi_payment_pending"
            | "restitusi_lelang",
        ) => &[K::Prosecutor],
        ("justice", "persidangan" | "putusan" | "inkracht" | "acquitted") => &[K::Court],
        ("justice", "restitusi_paid") => &[K::Prosecutor, K::Lpsk, K::Court],
        ("protection", "police_temp_protection") => &[K::Police],
        ("protection", "lpsk_requested" | "lpsk_decided") => &[K::Lpsk],
        (
            "protection",
            "court_protection_order_requested"
            | "court_protection_order_issued"
            | "movement_restriction_order",
        ) => &[K::Court],
        ("protection", "shelter_placement") => &[K::Shelter, K::SocialAffairs, K::ServiceUnit],
        ("migrant_complaint", s) if s != "not_started" => &[K::Bp3mi, K::Disnaker],
        _ => &[],
    }
}

/// Whether an agency of `kind` records `stage` of `track`: the owner any stage, another party
/// those its kind owns.
pub fn may_record(owner: bool, kind: AgencyKind, track: &str, stage: &str) -> bool {
    owner || recorded_by(track, stage).contains(&kind)
}

/// Every stage an agency of `kind` may record, by track (tracks with none left out).
pub fn recordable(owner: bool, kind: AgencyKind) -> BTreeMap<String, Vec<String>> {
    super::classification::TRACKS
        .iter()
        .filter_map(|(track, stages)| {
            let codes: Vec<String> = stages
                .iter()
                .filter(|s| may_record(owner, kind, track.code, s.code))
                .map(|s| s.code.to_owned())
                .collect();
            (!codes.is_empty()).then(|| (track.code.to_owned(), codes))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::classification as cls;

    #[test]
    fn the_police_record_their_investigation_but_not_the_prosecution() {
        assert!(may_record(false, K::Police, "justice", "penyidikan"));
        assert!(may_record(false, K::Police, "justice", "berkas_tahap_i"));
        assert!(!may_record(false, K::Police, "justice", "penuntutan"));
        assert!(may_record(false, K::Prosecutor, "justice", "penuntutan"));
        assert!(!may_record(false, K::Prosecutor, "justice", "penyidikan"));
        assert!(!may_record(false, K::Police, "service", "assessed"));
        let police = recordable(false, K::Police);
        assert!(police.contains_key("justice") && !police.contains_key("service"));
    }

    #[test]
    fn the_owner_records_every_stage() {
        for (track, stages) in cls::TRACKS {
            for stage in *stages {
                assert!(may_record(true, K::ServiceUnit, track.code, stage.code));
            }
        }
    }

    #[test]
    fn every_named_stage_exists_in_its_track() {
        let kinds = [
            K::Police,
            K::Prosecutor,
            K::Court,
            K::Lpsk,
            K::Shelter,
            K::Bp3mi,
        ];
        for (track, stages) in cls::TRACKS {
            let owned = stages
                .iter()
                .filter(|s| {
                    kinds
                        .iter()
                        .any(|k| may_record(false, *k, track.code, s.code))
                })
                .count();
            assert!(
                track.code == "service" || owned > 0,
                "no party records a stage of {}",
                track.code
            );
        }
        // A stage named here but missing from the tracks would never be offered.
        for (track, stage) in [
            ("justice", "penyidikan"),
            ("justice", "p21_complete"),
            ("justice", "putusan"),
            ("protection", "lpsk_decided"),
            ("migrant_complaint", "verification"),
        ] {
            let found = cls::stages(track).is_some_and(|s| s.iter().any(|t| t.code == stage));
            assert!(found, "{track}/{stage}");
        }
    }
}
