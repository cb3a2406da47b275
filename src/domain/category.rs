//! The categories of a case's content that a party may hold and a handoff may share.

use super::vocabulary;

vocabulary! {
    /// Data categories a party may hold.
    Category, "category" {
        /// Case summary.
        Summary = "summary",
        /// Survivor identity.
        Identity = "identity",
        /// Incident details.
        Incident = "incident",
        /// Health information.
        Health = "health",
        /// Legal process.
        Legal = "legal",
        /// Documents.
        Documents = "documents",
    }
}
