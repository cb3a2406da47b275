//! Consent as the handoff rules and the access rules read it: which decision is in force for a
//! purpose and a receiving agency. Pure: the caller gives it the case's consent decisions.

/// One recorded consent decision, as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentFacts {
    /// Record id (the order of decisions).
    pub id: i64,
    /// Purpose code (`police_report`, `referral`, …).
    pub purpose: String,
    /// The receiving agency it is limited to; `None` for every receiver.
    pub recipient_agency_id: Option<i64>,
    /// Given (`true`) or withdrawn (`false`).
    pub given: bool,
}

/// The consent record in force for `purpose` and `recipient`, if it gives consent: the latest
/// decision for that recipient or for everyone. A later withdrawal, general or for that
/// recipient, takes precedence over an earlier consent.
pub fn in_force(records: &[ConsentFacts], purpose: &str, recipient: i64) -> Option<i64> {
    records
        .iter()
        .filter(|r| {
            r.purpose == purpose
                && (r.recipient_agency_id.is_none() || r.recipient_agency_id == Some(recipient))
        })
        .max_by_key(|r| r.id)
        .filter(|r| r.given)
        .map(|r| r.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: i64, purpose: &str, recipient: Option<i64>, given: bool) -> ConsentFacts {
        ConsentFacts {
            id,
            purpose: purpose.into(),
            recipient_agency_id: recipient,
            given,
        }
    }

    #[test]
    fn the_latest_decision_for_the_receiver_or_everyone_is_in_force() {
        let records = [
            record(1, "police_report", None, true),
            record(2, "referral", Some(7), true),
        ];
        assert_eq!(in_force(&records, "police_report", 7), Some(1));
        assert_eq!(in_force(&records, "referral", 7), Some(2));
        assert_eq!(in_force(&records, "referral", 8), None, "limited to 7");
        assert_eq!(in_force(&records, "shelter", 7), None, "never given");

        let withdrawn = [
            record(1, "police_report", None, true),
            record(2, "police_report", Some(7), false),
        ];
        assert_eq!(in_force(&withdrawn, "police_report", 7), None);
        assert_eq!(in_force(&withdrawn, "police_report", 8), Some(1));

        let given_again = [
            record(1, "police_report", None, false),
            record(2, "police_report", Some(7), true),
        ];
        assert_eq!(in_force(&given_again, "police_report", 7), Some(2));
        assert_eq!(in_force(&given_again, "police_report", 8), None);
    }
}
