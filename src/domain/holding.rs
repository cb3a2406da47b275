//! What an agency holds of a case: the one answer that reads, writes, exports, the timeline,
//! the handoff options and onward sending all ask (docs/ACCESS.md, "How a party comes to hold a
//! case").
//!
//! [`CaseHoldings::compute`] is pure. From the case's owner, its handoffs and its consent
//! decisions it works out, for every agency, each **grant** it has (the basis, the categories,
//! since when, and the handoffs it derives from), and for every handoff whether the access it
//! gives is still in force and why not.
//!
//! The rules:
//! - The **owner** holds every category.
//! - The receiver of a **pending** handoff holds the summary it needs to decide, nothing more,
//!   and may not act on the case or pass it on.
//! - The receiver of an **accepted or completed** referral, or of a **delivered or read** notice,
//!   holds what the handoff shares. A transfer gives the receiver the ownership itself; the
//!   sender of an accepted transfer keeps the summary (**retained**), which it may read but not
//!   pass on.
//! - A handoff sent by an agency that is not the owner is **onward**: it shares at most what the
//!   sender held through handoffs received before it, and only while the sender still holds
//!   through them; when they end, it ends too.
//! - A handoff gives nothing once declined or withdrawn, once its access ended (recorded), or
//!   while the consent it rests on is not in force (unless a supervisor overrode it). An accepted
//!   transfer is not undone by a later withdrawal: the receiver owns the case.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDateTime;

use super::category::Category;
use super::consent::{self, ConsentFacts};
use super::handoff::{HandoffKind, HandoffStatus};

/// One handoff of the case, as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoffFacts {
    /// Handoff id (the order of sending).
    pub id: i64,
    /// Referral, transfer or notice.
    pub kind: HandoffKind,
    /// Where it stands.
    pub status: HandoffStatus,
    /// Sending agency.
    pub from_agency_id: i64,
    /// Receiving agency.
    pub to_agency_id: i64,
    /// Owner of the case when it was sent.
    pub owner_agency_id: i64,
    /// What it shares, as stored when sent (already limited to what the sender held).
    pub shares: BTreeSet<Category>,
    /// Consent purpose it rests on.
    pub consent_purpose: Option<String>,
    /// Whether a supervisor overrode the missing consent (it then rests on a legal basis).
    pub overridden: bool,
    /// Consent purposes its agreement lets the receiver record.
    pub receiver_records_consent: BTreeSet<String>,
    /// Whether the end of its access was recorded.
    pub access_ended: bool,
    /// Sent at.
    pub created_at: NaiveDateTime,
    /// Answered at.
    pub decided_at: Option<NaiveDateTime>,
}

/// How an agency came to hold a part of the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Basis {
    /// It owns the case.
    Owner,
    /// It received a handoff it has not answered yet (the handoff's id).
    Pending(i64),
    /// It accepted a handoff, or received a notice (the handoff's id).
    Received(i64),
    /// It transferred the case away and keeps the summary (the transfer's id).
    Retained(i64),
}

/// One part of what an agency holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Why it holds.
    pub basis: Basis,
    /// Which categories.
    pub categories: BTreeSet<Category>,
    /// Since when, where known.
    pub since: Option<NaiveDateTime>,
    /// The handoffs the sender held through when it sent this one on (empty for a handoff the
    /// owner sent).
    pub derived_from: Vec<i64>,
    /// Consent purposes the handoff's agreement lets this receiver record.
    pub records_consent: BTreeSet<String>,
}

impl Grant {
    /// Whether the grant lets its holder act on the case (write, pass on): ownership and
    /// accepted handoffs do; a pending handoff and a retained summary only let it read.
    pub fn is_active(&self) -> bool {
        matches!(self.basis, Basis::Owner | Basis::Received(_))
    }
}

/// What one agency holds of a case: its grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    /// The agency.
    pub agency_id: i64,
    /// Each part it holds, owner first, then in handoff order.
    pub grants: Vec<Grant>,
}

impl Holding {
    /// Whether the agency owns the case.
    pub fn is_owner(&self) -> bool {
        self.grants.iter().any(|g| g.basis == Basis::Owner)
    }

    /// Every category it may read.
    pub fn categories(&self) -> BTreeSet<Category> {
        self.grants
            .iter()
            .flat_map(|g| g.categories.iter().copied())
            .collect()
    }

    /// The categories it may act on and pass on (ownership and accepted handoffs).
    pub fn active(&self) -> BTreeSet<Category> {
        self.grants
            .iter()
            .filter(|g| g.is_active())
            .flat_map(|g| g.categories.iter().copied())
            .collect()
    }

    /// Whether all it has is pending handoffs: it may read the summary to decide, nothing else.
    pub fn is_pending_only(&self) -> bool {
        self.grants
            .iter()
            .all(|g| matches!(g.basis, Basis::Pending(_)))
    }

    /// Whether it may send the case on (it owns it or accepted a handoff of it).
    pub fn can_pass_on(&self) -> bool {
        self.grants.iter().any(Grant::is_active)
    }

    /// What a handoff sharing `shares` would give its receiver when sent by this agency: the
    /// categories it shares that this agency holds actively.
    pub fn passable(&self, shares: &BTreeSet<Category>) -> BTreeSet<Category> {
        shares.intersection(&self.active()).copied().collect()
    }

    /// Whether it may record or withdraw consent for `purpose`: the owner always; another party
    /// when the agreement of a handoff it accepted names the purpose.
    pub fn may_record_consent(&self, purpose: &str) -> bool {
        self.grants.iter().any(|g| {
            g.basis == Basis::Owner
                || (matches!(g.basis, Basis::Received(_)) && g.records_consent.contains(purpose))
        })
    }
}

/// Why a handoff's access is not in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Declined or withdrawn: it never gave more than the summary to decide.
    Closed,
    /// The end was recorded (`access_ended_at`).
    Recorded,
    /// The consent it rests on is no longer in force.
    ConsentWithdrawn,
    /// It was sent on by an agency that no longer holds what it passed on.
    DerivedEnded,
}

impl Ended {
    /// The reason as stored in `access_ended_reason` and in the `handoff.access_ended` event.
    pub fn reason(self) -> &'static str {
        match self {
            Ended::Closed => "closed",
            Ended::Recorded => "recorded",
            Ended::ConsentWithdrawn => "consent_withdrawn",
            Ended::DerivedEnded => "derived_access_ended",
        }
    }
}

/// Where one handoff's access stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// What it gives its receiver now (empty when it gives nothing).
    pub effective: BTreeSet<Category>,
    /// Why it gives nothing, if so.
    pub ended: Option<Ended>,
    /// The handoffs its sender held through when it sent it on.
    pub derived_from: Vec<i64>,
    /// Whether the end still has to be recorded: it ended by a consent withdrawal or by the end
    /// of what it derived from, and no end is stored yet.
    pub unrecorded_end: bool,
}

impl Standing {
    /// Whether the handoff still gives access (pending: the summary to decide).
    pub fn in_force(&self) -> bool {
        self.ended.is_none()
    }
}

/// Every agency's holding of one case, and every handoff's standing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseHoldings {
    owner_agency_id: i64,
    holdings: BTreeMap<i64, Holding>,
    standings: BTreeMap<i64, Standing>,
}

impl CaseHoldings {
    /// Works out who holds what. `handoffs` may come in any order; they are taken in id order
    /// (the order they were sent), so an onward handoff only rests on what was received before it.
    pub fn compute(
        owner_agency_id: i64,
        owned_since: Option<NaiveDateTime>,
        handoffs: &[HandoffFacts],
        consents: &[ConsentFacts],
    ) -> Self {
        let mut ordered: Vec<&HandoffFacts> = handoffs.iter().collect();
        ordered.sort_by_key(|h| h.id);
        let mut grants: BTreeMap<i64, Vec<Grant>> = BTreeMap::new();
        grants.entry(owner_agency_id).or_default().push(Grant {
            basis: Basis::Owner,
            categories: Category::ALL.iter().copied().collect(),
            since: owned_since,
            derived_from: Vec::new(),
            records_consent: BTreeSet::new(),
        });
        let mut standings = BTreeMap::new();
        for h in ordered {
            let onward =
                h.from_agency_id != h.owner_agency_id && h.from_agency_id != owner_agency_id;
            let (base, derived_from) = if onward {
                sender_held(h, &grants, handoffs)
            } else {
                (Category::ALL.iter().copied().collect(), Vec::new())
            };
            let ended = why_ended(h, &base, consents);
            let effective: BTreeSet<Category> = if ended.is_some() {
                BTreeSet::new()
            } else {
                h.shares.intersection(&base).copied().collect()
            };
            if ended.is_none() {
                add_grant(&mut grants, h, &effective, &derived_from);
            }
            let unrecorded_end = !h.access_ended
                && matches!(ended, Some(Ended::ConsentWithdrawn | Ended::DerivedEnded));
            standings.insert(
                h.id,
                Standing {
                    effective,
                    ended,
                    derived_from,
                    unrecorded_end,
                },
            );
        }
        Self {
            owner_agency_id,
            holdings: holdings_of(owner_agency_id, grants),
            standings,
        }
    }

    /// The owning agency.
    pub fn owner_agency_id(&self) -> i64 {
        self.owner_agency_id
    }

    /// What `agency_id` holds, if anything.
    pub fn of(&self, agency_id: i64) -> Option<&Holding> {
        self.holdings.get(&agency_id)
    }

    /// Every agency that holds something, with its holding.
    pub fn all(&self) -> impl Iterator<Item = &Holding> {
        self.holdings.values()
    }

    /// Where a handoff's access stands.
    pub fn standing(&self, handoff_id: i64) -> Option<&Standing> {
        self.standings.get(&handoff_id)
    }

    /// Handoffs whose access ended without the end being recorded yet, with the reason, in
    /// handoff order: what a change must record in its transaction.
    pub fn unrecorded_ends(&self) -> Vec<(i64, Ended)> {
        self.standings
            .iter()
            .filter(|(_, s)| s.unrecorded_end)
            .filter_map(|(id, s)| s.ended.map(|e| (*id, e)))
            .collect()
    }
}

/// For an onward handoff `h`: what its sender held actively through handoffs received before
/// it, and what it was sent on from: every handoff the sender had accepted or been notified of
/// before, whether or not it still gives access.
fn sender_held(
    h: &HandoffFacts,
    grants: &BTreeMap<i64, Vec<Grant>>,
    handoffs: &[HandoffFacts],
) -> (BTreeSet<Category>, Vec<i64>) {
    let held = grants
        .get(&h.from_agency_id)
        .into_iter()
        .flatten()
        .filter(|g| matches!(g.basis, Basis::Received(id) if id < h.id))
        .flat_map(|g| g.categories.iter().copied())
        .collect();
    let mut derived: Vec<i64> = handoffs
        .iter()
        .filter(|r| {
            r.to_agency_id == h.from_agency_id
                && r.id < h.id
                && r.kind != HandoffKind::Transfer
                && matches!(
                    r.status,
                    HandoffStatus::Accepted
                        | HandoffStatus::Completed
                        | HandoffStatus::Delivered
                        | HandoffStatus::Read
                )
        })
        .map(|r| r.id)
        .collect();
    derived.sort_unstable();
    (held, derived)
}

/// Why handoff `h` gives nothing, if it does not; `base`: what its sender could pass on.
fn why_ended(
    h: &HandoffFacts,
    base: &BTreeSet<Category>,
    consents: &[ConsentFacts],
) -> Option<Ended> {
    let consent_ok = h.overridden
        || h.consent_purpose
            .as_deref()
            .is_none_or(|p| consent::in_force(consents, p, h.to_agency_id).is_some());
    let accepted_transfer = h.kind == HandoffKind::Transfer
        && matches!(h.status, HandoffStatus::Accepted | HandoffStatus::Completed);
    if !h.status.gives_access() {
        Some(Ended::Closed)
    } else if accepted_transfer {
        // Ownership moved; nothing undoes it but another transfer.
        None
    } else if h.access_ended {
        Some(Ended::Recorded)
    } else if !consent_ok {
        Some(Ended::ConsentWithdrawn)
    } else if base.is_empty() {
        Some(Ended::DerivedEnded)
    } else {
        None
    }
}

/// The grant a handoff in force gives: the summary to decide (pending), the summary kept by the
/// sender of a transfer, or what a notice or an accepted referral shares (`effective`).
fn add_grant(
    grants: &mut BTreeMap<i64, Vec<Grant>>,
    h: &HandoffFacts,
    effective: &BTreeSet<Category>,
    derived_from: &[i64],
) {
    let grant = |basis, categories, since| Grant {
        basis,
        categories,
        since,
        derived_from: derived_from.to_vec(),
        records_consent: h.receiver_records_consent.clone(),
    };
    let (agency_id, grant) = match (h.kind, h.status) {
        (_, HandoffStatus::Pending) => (
            h.to_agency_id,
            grant(
                Basis::Pending(h.id),
                [Category::Summary].into_iter().collect(),
                Some(h.created_at),
            ),
        ),
        (HandoffKind::Transfer, _) => (
            h.from_agency_id,
            Grant {
                basis: Basis::Retained(h.id),
                categories: [Category::Summary].into_iter().collect(),
                since: h.decided_at,
                derived_from: Vec::new(),
                records_consent: BTreeSet::new(),
            },
        ),
        (HandoffKind::Notice, _) => (
            h.to_agency_id,
            grant(Basis::Received(h.id), effective.clone(), Some(h.created_at)),
        ),
        (HandoffKind::Referral, _) => (
            h.to_agency_id,
            grant(Basis::Received(h.id), effective.clone(), h.decided_at),
        ),
    };
    grants.entry(agency_id).or_default().push(grant);
}

/// Each agency's holding from its grants: the owner's own grant says it all (what it received
/// before owning is moot), grants of nothing are dropped, and so are agencies left with none.
fn holdings_of(owner_agency_id: i64, grants: BTreeMap<i64, Vec<Grant>>) -> BTreeMap<i64, Holding> {
    grants
        .into_iter()
        .map(|(agency_id, mut grants)| {
            if agency_id == owner_agency_id {
                grants.retain(|g| g.basis == Basis::Owner);
            }
            grants.retain(|g| !g.categories.is_empty());
            (agency_id, Holding { agency_id, grants })
        })
        .filter(|(_, h)| !h.grants.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Category::*;

    const OWNER: i64 = 1;
    const POLICE: i64 = 2;
    const PROSECUTOR: i64 = 3;
    const SHELTER: i64 = 4;
    const OTHER_UNIT: i64 = 5;
    const FULL: &[Category] = &[Summary, Identity, Incident, Health, Legal, Documents];

    fn at(hour: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 2)
            .and_then(|d| d.and_hms_opt(hour, 0, 0))
            .unwrap_or_default()
    }

    fn cats(list: &[Category]) -> BTreeSet<Category> {
        list.iter().copied().collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn handoff(
        id: i64,
        kind: HandoffKind,
        status: HandoffStatus,
        from: i64,
        to: i64,
        owner: i64,
        shares: &[Category],
        consent: Option<&str>,
    ) -> HandoffFacts {
        HandoffFacts {
            id,
            kind,
            status,
            from_agency_id: from,
            to_agency_id: to,
            owner_agency_id: owner,
            shares: cats(shares),
            consent_purpose: consent.map(Into::into),
            overridden: false,
            receiver_records_consent: BTreeSet::new(),
            access_ended: false,
            created_at: at(u32::try_from(id).unwrap_or(0)),
            decided_at: (status != HandoffStatus::Pending)
                .then(|| at(u32::try_from(id).unwrap_or(0) + 1)),
        }
    }

    fn consent(id: i64, purpose: &str, recipient: Option<i64>, given: bool) -> ConsentFacts {
        ConsentFacts {
            id,
            purpose: purpose.into(),
            recipient_agency_id: recipient,
            given,
        }
    }

    use HandoffKind::{Notice, Referral, Transfer};
    use HandoffStatus::{Accepted, Completed, Declined, Delivered, Pending, Withdrawn};

    /// One row per situation: the case's handoffs and consents, then what each agency holds
    /// (categories read, categories acted on, whether it may pass the case on).
    #[test]
    fn who_holds_what() {
        type Expect = &'static [(i64, &'static [Category], &'static [Category], bool)];
        let police_consent = [consent(1, "police_report", None, true)];
        let withdrawn = [
            consent(1, "police_report", None, true),
            consent(2, "police_report", Some(POLICE), false),
        ];
        let services = [consent(1, "services", None, true)];
        let report = |status| {
            handoff(
                1,
                Referral,
                status,
                OWNER,
                POLICE,
                OWNER,
                &[Summary, Incident, Identity],
                Some("police_report"),
            )
        };
        let onward = |status, shares: &[Category]| {
            handoff(2, Referral, status, POLICE, PROSECUTOR, OWNER, shares, None)
        };
        let table: Vec<(&str, Vec<HandoffFacts>, &[ConsentFacts], Expect)> = vec![
            (
                "a case nobody was sent",
                vec![],
                &[],
                &[(OWNER, FULL, FULL, true), (POLICE, &[], &[], false)],
            ),
            (
                "a pending referral shows the summary, to decide",
                vec![report(Pending)],
                &police_consent,
                &[(POLICE, &[Summary], &[], false)],
            ),
            (
                "an accepted referral gives what it shares",
                vec![report(Accepted)],
                &police_consent,
                &[(
                    POLICE,
                    &[Summary, Identity, Incident],
                    &[Summary, Identity, Incident],
                    true,
                )],
            ),
            (
                "a completed referral still gives what it shares",
                vec![report(Completed)],
                &police_consent,
                &[(
                    POLICE,
                    &[Summary, Identity, Incident],
                    &[Summary, Identity, Incident],
                    true,
                )],
            ),
            (
                "a declined referral gives nothing",
                vec![report(Declined)],
                &police_consent,
                &[(POLICE, &[], &[], false)],
            ),
            (
                "a withdrawn referral gives nothing",
                vec![report(Withdrawn)],
                &police_consent,
                &[(POLICE, &[], &[], false)],
            ),
            (
                "withdrawn consent ends an accepted referral",
                vec![report(Accepted)],
                &withdrawn,
                &[(POLICE, &[], &[], false), (OWNER, FULL, FULL, true)],
            ),
            (
                "withdrawn consent ends a pending referral",
                vec![report(Pending)],
                &withdrawn,
                &[(POLICE, &[], &[], false)],
            ),
            (
                "an onward referral shares at most what the sender holds",
                vec![
                    report(Accepted),
                    onward(Accepted, &[Summary, Incident, Identity, Legal]),
                ],
                &police_consent,
                &[(
                    PROSECUTOR,
                    &[Summary, Identity, Incident],
                    &[Summary, Identity, Incident],
                    true,
                )],
            ),
            (
                "an onward referral ends when the access it derives from ends",
                vec![report(Declined), onward(Accepted, &[Summary, Incident])],
                &police_consent,
                &[(PROSECUTOR, &[], &[], false), (POLICE, &[], &[], false)],
            ),
            (
                "an onward referral ends when the consent under the first one is withdrawn",
                vec![report(Accepted), onward(Pending, &[Summary, Incident])],
                &withdrawn,
                &[(PROSECUTOR, &[], &[], false)],
            ),
            (
                "a pending transfer shows the summary to decide",
                vec![handoff(
                    1,
                    Transfer,
                    Pending,
                    OWNER,
                    OTHER_UNIT,
                    OWNER,
                    FULL,
                    Some("services"),
                )],
                &services,
                &[
                    (OTHER_UNIT, &[Summary], &[], false),
                    (OWNER, FULL, FULL, true),
                ],
            ),
            (
                "a delivered notice gives what it shares at once",
                vec![handoff(
                    1,
                    Notice,
                    Delivered,
                    OWNER,
                    SHELTER,
                    OWNER,
                    &[Summary, Legal],
                    None,
                )],
                &[],
                &[(SHELTER, &[Summary, Legal], &[Summary, Legal], true)],
            ),
            (
                "a referral that rests on an override survives a withdrawal",
                vec![HandoffFacts {
                    overridden: true,
                    ..report(Accepted)
                }],
                &withdrawn,
                &[(
                    POLICE,
                    &[Summary, Identity, Incident],
                    &[Summary, Identity, Incident],
                    true,
                )],
            ),
            (
                "a recorded end gives nothing",
                vec![HandoffFacts {
                    access_ended: true,
                    ..report(Accepted)
                }],
                &police_consent,
                &[(POLICE, &[], &[], false)],
            ),
        ];
        for (name, handoffs, consents, expect) in table {
            let holdings = CaseHoldings::compute(OWNER, Some(at(0)), &handoffs, consents);
            for (agency, read, act, pass) in expect {
                let holding = holdings.of(*agency);
                let got = (
                    holding.map(Holding::categories).unwrap_or_default(),
                    holding.map(Holding::active).unwrap_or_default(),
                    holding.is_some_and(Holding::can_pass_on),
                );
                assert_eq!(
                    got,
                    (cats(read), cats(act), *pass),
                    "{name}: agency {agency}"
                );
            }
        }
    }

    #[test]
    fn a_transfer_receiver_is_given_as_owner_by_the_case() {
        // After the transfer is accepted the case row names the new owner.
        let transfer = handoff(
            1,
            Transfer,
            Accepted,
            OWNER,
            OTHER_UNIT,
            OWNER,
            Category::ALL,
            Some("services"),
        );
        let holdings = CaseHoldings::compute(OTHER_UNIT, Some(at(2)), &[transfer], &[]);
        assert!(holdings.of(OTHER_UNIT).is_some_and(Holding::is_owner));
        assert_eq!(
            holdings.of(OWNER).map(Holding::categories),
            Some(cats(&[Summary]))
        );
        assert!(
            holdings.of(OWNER).is_some_and(|h| !h.can_pass_on()),
            "a retained summary is not passed on"
        );
        // A consent withdrawal after the transfer does not undo it.
        let withdrawn = [consent(1, "services", None, false)];
        let after = CaseHoldings::compute(
            OTHER_UNIT,
            Some(at(2)),
            &[handoff(
                1,
                Transfer,
                Accepted,
                OWNER,
                OTHER_UNIT,
                OWNER,
                Category::ALL,
                Some("services"),
            )],
            &withdrawn,
        );
        assert!(after.standing(1).is_some_and(Standing::in_force));
        assert!(after.unrecorded_ends().is_empty());
    }

    #[test]
    fn ends_that_are_not_recorded_yet_are_listed_with_their_reason() {
        let report = handoff(
            1,
            Referral,
            Accepted,
            OWNER,
            POLICE,
            OWNER,
            &[Summary, Incident],
            Some("police_report"),
        );
        let onward = handoff(
            2,
            Referral,
            Pending,
            POLICE,
            PROSECUTOR,
            OWNER,
            &[Summary, Incident],
            None,
        );
        let notice = handoff(
            3,
            Notice,
            Delivered,
            POLICE,
            SHELTER,
            OWNER,
            &[Summary],
            None,
        );
        let withdrawn = [
            consent(1, "police_report", None, true),
            consent(2, "police_report", None, false),
        ];
        let holdings = CaseHoldings::compute(
            OWNER,
            None,
            &[report.clone(), onward.clone(), notice.clone()],
            &withdrawn,
        );
        assert_eq!(
            holdings.unrecorded_ends(),
            vec![
                (1, Ended::ConsentWithdrawn),
                (2, Ended::DerivedEnded),
                (3, Ended::DerivedEnded)
            ]
        );
        assert_eq!(
            holdings.standing(2).map(|s| s.derived_from.clone()),
            Some(vec![1])
        );
        // Once recorded, the first is no longer listed; the others still are.
        let recorded = HandoffFacts {
            access_ended: true,
            ..report
        };
        let holdings = CaseHoldings::compute(OWNER, None, &[recorded, onward, notice], &withdrawn);
        assert_eq!(
            holdings.unrecorded_ends(),
            vec![(2, Ended::DerivedEnded), (3, Ended::DerivedEnded)]
        );
        assert_eq!(
            holdings.standing(1).and_then(|s| s.ended),
            Some(Ended::Recorded)
        );
    }

    #[test]
    fn an_onward_handoff_rests_only_on_what_was_received_before_it() {
        // The police send on (2) before they accept a second referral (3): 2 rests on 1 alone.
        let first = handoff(
            1,
            Referral,
            Declined,
            OWNER,
            POLICE,
            OWNER,
            &[Summary, Incident],
            None,
        );
        let onward = handoff(
            2,
            Referral,
            Accepted,
            POLICE,
            PROSECUTOR,
            OWNER,
            &[Summary, Incident],
            None,
        );
        let second = handoff(
            3,
            Referral,
            Accepted,
            OWNER,
            POLICE,
            OWNER,
            &[Summary, Incident, Identity],
            None,
        );
        let holdings = CaseHoldings::compute(OWNER, None, &[second, onward, first], &[]);
        assert_eq!(
            holdings.standing(2).and_then(|s| s.ended),
            Some(Ended::DerivedEnded)
        );
        assert!(holdings.of(PROSECUTOR).is_none());
        assert_eq!(
            holdings.of(POLICE).map(Holding::active),
            Some(cats(&[Summary, Incident, Identity]))
        );
    }

    #[test]
    fn consent_is_recorded_by_the_owner_or_a_receiver_its_agreement_names() {
        let mut report = handoff(
            1,
            Referral,
            Accepted,
            OWNER,
            POLICE,
            OWNER,
            &[Summary],
            None,
        );
        report.receiver_records_consent = ["lpsk_application".to_owned()].into_iter().collect();
        let pending = HandoffFacts {
            status: Pending,
            id: 2,
            to_agency_id: SHELTER,
            ..report.clone()
        };
        let holdings = CaseHoldings::compute(OWNER, None, &[report, pending], &[]);
        let owner = holdings.of(OWNER);
        assert!(owner.is_some_and(|h| h.may_record_consent("police_report")));
        let police = holdings.of(POLICE);
        assert!(police.is_some_and(|h| h.may_record_consent("lpsk_application")));
        assert!(police.is_some_and(|h| !h.may_record_consent("police_report")));
        let shelter = holdings.of(SHELTER);
        assert!(
            shelter.is_some_and(|h| !h.may_record_consent("lpsk_application")),
            "pending receivers record nothing"
        );
    }

    #[test]
    fn what_a_party_may_pass_on_is_the_intersection() {
        let report = handoff(
            1,
            Referral,
            Accepted,
            OWNER,
            POLICE,
            OWNER,
            &[Summary, Incident, Identity],
            None,
        );
        let holdings = CaseHoldings::compute(OWNER, None, &[report], &[]);
        let police = holdings.of(POLICE);
        assert_eq!(
            police.map(|h| h.passable(&cats(&[Summary, Incident, Identity, Legal]))),
            Some(cats(&[Summary, Incident, Identity]))
        );
        assert_eq!(
            holdings
                .of(OWNER)
                .map(|h| h.passable(&cats(&[Summary, Legal]))),
            Some(cats(&[Summary, Legal]))
        );
    }
}
