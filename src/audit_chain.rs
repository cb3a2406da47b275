//! The tamper-evident part of the audit trail, pure: the canonical encoding and hash of an entry,
//! and the verifier that walks every stream and finds the first modified, deleted, inserted or
//! reordered entry.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

/// The fields of an audit entry that its hash covers, in a fixed order.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    /// Stream.
    pub stream: &'a str,
    /// Position in the stream.
    pub seq: i64,
    /// Hash of the previous entry of the stream.
    pub prev_hash: &'a str,
    /// When (UTC, microseconds).
    pub occurred_at: NaiveDateTime,
    /// Action code.
    pub action: &'a str,
    /// Acting user.
    pub actor_user_id: Option<i64>,
    /// Acting username.
    pub actor_username: Option<&'a str>,
    /// Acting agency.
    pub actor_agency_id: Option<i64>,
    /// Acting roles.
    pub actor_roles: Option<&'a str>,
    /// Subject kind.
    pub subject_type: Option<&'a str>,
    /// Subject id.
    pub subject_id: Option<&'a str>,
    /// Case.
    pub case_id: Option<i64>,
    /// Request id.
    pub request_id: Option<&'a str>,
    /// Client address.
    pub client_ip: Option<&'a str>,
    /// Details, JSON text.
    pub details: &'a str,
}

/// Microsecond precision, which both databases keep exactly.
pub fn to_micros(at: NaiveDateTime) -> NaiveDateTime {
    use chrono::Timelike;
    at.with_nanosecond(at.nanosecond() / 1000 * 1000)
        .unwrap_or(at)
}

/// SHA-256, hex, over the canonical encoding: a JSON array of the fields in [`Fields`] order, with
/// the time written `YYYY-MM-DDTHH:MM:SS.ffffff`.
pub fn hash(f: &Fields<'_>) -> String {
    let canonical = serde_json::json!([
        "rujukan-audit-v1",
        f.stream,
        f.seq,
        f.prev_hash,
        to_micros(f.occurred_at)
            .format("%Y-%m-%dT%H:%M:%S%.6f")
            .to_string(),
        f.action,
        f.actor_user_id,
        f.actor_username,
        f.actor_agency_id,
        f.actor_roles,
        f.subject_type,
        f.subject_id,
        f.case_id,
        f.request_id,
        f.client_ip,
        f.details,
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// The first problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit entry {id} (stream {stream}, position {seq}): {problem}")]
pub struct Broken {
    /// Row id of the entry (0 when the problem is at the end of a stream).
    pub id: i64,
    /// Stream.
    pub stream: String,
    /// Position.
    pub seq: i64,
    /// What is wrong.
    pub problem: String,
}

/// Walks entries in id order, stream by stream.
#[derive(Debug, Default)]
pub struct Verifier {
    streams: BTreeMap<String, (i64, String)>,
    entries: u64,
}

impl Verifier {
    /// Checks the next entry (entries must come in id order); `stored_hash` is the entry's hash column.
    pub fn feed(&mut self, id: i64, fields: &Fields<'_>, stored_hash: &str) -> Result<(), Broken> {
        let broken = |problem: String| Broken {
            id,
            stream: fields.stream.to_owned(),
            seq: fields.seq,
            problem,
        };
        let (last_seq, last_hash) = self
            .streams
            .get(fields.stream)
            .cloned()
            .unwrap_or((0, String::new()));
        if fields.seq != last_seq + 1 {
            return Err(broken(if fields.seq > last_seq + 1 {
                format!(
                    "position jumps from {last_seq} to {}: entries were deleted or reordered",
                    fields.seq
                )
            } else {
                format!(
                    "position {} comes after {last_seq}: entries were inserted or reordered",
                    fields.seq
                )
            }));
        }
        if fields.prev_hash != last_hash {
            return Err(broken("does not link to the previous entry of its stream: entries were inserted, deleted or reordered".to_owned()));
        }
        if hash(fields) != stored_hash {
            return Err(broken(
                "its contents do not match its hash: the entry was modified".to_owned(),
            ));
        }
        self.streams.insert(
            fields.stream.to_owned(),
            (fields.seq, stored_hash.to_owned()),
        );
        self.entries += 1;
        Ok(())
    }

    /// Compares the ends of the streams with their recorded heads; returns entries and streams checked.
    pub fn finish(self, heads: &[(String, i64, String)]) -> Result<(u64, usize), Broken> {
        for (stream, seq, head_hash) in heads {
            let (last_seq, last_hash) = self
                .streams
                .get(stream)
                .cloned()
                .unwrap_or((0, String::new()));
            if last_seq != *seq || last_hash != *head_hash {
                return Err(Broken {
                    id: 0,
                    stream: stream.clone(),
                    seq: last_seq,
                    problem: format!(
                        "the stream ends at position {last_seq} but its head records {seq}: entries were deleted or added at the end"
                    ),
                });
            }
        }
        if let Some((stream, (seq, _))) = self
            .streams
            .iter()
            .find(|(s, _)| !heads.iter().any(|(h, _, _)| h == *s))
        {
            return Err(Broken {
                id: 0,
                stream: stream.clone(),
                seq: *seq,
                problem: "the stream has no recorded head: it was added outside Rujukan".to_owned(),
            });
        }
        Ok((self.entries, self.streams.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields<'a>(stream: &'a str, seq: i64, prev: &'a str, details: &'a str) -> Fields<'a> {
        Fields {
            stream,
            seq,
            prev_hash: prev,
            occurred_at: chrono::DateTime::from_timestamp(1_800_000_000, 123_456_789)
                .map(|d| d.naive_utc())
                .unwrap_or_default(),
            action: "case.created",
            actor_user_id: Some(1),
            actor_username: Some("siti"),
            actor_agency_id: Some(2),
            actor_roles: Some("caseworker"),
            subject_type: Some("case"),
            subject_id: Some("9"),
            case_id: Some(9),
            request_id: Some("r"),
            client_ip: None,
            details,
        }
    }

    #[test]
    fn a_chain_verifies_and_any_change_breaks_it() {
        let a = fields("case:9", 1, "", "{}");
        let ha = hash(&a);
        let b = fields("case:9", 2, &ha, "{\"x\":1}");
        let hb = hash(&b);
        let mut v = Verifier::default();
        assert!(v.feed(1, &a, &ha).is_ok());
        assert!(v.feed(2, &b, &hb).is_ok());
        assert_eq!(v.finish(&[("case:9".into(), 2, hb.clone())]), Ok((2, 1)));

        let mut v = Verifier::default();
        let tampered = fields("case:9", 1, "", "{\"x\":2}");
        assert!(
            v.feed(1, &tampered, &ha)
                .err()
                .is_some_and(|e| e.problem.contains("modified"))
        );

        let mut v = Verifier::default();
        assert!(
            v.feed(2, &b, &hb)
                .err()
                .is_some_and(|e| e.problem.contains("deleted"))
        );

        let mut v = Verifier::default();
        assert!(v.feed(1, &a, &ha).is_ok());
        assert!(
            v.finish(&[("case:9".into(), 2, hb)])
                .err()
                .is_some_and(|e| e.problem.contains("head"))
        );
        assert_eq!(
            hash(&a),
            hash(&fields("case:9", 1, "", "{}")),
            "deterministic, and nanoseconds below a microsecond do not count"
        );
    }
}
