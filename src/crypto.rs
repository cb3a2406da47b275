//! Protection of survivors' identity at rest: AES-256-GCM for identifying fields (with a key
//! id, so keys can be rotated), and keyed hashes (blind indexes) of NIK and passport number for
//! exact-match duplicate warnings without storing either in the clear.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit as _, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::config::DataKey;

/// Encrypts and decrypts identifying data with the configured data key.
#[derive(Clone)]
pub struct Vault {
    cipher: Aes256Gcm,
    key_id: String,
    index_key: [u8; 32],
    retired: Vec<(String, Aes256Gcm)>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Vault(key {})", self.key_id)
    }
}

/// A ciphertext that cannot be opened (wrong key, tampered, malformed).
#[derive(Debug, thiserror::Error)]
#[error("cannot decrypt protected data: {0}")]
pub struct VaultError(&'static str);

impl Vault {
    /// A vault for `key`. The key id is derived from the key (first 8 bytes of its SHA-256), so
    /// rows name the key that encrypted them without revealing it.
    pub fn new(key: &DataKey) -> Self {
        Self::with_retired(key, &[])
    }

    /// A vault that encrypts with `key` and still opens what `retired` keys encrypted. Blind
    /// indexes follow the current key (rotating re-indexes).
    pub fn with_retired(key: &DataKey, retired: &[DataKey]) -> Self {
        let bytes = key.expose();
        let key_id = key_id_of(key);
        let mut index = Sha256::new();
        index.update(b"rujukan blind index\0");
        index.update(bytes);
        Self {
            cipher: Aes256Gcm::new(&Key::<Aes256Gcm>::from(*bytes)),
            key_id,
            index_key: index.finalize().into(),
            retired: retired
                .iter()
                .map(|k| {
                    (
                        key_id_of(k),
                        Aes256Gcm::new(&Key::<Aes256Gcm>::from(*k.expose())),
                    )
                })
                .collect(),
        }
    }

    /// The id of the key in use.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Encrypts `plaintext`: base64 of a random 96-bit nonce followed by the ciphertext and tag.
    pub fn seal(&self, plaintext: &[u8]) -> Result<String, VaultError> {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(&Nonce::from(nonce), plaintext)
            .map_err(|_| VaultError("encryption failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(BASE64.encode(out))
    }

    /// Decrypts what [`Vault::seal`] produced with this key.
    pub fn open(&self, key_id: &str, sealed: &str) -> Result<Vec<u8>, VaultError> {
        let cipher = if key_id == self.key_id {
            &self.cipher
        } else {
            &self
                .retired
                .iter()
                .find(|(id, _)| id == key_id)
                .ok_or(VaultError("encrypted with a key that is not configured"))?
                .1
        };
        let bytes = BASE64
            .decode(sealed)
            .map_err(|_| VaultError("not base64"))?;
        if bytes.len() < 12 + 16 {
            return Err(VaultError("too short"));
        }
        let (nonce, body) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| VaultError("bad nonce"))?;
        cipher
            .decrypt(&Nonce::from(nonce), body)
            .map_err(|_| VaultError("authentication failed"))
    }

    /// The blind index of an identifier: HMAC-SHA256 under a key derived from the data key,
    /// over `kind:value`, hex.
    pub fn blind_index(&self, kind: &str, value: &str) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.index_key) else {
            return String::new();
        };
        mac.update(kind.as_bytes());
        mac.update(b":");
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// The id of a key: the first 8 bytes of its SHA-256, hex.
fn key_id_of(key: &DataKey) -> String {
    hex::encode(&Sha256::digest(key.expose())[..8])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::secrets::parse_data_key;

    fn vault(seed: u8) -> Vault {
        let mut key = [seed; 32];
        key[0] = seed.wrapping_add(1);
        let key = parse_data_key(&BASE64.encode(key)).unwrap_or_else(|e| panic!("{e}"));
        Vault::new(&key)
    }

    #[test]
    fn sealed_data_opens_only_with_its_key_and_untampered() -> Result<(), VaultError> {
        let v = vault(3);
        let sealed = v.seal(b"Siti Rahmawati")?;
        assert!(!sealed.contains("Siti"));
        assert_ne!(sealed, v.seal(b"Siti Rahmawati")?, "fresh nonce each time");
        assert_eq!(v.open(v.key_id(), &sealed)?, b"Siti Rahmawati");
        let other = vault(4);
        assert!(other.open(other.key_id(), &sealed).is_err(), "other key");
        assert!(v.open(other.key_id(), &sealed).is_err(), "key id checked");
        let mut bytes = BASE64.decode(&sealed).map_err(|_| VaultError("b64"))?;
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(
            v.open(v.key_id(), &BASE64.encode(bytes)).is_err(),
            "tampered"
        );
        Ok(())
    }

    #[test]
    fn retired_keys_still_open_their_data() -> Result<(), VaultError> {
        let old = vault(3);
        let sealed = old.seal(b"Wulan")?;
        let mut key = [9u8; 32];
        key[0] = 1;
        let new_key = parse_data_key(&BASE64.encode(key)).unwrap_or_else(|e| panic!("{e}"));
        let mut old_key = [3u8; 32];
        old_key[0] = 4;
        let old_key = parse_data_key(&BASE64.encode(old_key)).unwrap_or_else(|e| panic!("{e}"));
        let rotated = Vault::with_retired(&new_key, &[old_key]);
        assert_ne!(rotated.key_id(), old.key_id());
        assert_eq!(rotated.open(old.key_id(), &sealed)?, b"Wulan");
        assert!(Vault::new(&new_key).open(old.key_id(), &sealed).is_err());
        Ok(())
    }

    #[test]
    fn blind_indexes_match_exactly_and_depend_on_the_key() {
        let v = vault(3);
        let a = v.blind_index("nik", "3374010101900001");
        assert_eq!(a, v.blind_index("nik", "3374010101900001"));
        assert_ne!(a, v.blind_index("passport", "3374010101900001"));
        assert_ne!(a, vault(4).blind_index("nik", "3374010101900001"));
        assert!(!a.contains("3374"));
    }
}
