//! The two secrets Rujukan needs: the key that signs access tokens and the key that encrypts
//! survivors' identifying fields.
//!
//! Production takes both from configuration (in practice the environment) and refuses to start
//! without them. Every other environment generates them once and keeps them under
//! `<storage.data_dir>/secrets/`, readable by the owner only.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{SigningKey, VerifyingKey};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretBox, SecretString};

use super::Settings;

/// Shortest accepted token-signing secret, in characters.
pub const MIN_JWT_SECRET_LEN: usize = 32;

/// The 32-byte key for identity encryption; never printed.
pub struct DataKey(SecretBox<[u8; 32]>);

impl DataKey {
    /// The raw key bytes, for the cipher only.
    pub fn expose(&self) -> &[u8; 32] {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey([REDACTED])")
    }
}

/// Secrets resolved for this process.
#[derive(Debug)]
pub struct Secrets {
    /// Signs access tokens (HS256).
    pub jwt_secret: SecretString,
    /// Encrypts identifying fields.
    pub data_key: DataKey,
    /// Earlier data keys, for reading what they encrypted.
    pub retired_data_keys: Vec<DataKey>,
    /// Signs audit checkpoints (Ed25519).
    pub audit_signing_key: SigningKey,
    /// Public keys whose checkpoints verify: the signing key's own and earlier ones.
    pub audit_trusted_keys: Vec<VerifyingKey>,
}

/// Why the secrets cannot be used. Each message names the key and never the value.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// Production without a configured secret.
    #[error(
        "{key} is required in production (set {env}); generated secrets are for development only"
    )]
    MissingInProduction {
        /// Configuration key.
        key: &'static str,
        /// Environment variable.
        env: &'static str,
    },
    /// A configured value is unusable.
    #[error("{key}: {problem}")]
    Invalid {
        /// Configuration key.
        key: &'static str,
        /// What is wrong, without the value.
        problem: String,
    },
    /// The secrets folder cannot be read or written.
    #[error("cannot keep generated secrets in {path}: {source}")]
    Storage {
        /// File or folder.
        path: PathBuf,
        /// I/O error.
        source: std::io::Error,
    },
}

impl Secrets {
    /// Resolves both secrets as described in the module documentation.
    pub fn resolve(settings: &Settings) -> Result<Self, SecretsError> {
        let production = settings.environment.is_production();
        let folder = settings.storage.data_dir.join("secrets");

        let jwt_text = match &settings.security.jwt_secret {
            Some(value) => value.expose_secret().to_owned(),
            None if production => {
                return Err(SecretsError::MissingInProduction {
                    key: "security.jwt_secret",
                    env: "RUJUKAN_SECURITY__JWT_SECRET",
                });
            }
            None => read_or_generate(&folder.join("jwt_secret"))?,
        };
        let jwt_secret = parse_jwt_secret(&jwt_text)?;

        let key_text = match &settings.security.data_key {
            Some(value) => value.expose_secret().to_owned(),
            None if production => {
                return Err(SecretsError::MissingInProduction {
                    key: "security.data_key",
                    env: "RUJUKAN_SECURITY__DATA_KEY",
                });
            }
            None => read_or_generate(&folder.join("data_key"))?,
        };
        let data_key = parse_data_key(&key_text)?;
        let retired_data_keys = settings
            .security
            .retired_data_keys
            .iter()
            .map(|k| random_32_bytes("security.retired_data_keys", k.expose_secret()))
            .map(|k| k.map(|bytes| DataKey(SecretBox::new(Box::new(bytes)))))
            .collect::<Result<Vec<_>, _>>()?;

        let signing_text = match &settings.security.audit_signing_key {
            Some(value) => value.expose_secret().to_owned(),
            None if production => {
                return Err(SecretsError::MissingInProduction {
                    key: "security.audit_signing_key",
                    env: "RUJUKAN_SECURITY__AUDIT_SIGNING_KEY",
                });
            }
            None => read_or_generate(&folder.join("audit_signing_key"))?,
        };
        let audit_signing_key = parse_signing_key(&signing_text)?;
        let mut audit_trusted_keys = vec![audit_signing_key.verifying_key()];
        for text in &settings.security.audit_trusted_keys {
            let key = crate::audit::checkpoint::parse_public_key(text).map_err(|problem| {
                SecretsError::Invalid {
                    key: "security.audit_trusted_keys",
                    problem,
                }
            })?;
            audit_trusted_keys.push(key);
        }

        Ok(Self {
            jwt_secret,
            data_key,
            retired_data_keys,
            audit_signing_key,
            audit_trusted_keys,
        })
    }
}

/// Checks a token-signing secret: long enough and not one repeated character.
pub fn parse_jwt_secret(text: &str) -> Result<SecretString, SecretsError> {
    let text = text.trim();
    if text.chars().count() < MIN_JWT_SECRET_LEN {
        return Err(SecretsError::Invalid {
            key: "security.jwt_secret",
            problem: format!("must be at least {MIN_JWT_SECRET_LEN} characters"),
        });
    }
    if is_one_repeated(text.as_bytes()) {
        return Err(SecretsError::Invalid {
            key: "security.jwt_secret",
            problem: "is one character repeated; use a random value".to_owned(),
        });
    }
    Ok(SecretString::from(text.to_owned()))
}

/// Checks a data key: base64 of exactly 32 bytes that are not all the same.
pub fn parse_data_key(text: &str) -> Result<DataKey, SecretsError> {
    let key = random_32_bytes("security.data_key", text)?;
    Ok(DataKey(SecretBox::new(Box::new(key))))
}

/// Checks an audit signing key: base64 of a 32-byte Ed25519 seed whose bytes are not all the same.
pub fn parse_signing_key(text: &str) -> Result<SigningKey, SecretsError> {
    let seed = random_32_bytes("security.audit_signing_key", text)?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Decodes `text` as base64 of 32 bytes that are not all the same; problems name `key`.
fn random_32_bytes(key: &'static str, text: &str) -> Result<[u8; 32], SecretsError> {
    let invalid = |problem: &str| SecretsError::Invalid {
        key,
        problem: problem.to_owned(),
    };
    let bytes = BASE64
        .decode(text.trim())
        .map_err(|_| invalid("is not valid base64"))?;
    let key: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| invalid(&format!("must decode to 32 bytes, not {}", bytes.len())))?;
    if is_one_repeated(&key) {
        return Err(invalid("is one byte repeated; use 32 random bytes"));
    }
    Ok(key)
}

fn is_one_repeated(bytes: &[u8]) -> bool {
    bytes.windows(2).all(|pair| pair[0] == pair[1])
}

/// Reads a generated secret, or writes a new random one (32 bytes, base64) readable by the owner only.
fn read_or_generate(path: &Path) -> Result<String, SecretsError> {
    let storage = |source| SecretsError::Storage {
        path: path.to_path_buf(),
        source,
    };
    match fs::read_to_string(path) {
        Ok(text) => return Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(storage(e)),
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|source| SecretsError::Storage {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let text = BASE64.encode(bytes);
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(text.as_bytes()).map_err(storage)?;
            file.sync_all().map_err(storage)?;
            Ok(text)
        }
        // Another process generated it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            fs::read_to_string(path).map_err(storage)
        }
        Err(e) => Err(storage(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_key_must_be_32_random_bytes_in_base64() {
        assert!(parse_data_key("not base64!").is_err());
        assert!(parse_data_key(&BASE64.encode([7u8; 16])).is_err());
        assert!(parse_data_key(&BASE64.encode([0u8; 32])).is_err());
        let mut key = [0u8; 32];
        key[5] = 1;
        assert_eq!(
            parse_data_key(&BASE64.encode(key))
                .map(|k| *k.expose())
                .ok(),
            Some(key)
        );
    }

    #[test]
    fn jwt_secret_must_be_long_and_varied() {
        assert!(parse_jwt_secret("short").is_err());
        assert!(parse_jwt_secret(&"a".repeat(40)).is_err());
        assert!(parse_jwt_secret("a perfectly long and varied signing secret").is_ok());
    }

    #[test]
    fn generated_secret_is_kept_and_reused() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("secrets/data_key");
        let first = read_or_generate(&path)?;
        let second = read_or_generate(&path)?;
        assert_eq!(first, second);
        assert!(parse_data_key(&first).is_ok());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path)?.permissions().mode() & 0o777, 0o600);
        }
        Ok(())
    }

    #[test]
    fn errors_never_contain_the_value() {
        let value = "Zm9vYmFy";
        let err = parse_data_key(value)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(!err.is_empty() && !err.contains(value), "{err}");
    }
}
