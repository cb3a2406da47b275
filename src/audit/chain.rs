//! The tamper-evident part of the audit trail, pure: the canonical encoding and hash of an entry,
//! and the verifier that walks every stream and finds the first modified, deleted, inserted or
//! reordered entry.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use ed25519_dalek::VerifyingKey;

use crate::audit::checkpoint::Checkpoint;
pub use crate::audit::checkpoint::to_micros;

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

/// SHA-256, hex, over the canonical encoding: a JSON array of the fields in [`Fields`] order, with
/// the time written `YYYY-MM-DDTHH:MM:SS.ffffff`.
pub fn hash(f: &Fields<'_>) -> String {
    let at = to_micros(f.occurred_at)
        .format("%Y-%m-%dT%H:%M:%S%.6f")
        .to_string();
    // A tuple serialises as a JSON array directly, without building a `serde_json::Value`.
    let canonical = (
        "rujukan-audit-v1",
        f.stream,
        f.seq,
        f.prev_hash,
        at.as_str(),
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
    );
    let mut digest = Sha256::new();
    // Writing strings and integers into a hasher cannot fail.
    let _ = serde_json::to_writer(DigestWriter(&mut digest), &canonical);
    hex::encode(digest.finalize())
}

/// Feeds serialised bytes straight into the hash.
struct DigestWriter<'a>(&'a mut Sha256);

impl std::io::Write for DigestWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The first problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {problem}")]
pub struct Broken {
    /// Where: `audit entry 12 (stream case:3, position 4)`, `stream case:3`, `checkpoint 2`.
    pub at: String,
    /// What is wrong.
    pub problem: String,
}

impl Broken {
    fn entry(id: i64, stream: &str, seq: i64, problem: String) -> Self {
        Self {
            at: format!("audit entry {id} (stream {stream}, position {seq})"),
            problem,
        }
    }

    fn stream(stream: &str, problem: String) -> Self {
        Self {
            at: format!("stream {stream}"),
            problem,
        }
    }

    /// A problem with signed checkpoint `number`.
    pub fn checkpoint(number: i64, problem: String) -> Self {
        Self {
            at: format!("checkpoint {number}"),
            problem,
        }
    }
}

/// What an intact trail held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Entries checked.
    pub entries: u64,
    /// Streams checked.
    pub streams: usize,
    /// Signed checkpoints checked.
    pub checkpoints: usize,
}

/// Walks entries in id order, stream by stream, and checks each signed checkpoint when the walk
/// passes the last entry it covers.
#[derive(Debug, Default)]
pub struct Verifier {
    streams: BTreeMap<String, (i64, String)>,
    entries: u64,
    /// Checkpoints still to check, in number order.
    pending: VecDeque<Checkpoint>,
    trusted: Vec<VerifyingKey>,
    /// Streams changed since the last checkpoint checked.
    touched: BTreeSet<String>,
    /// Number and hash of the last checkpoint checked.
    last_checkpoint: (i64, String),
    checkpoints: usize,
}

impl Verifier {
    /// A verifier that also checks `checkpoints` (sorted by number), signed by one of `trusted`.
    pub fn new(checkpoints: Vec<Checkpoint>, trusted: Vec<VerifyingKey>) -> Self {
        Self {
            pending: checkpoints.into(),
            trusted,
            ..Self::default()
        }
    }

    /// Checks the next entry (entries must come in id order); `stored_hash` is the entry's hash column.
    pub fn feed(&mut self, id: i64, fields: &Fields<'_>, stored_hash: &str) -> Result<(), Broken> {
        self.feed_hashed(id, fields, &hash(fields), stored_hash)
    }

    /// As [`Verifier::feed`], with the entry's hash already recomputed (`computed`), so that callers
    /// can hash a page of entries in parallel.
    pub fn feed_hashed(
        &mut self,
        id: i64,
        fields: &Fields<'_>,
        computed: &str,
        stored_hash: &str,
    ) -> Result<(), Broken> {
        self.settle(Some(id))?;
        let broken = |problem: String| Broken::entry(id, fields.stream, fields.seq, problem);
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
        if computed != stored_hash {
            return Err(broken(
                "its contents do not match its hash: the entry was modified".to_owned(),
            ));
        }
        self.streams.insert(
            fields.stream.to_owned(),
            (fields.seq, stored_hash.to_owned()),
        );
        self.touched.insert(fields.stream.to_owned());
        self.entries += 1;
        Ok(())
    }

    /// Checks every pending checkpoint that covers only entries before `next_id` (all when `None`).
    fn settle(&mut self, next_id: Option<i64>) -> Result<(), Broken> {
        while self
            .pending
            .front()
            .is_some_and(|cp| next_id.is_none_or(|id| id > cp.up_to_id))
        {
            if let Some(cp) = self.pending.pop_front() {
                self.check_checkpoint(&cp)?;
            }
        }
        Ok(())
    }

    fn check_checkpoint(&mut self, cp: &Checkpoint) -> Result<(), Broken> {
        let broken = |problem: String| Broken::checkpoint(cp.number, problem);
        let (last_number, last_hash) = &self.last_checkpoint;
        if cp.number != last_number + 1 {
            return Err(broken(format!(
                "comes after checkpoint {last_number}: checkpoints were deleted or inserted"
            )));
        }
        if cp.prev_hash != *last_hash {
            return Err(broken(format!(
                "does not link to checkpoint {last_number}: checkpoints were replaced"
            )));
        }
        cp.check(&self.trusted).map_err(&broken)?;
        if u64::try_from(cp.entries).ok() != Some(self.entries) {
            return Err(broken(format!(
                "records {} entries up to entry {} but the trail holds {}: entries were deleted or inserted",
                cp.entries, cp.up_to_id, self.entries
            )));
        }
        for head in &cp.heads {
            let now = self.streams.get(&head.stream);
            if now != Some(&(head.seq, head.hash.clone())) {
                let (seq, _) = now.cloned().unwrap_or((0, String::new()));
                return Err(broken(format!(
                    "records stream {} at position {} with hash {}, but the trail has position {seq} there with another hash: the stream was rewritten",
                    head.stream, head.seq, head.hash
                )));
            }
        }
        let recorded: BTreeSet<&str> = cp.heads.iter().map(|h| h.stream.as_str()).collect();
        if let Some(extra) = self.touched.iter().find(|s| !recorded.contains(s.as_str())) {
            return Err(broken(format!(
                "does not record stream {extra}, which has entries it should cover: entries were inserted"
            )));
        }
        self.touched.clear();
        self.last_checkpoint = (cp.number, cp.hash.clone());
        self.checkpoints += 1;
        Ok(())
    }

    /// Checks the remaining checkpoints and compares the ends of the streams with their recorded heads.
    pub fn finish(mut self, heads: &[(String, i64, String)]) -> Result<Summary, Broken> {
        self.settle(None)?;
        for (stream, seq, head_hash) in heads {
            let (last_seq, last_hash) = self
                .streams
                .get(stream)
                .cloned()
                .unwrap_or((0, String::new()));
            if last_seq != *seq || last_hash != *head_hash {
                return Err(Broken::stream(
                    stream,
                    format!(
                        "the stream ends at position {last_seq} but its head records {seq}: entries were deleted or added at the end"
                    ),
                ));
            }
        }
        let recorded: BTreeSet<&str> = heads.iter().map(|(h, _, _)| h.as_str()).collect();
        if let Some(stream) = self.streams.keys().find(|s| !recorded.contains(s.as_str())) {
            return Err(Broken::stream(
                stream,
                "the stream has no recorded head: it was added outside Rujukan".to_owned(),
            ));
        }
        Ok(Summary {
            entries: self.entries,
            streams: self.streams.len(),
            checkpoints: self.checkpoints,
        })
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

    /// The canonical encoding as docs/AUDIT.md describes it, built the plain way.
    fn documented_hash(f: &Fields<'_>) -> String {
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

    #[test]
    fn the_hash_is_the_documented_encoding() {
        let plain = fields("case:9", 1, "", "{}");
        let tricky = Fields {
            actor_username: Some("sïti \"q\"\n\u{1}"),
            actor_user_id: None,
            client_ip: None,
            details: "{\"reason\":\"tidak \\ ada\"}",
            ..fields("system", 7, "ab", "{}")
        };
        for f in [plain, tricky] {
            assert_eq!(hash(&f), documented_hash(&f));
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
        assert_eq!(
            v.finish(&[("case:9".into(), 2, hb.clone())]),
            Ok(Summary {
                entries: 2,
                streams: 1,
                checkpoints: 0
            })
        );

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
