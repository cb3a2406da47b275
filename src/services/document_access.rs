//! Which documents of a case an agency reads, asked of the policy one document at a time: the
//! case's list, a download and the documents a sender may attach all use this one answer.

use crate::authz::{self, Action, Actor, CaseScope, DocumentScope, Resource};
use crate::db::cases::DocumentRow;

/// Whether the actor reads the document `row` of the case of `scope`, given the case's
/// attachments as (document id, handoff id) pairs.
pub fn readable(
    actor: &Actor,
    scope: &CaseScope,
    attachments: &[(i64, i64)],
    row: &DocumentRow,
) -> bool {
    let document = DocumentScope {
        agency_id: row.agency_id,
        attached_to: attachments
            .iter()
            .filter(|(d, _)| *d == row.id)
            .map(|(_, h)| *h)
            .collect(),
    };
    authz::can(
        actor,
        Action::DocumentRead,
        Resource::Document(scope, &document),
    )
    .is_ok()
}
