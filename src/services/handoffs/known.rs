//! What a change of a handoff holds already (its case's number and risk level, its agencies, its
//! agreement, its attachments), so that its answer and its e-mail are made without reading them
//! again.

use std::collections::HashMap;

use super::{AttachedDocument, HandoffView, Lookups, view_of};
use crate::crypto::Vault;
use crate::db::agencies::AgencyRow;
use crate::db::cases::DocumentRow;
use crate::db::handoffs::HandoffRow;
use crate::error::AppError;
use crate::notify::templates::Params;

/// The rows a send or a decision read in its transaction, by what the answer needs.
pub(crate) struct Known {
    /// The case's number.
    pub case_number: String,
    /// The case's risk level.
    pub risk_level: Option<String>,
    /// The agencies of the handoff (sender, receiver, owner), by id.
    pub agencies: HashMap<i64, AgencyRow>,
    /// The documents attached to the handoff, names opened.
    pub attached: Vec<AttachedDocument>,
}

impl Known {
    /// The attached documents of `documents`, their names opened.
    pub fn attached_of(
        vault: &Vault,
        documents: &[DocumentRow],
    ) -> Result<Vec<AttachedDocument>, AppError> {
        documents
            .iter()
            .map(|d| {
                let name = vault
                    .open(&d.key_id, &d.filename_ciphertext)
                    .map_err(AppError::internal)?;
                Ok(AttachedDocument {
                    id: d.id,
                    filename: String::from_utf8_lossy(&name).into_owned(),
                    sha256: d.sha256.clone(),
                })
            })
            .collect()
    }

    /// The e-mail parameters of the handoff.
    pub fn params(&self, row: &HandoffRow) -> Params {
        crate::services::notifications::params_of(
            row,
            self.case_number.clone(),
            self.agencies.get(&row.from_agency_id),
            self.agencies.get(&row.to_agency_id),
        )
    }

    /// The handoff as `viewer` sees it, under `agreement` (its id and version).
    pub fn view(
        self,
        vault: &Vault,
        viewer: i64,
        row: HandoffRow,
        agreement: (String, i32),
    ) -> Result<HandoffView, AppError> {
        // Attachments are shown to the same parties as the message.
        let attached = if row.shows_contents_to(viewer) {
            self.attached
        } else {
            Vec::new()
        };
        let mut found = Lookups {
            versions: HashMap::from([(row.agreement_version_id, agreement)]),
            cases: HashMap::from([(row.case_id, (self.case_number, self.risk_level))]),
            agencies: self
                .agencies
                .into_values()
                .map(|a| (a.id, (a.code, a.name)))
                .collect(),
            attached: HashMap::from([(row.id, attached)]),
        };
        view_of(
            vault,
            viewer,
            row,
            &mut found,
            chrono::Utc::now().naive_utc(),
        )
    }
}
