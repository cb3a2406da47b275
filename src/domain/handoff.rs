//! The stored vocabulary of a handoff's lifecycle.

use super::vocabulary;

vocabulary! {
    /// Where a handoff stands (CONTRACT.md vocabulary).
    HandoffStatus, "status" {
        /// Sent, waiting for the receiver's answer.
        Pending = "pending",
        /// Accepted by the receiver.
        Accepted = "accepted",
        /// Declined by the receiver, with a reason.
        Declined = "declined",
        /// Withdrawn by the sender before an answer, with a reason.
        Withdrawn = "withdrawn",
        /// Completed by the receiver, with an outcome.
        Completed = "completed",
        /// A notice, delivered.
        Delivered = "delivered",
        /// A notice, read.
        Read = "read",
    }
}

vocabulary! {
    /// What a handoff does to ownership and whether it needs an answer.
    HandoffKind, "kind" {
        /// Asks for a service; the sender keeps ownership.
        Referral = "referral",
        /// Moves ownership to the receiver when it accepts.
        Transfer = "transfer",
        /// Informs (courts); delivered and read, no acceptance, no deadline.
        Notice = "notice",
    }
}

impl HandoffStatus {
    /// Whether the receiver has answered (or a notice was delivered): no answer clock runs.
    pub fn is_answered(self) -> bool {
        self != HandoffStatus::Pending
    }

    /// Whether the handoff still gives its receiver something (pending, accepted, completed, a
    /// notice delivered or read); declined and withdrawn ones give nothing.
    pub fn gives_access(self) -> bool {
        !matches!(self, HandoffStatus::Declined | HandoffStatus::Withdrawn)
    }

    /// Whether the handoff is still in play: waiting for an answer, accepted and being worked, or
    /// a notice not yet read. A second handoff of the same kind to the same receiver would
    /// duplicate an open one.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            HandoffStatus::Pending | HandoffStatus::Accepted | HandoffStatus::Delivered
        )
    }

    /// Whether the receiver decided on a referral or transfer (accepted, declined, or accepted
    /// and completed), the moment its answer clock stops.
    pub fn is_decided(self) -> bool {
        matches!(
            self,
            HandoffStatus::Accepted | HandoffStatus::Declined | HandoffStatus::Completed
        )
    }
}

impl Default for HandoffStatus {
    /// A new referral or transfer waits for its answer.
    fn default() -> Self {
        HandoffStatus::Pending
    }
}

impl Default for HandoffKind {
    /// The common case: a referral.
    fn default() -> Self {
        HandoffKind::Referral
    }
}
