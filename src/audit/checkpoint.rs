//! Signed checkpoints of the audit trail, pure: what a checkpoint states, its canonical encoding,
//! its Ed25519 signature, and the checks an auditor runs on it.
//!
//! Checkpoint `n` states: "up to audit entry `up_to_id` the trail held `entries` entries, and these
//! streams changed since checkpoint `n-1`, ending at these positions and hashes". It carries the hash
//! of checkpoint `n-1`, so checkpoints form their own chain, and it is signed with the audit signing
//! key from the configuration. Someone who rewrites a stream in the database (and its head) cannot
//! make it agree with a checkpoint without the private key; an auditor who keeps the checkpoints
//! outside Rujukan also detects checkpoints deleted from the database.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::NaiveDateTime;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier as _, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Microsecond precision, which both databases keep exactly.
pub fn to_micros(at: NaiveDateTime) -> NaiveDateTime {
    use chrono::Timelike;
    at.with_nanosecond(at.nanosecond() / 1000 * 1000)
        .unwrap_or(at)
}

/// Where one stream stood at a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Head {
    /// Stream (`system`, `case:<id>`).
    pub stream: String,
    /// Last position.
    pub seq: i64,
    /// Hash of the entry at that position.
    pub hash: String,
}

/// What a checkpoint states, before it is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Number, from 1, without gaps.
    pub number: i64,
    /// When it was taken (UTC, microseconds).
    pub created_at: NaiveDateTime,
    /// The last audit entry id it covers.
    pub up_to_id: i64,
    /// How many entries have ids up to `up_to_id`.
    pub entries: i64,
    /// Hash of the previous checkpoint (empty for the first).
    pub prev_hash: String,
    /// The streams that changed since the previous checkpoint, sorted by stream.
    pub heads: Vec<Head>,
}

/// A signed checkpoint, as stored and as exported to auditors (one JSON object per line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// Number, from 1.
    pub number: i64,
    /// When it was taken (UTC, `YYYY-MM-DDTHH:MM:SS.ffffff`).
    pub created_at: String,
    /// The last audit entry id it covers.
    pub up_to_id: i64,
    /// Entries with ids up to `up_to_id`.
    pub entries: i64,
    /// Hash of the previous checkpoint.
    pub prev_hash: String,
    /// Streams changed since the previous checkpoint.
    pub heads: Vec<Head>,
    /// SHA-256 (hex) of the canonical statement.
    pub hash: String,
    /// The signing key's public half (base64).
    pub public_key: String,
    /// Ed25519 signature of the canonical statement (base64).
    pub signature: String,
}

/// Time format used in the canonical statement.
pub const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6f";

impl Statement {
    /// The canonical encoding that is hashed and signed: a compact JSON array
    /// `["rujukan-checkpoint-v1", number, created_at, up_to_id, entries, prev_hash, [[stream, seq, hash], …]]`.
    pub fn canonical(&self) -> String {
        let heads: Vec<serde_json::Value> = self
            .heads
            .iter()
            .map(|h| serde_json::json!([h.stream, h.seq, h.hash]))
            .collect();
        serde_json::json!([
            "rujukan-checkpoint-v1",
            self.number,
            to_micros(self.created_at).format(TIME_FORMAT).to_string(),
            self.up_to_id,
            self.entries,
            self.prev_hash,
            heads,
        ])
        .to_string()
    }

    /// Hashes and signs the statement.
    pub fn sign(self, key: &SigningKey) -> Checkpoint {
        let canonical = self.canonical();
        let hash = hex::encode(Sha256::digest(canonical.as_bytes()));
        let signature = key.sign(canonical.as_bytes());
        Checkpoint {
            number: self.number,
            created_at: to_micros(self.created_at).format(TIME_FORMAT).to_string(),
            up_to_id: self.up_to_id,
            entries: self.entries,
            prev_hash: self.prev_hash,
            heads: self.heads,
            hash,
            public_key: BASE64.encode(key.verifying_key().as_bytes()),
            signature: BASE64.encode(signature.to_bytes()),
        }
    }
}

/// Parses the time of a checkpoint.
pub fn parse_time(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, TIME_FORMAT).ok()
}

/// The public half of a signing key, base64, as auditors configure it.
pub fn public_key_text(key: &SigningKey) -> String {
    BASE64.encode(key.verifying_key().as_bytes())
}

/// Parses a public key written in base64.
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, String> {
    let bytes = BASE64
        .decode(text.trim())
        .map_err(|_| "is not valid base64".to_owned())?;
    let bytes: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| format!("must decode to 32 bytes, not {}", bytes.len()))?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| "is not an Ed25519 public key".to_owned())
}

impl Checkpoint {
    /// The statement it makes.
    pub fn statement(&self) -> Option<Statement> {
        Some(Statement {
            number: self.number,
            created_at: parse_time(&self.created_at)?,
            up_to_id: self.up_to_id,
            entries: self.entries,
            prev_hash: self.prev_hash.clone(),
            heads: self.heads.clone(),
        })
    }

    /// Checks that the hash matches the statement and that one of the `trusted` keys signed it.
    pub fn check(&self, trusted: &[VerifyingKey]) -> Result<(), String> {
        let statement = self
            .statement()
            .ok_or_else(|| format!("its time {:?} cannot be read", self.created_at))?;
        let canonical = statement.canonical();
        if hex::encode(Sha256::digest(canonical.as_bytes())) != self.hash {
            return Err("its contents do not match its hash: the checkpoint was modified".into());
        }
        let key = parse_public_key(&self.public_key).map_err(|e| format!("its public key {e}"))?;
        if !trusted.contains(&key) {
            return Err(format!(
                "it is signed by {}, which is not a trusted audit signing key",
                self.public_key
            ));
        }
        let signature = BASE64
            .decode(&self.signature)
            .ok()
            .and_then(|bytes| Signature::from_slice(&bytes).ok())
            .ok_or("its signature cannot be read")?;
        key.verify(canonical.as_bytes(), &signature).map_err(|_| {
            "its signature does not verify: the checkpoint was forged or modified".into()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement() -> Statement {
        Statement {
            number: 1,
            created_at: chrono::DateTime::from_timestamp(1_800_000_000, 5_000)
                .map(|d| d.naive_utc())
                .unwrap_or_default(),
            up_to_id: 42,
            entries: 40,
            prev_hash: String::new(),
            heads: vec![Head {
                stream: "case:1".into(),
                seq: 3,
                hash: "ab".into(),
            }],
        }
    }

    #[test]
    fn a_signed_checkpoint_checks_and_any_change_is_found() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let other = SigningKey::from_bytes(&[8; 32]);
        let trusted = [key.verifying_key()];
        let cp = statement().sign(&key);
        assert_eq!(cp.check(&trusted), Ok(()));
        assert_eq!(
            cp.statement(),
            Some(statement()),
            "the time survives the round trip"
        );

        let mut changed = cp.clone();
        changed.heads[0].seq = 2;
        assert!(
            changed
                .check(&trusted)
                .is_err_and(|e| e.contains("modified"))
        );

        // A forger recomputes the hash but cannot sign with the trusted key.
        let mut forged = statement();
        forged.entries = 39;
        let mut forged_cp = forged.clone().sign(&key);
        forged_cp.signature = cp.signature.clone();
        assert!(
            forged_cp
                .check(&trusted)
                .is_err_and(|e| e.contains("forged"))
        );
        let foreign = forged.sign(&other);
        assert!(
            foreign
                .check(&trusted)
                .is_err_and(|e| e.contains("not a trusted"))
        );
    }

    #[test]
    fn public_keys_parse_or_say_why_not() {
        let key = SigningKey::from_bytes(&[7; 32]);
        assert_eq!(
            parse_public_key(&public_key_text(&key)),
            Ok(key.verifying_key())
        );
        assert!(parse_public_key("%%").is_err_and(|e| e.contains("base64")));
        assert!(parse_public_key("AAAA").is_err_and(|e| e.contains("32 bytes")));
    }
}
