//! Protection of survivors' identity at rest: AES-256-GCM for identifying fields (with a key
//! id, so keys can be rotated), and keyed hashes (blind indexes) of NIK and passport number for
//! exact-match duplicate warnings without storing either in the clear.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::config::DataKey;

/// One data key, ready for use: its id, its cipher and the key of its blind indexes.
#[derive(Clone)]
struct KeyEntry {
    id: String,
    cipher: Aes256Gcm,
    index_key: [u8; 32],
}

impl KeyEntry {
    fn new(key: &DataKey) -> Self {
        let bytes = key.expose();
        let mut index = Sha256::new();
        index.update(b"rujukan blind index\0");
        index.update(bytes);
        Self {
            id: key_id_of(key),
            cipher: Aes256Gcm::new(&Key::<Aes256Gcm>::from(*bytes)),
            index_key: index.finalize().into(),
        }
    }

    fn decrypt(&self, nonce: &[u8; 12], body: &[u8]) -> Result<Vec<u8>, VaultError> {
        self.cipher
            .decrypt(&Nonce::from(*nonce), body)
            .map_err(|_| VaultError("authentication failed"))
    }

    fn blind_index(&self, kind: &str, value: &str) -> String {
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key) else {
            return String::new();
        };
        mac.update(kind.as_bytes());
        mac.update(b":");
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// Encrypts and decrypts identifying data with the configured data key.
#[derive(Clone)]
pub struct Vault {
    current: KeyEntry,
    retired: Vec<KeyEntry>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Vault(key {})", self.current.id)
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

    /// A vault that encrypts with `key` and still opens what `retired` keys encrypted. New blind
    /// indexes follow the current key; lookups use [`Vault::blind_indexes`], which covers every key,
    /// until `rujukan keys rotate` has rebuilt the stored ones.
    pub fn with_retired(key: &DataKey, retired: &[DataKey]) -> Self {
        Self {
            current: KeyEntry::new(key),
            retired: retired.iter().map(KeyEntry::new).collect(),
        }
    }

    /// The id of the key in use.
    pub fn key_id(&self) -> &str {
        &self.current.id
    }

    /// Whether `key_id` names the key in use (what is sealed under another key awaits rotation).
    pub fn is_current(&self, key_id: &str) -> bool {
        key_id == self.current.id
    }

    /// Whether `key_id` names a configured key (current or retired).
    pub fn has_key(&self, key_id: &str) -> bool {
        self.keys().any(|k| k.id == key_id)
    }

    /// Every configured key, the current one first.
    fn keys(&self) -> impl Iterator<Item = &KeyEntry> {
        std::iter::once(&self.current).chain(&self.retired)
    }

    /// Encrypts `plaintext`: base64 of a random 96-bit nonce followed by the ciphertext and tag.
    pub fn seal(&self, plaintext: &[u8]) -> Result<String, VaultError> {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .current
            .cipher
            .encrypt(&Nonce::from(nonce), plaintext)
            .map_err(|_| VaultError("encryption failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(BASE64.encode(out))
    }

    /// Decrypts what [`Vault::seal`] produced under the key named `key_id` (current or retired).
    pub fn open(&self, key_id: &str, sealed: &str) -> Result<Vec<u8>, VaultError> {
        let key = self
            .keys()
            .find(|k| k.id == key_id)
            .ok_or(VaultError("encrypted with a key that is not configured"))?;
        let (nonce, body) = split(sealed)?;
        key.decrypt(&nonce, &body)
    }

    /// Decrypts what any configured key sealed, for sealed data that does not record its key
    /// (document content files, shared by every upload of the same bytes). Tries the current key
    /// first; AES-GCM's authentication tag tells a wrong key. Returns the plaintext and the id of
    /// the key that opened it.
    pub fn open_any(&self, sealed: &str) -> Result<(Vec<u8>, &str), VaultError> {
        let (nonce, body) = split(sealed)?;
        self.keys()
            .find_map(|k| {
                k.decrypt(&nonce, &body)
                    .ok()
                    .map(|plain| (plain, k.id.as_str()))
            })
            .ok_or(VaultError("no configured key opens it"))
    }

    /// The blind index of an identifier under the current key: HMAC-SHA256 under a key derived
    /// from the data key, over `kind:value`, hex. This is what is stored.
    pub fn blind_index(&self, kind: &str, value: &str) -> String {
        self.current.blind_index(kind, value)
    }

    /// The blind indexes of an identifier under every configured key, the current one first: what
    /// a lookup must match while stored indexes may still follow a retired key.
    pub fn blind_indexes(&self, kind: &str, value: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for index in self.keys().map(|k| k.blind_index(kind, value)) {
            if !out.contains(&index) {
                out.push(index);
            }
        }
        out
    }
}

/// The searchable words of a name: lower case, diacritics and punctuation removed, split on
/// whitespace, words of 3 letters or more, each once. Both intake and search use this, so
/// "Siti Rahmawati-Kusumaningrum" is found by `rahmawati` or `KUSUMANINGRUM`.
pub fn name_tokens(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in name.split_whitespace() {
        let token = name_word(word);
        if token.chars().count() >= MIN_NAME_TOKEN && !out.contains(&token) {
            out.push(token);
        }
    }
    out
}

/// The shortest searchable word of a name, in letters.
pub const MIN_NAME_TOKEN: usize = 3;

/// One word of a name normalised: lower case letters and digits, diacritics stripped
/// (`é` → `e`), everything else (hyphens, apostrophes, dots) dropped.
pub fn name_word(word: &str) -> String {
    word.chars()
        .flat_map(char::to_lowercase)
        .map(strip_diacritic)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// The letter without its diacritic, for the Latin letters that carry one in names.
fn strip_diacritic(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => 'a',
        'ç' | 'č' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ē' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' => 'u',
        'ý' | 'ÿ' => 'y',
        'š' => 's',
        'ž' => 'z',
        other => other,
    }
}

/// A phone number as it is indexed: digits only, the Indonesian country code (`+62`, `62`)
/// written as the trunk prefix `0`, so `+62 812-3456-7890` and `081234567890` match. `None` when
/// no digit is left.
pub fn phone_key(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let local = match digits.strip_prefix("62") {
        Some(rest) => format!("0{rest}"),
        None => digits,
    };
    (!local.is_empty()).then_some(local)
}

/// The nonce and the ciphertext with its tag of a sealed value.
fn split(sealed: &str) -> Result<([u8; 12], Vec<u8>), VaultError> {
    let mut bytes = BASE64
        .decode(sealed)
        .map_err(|_| VaultError("not base64"))?;
    if bytes.len() < 12 + 16 {
        return Err(VaultError("too short"));
    }
    let body = bytes.split_off(12);
    let nonce: [u8; 12] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| VaultError("bad nonce"))?;
    Ok((nonce, body))
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

    fn key(seed: u8) -> DataKey {
        let mut key = [seed; 32];
        key[0] = seed.wrapping_add(1);
        parse_data_key(&BASE64.encode(key)).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn open_any_finds_the_key_among_the_configured_ones() -> Result<(), VaultError> {
        let old = Vault::new(&key(3));
        let older = Vault::new(&key(5));
        let rotated = Vault::with_retired(&key(9), &[key(3), key(5)]);
        let under_old = old.seal(b"%PDF-1.4 statement")?;
        let under_older = older.seal(b"visum")?;
        let under_new = rotated.seal(b"photo")?;
        assert_eq!(
            rotated.open_any(&under_old)?,
            (b"%PDF-1.4 statement".to_vec(), old.key_id())
        );
        assert_eq!(
            rotated.open_any(&under_older)?,
            (b"visum".to_vec(), older.key_id())
        );
        let (plain, id) = rotated.open_any(&under_new)?;
        assert_eq!((plain.as_slice(), id), (&b"photo"[..], rotated.key_id()));
        assert!(rotated.is_current(id) && !rotated.is_current(old.key_id()));
        assert!(rotated.has_key(old.key_id()) && !Vault::new(&key(9)).has_key(old.key_id()));
        // A key that is not configured does not open it, and neither does a tampered copy.
        assert!(Vault::new(&key(9)).open_any(&under_old).is_err());
        let mut bytes = BASE64.decode(&under_old).map_err(|_| VaultError("b64"))?;
        bytes[20] ^= 1;
        assert!(rotated.open_any(&BASE64.encode(bytes)).is_err());
        assert!(rotated.open_any("not sealed").is_err());
        Ok(())
    }

    #[test]
    fn blind_indexes_cover_the_current_and_every_retired_key() {
        let nik = "3374010101900001";
        let old = Vault::new(&key(3));
        let rotated = Vault::with_retired(&key(9), &[key(3), key(5)]);
        let all = rotated.blind_indexes("nik", nik);
        assert_eq!(
            all,
            [
                rotated.blind_index("nik", nik),
                old.blind_index("nik", nik),
                Vault::new(&key(5)).blind_index("nik", nik),
            ]
        );
        assert_ne!(rotated.blind_index("nik", nik), old.blind_index("nik", nik));
        assert!(!all.contains(&old.blind_index("passport", nik)));
        assert_eq!(old.blind_indexes("nik", nik), [old.blind_index("nik", nik)]);
        // The current key listed again as retired gives no second, equal index.
        let doubled = Vault::with_retired(&key(3), &[key(3)]);
        assert_eq!(doubled.blind_indexes("nik", nik).len(), 1);
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

    #[test]
    fn name_tokens_are_normalised_whole_words() {
        assert_eq!(
            name_tokens("Siti  Rahmawati-Kusumaningrum"),
            ["siti", "rahmawatikusumaningrum"]
        );
        assert_eq!(name_tokens("Dewi Sé, Ani"), ["dewi", "ani"]);
        assert_eq!(name_tokens("RENÉ rené O'Neil"), ["rene", "oneil"]);
        assert!(name_tokens("Al Yu").is_empty());
        assert_eq!(name_word("Éka."), "eka");
    }

    #[test]
    fn phone_keys_write_the_country_code_as_zero() {
        assert_eq!(
            phone_key("+62 812-3456-7890").as_deref(),
            Some("081234567890")
        );
        assert_eq!(phone_key("6281234567890").as_deref(), Some("081234567890"));
        assert_eq!(phone_key("0812 3456 7890").as_deref(), Some("081234567890"));
        assert_eq!(phone_key("+60 12 345 6789").as_deref(), Some("60123456789"));
        assert_eq!(phone_key("--"), None);
    }
}
